/*
 * test_fit_edge.c - fits whose minimum lies on the edge of the model, where
 * an empty bin's expected yield reaches zero (fit/edge.c), on a model
 * solved by hand.
 *
 * One bin with n = 0 observed: a signal 1.0 scaled by mu (normfactor,
 * [0, 10]) and a background 2.0 with a histosys alpha of hi 4.0, lo 0.0.
 * The deltas are symmetric (+-2), so code4p is exactly linear in alpha
 * (inside and outside [-1, 1]): lam = 2 + 2 alpha + mu, and
 * NLL = lam + alpha^2 / 2 + log sqrt(2 pi) (Poisson of 0 is e^-lam).
 * Unbounded by the model, its minimum would be alpha = -2, lam = -2 < 0,
 * no Poisson mean.  On lam >= 0:
 *  - free: mu at its bound 0, alpha = -1 (lam = 0), NLL = 1/2 + log sqrt(2 pi)
 *    (multiplier of lam >= 0: 1/2; mu's gradient 1 - 1/2 pushes on its bound);
 *  - mu fixed to 1: lam = 3 + 2 alpha >= 0 gives alpha = -3/2,
 *    NLL = 9/8 + log sqrt(2 pi).
 * A second bin (CR: 5.0 expected, 0 observed, no modifier) is empty but
 * never near zero: it must not count as an active constraint.
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
#include "fit/fit.h"
#include "models.h"

static const double LOG_SQRT_2PI = 0.91893853320467274178;

static hf_model *edge_model(int n_sr)
{
    char ws[1400];
    snprintf(ws, sizeof ws,
             "{\"channels\": ["
             "{\"name\": \"CR\", \"samples\": [{\"name\": \"bkg\", \"data\": "
             "[5.0], \"modifiers\": []}]},"
             "{\"name\": \"SR\", \"samples\": ["
             "{\"name\": \"signal\", \"data\": [1.0], \"modifiers\": "
             "[{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
             "{\"name\": \"bkg\", \"data\": [2.0], \"modifiers\": "
             "[{\"name\": \"alpha\", \"type\": \"histosys\", \"data\": "
             "{\"hi_data\": [4.0], \"lo_data\": [0.0]}}]}"
             "]}],"
             "\"observations\": [{\"name\": \"CR\", \"data\": [0]}, "
             "{\"name\": \"SR\", \"data\": [%d]}],"
             "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": "
             "\"mu\", \"parameters\": []}}], \"version\": \"1.0.0\"}",
             n_sr);
    return inline_model(ws);
}

static void check_edge_fit(int fix_poi, double mu, double alpha,
                           double nll)
{
    hf_model *m = edge_model(0);
    int np = hf_model_npars(m);
    double *pars = malloc(np * sizeof *pars);
    hf_fit_result fr;
    hf_error err;
    int rc = hffit_edge(m, hf_model_data(m), NULL, fix_poi, mu, NULL, NULL,
                        pars, &fr, &err);
    if (rc != HF_OK)
        fail_msg("%s", err.msg);
    assert_true(fr.converged);
    assert_true(fabs(pars[model_par(m, "alpha")] - alpha) < 1e-6);
    assert_true(fabs(pars[model_par(m, "mu")] - (fix_poi ? mu : 0.0)) < 1e-9);
    /* 5 from the empty CR bin */
    double want = 2 * (nll + 5 + LOG_SQRT_2PI);
    assert_true(fabs(fr.twice_nll - want) < 1e-8 * want);
    free(pars);
    hf_model_free(m);
}

static void test_free_fit_on_edge(void **state)
{
    (void)state;
    check_edge_fit(0, 0, -1.0, 0.5);
}

static void test_fixed_fit_on_edge(void **state)
{
    (void)state;
    check_edge_fit(1, 1.0, -1.5, 9.0 / 8);
}

/* hf_fit never ends where a yield is negative: pyhf's function is finite
 * there (n = 0) and lower (alpha = -2: NLL 0 + log sqrt(2 pi) + 5 against
 * 1/2 + ...), but it is no model; either it reaches the edge or says it
 * did not converge. */
static void test_fit_stays_in_model(void **state)
{
    (void)state;
    hf_model *m = edge_model(0);
    int np = hf_model_npars(m);
    double *pars = malloc(np * sizeof *pars);
    double *lam = malloc(hf_model_nmain(m) * sizeof *lam);
    double *work = malloc(hf_model_work_size(m) * sizeof *work);
    hf_fit_result fr;
    hf_error err;
    int rc = hf_fit(m, hf_model_data(m), NULL, 0, 0, NULL, pars, &fr, &err);
    assert_true(rc == HF_OK || rc == HF_ERR_FIT);
    hf_model_expected(m, pars, lam, work);
    for (int b = 0; b < hf_model_nmain(m); b++)
        assert_true(lam[b] >= 0);
    assert_true(fr.twice_nll >= 2 * (0.5 + 5 + LOG_SQRT_2PI) - 1e-6);
    free(pars);
    free(lam);
    free(work);
    hf_model_free(m);
}

/* No empty bin near zero: the constraints stay inactive and the KKT test
 * is the plain gradient test.  n_SR = 3: lam = 3 at alpha = 0, mu = 1;
 * NLL = 3 - 3 ln 3 + ln 3! + 5 + log sqrt(2 pi). */
static void test_inside(void **state)
{
    (void)state;
    hf_model *m = edge_model(3);
    int np = hf_model_npars(m);
    double *pars = malloc(np * sizeof *pars);
    hf_fit_result fr;
    hf_error err;
    int rc = hffit_edge(m, hf_model_data(m), NULL, 0, 0, NULL, NULL, pars,
                        &fr, &err);
    if (rc != HF_OK)
        fail_msg("%s", err.msg);
    assert_true(fabs(pars[model_par(m, "alpha")]) < 1e-5);
    assert_true(fabs(pars[model_par(m, "mu")] - 1) < 1e-5);
    double want = 2 * (3 - 3 * log(3.0) + log(6.0) + 5 + LOG_SQRT_2PI);
    assert_true(fabs(fr.twice_nll - want) < 1e-8 * want);
    free(pars);
    hf_model_free(m);
}

/* Toys of the edge model: about e^-2 of the background-only toys have
 * n_SR = 0, and their fits end on the edge; none may be dropped. */
static void test_toys_on_edge(void **state)
{
    (void)state;
    hf_model *m = edge_model(0);
    hf_toys_options opt;
    hf_toys_options_init(&opt);
    opt.threads = 1;
    hf_toys_result res;
    hf_error err;
    int rc = hf_cls_toys(m, hf_model_data(m), 1.0, HF_TEST_QMU_TILDE, 200,
                         1, &opt, &res, &err);
    if (rc != HF_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(res.nfailed_sb, 0);
    assert_int_equal(res.nfailed_b, 0);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_fit_on_edge),
        cmocka_unit_test(test_fixed_fit_on_edge),
        cmocka_unit_test(test_fit_stays_in_model),
        cmocka_unit_test(test_inside),
        cmocka_unit_test(test_toys_on_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
