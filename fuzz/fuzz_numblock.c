/*
 * fuzz_numblock.c - libFuzzer target: a grid patch's parse with its
 * numbers in one block (hfpatch_numbers_parse) against cJSON's own.
 *
 * Input: any bytes, taken as a JSON text.  cJSON parses it (with only
 * whitespace allowed after the value, as hfcore_json_parse_span_ex takes
 * a span); where hfpatch_numbers_parse takes the text it must give the
 * same tree item for item -- types, keys, strings, every double's bits,
 * valueint, cJSON's links (the first item's prev is the last) -- and
 * where cJSON refuses the text it must refuse it too.  It may decline a
 * text cJSON takes (the caller then parses it with cJSON): cJSON skips
 * every byte <= 32 as whitespace, the block only JSON's four, so a
 * control byte between brackets is left to cJSON; the scanner that
 * passes a patchset's spans refuses such bytes anyway.  The one
 * difference allowed in a tree: the static "hi"/"lo" keys of the
 * block's objects' numbers, "hi_data"/"lo_data" keys of its objects'
 * arrays and "name"/"type"/"data" keys of the modifier objects it builds
 * whole with HFPATCH_NUMBERS_MODIFIERS (cJSON_StringIsConst); both ways,
 * with and without that flag.
 *
 * The same input as a workspace's text (NUL-terminated, as read from a
 * file): hfpatch_workspace_parse_n, which tries the block first, gives
 * the status and message of cJSON's parse and the validation alone
 * (hfcore_json_parse_n_marks, hfpatch_workspace_validate), or the same
 * tree with its integer marks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch.h"

static void same(const cJSON *a, const cJSON *b)
{
    if ((a->type & ~cJSON_StringIsConst) != (b->type & ~cJSON_StringIsConst) ||
        (a->string == NULL) != (b->string == NULL) ||
        (a->string && strcmp(a->string, b->string) != 0) ||
        (a->valuestring == NULL) != (b->valuestring == NULL) ||
        (a->valuestring && strcmp(a->valuestring, b->valuestring) != 0) ||
        memcmp(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble) != 0 ||
        a->valueint != b->valueint)
        abort();
    const cJSON *x = a->child, *y = b->child;
    for (; x && y; x = x->next, y = y->next) {
        same(x, y);
        if (x->next ? x->next->prev != x : a->child->prev != x)
            abort();
    }
    if (x || y)
        abort();
}

static int ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void same_workspace(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    hf_workspace *ws = NULL;
    hf_error got = {0}, want = {0};
    int rc = hfpatch_workspace_parse_n(text, size, "f", &ws, &got);
    cJSON *root = NULL;
    int rc0 = hfcore_json_parse_n_marks(text, size, "f", 1, &root, &want);
    if (rc0 == HF_OK && (rc0 = hfpatch_workspace_validate(root, "f", &want)))
        cJSON_Delete(root);
    if (rc != rc0 || (rc && strcmp(got.msg, want.msg) != 0))
        abort();
    if (rc == HF_OK) {
        same(ws->root, root);
        cJSON_Delete(root);
    }
    hf_workspace_free(ws);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy the size of the input, so that reads past it are caught */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    const char *end = NULL;
    cJSON *want = cJSON_ParseWithLengthOpts(text, size, &end, 0);
    while (want && end < text + size && ws(*end))
        end++;
    if (want && end != text + size) {
        cJSON_Delete(want);
        want = NULL;
    }
    /* without and with the modifier objects built whole */
    for (int flags = 0; flags <= HFPATCH_NUMBERS_MODIFIERS; flags += HFPATCH_NUMBERS_MODIFIERS) {
        cJSON *got = NULL;
        hfpatch_numbers *nums = NULL;
        int rc = hfpatch_numbers_parse_ex(text, size, flags, &got, &nums);
        if (rc == 0 && !want)
            abort();
        if (rc == 0)
            same(got, want);
        hfpatch_numbers_delete(got, nums);
    }
    cJSON_Delete(want);
    free(text);
    same_workspace(data, size);
    return 0;
}
