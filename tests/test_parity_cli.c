/*
 * test_parity_cli.c - the command side of issue 19: `hf significance` and
 * `hf cls --test-stat q0` (single and grid mode), `--interp` and
 * `--optconf` on cls and fit, `hf fit --value`, workspaces read from
 * standard input when no file is named, `hf --cite`, `hf completions`,
 * and the bad command lines (exit 2, nothing on stdout).  Numbers are
 * checked against pyhf's (tests/parity/refs.json, see test_parity.c).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"

#define NORMSYS "tests/parity/normsys.json"
#define HISTOSYS "tests/parity/histosys.json"
#define MIXED "tests/parity/mixed.json"
#define DEMO_PS "workspaces/demo/patchset.json"

static cJSON *refs;

/* The reference case called name among the small models. */
static const cJSON *ref_case(const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(refs, "models"))
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring,
                    name))
            return c;
    fail_msg("no reference %s", name);
    return NULL;
}


static void assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.15g, want %.15g (tolerance %g)", got, want, tol);
}

/* The four discovery keys and nothing else, matching pyhf's q0 test. */
static void check_discovery(const cJSON *o, const cJSON *q)
{
    assert_int_equal(cJSON_GetArraySize(o), 4);
    assert_near(json_number(o, "p0_obs"), json_number(q, "p0_obs"), 1e-6);
    assert_near(json_number(o, "Z_obs"), json_number(q, "Z_obs"), 1e-5);
    for (int i = 0; i < 5; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "p0_exp");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(q, "p0_exp");
        const cJSON *za = cJSON_GetObjectItemCaseSensitive(o, "Z_exp");
        const cJSON *zb = cJSON_GetObjectItemCaseSensitive(q, "Z_exp");
        assert_near(cJSON_GetArrayItem(a, i)->valuedouble,
                    cJSON_GetArrayItem(b, i)->valuedouble, 1e-6);
        assert_near(cJSON_GetArrayItem(za, i)->valuedouble,
                    cJSON_GetArrayItem(zb, i)->valuedouble, 1e-4);
    }
}

static void test_significance(void **state)
{
    NEED_BIN();
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(ref_case("normsys"), "q0");
    result r = run("significance", NORMSYS, NULL);
    cJSON *o = parse_ok(&r);
    check_discovery(o, q);
    /* the same bytes from hf cls --test-stat q0, and from stdin */
    result r2 = run("cls", NORMSYS, "--test-stat", "q0", NULL);
    assert_int_equal(r2.status, 0);
    assert_string_equal(r.out, r2.out);
    result r3 = run_in(NORMSYS, "significance", NULL);
    assert_int_equal(r3.status, 0);
    assert_string_equal(r.out, r3.out);
    result r4 = run("significance", NORMSYS, "--tail-probs", NULL);
    cJSON *o4 = parse_ok(&r4);
    assert_near(json_number(o4, "CLb"), json_number(q, "CLb"), 1e-6);
    cJSON_Delete(o);
    cJSON_Delete(o4);
    result_free(&r);
    result_free(&r2);
    result_free(&r3);
    result_free(&r4);
}

/* Grid mode: one discovery line per patch, the numbers of single mode. */
static void test_significance_grid(void **state)
{
    NEED_BIN();
    result g = run("significance", RUN_DEMO_WS, DEMO_PS, NULL);
    assert_int_equal(g.status, 0);
    char *nl = strchr(g.out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    cJSON *line = cJSON_Parse(g.out);
    assert_non_null(line);
    const char *name = cJSON_GetObjectItemCaseSensitive(line, "patch")->valuestring;
    result s = run("significance", RUN_DEMO_WS, DEMO_PS, "--patch-name", name,
                   NULL);
    cJSON *o = parse_ok(&s);
    /* to 1e-8 relative (issue 21's guard is 1e-6): the grid's free fits
     * start from the workspace's own fit (infer/share.c), the single
     * patch's from the inits; the same minimum from two starts agrees to
     * the fits' tolerance (here ~1e-12), not to the bit */
    double p0 = json_number(o, "p0_obs"), z = json_number(o, "Z_obs");
    assert_near(json_number(line, "p0_obs"), p0, 1e-8 * fabs(p0));
    assert_near(json_number(line, "Z_obs"), z, 1e-8 * fabs(z));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(line, "Z_exp"));
    assert_null(cJSON_GetObjectItemCaseSensitive(line, "CLs_obs"));
    cJSON_Delete(line);
    cJSON_Delete(o);
    result_free(&g);
    result_free(&s);
}

/* ROOT's codes on cls and fit, against pyhf's modifier_settings. */
static void test_interp(void **state)
{
    NEED_BIN();
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(ref_case("mixed"),
                                                      "code1_code0");
    result r = run("cls", MIXED, "--interp", "normsys=code1,histosys=code0",
                   NULL);
    cJSON *o = parse_ok(&r);
    assert_near(json_number(o, "CLs_obs"), json_number(h, "CLs_obs"), 1e-6);
    cJSON_Delete(o);
    result_free(&r);
    /* default codes differ: the option is not ignored */
    r = run("cls", MIXED, NULL);
    o = parse_ok(&r);
    assert_true(fabs(json_number(o, "CLs_obs") - json_number(h, "CLs_obs")) > 1e-4);
    cJSON_Delete(o);
    result_free(&r);

    h = cJSON_GetObjectItemCaseSensitive(ref_case("histosys"), "code1_code0");
    r = run_in(HISTOSYS, "fit", "--value", "--interp", "histosys=code0",
               "--optconf", "tolerance=1e-10,maxiter=5000", NULL);
    o = parse_ok(&r);
    double want = json_number(h, "twice_nll_free"), got = json_number(o, "twice_nll");
    assert_true(got <= want + 1e-6 && got >= want - 1e-5);
    cJSON_Delete(o);
    result_free(&r);
}

/* --optconf reaches the minimiser: two evaluations cannot converge. */
static void test_optconf(void **state)
{
    NEED_BIN();
    result r = run("fit", MIXED, "--optconf", "maxiter=2", NULL);
    assert_failed_cleanly(&r, 3, "no convergence");
    result_free(&r);
}

static void test_bad_command_lines(void **state)
{
    NEED_BIN();
    static const char *const cases[][8] = {
        {"cls", NORMSYS, "--interp", "normsys=code4p", NULL},
        {"cls", NORMSYS, "--interp", "histosys=code1", NULL},
        {"cls", NORMSYS, "--interp", "shapesys=code0", NULL},
        {"fit", NORMSYS, "--interp", "normsys", NULL},
        {"cls", NORMSYS, "--test-stat", "q0", "--test-poi", "1", NULL},
        {"cls", NORMSYS, "--test-stat", "q0", "--upper-limit", NULL},
        {"cls", NORMSYS, "--test-stat", "q0", "--scan", "0:2:3", NULL},
        {"cls", NORMSYS, "--test-stat", "q1", NULL},
        {"cls", NORMSYS, "--optconf", "tolerance=abc", NULL},
        {"cls", NORMSYS, "--optconf", "tolerance=", NULL},
        {"fit", NORMSYS, "--optconf", "maxiter=0", NULL},
        {"fit", NORMSYS, "--optconf", "stepsize=1", NULL},
        {"fit", NORMSYS, "--optconf", "tolerance=1e-8,", NULL},
        {"fit", NORMSYS, "--optimizer", "minuit", NULL},
        {"cls", NORMSYS, "--backend", "jax", NULL},
        {"significance", NORMSYS, "--test-stat", "qtilde", NULL},
        {"significance", RUN_DEMO_WS, DEMO_PS, "--test-poi", "2", NULL},
        {"completions", "fish", NULL},
    };
    static const char *const why[] = {
        "normsys code", "histosys code", "modifier type", "TYPE=CODE",
        "tests the POI at 0", "not limits", "not limits", "q0",
        "tolerance", "tolerance", "maxiter", "'stepsize' is not supported",
        "comma", "--optimizer", "--backend", "q0", "tests the POI at 0",
        "bash",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[10] = {(char *)hf_bin};
        for (int k = 0; cases[i][k]; k++)
            argv[k + 1] = (char *)cases[i][k];
        result r = run_argv(hf_bin, argv);
        if (r.status != 2 || r.outlen != 0 || !strstr(r.err, why[i]))
            fail_msg("%s %s %s: status %d, stdout '%s', stderr '%s'",
                     cases[i][0], cases[i][2] ? cases[i][2] : "",
                     cases[i][3] ? cases[i][3] : "", r.status, r.out, r.err);
        result_free(&r);
    }
}

/* No file and nothing piped in: a usage error, not a wait on stdin. */
static void test_stdin(void **state)
{
    NEED_BIN();
    result r = run("inspect", NULL); /* stdin is /dev/null */
    assert_failed_cleanly(&r, 2, "workspace");
    result_free(&r);
    static const char *const verbs[] = {"cls", "fit", "eval", "inspect",
                                        "significance", "digest", "sort"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        result a = run_in(NORMSYS, verbs[i], NULL);
        result b = run(verbs[i], NORMSYS, NULL);
        if (a.status != 0 || strcmp(a.out, b.out) != 0)
            fail_msg("%s < file: status %d, '%s' vs '%s'", verbs[i],
                     a.status, a.out, b.out);
        result_free(&a);
        result_free(&b);
    }
}

static void test_cite(void **state)
{
    NEED_BIN();
    result r = run("--cite", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "doi = {10.21105/joss.02823}"));
    assert_non_null(strstr(r.out, "doi = {10.5281/zenodo.1169739}"));
    assert_non_null(strstr(r.out, "Kyle Cranmer"));
    assert_non_null(strstr(r.out, "CERN-OPEN-2012-016"));
    assert_non_null(strstr(r.out, "1007.1727"));
    result_free(&r);
}

/* What bash completes for the words of `line` (the last one is being
 * typed), with the script `hf completions bash` prints. */
static char *complete_bash(const char *script, const char *line)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "bash -c 'source %s; COMP_WORDS=(%s); "
             "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _hf; "
             "echo \"${COMPREPLY[*]}\"' 2>&1", script, line);
    FILE *p = popen(cmd, "r");
    static char out[4096];
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    if (p)
        pclose(p);
    out[n] = '\0';
    return out;
}

static void test_completions(void **state)
{
    NEED_BIN();
    if (access("/bin/bash", X_OK) != 0)
        skip();
    result r = run("completions", "bash", NULL);
    assert_int_equal(r.status, 0);
    char script[512];
    snprintf(script, sizeof script, "%s/hf.bash", tmpdir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs(r.out, f);
    fclose(f);
    assert_string_equal(complete_bash(script, "hf signif"), "significance\n");
    assert_string_equal(complete_bash(script, "hf cls --test-st"),
                        "--test-stat\n");
    assert_string_equal(complete_bash(script, "hf cls ws.json --test-stat \"\""),
                        "qtilde q q0\n");
    assert_string_equal(complete_bash(script, "hfcls ws.json --calc"),
                        "--calctype\n");
    assert_string_equal(complete_bash(script, "hf fit --val"), "--value\n");
    /* significance does not offer what it refuses */
    assert_string_equal(complete_bash(script, "hf significance --test-"), "\n");
    /* every option cls --help documents completes */
    result h = run("cls", "--help", NULL);
    for (const char *p = h.out; (p = strstr(p, "  --")) != NULL; p += 4) {
        char opt[64], line[128];
        sscanf(p + 2, "%63[a-z-]", opt);
        snprintf(line, sizeof line, "hf cls %s", opt);
        if (!strstr(complete_bash(script, line), opt))
            fail_msg("%s is in hf cls --help but does not complete", opt);
    }
    result z = run("completions", "zsh", NULL);
    assert_int_equal(z.status, 0);
    assert_non_null(strstr(z.out, "#compdef hf hfcls"));
    assert_non_null(strstr(z.out, "'--test-stat=:value:(qtilde q q0)'"));
    unlink(script);
    result_free(&r);
    result_free(&h);
    result_free(&z);
}

int main(void)
{
    FILE *f = fopen("tests/parity/refs.json", "rb");
    static char text[1 << 20];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    if (!(refs = cJSON_Parse(text))) {
        fprintf(stderr, "test_parity_cli: cannot read tests/parity/refs.json "
                        "(run from the repository root)\n");
        return 1;
    }
    if (run_setup("test_parity_cli") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_significance),
        cmocka_unit_test(test_significance_grid),
        cmocka_unit_test(test_interp),
        cmocka_unit_test(test_optconf),
        cmocka_unit_test(test_bad_command_lines),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_cite),
        cmocka_unit_test(test_completions),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cJSON_Delete(refs);
    run_teardown("test_parity_cli");
    return rc;
}
