/*
 * output.c - getting a finished result out: stdout or an --output-file.
 *
 * A file is written to a temporary name in its own directory and renamed
 * into place, so a reader (or a Makefile rule) never sees half a result and
 * an old file survives a failed run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int hf_cli_write_file(const char *path, const char *text, hf_error *err)
{
    return hf_cli_write_bytes(path, text, strlen(text), err);
}

int hf_cli_write_bytes(const char *path, const void *data, size_t n,
                       hf_error *err)
{
    const char *text = data;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return hf_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
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
        return hf_error_set(err, HF_ERR_IO, "%s: cannot create: %s", path,
                            strerror(e));
    }
    size_t done = 0;
    int e = 0;
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            break;
        }
        done += (size_t)w;
    }
    /* mkstemp makes the file 0600; give it the usual umask-derived mode
     * as fopen() would. */
    mode_t um = umask(0);
    umask(um);
    if (!e && fchmod(fd, 0666 & ~um) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        free(tmp);
        return hf_error_set(err, HF_ERR_IO, "%s: cannot write: %s", path,
                            strerror(e));
    }
    free(tmp);
    return HF_OK;
}

int hf_cli_emit(const char *text, const char *path)
{
    if (path) {
        hf_error err = {0};
        if (hf_cli_write_file(path, text, &err) != HF_OK)
            return hf_cli_lib_error(&err);
        return HF_EXIT_OK;
    }
    if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
        hf_cli_msg("cannot write to standard output: %s", strerror(errno));
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

int hf_cli_emit_json(const cJSON *obj, const char *path)
{
    char *text = hf_json_dump(obj, 0, 0);
    size_t len = text ? strlen(text) : 0;
    char *line = text ? realloc(text, len + 2) : NULL;
    if (!line) {
        free(text);
        hf_cli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    memcpy(line + len, "\n", 2);
    int rc = hf_cli_emit(line, path);
    free(line);
    return rc;
}
