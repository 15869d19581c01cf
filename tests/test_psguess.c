/*
 * test_psguess.c - one patch of a patchset read ahead of the file's check
 * (the check's own scan: hfpatch_patchset_open_guessing, or a search
 * for its name: patch/pslocate.c, core/jskip.c; hfcli_settle): the verdict and the
 * operations are those of the full read (hfpatch_patchset_load, the path
 * without reading ahead) for every one-byte change and truncation of a
 * patchset -- faults before, inside and after the chosen patch, escapes,
 * repeated names -- and `hf cls` says nothing but that verdict's message
 * when the check fails after the fit.  Expected values come from the full
 * read, which tests/test_psscan.c checks against hand-counted texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "run.h"

#define HEAD                                                               \
    "{\"metadata\": {\"description\": \"d\", \"digests\": {\"sha256\": "  \
    "\"0000000000000000000000000000000000000000000000000000000000000000\"" \
    "}, \"labels\": [\"m\"], \"references\": {\"hepdata\": "            \
    "\"ins1234567\"}},\n \"patches\": [\n"
#define OPS_A "[{\"op\": \"add\", \"path\": \"/a\", \"value\": [1, 2.5, {\"k\": \"]\"}]}]"
/* an escaped quote and bracket inside the chosen patch's strings */
#define OPS_B "[{\"op\": \"add\", \"path\": \"/b\", \"value\": \"x\\\"]}\\\\\"}," \
              " {\"op\": \"remove\", \"path\": \"/c\"}]"
#define OPS_C "[{\"op\": \"remove\", \"path\": \"/d\"}]"
#define TAIL "\n ],\n \"version\": \"1.0.0\"}\n"
#define BASE                                                               \
    HEAD "  {\"metadata\": {\"name\": \"A\", \"values\": [1]}, \"patch\": " \
    OPS_A "},\n  {\"patch\": " OPS_B ", \"metadata\": {\"values\": [2], "  \
    "\"name\": \"B\"}},\n  {\"metadata\": {\"name\": \"C\", \"values\": "  \
    "[3]}, \"patch\": " OPS_C "}" TAIL

static char path[512];

static void write_text(const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static char *ops_text(const hf_patchset *ps, const char *name)
{
    const hf_patch *p = hf_patchset_patch(ps, hf_patchset_find(ps, name));
    return p ? cJSON_PrintUnformatted(p->ops) : NULL;
}

static void count_told(void *arg)
{
    ++*(int *)arg;
}

/* Whether same_verdict takes the guess from a search for its name
 * (hfpatch_patchset_locate_in), from the
 * end backwards as cli/load.c's search_late does, in steps of 7 bytes
 * (hits across a step's end). */
static int from_search;

static void search_guess(const char *file, const char *name, hfpatch_guess *g)
{
    memset(g, 0, sizeof *g);
    if (hfcore_text_open(file, &g->text, NULL) != HF_OK)
        return;
    size_t step = g->text.len > 4096 ? (size_t)1 << 20 : 7;
    for (size_t to = g->text.len; to > 0 && !g->located;) {
        size_t from = to > step ? to - step : 0;
        g->located = hfpatch_patchset_locate_in(g->text.p, g->text.len, from, to,
                                                name, &g->span);
        to = from;
    }
    g->index = -1;
    if (!g->located)
        hfcore_text_close(&g->text);
}

/* The file at path read ahead (located, opened, parsed, settled: the
 * command's steps, in its order when it has no second thread) and read
 * whole for `name` give the same status, message and operations; 1 when
 * the guess was used. */
static int same_verdict(const char *file, const char *name, const char *what,
                        int *valid)
{
    hf_patchset *a = NULL, *b = NULL;
    hf_error ea = {0}, eb = {0};
    int ra = hfpatch_patchset_load(file, name, &a, &ea);
    hfpatch_guess g;
    int rb, told = 0;
    if (from_search) {
        search_guess(file, name, &g);
        rb = hfpatch_patchset_open(file, &b, &eb);
    } else { /* from the check's scan, the command's way */
        rb = hfpatch_patchset_open_guessing(file, name, &g, count_told, &told, &b, &eb);
        if (told != g.located)
            fail_msg("%s: told %d times, located %d", what, told, g.located);
    }
    hfpatch_patchset_guess_parse(file, name, &g);
    if (rb == HF_OK)
        rb = hfpatch_patchset_settle(b, name, &g, &eb);
    if (ra != rb || (ra != HF_OK && strcmp(ea.msg, eb.msg) != 0))
        fail_msg("%s: %d \"%s\" read whole, %d \"%s\" read ahead", what, ra,
                 ea.msg, rb, eb.msg);
    int adopted = g.adopted;
    /* the adopted operations are the block reader's (for the build) */
    if (adopted && !hf_patchset_patch(b, hf_patchset_find(b, name))->numbers)
        fail_msg("%s: the adopted operations are not the block's", what);
    if (valid)
        *valid += ra == HF_OK && hf_patchset_find(a, name) >= 0;
    if (ra == HF_OK) {
        char *x = ops_text(a, name), *y = ops_text(b, name);
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
            fail_msg("%s: operations %s read whole, %s read ahead", what,
                     x ? x : "(none)", y ? y : "(none)");
        cJSON_free(x);
        cJSON_free(y);
    }
    hfpatch_guess_free(&g);
    hf_patchset_free(a);
    hf_patchset_free(b);
    return adopted;
}

/* hfcore_json_skip finds the end the validating scanner finds, for
 * values with escapes (a quote, a backslash, brackets inside strings)
 * placed at each of the 64 offsets of a block, with more text after. */
static void test_skip(void **state)
{
    (void)state;
    static const char *const values[] = {
        "[1, 2]",
        "{\"a\": [\"]\", \"\\\\\", \"\\\"]}\"], \"b\": {\"c\": [[], {}]}}",
        "[\"x\\\\\\\"[\", \"\\\\\", [\"{\\\\\"]]",
        "[\"0123456789012345678901234567890123456789012345678901234567890\\\"]\"]",
        "[\"\\u005d\", true, null, -1.5e3, {\"k\\\"\": \"]\"}]",
        /* strings across blocks, brackets in them, no escape: 64 at a time */
        "[\"a]b}c[d{a]b}c[d{a]b}c[d{a]b}c[d{a]b}c[d{a]b}c[d{a]b}c[d{a]b}c[d{]]\", "
        "{\"k\": [\"}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}\", "
        "[[[[1]]]], \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]}]",
    };
    char text[1024];
    for (size_t v = 0; v < sizeof values / sizeof *values; v++)
        for (int k = 0; k < 64; k++) {
            int n = snprintf(text, sizeof text, "%*s%s, [\"tail\"]]", k, "", values[v]);
            hfcore_scan sc = {text, text + k, text + n, NULL};
            assert_int_equal(hfcore_scan_value_bytes(&sc), 0);
            const char *end = hfcore_json_skip(text + k, text + n);
            if (end != sc.p)
                fail_msg("value %zu at offset %d: ends at %td, not %td", v, k,
                         end ? end - text : -1, sc.p - text);
        }
}

/* Every byte of the patchset (BASE) changed to each byte of repl, and
 * every truncation: the verdict on patch `name` never differs from the
 * full read's, and the guess is used wherever the text is valid. */
static void every_change(const char *repl, const char *name)
{
    static const char base[] = BASE;
    size_t n = sizeof base - 1;
    char *t = malloc(n + 1);
    char what[64];
    int adopted = 0, valid = 0;
    for (size_t i = 0; i < n; i++) {
        for (const char *r = repl; *r; r++) {
            if (base[i] == *r)
                continue;
            memcpy(t, base, n);
            t[i] = *r;
            write_text(t, n);
            snprintf(what, sizeof what, "byte %zu to '%c'", i, *r);
            adopted += same_verdict(path, name, what, &valid);
        }
        write_text(base, i);
        snprintf(what, sizeof what, "truncated to %zu bytes", i);
        adopted += same_verdict(path, name, what, &valid);
    }
    free(t);
    if (adopted != valid)
        fail_msg("the guess was used in %d of %d valid cases", adopted, valid);
}

/* Every byte of the patchset changed to each of a few bytes that matter
 * to the structure, and every truncation: the verdict never differs (the
 * guess taken from the check's scan). */
static void test_every_change(void **state)
{
    (void)state;
    static const char base[] = BASE;
    write_text(base, sizeof base - 1);
    assert_int_equal(same_verdict(path, "B", "as written", NULL), 1);
    /* the guess was used, not only refused, where the text is a patchset
     * with patch B (its name and keys have no escapes in any of them) */
    every_change("\"\\[]{},: x1", "B");
}

/* The same, the guess taken from a search for the name: of patch C, whose
 * metadata comes before its operations (B's come after: not found so). */
static void test_every_change_search(void **state)
{
    (void)state;
    static const char base[] = BASE;
    from_search = 1;
    write_text(base, sizeof base - 1);
    assert_int_equal(same_verdict(path, "C", "as written", NULL), 1);
    assert_int_equal(same_verdict(path, "B", "B as written", NULL), 0);
    every_change("\"\\[]{},: x1C", "C");
    from_search = 0;
}

/* Repeated names and names or keys with escapes: adopted from the
 * check's scan (seen), whose names and keys are decoded, and from the
 * search (searched). */
static void test_names(void **state)
{
    (void)state;
    static const struct {
        const char *text, *name;
        int seen, searched;
    } cases[] = {
        {HEAD "  {\"metadata\": {\"name\": \"B\", \"values\": [1]}, \"patch\": "
         OPS_A "},\n  {\"metadata\": {\"name\": \"B\", \"values\": [2]}, "
         "\"patch\": " OPS_C "}" TAIL, "B", 0, 0},
        /* "B" spelled with an escape: not located, parsed after the check */
        {HEAD "  {\"metadata\": {\"name\": \"\\u0042\", \"values\": [1]}, "
         "\"patch\": " OPS_A "}" TAIL, "B", 1, 0},
        {HEAD "  {\"metadata\": {\"n\\u0061me\": \"B\", \"values\": [1]}, "
         "\"patch\": " OPS_A "}" TAIL, "B", 1, 0},
        {HEAD "  {\"metadata\": {\"name\": \"B\", \"values\": [1]}, \"patch\": "
         OPS_A "}" TAIL, "B", 1, 1},
        {HEAD "  {\"metadata\": {\"name\": \"B\", \"values\": [1]}, \"patch\": "
         OPS_A "}" TAIL, "Z", 0, 0},
        {HEAD "  {\"metadata\": {\"name\": \"B\", \"values\": [1]}, \"patch\": "
         OPS_A ", \"patch\": " OPS_C "}" TAIL, "B", 0, 0},
        /* a decoy inside C's operations, shaped as a patch's metadata and
         * operations: the search finds it first (from the end), and its
         * span is not the check's */
        {HEAD "  {\"metadata\": {\"name\": \"C\", \"values\": [1]}, \"patch\": "
         "[{\"op\": \"add\", \"path\": \"/d\", \"value\": {\"m\": {\"name\": "
         "\"C\"}, \"patch\": [{\"op\": \"remove\", \"path\": \"/e\"}]}}]}" TAIL,
         "C", 1, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char what[32];
        snprintf(what, sizeof what, "case %zu", k);
        write_text(cases[k].text, strlen(cases[k].text));
        assert_int_equal(same_verdict(path, cases[k].name, what, NULL), cases[k].seen);
        from_search = 1;
        assert_int_equal(same_verdict(path, cases[k].name, what, NULL), cases[k].searched);
        from_search = 0;
    }
}

/* The published patchsets: each patch (every tenth, or the first, middle
 * and last, of the large ones) is located, used, and the same as the full
 * read's, from the check's scan and from the search, wherever it is. */
static void test_shared(void **state)
{
    (void)state;
    static const char *const files[] = {
        "real/1Lbb_ATLAS-SUSY-2019-08", "real/3LRJ_ATLAS-SUSY-2018-06",
        "real/simplified_1Lbb_ATLAS-SUSY-2019-08",
        "synthetic/syn_allmods", "synthetic/syn_large"};
    int seen = 0;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char ps_path[512];
        snprintf(ps_path, sizeof ps_path, RUN_SHARED "/workspaces/%s/patchset.json",
                 files[f]);
        hf_patchset *ps;
        hf_error err = {0};
        if (access(ps_path, R_OK) != 0)
            continue;
        assert_int_equal(hfpatch_patchset_open(ps_path, &ps, &err), HF_OK);
        /* of the 57 MB 1Lbb, the first, a middle and the last patch */
        int n = hf_patchset_size(ps), step = n > 100 ? n / 2 : n > 40 ? 10 : 1;
        for (int i = 0; i < n; i = i + step < n || i == n - 1 ? i + step : n - 1) {
            char what[600];
            snprintf(what, sizeof what, "%s patch %d", ps_path, i);
            /* from the check's scan: every one, the last of 1Lbb too */
            if (!same_verdict(ps_path, hf_patchset_patch_name(ps, i), what, NULL))
                fail_msg("%s: not used from the check's scan", what);
            from_search = 1;
            if (!same_verdict(ps_path, hf_patchset_patch_name(ps, i), what, NULL))
                fail_msg("%s: not used from a search for its name", what);
            from_search = 0;
            seen++;
        }
        hf_patchset_free(ps);
    }
    if (!seen)
        skip();
}

/* hf cls: a check that fails after the model was fitted from the patch
 * read ahead says its message, with nothing on stdout, as the full read
 * would have said it. */
static void test_cls(void **state)
{
    NEED_BIN();
    char *demo = slurp_path("workspaces/demo/patchset.json");
    assert_non_null(demo);
    static const struct {
        const char *from, *to;
    } cases[] = {
        {"\"version\": \"1.0.0\"", "\"version\": \"1.0.0\","},     /* after */
        {"\"sig_500\"", "\"sig_300\""},                            /* duplicate */
        {"\"labels\": [\"mass\"]", "\"labels\": [\"mass\",]"},     /* before */
        {"\"op\": \"add\"", "\"op\": \"add\" \"x\": 1"},           /* inside */
        {"\"values\": [500]", "\"values\": [300]"},                /* same values */
        {"}\n", "}\n\n{"},                                         /* text after */
    };
    char *ps = NULL;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *at = strstr(demo, cases[k].from);
        assert_non_null(at);
        size_t pre = (size_t)(at - demo), nf = strlen(cases[k].from);
        char *text = malloc(strlen(demo) + strlen(cases[k].to) + 1);
        sprintf(text, "%.*s%s%s", (int)pre, demo, cases[k].to, at + nf);
        free(ps);
        ps = run_write_temp("bad_patchset.json", text);
        free(text);
        hf_patchset *whole = NULL;
        hf_error err = {0};
        assert_int_not_equal(hfpatch_patchset_load(ps, "sig_300", &whole, &err),
                             HF_OK);
        result r = run("cls", RUN_DEMO_WS, ps, "--patch-name", "sig_300", NULL);
        assert_failed_cleanly(&r, 1, err.msg);
        result_free(&r);
    }
    /* an md5 digest: its check needs the workspace's tree, which hf cls
     * lets go while it fits (parsed again from its text): the message is
     * the one of the checks made in order on the full read */
    const char *sha = strstr(demo, "\"sha256\"");
    assert_non_null(sha);
    char *md5 = malloc(strlen(demo) + 64);
    sprintf(md5, "%.*s\"md5\": \"0123456789abcdef0123456789abcdef\", %s",
            (int)(sha - demo), demo, sha);
    free(ps);
    ps = run_write_temp("md5_patchset.json", md5);
    free(md5);
    hf_workspace *ws;
    hf_patchset *whole;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(RUN_DEMO_WS, &ws, &err), HF_OK);
    assert_int_equal(hfpatch_patchset_load(ps, "sig_300", &whole, &err), HF_OK);
    assert_int_not_equal(hf_patchset_verify(whole, ws, &err), HF_OK);
    assert_non_null(strstr(err.msg, "Got: "));
    result m = run("cls", RUN_DEMO_WS, ps, "--patch-name", "sig_300", NULL);
    assert_failed_cleanly(&m, 1, err.msg);
    result_free(&m);
    hf_patchset_free(whole);
    hf_workspace_free(ws);
    /* a name spelled with an escape (read ahead from the check's scan,
     * which decodes it; the locate's pass left it to the check): the
     * same result */
    char *esc = strstr(demo, "\"sig_300\"");
    char *text = malloc(strlen(demo) + 16);
    sprintf(text, "%.*s\"sig_\\u0033\\u0030\\u0030\"%s", (int)(esc - demo), demo,
            esc + strlen("\"sig_300\""));
    free(ps);
    ps = run_write_temp("esc_patchset.json", text);
    result a = run("cls", RUN_DEMO_WS, ps, "--patch-name", "sig_300", NULL);
    result b = run("cls", RUN_DEMO_WS, "workspaces/demo/patchset.json",
                   "--patch-name", "sig_300", NULL);
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    assert_string_equal(a.out, b.out);
    result_free(&a);
    result_free(&b);
    free(text);
    free(ps);
    free(demo);
}

/* Replaces the first `from` of text (which must hold it) by `to`. */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    char *out = malloc(strlen(text) + strlen(to) + 1);
    assert_non_null(out);
    sprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

/* The demo patchset with its digests replaced by {"alg": "hex"} and,
 * when esc, its patch sig_300 named with escapes, in
 * tmpdir/name. */
static char *demo_patchset(const char *name, const char *alg, const char *hex, int esc)
{
    char *demo = slurp_path("workspaces/demo/patchset.json");
    assert_non_null(demo);
    const char *from = strstr(demo, "\"digests\": {");
    assert_non_null(from);
    char old[128], digests[160];
    snprintf(old, sizeof old, "%.*s", (int)(strchr(from, '}') + 1 - from), from);
    snprintf(digests, sizeof digests, "\"digests\": {\"%s\": \"%s\"}", alg, hex);
    char *text = replaced(demo, old, digests);
    char *esc_text = replaced(text, "\"sig_300\"", "\"sig_\\u0033\\u0030\\u0030\"");
    char *path = run_write_temp(name, esc ? esc_text : text);
    free(demo);
    free(text);
    free(esc_text);
    return path;
}

/* The read-ahead parses the workspace without its integer marks (only
 * a digest of its tree needs them): a digest of that tree, an md5, then
 * marks it first.  The workspace holds an integer literal (112, not
 * 112.0: a different md5; pyhf's json.dumps writes "112") and is written
 * with sorted keys (its sha256 then comes from its text); the patchsets
 * carry the digests of the full read (hf_workspace_read, marked).  Read
 * ahead (the patch named with escapes too, since the guess comes from the
 * check's scan, which decodes names), the tree is let go during the fits
 * and parsed again where the md5 needs it, and not needed for the sha256.
 * All pass with the same result.  (The check with the tree at hand, no
 * patch read ahead: test_ahead.c's test_late_patch, a guess of none.) */
static void test_marks(void **state)
{
    NEED_BIN();
    char *demo_ws = slurp_path(RUN_DEMO_WS);
    assert_non_null(demo_ws);
    char *int_text = replaced(demo_ws, "112.0", "112");
    hf_workspace *ws, *orig;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(int_text, "int", &ws, &err), HF_OK);
    char *sorted = hf_workspace_dump(ws, 4);
    assert_non_null(sorted);
    char *wsp = run_write_temp("int_ws.json", sorted);
    char md5[64], sha[80], md5_0[64];
    assert_int_equal(hf_workspace_digest(ws, "md5", md5, sizeof md5, &err), HF_OK);
    assert_int_equal(hf_workspace_digest(ws, "sha256", sha, sizeof sha, &err), HF_OK);
    assert_int_equal(hf_workspace_read(RUN_DEMO_WS, &orig, &err), HF_OK);
    assert_int_equal(hf_workspace_digest(orig, "md5", md5_0, sizeof md5_0, &err), HF_OK);
    assert_string_not_equal(md5, md5_0); /* the integer counts */
    char *ps[4] = {demo_patchset("md5_esc.json", "md5", md5, 1),
                   demo_patchset("md5.json", "md5", md5, 0),
                   demo_patchset("sha_esc.json", "sha256", sha, 1),
                   demo_patchset("sha.json", "sha256", sha, 0)};
    result first = {0};
    for (int k = 0; k < 4; k++) {
        result r = run("cls", wsp, ps[k], "--patch-name", "sig_300", NULL);
        if (r.status != 0)
            fail_msg("%s: status %d (%s)", ps[k], r.status, r.err);
        if (k == 0)
            first = r;
        else {
            assert_string_equal(r.out, first.out);
            result_free(&r);
        }
        free(ps[k]);
    }
    result_free(&first);
    hf_workspace_free(ws);
    hf_workspace_free(orig);
    free(sorted);
    free(demo_ws);
    free(int_text);
    free(wsp);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/hf_test_psguess_%d.json", (int)getpid());
    if (run_setup("test_psguess") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_every_change),
        cmocka_unit_test(test_every_change_search),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_cls),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_shared),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    run_teardown("test_psguess");
    return rc;
}
