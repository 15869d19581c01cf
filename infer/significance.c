/*
 * significance.c - discovery p-values and significances: the q0 hypotest
 * of asymptotic.c read as pyhf users read it, p0 and Z.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "hf.h"
#include "infer.h"

double hf_p_to_z(double p)
{
    /* gsl_cdf_ugaussian_Qinv is scipy's norm.isf, with its end points */
    if (!(p >= 0 && p <= 1))
        return NAN;
    if (p == 0)
        return INFINITY;
    if (p == 1)
        return -INFINITY;
    return gsl_cdf_ugaussian_Qinv(p);
}

static int significance_impl(const hf_model *m, const double *data,
                             const hf_fit_options *opt,
                             hf_significance_result *res,
                             hf_hypotest_explain *ex, hf_error *err)
{
    hf_cls_result r;
    memset(res, 0, sizeof *res);
    res->p0_obs = res->z_obs = NAN;
    int rc = ex ? hf_cls_asymptotic_explain(m, data, 0.0, HF_TEST_Q0, opt, &r,
                                            ex, err)
                : hf_cls_asymptotic(m, data, 0.0, HF_TEST_Q0, opt, &r, err);
    res->nevals = r.nevals;
    if (rc != HF_OK)
        return rc;
    /* For q0, hf_cls_asymptotic (as pyhf's hypotest) returns CLsb, the
     * background-only tail, in place of CLs. */
    res->p0_obs = r.cls_obs;
    res->z_obs = hf_p_to_z(r.cls_obs);
    for (int i = 0; i < 5; i++) {
        res->p0_exp[i] = r.cls_exp[i];
        res->z_exp[i] = hf_p_to_z(r.cls_exp[i]);
    }
    res->q0_obs = r.test_stat;
    res->q0_asimov = r.test_stat_asimov;
    res->clb = r.clb;
    return HF_OK;
}

int hf_significance(const hf_model *m, const double *data,
                    const hf_fit_options *opt, hf_significance_result *res,
                    hf_error *err)
{
    if (!m || !data || !res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_significance: NULL argument (m, data, res may not be NULL)");
    return significance_impl(m, data, opt, res, NULL, err);
}

int hf_significance_explain(const hf_model *m, const double *data,
                            const hf_fit_options *opt,
                            hf_significance_result *res,
                            hf_hypotest_explain *ex, hf_error *err)
{
    if (!m || !data || !res || !ex)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_significance_explain: NULL argument (m, data, res, ex may not be NULL)");
    return significance_impl(m, data, opt, res, ex, err);
}
