/*
 * test_fit_data.c - `hf fit --data FILE`: a fit of other data than the
 * observed ones (main bins then auxdata, in pyhf's order, as `hf cls
 * --asimov-out` writes them).
 *  - pyhf's toy 36 of 3LRJ ERJR_250p0_100p0 (tests/pyhf/gamma_bound.json,
 *    made by tests/pyhf/make_gamma_bound.py; needs ../shared, else
 *    skipped): the mu = 1 fit has a minimum with the top SRlow shapesys
 *    gamma on its 1e-10 bound, 10.3 in twice_nll above pyhf's multi-start
 *    minimum (gamma 5.19); the fit layer's gamma rule (fit/gamma.c) must
 *    get `hf fit` there.  twice_nll is compared to 0.01 (pyhf's logpdf on
 *    3LRJ is off by ~2e-3: an aux term of mean 1.9e11 cancels).
 *  - the Asimov data of the demo's hypotest (sig_300): their free fit from the inits
 *    ends where `hf cls --explain` says the free Asimov fit is (the point
 *    that made them, their global minimum by construction).
 *  - bad --data files: exit 1 naming the file and the fault, nothing on
 *    stdout, no --output-file.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "run.h"

#define LRJ RUN_SHARED "/workspaces/real/3LRJ_ATLAS-SUSY-2018-06"
#define DEMO RUN_DEMO_WS, "workspaces/demo/patchset.json", "--patch-name", \
    "sig_300"

static cJSON *load_json(const char *path)
{
    char *s = slurp_path(path);
    cJSON *j = s ? cJSON_Parse(s) : NULL;
    free(s);
    return j;
}

/* hf fit on toy 36's data, free and with mu = 1, against pyhf's. */
static void test_toy36(void **state)
{
    NEED_BIN();
    if (access(LRJ "/BkgOnly.json", R_OK) != 0)
        skip();
    cJSON *ref = load_json("tests/pyhf/gamma_bound.json");
    assert_non_null(ref); /* committed: never a skip */
    char path[512];
    snprintf(path, sizeof path, "%s/toy36.json", tmpdir);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(ref, "data"));
    run_write_file(path, text);
    free(text);
    for (int fixed = 0; fixed < 2; fixed++) {
        result r = fixed ? run("fit", LRJ "/BkgOnly.json", LRJ "/patchset.json",
                               "--patch-name", "ERJR_250p0_100p0", "--data",
                               path, "--fix-poi", "1", NULL)
                         : run("fit", LRJ "/BkgOnly.json", LRJ "/patchset.json",
                               "--patch-name", "ERJR_250p0_100p0", "--data",
                               path, NULL);
        cJSON *o = parse_ok(&r);
        double t = json_number(o, "twice_nll");
        double want = json_number(ref, fixed ? "fixed_mu1_twice_nll" : "free_twice_nll");
        printf("# %s: twice_nll %.6f, pyhf %.6f\n", fixed ? "mu=1" : "free",
               t, want);
        assert_true(fabs(t - want) < 0.01);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "converged")));
        if (fixed) { /* pyhf's gamma 5.19, not the 1e-10 bound */
            const cJSON *g = cJSON_GetObjectItem(
                cJSON_GetObjectItem(o, "mle_parameters"),
                "shape_mcstat_top_SRlow_obs_cuts");
            assert_true(cJSON_IsArray(g));
            assert_true(fabs(cJSON_GetArrayItem(g, 0)->valuedouble -
                             json_number(ref, "gamma_top_SRlow_fixed")) < 0.5);
        }
        cJSON_Delete(o);
        result_free(&r);
    }
    cJSON_Delete(ref);
}

/* The demo's Asimov data (hf cls --asimov-out) fitted by hf fit --data:
 * the free Asimov fit of the hypotest, to 1e-6. */
static void test_asimov_roundtrip(void **state)
{
    NEED_BIN();
    char path[512];
    snprintf(path, sizeof path, "%s/asimov.json", tmpdir);
    result c = run("cls", DEMO, "--explain", "--asimov-out", path, NULL);
    cJSON *o = parse_ok(&c);
    const cJSON *ex = cJSON_GetObjectItem(o, "explain");
    double want = json_number(cJSON_GetObjectItem(ex, "asimov_free"), "twice_nll");
    result f = run("fit", DEMO, "--data", path, NULL);
    cJSON *fo = parse_ok(&f);
    printf("# free fit of the Asimov data %.9f, the hypotest's %.9f\n",
           json_number(fo, "twice_nll"), want);
    assert_true(fabs(json_number(fo, "twice_nll") - want) < 1e-6);
    /* and not the observed data's fit */
    result g = run("fit", DEMO, NULL);
    cJSON *go = parse_ok(&g);
    assert_true(fabs(json_number(go, "twice_nll") - want) > 1e-3);
    cJSON_Delete(o);
    cJSON_Delete(fo);
    cJSON_Delete(go);
    result_free(&c);
    result_free(&f);
    result_free(&g);
}

/* n numbers, 50 each, entry `at` replaced by `what` (at < 0: none). */
static char *numbers(int n, int at, const char *what)
{
    char *t = malloc(16 * (size_t)n + 64), *p = t;
    p += sprintf(p, "[");
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? ", " : "", i == at ? what : "50");
    sprintf(p, "]");
    return t;
}

/* Each bad file: exit 1, its name and the fault on stderr, nothing on
 * stdout, the --output-file not made. */
static void test_bad_data(void **state)
{
    NEED_BIN();
    char path[512], out[512], msg[64];
    snprintf(out, sizeof out, "%s/out.json", tmpdir);
    /* the demo model's length (main bins + auxdata), from its Asimov data */
    snprintf(path, sizeof path, "%s/len.json", tmpdir);
    result c = run("cls", DEMO, "--asimov-out", path, NULL);
    assert_int_equal(c.status, 0);
    result_free(&c);
    cJSON *a = load_json(path);
    int n = cJSON_GetArraySize(a);
    assert_true(n > 2);
    cJSON_Delete(a);
    struct {
        char *text;
        const char *msg;
    } bad[] = {
        {strdup("[1, 2"), "line"}, /* not JSON */
        {strdup("{\"a\": 1}"), "not an array of"},
        {numbers(n - 1, -1, NULL), "not an array of"},
        {numbers(n + 1, -1, NULL), "not an array of"},
        {numbers(n, 0, "-1"), "entry [0] is not a non-negative (main bin)"},
        {numbers(n, 1, "\"x\""), "entry [1] is not a non-negative"},
        {numbers(n, n - 1, "1e999"), msg},
    };
    snprintf(msg, sizeof msg, "entry [%d] is not a finite number", n - 1);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(path, sizeof path, "%s/bad%zu.json", tmpdir, i);
        run_write_file(path, bad[i].text);
        free(bad[i].text);
        result r = run("fit", DEMO, "--data", path, "--output-file",
                       out, NULL);
        assert_failed_cleanly(&r, 1, bad[i].msg);
        assert_non_null(strstr(r.err, path));
        assert_int_equal(access(out, F_OK), -1);
        result_free(&r);
    }
    result r = run("fit", DEMO, "--data", "/nonexistent/d.json", NULL);
    assert_failed_cleanly(&r, 1, "/nonexistent/d.json");
    result_free(&r);
}

int main(void)
{
    if (run_setup("test_fit_data") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toy36),
        cmocka_unit_test(test_asimov_roundtrip),
        cmocka_unit_test(test_bad_data),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_fit_data");
    return rc;
}
