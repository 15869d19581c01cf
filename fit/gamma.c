/*
 * gamma.c - the gamma rule: a fit that ends with a shapesys, staterror or
 * shapefactor gamma on its LOWER bound is redone once from its own point
 * with every such gamma moved to the other side of the ridge, and the
 * lower of the two minima is kept (issue 16, "robust minima").
 *
 * Why: a weakly constrained gamma (3LRJ's top SRlow shapesys, tau 0.058)
 * whose aux datum is 0 (a toy draws it so) has a second minimum on its
 * 1e-10 bound, where the other backgrounds take its events.  A descent
 * from the inits or from either generating point stops there, 10.3 in
 * twice_nll above the minimum pyhf finds with the gamma at 5.4 (q 13.9
 * instead of 3.59).  No gradient tells the two apart (both are minima),
 * so the rule costs one fit wherever a gamma ends on that bound, and
 * nothing (no evaluation) elsewhere.
 *
 * It lives here, after every fit of hffit_ex, hffit_warm and hf_fit, so
 * that `hf fit`, the Python package, the hypotest, hf_test_statistic and
 * the toys all reach the same minimum; the toys' own quick BFGS fits
 * (infer/toys.c) call hffit_gamma_retry themselves.  It is per fit, from
 * the fit's own point: deterministic and independent of the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"

/* The shapesys / staterror / shapefactor sets: the parameters the rule
 * looks at. */
static int gamma_set(const hf_parset *ps)
{
    return !strcmp(ps->type, "shapesys") || !strcmp(ps->type, "staterror") ||
           !strcmp(ps->type, "shapefactor");
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

/* Whether one of the parameters i .. i + n - 1 is free and on its lower
 * bound (a fit's parameters never lie below it). */
static int on_lower(int i, int n, const unsigned char *fixed, const double *lo,
                    const double *hi, const double *pars)
{
    for (int e = i + n; i < e; i++)
        if (!fixed[i] && lo[i] < hi[i] && !(pars[i] > lo[i]))
            return 1;
    return 0;
}

int hffit_gamma_start(const hf_model *m, const double *pars, double *start)
{
    const double *lo = hf_model_lower(m), *hi = hf_model_upper(m);
    const unsigned char *fixed = hf_model_fixed(m);
    int moved = 0;
    if (start && start != pars) /* in place (start == pars) too */
        memcpy(start, pars, hf_model_npars(m) * sizeof *start);
    for (int k = 0; k < hf_model_nparsets(m); k++) {
        hf_parset ps;
        /* the type's name only for a set with a parameter on its lower
         * bound: on nearly every fit none is, and the names cost more */
        if (hf_model_parset(m, k, &ps) != HF_OK ||
            !on_lower(ps.offset, ps.n, fixed, lo, hi, pars) || !gamma_set(&ps))
            continue;
        for (int j = 0; j < ps.n; j++) {
            int i = ps.offset + j;
            if (!on_lower(i, 1, fixed, lo, hi, pars))
                continue;
            double s = gamma_restart(m, &ps, j, hi[i]);
            if (s > lo[i]) {
                if (start)
                    start[i] = s;
                moved++;
            }
        }
    }
    return moved;
}

void hffit_gamma_mask(const hf_model *m, unsigned char *mask)
{
    memset(mask, 0, hf_model_npars(m));
    for (int k = 0; k < hf_model_nparsets(m); k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) == HF_OK && gamma_set(&ps))
            memset(mask + ps.offset, 1, ps.n);
    }
}

int hffit_gamma_retry(const hf_model *m, const double *data, int fix_poi,
                      double poi_value, const hf_fit_options *opt,
                      const double *width, double *work, double *pars,
                      hf_fit_result *res)
{
    /* the test first, without allocating: it fails on nearly every fit */
    if (!hffit_gamma_start(m, pars, NULL))
        return 0;
    int np = hf_model_npars(m), kept = 0;
    double *from = malloc(2 * (size_t)np * sizeof *from), *p = from + np;
    if (!from)
        return 0; /* the result stands as it is */
    hffit_gamma_start(m, pars, from);
    hf_fit_result r;
    hf_error e2; /* a restart that fails leaves the first result, silently */
    int rc = hffit_once(m, data, from, fix_poi, poi_value, opt, width, work,
                        p, &r, &e2);
    res->nevals += r.nevals;
    if (rc == HF_OK && hffit_lower(r.twice_nll, res->twice_nll)) {
        memcpy(pars, p, np * sizeof *pars);
        res->twice_nll = r.twice_nll;
        res->twin_poi = r.twin_poi; /* the search of the fit kept */
        kept = 1;
    }
    free(from);
    return kept;
}
