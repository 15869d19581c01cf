/*
 * output.c - getting a finished result out: stdout or an --output-file.
 *
 * A regular file is written to a temporary name in its own directory and
 * renamed into place, so a reader (or a Makefile rule) never sees half a
 * result and an old file survives a failed run; the old file's mode and
 * owner are kept.  A symbolic link is followed: its target is replaced so.
 * Anything else that exists (a FIFO, a terminal, /dev/null) is opened and
 * written in place, as the shell's `>` would.  A directory or an empty
 * name is refused.  (README "Robustness".)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int hfcli_write_file(const char *path, const char *text, hf_error *err)
{
    return hfcli_write_bytes(path, text, strlen(text), err);
}

static int write_all(int fd, const char *text, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        done += (size_t)w;
    }
    return 0;
}

/* A FIFO, a terminal, /dev/null: written in place, as the shell's `>`
 * would (renaming a file over them would replace the node itself and a
 * FIFO's reader would never see the data).  `shown` is the name the user
 * gave. */
static int write_special(const char *path, const char *shown, int append,
                         const char *text, size_t n, hf_error *err)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC |
                        (append ? O_APPEND : 0));
    if (fd < 0)
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot open for writing: %s",
                            shown, strerror(errno));
    int e = write_all(fd, text, n);
    if (close(fd) != 0 && !e)
        e = errno;
    if (e)
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot write: %s", shown,
                            strerror(e));
    return HF_OK;
}

/* A regular file (or none yet): written to a temporary name in the same
 * directory, given the old file's mode and owner (or the umask-derived
 * mode of a new file), then renamed over it. */
static int write_replace(const char *path, const char *shown,
                         const struct stat *old, const char *text, size_t n,
                         hf_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", shown);
    /* Same directory as the target, so rename() stays atomic. */
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    memcpy(tmp, path, dlen);
    snprintf(tmp + dlen, plen + 16 - dlen, ".%s.XXXXXX", path + dlen);
    /* The template may be longer than NAME_MAX for very long names; then
     * mkstemp fails and we report it, rather than write elsewhere. */
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot create: %s", shown,
                            strerror(e));
    }
    int e = write_all(fd, text, n);
    const char *what = "cannot write";
    mode_t um = umask(0);
    umask(um);
    /* mkstemp makes the file 0600: give it the old file's mode, or the
     * one fopen() would give a new file */
    if (!e && fchmod(fd, old ? old->st_mode & 07777 : 0666 & ~um) != 0)
        e = errno;
    struct stat mine;
    if (!e && old && fstat(fd, &mine) == 0 &&
        (mine.st_uid != old->st_uid || mine.st_gid != old->st_gid) &&
        fchown(fd, old->st_uid, old->st_gid) != 0) {
        e = errno;
        what = "cannot keep the file's owner (replace it as its owner, or "
               "remove it first)";
    }
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        free(tmp);
        return hfcore_error_set(err, HF_ERR_IO, "%s: %s: %s", shown, what,
                            strerror(e));
    }
    free(tmp);
    return HF_OK;
}

int hfcli_write_bytes(const char *path, const void *data, size_t n,
                       hf_error *err)
{
    if (!path || !*path)
        return hfcore_error_set(err, HF_ERR_ARG, "--output-file: the file name is "
                            "empty");
    struct stat st;
    char *target = NULL;
    const char *real = path;
    int rc;
    /* /dev/stdout, /dev/fd/3, /proc/self/fd/1: an open file of this
     * process, which the caller's shell may have opened (`> out.json`):
     * write to it, never rename over what it points to */
    if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0) {
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return hfcore_error_set(err, HF_ERR_IO, "%s: is a directory", path);
        return write_special(path, path, stat(path, &st) == 0 &&
                             S_ISREG(st.st_mode), data, n, err);
    }
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* a link: its target is what gets written */
        target = realpath(path, NULL);
        if (!target)
            return hfcore_error_set(err, HF_ERR_IO, "%s: a symbolic link whose "
                                "target cannot be reached: %s", path,
                                strerror(errno));
        real = target;
    }
    if (stat(real, &st) != 0) {
        if (errno != ENOENT)
            rc = hfcore_error_set(err, HF_ERR_IO, "%s: cannot write: %s", path,
                              strerror(errno));
        else
            rc = write_replace(real, path, NULL, data, n, err);
    } else if (S_ISDIR(st.st_mode)) {
        rc = hfcore_error_set(err, HF_ERR_IO, "%s: is a directory", path);
    } else if (!S_ISREG(st.st_mode)) {
        rc = write_special(real, path, 0, data, n, err);
    } else {
        rc = write_replace(real, path, &st, data, n, err);
    }
    free(target);
    return rc;
}

int hfcli_emit(const char *text, const char *path)
{
    if (path) {
        hf_error err = {0};
        if (hfcli_write_file(path, text, &err) != HF_OK)
            return hfcli_lib_error(&err);
        return HF_EXIT_OK;
    }
    if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
        hfcli_msg("cannot write to standard output: %s", strerror(errno));
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

int hfcli_emit_text_line(char *text, const char *path)
{
    size_t len = text ? strlen(text) : 0;
    char *line = text ? realloc(text, len + 2) : NULL;
    if (!line) {
        free(text);
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    memcpy(line + len, "\n", 2);
    int rc = hfcli_emit(line, path);
    free(line);
    return rc;
}

int hfcli_emit_json(const cJSON *obj, const char *path)
{
    return hfcli_emit_text_line(hfcli_json_dump(obj, 0, 0), path);
}
