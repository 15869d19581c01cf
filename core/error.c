/* error.c - status codes, error messages and small I/O helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

const char *hf_status_name(int code)
{
    switch (code) {
    case HF_OK: return "ok";
    case HF_ERR_IO: return "i/o error";
    case HF_ERR_PARSE: return "JSON parse error";
    case HF_ERR_INVALID: return "invalid input";
    case HF_ERR_PATCH: return "patch failed";
    case HF_ERR_NOTFOUND: return "not found";
    case HF_ERR_ARG: return "bad argument";
    case HF_ERR_NOMEM: return "out of memory";
    case HF_ERR_FIT: return "fit did not converge";
    case HF_ERR_NUMERIC: return "non-finite likelihood";
    default: return "unknown status";
    }
}

int hfcore_error_set(hf_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* The read limit: HF_MAX_INPUT_DEFAULT, or the environment's
 * HF_MAX_INPUT_ENV (both documented in include/hf.h). */

size_t hfcore_file_read_limit(void)
{
    const char *s = getenv(HF_MAX_INPUT_ENV);
    if (!s || !*s)
        return HF_MAX_INPUT_DEFAULT;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (errno || end == s || *end || *s == '-' || v == 0 ||
        v > (SIZE_MAX >> 1) >> shift)
        return HF_MAX_INPUT_DEFAULT;
    return (size_t)(v << shift);
}

/* Why a file that is not a regular file, a pipe or a terminal is refused:
 * reading a device (/dev/zero, /dev/urandom) never ends, and a directory
 * has no text. */
static int refuse_kind(const char *path, int fd, const struct stat *st,
                       hf_error *err)
{
    if (S_ISDIR(st->st_mode))
        return hfcore_error_set(err, HF_ERR_IO, "%s: is a directory, not a file",
                            path);
    if (S_ISBLK(st->st_mode) || (S_ISCHR(st->st_mode) && !isatty(fd)))
        return hfcore_error_set(err, HF_ERR_IO, "%s: is a device, not a file: "
                            "hf reads regular files, pipes and standard input",
                            path);
    return HF_OK;
}

static int too_big(const char *path, size_t limit, hf_error *err)
{
    return hfcore_error_set(err, HF_ERR_IO, "%s: larger than %zu bytes, the most "
                        "hf reads from one input (set HF_MAX_INPUT_BYTES, e.g. "
                        "HF_MAX_INPUT_BYTES=4G, to allow more)", path, limit);
}

/* Reads f to its end or to `limit` bytes, whichever comes first. */
static int read_all(FILE *f, const char *path, size_t limit, char **text,
                    size_t *len, hf_error *err)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                                    path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (n > limit) {
            free(buf);
            return too_big(path, limit, err);
        }
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        return hfcore_error_set(err, HF_ERR_IO, "%s: read error: %s", path,
                            strerror(e));
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return HF_OK;
}

int hfcore_file_read(const char *path, char **text, size_t *len, hf_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot open: %s", path,
                            strerror(errno));
    struct stat st;
    size_t limit = hfcore_file_read_limit(), n = 0;
    char *buf = NULL;
    int rc = HF_OK;
    if (fstat(fileno(f), &st) != 0)
        rc = hfcore_error_set(err, HF_ERR_IO, "%s: cannot stat: %s", path,
                          strerror(errno));
    else if ((rc = refuse_kind(path, fileno(f), &st, err)) != HF_OK)
        ;
    else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > limit)
        rc = too_big(path, limit, err);
    else
        rc = read_all(f, path, limit, &buf, &n, err);
    fclose(f);
    if (rc != HF_OK)
        return rc;
    if (strlen(buf) != n) {
        free(buf);
        return hfcore_error_set(err, HF_ERR_PARSE,
                            "%s: contains a NUL byte: not a text file", path);
    }
    *text = buf;
    if (len)
        *len = n;
    return HF_OK;
}

/* A descriptor of the regular file at path, for mapping, with its fstat
 * in *st; -1 for anything else, which the caller reads as
 * hfcore_file_read does (and words its faults).  Only what stat calls a
 * regular file is opened, and without blocking: a pipe opened and closed
 * again would lose its writer (it dies of SIGPIPE) and the read would
 * then wait for ever. */
static int open_regular(const char *path, struct stat *st)
{
    if (stat(path, st) != 0 || !S_ISREG(st->st_mode))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0 && (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))) {
        close(fd); /* replaced by something else since the stat */
        fd = -1;
    }
    return fd;
}

int hfcore_text_open(const char *path, hfcore_text *t, hf_error *err)
{
    memset(t, 0, sizeof *t);
    struct stat st;
    int fd = open_regular(path, &st);
    if (fd < 0 || st.st_size == 0) {
        /* pipes, terminals, faults and the rest: read as hfcore_file_read
         * reads */
        if (fd >= 0)
            close(fd);
        char *text;
        int rc = hfcore_file_read(path, &text, &t->len, err);
        t->p = text;
        return rc;
    }
    size_t limit = hfcore_file_read_limit();
    if ((unsigned long long)st.st_size > limit) {
        close(fd);
        return too_big(path, limit, err);
    }
    /* Mapped, not read: pages are handed back once scanned (a 57 MB
     * patchset in 28 MB).  The price: a file truncated by another program
     * while mapped raises SIGBUS here (README, "Reads are bounded"). */
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot map: %s", path,
                                strerror(e));
    t->p = m;
    t->len = t->mapped = (size_t)st.st_size;
    return HF_OK;
}

/* The mapping of a regular file of `size` bytes, NUL-terminated by the
 * zeros the kernel puts after the end of the file in its last page, with
 * no NUL before; NULL when it cannot be had so (the caller then reads). */
static const char *map_terminated(int fd, size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    /* a size of whole pages has no zeroed tail to end the string */
    if (page <= 0 || size == 0 || size % (size_t)page == 0)
        return NULL;
    char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return NULL;
    /* m[size] != 0: the file grew after fstat; a NUL inside: the read's
     * message says so.  memchr, not strlen, stays inside the mapping. */
    if (m[size] != '\0' || memchr(m, '\0', size)) {
        munmap(m, size);
        return NULL;
    }
    return m;
}

static void note_file(hfcore_text *t, const struct stat *st)
{
    t->dev = (uint64_t)st->st_dev;
    t->ino = (uint64_t)st->st_ino;
    t->mtime_s = (int64_t)st->st_mtim.tv_sec;
    t->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
    t->ctime_s = (int64_t)st->st_ctim.tv_sec;
    t->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

int hfcore_text_unchanged(const hfcore_text *t, const char *path)
{
    if (!t->mapped)
        return 1;
    hfcore_text now;
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return 0;
    note_file(&now, &st);
    return now.dev == t->dev && now.ino == t->ino &&
           (uint64_t)st.st_size == t->mapped &&
           now.mtime_s == t->mtime_s && now.mtime_ns == t->mtime_ns &&
           now.ctime_s == t->ctime_s && now.ctime_ns == t->ctime_ns;
}

int hfcore_text_read(const char *path, hfcore_text *t, hf_error *err)
{
    memset(t, 0, sizeof *t);
    struct stat st;
    int fd = open_regular(path, &st);
    if (fd >= 0) {
        const char *m = NULL;
        /* mapped, not read: no copy of the file into fresh pages (each
         * zeroed by the kernel first): 1Lbb's 4.4 MB workspace ~4 ms
         * less CPU */
        if ((unsigned long long)st.st_size <= hfcore_file_read_limit())
            m = map_terminated(fd, (size_t)st.st_size);
        close(fd);
        if (m) {
            t->p = m;
            t->len = t->mapped = (size_t)st.st_size;
            note_file(t, &st);
            return HF_OK;
        }
    }
    /* everything else (pipes, whole pages, faults and their messages):
     * as hfcore_file_read reads */
    char *text;
    int rc = hfcore_file_read(path, &text, &t->len, err);
    t->p = rc == HF_OK ? text : NULL;
    return rc;
}

void hfcore_text_release(hfcore_text *t, size_t upto)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!t->mapped || page <= 0)
        return;
    size_t to = upto / (size_t)page * (size_t)page;
    /* in steps of 4 MB, not per call: each release flushes the TLB of
     * every CPU running one of our threads (an interrupt to each) */
    if (to >= t->released + ((size_t)4 << 20)) {
        /* a private read-only mapping: the pages stay in the page cache,
         * only this process's hold on them goes */
        madvise((char *)t->p + t->released, to - t->released, MADV_DONTNEED);
        t->released = to;
    }
}

void hfcore_text_drop(const hfcore_text *t)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!t->mapped || page <= 0)
        return;
    /* from the start, not from t->released: pages given back there are
     * faulted in again by whatever reads them after (a lazy patchset's
     * parses); the kernel rounds the length up to the last page */
    madvise((void *)t->p, t->mapped, MADV_DONTNEED);
}

void hfcore_text_close(hfcore_text *t)
{
    if (t->mapped)
        munmap((void *)t->p, t->mapped);
    else
        free((void *)t->p);
    memset(t, 0, sizeof *t);
}

/* Where, if anywhere, a string of valid JSON text holds the escape
 * \u0000: cJSON would end the C string there, so "sys\u0000A" and
 * "sys\u0000B" would both read as "sys" and two parameters would merge.
 * Returns the escape's position or NULL. */
static const char *nul_escape(const char *text, size_t len)
{
    /* almost always absent: backslashes are rare (memchr finds them
     * quickly) and only a text with a candidate is walked, since the
     * candidate may follow an escaped backslash */
    const char *b = text, *end = text + len;
    while ((b = memchr(b, '\\', (size_t)(end - b))) &&
           strncmp(b + 1, "u0000", 5) != 0)
        b++;
    if (!b)
        return NULL;
    int in_str = 0;
    for (const char *p = text; *p; p++) {
        if (!in_str) {
            in_str = *p == '"';
        } else if (*p == '"') {
            in_str = 0;
        } else if (*p == '\\') {
            if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
                return p;
            if (p[1])
                p++;
        }
    }
    return NULL;
}

int hfcore_json_nul_escaped(const char *text, size_t len)
{
    return nul_escape(text, len) != NULL;
}

/* Line and column (from 1) of pos in text, and the depth of [ and { open
 * there (outside strings). */
static void locate(const char *text, const char *pos, int *line, int *col,
                   int *depth)
{
    int in_str = 0;
    *line = 1;
    *col = 1;
    *depth = 0;
    if (!pos || pos < text)
        return;
    for (const char *p = text; p < pos && *p; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
        if (in_str) {
            if (*p == '\\' && p[1] && p + 1 < pos)
                p++, (*col)++;
            else if (*p == '"')
                in_str = 0;
        } else if (*p == '"') {
            in_str = 1;
        } else if (*p == '[' || *p == '{') {
            (*depth)++;
        } else if (*p == ']' || *p == '}') {
            (*depth)--;
        }
    }
}

int hfcore_nesting_error(hf_error *err, const char *source, int line, int col)
{
    return hfcore_error_set(err, HF_ERR_PARSE,
                            "%s: arrays and objects nested deeper than %d "
                            "levels (line %d, column %d): more than any "
                            "workspace needs, refused", source,
                            CJSON_NESTING_LIMIT, line, col);
}

int hfcore_json_parse(const char *text, const char *source, cJSON **out,
                  hf_error *err)
{
    return hfcore_json_parse_n(text, text ? strlen(text) : 0, source, out,
                               err);
}

int hfcore_json_parse_n(const char *text, size_t len, const char *source,
                        cJSON **out, hf_error *err)
{
    return hfcore_json_parse_n_marks(text, len, source, 1, out, err);
}

int hfcore_json_parse_n_marks(const char *text, size_t len, const char *source,
                              int marks, cJSON **out, hf_error *err)
{
    const char *end = NULL;
    /* len + 1 takes in the NUL, as cJSON_ParseWithOpts does after its own
     * strlen: the same parse, without another pass over megabytes of
     * text whose length the caller already has */
    cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    int line, col, depth;
    if (!root) {
        /* cJSON's own error pointer is a global; the end pointer it
         * returns is per call, so use that for line and column. */
        locate(text, end, &line, &col, &depth);
        if (depth >= CJSON_NESTING_LIMIT)
            return hfcore_nesting_error(err, source, line, col);
        return hfcore_error_set(err, HF_ERR_PARSE,
                            "%s: not valid JSON (near line %d, column %d)",
                            source, line, col);
    }
    const char *nul = nul_escape(text, len);
    if (nul) {
        cJSON_Delete(root);
        locate(text, nul, &line, &col, &depth);
        return hfcore_error_set(err, HF_ERR_PARSE,
                            "%s: a string holds the NUL character \\u0000 "
                            "(line %d, column %d): refused, since names "
                            "that differ only after it would merge", source,
                            line, col);
    }
    /* Python's json.load tells "1" (int) from "1.0" (float); cJSON does
     * not, so the text is read again for that (see core/json.c). */
    if (marks)
        hfcore_json_mark_ints_n(text, len, root);
    *out = root;
    return HF_OK;
}

int hfcore_error_blame(const char *source, int rc, hf_error *err)
{
    if (rc == HF_OK || !err || !source || !source[0])
        return rc;
    size_t n = strlen(source);
    if (strncmp(err->msg, source, n) == 0 && err->msg[n] == ':')
        return rc;
    size_t room = sizeof err->msg, len = strlen(err->msg);
    if (n + 2 >= room)
        return rc;
    if (len > room - n - 3)
        len = room - n - 3; /* the tail of an overlong message goes */
    memmove(err->msg + n + 2, err->msg, len);
    err->msg[n + 2 + len] = '\0';
    memcpy(err->msg, source, n);
    err->msg[n] = ':';
    err->msg[n + 1] = ' ';
    return rc;
}
