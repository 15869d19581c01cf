/*
 * teststat.c - pyhf's profile-likelihood test statistics
 * (pyhf.infer.test_statistics): q0, qmu, qmu_tilde, tmu, tmu_tilde.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"

double hfinfer_teststat_value(hf_test_stat ts, double mu, double muhat,
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

/* q is zero whatever the fixed-POI fit gives. */
static int zero_q(hf_test_stat ts, double mu, double muhat)
{
    return (ts == HF_TEST_Q0 && muhat < 0) ||
           ((ts == HF_TEST_QMU || ts == HF_TEST_QMU_TILDE) && muhat > mu);
}

/* The free fit again, thoroughly, from the fixed-POI fit's point.  With
 * `must` (the fixed fit ended lower: the free one had stopped short) its
 * result replaces the free fit and its failure is the sequence's; else
 * (a retry, retry.c) it replaces it only where lower, and a failure
 * leaves it as it was.  Two ends within 1e-6 of twice_nll at different
 * POI values: the one not kept is the twin (hf_ts_fits.twin_poi). */
static int redo_free(const hf_model *m, const hf_fitter *f,
                     const double *data, hf_ts_fits *s, int must,
                     hf_error *err)
{
    int poi = hf_model_poi(m), np = hf_model_npars(m);
    double t, old = s->free_tnll, old_poi = s->free_pars[poi];
    int rc = f->fit(f->ctx, data, s->fixed_pars, 0, 0, 1, s->scratch, &t,
                    err);
    if (rc != HF_OK)
        return must ? rc : HF_OK;
    double new_poi = s->scratch[poi];
    int keep = must || t < old;
    if (keep) {
        memcpy(s->free_pars, s->scratch, np * sizeof *s->scratch);
        s->free_tnll = t;
        s->refit = 1;
    }
    if (fabs(t - old) <= 1e-6 &&
        fabs(new_poi - old_poi) > 1e-6 * (1 + fabs(old_poi)))
        s->twin_poi = keep ? old_poi : new_poi;
    return HF_OK;
}

int hfinfer_teststat_fixed(const hf_model *m, hf_test_stat ts, const hf_fitter *f,
                      const double *data, double mu, hf_ts_fits *s, double *q,
                      hf_error *err)
{
    int poi = hf_model_poi(m), npars = hf_model_npars(m);
    s->fixed_tnll = NAN;
    s->refit = 0;
    s->twin_poi = NAN;
    *q = 0;
    if (zero_q(ts, mu, s->free_pars[poi]) && !s->always_fixed)
        return HF_OK;
    double tfix, t2;
    int rc = f->fit(f->ctx, data, s->start ? s->start : s->free_pars, 1, mu,
                    0, s->fixed_pars, &tfix, err);
    if (rc != HF_OK)
        return rc;
    int inside = mu >= hf_model_lower(m)[poi] && mu <= hf_model_upper(m)[poi];
    int lower = tfix < s->free_tnll - 1e-9;
    int retry = s->retry_free &&
                hfinfer_retry_beyond(m, data, s->fixed_pars, s->free_pars[poi],
                                     &s->retry_evals);
    if (inside && (lower || retry)) {
        rc = redo_free(m, f, data, s, lower, err);
        if (rc != HF_OK)
            return rc;
        if (s->refit && (!zero_q(ts, mu, s->free_pars[poi]) || s->always_fixed)) {
            rc = f->fit(f->ctx, data, s->free_pars, 1, mu, 0, s->scratch, &t2,
                        err);
            if (rc != HF_OK)
                return rc;
            if (t2 < tfix) {
                memcpy(s->fixed_pars, s->scratch, npars * sizeof *s->scratch);
                tfix = t2;
            }
        }
    }
    s->fixed_tnll = tfix;
    *q = hfinfer_teststat_value(ts, mu, s->free_pars[poi], tfix, s->free_tnll);
    return HF_OK;
}

int hfinfer_teststat_seq(const hf_model *m, hf_test_stat ts, const hf_fitter *f,
                    const double *data, double mu, const double *start,
                    hf_ts_fits *s, double *q, hf_error *err)
{
    *q = NAN;
    s->fixed_tnll = NAN;
    s->refit = 0;
    int rc = f->fit(f->ctx, data, start ? start : hf_model_inits(m), 0, 0, 0,
                    s->free_pars, &s->free_tnll, err);
    if (rc != HF_OK)
        return rc;
    return hfinfer_teststat_fixed(m, ts, f, data, mu, s, q, err);
}

/* hf_fit with the caller's options, for hf_test_statistic. */
typedef struct plain_fitter {
    const hf_model *m;
    const hf_fit_options *opt;
} plain_fitter;

static int plain_fit(void *ctx, const double *data, const double *start,
                     int fix_poi, double mu, int thorough, double *pars,
                     double *tnll, hf_error *err)
{
    const plain_fitter *p = ctx;
    hf_fit_result r;
    (void)thorough;
    int rc = hf_fit(p->m, data, start, fix_poi, mu, p->opt, pars, &r, err);
    *tnll = r.twice_nll; /* hf_fit has applied the gamma rule (fit/gamma.c) */
    return rc;
}

int hf_test_statistic(const hf_model *m, const double *data, double mu,
                      hf_test_stat ts, const hf_fit_options *opt, double *q,
                      hf_error *err)
{
    if (!m || !data || !q)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_test_statistic: NULL argument (m, data, q may not be NULL)");
    int vrc = hffit_options_check(opt, err);
    if (vrc != HF_OK)
        return vrc;
    int npars = hf_model_npars(m), poi = hf_model_poi(m);
    *q = NAN;
    if (poi < 0)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "test statistic: the model has no POI");
    if (hf_model_fixed(m)[poi])
        return hfcore_error_set(err, HF_ERR_ARG,
                            "test statistic: the POI %s is fixed",
                            hf_model_par_name(m, poi));
    if (ts < HF_TEST_Q0 || ts > HF_TEST_TMU_TILDE)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "test statistic: unknown test statistic %d",
                            (int)ts);
    if (ts == HF_TEST_Q0)
        mu = 0;
    double *pars = malloc(3 * (npars ? npars : 1) * sizeof *pars);
    if (!pars)
        return hfcore_error_set(err, HF_ERR_NOMEM, "test statistic: out of memory");
    plain_fitter pf = {m, opt};
    hf_fitter f = {plain_fit, &pf};
    hf_ts_fits s = {pars, NAN, pars + npars, NAN, pars + 2 * npars, 1, 0, NULL, 0, NAN, 0};
    /* pyhf fits both, from the inits */
    int rc = hfinfer_teststat_seq(m, ts, &f, data, mu, NULL, &s, q, err);
    if (rc != HF_OK)
        *q = NAN;
    free(pars);
    return rc;
}
