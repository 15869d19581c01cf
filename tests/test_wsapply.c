/*
 * test_wsapply.c - a patchset's patch applied to a whole workspace
 * (hfpatch_apply_workspace) is validated without walking the samples the
 * patch left shared with the workspace.  That shortcut must give the
 * verdict and the message of validating the whole patched document, for
 * faults in added samples, in shared samples a patch reaches into, and
 * in shared samples or modifiers a patch moves elsewhere.  The patched
 * document refers to the values a patch adds instead of copying them:
 * the patch must come out of it unchanged, and a sample of its value
 * must still be checked when a later op copies its container one level.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"
#include "tests/internal.h"

#define WS_TEXT \
    "{\"channels\": [" \
    " {\"name\": \"SR\", \"samples\": [" \
    "  {\"name\": \"bkg\", \"data\": [10.0, 20.0], \"modifiers\": [" \
    "   {\"name\": \"mu_b\", \"type\": \"normfactor\", \"data\": null}," \
    "   {\"name\": \"jes\", \"type\": \"histosys\"," \
    "    \"data\": {\"hi_data\": [11.0, 21.0], \"lo_data\": [9.0, 19.0]}}," \
    "   {\"name\": \"xs\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}}," \
    "   {\"name\": \"staterror_SR\", \"type\": \"staterror\", \"data\": [1.0, 2.0]}]}," \
    "  {\"name\": \"other\", \"data\": [5.0, 6.0], \"modifiers\": [" \
    "   {\"name\": \"xs\", \"type\": \"normsys\", \"data\": {\"hi\": 1.2, \"lo\": 0.8}}]}]}," \
    " {\"name\": \"CR\", \"samples\": [" \
    "  {\"name\": \"bkg\", \"data\": [100.0], \"modifiers\": [" \
    "   {\"name\": \"mu_b\", \"type\": \"normfactor\", \"data\": null}," \
    "   {\"name\": \"shape_CR\", \"type\": \"shapesys\", \"data\": [3.0]}]}]}]," \
    " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", \"parameters\": []}}]," \
    " \"observations\": [{\"name\": \"SR\", \"data\": [12.0, 25.0]}," \
    "                    {\"name\": \"CR\", \"data\": [98.0]}]," \
    " \"version\": \"1.0.0\"}"
static const char *const WS = WS_TEXT;

/* A signal sample for SR, with `mod` as its only modifier besides mu. */
#define SIG(mod)                                                             \
    "{\"op\": \"add\", \"path\": \"/channels/0/samples/2\", \"value\": "     \
    "{\"name\": \"sig\", \"data\": [1.0, 2.0], \"modifiers\": ["            \
    "{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}" mod "]}}"

typedef struct tcase {
    const char *patch;   /* the operations */
    const char *expect;  /* NULL: valid; else a part of the message */
} tcase;

static const tcase cases[] = {
    /* valid: a signal sample added, a shared modifier's value replaced */
    {"[" SIG(", {\"name\": \"xs\", \"type\": \"normsys\", \"data\": {\"hi\": 1.3, \"lo\": 0.7}}") "]", NULL},
    {"[{\"op\": \"replace\", \"path\": \"/channels/0/samples/0/modifiers/2/data/hi\", \"value\": 1.5}]", NULL},
    {"[{\"op\": \"remove\", \"path\": \"/channels/0/samples/1\"}]", NULL},
    /* faults in what a patch added */
    {"[" SIG(", {\"name\": \"jes\", \"type\": \"histosys\", \"data\": {\"hi_data\": [1.0], \"lo_data\": [1.0, 2.0]}}") "]",
     "has 1 bin but the sample has 2"},
    {"[" SIG(", {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}") "]",
     "duplicate modifier 'mu'"},
    /* faults put into a sample that was shared with the workspace */
    {"[{\"op\": \"replace\", \"path\": \"/channels/0/samples/0/modifiers/1/data/hi_data\", \"value\": [1.0]}]",
     "has 1 bin but the sample has 2"},
    {"[{\"op\": \"add\", \"path\": \"/channels/0/samples/0/modifiers/-\", "
     "\"value\": {\"name\": \"xs\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}}}]",
     "duplicate modifier 'xs'"},
    {"[{\"op\": \"replace\", \"path\": \"/channels/1/samples/0/modifiers/1/type\", \"value\": \"bogus\"}]",
     "unknown modifier type 'bogus'"},
    {"[{\"op\": \"remove\", \"path\": \"/channels/0/samples/1/modifiers/0/data/lo\"}]",
     "missing required key 'lo'"},
    {"[{\"op\": \"replace\", \"path\": \"/channels/1/samples/0/modifiers/1/data/0\", \"value\": -1.0}]",
     "uncertainty must be >= 0"},
    /* a fault in a shared sample's own bins, seen by the channel */
    {"[{\"op\": \"remove\", \"path\": \"/channels/0/samples/1/data/1\"}]",
     "has 1 bin but channel 'SR' has 2"},
    /* moves: a shared sample carried to a channel of another size, and a
     * shared modifier carried into a sample */
    {"[{\"op\": \"move\", \"from\": \"/channels/1/samples/0\", \"path\": \"/channels/0/samples/-\"}]",
     "duplicate sample name 'bkg'"},
    {"[{\"op\": \"move\", \"from\": \"/channels/1/samples/0/modifiers/1\", "
     "\"path\": \"/channels/0/samples/1/modifiers/-\"}]",
     "has 1 bin but the sample has 2"},
    /* a later op into an added value: the added sample, and then the
     * faulty sample beside the one it reaches (a one-level copy of the
     * patch's samples array refers to it) */
    {"[" SIG("") ", {\"op\": \"add\", \"path\": \"/channels/0/samples/2/modifiers/-\", "
     "\"value\": {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}}]",
     "duplicate modifier 'mu'"},
    {"[{\"op\": \"replace\", \"path\": \"/channels/1/samples\", \"value\": ["
     "{\"name\": \"bkg\", \"data\": [100.0], \"modifiers\": ["
     "{\"name\": \"shape_CR\", \"type\": \"shapesys\", \"data\": [3.0, 4.0]}]},"
     "{\"name\": \"sig\", \"data\": [1.0], \"modifiers\": []}]},"
     "{\"op\": \"add\", \"path\": \"/channels/1/samples/1/modifiers/-\", "
     "\"value\": {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}}]",
     "has 2 bins but the sample has 1"},
    /* a channel the patch adds (a reference into the patch, not the
     * workspace's: checked, where channels the patch leaves alone are
     * shared whole and their samples trusted) */
    {"[{\"op\": \"add\", \"path\": \"/channels/-\", \"value\": "
     "{\"name\": \"VR\", \"samples\": [{\"name\": \"bkg\", \"data\": [1.0], \"modifiers\": ["
     "{\"name\": \"x\", \"type\": \"bogus\", \"data\": null}]}]}}]",
     "unknown modifier type 'bogus'"},
    /* a shared channel copied beside itself: its samples trusted, its
     * name still seen twice */
    {"[{\"op\": \"copy\", \"from\": \"/channels/1\", \"path\": \"/channels/-\"}]",
     "duplicate channel name 'CR'"},
    /* the root replaced (copied: ops write into the root uncopied), then
     * changed */
    {"[{\"op\": \"replace\", \"path\": \"\", \"value\": " WS_TEXT "},"
     "{\"op\": \"remove\", \"path\": \"/version\"}]",
     "version"},
};

/* The patched document validated whole, the reference verdict. */
static int validate_whole(const hf_workspace *ws, const hf_patch *p, hf_error *err)
{
    cJSON *doc = cJSON_Duplicate(ws->root, 1);
    assert_non_null(doc);
    int rc = hfpatch_apply_json(p, &doc, err);
    if (rc == HF_OK)
        rc = hfpatch_workspace_validate(doc, "ws + patch", err);
    cJSON_Delete(doc);
    return rc;
}

static void test_same_verdicts(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(WS, "ws", &ws, &err), HF_OK);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        hf_patch *p = NULL;
        assert_int_equal(hf_patch_parse(cases[k].patch, "patch", &p, &err), HF_OK);
        hf_error whole = {0}, fast = {0};
        int rw = validate_whole(ws, p, &whole);
        cJSON *doc = NULL;
        const hf_patch *list[1] = {p};
        char *before = cJSON_PrintUnformatted(p->ops);
        assert_non_null(before);
        int rf = hfpatch_apply_workspace(ws->root, list, 1, "ws + patch", &doc, &fast);
        if (rf == HF_OK)
            assert_non_null(doc);
        /* the patch as it was, while the document still refers to it */
        char *after = cJSON_PrintUnformatted(p->ops);
        assert_non_null(after);
        if (strcmp(before, after) != 0)
            fail_msg("case %zu: the patch was written: %s", k, after);
        cJSON_free(before);
        cJSON_free(after);
        cJSON_Delete(doc);
        if (rw != rf || (rw != HF_OK && strcmp(whole.msg, fast.msg) != 0))
            fail_msg("case %zu: whole %d '%s', shared-aware %d '%s'", k, rw,
                     whole.msg, rf, fast.msg);
        if (cases[k].expect == NULL && rf != HF_OK)
            fail_msg("case %zu: expected valid, got '%s'", k, fast.msg);
        if (cases[k].expect && (rf == HF_OK || !strstr(fast.msg, cases[k].expect)))
            fail_msg("case %zu: expected '%s', got %d '%s'", k, cases[k].expect,
                     rf, fast.msg);
        hf_patch_free(p);
    }
    hf_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
