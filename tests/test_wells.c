/*
 * test_wells.c - fit/mle.c other_wells' descent from the other well of a
 * two-well parameter in a warm fit (hffit_warm with a metric), which runs
 * fit/'s BFGS from the fit's own final metric (well_descent): it must
 * still reach the lower well.  tests/pyhf/twowell_free.json (two channels
 * sharing a histosys whose up and down templates both lie below the
 * nominal); expected values: pyhf's fits with several starting points
 * (tests/pyhf/refs.json, tests/pyhf/make_refs.py).
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

#define MODEL "tests/pyhf/twowell_free.json"
/* pyhf (refs.json "twowell_free"): the free fit, lower well */
#define PYHF_FREE 28.04569554101705
#define PYHF_FREE_SHAPE -0.2612625224570794
/* ... and the mu = 1 fit, whose lower well is on the other side */
#define PYHF_FIXED 29.398151977961277
#define PYHF_FIXED_SHAPE 0.3290008192390034

/* A warm fit (hffit_warm with mt) of the data from (shape, mu); twice its
 * NLL, the shape parameter's value into *shape. */
static double warm_fit(hf_model *m, hffit_metric *mt, double shape,
                       double mu, int fix_poi, double *end)
{
    int np = hf_model_npars(m), poi = hf_model_poi(m), s = 1 - poi;
    assert_int_equal(np, 2);
    double init[2], pars[2];
    init[s] = shape;
    init[poi] = mu;
    double *work = malloc((hf_model_work_size(m) + 4 * (size_t)np) *
                          sizeof *work);
    assert_non_null(work);
    hf_fit_options opt;
    hf_fit_options_init(&opt);
    hf_fit_result r;
    hf_error err = {0};
    int rc = hffit_warm(m, hf_model_data(m), init, fix_poi, mu, &opt, NULL,
                        work, mt, pars, &r, &err);
    free(work);
    if (rc != HF_OK)
        fail_msg("fit from shape %g: %s", shape, err.msg);
    *end = pars[s];
    return r.twice_nll;
}

/* Fits started in the higher well (the other side of shape = 0 from
 * pyhf's minimum), with the metric of a free fit: each ends in pyhf's
 * lower well, at pyhf's point.  (Here the line along shape already
 * reaches the lower well; the descents from the other well that run
 * fit/'s BFGS end higher and must not be kept: a descent kept where it
 * is not lower, or kept at a point other than its NLL's, fails this.) */
static void test_warm_other_well(void **state)
{
    (void)state;
    hf_model *m = file_model(MODEL);
    assert_non_null(m);
    hffit_metric mt;
    assert_int_equal(hffit_metric_alloc(&mt, m), HF_OK);
    double shape;
    /* the free fit from the inits: the metric the later fits start from */
    double t = warm_fit(m, &mt, 0, 1, 0, &shape);
    assert_true(fabs(t - PYHF_FREE) <= 1e-6);
    const double starts[3] = {0.2, 0.33, 0.5};
    for (int i = 0; i < 3; i++) {
        t = warm_fit(m, &mt, starts[i], 0.26, 0, &shape);
        if (!(fabs(t - PYHF_FREE) <= 1e-6 &&
              fabs(shape - PYHF_FREE_SHAPE) <= 1e-3))
            fail_msg("free fit from shape %g: twice_nll %.9f at shape %.6f, "
                     "pyhf %.9f at %.6f", starts[i], t, shape, PYHF_FREE,
                     PYHF_FREE_SHAPE);
        t = warm_fit(m, &mt, -starts[i], 1, 1, &shape);
        if (!(fabs(t - PYHF_FIXED) <= 1e-6 &&
              fabs(shape - PYHF_FIXED_SHAPE) <= 1e-3))
            fail_msg("mu = 1 fit from shape %g: twice_nll %.9f at shape "
                     "%.6f, pyhf %.9f at %.6f", -starts[i], t, shape,
                     PYHF_FIXED, PYHF_FIXED_SHAPE);
    }
    hffit_metric_free(&mt);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warm_other_well),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
