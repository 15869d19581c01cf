/*
 * wsapply.c - patchsets on workspaces: a workspace's digest, a patchset's
 * digests checked against it, a patch applied to it, its JSON text.
 */
#include <stdlib.h>
#include <string.h>

#include "patch.h"

int hfpatch_workspace_digest(const hf_workspace *ws, const char *algorithm,
                             char *hex, size_t len, hf_error *err)
{
    /* a mapped text (hfpatch_workspace_read_mapped, the command's) counts
     * while its file is as it was: one rewritten in place since would
     * show other text here; a copy (hf_workspace_read's) always counts */
    if (ws->held.p && hfcore_text_unchanged(&ws->held, ws->source)) {
        int rc = hfcore_json_text_digest(ws->held.p, ws->held.len, algorithm,
                                         hex, len, err);
        if (rc != HFCORE_NOT_CANONICAL)
            return rc;
        /* keys out of order, say: the tree's text it is */
    }
    return hfcore_json_digest(ws->root, algorithm, hex, len, err);
}

int hf_workspace_digest(const hf_workspace *ws, const char *algorithm,
                        char *hex, size_t len, hf_error *err)
{
    if (!ws)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_digest: NULL "
                                             "workspace");
    return hfpatch_workspace_digest(ws, algorithm ? algorithm : "sha256", hex,
                                    len, err);
}

/* ------------------------------------------------- patchsets on workspaces */

int hf_patchset_verify(const hf_patchset *ps, const hf_workspace *ws,
                       hf_error *err)
{
    if (!ps || !ws)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_patchset_verify: NULL "
                                             "argument");
    return hfpatch_patchset_verify_with(ps, ws, NULL, err);
}

int hfpatch_apply_workspace(const cJSON *root, const hf_patch *const *p,
                            int n, const char *source, cJSON **out,
                            hf_error *err)
{
    *out = NULL;
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
    for (const cJSON *m = root ? root->child : NULL; m; m = m->next) {
        /* marked: the workspace passed validation when it was loaded */
        cJSON *ref = hfpatch_json_share(m, HFPATCH_JSON_VALIDATED);
        if (!ref || !cJSON_AddItemToObject(doc, m->string, ref)) {
            cJSON_Delete(ref);
            cJSON_Delete(doc);
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                                    source);
        }
    }
    int rc = HF_OK;
    for (int i = 0; i < n && rc == HF_OK; i++)
        rc = hfpatch_apply_cow(p[i], &doc, err);
    /* root is a workspace's, validated when it was loaded: the samples
     * the patches left shared need no second walk */
    if (rc == HF_OK)
        rc = hfpatch_workspace_validate_patched(doc, source, err);
    if (rc != HF_OK) {
        cJSON_Delete(doc);
        return rc;
    }
    *out = doc;
    return HF_OK;
}

int hf_workspace_apply(const hf_workspace *ws, const hf_patch *p,
                       hf_workspace **out, hf_error *err)
{
    if (out)
        *out = NULL;
    if (!ws || !p || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_apply: NULL "
                                             "argument");
    /* patched and validated copy-on-write, then copied once: the
     * result owns its tree (cJSON_Duplicate drops the reference flags) */
    cJSON *view = NULL;
    int rc = hfpatch_apply_workspace(ws->root, &p, 1, p->source, &view, err);
    if (rc != HF_OK)
        return rc;
    cJSON *doc = cJSON_Duplicate(view, 1);
    cJSON_Delete(view);
    return hfpatch_workspace_wrap(doc, p->source, ws->source, out, err);
}

char *hf_workspace_dump(const hf_workspace *ws, int indent)
{
    return ws ? hfcore_json_pydump(ws->root, indent, 1, NULL) : NULL;
}
