/*
 * wsapply.c - patchsets on workspaces: a workspace's digest, a patchset's
 * digests checked against it, a patch applied to it, its JSON text.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "patch.h"

int hf_workspace_digest(const hf_workspace *ws, const char *algorithm,
                        char *hex, size_t len, hf_error *err)
{
    if (!ws)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_digest: NULL "
                                             "workspace");
    return hfcore_json_digest(ws->root, algorithm ? algorithm : "sha256", hex,
                          len, err);
}

/* ------------------------------------------------- patchsets on workspaces */

int hf_patchset_verify(const hf_patchset *ps, const hf_workspace *ws,
                       hf_error *err)
{
    if (!ps || !ws)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_patchset_verify: NULL "
                                             "argument");
    int n = hf_patchset_ndigests(ps);
    for (int i = 0; i < n; i++) {
        const char *alg = hf_patchset_digest_name(ps, i);
        const char *want = hf_patchset_digest(ps, alg);
        char got[2 * EVP_MAX_MD_SIZE + 1];
        int rc = hfcore_json_digest(ws->root, alg, got, sizeof got, err);
        if (rc)
            return rc;
        if (!want || strcmp(want, got) != 0)
            return hfcore_error_set(err, HF_ERR_INVALID,
                                "The digest verification failed for hash "
                                "algorithm '%s'. Expected: %s. Got: %s", alg,
                                want ? want : "(not a string)", got);
    }
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
    cJSON *doc = cJSON_Duplicate(ws->root, 1);
    if (!doc)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                            ws->source);
    int rc = hfpatch_apply_json(p, &doc, err);
    if (rc == HF_OK)
        rc = hfpatch_workspace_validate(doc, p->source, err);
    hf_workspace *w = NULL;
    if (rc == HF_OK) {
        w = malloc(sizeof *w);
        char *src = strdup(p->source);
        if (!w || !src) {
            free(w);
            free(src);
            w = NULL;
            rc = hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                              ws->source);
        } else {
            w->root = doc;
            w->source = src;
            doc = NULL;
        }
    }
    cJSON_Delete(doc);
    *out = w;
    return rc;
}

char *hf_workspace_dump(const hf_workspace *ws, int indent)
{
    return ws ? hfcore_json_pydump(ws->root, indent, 1, NULL) : NULL;
}
