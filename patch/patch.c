/*
 * patch.c - loading RFC 6902 patches, alone or picked out of a pyhf
 * patchset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"

int hfpatch_from_json(cJSON *ops, const char *source, hf_patch **out,
                       hf_error *err)
{
    int rc = hfpatch_check(ops, source, err);
    if (rc) {
        cJSON_Delete(ops);
        return rc;
    }
    hf_patch *p = calloc(1, sizeof *p);
    char *src = strdup(source);
    if (!p || !src) {
        free(p);
        free(src);
        cJSON_Delete(ops);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
    }
    p->ops = ops;
    p->source = src;
    *out = p;
    return HF_OK;
}

int hf_patch_parse(const char *json, const char *name, hf_patch **out,
                   hf_error *err)
{
    if (!name)
        name = "<patch>";
    if (!json || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "%s: NULL argument", name);
    *out = NULL;
    cJSON *root;
    int rc = hfcore_json_parse(json, name, &root, err);
    if (rc)
        return rc;
    return hfpatch_from_json(root, name, out, err);
}

int hf_patch_read(const char *path, hf_patch **out, hf_error *err)
{
    if (!path || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_patch_read: NULL argument");
    *out = NULL;
    char *text;
    int rc = hfcore_file_read(path, &text, NULL, err);
    if (rc)
        return rc;
    rc = hf_patch_parse(text, path, out, err);
    free(text);
    return rc;
}

void hf_patch_free(hf_patch *p)
{
    if (!p)
        return;
    hfpatch_numbers_delete(p->ops, p->numbers);
    free(p->source);
    free(p);
}

/* Levenshtein distance, for suggesting names close to a mistyped one. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    if (!row)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

/* Writes up to five patch names to buf: those nearest to `want` if any
 * are plausibly what was meant, else the first ones.  Returns 1 when the
 * names are suggestions. */
static int name_hint(const hf_patchset *ps, const char *want, char *buf,
                     size_t len)
{
    enum { MAXHINT = 5 };
    int n = hf_patchset_size(ps), pick[MAXHINT], npick = 0;
    size_t *dist = want && n > 0 ? malloc((size_t)n * sizeof *dist) : NULL;
    if (dist) {
        size_t limit = strlen(want) / 3 + 1;
        for (int i = 0; i < n; i++) {
            const char *name = hf_patchset_patch_name(ps, i);
            dist[i] = strstr(name, want) || strstr(want, name)
                          ? 0 : distance(want, name);
        }
        while (npick < MAXHINT) {
            int best = -1;
            for (int i = 0; i < n; i++)
                if (dist[i] <= limit && (best < 0 || dist[i] < dist[best]))
                    best = i;
            if (best < 0)
                break;
            pick[npick++] = best;
            dist[best] = (size_t)-1;
        }
        free(dist);
    }
    int near = npick > 0;
    if (!near)
        for (; npick < MAXHINT && npick < n; npick++)
            pick[npick] = npick;
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < npick && used < len; k++) {
        int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "",
                         hf_patchset_patch_name(ps, pick[k]));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (!near && n > npick && used < len)
        snprintf(buf + used, len - used, ", ...");
    return near;
}

/* The first character of a file that is not whitespace, or EOF. */
static int first_char(const char *path)
{
    FILE *f = fopen(path, "rb");
    int ch = EOF;
    if (f) {
        while ((ch = fgetc(f)) == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            ;
        fclose(f);
    }
    return ch;
}

/* Whether the object in a file has a top-level "patches" (for saying
 * that an object is no patchset at all rather than a broken one). */
static int has_patches(const char *path)
{
    hfcore_text t;
    cJSON *root = NULL;
    hfpatch_span *spans = NULL;
    int n, yes = 0;
    if (hfcore_text_open(path, &t, NULL) == HF_OK) {
        if (hfpatch_patchset_scan(t.p, t.len, NULL, path, &root, &spans, &n,
                                  NULL) == HF_OK)
            yes = cJSON_GetObjectItemCaseSensitive(root, "patches") != NULL;
        cJSON_Delete(root);
        free(spans);
        hfcore_text_close(&t);
    }
    return yes;
}

int hf_patch_read_any(const char *path, const char *patch_name,
                      hf_patch **out, hf_error *err)
{
    if (!path || !out)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hf_patch_read_any: NULL argument");
    *out = NULL;
    hf_patchset *ps;
    int rc;
    if (first_char(path) == '{') {
        /* of a patchset only the patch asked for is parsed */
        rc = hfpatch_patchset_load(path, patch_name ? patch_name : "", &ps,
                                   err);
        if (rc == HF_ERR_INVALID && !has_patches(path))
            return hfcore_error_set(err, HF_ERR_INVALID,
                                    "%s: neither an RFC 6902 patch (an array "
                                    "of operations) nor a pyhf patchset (an "
                                    "object with \"patches\")", path);
        if (rc)
            return rc;
    } else {
        char *text;
        cJSON *root;
        if ((rc = hfcore_file_read(path, &text, NULL, err)) != HF_OK)
            return rc;
        rc = hfcore_json_parse(text, path, &root, err);
        free(text);
        if (rc)
            return rc;
        if (cJSON_IsArray(root)) {
            if (patch_name) {
                cJSON_Delete(root);
                return hfcore_error_set(err, HF_ERR_ARG,
                                    "%s: is an RFC 6902 patch, not a pyhf "
                                    "patchset: it has no patch \"%s\" to pick",
                                    path, patch_name);
            }
            return hfpatch_from_json(root, path, out, err);
        }
        cJSON_Delete(root);
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: neither an RFC 6902 patch (an array of "
                            "operations) nor a pyhf patchset (an object "
                            "with \"patches\")", path);
    }
    char hint[512];
    int n = hf_patchset_size(ps);
    if (!patch_name) {
        name_hint(ps, NULL, hint, sizeof hint);
        rc = hfcore_error_set(err, HF_ERR_ARG,
                          "%s: is a pyhf patchset of %d patch%s: give a "
                          "patch name (%s)", path, n, n == 1 ? "" : "es",
                          hint);
    } else {
        int i = hf_patchset_find(ps, patch_name);
        if (i >= 0) {
            rc = hfpatch_patchset_take(ps, i, out, err);
        } else {
            int near = name_hint(ps, patch_name, hint, sizeof hint);
            rc = hfcore_error_set(err, HF_ERR_NOTFOUND,
                              "%s: no patch named \"%s\" among the %d "
                              "patch%s of the patchset (%s: %s)", path,
                              patch_name, n, n == 1 ? "" : "es",
                              near ? "did you mean" : "they include", hint);
        }
    }
    hf_patchset_free(ps);
    return rc;
}
