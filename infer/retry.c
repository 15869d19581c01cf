/*
 * retry.c - when a fit of a hypothesis test is done again from other
 * starting points, and keeping the lowest (issue 16, "robust minima").
 *
 * The rule, the same for every fit so that results do not depend on the
 * order of work or the thread count:
 *  - a fit that failed (HF_ERR_FIT), or ended with a normfactor other than
 *    the POI on one of its bounds, is redone with hffit_ex (no metric)
 *    from the model's inits (pyhf's start; also the constraint centres)
 *    and from the other fits' points the caller has; the lowest converged
 *    result is kept;
 *  - the free fit to the observed data, where it ends with the POI on a
 *    bound, is redone once from the fixed-POI fit's point
 *    (hfinfer_teststat_fixed, hf_ts_fits.retry_free), where the NLL there
 *    falls away from the free fit's POI (hfinfer_retry_beyond: a lower
 *    minimum may lie on that side; one gradient evaluation decides, where
 *    a retry every time cost sbottom 1300_205_60's hypotest 124 -> 147
 *    evaluations and found nothing lower on any shared workspace);
 *  - the fixed-POI fit ending below the free fit redoes the free fit
 *    (hfinfer_teststat_fixed, as before);
 *  - every fit here (hffit_warm, hffit_ex) has already had the gamma rule
 *    of the fit layer (fit/gamma.c: a fit ending with a shapesys,
 *    staterror or shapefactor gamma on its lower bound is redone once from
 *    the other side of the ridge, the lower kept), the first fit and each
 *    retry alike.
 * The free fit to the Asimov data is not retried at the POI's bound: the
 * Asimov data are the expectation at the background-only fit's point
 * (mu = 0 for qmu and qmu_tilde), where every Poisson term n log(lam) -
 * lam and every constraint term is at its own maximum, so that point is
 * the global minimum by construction, bound or not.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"

int hfinfer_retry_at_bound(const hf_model *m, const double *pars)
{
    const double *lo = hf_model_lower(m), *hi = hf_model_upper(m);
    const unsigned char *fixed = hf_model_fixed(m);
    int poi = hf_model_poi(m);
    for (int k = 0; k < hf_model_nparsets(m); k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) != HF_OK ||
            strcmp(ps.type, "normfactor") != 0)
            continue;
        for (int j = 0; j < ps.n; j++) {
            int i = ps.offset + j;
            if (i != poi && !fixed[i] && lo[i] < hi[i] &&
                (pars[i] <= lo[i] || pars[i] >= hi[i]))
                return 1;
        }
    }
    return 0;
}

/* Whether start s is the point the first fit started from (the same fit
 * again: skipped). */
static int same_start(const hf_model *m, const double *s, const double *first)
{
    int np = hf_model_npars(m);
    return first && memcmp(s, first, np * sizeof *s) == 0;
}

int hfinfer_retry_fit(const hf_model *m, const hfinfer_retry *r, int rc,
                      double *pars, double *tnll, int *nevals,
                      hf_error *err)
{
    int np = hf_model_npars(m);
    if (!HFFIT_ROBUST || (rc == HF_OK && !hfinfer_retry_at_bound(m, pars)))
        return rc;
    if (rc != HF_OK && rc != HF_ERR_FIT)
        return rc; /* out of memory, bad input: not the minimum's fault */
    double *p = malloc(2 * (np ? np : 1) * sizeof *p), *from = p + np;
    if (!p)
        return rc;
    for (int i = -1; i < r->nstarts; i++) {
        const double *s = i < 0 ? hf_model_inits(m) : r->starts[i];
        if (!s || same_start(m, s, r->first))
            continue;
        memcpy(from, s, np * sizeof *from);
        hf_fit_result fr;
        hf_error e2;
        int rc2 = hffit_ex(m, r->data, from, r->fix_poi, r->mu, r->opt,
                           r->width, r->work, p, &fr, &e2);
        *nevals += fr.nevals;
        if (i < 0 && r->from_inits)
            *r->from_inits = 1;
        if (rc2 != HF_OK || !(rc != HF_OK || hffit_lower(fr.twice_nll, *tnll)))
            continue;
        memcpy(pars, p, np * sizeof *pars);
        *tnll = fr.twice_nll;
        rc = HF_OK;
        if (err) { /* the first fit's failure is no longer the result */
            err->code = HF_OK;
            err->msg[0] = 0;
        }
    }
    free(p);
    return rc;
}

int hfinfer_retry_beyond(const hf_model *m, const double *data,
                         const double *fixed_pars, double free_poi,
                         int *nevals)
{
    int np = hf_model_npars(m), poi = hf_model_poi(m);
    /* fixed where the free fit's POI already is (q0 at mu = 0 on a free
     * fit held at 0): there is no side away from it, so nothing to ask */
    if (fixed_pars[poi] == free_poi)
        return 0;
    ++*nevals;
    double *g = malloc((np + hf_model_work_size(m) + 1) * sizeof *g);
    if (!g)
        return 1; /* cannot tell: retry */
    double f = hf_model_nll(m, fixed_pars, data, g, g + np);
    double d = g[poi], away = fixed_pars[poi] - free_poi;
    free(g);
    /* descending from the fixed point moves the POI by -d: away from the
     * free fit's POI where -d has the sign of `away` */
    return !isfinite(f) || !isfinite(d) || -d * away > 0;
}
