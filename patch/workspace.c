/* workspace.c - loading a workspace: read, parse, validate, keep. */
#include <stdlib.h>
#include <string.h>

#include "patch.h"

/* The tree of text[0, len): its number arrays and its modifier objects
 * read into one block (*nums, patch/numblock.c: ~half the items of a
 * workspace are numbers, and most of the rest the modifiers' members --
 * on 1Lbb their cJSON items cost ~45M of the ~207M instructions of the main
 * thread, a malloc and a free each), else, and for every fault, by
 * hfcore_json_parse_n_marks, whose messages and tree the block's reader
 * matches.  The block's items are never freed or unlinked on their own:
 * nothing changes a loaded workspace's tree in place (patches copy on
 * write, hfpatch_apply_cow; sort, combine and simplify edit a
 * cJSON_Duplicate, prune and rename build a tree of duplicates; model
 * builds refer to it: tests/test_numblock.c test_ws_ops). */
static int parse_tree(const char *json, size_t len, const char *name, int marks,
                      cJSON **root, hfpatch_numbers **nums, hf_error *err)
{
    if (hfpatch_numbers_parse_ex(json, len, HFPATCH_NUMBERS_MODIFIERS, root, nums) == 0) {
        if (!hfcore_json_nul_escaped(json, len)) {
            if (marks)
                hfcore_json_mark_ints_n(json, len, *root);
            return HF_OK;
        }
        hfpatch_numbers_delete(*root, *nums);
        *nums = NULL;
    }
    return hfcore_json_parse_n_marks(json, len, name, marks, root, err);
}

/* A workspace of JSON text of length len; `held`, when not NULL, holds
 * that text, given to the workspace to keep for its digest. */
static int parse(const char *json, hfcore_text *held, size_t len,
                 const char *name, int marks, hf_workspace **out, hf_error *err)
{
    cJSON *root = NULL;
    hfpatch_numbers *nums = NULL;
    int rc = parse_tree(json, len, name, marks, &root, &nums, err);
    if (rc == HF_OK && (rc = hfpatch_workspace_validate(root, name, err)))
        hfpatch_numbers_delete(root, nums);
    if (rc) {
        if (held)
            hfcore_text_close(held);
        return rc;
    }
    hf_workspace *ws = calloc(1, sizeof *ws);
    char *source = strdup(name);
    if (!ws || !source) {
        free(ws);
        free(source);
        if (held)
            hfcore_text_close(held);
        hfpatch_numbers_delete(root, nums);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", name);
    }
    ws->root = root;
    ws->numbers = nums;
    ws->source = source;
    if (held)
        ws->held = *held;
    *out = ws;
    return HF_OK;
}

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
    /* the caller's text is not kept (a copy would cost its size in
     * memory for a digest that is rarely asked for) */
    return parse(json, NULL, strlen(json), name, 1, out, err);
}

int hfpatch_workspace_parse_n(const char *json, size_t len, const char *name,
                              hf_workspace **out, hf_error *err)
{
    *out = NULL;
    return parse(json, NULL, len, name, 1, out, err);
}

int hfpatch_workspace_parse_unmarked_n(const char *json, size_t len,
                                       const char *name, hf_workspace **out,
                                       hf_error *err)
{
    *out = NULL;
    return parse(json, NULL, len, name, 0, out, err);
}

void hfpatch_workspace_mark_ints(hf_workspace *ws, const char *json, size_t len)
{
    hfcore_json_mark_ints_n(json, len, ws->root);
}

int hf_workspace_read(const char *path, hf_workspace **out, hf_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hf_workspace_read needs a path and an output "
                            "pointer");
    /* read, not mapped (hfcore_text_read): the workspace may live long
     * (python/hf) and its file be rewritten meanwhile, which a mapping
     * would follow */
    hfcore_text text = {0};
    char *copy = NULL;
    int rc = hfcore_file_read(path, &copy, &text.len, err);
    if (rc)
        return rc;
    text.p = copy;
    /* the text was read anyway: kept, a patchset's digest check of the
     * workspace is then a pass over it */
    return parse(text.p, &text, text.len, path, 1, out, err);
}

int hfpatch_workspace_read_mapped(const char *path, hf_workspace **out,
                                  hf_error *err)
{
    *out = NULL;
    hfcore_text text;
    int rc = hfcore_text_read(path, &text, err);
    if (rc)
        return rc;
    return parse(text.p, &text, text.len, path, 1, out, err);
}

int hfpatch_workspace_wrap(cJSON *doc, const char *source, const char *blame,
                           hf_workspace **out, hf_error *err)
{
    hf_workspace *w = calloc(1, sizeof *w);
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
    hfpatch_numbers_delete(ws->root, ws->numbers);
    free(ws->source);
    hfcore_text_close(&ws->held);
    free(ws);
}
