/*
 * test_fullhessian.c - the strict mode (hf_fit_options.full_hessian,
 * `--full-hessian`) on tests/pyhf/saddle_sym.json, against pyhf's
 * multi-start fits (tests/pyhf/make_refs.py, refs.json "full_hessian").
 *
 * The model exchanges two normsys parameters alpha_a and alpha_b, and an
 * excess in the bin where they act makes the NLL curve down across the
 * diagonal alpha_a = alpha_b: a saddle on no coordinate, with no gradient
 * component exactly zero there.  A descent from the inits (alpha_a =
 * alpha_b = 0) stays on the diagonal (the gradient's two components are
 * equal there) and stops at that saddle.  The default rule of the fits
 * inside a hypothesis test checks the Hessian only on the coordinates
 * whose gradient is exactly zero (fit/mle.c leave_saddle), so it calls
 * that saddle converged: the known limit of the default, asserted below
 * as the premise of the test (pyhf's default optimizer stops there too:
 * refs.json pyhf_default, CLs_exp median 0.0478 against 0.1190).  With
 * full_hessian every fit checks the whole Hessian, as hf_fit does, and
 * must reach pyhf's minima and CLs.
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

#include "hf.h"
#include "models.h"
#include "run.h"

#define WS "tests/pyhf/saddle_sym.json"

static const char *const fit_key[HF_NFITS] = {
    "free", "fixed_poi", "bkg_only", "asimov_free", "asimov_fixed_poi"};

/* refs.json into *refs (cJSON_Delete it); its full_hessian.saddle_sym */
static const cJSON *load_ref(cJSON **refs)
{
    char *s = slurp_path("tests/pyhf/refs.json");
    *refs = s ? cJSON_Parse(s) : NULL;
    free(s);
    const cJSON *r = cJSON_GetObjectItem(
        cJSON_GetObjectItem(*refs, "full_hessian"), "saddle_sym");
    if (!r)
        fail_msg("tests/pyhf/refs.json has no full_hessian.saddle_sym");
    return r;
}

static double ref_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("refs.json: no number \"%s\"", key);
    return v->valuedouble;
}

/* pyhf's twice_nll of fit k */
static double ref_fit(const cJSON *ref, int k)
{
    return ref_num(cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "fits"),
                                       fit_key[k]), "twice_nll");
}

/* |got - want| within tol, relative to want where |want| < 1 */
static void close_to(const char *what, double got, double want, double tol)
{
    double scale = fabs(want) < 1 && want != 0 ? fabs(want) : 1;
    if (!(fabs(got - want) <= tol * scale))
        fail_msg("saddle_sym: %s = %.12g, pyhf %.12g (tolerance %g)", what,
                 got, want, tol);
}

static void check_cls(const cJSON *ref, const char *how,
                      const hf_cls_result *c)
{
    char what[64];
    snprintf(what, sizeof what, "%s CLs_obs", how);
    close_to(what, c->cls_obs, ref_num(ref, "CLs_obs"), 1e-4);
    snprintf(what, sizeof what, "%s CLb", how);
    close_to(what, c->clb, ref_num(ref, "CLb"), 1e-4);
    const cJSON *e = cJSON_GetObjectItem(ref, "CLs_exp");
    for (int k = 0; k < 5; k++) {
        snprintf(what, sizeof what, "%s CLs_exp[%d]", how, k);
        close_to(what, c->cls_exp[k], cJSON_GetArrayItem(e, k)->valuedouble,
                 1e-4);
    }
}

/* The default stops at the saddle (the premise: without it the model
 * tests nothing); full_hessian reaches pyhf's minimum in every fit. */
static void test_library(void **state)
{
    (void)state;
    cJSON *refs;
    const cJSON *ref = load_ref(&refs);
    hf_model *m = file_model(WS);
    const double *data = hf_model_data(m);
    hf_fit_options opt;
    hf_hypotest_explain ex = {0};
    hf_cls_result c;
    hf_error err;
    assert_int_equal(hf_cls_asymptotic_explain(m, data, 1.0, HF_TEST_QMU_TILDE,
                                               NULL, &c, &ex, &err), HF_OK);
    for (int k = HF_FIT_FREE; k <= HF_FIT_BKG_ONLY; k++)
        if (!(ex.fit[k].twice_nll > ref_fit(ref, k) + 0.01 && ex.fit[k].converged))
            fail_msg("saddle_sym: the default's %s fit: twice_nll %.10g, "
                     "converged %d; it used to stop at the diagonal's saddle "
                     "above pyhf's %.10g (update this test and hf.h)",
                     fit_key[k], ex.fit[k].twice_nll, ex.fit[k].converged,
                     ref_fit(ref, k));
    double dflt_free = ex.fit[HF_FIT_FREE].twice_nll;

    hf_fit_options_init(&opt);
    assert_int_equal(opt.version, HF_FIT_OPTIONS_VERSION);
    assert_int_equal(opt.full_hessian, 0);
    opt.full_hessian = 1;
    memset(&ex, 0, sizeof ex);
    if (hf_cls_asymptotic_explain(m, data, 1.0, HF_TEST_QMU_TILDE, &opt, &c,
                                  &ex, &err) != HF_OK)
        fail_msg("saddle_sym, full_hessian: %s", err.msg);
    for (int k = 0; k < HF_NFITS; k++)
        if (!(ex.fit[k].twice_nll <= ref_fit(ref, k) + 1e-6 && ex.fit[k].converged))
            fail_msg("saddle_sym, full_hessian: the %s fit: twice_nll %.10g, "
                     "pyhf's minimum %.10g", fit_key[k], ex.fit[k].twice_nll,
                     ref_fit(ref, k));
    check_cls(ref, "full_hessian", &c);

    /* a version-1 struct has no full_hessian: whatever its bytes after
     * max_evals hold, the default rule */
    opt.version = 1;
    memset(&ex, 0, sizeof ex);
    assert_int_equal(hf_cls_asymptotic_explain(m, data, 1.0, HF_TEST_QMU_TILDE,
                                               &opt, &c, &ex, &err), HF_OK);
    assert_true(ex.fit[HF_FIT_FREE].twice_nll == dflt_free);
    opt.version = HF_FIT_OPTIONS_VERSION + 1;
    assert_int_equal(hf_cls_asymptotic(m, data, 1.0, HF_TEST_QMU_TILDE, &opt,
                                       &c, &err), HF_ERR_ARG);
    hf_model_free(m);
    cJSON_Delete(refs);
}

/* A CLs scan's hypotests take the option too: at mu = 1 pyhf's CLs. */
static void test_scan(void **state)
{
    (void)state;
    cJSON *refs;
    const cJSON *ref = load_ref(&refs);
    hf_model *m = file_model(WS);
    hf_fit_options opt;
    hf_fit_options_init(&opt);
    opt.full_hessian = 1;
    const double mu[2] = {1.0, 2.0};
    hf_cls_result r[2];
    hf_limit_result lim;
    hf_error err;
    if (hf_upper_limit_scan(m, hf_model_data(m), mu, 2, 0.95,
                            HF_TEST_QMU_TILDE, &opt, r, &lim, &err) != HF_OK)
        fail_msg("saddle_sym scan: %s", err.msg);
    check_cls(ref, "scan", &r[0]);
    hf_model_free(m);
    cJSON_Delete(refs);
}

/* A toy hypotest's fits to the observed data (and the generating fits)
 * take the option: at mu = 3, above the free fit's POI, the observed
 * qtilde is pyhf's multi-start value (q_obs_mu3); the default's fits stop
 * at the saddle (the premise). */
static void test_toys(void **state)
{
    (void)state;
    cJSON *refs;
    const cJSON *ref = load_ref(&refs);
    double want = ref_num(ref, "q_obs_mu3");
    hf_model *m = file_model(WS);
    hf_fit_options fo;
    hf_fit_options_init(&fo);
    hf_toys_options to;
    hf_toys_options_init(&to);
    to.threads = 1;
    to.fit = &fo;
    hf_toys_result r;
    hf_error err;
    for (int full = 0; full <= 1; full++) {
        fo.full_hessian = full;
        if (hf_cls_toys(m, hf_model_data(m), 3.0, HF_TEST_QMU_TILDE, 20, 1,
                        &to, &r, &err) != HF_OK)
            fail_msg("saddle_sym toys: %s", err.msg);
        if (full)
            close_to("toys' q_obs at mu = 3, full_hessian", r.test_stat, want,
                     1e-6);
        else if (!(fabs(r.test_stat - want) > 0.01))
            fail_msg("saddle_sym: the default toys' q_obs at mu = 3 is %.10g, "
                     "pyhf's %.10g: the default used to stop at the saddle "
                     "(update this test)", r.test_stat, want);
    }
    hf_model_free(m);
    cJSON_Delete(refs);
}

/* hf cls --explain says which rule each fit's "converged" means, and
 * --full-hessian gives pyhf's fits. */
static void test_cli(void **state)
{
    NEED_BIN();
    cJSON *refs;
    const cJSON *ref = load_ref(&refs);
    for (int full = 0; full <= 1; full++) {
        result res = full ? run("cls", WS, "--explain", "--full-hessian", NULL)
                          : run("cls", WS, "--explain", NULL);
        cJSON *out = parse_ok(&res);
        cJSON *ex = cJSON_GetObjectItem(out, "explain");
        for (int k = 0; k < HF_NFITS; k++) {
            const cJSON *f = cJSON_GetObjectItem(ex, fit_key[k]);
            const char *h = cJSON_GetStringValue(cJSON_GetObjectItem(f, "hessian"));
            const char *want = k == HF_FIT_ASIMOV_FREE ? "by construction"
                               : full                  ? "full"
                                                       : "trapped";
            if (!h || strcmp(h, want))
                fail_msg("%s fit: \"hessian\": %s, expected %s", fit_key[k],
                         h ? h : "(none)", want);
            if (full)
                close_to(fit_key[k],
                         cJSON_GetObjectItem(f, "twice_nll")->valuedouble,
                         ref_fit(ref, k), 1e-6);
        }
        if (full)
            close_to("--full-hessian CLs_exp median",
                     cJSON_GetArrayItem(cJSON_GetObjectItem(out, "CLs_exp"),
                                        2)->valuedouble,
                     cJSON_GetArrayItem(cJSON_GetObjectItem(ref, "CLs_exp"),
                                        2)->valuedouble, 1e-4);
        cJSON_Delete(out);
        result_free(&res);
    }
    cJSON_Delete(refs);
}

int main(void)
{
    if (run_setup("test_fullhessian") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_toys),
        cmocka_unit_test(test_cli),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_fullhessian");
    return rc;
}
