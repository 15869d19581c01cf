/* workspace.c - loading a workspace: read, parse, validate, keep. */
#include <stdlib.h>
#include <string.h>

#include "patch.h"

int hf_workspace_parse(const char *json, const char *name, hf_workspace **out,
                       hf_error *err)
{
    if (out)
        *out = NULL;
    if (!name)
        name = "<string>";
    if (!json || !out)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "%s: hf_workspace_parse needs JSON text and an "
                            "output pointer", name);
    cJSON *root = NULL;
    int rc = hfcore_json_parse(json, name, &root, err);
    if (rc)
        return rc;
    rc = hfpatch_workspace_validate(root, name, err);
    if (rc) {
        cJSON_Delete(root);
        return rc;
    }
    hf_workspace *ws = malloc(sizeof *ws);
    char *source = strdup(name);
    if (!ws || !source) {
        free(ws);
        free(source);
        cJSON_Delete(root);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", name);
    }
    ws->root = root;
    ws->source = source;
    *out = ws;
    return HF_OK;
}

int hf_workspace_read(const char *path, hf_workspace **out, hf_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hf_workspace_read needs a path and an output "
                            "pointer");
    char *text = NULL;
    int rc = hfcore_file_read(path, &text, NULL, err);
    if (rc)
        return rc;
    rc = hf_workspace_parse(text, path, out, err);
    free(text);
    return rc;
}

int hfpatch_workspace_wrap(cJSON *doc, const char *source, const char *blame,
                           hf_workspace **out, hf_error *err)
{
    hf_workspace *w = malloc(sizeof *w);
    char *src = strdup(source);
    if (!doc || !w || !src) {
        cJSON_Delete(doc);
        free(w);
        free(src);
        return blame ? hfcore_error_set(err, HF_ERR_NOMEM,
                                        "%s: out of memory", blame)
                     : hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    }
    w->root = doc;
    w->source = src;
    *out = w;
    return HF_OK;
}

void hf_workspace_free(hf_workspace *ws)
{
    if (!ws)
        return;
    cJSON_Delete(ws->root);
    free(ws->source);
    free(ws);
}
