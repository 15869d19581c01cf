/*
 * test_reparam.c - hf_model_with_pars: views of a model with pyhf's
 * init_pars, par_bounds and fixed_params.  Expected values are pyhf 0.7.6's
 * (numpy backend, scipy_optimizer(tolerance=1e-12)) on the model of its
 * hypotest docstring (tests/models.c SIMPLE_WS: parameters mu,
 * uncorr_bkguncrt[0], uncorr_bkguncrt[1]).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"
#include "models.h"

static void assert_rel(double ref, double got, double rel)
{
    if (!(fabs(ref - got) <= rel * fabs(ref)))
        fail_msg("expected %.12g, got %.12g (rel %.2g)", ref, got, rel);
}

/* hypotest(1.0, data, model, <view>) CLs_obs on the observed data */
static double cls_of(const hf_model *v)
{
    hf_cls_result r;
    hf_error err;
    int rc = hf_cls_asymptotic(v, hf_model_data(v), 1.0, HF_TEST_QMU_TILDE,
                               NULL, &r, &err);
    if (rc != HF_OK)
        fail_msg("%s", err.msg);
    return r.cls_obs;
}

static void test_null_keeps_model(void **state)
{
    (void)state;
    hf_model *m = inline_model(SIMPLE_WS), *v;
    hf_error err;
    assert_int_equal(hf_model_with_pars(m, NULL, NULL, NULL, NULL, &v, &err), HF_OK);
    for (int i = 0; i < hf_model_npars(m); i++) {
        assert_true(hf_model_inits(v)[i] == hf_model_inits(m)[i]);
        assert_true(hf_model_lower(v)[i] == hf_model_lower(m)[i]);
        assert_true(hf_model_upper(v)[i] == hf_model_upper(m)[i]);
        assert_int_equal(hf_model_fixed(v)[i], hf_model_fixed(m)[i]);
    }
    assert_true(cls_of(v) == cls_of(m));
    hf_model_free(v);
    hf_model_free(m);
}

/* fixed_params=[False, True, True], and with init_pars=[1.0, 1.1, 0.9]:
 * the gammas stay at their inits in every fit of the test */
static void test_fixed_and_inits(void **state)
{
    (void)state;
    hf_model *m = inline_model(SIMPLE_WS), *v, *w;
    hf_error err;
    const unsigned char fixed[3] = {0, 1, 1};
    const double init[3] = {1.0, 1.1, 0.9};
    assert_int_equal(hf_model_with_pars(m, NULL, NULL, NULL, fixed, &v, &err), HF_OK);
    assert_rel(0.02127891847130824, cls_of(v), 1e-6);
    /* a view of a view: inits replaced, fixed flags kept */
    assert_int_equal(hf_model_with_pars(v, init, NULL, NULL, NULL, &w, &err), HF_OK);
    hf_model_free(v); /* w shares m's arrays, not v's */
    assert_rel(0.021582216654344493, cls_of(w), 1e-6);
    hf_model_free(w);
    hf_model_free(m);
}

/* par_bounds=[[0, 10], [0.95, 1.05], [0.95, 1.05]], and a free fit with
 * mu in [2, 10] (the NLL is convex in mu, its minimum below 2) */
static void test_bounds(void **state)
{
    (void)state;
    hf_model *m = inline_model(SIMPLE_WS), *v;
    hf_error err;
    double lo[3] = {0, 0.95, 0.95}, hi[3] = {10, 1.05, 1.05};
    assert_int_equal(hf_model_with_pars(m, NULL, lo, hi, NULL, &v, &err), HF_OK);
    assert_rel(0.03627862734337374, cls_of(v), 1e-5);
    hf_model_free(v);

    double init[3] = {3, 1, 1}, lo2[3] = {2, 1e-10, 1e-10}, hi2[3] = {10, 10, 10};
    assert_int_equal(hf_model_with_pars(m, init, lo2, hi2, NULL, &v, &err), HF_OK);
    double pars[3];
    hf_fit_result fr;
    assert_int_equal(hf_fit(v, hf_model_data(v), NULL, 0, 0, NULL, pars, &fr, &err), HF_OK);
    assert_rel(2.0, pars[0], 1e-12);
    assert_rel(0.9508549268168514, pars[1], 1e-5);
    assert_rel(0.8088890571340245, pars[2], 1e-5);
    assert_rel(38.787184229485206, fr.twice_nll, 1e-9);
    hf_model_free(v);
    hf_model_free(m);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    hf_model *m = inline_model(SIMPLE_WS), *v = (hf_model *)1;
    hf_error err;
    double bad[3] = {1, NAN, 1};
    assert_int_equal(hf_model_with_pars(m, bad, NULL, NULL, NULL, &v, &err), HF_ERR_ARG);
    assert_null(v);
    assert_non_null(strstr(err.msg, "uncorr_bkguncrt[0]"));
    double lo[3] = {0, 2, 0}, hi[3] = {10, 1, 10};
    assert_int_equal(hf_model_with_pars(m, NULL, lo, hi, NULL, &v, &err), HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "not an interval"));
    assert_int_equal(hf_model_with_pars(NULL, NULL, NULL, NULL, NULL, &v, &err), HF_ERR_ARG);
    assert_int_equal(hf_model_with_pars(m, NULL, NULL, NULL, NULL, NULL, &err), HF_ERR_ARG);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_keeps_model),
        cmocka_unit_test(test_fixed_and_inits),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
