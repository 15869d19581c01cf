/*
 * test_fit.c - maximum-likelihood fits and their uncertainties: on every
 * pyhf reference the free and the mu = 1 minima are at least as low as
 * pyhf's (pyhf's optimiser is not exact: "twice_nll <= pyhf + 1e-6");
 * parabolic uncertainties against pyhf's NLL on pyhf's simple model;
 * undefined NLL at trial points, reported non-convergence, bad starts and
 * concurrent fits on one model.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"
#include "models.h"
#include "refs.h"

/* One bin, 10 signal events scaled by mu in [-5, 5] on 5 background, 1
 * observed: the NLL nu - log(nu) is smallest at mu = -0.4 and undefined
 * (negative yield) below mu = -0.5, where a first L-BFGS step from mu = 1
 * lands. */
static const char NEGATIVE_WS[] =
    "{\"channels\": [{\"name\": \"c\", \"samples\": ["
    "{\"name\": \"sig\", \"data\": [10.0], \"modifiers\": "
    "[{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
    "{\"name\": \"bkg\", \"data\": [5.0], \"modifiers\": []}]}],"
    "\"observations\": [{\"name\": \"c\", \"data\": [1]}],"
    "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", "
    "\"parameters\": [{\"name\": \"mu\", \"bounds\": [[-5, 5]]}]}}], "
    "\"version\": \"1.0.0\"}";

static void check_fit(const ref *r, const hf_model *m, int fix_poi,
                      const ref_fit *want, const char *what)
{
    int npars = hf_model_npars(m);
    double *pars = malloc(npars * sizeof *pars);
    hf_fit_result res;
    hf_error err = {0};
    int rc = hf_fit(m, r->data, NULL, fix_poi, 1.0, NULL, pars, &res, &err);
    if (rc != HF_OK || !res.converged)
        fail_msg("%s %s: rc %d converged %d: %s", r->name, what, rc,
                 res.converged, err.msg);
    if (!(res.twice_nll <= want->twice_nll + 1e-6))
        fail_msg("%s %s: twice_nll %.10f above pyhf's %.10f", r->name, what,
                 res.twice_nll, want->twice_nll);
    const double *lo = hf_model_lower(m), *hi = hf_model_upper(m);
    const double *init = hf_model_inits(m);
    const unsigned char *fixed = hf_model_fixed(m);
    int poi = hf_model_poi(m);
    for (int i = 0; i < npars; i++) {
        if (fix_poi && i == poi)
            assert_true(pars[i] == 1.0);
        else if (fixed[i])
            assert_true(pars[i] == init[i]);
        else
            assert_true(pars[i] >= lo[i] && pars[i] <= hi[i]);
    }
    /* the minimum is a minimum of the model's own NLL */
    double *work = malloc(hf_model_work_size(m) * sizeof *work);
    double nll = hf_model_nll(m, pars, r->data, NULL, work);
    assert_true(fabs(2 * nll - res.twice_nll) <= 1e-9 * fabs(nll));
    free(work);
    free(pars);
}

static void test_reference_minima(void **state)
{
    (void)state;
    char **list = ref_list();
    if (!list) {
        printf("skipped: %s is absent\n", REF_DIR);
        return;
    }
    int n = 0;
    for (char **p = list; *p; p++) {
        ref r;
        if (ref_load(*p, &r) != 0)
            fail_msg("%s: unreadable reference", *p);
        if (!r.fit_free.present || !r.poi) {
            ref_free(&r);
            continue;
        }
        hf_model *m;
        hf_error err = {0};
        if (ref_model(&r, &m, &err) != HF_OK)
            fail_msg("%s: %s", r.name, err.msg);
        check_fit(&r, m, 0, &r.fit_free, "free fit");
        if (r.fit_mu1.present)
            check_fit(&r, m, 1, &r.fit_mu1, "mu=1 fit");
        hf_model_free(m);
        ref_free(&r);
        n++;
    }
    ref_list_free(list);
    printf("fitted %d pyhf references\n", n);
}

/* SIMPLE_WS with observations [62, 63], whose minimum is (1, 1, 1)
 * exactly.  Want: the inverse of the Hessian of pyhf's NLL there by
 * central differences (h = 1e-4) in numpy.  (pyhf + minuit_optimizer
 * reports 0.56381, 0.058660, 0.11376 and the same correlations to 1e-6:
 * its bounded-parameter transform shifts the POI's; at the observed data
 * the fit sits on the POI's bound, where minuit's errors mean nothing.) */
static void test_uncertainties_simple(void **state)
{
    (void)state;
    hf_model *m = inline_model(SIMPLE_WS);
    int npars = hf_model_npars(m);
    assert_int_equal(npars, 3);
    double data[4], pars[3], unc[3], corr[9];
    memcpy(data, hf_model_data(m), sizeof data);
    data[0] = 62;
    data[1] = 63;
    hf_fit_result res;
    hf_error err = {0};
    assert_int_equal(hf_fit(m, data, NULL, 0, 0, NULL, pars, &res, &err),
                     HF_OK);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(pars[i] - 1) < 1e-5);
    assert_int_equal(hf_fit_uncertainties(m, data, pars, unc, corr, &err),
                     HF_OK);
    static const double want_unc[3] = {0.5671825500507314,
                                       0.05866345964821373,
                                       0.11379194657114801};
    static const double want_corr[9] = {
        1, -0.2941376312090069, -0.4612950784159241,
        -0.2941376312090069, 1, 0.1356842416536331,
        -0.4612950784159241, 0.1356842416536331, 1};
    for (int i = 0; i < 3; i++)
        assert_true(fabs(unc[i] / want_unc[i] - 1) < 1e-4);
    for (int i = 0; i < 9; i++) {
        assert_true(fabs(corr[i] - want_corr[i]) < 1e-4);
        assert_true(corr[i] == corr[(i % 3) * 3 + i / 3]);
    }

    /* At the observed data muhat < 0 is held at the bound 0: the Hessian
     * there is one-sided in mu but still positive definite. */
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, pars,
                            &res, &err),
                     HF_OK);
    assert_true(fabs(res.twice_nll - 24.9839352) < 1e-6);
    assert_true(pars[0] == 0.0);
    assert_true(fabs(pars[1] - 1.0030508794) < 1e-5);
    assert_true(fabs(pars[2] - 0.9626810236) < 1e-5);
    assert_int_equal(hf_fit_uncertainties(m, hf_model_data(m), pars, unc,
                                          NULL, &err),
                     HF_OK);
    for (int i = 0; i < 3; i++)
        assert_true(unc[i] > 0 && isfinite(unc[i]));
    hf_model_free(m);
}

/* A POI scaling an empty sample leaves the NLL flat in it: the Hessian is
 * singular, which hf_fit_uncertainties says, with the pseudo-inverse's
 * values for the rest. */
static const char FLAT_WS[] =
    "{\"channels\": [{\"name\": \"c\", \"samples\": ["
    "{\"name\": \"sig\", \"data\": [0.0], \"modifiers\": "
    "[{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
    "{\"name\": \"bkg\", \"data\": [50.0], \"modifiers\": "
    "[{\"name\": \"syst\", \"type\": \"normsys\", "
    "\"data\": {\"hi\": 1.1, \"lo\": 0.9}}]}]}],"
    "\"observations\": [{\"name\": \"c\", \"data\": [55]}],"
    "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", "
    "\"parameters\": []}}], \"version\": \"1.0.0\"}";

static void test_singular_hessian(void **state)
{
    (void)state;
    hf_model *m = inline_model(FLAT_WS);
    assert_int_equal(hf_model_npars(m), 2);
    int poi = hf_model_poi(m), syst = 1 - poi;
    double pars[2], unc[2], corr[4];
    hf_fit_result res;
    hf_error err = {0};
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, pars,
                            &res, &err),
                     HF_OK);
    assert_true(pars[poi] == 1.0); /* never moved */
    int rc = hf_fit_uncertainties(m, hf_model_data(m), pars, unc, corr, &err);
    assert_int_equal(rc, HF_ERR_NUMERIC);
    assert_non_null(strstr(err.msg, "not positive definite"));
    assert_true(isnan(unc[poi]));
    assert_true(unc[syst] > 0.5 && unc[syst] < 1.5);
    hf_model_free(m);
}

static void test_undefined_trial_points(void **state)
{
    (void)state;
    hf_model *m = inline_model(NEGATIVE_WS);
    double pars[1];
    hf_fit_result res;
    hf_error err = {0};
    assert_int_equal(hf_model_npars(m), 1);
    int rc = hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, pars, &res, &err);
    assert_int_equal(rc, HF_OK);
    assert_true(res.converged);
    assert_true(fabs(pars[0] + 0.4) < 1e-5);
    assert_true(fabs(res.twice_nll - 2.0) < 1e-9); /* 2 (nu - log nu) */
    /* no fit starts where the model is undefined: from the inits instead,
     * to the same minimum */
    double bad[1] = {-4};
    rc = hf_fit(m, hf_model_data(m), bad, 0, 0, NULL, pars, &res, &err);
    assert_int_equal(rc, HF_OK);
    assert_true(res.converged);
    assert_true(fabs(pars[0] + 0.4) < 1e-5);
    hf_model_free(m);
}

static void test_nonconvergence_reported(void **state)
{
    (void)state;
    hf_model *m = inline_model(SIMPLE_WS);
    double pars[3];
    hf_fit_result res;
    hf_error err = {0};
    hf_fit_options opt;
    hf_fit_options_init(&opt);
    opt.max_evals = 2;
    int rc = hf_fit(m, hf_model_data(m), NULL, 1, 1.0, &opt, pars, &res,
                    &err);
    assert_int_equal(rc, HF_ERR_FIT);
    assert_int_equal(err.code, HF_ERR_FIT);
    assert_false(res.converged);
    assert_true(res.nevals <= 3);
    assert_true(isfinite(res.twice_nll)); /* still the best point seen */
    hf_cls_result cls;
    rc = hf_cls_asymptotic(m, hf_model_data(m), 1.0, HF_TEST_QMU_TILDE,
                           &opt, &cls, &err);
    assert_int_equal(rc, HF_ERR_FIT);
    hf_model_free(m);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    hf_model *m = inline_model(SIMPLE_WS);
    double pars[3], init[3] = {1, 11, 1}; /* gamma above its bound 10 */
    hf_fit_result res;
    hf_error err = {0};
    assert_int_equal(hf_fit(m, hf_model_data(m), init, 0, 0, NULL, pars,
                            &res, &err),
                     HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "outside its bounds"));
    /* a fixed POI need not lie within its bounds */
    assert_int_equal(hf_fit(m, hf_model_data(m), NULL, 1, 20.0, NULL, pars,
                            &res, &err),
                     HF_OK);
    assert_true(pars[0] == 20.0);
    hf_model_free(m);
}

/* Fits on one const model from several threads agree with serial ones. */
static void test_concurrent_fits(void **state)
{
    (void)state;
    char **list = ref_list();
    ref r;
    hf_model *m = NULL;
    hf_error err = {0};
    const double *data;
    if (list && ref_load(REF_DIR "/sbottom_ATLAS-SUSY-2018-31_RegionA__patch."
                                 "sbottom_1300_205_60.json",
                         &r) == 0) {
        if (ref_model(&r, &m, &err) != HF_OK)
            fail_msg("%s", err.msg);
        data = r.data;
    } else {
        printf("concurrent fits: no reference, on the simple model\n");
        m = inline_model(SIMPLE_WS);
        data = hf_model_data(m);
        r.json = NULL;
    }
    enum { N = 8 };
    double serial[N], parallel[N];
    int npars = hf_model_npars(m), failures = 0;
    for (int k = 0; k < N; k++) {
        double *pars = malloc(npars * sizeof *pars);
        hf_fit_result res;
        hf_fit(m, data, NULL, 1, 0.25 * k, NULL, pars, &res, NULL);
        serial[k] = res.twice_nll;
        free(pars);
    }
#pragma omp parallel for schedule(dynamic) reduction(+ : failures)
    for (int k = 0; k < N; k++) {
        double *pars = malloc(npars * sizeof *pars);
        hf_fit_result res;
        failures += hf_fit(m, data, NULL, 1, 0.25 * k, NULL, pars, &res,
                           NULL) != HF_OK;
        parallel[k] = res.twice_nll;
        free(pars);
    }
    assert_int_equal(failures, 0);
    for (int k = 0; k < N; k++)
        assert_true(serial[k] == parallel[k]);
    hf_model_free(m);
    if (r.json)
        ref_free(&r);
    ref_list_free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_minima),
        cmocka_unit_test(test_uncertainties_simple),
        cmocka_unit_test(test_singular_hessian),
        cmocka_unit_test(test_undefined_trial_points),
        cmocka_unit_test(test_nonconvergence_reported),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_concurrent_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
