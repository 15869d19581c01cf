/* error.c - status codes, error messages and small I/O helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

int hf_error_set(hf_error *err, int code, const char *fmt, ...)
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

int hf_file_read(const char *path, char **text, size_t *len, hf_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hf_error_set(err, HF_ERR_IO, "%s: cannot open: %s", path,
                            strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return hf_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return hf_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                                    path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return hf_error_set(err, HF_ERR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return hf_error_set(err, HF_ERR_PARSE,
                            "%s: contains a NUL byte: not a text file", path);
    }
    *text = buf;
    if (len)
        *len = n;
    return HF_OK;
}

int hf_json_parse(const char *text, const char *source, cJSON **out,
                  hf_error *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        /* cJSON's own error pointer is a global; the end pointer it
         * returns is per call, so use that for line and column. */
        const char *pos = end;
        int line = 1, col = 1;
        if (pos && pos >= text) {
            for (const char *p = text; p < pos && *p; p++) {
                if (*p == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
        }
        return hf_error_set(err, HF_ERR_PARSE,
                            "%s: not valid JSON (near line %d, column %d)",
                            source, line, col);
    }
    /* Python's json.load tells "1" (int) from "1.0" (float); cJSON does
     * not, so the text is read again for that (see patch/digest.c). */
    hf_json_mark_ints(text, root);
    *out = root;
    return HF_OK;
}

int hf_error_blame(const char *source, int rc, hf_error *err)
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
