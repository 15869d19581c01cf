/*
 * toys.c - pyhf's ToyCalculator: CLs from the test statistic's sampled
 * distributions under the signal+background and background-only
 * hypotheses, in parallel and reproducibly.
 *
 * What pyhf does (infer/calculators.py, infer/__init__.py hypotest):
 *  - the generating points are fixed_poi_fit(mu) and fixed_poi_fit(0)
 *    (fixed_poi_fit(1) for q0) on the observed data;
 *  - a toy is a draw of the model's pdf at that point: Poisson main bins,
 *    Normal(par, sigma) for Gaussian-constrained aux data, Poisson(par*tau)
 *    for Poisson-constrained ones;
 *  - the p-values are the fractions of toys with q >= q_obs (">=", so a
 *    toy equal to the observation counts), CLs = CLsb / CLb;
 *  - the expected band: (CLsb, CLb, CLs) at every background-only toy's
 *    own q, then numpy.percentile(method="linear") of each at the normal
 *    percentiles of -2..+2 sigma.
 *
 * Reproducibility: toy i of hypothesis h draws from its own stream of a
 * counter-based generator, a function of (seed, i, h) alone (toyrng.c says
 * why no two streams overlap), and its fits start from the generating
 * point, so each toy's q is a function of (model, data, mu, seed, i, h):
 * the results do not depend on the thread count or the schedule.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "infer.h"
#include "toyrng.h"
#include "fit/bfgs.h"

/* --------------------------------------------------------- test statistic */

/* Everything a thread needs to fit toys; the shared parts are read only. */
typedef struct toy_ctx {
    const hf_model *m;
    hf_test_stat ts;
    const hf_fit_options *opt;
    const double *width;
    int npars, nmain, ndata, poi;
    /* The parameters a fit moves: free[0..nfree), the POI at free[0];
     * fits with the POI fixed move free[1..nfree). */
    int nfree;
    int *free;
    /* The free one-sided histosys parameters (hfmodel_onesided):
     * os_par[k], its aux datum's index in the data and its flat side
     * (-1: below alpha = -1, +1: above +1), k < nos; other_well's. */
    int nos;
    int *os_par, *os_aux;
    signed char *os_side;
} toy_ctx;

/* Inverse Hessians of the NLL at a generating point, on its expected
 * data, in width units over ctx->free: `full` (nfree^2) for free fits,
 * `fixed` ((nfree-1)^2) for fits with the POI fixed; the first metrics
 * of quick_fit. */
typedef struct toy_metric {
    double *full, *fixed;
} toy_metric;

typedef struct toy_buf {
    double *data, *free_pars, *fixed_pars;
    double *scratch;    /* hfinfer_teststat_seq's (npars) */
    double *start;      /* a retried toy's random start point */
    double *fixstart;   /* a quick fit's start with the POI fixed */
    double *edgestart;  /* where hffit_edge takes over from hffit_ex */
    double *Hfix;       /* the metric handed from a free to a fixed fit */
    double *work;       /* the model's work space (bw's) */
    /* other_well's: its trial point, the minimum its descent reached,
     * the point a free fit left (where it switched wells), the fixed
     * fit from there, and the identity metric of fits without one */
    double *trial, *well, *left, *fixleft, *eye;
    hf_bfgs_work bw;    /* quick_fit's */
    hf_bfgs_work bw2;   /* other_well's, which keeps bw's final metric */
    gsl_rng *rng;
} toy_buf;

static void toy_buf_free(toy_buf *b)
{
    free(b->data);
    hffit_bfgs_work_free(&b->bw);
    hffit_bfgs_work_free(&b->bw2);
    if (b->rng)
        gsl_rng_free(b->rng);
    memset(b, 0, sizeof *b);
}

static int toy_buf_alloc(toy_buf *b, const toy_ctx *c)
{
    size_t np = c->npars ? c->npars : 1;
    memset(b, 0, sizeof *b);
    b->data = malloc((c->ndata + 10 * np + 2 * np * np) * sizeof *b->data);
    int rc = hffit_bfgs_work_alloc(&b->bw, c->m, c->npars);
    if (rc == HF_OK)
        rc = hffit_bfgs_work_alloc(&b->bw2, c->m, c->npars);
    b->rng = hfinfer_toyrng_alloc();
    if (!b->data || rc != HF_OK || !b->rng) {
        toy_buf_free(b);
        return HF_ERR_NOMEM;
    }
    b->free_pars = b->data + c->ndata;
    b->fixed_pars = b->free_pars + np;
    b->scratch = b->fixed_pars + np;
    b->start = b->scratch + np;
    b->fixstart = b->start + np;
    b->edgestart = b->fixstart + np;
    b->Hfix = b->edgestart + np;
    b->trial = b->Hfix + np * np;
    b->well = b->trial + np;
    b->left = b->well + np;
    b->fixleft = b->left + np;
    b->eye = b->fixleft + np;
    b->work = b->bw.model_work;
    return HF_OK;
}

/* ----------------------------------------------------------- quick fits */

/* A toy's fits start at its generating point with the inverse Hessian
 * there (toy_metric) as the first metric of fit/'s BFGS (hffit_bfgs): the
 * toy's minimum is near and the metric roughly right, so it reaches
 * hf_fit's convergence criterion in fewer evaluations than L-BFGS from an
 * identity metric (on the ATLAS staus workspace, 120 parameters: 48
 * against 92 evaluations a toy, 1.0 against 2.1 ms of CPU).  What it
 * cannot settle hands over to hffit_ex from the best point so far, which
 * then decides.  fix_poi: the POI is held at poi_value and the variables
 * are free[1..nfree). */
static int quick_fit(const toy_ctx *c, toy_buf *b, const double *data,
                     const double *Hinv0, int fix_poi, double poi_value,
                     const double *start, double *pars, double *tnll,
                     long *nevals, hf_bfgs_work *w)
{
    hf_bfgs_problem p = {c->m, data, c->nfree - (fix_poi ? 1 : 0),
                         c->free + (fix_poi ? 1 : 0), c->width,
                         c->opt->tolerance, 0, 0};
    if (fix_poi) {
        memcpy(b->fixstart, start, c->npars * sizeof *b->fixstart);
        b->fixstart[c->poi] = poi_value;
        start = b->fixstart;
    }
    return hffit_bfgs(&p, Hinv0, start, pars, tnll, nevals, w);
}

/* The inverse of the symmetric n x n matrix A (destroyed) into out, its
 * eigenvalues floored at 1e-10 of the largest in magnitude so that the
 * result is a positive definite metric whatever A is. */
static int inverse_metric(double *A, int n, double *out)
{
    if (n == 0)
        return HF_OK;
    for (int i = 0; i < n * n; i++)
        if (!isfinite(A[i]))
            return HF_ERR_NUMERIC; /* GSL would call its aborting handler */
    gsl_matrix_view Av = gsl_matrix_view_array(A, n, n);
    gsl_vector *ev = gsl_vector_alloc(n);
    gsl_matrix *V = gsl_matrix_alloc(n, n);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(n);
    int rc = HF_ERR_NOMEM;
    if (ev && V && ws && gsl_eigen_symmv(&Av.matrix, ev, V, ws) == 0) {
        double big = 0;
        for (int k = 0; k < n; k++)
            if (fabs(gsl_vector_get(ev, k)) > big)
                big = fabs(gsl_vector_get(ev, k));
        double floor_ = big > 0 ? 1e-10 * big : 1;
        for (int k = 0; k < n; k++) {
            double l = gsl_vector_get(ev, k);
            gsl_vector_set(ev, k, 1 / (l > floor_ ? l : floor_));
        }
        for (int a = 0; a < n; a++)
            for (int bb = 0; bb < n; bb++) {
                double s = 0;
                for (int k = 0; k < n; k++)
                    s += gsl_matrix_get(V, a, k) * gsl_vector_get(ev, k) *
                         gsl_matrix_get(V, bb, k);
                out[(size_t)a * n + bb] = s;
            }
        rc = HF_OK;
    }
    gsl_vector_free(ev);
    gsl_matrix_free(V);
    gsl_eigen_symmv_free(ws);
    return rc;
}

/* The toy_metric at generating point `gen` from the Hessian on its
 * expected data.  `H` holds nfree^2 doubles, `hwork` what hffit_hessian_ex
 * needs. */
static int metric_init(const toy_ctx *c, const double *gen,
                       const double *expected, double *H, double *hwork,
                       toy_metric *mt, long *nevals, hf_error *err)
{
    int n = c->nfree, nev = 0;
    double *h = mt->fixed; /* steps, before fixed is filled */
    for (int k = 0; k < n; k++)
        h[k] = 1e-5 * c->width[c->free[k]];
    int rc = hffit_hessian_ex(c->m, expected, gen, n, c->free, h, H, hwork,
                           &nev, err);
    *nevals += nev;
    if (rc != HF_OK)
        return rc;
    for (int a = 0; a < n; a++)
        for (int k = 0; k < n; k++)
            H[(size_t)a * n + k] *= c->width[c->free[a]] *
                                    c->width[c->free[k]];
    /* The POI-fixed block first: drop row and column 0, in place. */
    double *sub = mt->fixed;
    for (int a = 1; a < n; a++)
        for (int k = 1; k < n; k++)
            sub[(size_t)(a - 1) * (n - 1) + (k - 1)] = H[(size_t)a * n + k];
    /* inverse_metric destroys its input: invert sub via a copy in full. */
    memcpy(mt->full, sub, (size_t)(n - 1) * (n - 1) * sizeof *sub);
    rc = inverse_metric(mt->full, n - 1, sub);
    if (rc == HF_OK)
        rc = inverse_metric(H, n, mt->full);
    if (rc != HF_OK)
        return hfcore_error_set(err, rc, rc == HF_ERR_NOMEM ? "toys: out of memory"
                                                       : "toys: the Hessian at a generating "
                                                         "point is not finite");
    return HF_OK;
}

/* The fit layer's gamma rule (fit/gamma.c) after a fit that did not go
 * through hffit_ex (quick_fit, hffit_edge), which applies it itself.
 * Returns 1 where the restart's minimum replaced the fit's. */
static int toy_gamma(const toy_ctx *c, toy_buf *b, const double *data,
                     int fix_poi, double mu, double *pars, double *tnll,
                     long *nevals)
{
    hf_fit_result r = {*tnll, 1, 0, NAN};
    int kept = hffit_gamma_retry(c->m, data, fix_poi, mu, c->opt, c->width,
                                 b->work, pars, &r);
    *nevals += r.nevals;
    *tnll = r.twice_nll;
    return kept;
}

/* Every toy fit, as every fit checks the whole Hessian: quick_fit's
 * point, which no Hessian check has seen, confirmed by hffit_ex from
 * there, whose check is the whole Hessian (it leaves a saddle, or
 * fails).  Not hffit_ex alone from the toy's start: on 14 of sbottom's
 * 400 toys (seed 1) that ends in other minima than quick_fit's, higher in
 * 10 of them.  hffit_edge's points are minima on the constraint
 * lam_b = 0 (KKT), where the unconstrained Hessian is not the test. */
static int toy_confirm(const toy_ctx *c, toy_buf *b, const double *data,
                       int fix_poi, double mu, double *pars, double *tnll,
                       long *nevals, hf_error *err)
{
    hf_fit_result fr;
    memcpy(b->edgestart, pars, c->npars * sizeof *pars);
    int rc = hffit_ex(c->m, data, b->edgestart, fix_poi, mu, c->opt,
                      c->width, b->work, pars, &fr, err);
    *nevals += fr.nevals;
    *tnll = fr.twice_nll;
    return rc;
}

/* A fit of `data` into `pars` (free, or with the POI at mu), twice its
 * NLL into *tnll: quick_fit with metric mt when given, hffit_ex where it
 * gives up (or without mt); *quick where quick_fit's result stands (its
 * metric is the point's). */
static int toy_fit(const toy_ctx *c, toy_buf *b, const double *data,
                   const double *Hinv, const double *start, int fix_poi,
                   double mu, double *pars, double *tnll, long *nevals,
                   int *quick, hf_error *err)
{
    *quick = 0;
    if (Hinv) {
        int r = quick_fit(c, b, data, Hinv, fix_poi, mu, start, pars, tnll,
                          nevals, &b->bw);
        if (r == HF_OK) {
            *quick = !toy_gamma(c, b, data, fix_poi, mu, pars, tnll, nevals);
            return toy_confirm(c, b, data, fix_poi, mu, pars, tnll, nevals,
                               err);
        }
        start = pars; /* the best point reached, within bounds */
        /* quick_fit stops short where the minimum lies on an empty bin's
         * zero yield (fit/edge.c): hffit_edge settles that in a tenth of
         * what hffit_ex spends crawling along it */
        hf_fit_result er;
        memcpy(b->edgestart, pars, c->npars * sizeof *pars);
        int re = hffit_edge(c->m, data, b->edgestart, fix_poi, mu, c->opt,
                            c->width, pars, &er, err);
        *nevals += er.nevals;
        *tnll = er.twice_nll;
        if (re == HF_OK) {
            toy_gamma(c, b, data, fix_poi, mu, pars, tnll, nevals);
            return HF_OK;
        }
        memcpy(pars, b->edgestart, c->npars * sizeof *pars);
    }
    hf_fit_result fr;
    int rc = hffit_ex(c->m, data, start, fix_poi, mu, c->opt, c->width,
                       b->work, pars, &fr, err);
    *nevals += fr.nevals;
    *tnll = fr.twice_nll;
    return rc;
}

/* ---------------------------------------------------- one-sided wells */

/* A one-sided histosys parameter (hfmodel_onesided, side -1: lo_data =
 * nominal) changes its sample's yields non-monotonically on that half:
 * code4p's polynomial takes them below the nominal down to alpha ~ -0.3,
 * back up to it at -1, and flat beyond.  Where a toy's aux datum `a` lies
 * on that half (alpha < 0), the constraint pulls across the turning point
 * while the main bins may pull the other way, and the NLL has a well on
 * each side of it; a fit from the generating point stops in whichever is
 * nearer.  On the ATLAS sbottom workspace (1300_205_60, 200 toys, seed 1)
 * q differed from the lowest minimum on 14 toys; toy 174's free fit
 * stopped 1.95 above pyhf's (twice the NLL).  Side +1 is the mirror image.
 *
 * Twice-NLL margin within which a trial point in the other well is
 * descended from: a trial's height does not tell which well is lower
 * (lower minima were reached from trials 11.5 above), and no margin
 * smaller than this kept every toy on seeds 1 to 3. */
#define TOY_WELL_MARGIN 0.5
/* A descent that comes within this many widths of the minimum it started
 * from, in every parameter, is running back into it: given up (0.5 missed
 * a lower well on seed 2, 1.0 several). */
#define TOY_WELL_NEAR 0.3

/* Trial j of one-sided parameter k at x, where the datum lies on the
 * dipping half: from the other half the datum (the constraint's well);
 * from the dipping half the mirror image -x (j = 0: where the main bins'
 * well is, about as far from 0) and the nominal 0 (j = 1: just past the
 * turning point, where a well the mirror overshoots is).  0 where there
 * is no such trial, or it is outside the bounds. */
static int well_trial(const toy_ctx *c, int k, int j, const double *data,
                      double x, double *trial)
{
    int p = c->os_par[k];
    double side = c->os_side[k], a = data[c->os_aux[k]];
    int dipping = side * x > 0;
    if (!(side * a > 0) || (j == 1 && !dipping))
        return 0;
    double t = !dipping ? a : j == 0 ? -x : 0;
    *trial = t;
    return t >= hf_model_lower(c->m)[p] && t <= hf_model_upper(c->m)[p] &&
           t != x;
}

/* The descent of other_well from b->trial into (b->well, *fw) with the
 * fit's metric Hinv (NULL: the identity), given up as soon as it cannot
 * beat tnll (bfgs.h give_up: even four times its predicted decrease would
 * stay above) or runs back to `pars`.  HF_OK where it converged. */
static int well_descent(const toy_ctx *c, toy_buf *b, const double *data,
                        const double *Hinv, int fix_poi, double mu,
                        const double *pars, double tnll, double *fw,
                        long *nevals)
{
    if (!Hinv) {
        int n = c->nfree - (fix_poi ? 1 : 0);
        memset(b->eye, 0, (size_t)n * n * sizeof *b->eye);
        for (int a = 0; a < n; a++)
            b->eye[(size_t)a * n + a] = 1;
        Hinv = b->eye;
    }
    b->bw2.give_up = 1;
    b->bw2.give_up_f = 0.5 * tnll;
    b->bw2.near = pars;
    b->bw2.near_r = TOY_WELL_NEAR;
    return quick_fit(c, b, data, Hinv, fix_poi, mu, b->trial, b->well, fw,
                     nevals, &b->bw2);
}

/* After a toy fit to (pars, *tnll): each trial (well_trial) costs one
 * evaluation and, where within TOY_WELL_MARGIN of the minimum, a descent.
 * A minimum lower by over 1e-6 (less: the same well again) replaces the
 * fit's; the first point replaced is saved in b->left.  Returns 1 if one
 * was. */
static int other_well(const toy_ctx *c, toy_buf *b, const double *data,
                      const double *Hinv, int fix_poi, double mu,
                      double *pars, double *tnll, long *nevals)
{
    int moved = 0, last = -1;
    size_t np = c->npars * sizeof *pars;
    for (int kj = 0; kj < 2 * c->nos; kj++) {
        int k = kj / 2, p = c->os_par[k];
        double t, ft, fw;
        if ((kj % 2 == 1 && last == k) ||
            !well_trial(c, k, kj % 2, data, pars[p], &t))
            continue;
        memcpy(b->trial, pars, np);
        b->trial[p] = t;
        ft = 2 * hf_model_nll(c->m, b->trial, data, NULL, b->work);
        ++*nevals;
        if (hfmodel_yield_negative(c->m, b->work) ||
            !(ft < *tnll + TOY_WELL_MARGIN))
            continue;
        int rc = well_descent(c, b, data, Hinv, fix_poi, mu, pars, *tnll,
                              &fw, nevals);
        if (rc != HF_OK || !(fw < *tnll - 1e-6))
            continue;
        if (!moved)
            memcpy(b->left, pars, np);
        memcpy(pars, b->well, np);
        *tnll = fw;
        moved = 1;
        last = k;
    }
    return moved;
}

/* hfinfer_teststat_seq's fitter for a toy: quick_fit with the generating
 * point's metric for the free fit; for the fixed-POI fit the free fit's
 * final metric, nearer the toy's curvature than the generating point's
 * (not where the free fit held some variable: its metric has no row for
 * it); hffit_ex alone for a thorough retry. */
typedef struct toy_fitter {
    const toy_ctx *c;
    toy_buf *b;
    const toy_metric *mt;
    const double *Hfix;
    long *nevals;
    /* A retry's start point, or NULL: a fixed-POI fit that fails from the
     * free fit's point is tried again from here (with the POI fixed), as
     * retries that reach the same free minimum would else fail the same
     * fixed fit the same way. */
    const double *alt;
    /* 1 for toys: other_well after each fit (the observed data's aux
     * data are the nominal values, never on a flat side).  left: the
     * well a free fit left (b->left) or NULL. */
    int wells;
    const double *left;
} toy_fitter;

/* The fixed-POI fit from the well the free fit left too (its minimum may
 * be the lower one with the POI fixed, though not free); the lower of
 * the two into (pars, *tnll). */
static int fixed_from_left(toy_fitter *f, const double *data, double mu,
                           const double *Hinv, double *pars, double *tnll,
                           hf_error *err)
{
    toy_buf *b = f->b;
    double t2;
    int quick;
    int rc = toy_fit(f->c, b, data, Hinv, f->left, 1, mu, b->fixleft, &t2,
                     f->nevals, &quick, err);
    if (rc == HF_OK)
        other_well(f->c, b, data, Hinv, 1, mu, b->fixleft, &t2, f->nevals);
    if (rc == HF_OK && t2 < *tnll) {
        memcpy(pars, b->fixleft, f->c->npars * sizeof *pars);
        *tnll = t2;
    }
    return HF_OK;
}

static int toy_seq_fit(void *ctx, const double *data, const double *start,
                       int fix_poi, double mu, int thorough, double *pars,
                       double *tnll, hf_error *err)
{
    toy_fitter *f = ctx;
    const toy_ctx *c = f->c;
    toy_buf *b = f->b;
    const double *Hinv = thorough || !f->mt ? NULL
                         : fix_poi          ? f->Hfix
                                            : f->mt->full;
    int quick;
    int rc = toy_fit(c, b, data, Hinv, start, fix_poi, mu, pars, tnll,
                     f->nevals, &quick, err);
    if (rc == HF_ERR_FIT && fix_poi && f->alt) {
        Hinv = NULL;
        rc = toy_fit(c, b, data, NULL, f->alt, 1, mu, pars, tnll, f->nevals,
                     &quick, err);
    }
    if (rc == HF_OK && f->wells) {
        int moved = other_well(c, b, data, Hinv, fix_poi, mu, pars, tnll,
                               f->nevals);
        if (moved)
            rc = toy_confirm(c, b, data, fix_poi, mu, pars, tnll, f->nevals,
                             err);
        if (!fix_poi)
            f->left = moved ? b->left : NULL;
        else if (f->left && rc == HF_OK)
            rc = fixed_from_left(f, data, mu, Hinv, pars, tnll, err);
    }
    if (rc != HF_OK || fix_poi || thorough || !f->mt)
        return rc;
    f->Hfix = f->mt->fixed;
    if (quick) {
        int n = c->nfree, any = 0;
        for (int k = 1; k < n; k++)
            any |= b->bw.held[k];
        if (!any) {
            double *H = b->bw.H;
            hffit_bfgs_drop_variable(H, n, 0);
            for (int a = 1; a < n; a++)
                memcpy(b->Hfix + (size_t)(a - 1) * (n - 1),
                       H + (size_t)a * n + 1, (n - 1) * sizeof *H);
            f->Hfix = b->Hfix;
        }
    }
    return HF_OK;
}

/* pyhf's test statistic of `data` at mu, by the sequence the asymptotic
 * calculator shares (hfinfer_teststat_seq): the free fit from `start`, the
 * fixed-POI fit from its point.  pyhf starts from the inits, but toys
 * scatter around their generating point (with mt its metric), where the
 * minimum is found in fewer steps.  A failed fit's error is returned. */
static int teststat(const toy_ctx *c, toy_buf *b, const double *data,
                    const double *start, const toy_metric *mt, double mu,
                    int retry, int wells, double *q, long *nevals,
                    hf_error *err)
{
    toy_fitter tf = {c, b, mt, mt ? mt->fixed : NULL, nevals,
                     retry ? start : NULL, wells, NULL};
    hf_fitter f = {toy_seq_fit, &tf};
    hf_ts_fits s = {b->free_pars, NAN, b->fixed_pars, NAN, b->scratch, 0, 0, NULL, 0, NAN, 0};
    int rc = hfinfer_teststat_seq(c->m, c->ts, &f, data, mu, start, &s, q, err);
    if (rc != HF_OK)
        return rc;
    return isnan(*q) ? HF_ERR_NUMERIC : HF_OK;
}

/* A draw of the model's pdf: Poisson main bins around `expected` (the
 * expected data at the generating point), and per aux datum a Gaussian
 * around its expected value (the parameter) with the constraint's sigma,
 * or, where sigma is 0, a Poisson of its expected value (par * tau). */
static void sample(const toy_ctx *c, const double *expected,
                   const double *sigmas, gsl_rng *r, double *out)
{
    for (int k = 0; k < c->ndata; k++) {
        double lam = expected[k];
        if (k >= c->nmain && sigmas[k - c->nmain] > 0) {
            out[k] = lam + gsl_ran_gaussian(r, sigmas[k - c->nmain]);
            continue;
        }
        /* A non-positive rate can only come from a model that is
         * undefined there; numpy would raise, we draw zero events and let
         * the fit report it. */
        out[k] = hfinfer_toyrng_poisson(r, lam);
    }
}

/* ------------------------------------------------------------- retries */

/* Where a toy's fits start, in the order tried: dropping a toy whose fits
 * fail is not random (it keeps the toys that are easy to fit and biases
 * CLs), so a failed toy is fitted again from elsewhere before it is given
 * up.  Each attempt is a function of the toy alone, so retries keep the
 * result independent of the thread count. */
enum {
    TRY_QUICK,    /* the generating point, quick_fit with its metric */
    TRY_GEN,      /* the generating point, hffit_ex only */
    TRY_OTHER,    /* the other hypothesis' generating point */
    TRY_INITS,    /* the model's inits, as pyhf starts every fit */
    TRY_CAREFUL,  /* the generating point, 20 times the evaluations */
    TRY_RANDOM,   /* then random points around the generating point */
    NRANDOM = 4
};

/* A random start: each free parameter at its generating value plus a
 * Gaussian of its width (constrained parameters: their sigma), put back
 * inside its bounds; drawn from the toy's own restart stream. */
static void random_start(const toy_ctx *c, toy_buf *b, const double *gen,
                         uint64_t seed, uint64_t index, int h, int k)
{
    const double *lo = hf_model_lower(c->m), *hi = hf_model_upper(c->m);
    hfinfer_toyrng_set(b->rng, seed, index, h, HF_TOYRNG_RESTART + k);
    memcpy(b->start, gen, c->npars * sizeof *b->start);
    for (int a = 0; a < c->nfree; a++) {
        int i = c->free[a];
        double v = gen[i] + gsl_ran_gaussian(b->rng, c->width[i]);
        b->start[i] = v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v;
    }
}

/* The test statistic of toy `index` of hypothesis h (pseudo-data `data`),
 * trying the starts above in turn; *tries says how many were needed
 * (0: none succeeded).  gen holds both generating points (npars each). */
static int toy_teststat(const toy_ctx *c, toy_buf *b, const double *data,
                        const double *gen, const toy_metric *metric, int h,
                        double mu, uint64_t seed, uint64_t index, double *q,
                        long *nevals, int *tries)
{
    const double *own = gen + (size_t)h * c->npars;
    hf_fit_options careful = *c->opt;
    int base = careful.max_evals > 0 ? careful.max_evals
                                     : 1000 + 50 * c->nfree;
    careful.max_evals = 20 * base;
    toy_ctx cc = *c;
    hf_error err;
    int rc = HF_ERR_FIT;
    for (int k = TRY_QUICK; k < TRY_RANDOM + NRANDOM; k++) {
        const double *start = own;
        const toy_metric *mt = NULL;
        cc.opt = k == TRY_CAREFUL ? &careful : c->opt;
        if (k == TRY_QUICK)
            mt = &metric[h];
        else if (k == TRY_OTHER)
            start = gen + (size_t)(1 - h) * c->npars;
        else if (k == TRY_INITS)
            start = hf_model_inits(c->m);
        else if (k >= TRY_RANDOM) {
            random_start(c, b, own, seed, index, h, k - TRY_RANDOM);
            start = b->start;
        }
        rc = teststat(&cc, b, data, start, mt, mu, k > TRY_QUICK, 1, q,
                      nevals, &err);
        if (rc == HF_OK) {
            *tries = k + 1;
            return HF_OK;
        }
    }
    *tries = 0;
    return rc;
}

/* ------------------------------------------------------------ p-values */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Number of sorted[0..n) that are >= v. */
static int count_ge(const double *sorted, int n, double v)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (sorted[mid] >= v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return n - lo;
}

/* numpy.percentile(a, p, method="linear") of sorted a[0..n), with numpy's
 * arithmetic (its virtual index and its two-sided _lerp), so that equal
 * samples give equal bits. */
static double percentile_linear(const double *a, int n, double p)
{
    double q = p / 100;
    double vi = n * q + (1 + q * (1 - 1 - 1)) - 1;
    double prev = floor(vi);
    double gamma = vi - prev;
    long i0 = (long)prev, i1 = i0 + 1;
    if (i0 < 0)
        i0 = 0;
    if (i0 > n - 1)
        i0 = n - 1;
    if (i1 < 0)
        i1 = 0;
    if (i1 > n - 1)
        i1 = n - 1;
    double x0 = a[i0], x1 = a[i1], d = x1 - x0;
    return gamma >= 0.5 ? x1 - d * (1 - gamma) : x0 + d * gamma;
}

/* The p-values and expected band from the valid samples, sorted in place:
 * sb[0..nsb), b[0..nb).  `tmp` holds 3*nb doubles. */
static void pvalues(hf_test_stat ts, double q_obs, double *sb, int nsb,
                    double *b, int nb, double *tmp, hf_toys_result *res)
{
    /* pyhf's normal_percentiles, as written there. */
    static const double pct[5] = {2.27501319, 15.86552539, 50.0, 84.13447461,
                                  97.72498681};
    qsort(sb, nsb, sizeof *sb, cmp_double);
    qsort(b, nb, sizeof *b, cmp_double);
    res->clsb = (double)count_ge(sb, nsb, q_obs) / nsb;
    res->clb = (double)count_ge(b, nb, q_obs) / nb;
    res->cls_obs = res->clsb / res->clb; /* NaN or inf as numpy's */

    double *psb = tmp, *pb = tmp + nb, *ps = tmp + 2 * nb;
    for (int j = 0; j < nb; j++) {
        psb[j] = (double)count_ge(sb, nsb, b[j]) / nsb;
        pb[j] = (double)count_ge(b, nb, b[j]) / nb;
        ps[j] = psb[j] / pb[j];
    }
    qsort(psb, nb, sizeof *psb, cmp_double);
    qsort(pb, nb, sizeof *pb, cmp_double);
    qsort(ps, nb, sizeof *ps, cmp_double);
    for (int i = 0; i < 5; i++) {
        res->clsb_exp[i] = percentile_linear(psb, nb, pct[i]);
        res->clb_exp[i] = percentile_linear(pb, nb, pct[i]);
        res->cls_exp[i] = percentile_linear(ps, nb, pct[i]);
    }
    if (ts == HF_TEST_Q0) {
        res->cls_obs = res->clsb;
        memcpy(res->cls_exp, res->clsb_exp, sizeof res->cls_exp);
    }
}

/* What the result can be trusted to: the binomial standard errors of the
 * tail fractions, sqrt(p (1 - p) / n), and of their ratio CLs by first-order
 * propagation (relative errors added in quadrature; the two samples are
 * independent); and the interval CLs spans when the dropped toys are all
 * counted on one side of q_obs or all on the other (a drop not at random
 * could push it anywhere in there). */
static void uncertainties(hf_test_stat ts, int ntoys, int nsb, int nb,
                          hf_toys_result *res)
{
    double psb = res->clsb, pb = res->clb;
    res->clsb_err = sqrt(psb * (1 - psb) / nsb);
    res->clb_err = sqrt(pb * (1 - pb) / nb);
    double ksb = round(psb * nsb), kb = round(pb * nb); /* tail counts */
    double sb_lo = ksb / ntoys, sb_hi = (ksb + (ntoys - nsb)) / ntoys;
    double b_lo = kb / ntoys, b_hi = (kb + (ntoys - nb)) / ntoys;
    if (ts == HF_TEST_Q0) {
        res->cls_err = res->clsb_err;
        res->cls_lo = sb_lo;
        res->cls_hi = sb_hi;
        return;
    }
    /* Relative errors are undefined at p = 0: zero there (no tail toy). */
    double rsb = psb > 0 ? res->clsb_err / psb : 0;
    double rb = pb > 0 ? res->clb_err / pb : 0;
    res->cls_err = res->cls_obs * sqrt(rsb * rsb + rb * rb);
    res->cls_lo = sb_lo / b_hi;
    res->cls_hi = sb_hi / b_lo; /* inf where no b-only toy is in the tail */
}

/* hf_toys_summary with its work space: q (2 ntoys doubles) for the valid
 * samples, tmp (3 ntoys) for the p-value arrays. */
static int summary(hf_test_stat ts, double q_obs, const double *sbq,
                   const double *bq, int ntoys, double *q, double *tmp,
                   hf_toys_result *res, hf_error *err)
{
    int nsb = 0, nb = 0;
    res->nfailed_sb = res->nfailed_b = 0;
    for (int i = 0; i < ntoys; i++) {
        if (isnan(sbq[i]))
            res->nfailed_sb++;
        else
            q[nsb++] = sbq[i];
    }
    for (int i = 0; i < ntoys; i++) {
        if (isnan(bq[i]))
            res->nfailed_b++;
        else
            q[nsb + nb++] = bq[i];
    }
    if (nsb == 0 || nb == 0)
        return hfcore_error_set(err, HF_ERR_FIT,
                            "toys: the fits of all %d %s toys failed", ntoys,
                            nsb == 0 ? "signal+background" : "background-only");
    res->test_stat = q_obs;
    res->ntoys = ntoys;
    pvalues(ts, q_obs, q, nsb, q + nsb, nb, tmp, res);
    uncertainties(ts, ntoys, nsb, nb, res);
    return HF_OK;
}

/* Every result field NaN (or 0) until computed. */
static void result_init(hf_toys_result *res, int ntoys)
{
    memset(res, 0, sizeof *res);
    res->cls_obs = res->clsb = res->clb = res->test_stat = NAN;
    res->cls_err = res->clsb_err = res->clb_err = NAN;
    res->cls_lo = res->cls_hi = NAN;
    for (int i = 0; i < 5; i++)
        res->cls_exp[i] = res->clsb_exp[i] = res->clb_exp[i] = NAN;
    res->ntoys = ntoys;
}

int hf_toys_summary(hf_test_stat ts, double q_obs, const double *sb_stats,
                    const double *b_stats, int ntoys, hf_toys_result *res,
                    hf_error *err)
{
    if (!res)
        return hfcore_error_set(err, HF_ERR_ARG, "toys: no result to fill");
    result_init(res, 0);
    if (ts != HF_TEST_Q0 && ts != HF_TEST_QMU && ts != HF_TEST_QMU_TILDE)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "toys: the toy calculator takes q0, qmu or "
                            "qmu_tilde, not test statistic %d", (int)ts);
    if (ntoys < 1 || !sb_stats || !b_stats || isnan(q_obs))
        return hfcore_error_set(err, HF_ERR_ARG,
                            "toys: a summary needs toys and a q_obs");
    double *w = malloc(5 * (size_t)ntoys * sizeof *w);
    if (!w)
        return hfcore_error_set(err, HF_ERR_NOMEM, "toys: out of memory");
    int rc = summary(ts, q_obs, sb_stats, b_stats, ntoys, w, w + 2 * ntoys,
                     res, err);
    free(w);
    return rc;
}

/* ------------------------------------------------------------------ API */

void hf_toys_options_init(hf_toys_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->version = HF_TOYS_OPTIONS_VERSION;
}

static int check_args(const hf_model *m, double mu, hf_test_stat ts,
                      int ntoys, hf_error *err)
{
    int rc = hfinfer_hypo_check_poi(m, ts, "toys", err);
    if (rc == HF_OK && ts != HF_TEST_Q0)
        rc = hfinfer_hypo_check_mu(m, mu, 0, "toys", err);
    if (rc != HF_OK)
        return rc;
    if (ts != HF_TEST_Q0 && ts != HF_TEST_QMU && ts != HF_TEST_QMU_TILDE)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "toys: the toy calculator takes q0, qmu or "
                            "qmu_tilde, not test statistic %d", (int)ts);
    if (ntoys < 1 || ntoys > (1 << 28))
        return hfcore_error_set(err, HF_ERR_ARG,
                            "toys: ntoys must be from 1 to %d, not %d",
                            1 << 28, ntoys);
    return HF_OK;
}

/* The arrays of one hf_cls_toys call, shared read-only by the threads
 * once the generating points are set. */
typedef struct toy_run {
    double *buf;
    int *free_idx;
    double *width;         /* hffit_widths */
    double *gen;           /* both generating points (2 npars) */
    double *expected;      /* their expected data (2 ndata) */
    double *q;             /* every toy's q, interleaved (2 ntoys) */
    double *tmp;           /* summary's scratch (5 ntoys) */
    double *hess, *hwork;  /* metric_init's */
    signed char *side;     /* hfmodel_onesided's (np), os_side (np) */
    toy_metric metric[2];
    toy_buf main;          /* the observed data's fits */
} toy_run;

static void run_free(toy_run *r)
{
    toy_buf_free(&r->main);
    free(r->buf);
    free(r->free_idx);
    free(r->side);
}

/* c's one-sided parameters (other_well's) from r->side, in r->free_idx
 * after the free ones: free Gaussian-constrained ones with an aux datum
 * (a histosys parameter set is one scalar with one). */
static void onesided_init(toy_run *r, toy_ctx *c)
{
    size_t np = c->npars ? c->npars : 1;
    const unsigned char *fixed = hf_model_fixed(c->m);
    c->os_par = r->free_idx + np;
    c->os_aux = r->free_idx + 2 * np;
    c->os_side = r->side + np;
    c->nos = 0;
    if (hfmodel_onesided(c->m, r->side) == 0)
        return;
    for (int k = 0; k < hf_model_nparsets(c->m); k++) {
        hf_parset ps;
        if (hf_model_parset(c->m, k, &ps) != HF_OK || ps.n != 1 ||
            ps.constrained != 1 || ps.aux_offset < 0 ||
            !r->side[ps.offset] || fixed[ps.offset])
            continue;
        c->os_par[c->nos] = ps.offset;
        c->os_aux[c->nos] = c->nmain + ps.aux_offset;
        c->os_side[c->nos++] = r->side[ps.offset];
    }
}

/* The model's sizes, for the toys and for one toy's q; the rest (free
 * parameters, one-sided ones, widths) is run_alloc's. */
static toy_ctx ctx_of(const hf_model *m, hf_test_stat ts,
                      const hf_fit_options *fopt)
{
    toy_ctx c = {m, ts, fopt, NULL,
                 hf_model_npars(m), hf_model_nmain(m), hf_model_ndata(m),
                 hf_model_poi(m), 0, NULL, 0, NULL, NULL, NULL};
    return c;
}

/* Allocates r and sets c's free parameters (the POI first) and widths. */
static int run_alloc(toy_run *r, toy_ctx *c, int ntoys, hf_error *err)
{
    const hf_model *m = c->m;
    size_t np = c->npars ? c->npars : 1, nd = c->ndata;
    /* width | gen pars (2) | expected data (2) | q (2 ntoys) | tmp (5 ntoys)
     * | metrics (2 x 2 np^2) | Hessian (np^2) | its work (4 np + model) */
    size_t nbuf = 3 * np + 2 * nd + 7 * (size_t)ntoys + 5 * np * np +
                  4 * np + hf_model_work_size(m);
    memset(r, 0, sizeof *r);
    r->buf = malloc(nbuf * sizeof *r->buf);
    r->free_idx = malloc(3 * np * sizeof *r->free_idx);
    r->side = malloc(2 * np);
    if (!r->buf || !r->free_idx || !r->side ||
        toy_buf_alloc(&r->main, c) != HF_OK) {
        run_free(r);
        return hfcore_error_set(err, HF_ERR_NOMEM, "toys: out of memory");
    }
    r->width = r->buf;
    r->gen = r->buf + np;
    r->expected = r->gen + 2 * np;
    r->q = r->expected + 2 * nd;
    r->tmp = r->q + 2 * (size_t)ntoys;
    double *mbuf = r->tmp + 5 * (size_t)ntoys;
    r->metric[0] = (toy_metric){mbuf, mbuf + np * np};
    r->metric[1] = (toy_metric){mbuf + 2 * np * np, mbuf + 3 * np * np};
    r->hess = mbuf + 4 * np * np;
    r->hwork = r->hess + np * np;
    const unsigned char *fixed = hf_model_fixed(m);
    c->free = r->free_idx;
    c->nfree = 0;
    r->free_idx[c->nfree++] = c->poi;
    for (int i = 0; i < c->npars; i++)
        if (!fixed[i] && i != c->poi)
            r->free_idx[c->nfree++] = i;
    hffit_widths(m, r->width);
    c->width = r->width;
    onesided_init(r, c);
    return HF_OK;
}

/* A Poisson datum of a toy must have a mean its sampler can draw from:
 * a finite one up to 2^53 (hfinfer_toyrng_poisson).  Checked once, at the
 * generating point h, so that no toy is silently drawn from a NaN. */
static int check_drawable(const toy_ctx *c, const double *expected, int h,
                          hf_error *err)
{
    const double *sigmas = hf_model_sigmas(c->m);
    const char *gen = h ? "background-only" : "signal+background";
    for (int k = 0; k < c->ndata; k++) {
        if ((k >= c->nmain && sigmas[k - c->nmain] > 0) ||
            expected[k] <= HFINFER_TOYRNG_POISSON_MAX)
            continue;
        if (k >= c->nmain)
            return hfcore_error_set(err, HF_ERR_NUMERIC,
                    "toys: auxiliary datum %d (pyhf's auxdata order) "
                    "expects %g at the %s generating point; toys draw "
                    "Poisson counts of means up to 2^53", k - c->nmain,
                    expected[k], gen);
        int ch = 0;
        while (ch + 1 < hf_model_nchannels(c->m) &&
               hf_model_channel_offset(c->m, ch + 1) <= k)
            ch++;
        return hfcore_error_set(err, HF_ERR_NUMERIC,
                "toys: channel %s bin %d expects %g events at the %s "
                "generating point; toys draw Poisson counts of means up "
                "to 2^53", hf_model_channel_name(c->m, ch),
                k - hf_model_channel_offset(c->m, ch), expected[k], gen);
    }
    return HF_OK;
}

/* The generating points (gen_mu[h]): pyhf's fixed_poi_fit on the observed
 * data, from the inits; their expected data and metrics. */
static int generating_points(const toy_ctx *c, toy_run *r,
                             const double *data, const double gen_mu[2],
                             long *nevals, hf_error *err)
{
    size_t np = c->npars ? c->npars : 1, nd = c->ndata;
    for (int h = 0; h < 2; h++) {
        double *gen = r->gen + h * np, *expected = r->expected + h * nd;
        hf_fit_result fr;
        int rc = hffit_ex(c->m, data, NULL, 1, gen_mu[h], c->opt, r->width,
                          r->main.work, gen, &fr, err);
        *nevals += fr.nevals;
        if (rc != HF_OK)
            return rc;
        hf_model_expected_data(c->m, gen, expected, r->main.work);
        /* a generating point on the model's edge (fit/edge.c) has an
         * empty bin's yield at zero to rounding, maybe -1e-15 */
        for (int k = 0; k < c->nmain; k++)
            if (expected[k] < 0)
                expected[k] = 0;
        rc = check_drawable(c, expected, h, err);
        if (rc != HF_OK)
            return rc;
        rc = metric_init(c, gen, expected, r->hess, r->hwork, &r->metric[h],
                         nevals, err);
        if (rc != HF_OK)
            return rc;
    }
    return HF_OK;
}

/* Every toy's q into r->q (NaN: dropped), both hypotheses interleaved:
 * even s+b, odd b-only.  Returns HF_ERR_NOMEM if a thread could not get
 * its buffers. */
static int run_toys(const toy_ctx *c, toy_run *r, int ntoys,
                    unsigned long long seed, double mu_test, int threads,
                    long *nevals_out, int *nretried_out)
{
    size_t nd = c->ndata;
    const double *sigmas = hf_model_sigmas(c->m);
    int nthreads = threads > 0 ? threads : omp_get_max_threads();
    int nomem = 0, nretried = 0;
    long nevals = 0, n2 = 2 * (long)ntoys;
    double *q = r->q;
#pragma omp parallel num_threads(nthreads) \
    reduction(+ : nevals, nomem, nretried)
    {
        toy_buf b;
        int ok = toy_buf_alloc(&b, c) == HF_OK;
        if (!ok)
            nomem++;
#pragma omp for schedule(dynamic, 8)
        for (long t = 0; t < n2; t++) {
            int h = (int)(t & 1);
            q[t] = NAN;
            if (!ok)
                continue;
            hfinfer_toyrng_set(b.rng, seed, (uint64_t)(t >> 1), h,
                               HF_TOYRNG_DATA);
            sample(c, r->expected + h * nd, sigmas, b.rng, b.data);
            double qt;
            int tries;
            if (toy_teststat(c, &b, b.data, r->gen, r->metric, h, mu_test,
                             seed, (uint64_t)(t >> 1), &qt, &nevals,
                             &tries) == HF_OK)
                q[t] = qt;
            nretried += tries != 1;
        }
        toy_buf_free(&b);
    }
    *nevals_out += nevals;
    *nretried_out = nretried;
    return nomem ? HF_ERR_NOMEM : HF_OK;
}

/* The toys in toy order, s+b then b-only, to the caller's arrays and
 * through hf_toys_summary's computation into res. */
static int finish(hf_test_stat ts, const hf_toys_options *opt, toy_run *r,
                  int ntoys, hf_toys_result *res, hf_error *err)
{
    double *sbq = r->tmp, *bq = r->tmp + ntoys;
    for (int i = 0; i < ntoys; i++) {
        sbq[i] = r->q[2 * i];
        bq[i] = r->q[2 * i + 1];
    }
    if (opt->sb_stats)
        memcpy(opt->sb_stats, sbq, ntoys * sizeof *sbq);
    if (opt->b_stats)
        memcpy(opt->b_stats, bq, ntoys * sizeof *bq);
    return summary(ts, res->test_stat, sbq, bq, ntoys, r->q, r->tmp + 2 * ntoys,
                   res, err);
}

static int cls_toys_impl(const hf_model *m, const double *data, double mu,
                hf_test_stat ts, int ntoys, unsigned long long seed,
                const hf_toys_options *opt, hf_toys_result *res,
                hf_error *err)
{
    hf_toys_options defaults;
    hf_fit_options fopt;
    if (!opt) {
        hf_toys_options_init(&defaults);
        opt = &defaults;
    }
    hffit_options_copy(&fopt, opt->fit);
    result_init(res, ntoys);
    int rc = check_args(m, mu, ts, ntoys, err);
    if (rc != HF_OK)
        return rc;
    toy_ctx c = ctx_of(m, ts, &fopt);
    toy_run r;
    if ((rc = run_alloc(&r, &c, ntoys, err)) != HF_OK)
        return rc;
    /* q0 tests mu = 0 whatever mu is; pyhf still draws its "signal"
     * toys at mu and its background toys at mu = 1. */
    double mu_test = ts == HF_TEST_Q0 ? 0.0 : mu;
    double gen_mu[2] = {mu, ts == HF_TEST_Q0 ? 1.0 : 0.0};
    long nevals = 0;
    /* The observed q, from the inits as pyhf. */
    rc = teststat(&c, &r.main, data, hf_model_inits(m), NULL, mu_test, 0,
                  0, &res->test_stat, &nevals, err);
    if (rc == HF_OK)
        rc = generating_points(&c, &r, data, gen_mu, &nevals, err);
    if (rc == HF_OK &&
        run_toys(&c, &r, ntoys, seed, mu_test, opt->threads, &nevals,
                 &res->nretried) != HF_OK)
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "toys: out of memory");
    if (rc == HF_OK)
        rc = finish(ts, opt, &r, ntoys, res, err);
    res->nevals = nevals;
    run_free(&r);
    return rc;
}

int hfinfer_toy_teststat(const hf_model *m, const double *gen,
                         const double *toy, double mu, hf_test_stat ts,
                         const hf_fit_options *opt, double *q,
                         double *free_tnll, hf_error *err)
{
    hf_fit_options fopt;
    hffit_options_copy(&fopt, opt);
    int rc = check_args(m, mu, ts, 1, err), tries;
    if (rc != HF_OK)
        return rc;
    toy_ctx c = ctx_of(m, ts, &fopt);
    toy_run r;
    if ((rc = run_alloc(&r, &c, 1, err)) != HF_OK)
        return rc;
    size_t np = c.npars ? c.npars : 1, nd = c.ndata;
    long nevals = 0;
    /* both hypotheses' generating points at gen: toy_teststat's retries
     * start from the other one too */
    for (int h = 0; h < 2 && rc == HF_OK; h++) {
        memcpy(r.gen + h * np, gen, c.npars * sizeof *gen);
        hf_model_expected_data(m, gen, r.expected + h * nd, r.main.work);
        rc = metric_init(&c, gen, r.expected + h * nd, r.hess, r.hwork,
                         &r.metric[h], &nevals, err);
    }
    if (rc == HF_OK &&
        (rc = toy_teststat(&c, &r.main, toy, r.gen, r.metric, 0, mu, 0, 0,
                           q, &nevals, &tries)) != HF_OK)
        hfcore_error_set(err, rc, "toys: every fit of the toy failed");
    if (rc == HF_OK && free_tnll)
        *free_tnll = 2 * hf_model_nll(m, r.main.free_pars, toy, NULL,
                                      r.main.work);
    run_free(&r);
    return rc;
}

int hf_cls_toys(const hf_model *m, const double *data, double mu,
                hf_test_stat ts, int ntoys, unsigned long long seed,
                const hf_toys_options *opt, hf_toys_result *res,
                hf_error *err)
{
    if (!m || !data || !res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_cls_toys: NULL argument (m, data, res may not be NULL)");
    int vrc = opt ? hfcore_check_version(opt->version, HF_TOYS_OPTIONS_VERSION,
                                         "hf_toys_options", err) : HF_OK;
    if (vrc == HF_OK && opt)
        vrc = hffit_options_check(opt->fit, err);
    if (vrc != HF_OK)
        return vrc;
    return hfcore_error_blame(hfmodel_source(m), cls_toys_impl(m, data, mu, ts, ntoys, seed, opt, res, err), err);
}
