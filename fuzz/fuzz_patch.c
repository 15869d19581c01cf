/*
 * fuzz_patch.c - libFuzzer target: RFC 6902 JSON Patch application.
 *
 * Input: DOCUMENT \0 PATCH.  The patch is applied to the document both
 * ways the library does it, and the two must agree:
 *  - hfpatch_apply_json on an owned tree: on failure the document must
 *    be left exactly as it was;
 *  - hfpatch_apply_cow on a root whose members are references into the
 *    original tree: neither the original nor the patch (whose added
 *    values the result refers to) may be written.
 * Without a \0 the whole input is a patch for a small fixed workspace,
 * built into a model (the copy-on-write path of hf_model_build) and
 * applied to the whole document (hf_workspace_apply); the patched
 * workspace's validation, which skips what the patch left shared
 * (samples, or whole channels: the workspace has two), must give the
 * verdict and message of the whole document's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch.h"

static const char WS[] =
    "{\"channels\": [{\"name\": \"SR\", \"samples\": ["
    " {\"name\": \"bkg\", \"data\": [50.0, 60.0], \"modifiers\": ["
    "  {\"name\": \"mu_b\", \"type\": \"normfactor\", \"data\": null},"
    "  {\"name\": \"jes\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}},"
    "  {\"name\": \"stat\", \"type\": \"staterror\", \"data\": [3.0, 4.0]}]}]},"
    " {\"name\": \"CR\", \"samples\": ["
    " {\"name\": \"bkg\", \"data\": [500.0], \"modifiers\": ["
    "  {\"name\": \"mu_b\", \"type\": \"normfactor\", \"data\": null},"
    "  {\"name\": \"jes\", \"type\": \"histosys\", \"data\": {\"hi_data\": [510.0], \"lo_data\": [490.0]}}]}]}],"
    " \"observations\": [{\"name\": \"SR\", \"data\": [55, 70]}, {\"name\": \"CR\", \"data\": [505]}],"
    " \"measurements\": [{\"name\": \"meas\", \"config\": {\"poi\": \"mu\","
    "  \"parameters\": [{\"name\": \"mu_b\", \"bounds\": [[0, 5]]}]}}],"
    " \"version\": \"1.0.0\"}";

/* Ordered structural equality, numbers by value or both non-finite
 * alike (cJSON_Compare calls inf != inf). */
static int same(const cJSON *a, const cJSON *b)
{
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return 0;
    if ((a->string == NULL) != (b->string == NULL) ||
        (a->string && strcmp(a->string, b->string)))
        return 0;
    switch (a->type & 0xFF) {
    case cJSON_Number:
        return a->valuedouble == b->valuedouble ||
               (a->valuedouble != a->valuedouble &&
                b->valuedouble != b->valuedouble);
    case cJSON_String:
        return strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array:
    case cJSON_Object: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!same(x, y))
                return 0;
        return !x && !y;
    }
    default:
        return 1;
    }
}

/* A root standing for `doc` whose members are shared, as hf_model_build
 * makes its spec. */
static cJSON *shared_root(const cJSON *doc)
{
    if (!cJSON_IsArray(doc) && !cJSON_IsObject(doc))
        return cJSON_Duplicate(doc, 1);
    cJSON *root = cJSON_IsArray(doc) ? cJSON_CreateArray() : cJSON_CreateObject();
    for (const cJSON *c = doc->child; root && c; c = c->next) {
        cJSON *r = cJSON_IsArray(c)    ? cJSON_CreateArrayReference(c->child)
                   : cJSON_IsObject(c) ? cJSON_CreateObjectReference(c->child)
                                       : cJSON_Duplicate(c, 1);
        if (!r) {
            cJSON_Delete(root);
            return NULL;
        }
        if (cJSON_IsArray(doc))
            cJSON_AddItemToArray(root, r);
        else
            cJSON_AddItemToObject(root, c->string, r);
    }
    return root;
}

/* The shared-aware validation against the whole document's: the same
 * status and message. */
static void same_verdict(const hf_workspace *ws, const hf_patch *p)
{
    hf_error whole = {0}, fast = {0};
    cJSON *doc = cJSON_Duplicate(ws->root, 1), *view = NULL;
    if (!doc)
        return;
    int rw = hfpatch_apply_json(p, &doc, &whole);
    if (rw == HF_OK)
        rw = hfpatch_workspace_validate(doc, "ws + patch", &whole);
    cJSON_Delete(doc);
    const hf_patch *list[1] = {p};
    int rf = hfpatch_apply_workspace(ws->root, list, 1, "ws + patch", &view, &fast);
    cJSON_Delete(view);
    if (rw == HF_ERR_NOMEM || rf == HF_ERR_NOMEM)
        return;
    if (rw != rf || (rw != HF_OK && strcmp(whole.msg, fast.msg) != 0))
        __builtin_trap();
}

static void on_workspace(const hf_patch *p)
{
    static hf_workspace *ws;
    hf_error err;
    if (!ws && hf_workspace_parse(WS, "ws.json", &ws, &err) != HF_OK)
        __builtin_trap();
    hf_model *m = NULL;
    if (hf_model_build(ws, &p, 1, NULL, &m, &err) == HF_OK)
        hf_model_free(m);
    else if (!err.msg[0])
        __builtin_trap();
    hf_workspace *out = NULL;
    if (hf_workspace_apply(ws, p, &out, &err) == HF_OK)
        hf_workspace_free(out);
    same_verdict(ws, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t split = strlen(text);
    const char *ptext = split < size ? text + split + 1 : text;

    hf_error err;
    hf_patch *p = NULL;
    if (hf_patch_parse(ptext, "fuzz-patch.json", &p, &err) != HF_OK) {
        if (!err.msg[0])
            __builtin_trap();
        free(text);
        return 0;
    }
    if (split == size) {
        on_workspace(p);
        hf_patch_free(p);
        free(text);
        return 0;
    }

    cJSON *orig = NULL;
    if (hfcore_json_parse(text, "fuzz-doc.json", &orig, &err) != HF_OK) {
        hf_patch_free(p);
        free(text);
        return 0;
    }
    cJSON *snap = cJSON_Duplicate(orig, 1);
    cJSON *doc = cJSON_Duplicate(orig, 1);
    cJSON *cow = shared_root(orig);
    cJSON *psnap = cJSON_Duplicate(p->ops, 1);
    if (snap && doc && cow && psnap) {
        int rc1 = hfpatch_apply_json(p, &doc, &err);
        if (rc1 != HF_OK && !same(doc, snap))
            __builtin_trap(); /* a failed apply changed the document */
        int rc2 = hfpatch_apply_cow(p, &cow, &err);
        if (!same(orig, snap))
            __builtin_trap(); /* copy-on-write wrote the shared tree */
        if (!same(p->ops, psnap))
            __builtin_trap(); /* copy-on-write wrote the patch */
        if (rc1 != rc2 && rc1 != HF_ERR_NOMEM && rc2 != HF_ERR_NOMEM)
            __builtin_trap(); /* the two ways disagree */
        if (rc1 == HF_OK && rc2 == HF_OK && !same(doc, cow))
            __builtin_trap();
    }
    cJSON_Delete(cow);
    cJSON_Delete(psnap);
    cJSON_Delete(doc);
    cJSON_Delete(snap);
    cJSON_Delete(orig);
    hf_patch_free(p);
    free(text);
    return 0;
}
