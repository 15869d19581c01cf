/*
 * test_fullhessian.c - the whole-Hessian check of every fit (the default;
 * hf_fit_options.full_hessian and `--full-hessian` are still accepted and
 * change nothing) on tests/pyhf/saddle_sym.json, against pyhf's
 * multi-start fits (tests/pyhf/make_refs.py, refs.json "full_hessian").
 *
 * The model exchanges two normsys parameters alpha_a and alpha_b, and an
 * excess in the bin where they act makes the NLL curve down across the
 * diagonal alpha_a = alpha_b: a saddle on no coordinate, with no gradient
 * component exactly zero there.  A descent from the inits (alpha_a =
 * alpha_b = 0) stays on the diagonal (the gradient's two components are
 * equal there) and stops at that saddle (pyhf's default optimizer stops
 * there too: refs.json pyhf_default, CLs_exp median 0.0478 against
 * 0.1190).  A check of the Hessian only on the coordinates whose
 * gradient is exactly zero (the former default) called that saddle
 * converged; every fit now checks the whole Hessian, as hf_fit does, so
 * with or without the option every fit must reach pyhf's minima and CLs.
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

/* Every fit of the hypotest at pyhf's minimum (within 1e-6), and pyhf's
 * CLs; label names the options' variant in the messages. */
static void check_hypotest(const cJSON *ref, hf_model *m,
                           const hf_fit_options *opt, const char *label)
{
    hf_hypotest_explain ex = {0};
    hf_cls_result c;
    hf_error err;
    if (hf_cls_asymptotic_explain(m, hf_model_data(m), 1.0,
                                  HF_TEST_QMU_TILDE, opt, &c, &ex,
                                  &err) != HF_OK)
        fail_msg("saddle_sym, %s: %s", label, err.msg);
    for (int k = 0; k < HF_NFITS; k++)
        if (!(ex.fit[k].twice_nll <= ref_fit(ref, k) + 1e-6 &&
              ex.fit[k].converged))
            fail_msg("saddle_sym, %s: the %s fit: twice_nll %.10g, "
                     "converged %d, pyhf's minimum %.10g", label,
                     fit_key[k], ex.fit[k].twice_nll, ex.fit[k].converged,
                     ref_fit(ref, k));
    check_cls(ref, label, &c);
}

/* The default (no options, hf_fit_options_init's, full_hessian 0 and a
 * version-1 struct alike: no opt-out) reaches pyhf's minimum in every
 * fit. */
static void test_library(void **state)
{
    (void)state;
    cJSON *refs;
    const cJSON *ref = load_ref(&refs);
    hf_model *m = file_model(WS);
    hf_fit_options opt;
    hf_cls_result c;
    hf_error err;
    check_hypotest(ref, m, NULL, "default");
    hf_fit_options_init(&opt);
    assert_int_equal(opt.version, HF_FIT_OPTIONS_VERSION);
    assert_int_equal(opt.full_hessian, 1);
    check_hypotest(ref, m, &opt, "full_hessian 1");
    opt.full_hessian = 0;
    check_hypotest(ref, m, &opt, "full_hessian 0");
    opt.version = 1; /* no full_hessian field: whatever its bytes hold */
    check_hypotest(ref, m, &opt, "version 1");
    opt.version = HF_FIT_OPTIONS_VERSION + 1;
    assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), 1.0,
                                       HF_TEST_QMU_TILDE, &opt, &c, &err),
                     HF_ERR_ARG);
    hf_model_free(m);
    cJSON_Delete(refs);
}

/* A CLs scan's hypotests (default options): at mu = 1 pyhf's CLs. */
static void test_scan(void **state)
{
    (void)state;
    cJSON *refs;
    const cJSON *ref = load_ref(&refs);
    hf_model *m = file_model(WS);
    const double mu[2] = {1.0, 2.0};
    hf_cls_result r[2];
    hf_limit_result lim;
    hf_error err;
    if (hf_upper_limit_scan(m, hf_model_data(m), mu, 2, 0.95,
                            HF_TEST_QMU_TILDE, NULL, r, &lim, &err) != HF_OK)
        fail_msg("saddle_sym scan: %s", err.msg);
    check_cls(ref, "scan", &r[0]);
    hf_model_free(m);
    cJSON_Delete(refs);
}

/* A toy hypotest's fits to the observed data (and the generating fits),
 * with full_hessian 0 and 1 alike: at mu = 3, above the free fit's POI,
 * the observed qtilde is pyhf's multi-start value (q_obs_mu3). */
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
        close_to(full ? "toys' q_obs at mu = 3, full_hessian 1"
                      : "toys' q_obs at mu = 3, full_hessian 0",
                 r.test_stat, want, 1e-6);
    }
    hf_model_free(m);
    cJSON_Delete(refs);
}

/* hf cls --explain says each fit's "converged" checked the whole Hessian
 * ("by construction" for the Asimov free fit), and gives pyhf's fits,
 * with or without --full-hessian. */
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
                                                       : "full";
            if (!h || strcmp(h, want))
                fail_msg("%s fit: \"hessian\": %s, expected %s", fit_key[k],
                         h ? h : "(none)", want);
            close_to(fit_key[k],
                     cJSON_GetObjectItem(f, "twice_nll")->valuedouble,
                     ref_fit(ref, k), 1e-6);
        }
        close_to("--explain CLs_exp median",
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
