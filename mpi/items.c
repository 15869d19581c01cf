/*
 * items.c - what is scanned: the items (patches) of the input files in
 * order, their output lines, and computing a chunk of them.
 *
 * The lines are those of `hfcls WS PATCHSET` (cli/grid.c) byte for byte,
 * so a scan over MPI can be checked against, and merged with, one made on
 * a single machine.  tests/mpi_check.sh compares the two.
 */
#include <stdlib.h>
#include <string.h>

#include "scan.h"

int hfmpi_scan_open(scan *s, const char *ws_path, const char **paths, int npaths)
{
    hf_error err = {0};
    int rc = hfcli_load_workspace(ws_path, &s->ws);
    if (rc != HF_EXIT_OK)
        return rc;
    s->in = calloc(npaths > 0 ? (size_t)npaths : 1, sizeof *s->in);
    if (!s->in) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    for (int k = 0; k < npaths; k++) {
        scan_input *in = &s->in[s->nin++];
        int ok;
        in->path = paths[k];
        in->first = s->n;
        if (hfcli_is_patchset(paths[k], &ok)) {
            if (hf_patchset_read(paths[k], &in->ps, &err) != HF_OK)
                return hfcli_lib_error(&err);
            rc = hfcli_verify(in->ps, paths[k], s->ws, ws_path,
                               s->no_verify);
            if (rc != HF_EXIT_OK)
                return rc;
            in->n = hf_patchset_size(in->ps);
        } else if (!ok) {
            hfcli_msg("%s: cannot open", paths[k]);
            return HF_EXIT_INPUT;
        } else {
            in->n = 1; /* read, and any error reported, when computed */
        }
        s->n += in->n;
    }
    return HF_EXIT_OK;
}

void hfmpi_scan_close(scan *s)
{
    for (int k = 0; k < s->nin; k++)
        hf_patchset_free(s->in[k].ps);
    free(s->in);
    hf_workspace_free(s->ws);
    memset(s, 0, sizeof *s);
}

/* The input holding item i (inputs are in item order). */
static const scan_input *input_of(const scan *s, int i, int *j)
{
    int lo = 0, hi = s->nin - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->in[mid].first <= i)
            lo = mid;
        else
            hi = mid - 1;
    }
    *j = i - s->in[lo].first;
    return &s->in[lo];
}

/* A plain patch file's item is named after the file, less ".json". */
static char *file_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

/* {"patch": name, "values": [...]} as grid.c starts its lines. */
static cJSON *head_of(const scan *s, int i)
{
    int j;
    const scan_input *in = input_of(s, i, &j);
    if (in->ps)
        return hfcli_grid_head(hf_patchset_patch_name(in->ps, j), in->ps, j);
    char *fname = file_name(in->path);
    cJSON *o = fname ? hfcli_grid_head(fname, NULL, 0) : NULL;
    free(fname);
    return o;
}

char *hfmpi_scan_prefix(const scan *s, int i)
{
    cJSON *o = head_of(s, i);
    char *t = o ? hfcli_json_dump(o, 0, 0) : NULL;
    cJSON_Delete(o);
    if (t)
        t[strlen(t) - 1] = '\0'; /* the closing brace */
    return t;
}

/* One finished line, '\n' included. */
static char *line_for(const scan *s, int i, const hf_batch_item *it,
                      int *failed)
{
    cJSON *o = head_of(s, i);
    if (!o)
        return NULL;
    char *t = hfcli_grid_line_ts(o, it, s->bo.upper_limit, s->bo.ts,
                                 s->fo.full_hessian, failed);
    size_t n = t ? strlen(t) : 0;
    char *line = t ? realloc(t, n + 2) : NULL;
    if (!line) {
        free(t);
        return NULL;
    }
    memcpy(line + n, "\n", 2);
    return line;
}

char *hfmpi_scan_compute(const scan *s, const int *idx, int k, int *nfailed)
{
    hf_error err = {0};
    hf_batch_item *items = calloc(k > 0 ? (size_t)k : 1, sizeof *items);
    const hf_patch **pp = calloc(k > 0 ? (size_t)k : 1, sizeof *pp);
    hf_patch **owned = calloc(k > 0 ? (size_t)k : 1, sizeof *owned);
    int *slot = calloc(k > 0 ? (size_t)k : 1, sizeof *slot);
    char *text = NULL;
    int m = 0;
    *nfailed = 0;
    if (!items || !pp || !owned || !slot)
        goto done;
    /* Patches that cannot be read get their error now; the rest go to
     * the batch core together so its threads share the chunk. */
    for (int q = 0; q < k; q++) {
        int j;
        const scan_input *in = input_of(s, idx[q], &j);
        if (in->ps) {
            pp[m] = hf_patchset_patch(in->ps, j);
        } else if (hf_patch_read(in->path, &owned[q], &items[q].err) ==
                   HF_OK) {
            pp[m] = owned[q];
        } else {
            items[q].status = items[q].err.code ? items[q].err.code
                                                : HF_ERR_INVALID;
            continue;
        }
        slot[m++] = q;
    }
    if (m > 0) {
        hf_batch_result res;
        hf_batch_options bo = s->bo;
        bo.model = &s->mo;
        if (hf_batch_cls_patches(s->ws, pp, m, &bo, &res, &err) == HF_OK) {
            for (int r = 0; r < m; r++)
                items[slot[r]] = res.items[r];
            hf_batch_result_free(&res);
        } else {
            for (int r = 0; r < m; r++) {
                items[slot[r]].status = err.code ? err.code : HF_ERR_NOMEM;
                items[slot[r]].err = err;
            }
        }
    }
    size_t used = 0;
    for (int q = 0; q < k; q++) {
        int failed = 0;
        char *l = line_for(s, idx[q], &items[q], &failed);
        char *grown = l ? realloc(text, used + strlen(l) + 1) : NULL;
        if (!grown) {
            free(l);
            free(text);
            text = NULL;
            goto done;
        }
        text = grown;
        memcpy(text + used, l, strlen(l) + 1);
        used += strlen(l);
        *nfailed += failed;
        free(l);
    }
    if (!text)
        text = calloc(1, 1);
done:
    for (int q = 0; q < k && owned; q++)
        hf_patch_free(owned[q]);
    free(items);
    free(pp);
    free(owned);
    free(slot);
    return text;
}
