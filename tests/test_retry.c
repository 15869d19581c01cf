/*
 * test_retry.c - infer/retry.c, the rule by which a hypothesis test's fit
 * is redone from other starting points: a fit that failed, or ended with
 * a normfactor other than the POI on a bound, is redone from the model's
 * inits (and the other fits' points), the lowest converged result kept;
 * any other result is left alone.  Expected minima: pyhf with several
 * starting points (tests/pyhf/refs.json, written by make_refs.py).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "hf.h"
#include "models.h"
#include "infer/infer.h"
#include "run.h"

#define DIR "tests/pyhf/"

static hf_model *model_of(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, DIR "%s.json", name);
    return file_model(path);
}

/* pyhf's twice_nll of fit `key` of model `name` */
static double pyhf_min(const char *name, const char *key)
{
    char *s = slurp_path(DIR "refs.json");
    cJSON *refs = s ? cJSON_Parse(s) : NULL;
    free(s);
    assert_non_null(refs);
    const cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(refs, "models"), name),
        "fits"), key);
    assert_non_null(f);
    double v = cJSON_GetObjectItem(f, "twice_nll")->valuedouble;
    cJSON_Delete(refs);
    return v;
}

/* A fit that failed (its result meaningless) is replaced by the fit from
 * the inits, which reaches pyhf's minimum of twowell_fixed at mu = 1; the
 * error is cleared. */
static void test_failed_fit(void **state)
{
    (void)state;
    hf_model *m = model_of("twowell_fixed");
    double pars[2] = {NAN, NAN}, tnll = INFINITY;
    int nevals = 0;
    hfinfer_retry r = {hf_model_data(m), 1, 1.0, NULL, NULL, NULL, NULL, NULL,
                       0, NULL};
    hf_error err = {HF_ERR_FIT, "fit: no convergence"};
    assert_int_equal(hfinfer_retry_fit(m, &r, HF_ERR_FIT, pars, &tnll, &nevals,
                                       &err), HF_OK);
    assert_int_equal(err.code, HF_OK);
    assert_string_equal(err.msg, "");
    assert_true(nevals > 0);
    double want = pyhf_min("twowell_fixed", "fixed_poi");
    if (!(fabs(tnll - want) <= 1e-6))
        fail_msg("twice_nll %.10g, pyhf's minimum %.10g", tnll, want);
    assert_true(pars[1] == 1.0);
    hf_model_free(m);
}

/* zero_cr's background-only fit (mu = 0) "ended" with the background
 * normfactor mu_b on its upper bound 10: redone from the inits, it reaches
 * pyhf's minimum (mu_b = 0.246).  A result off the bounds is kept as it is,
 * without a single evaluation. */
static void test_bound(void **state)
{
    (void)state;
    hf_model *m = model_of("zero_cr");
    const double *data = hf_model_data(m);
    double *work = malloc(hf_model_work_size(m) * sizeof *work);
    assert_string_equal(hf_model_par_name(m, 0), "mu_b");
    assert_true(hf_model_upper(m)[0] == 10);
    double pars[3] = {10.0, 0.0, 0.0};
    double tnll = -2 * hf_model_logpdf(m, pars, data, work);
    int nevals = 0;
    hfinfer_retry r = {data, 1, 0.0, NULL, NULL, NULL, NULL, NULL, 0, NULL};
    assert_true(hfinfer_retry_at_bound(m, pars));
    assert_int_equal(hfinfer_retry_fit(m, &r, HF_OK, pars, &tnll, &nevals, NULL),
                     HF_OK);
    double want = pyhf_min("zero_cr", "bkg_only");
    if (!(fabs(tnll - want) <= 1e-6))
        fail_msg("twice_nll %.10g, pyhf's minimum %.10g", tnll, want);
    assert_true(fabs(pars[0] - 0.24649370) < 1e-4);

    double off[3] = {0.5, 0.0, 0.1}, t0 = 123.0;
    nevals = 0;
    assert_false(hfinfer_retry_at_bound(m, off));
    assert_int_equal(hfinfer_retry_fit(m, &r, HF_OK, off, &t0, &nevals, NULL),
                     HF_OK);
    assert_int_equal(nevals, 0);
    assert_true(t0 == 123.0 && off[0] == 0.5);
    free(work);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_fit),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
