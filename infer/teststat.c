/*
 * teststat.c - pyhf's profile-likelihood test statistics
 * (pyhf.infer.test_statistics): q0, qmu, qmu_tilde, tmu, tmu_tilde.
 */
#include <math.h>
#include <stdlib.h>

#include "infer.h"

double hf_teststat_value(hf_test_stat ts, double mu, double muhat,
                         double twice_nll_fixed, double twice_nll_free)
{
    /* pyhf clips at 0 (a fixed fit a hair below the free one is rounding)
     * and lets NaN through. */
    double t = twice_nll_fixed - twice_nll_free;
    if (t < 0)
        t = 0;
    switch (ts) {
    case HF_TEST_Q0:
        return muhat < 0 ? 0 : t;
    case HF_TEST_QMU:
    case HF_TEST_QMU_TILDE:
        return muhat > mu ? 0 : t;
    default:
        return t;
    }
}

int hf_test_statistic(const hf_model *m, const double *data, double mu,
                      hf_test_stat ts, const hf_fit_options *opt, double *q,
                      hf_error *err)
{
    int npars = hf_model_npars(m), poi = hf_model_poi(m);
    *q = NAN;
    if (poi < 0)
        return hf_error_set(err, HF_ERR_ARG,
                            "test statistic: the model has no POI");
    if (hf_model_fixed(m)[poi])
        return hf_error_set(err, HF_ERR_ARG,
                            "test statistic: the POI %s is fixed",
                            hf_model_par_name(m, poi));
    if (ts < HF_TEST_Q0 || ts > HF_TEST_TMU_TILDE)
        return hf_error_set(err, HF_ERR_ARG,
                            "test statistic: unknown test statistic %d",
                            (int)ts);
    if (ts == HF_TEST_Q0)
        mu = 0;
    double *pars = malloc(2 * (npars ? npars : 1) * sizeof *pars);
    if (!pars)
        return hf_error_set(err, HF_ERR_NOMEM, "test statistic: out of memory");
    double *fixed_pars = pars + npars;
    hf_fit_result rfree, rfixed;
    int rc = hf_fit(m, data, NULL, 0, 0, opt, pars, &rfree, err);
    if (rc == HF_OK)
        rc = hf_fit(m, data, pars, 1, mu, opt, fixed_pars, &rfixed, err);
    if (rc == HF_OK)
        *q = hf_teststat_value(ts, mu, pars[poi], rfixed.twice_nll,
                               rfree.twice_nll);
    free(pars);
    return rc;
}
