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
 *  - a fit (of the hypotest or of a toy) that ends with a shapesys,
 *    staterror or shapefactor gamma on its LOWER bound is redone once from
 *    its own point with every such gamma moved to the other side of the
 *    ridge (hfinfer_retry_gamma_start), keeping the lower.  A weakly
 *    constrained gamma (3LRJ's top SRlow shapesys, tau 0.058) whose aux
 *    datum a toy draws as 0 has a second minimum on its 1e-10 bound, where
 *    the other backgrounds take its events: 1% of 3LRJ's toys ended there,
 *    10.3 in twice_nll above the minimum pyhf finds with the gamma at 5.4,
 *    from the inits and from both generating points alike.  No gradient
 *    tells the two apart (both are minima), so the rule costs one fit
 *    wherever a gamma ends on that bound, and nothing elsewhere.
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

static void retry_gamma(const hf_model *m, const hfinfer_retry *r,
                        double *pars, double *tnll, int *nevals);

int hfinfer_retry_fit(const hf_model *m, const hfinfer_retry *r, int rc,
                      double *pars, double *tnll, int *nevals,
                      hf_error *err)
{
    int np = hf_model_npars(m);
    if (rc == HF_OK && !hfinfer_retry_at_bound(m, pars)) {
        retry_gamma(m, r, pars, tnll, nevals);
        return rc;
    }
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
    if (rc == HF_OK)
        retry_gamma(m, r, pars, tnll, nevals);
    return rc;
}

/* The restart of one gamma on its lower bound: 1 + 2 sigma of its
 * constraint (shapesys: sigma = 1/sqrt(tau), tau its nominal aux datum;
 * staterror: its Gaussian sigma; shapefactor, unconstrained: sigma 1),
 * beyond the ridge between the bound's minimum and one where the gamma
 * carries its bin's events; halfway from 1 to the upper bound where that
 * start lies past it. */
static double gamma_restart(const hf_model *m, const hf_parset *ps, int j,
                            double hi)
{
    double sigma = 1;
    if (ps->aux_offset >= 0 && !strcmp(ps->type, "shapesys"))
        sigma = 1 / sqrt(hf_model_auxdata(m)[ps->aux_offset + j]);
    else if (ps->aux_offset >= 0 && !strcmp(ps->type, "staterror"))
        sigma = hf_model_sigmas(m)[ps->aux_offset + j];
    double s = 1 + 2 * sigma;
    return s < hi && isfinite(s) ? s : 0.5 * (1 + hi);
}

int hfinfer_retry_gamma_start(const hf_model *m, const double *pars,
                              double *start)
{
    const double *lo = hf_model_lower(m), *hi = hf_model_upper(m);
    const unsigned char *fixed = hf_model_fixed(m);
    int moved = 0;
    memcpy(start, pars, hf_model_npars(m) * sizeof *start);
    for (int k = 0; k < hf_model_nparsets(m); k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) != HF_OK ||
            (strcmp(ps.type, "shapesys") && strcmp(ps.type, "staterror") &&
             strcmp(ps.type, "shapefactor")))
            continue;
        for (int j = 0; j < ps.n; j++) {
            int i = ps.offset + j;
            if (fixed[i] || !(lo[i] < hi[i]) || pars[i] > lo[i])
                continue;
            double s = gamma_restart(m, &ps, j, hi[i]);
            if (s > lo[i]) {
                start[i] = s;
                moved++;
            }
        }
    }
    return moved;
}

/* retry.c's gamma rule after hfinfer_retry_fit's: one hffit_ex from the
 * point with its bound gammas moved, kept where lower. */
static void retry_gamma(const hf_model *m, const hfinfer_retry *r,
                        double *pars, double *tnll, int *nevals)
{
    int np = hf_model_npars(m);
    double *from = malloc(2 * (np ? np : 1) * sizeof *from), *p = from + np;
    if (!from)
        return; /* the result stands as it is */
    if (hfinfer_retry_gamma_start(m, pars, from)) {
        hf_fit_result fr;
        hf_error e2;
        int rc2 = hffit_ex(m, r->data, from, r->fix_poi, r->mu, r->opt,
                           r->width, r->work, p, &fr, &e2);
        *nevals += fr.nevals;
        if (rc2 == HF_OK && hffit_lower(fr.twice_nll, *tnll)) {
            memcpy(pars, p, np * sizeof *pars);
            *tnll = fr.twice_nll;
        }
    }
    free(from);
}

int hfinfer_retry_beyond(const hf_model *m, const double *data,
                         const double *fixed_pars, double free_poi)
{
    int np = hf_model_npars(m), poi = hf_model_poi(m);
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
