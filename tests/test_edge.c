/*
 * test_edge.c - numerical edge cases (README "Numerical edge cases") and
 * regressions for what fuzzing found.  Public API only: every case is a
 * tiny one-bin workspace, a signal (normfactor mu) over a background, so
 * the expected answers can be worked out by hand.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf.h"

/* One channel "c" with one bin: sig (s * mu) + bkg (b, with `mod` as its
 * modifier list), observed n; `params` is the measurement's list. */
static char *ws_text(double s, double b, const char *n, const char *mod,
                     const char *params)
{
    char *buf = malloc(4096);
    assert_non_null(buf);
    snprintf(buf, 4096,
             "{\"channels\": [{\"name\": \"c\", \"samples\": ["
             " {\"name\": \"sig\", \"data\": [%.17g], \"modifiers\": ["
             "  {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
             " {\"name\": \"bkg\", \"data\": [%.17g], \"modifiers\": [%s]}]}],"
             " \"observations\": [{\"name\": \"c\", \"data\": [%s]}],"
             " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\","
             "  \"parameters\": [%s]}}], \"version\": \"1.0.0\"}",
             s, b, mod ? mod : "", n, params ? params : "");
    return buf;
}

static hf_model *build(const char *text, hf_interp normsys, hf_error *err,
                       int *rc)
{
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    *rc = hf_workspace_parse(text, "edge.json", &ws, err);
    if (*rc == HF_OK) {
        hf_model_options o;
        hf_model_options_init(&o);
        o.normsys_interp = normsys;
        *rc = hf_model_build(ws, NULL, 0, &o, &m, err);
    }
    hf_workspace_free(ws);
    return m;
}

static hf_model *model(double s, double b, const char *n, const char *mod)
{
    hf_error err = {0};
    int rc;
    char *t = ws_text(s, b, n, mod, NULL);
    hf_model *m = build(t, HF_INTERP_CODE4, &err, &rc);
    free(t);
    if (rc != HF_OK)
        fail_msg("%s", err.msg);
    return m;
}

static double logpdf_at_inits(const hf_model *m)
{
    double *w = malloc(sizeof(double) * hf_model_work_size(m));
    assert_non_null(w);
    double l = hf_model_logpdf(m, hf_model_inits(m), hf_model_data(m), w);
    free(w);
    return l;
}

static void assert_cls_sane(const hf_cls_result *r)
{
    assert_true(isfinite(r->cls_obs) && r->cls_obs >= 0 && r->cls_obs <= 1);
    assert_true(isfinite(r->clsb) && isfinite(r->clb));
    for (int i = 0; i < 5; i++)
        assert_true(isfinite(r->cls_exp[i]) && r->cls_exp[i] >= 0 &&
                    r->cls_exp[i] <= 1);
}

/* ---------------------------------------------------- nominal yields */

/* Zero nominal: Poisson(0 | 0) = 1, and Poisson(n > 0 | 0) = 0, so the
 * log-likelihood is -inf (pyhf: the same, through xlogy). */
static void test_zero_nominal(void **s)
{
    (void)s;
    hf_model *m = model(0, 0, "0", NULL);
    assert_true(logpdf_at_inits(m) == 0.0);
    hf_model_free(m);
    m = model(0, 0, "3", NULL);
    double l = logpdf_at_inits(m);
    assert_true(isinf(l) && l < 0);
    /* the fit cannot start there: reported, never a number */
    double p[8];
    hf_fit_result fr;
    hf_error err = {0};
    assert_int_not_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, p, &fr,
                                &err), HF_OK);
    assert_non_null(strstr(err.msg, "the likelihood is zero at the start point: channel"));
    assert_non_null(strstr(err.msg, "expects 0 events and has 3 observed"));
    hf_model_free(m);
}

/* Zero background under a signal: logpdf is -inf only at mu = 0, which
 * the free fit stays away from (mu^ = n / s exactly). */
static void test_zero_background(void **s)
{
    (void)s;
    hf_model *m = model(5, 0, "3", NULL);
    assert_true(isfinite(logpdf_at_inits(m)));
    double p[8];
    hf_fit_result fr;
    hf_error err = {0};
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, p, &fr, &err),
                     HF_OK);
    assert_true(fabs(p[hf_model_poi(m)] - 0.6) < 1e-4);
    assert_true(isfinite(fr.twice_nll));
    /* the background-only fit (mu = 0) has no finite likelihood: CLs is
     * an error, not a NaN */
    hf_cls_result r;
    int rc = hf_cls_asymptotic(m, hf_model_data(m), 1.0, HF_TEST_QMU_TILDE,
                               NULL, &r, &err);
    assert_int_not_equal(rc, HF_OK);
    assert_true(err.msg[0] != '\0');
    hf_model_free(m);
}

/* Negative nominal yields are accepted (pyhf does: ATLAS workspaces have
 * small negative MC yields in one sample); a negative total expectation
 * gives a NaN logpdf, as in pyhf. */
static void test_negative_nominal(void **s)
{
    (void)s;
    hf_model *m = model(5, -1, "3", NULL);  /* total 4 > 0 */
    assert_true(isfinite(logpdf_at_inits(m)));
    hf_model_free(m);
    m = model(1, -5, "3", NULL);            /* total -4 */
    assert_true(isnan(logpdf_at_inits(m)));
    hf_model_free(m);
}

/* ----------------------------------------------------------- modifiers */

static void test_normsys_zero(void **s)
{
    (void)s;
    static const char *const mods[] = {
        "{\"name\": \"n\", \"type\": \"normsys\", \"data\": {\"hi\": 1.2, \"lo\": 0}}",
        "{\"name\": \"n\", \"type\": \"normsys\", \"data\": {\"hi\": 0, \"lo\": 0.8}}"};
    for (int i = 0; i < 2; i++) {
        hf_error err = {0};
        int rc;
        char *t = ws_text(5, 50, "55", mods[i], NULL);
        hf_model *m = build(t, HF_INTERP_CODE4, &err, &rc);
        assert_int_equal(rc, HF_ERR_INVALID);
        assert_non_null(strstr(err.msg, "needs lo > 0 and hi > 0"));
        assert_null(m);
        m = build(t, HF_INTERP_CODE1, &err, &rc);
        assert_int_equal(rc, HF_ERR_INVALID);
        /* code0 (linear) is defined for a factor of 0 */
        m = build(t, HF_INTERP_CODE0, &err, &rc);
        assert_int_equal(rc, HF_OK);
        assert_true(isfinite(logpdf_at_inits(m)));
        /* lo = 0 is smooth where the fits go; hi = 0 with lo < 1 makes
         * alpha = 0 a kink (the yield falls both ways), where the mu = 0
         * fit may stop without converging: then an error, never a NaN */
        hf_cls_result r;
        rc = hf_cls_asymptotic(m, hf_model_data(m), 1.0, HF_TEST_QMU_TILDE,
                               NULL, &r, &err);
        if (i == 0)
            assert_int_equal(rc, HF_OK);
        if (rc == HF_OK)
            assert_cls_sane(&r);
        else
            assert_true(err.msg[0] != '\0');
        hf_model_free(m);
        free(t);
    }
}

/* A histosys whose templates equal the nominal: the parameter only has
 * its constraint, and the fit leaves it at 0. */
static void test_histosys_flat(void **s)
{
    (void)s;
    hf_model *m = model(5, 50, "55",
                        "{\"name\": \"h\", \"type\": \"histosys\", \"data\": "
                        "{\"hi_data\": [50], \"lo_data\": [50]}}");
    hf_model *ref = model(5, 50, "55", NULL);
    int k = hf_model_find_parset(m, "h");
    hf_parset ps;
    assert_int_equal(hf_model_parset(m, k, &ps), HF_OK);
    double *w = malloc(sizeof(double) * hf_model_work_size(m));
    double exp1[1], exp2[1], pars[8], grad[8];
    memcpy(pars, hf_model_inits(m), sizeof(double) * hf_model_npars(m));
    pars[ps.offset] = 2.5;
    hf_model_expected(m, pars, exp1, w);
    hf_model_expected(ref, hf_model_inits(ref), exp2, w);
    assert_true(exp1[0] == exp2[0]);
    hf_model_nll(m, pars, hf_model_data(m), grad, w);
    assert_true(fabs(grad[ps.offset] - 2.5) < 1e-12);  /* constraint only */
    hf_fit_result fr;
    hf_error err = {0};
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, pars, &fr,
                            &err), HF_OK);
    assert_true(fabs(pars[ps.offset]) < 1e-4);
    free(w);
    hf_model_free(m);
    hf_model_free(ref);
}

/* ------------------------------------------------------------- input */

static void expect_load_error(const char *text, int code, const char *frag)
{
    hf_error err = {0};
    int rc;
    hf_model *m = build(text, HF_INTERP_CODE4, &err, &rc);
    assert_null(m);
    if (rc != code || !strstr(err.msg, frag))
        fail_msg("got %d '%s', want %d '%s'", rc, err.msg, code, frag);
}

/* NaN and Infinity: Python's json.load reads them, JSON does not; and
 * out-of-range literals (1e999) become inf.  All refused at load. */
static void test_nonfinite_input(void **s)
{
    (void)s;
    char *t = ws_text(5, 50, "55", NULL, NULL);
    char *p = strstr(t, "[50]");
    assert_non_null(p);
    static const struct { const char *lit; int code; const char *frag; } c[] = {
        {"1e999", HF_ERR_INVALID, "not finite"},
        {"-1e999", HF_ERR_INVALID, "not finite"},
        {"NaN", HF_ERR_PARSE, "not valid JSON"},
        {"Infinity", HF_ERR_PARSE, "not valid JSON"},
        {"-Infinity", HF_ERR_PARSE, "not valid JSON"},
        {"nan", HF_ERR_PARSE, "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *u = malloc(strlen(t) + 32);
        snprintf(u, strlen(t) + 32, "%.*s[%s]%s", (int)(p - t), t, c[i].lit, p + 4);
        expect_load_error(u, c[i].code, c[i].frag);
        free(u);
    }
    /* in observed data and in a modifier too */
    free(t);
    t = ws_text(5, 50, "1e999", NULL, NULL);
    expect_load_error(t, HF_ERR_INVALID, "observations[0].data[0]: number is not finite");
    free(t);
    t = ws_text(5, 50, "55", "{\"name\": \"n\", \"type\": \"normsys\", \"data\": "
                "{\"hi\": 1e999, \"lo\": 0.9}}", NULL);
    expect_load_error(t, HF_ERR_INVALID, "data.hi: number is not finite");
    free(t);
}

/* A channel without samples is refused by the schema (minItems 1). */
static void test_empty_channel(void **s)
{
    (void)s;
    expect_load_error("{\"channels\": [{\"name\": \"c\", \"samples\": []}],"
                      " \"observations\": [{\"name\": \"c\", \"data\": [1]}],"
                      " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\","
                      " \"parameters\": []}}], \"version\": \"1.0.0\"}",
                      HF_ERR_INVALID, "channels[0].samples: must not be empty");
}

/* --------------------------------------------------------- inference */

/* b = 1e9 observed exactly: mu^ = 0 and, with no nuisance parameter, q and
 * its Asimov value are both 2 [s - b log(1 + s/b)], so CLb = 1/2 and
 * CLs = 2 (1 - Phi(sqrt q)) = erfc(sqrt(q / 2)).  With s = 1.645 sqrt(b)
 * that is 0.1: the naive sum of terms of size 1e10 would lose it. */
static void test_huge_counts(void **s)
{
    (void)s;
    double b = 1e9, sig = 1.6448536269514722 * sqrt(b);
    hf_model *m = model(sig, b, "1e9", NULL);
    hf_cls_result r;
    hf_error err = {0};
    assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), 1.0,
                                       HF_TEST_QMU_TILDE, NULL, &r, &err), HF_OK);
    assert_cls_sane(&r);
    double q = 2 * (sig - b * log1p(sig / b));
    double cls = erfc(sqrt(q / 2));
    assert_true(fabs(r.test_stat - q) < 1e-6 * q);
    assert_true(fabs(r.clb - 0.5) < 1e-6);
    assert_true(fabs(r.cls_obs - cls) < 1e-6);
    assert_true(fabs(r.cls_obs - 0.1) < 1e-3);
    double p[8];
    hf_fit_result fr;
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, p, &fr, &err),
                     HF_OK);
    assert_true(isfinite(fr.twice_nll));
    assert_true(fabs(p[hf_model_poi(m)]) < 1e-3);
    hf_model_free(m);
}

/* A deficit: the free fit ends on the POI's lower bound (0), CLb is tiny
 * and CLs = CLsb / CLb stays finite in [0, 1]. */
static void test_deficit(void **s)
{
    (void)s;
    const char *obs[] = {"50", "0"};
    for (int i = 0; i < 2; i++) {
        hf_model *m = model(10, 100, obs[i], NULL);
        double p[8];
        hf_fit_result fr;
        hf_error err = {0};
        assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, p, &fr,
                                &err), HF_OK);
        assert_true(p[hf_model_poi(m)] == hf_model_lower(m)[hf_model_poi(m)]);
        hf_cls_result r;
        assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), 1.0,
                                           HF_TEST_QMU_TILDE, NULL, &r, &err),
                         HF_OK);
        assert_cls_sane(&r);
        assert_true(r.clb < 1e-5);
        hf_model_free(m);
    }
}

/* An excess beyond the POI's upper bound: the fit stops on the bound
 * (mu = 10), and CLs at mu = 1 and at the bound itself are still sane. */
static void test_poi_at_bound(void **s)
{
    (void)s;
    hf_model *m = model(10, 100, "300", NULL);
    int poi = hf_model_poi(m);
    double p[8];
    hf_fit_result fr;
    hf_error err = {0};
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, p, &fr, &err),
                     HF_OK);
    assert_true(p[poi] == hf_model_upper(m)[poi]);
    double mus[] = {1.0, hf_model_upper(m)[poi], 0.0};
    for (int i = 0; i < 3; i++) {
        hf_cls_result r;
        assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), mus[i],
                                           HF_TEST_QMU_TILDE, NULL, &r, &err),
                         HF_OK);
        assert_cls_sane(&r);
    }
    /* fixing the POI on its lower bound */
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 1, 0.0, NULL, p, &fr, &err),
                     HF_OK);
    assert_true(p[poi] == 0.0 && isfinite(fr.twice_nll));
    hf_model_free(m);
}

/* ------------------------------------------------------- fuzz findings */

/* Copy-on-write patching (hf_model_build with patches) with a root
 * "replace" followed by a failing op freed the spec twice. */
static void test_fuzz_root_replace_then_fail(void **s)
{
    (void)s;
    char *t = ws_text(5, 50, "55", NULL, NULL);
    hf_workspace *ws;
    hf_patch *p;
    hf_model *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(t, "edge.json", &ws, &err), HF_OK);
    assert_int_equal(hf_patch_parse("[{\"op\": \"replace\", \"path\": \"\", \"value\": 3},"
                                    " {\"op\": \"test\", \"path\": \"/a\", \"value\": 8}]",
                                    "p.json", &p, &err), HF_OK);
    const hf_patch *ps[] = {p};
    assert_int_equal(hf_model_build(ws, ps, 1, NULL, &m, &err), HF_ERR_PATCH);
    assert_null(m);
    assert_non_null(strstr(err.msg, "p.json"));
    /* and the same through the whole-document apply */
    hf_workspace *out = NULL;
    assert_int_not_equal(hf_workspace_apply(ws, p, &out, &err), HF_OK);
    assert_null(out);
    hf_patch_free(p);
    hf_workspace_free(ws);
    free(t);
}

/* ------------------------------------------------------------ real case */

/* ATLAS-SUSY-2018-31 SRA (simplified): the signal patches add a lumi
 * modifier that the measurement does not configure.  pyhf dies with a
 * bare TypeError; we must say why in one sentence. */
static void test_sbottom_lumi(void **s)
{
    (void)s;
    const char *dir = "../shared/workspaces/real/simplified_sbottom_ATLAS-SUSY-2018-31_SRA";
    char ws_path[512], ps_path[512];
    snprintf(ws_path, sizeof ws_path, "%s/BkgOnly.json", dir);
    snprintf(ps_path, sizeof ps_path, "%s/patchset.json", dir);
    struct stat st;
    if (stat(ws_path, &st) != 0 || stat(ps_path, &st) != 0)
        skip();
    hf_workspace *ws;
    hf_patchset *pset;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(ws_path, &ws, &err), HF_OK);
    assert_int_equal(hf_patchset_read(ps_path, &pset, &err), HF_OK);
    const hf_patch *p = hf_patchset_patch(pset, 0);
    hf_model *m = NULL;
    assert_int_equal(hf_model_build(ws, &p, 1, NULL, &m, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "has a lumi modifier but the measurement "
                                    "configures no 'lumi' parameter"));
    hf_patchset_free(pset);
    hf_workspace_free(ws);

    /* and hfcls prints it, with nothing on stdout and exit status 1 */
    const char *bin = getenv("HF_BIN");
    if (!bin)
        return;
    char cmd[2048];
    /* (the derived patchset records the full workspace's digest) */
    snprintf(cmd, sizeof cmd, "%s cls %s %s --patch-name sbottom_1000_131_1 "
             "--no-verify 2>&1 >/dev/null", bin, ws_path, ps_path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char msg[2048] = "";
    size_t n = fread(msg, 1, sizeof msg - 1, f);
    msg[n] = '\0';
    int status = pclose(f);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    assert_non_null(strstr(msg, "configures no 'lumi' parameter"));
}

/* The command never prints a CLs it could not compute. */
static void test_cli_no_nan(void **s)
{
    (void)s;
    const char *bin = getenv("HF_BIN");
    if (!bin)
        skip();
    char path[] = "/tmp/hf_edge_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *t = ws_text(5, 0, "3", NULL, NULL);  /* no finite mu = 0 fit */
    assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
    close(fd);
    free(t);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s cls %s 2>/dev/null", bin, path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char out[256];
    size_t n = fread(out, 1, sizeof out, f);
    int status = pclose(f);
    unlink(path);
    assert_int_equal(n, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_nominal),
        cmocka_unit_test(test_zero_background),
        cmocka_unit_test(test_negative_nominal),
        cmocka_unit_test(test_normsys_zero),
        cmocka_unit_test(test_histosys_flat),
        cmocka_unit_test(test_nonfinite_input),
        cmocka_unit_test(test_empty_channel),
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_deficit),
        cmocka_unit_test(test_poi_at_bound),
        cmocka_unit_test(test_fuzz_root_replace_then_fail),
        cmocka_unit_test(test_sbottom_lumi),
        cmocka_unit_test(test_cli_no_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
