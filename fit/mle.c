/*
 * mle.c - maximum-likelihood fits: NLopt's L-BFGS on the analytic gradient,
 * in units of each parameter's constraint width, with a convergence test
 * of our own (NLopt's stopping rules say nothing about the gradient) and a
 * Newton step on a finite-difference Hessian where L-BFGS stalls.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

#include "fit.h"

/* The NLL returned where the model is undefined (a negative expected
 * yield): large enough that every line search backs off, finite so that
 * its interpolation stays arithmetic. */
#define NLL_UNDEFINED 1e300

#ifndef HFFIT_LBFGS_MEMORY
#define HFFIT_LBFGS_MEMORY 200
#endif

void hf_fit_options_init(hf_fit_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->version = HF_FIT_OPTIONS_VERSION;
    opt->tolerance = 1e-10;
    opt->max_evals = 0;
    opt->full_hessian = 1;
}

/* A copy reads only the fields the caller's version has (a version-1
 * struct may be shorter than this one).  full_hessian is not read: every
 * fit checks the whole Hessian (issue 16: "converged" means a positive
 * definite Hessian on the free parameters), whatever the field says (a
 * version-1 struct has none, and 0 no longer opts out: the exact Hessian
 * made the check cost +24 to +38% of a hypotest, not the 5 to 16 times of
 * differences; bench/RESULTS.md).  The field is still accepted so that
 * callers that set it keep compiling and running. */
void hffit_options_copy(hf_fit_options *dst, const hf_fit_options *src)
{
    hf_fit_options_init(dst);
    if (!src)
        return;
    dst->tolerance = src->tolerance;
    dst->max_evals = src->max_evals;
}

int hffit_options_check(const hf_fit_options *opt, hf_error *err)
{
    if (!opt)
        return HF_OK;
    return hfcore_check_version(opt->version, HF_FIT_OPTIONS_VERSION,
                                "hf_fit_options", err);
}

void hffit_widths(const hf_model *m, double *width)
{
    int npars = hf_model_npars(m), nsets = hf_model_nparsets(m);
    const double *sigmas = hf_model_sigmas(m);
    const double *aux = hf_model_auxdata(m);

    for (int i = 0; i < npars; i++)
        width[i] = 1.0;
    for (int k = 0; k < nsets; k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) != HF_OK || ps.aux_offset < 0)
            continue;
        for (int j = 0; j < ps.n; j++) {
            double w = 0;
            if (ps.constrained == 1)
                w = sigmas[ps.aux_offset + j];
            else if (ps.constrained == 2 && aux[ps.aux_offset + j] > 0)
                w = 1.0 / sqrt(aux[ps.aux_offset + j]);
            if (w > 0 && isfinite(w))
                width[ps.offset + j] = w;
        }
    }
}

/* An evaluation kept: its variables, gradient (width units), NLL and
 * model (two_starts swaps in the smooth twin); have 0: none. */
typedef struct fit_seen {
    double *y, *g, f;
    const hf_model *m;
    int have;
} fit_seen;

/* The optimiser's variables are y[k] = x[idx[k]] / w[k] over the free
 * parameters only. */
typedef struct fit_ctx {
    const hf_model *m;
    const double *data;
    double *x, *g, *work;
    const int *idx;
    const double *w;
    const double *lo, *hi; /* bounds on y */
    int n;
    int nevals;
    double fbest;          /* lowest finite NLL seen, its y and gradient */
    double *ybest, *gbest;
    const signed char *side; /* kinks: the side a variable at 0 is on */
    hffit_metric *mt;      /* NULL, or the first descent's metric (warm.c) */
    int identity;          /* ... which starts from the identity, not mt's */
    const double *width;   /* npars: the widths (for mt's BFGS) */
    int fix_poi;
    double twin_poi;       /* other_wells: a twin minimum's POI, or NaN */
    hffit_near *near;      /* hffit_probe's, or NULL */
    nlopt_opt o;           /* the running L-BFGS (stopped there) */
    /* Two finite evaluations kept, see eval(): [0] the last, [1] the
     * lowest of its model so far. */
    fit_seen kept[2];
    /* the calls answered from kept[]: counted in nevals, which budgets
     * the fit (max_evals) as if each were an evaluation, so that a fit
     * takes the same steps with or without them; not reported */
    int nfree;
    hffit_scratch *check;  /* the Hessian check's buffers, or NULL */
    /* mt's BFGS work holds this fit's final inverse metric (warm_descent
     * from a metric, not the identity): other_wells' descents start
     * from it (well_descent) */
    int warm_h;
    /* ... holds this fit's final inverse metric from any start (the
     * identity's too): other_wells' predictions read it (well_higher) */
    int metric_h;
} fit_ctx;

/* Whether y is within near->r widths of hffit_probe's point. */
static int probe_reached(const fit_ctx *c, const double *y)
{
    for (int k = 0; k < c->n; k++)
        if (!(fabs(y[k] - c->near->x[c->idx[k]] / c->w[k]) <= c->near->r))
            return 0;
    return 1;
}

/* What every evaluation does with its NLL f and gradient g (width
 * units) at y: the probe's stop, the best point so far. */
static void seen(fit_ctx *c, const double *y, double f, const double *g)
{
    if (c->near && !c->near->reached && probe_reached(c, y)) {
        c->near->reached = 1;
        if (c->o)
            nlopt_force_stop(c->o);
    }
    if (f < c->fbest) {
        c->fbest = f;
        memcpy(c->ybest, y, c->n * sizeof *y);
        memcpy(c->gbest, g, c->n * sizeof *g);
    }
}

/* The kept evaluation whose point is, bit for bit, y, with the same
 * model and no kink side forced (kink_slopes evaluates one point twice
 * with two sides), or NULL.  NLopt's L-BFGS starts each run with an
 * evaluation at its start, which is mostly a point just evaluated (the
 * best so far, a trial point of other_sides, start_eval's); the NLL and
 * gradient are a function of the point alone, so the kept ones are what
 * a new evaluation would return. */
static const fit_seen *seen_before(const fit_ctx *c, const double *y)
{
    for (int i = 0; i < 2 && !c->side; i++) {
        const fit_seen *s = &c->kept[i];
        if (s->have && s->m == c->m && memcmp(y, s->y, c->n * sizeof *y) == 0)
            return s;
    }
    return NULL;
}

static void keep(fit_ctx *c, int i, const double *y, double f, const double *g)
{
    fit_seen *s = &c->kept[i];
    memcpy(s->y, y, c->n * sizeof *y);
    if (s->g != g) /* eval() works out kept[0]'s gradient in place */
        memcpy(s->g, g, c->n * sizeof *g);
    s->f = f;
    s->m = c->m;
    s->have = 1;
}

static double eval(fit_ctx *c, const double *y, double *grad)
{
    for (int k = 0; k < c->n; k++)
        c->x[c->idx[k]] = y[k] * c->w[k];
    const fit_seen *old = seen_before(c, y);
    if (old) {
        double f = old->f;
        c->nevals++;
        c->nfree++;
        if (grad)
            memcpy(grad, old->g, c->n * sizeof *grad);
        seen(c, y, f, old->g);
        return f;
    }
    /* At a kink (alpha = 0) the interpolation takes its left slope; a
     * variable held on the right side of it gets that side's: the value
     * is the same, the gradient the one-sided derivative. */
    for (int k = 0; c->side && k < c->n; k++)
        if (y[k] == 0 && c->side[k] > 0)
            c->x[c->idx[k]] = DBL_MIN;
    double f = hf_model_nll(c->m, c->x, c->data, c->g, c->work);
    c->nevals++;
    /* a negative expected yield is outside the model (hfmodel.h) */
    int ok = isfinite(f) && !hfmodel_yield_negative(c->m, c->work);
    for (int k = 0; ok && k < c->n; k++)
        ok = isfinite(c->g[c->idx[k]]);
    if (!ok) {
        if (grad)
            memset(grad, 0, c->n * sizeof *grad);
        return NLL_UNDEFINED;
    }
    double *g = c->kept[0].g; /* the gradient in width units */
    c->kept[0].have = 0;
    for (int k = 0; k < c->n; k++)
        g[k] = c->g[c->idx[k]] * c->w[k];
    if (grad)
        memcpy(grad, g, c->n * sizeof *grad);
    seen(c, y, f, g);
    if (!c->side) {
        keep(c, 0, y, f, g);
        fit_seen *b = &c->kept[1];
        if (!b->have || b->m != c->m || f < b->f)
            keep(c, 1, y, f, g);
    }
    return f;
}

static double objective(unsigned n, const double *y, double *grad, void *p)
{
    (void)n;
    return eval(p, y, grad);
}

/* Whether variable k at y[k] with gradient g is held at a bound (a
 * minimum there: the gradient points out of the box), the test of every
 * check that leaves such a variable out. */
static inline int held(const fit_ctx *c, double y, double g, int k)
{
    return (y <= c->lo[k] && g > 0) || (y >= c->hi[k] && g < 0);
}

/* Squared norm of the gradient projected on the feasible box: in width
 * units the NLL is about a unit quadratic, so half of it estimates how far
 * above its minimum the NLL is. */
static double projected_gradient2(const fit_ctx *c, const double *y,
                                  const double *g)
{
    double s = 0;
    for (int k = 0; k < c->n; k++) {
        double gk = g[k];
        if (held(c, y[k], gk, k))
            continue;
        s += gk * gk;
    }
    return s;
}

static int converged(const fit_ctx *c, double tol)
{
    double scale = fabs(c->fbest) > 1 ? fabs(c->fbest) : 1;
    return 0.5 * projected_gradient2(c, c->ybest, c->gbest) <= tol * scale;
}

/* How far above its minimum the NLL still is along the projected
 * gradient, with the curvature there measured, not assumed: one gradient
 * evaluation a step of 1e-3 (width units) down the gradient gives it.
 * converged()'s test takes a unit curvature, which a weakly constrained
 * direction (a POI with a tiny signal: curvature 1e-11) does not have:
 * there a gradient that passes the test leaves far more than the
 * tolerance.  Where the measured curvature is not positive (rounding in
 * the gradient of a large model can make it so at a true minimum), only
 * the decrease the step itself found counts. */
static double flat_left(fit_ctx *c, double tol)
{
    int n = c->n;
    double scale = fabs(c->fbest) > 1 ? fabs(c->fbest) : 1;
    double g2 = projected_gradient2(c, c->ybest, c->gbest);
    (void)scale;
    (void)tol;
    if (g2 == 0)
        return 0;
    double *v = malloc(4 * (size_t)(n ? n : 1) * sizeof *v);
    if (!v)
        return 0;
    double *y0 = v, *g0 = v + n, *yt = v + 2 * n, *gt = v + 3 * n;
    memcpy(y0, c->ybest, n * sizeof *y0);
    memcpy(g0, c->gbest, n * sizeof *g0);
    double step = 1e-3 / sqrt(g2), ss = 0, gs = 0, dgs = 0;
    for (int k = 0; k < n; k++) {
        double gk = g0[k];
        double t = held(c, y0[k], gk, k) ? y0[k] : y0[k] - step * gk;
        yt[k] = t < c->lo[k] ? c->lo[k] : t > c->hi[k] ? c->hi[k] : t;
    }
    double f0 = c->fbest, f = eval(c, yt, gt), left = 0;
    if (f < NLL_UNDEFINED) {
        for (int k = 0; k < n; k++) {
            double sk = yt[k] - y0[k];
            ss += sk * sk;
            gs += g0[k] * sk;
            dgs += (gt[k] - g0[k]) * sk;
        }
        /* along u = s/|s|: slope gs/|s|, curvature dgs/|s|^2 */
        left = f0 - f > 0 ? f0 - f : 0;
        if (ss > 0 && dgs > 0 && 0.5 * gs * gs / dgs > left)
            left = 0.5 * gs * gs / dgs;
    }
    free(v);
    return left;
}

/* The free parameters not held at a bound (a minimum there, said so)
 * into act and idx (their parameters) and w (their widths), x (npars)
 * the point ybest; returns their count. */
static int off_bounds(const fit_ctx *c, int *act, int *idx, double *w,
                      double *x)
{
    int na = 0;
    memcpy(x, c->x, hf_model_npars(c->m) * sizeof *x);
    for (int k = 0; k < c->n; k++) {
        x[c->idx[k]] = c->ybest[k] * c->w[k];
        if (held(c, c->ybest[k], c->gbest[k], k))
            continue;
        act[na] = k;
        idx[na] = c->idx[k];
        w[na++] = c->w[k];
    }
    return na;
}

/* flat_left's measure from the whole-Hessian check at ybest (its
 * verdict into *verdict, which leave_saddle then need not make again):
 * along the projected gradient g the curvature is g'Hg exactly, and a
 * quadratic leaves 0.5 |g|^4 / g'Hg.  flat_left spent an evaluation a
 * step down g for a difference of gradients, then the check computed the
 * exact Hessian at the same point (1Lbb grid: 487 fits, 487 evaluations,
 * 82M of 5.49G instructions; none found a fit flat or a lower point).
 * Where the check gives no positive curvature along g (none, or not
 * positive: a saddle or flat direction), flat_left measures it as
 * before. */
static double flat_exact(fit_ctx *c, double tol, int *verdict)
{
    int n = c->n, npars = hf_model_npars(c->m);
    double g2 = projected_gradient2(c, c->ybest, c->gbest), uhu = NAN;
    int *act = malloc((n ? n : 1) * sizeof *act);
    int *idx = malloc((n ? n : 1) * sizeof *idx);
    double *v = malloc(3 * (size_t)(n ? n : 1) * sizeof *v);
    double *x = malloc((npars ? npars : 1) * sizeof *x);
    *verdict = HFFIT_UNKNOWN;
    if (act && idx && v && x) {
        double *w = v, *u = v + n, *dir = v + 2 * n;
        int na = off_bounds(c, act, idx, w, x);
        for (int a = 0; a < na; a++)
            u[a] = c->gbest[act[a]];
        *verdict = hffit_curvature_along(c->m, c->data, x, na, idx, w, u,
                                         &uhu, dir, &c->nevals, c->check);
    }
    free(act);
    free(idx);
    free(v);
    free(x);
    if (g2 == 0)
        return 0;
    if (uhu > 0)
        return 0.5 * g2 * g2 / uhu;
    *verdict = HFFIT_UNKNOWN; /* flat_left's step may move ybest */
    return flat_left(c, tol);
}

/* One Newton step from ybest on the free parameters not held at a bound,
 * with the Hessian from differences of the analytic gradient (made
 * positive definite by GSL's modified Cholesky where it is not) and a
 * backtracking line search.  Returns the NLL decrease (0 if none). */
static double newton_step(fit_ctx *c, double *y)
{
    int n = c->n, na = 0;
    int npars = hf_model_npars(c->m);
    int *act = malloc(n * sizeof *act);
    int *idx = malloc(n * sizeof *idx);
    double *h = malloc(n * sizeof *h);
    double *H = malloc((size_t)n * n * sizeof *H);
    double *dir = malloc(n * sizeof *dir);
    double *yt = malloc(n * sizeof *yt);
    double *hw = malloc((hf_model_work_size(c->m) + 4 * (size_t)npars) *
                        sizeof *hw);
    gsl_permutation *perm = gsl_permutation_alloc(n);
    double gain = 0;
    if (!act || !idx || !h || !H || !dir || !yt || !hw || !perm)
        goto done;

    for (int k = 0; k < n; k++) {
        if (held(c, c->ybest[k], c->gbest[k], k))
            continue;
        act[na] = k;
        idx[na] = c->idx[k];
        h[na] = 1e-5 * c->w[k];
        na++;
    }
    if (na == 0)
        goto done;
    for (int k = 0; k < n; k++)
        c->x[c->idx[k]] = c->ybest[k] * c->w[k];
    if (hffit_hessian_ex(c->m, c->data, c->x, na, idx, h, H, hw, &c->nevals,
                      NULL) != HF_OK)
        goto done;
    /* In width units, where the matrix is well conditioned. */
    for (int a = 0; a < na; a++)
        for (int b = 0; b < na; b++)
            H[a * na + b] *= c->w[act[a]] * c->w[act[b]];
    for (int a = 0; a < na; a++)
        dir[a] = -c->gbest[act[a]];
    gsl_matrix_view Hv = gsl_matrix_view_array(H, na, na);
    gsl_vector_view dv = gsl_vector_view_array(dir, na);
    gsl_permutation p = {(size_t)na, perm->data};
    if (gsl_linalg_mcholesky_decomp(&Hv.matrix, &p, NULL) != GSL_SUCCESS ||
        gsl_linalg_mcholesky_svx(&Hv.matrix, &p, &dv.vector) != GSL_SUCCESS)
        goto done;

    double f0 = c->fbest;
    for (double t = 1; t > 1e-4; t *= 0.25) {
        memcpy(yt, c->ybest, n * sizeof *yt);
        for (int a = 0; a < na; a++) {
            int k = act[a];
            double v = c->ybest[k] + t * dir[a];
            yt[k] = v < c->lo[k] ? c->lo[k] : v > c->hi[k] ? c->hi[k] : v;
        }
        eval(c, yt, NULL);
        if (c->fbest < f0)
            break;
    }
    gain = f0 - c->fbest;
done:
    memcpy(y, c->ybest, n * sizeof *y);
    free(act);
    free(idx);
    free(h);
    free(H);
    free(dir);
    free(yt);
    free(hw);
    gsl_permutation_free(perm);
    return gain;
}

/* L-BFGS from the best point so far until the convergence test holds.
 * L-BFGS may stop on its f-tolerance or a failed line search short of the
 * minimum; a restart drops its stale curvature pairs, a Newton step fixes
 * what curvature alone cannot (very stiff constraints). */
static nlopt_result descend(fit_ctx *c, nlopt_opt o, double *y, double tol,
                            int max_evals)
{
    nlopt_result nr = NLOPT_SUCCESS;
    int n = c->n;
    for (int round = 0; round < 6 && c->nevals < max_evals &&
                        !(c->near && c->near->reached); round++) {
        memcpy(y, c->ybest, n * sizeof *y);
        if (round >= 2 && newton_step(c, y) > 0 && converged(c, tol))
            break;
        double f;
        nlopt_set_maxeval(o, max_evals - c->nevals);
        nr = nlopt_optimize(o, y, &f);
        if (nr == NLOPT_OUT_OF_MEMORY || nr == NLOPT_INVALID_ARGS)
            break;
        if (converged(c, tol))
            break;
    }
    return nr;
}

/* A coordinate k within h (width units) of a bound, its gradient gk
 * pointing away from it: where the gradient h further in (one evaluation
 * at y, gp its gradient) points back, its minimum along k lies within h
 * of the bound, and at most h |gk| is left along k (the NLL convex
 * there): kink_converged counts that as left and k as converged.  A
 * gamma whose Asimov aux datum was made on its 1e-10 bound (tau * 1e-10)
 * has a log barrier there, its minimum ~1.3e-10, its curvature ~1e9
 * against a width of ~2: L-BFGS cannot step into it, and the gradient on
 * the bound (0.03 in width units: pyhf's toy 36 of 3LRJ,
 * tests/test_retry_gamma.c) failed the hypotest where 1e-11 was left. */
static int bound_pinned(fit_ctx *c, double *y, int k, double h, double gk,
                        double *gp)
{
    int at_lo = y[k] - h < c->lo[k] && gk < 0;
    int at_hi = y[k] + h > c->hi[k] && gk > 0;
    if (!(at_lo || at_hi) || c->hi[k] - c->lo[k] <= 2 * h)
        return 0;
    double yk = y[k];
    y[k] = at_lo ? yk + h : yk - h;
    eval(c, y, gp);
    y[k] = yk;
    return at_lo ? gp[k] > 0 : gp[k] < 0;
}

/* ROOT's interpolation codes change slope where a systematic crosses its
 * nominal value (normsys code1, histosys code0: alpha = 0), and a
 * minimum can sit on such a kink with a gradient that never vanishes;
 * L-BFGS stalls near it and the projected-gradient test fails.  A
 * coordinate whose slopes just either side of ybest both point back
 * towards it is at a minimum along that coordinate (kink[k] set, when
 * kink is not NULL); the fit has converged when the rest of the
 * projected gradient passes the usual test.  Costs two evaluations per
 * coordinate tested, only where the plain test failed (never at a true
 * minimum of pyhf's smooth default codes). */
static int kink_converged(fit_ctx *c, double tol, int max_evals,
                          unsigned char *kink)
{
    const double h = 1e-7; /* in width units: an NLL change of ~h |g| */
    int n = c->n, ntested = 0, nkinks = 0;
    double scale = fabs(c->fbest) > 1 ? fabs(c->fbest) : 1, s = 0;
    double bleft = 0; /* what bound_pinned's coordinates may have left */
    double *y = malloc(3 * (size_t)n * sizeof *y);
    if (!y)
        return 0;
    double *yb = y + n, *gb = y + 2 * n, *gp = gb; /* gb read before gp */
    memcpy(yb, c->ybest, n * sizeof *yb);
    for (int k = 0; k < n; k++) {
        double gk = c->gbest[k];
        if (kink)
            kink[k] = 0;
        if (held(c, yb[k], gk, k))
            continue;
        if (0.5 * gk * gk <= tol * scale / n || ++ntested > 32 ||
            c->nevals + 2 > max_evals) {
            s += gk * gk;
            continue;
        }
        if (yb[k] - h < c->lo[k] || yb[k] + h > c->hi[k]) {
            memcpy(y, yb, n * sizeof *y);
            if (bound_pinned(c, y, k, h, gk, gp)) {
                nkinks++; /* converged along k, not a kink */
                bleft += h * fabs(gk);
                if (kink) /* polish_stall: the others descend without it */
                    kink[k] = 1;
            } else {
                s += gk * gk;
            }
            continue;
        }
        memcpy(y, yb, n * sizeof *y);
        y[k] = yb[k] + h;
        eval(c, y, gp);
        double right = gp[k];
        y[k] = yb[k] - h;
        eval(c, y, gp);
        if (right > 0 && gp[k] < 0) {
            /* only a true kink is pinned; a stiff smooth coordinate whose
             * minimum lies within h counts as converged along it */
            nkinks++;
            if (kink)
                kink[k] = right - gp[k] > 1e-3;
        } else {
            s += gk * gk;
        }
    }
    free(y);
    return nkinks > 0 && 0.5 * s + bleft <= tol * scale;
}

/* A fit of a model without ROOT's kinked codes that stalled: the probes
 * of kink_converged (two evaluations along each of up to 32 coordinates
 * where the gradient is not small, which may find a lower point), the
 * descent resumed from the best point, any coordinate found to have a
 * true kink pinned while the others descend.  This is what every stalled
 * fit did before polish_kinks handled ROOT's codes; without it some staus
 * background-only toys stay stuck (3 of 10,000 at DS_200_1, seed 1). */
static void polish_stall(fit_ctx *c, nlopt_opt o, double *y, double *lo,
                         double *hi, double tol, int max_evals)
{
    int n = c->n, any = 0;
    unsigned char *kink = malloc((size_t)n);
    double *keep = malloc(2 * (size_t)n * sizeof *keep);
    if (!kink || !keep)
        goto out;
    kink_converged(c, tol, max_evals, kink);
    memcpy(y, c->ybest, n * sizeof *y);
    for (int k = 0; k < n; k++) {
        keep[2 * k] = lo[k];
        keep[2 * k + 1] = hi[k];
        if (!kink[k])
            continue;
        any = 1;
        if (fabs(y[k] * c->w[k]) < 1e-6 && lo[k] <= 0 && hi[k] >= 0)
            y[k] = 0;
        lo[k] = hi[k] = y[k];
    }
    if (!any)
        goto out;
    c->fbest = INFINITY; /* the pinned point is where descent starts */
    eval(c, y, NULL);
    nlopt_set_lower_bounds(o, lo);
    nlopt_set_upper_bounds(o, hi);
    descend(c, o, y, tol, max_evals);
    for (int k = 0; k < n; k++) {
        lo[k] = keep[2 * k];
        hi[k] = keep[2 * k + 1];
    }
    nlopt_set_lower_bounds(o, lo);
    nlopt_set_upper_bounds(o, hi);
out:
    free(kink);
    free(keep);
}

/* A kinked variable this close to its kink (in the parameter's units)
 * is put on it before the kinks are sorted out. */
#define KINK_NEAR 1e-9

/* The one-sided slopes at y of the kinked variables (flag) that sit on
 * their kink: gr from the right, gl from the left.  One gradient
 * evaluation per side covers them all: the slope along one variable at
 * its kink depends only on its own side, every other interpolation at 0
 * having the same value from either side. */
static void kink_slopes(fit_ctx *c, const double *y, const unsigned char *on,
                        signed char *side, double *gr, double *gl)
{
    for (int k = 0; k < c->n; k++)
        side[k] = on[k] ? 1 : 0;
    eval(c, y, gr);
    for (int k = 0; k < c->n; k++)
        side[k] = on[k] ? -1 : 0;
    eval(c, y, gl);
}

/* Bounds for the next smooth descent: each kinked variable kept on one
 * side of its kink (its orthant), where the NLL is smooth: the side it
 * is on, or for one on the kink the side its slope descends into, or
 * pinned there when both slopes point back (a minimum along it).
 * prev[] holds each variable's previous orthant (1 right, -1 left, 2
 * pinned, 0 none) and is updated.  Returns whether a variable on its
 * kink can descend (slope steeper than gth) into a side the last
 * descent did not let it enter. */
static int kink_orthants(fit_ctx *c, const double *y, const unsigned char *on,
                         const double *klo, const double *khi,
                         const double *gr, const double *gl, double gth,
                         signed char *prev, signed char *side, double *lo,
                         double *hi)
{
    int changed = 0;
    for (int k = 0; k < c->n; k++) {
        lo[k] = klo[k];
        hi[k] = khi[k];
        side[k] = 0;
        if (!on[k])
            continue;
        int s = y[k] > 0 ? 1 : y[k] < 0 ? -1 : gr[k] < 0 ? 1 : gl[k] > 0 ? -1 : 2;
        if (y[k] == 0 && ((gr[k] < -gth && prev[k] != 1) ||
                          (gl[k] > gth && prev[k] != -1)))
            changed = 1;
        if (s != -1)
            lo[k] = 0;
        if (s != 1)
            hi[k] = 0;
        side[k] = s == -1 ? -1 : 1;
        prev[k] = (signed char)s;
    }
    return changed;
}

/* A fit stalled at kinks (ROOT's codes: alpha = 0), polished as the
 * piecewise smooth function it is: the kinked variables near 0 put on
 * it, each variable kept on one side of its kink (kink_orthants) while
 * L-BFGS descends on the smooth piece, then the variables left on their
 * kinks checked from both sides; where one can still descend across, its
 * side changes and the descent is repeated (<= 8 rounds).  The lowest
 * point stays the fit's best. */
static void polish_kinks(fit_ctx *c, nlopt_opt o, double *y, double *lo,
                         double *hi, double tol, int max_evals)
{
    int n = c->n, npars = hf_model_npars(c->m);
    unsigned char *flag = malloc(npars ? npars : 1);
    unsigned char *on = malloc(n ? n : 1);
    signed char *side = malloc(n ? n : 1), *prev = calloc(n ? n : 1, 1);
    double *v = malloc(6 * (size_t)(n ? n : 1) * sizeof *v);
    if (!flag || !on || !side || !prev || !v)
        goto out;
    if (hfmodel_kinked(c->m, flag) == 0) {
        polish_stall(c, o, y, lo, hi, tol, max_evals);
        goto out;
    }
    double *klo = v, *khi = v + n, *gr = v + 2 * n, *gl = v + 3 * n;
    double *yb = v + 4 * n, *gb = v + 5 * n, fb = c->fbest;
    double scale = fabs(c->fbest) > 1 ? fabs(c->fbest) : 1;
    double gth = sqrt(2 * tol * scale);
    memcpy(klo, lo, n * sizeof *lo);
    memcpy(khi, hi, n * sizeof *hi);
    memcpy(yb, c->ybest, n * sizeof *yb);
    memcpy(gb, c->gbest, n * sizeof *gb);
    memcpy(y, c->ybest, n * sizeof *y);
    for (int k = 0; k < n; k++) {
        on[k] = flag[c->idx[k]] && klo[k] <= 0 && khi[k] >= 0;
        if (on[k] && fabs(y[k] * c->w[k]) < KINK_NEAR)
            y[k] = 0;
    }
    c->side = side;
    for (int round = 0; round < 8 && c->nevals < max_evals; round++) {
        for (int k = 0; k < n; k++)
            side[k] = 0;
        c->fbest = INFINITY; /* the point itself, not an earlier best */
        kink_slopes(c, y, on, side, gr, gl);
        if (!kink_orthants(c, y, on, klo, khi, gr, gl, gth, prev, side, lo,
                           hi) &&
            round > 0)
            break;
        nlopt_set_lower_bounds(o, lo);
        nlopt_set_upper_bounds(o, hi);
        c->fbest = INFINITY;
        eval(c, y, NULL);
        descend(c, o, y, tol, max_evals);
        memcpy(y, c->ybest, n * sizeof *y);
    }
    c->side = NULL;
    memcpy(lo, klo, n * sizeof *lo);
    memcpy(hi, khi, n * sizeof *hi);
    nlopt_set_lower_bounds(o, lo);
    nlopt_set_upper_bounds(o, hi);
    /* the polished point is a minimum of its smooth piece: kept unless
     * the stalled one was lower by more than the tolerance */
    if (!(c->fbest <= fb + tol * scale)) {
        c->fbest = fb;
        memcpy(c->ybest, yb, n * sizeof *yb);
        memcpy(c->gbest, gb, n * sizeof *gb);
    }
out:
    free(flag);
    free(on);
    free(side);
    free(prev);
    free(v);
}

/* A descent from y, polished at the kinks where it stalls. */
static void descend_kinked(fit_ctx *c, nlopt_opt o, double *y, double *lo,
                           double *hi, double tol, int max_evals)
{
    descend(c, o, y, tol, max_evals);
    if (!converged(c, tol) && c->nevals < max_evals)
        polish_kinks(c, o, y, lo, hi, tol, max_evals);
    memcpy(y, c->ybest, c->n * sizeof *y);
}

/* ROOT's kinked codes: two descents, the lower kept (and continued by
 * the caller's): one from the start point, one from the minimum of the
 * model's smooth twin (hfmodel_smooth: pyhf's code4/code4p in their
 * place), a homotopy.  Published workspaces have many kink minima
 * (sbottom region A: 1e-3..2 in twice_nll apart); from the inits L-BFGS
 * stops at the first on its way, where the smooth minimum lies in the
 * basin of a lower one (sbottom: below pyhf's SLSQP minimum in each fit),
 * and sometimes the other way round (an SS3L Asimov fit).  Costs about
 * twice the evaluations, for models with ROOT's codes only. */
static void two_starts(fit_ctx *c, nlopt_opt o, double *y, double *lo,
                       double *hi, double tol, int max_evals)
{
    int n = c->n;
    hf_model *t = hfmodel_smooth(c->m);
    double *v = malloc(3 * (size_t)(n ? n : 1) * sizeof *v);
    if (!t || !v)
        goto out;
    double *y0 = v, *yb = v + n, *gb = v + 2 * n;
    memcpy(y0, y, n * sizeof *y0);
    descend_kinked(c, o, y, lo, hi, tol, max_evals);
    double fb = c->fbest;
    memcpy(yb, c->ybest, n * sizeof *yb);
    memcpy(gb, c->gbest, n * sizeof *gb);

    const hf_model *m = c->m;
    c->m = t;
    c->fbest = INFINITY;
    memcpy(y, y0, n * sizeof *y);
    eval(c, y, NULL);
    if (c->fbest < NLL_UNDEFINED) {
        descend(c, o, y, tol, max_evals);
        memcpy(y, c->ybest, n * sizeof *y);
    }
    c->m = m;
    c->fbest = INFINITY;
    eval(c, y, NULL);
    descend_kinked(c, o, y, lo, hi, tol, max_evals);
    if (!(c->fbest < fb)) {
        c->fbest = fb;
        memcpy(c->ybest, yb, n * sizeof *yb);
        memcpy(c->gbest, gb, n * sizeof *gb);
    }
    memcpy(y, c->ybest, n * sizeof *y);
out:
    hfmodel_smooth_free(t);
    free(v);
}

/* The other side of each kink (hfmodel_kinked): a minimum found with
 * alpha on one side of 0 may have a lower twin on the other, which a
 * descent from the inits never crosses to (the slope jumps there).  For
 * each such parameter off its kink, a descent from its mirror image
 * -alpha, the others kept, where the NLL there is within half a unit of
 * the minimum; at most 8 descents.  Returns non-zero when it went lower. */
static int other_sides(fit_ctx *c, nlopt_opt o, double *y, int max_evals)
{
    int npars = hf_model_npars(c->m), n = c->n, moved = 0, tries = 0;
    unsigned char *flag = malloc(npars ? npars : 1);
    double *yt = malloc((n ? n : 1) * sizeof *yt);
    if (!flag || !yt || hfmodel_kinked(c->m, flag) == 0)
        goto done;
    for (int k = 0; k < n && tries < 8 && c->nevals < max_evals; k++) {
        double a = c->ybest[k];
        if (!flag[c->idx[k]] || fabs(a * c->w[k]) < 1e-6 || -a < c->lo[k] ||
            -a > c->hi[k])
            continue;
        double f0 = c->fbest;
        memcpy(yt, c->ybest, n * sizeof *yt);
        yt[k] = -a;
        if (eval(c, yt, NULL) > f0 + 0.5)
            continue;
        tries++;
        memcpy(y, yt, n * sizeof *y);
        nlopt_set_maxeval(o, max_evals - c->nevals);
        double fo;
        nlopt_optimize(o, y, &fo);
        if (hffit_lower(c->fbest, f0))
            moved = 1;
    }
done:
    free(flag);
    free(yt);
    return moved;
}

static int fit_converged(fit_ctx *c, double tol, int max_evals)
{
    return converged(c, tol) || kink_converged(c, tol, max_evals, NULL);
}

/* Whether the cubic through the minimum (a, f0, slope g0) and the mirror
 * point (t, f, slope g) along one variable is convex with about the same
 * curvature at both ends (within a factor 4): one bowl between them, whose
 * bottom is the minimum, as a single well with a smooth interpolation
 * looks (on the shared real workspaces the two curvatures are within a
 * factor 2).  A second well between them, or beyond t, bends the cubic:
 * on every two-well model of tests/pyhf one curvature is negative or the
 * mirror point lies lower. */
static int one_bowl(double t, double f, double g, double a, double f0,
                    double g0)
{
    double h = a - t, s = (f0 - f) / h;
    double c0 = (6 * s - 4 * g - 2 * g0) / h;
    double c1 = (-6 * s + 2 * g + 4 * g0) / h;
    return f > f0 && c0 > 0 && c1 > 0 && c0 <= 4 * c1 && c1 <= 4 * c0;
}

/* Whether the point yt of well_line (variable k at t, the minimum's
 * at a, f0 and g0 its NLL and slope) shows one bowl (one_bowl), from
 * the NLL and the gradient's k-th component alone (hfmodel_nll_one: the
 * same doubles as eval()'s).  On the 1Lbb grid 1,191 of well_line's
 * 1,198 lines end at this first point (the rest of its gradient never
 * read); where it shows no bowl, or the NLL is no higher than the best
 * (seen() would keep the point), eval() takes it again whole.  Unlike
 * eval() it cannot ask every gradient component to be finite: the
 * point differs from a converged minimum in variable k alone, and its
 * NLL, yields and k-th component are checked. */
static int mirror_bowl(fit_ctx *c, const double *yt, int k, double t,
                       double a, double f0, double g0)
{
    if (c->side || c->near || seen_before(c, yt))
        return 0;
    for (int j = 0; j < c->n; j++)
        c->x[c->idx[j]] = yt[j] * c->w[j];
    double gk, f = hfmodel_nll_one(c->m, c->x, c->data, c->idx[k], &gk,
                                   c->work);
    if (isnan(f))
        return 0; /* a per-bin factor's parameter: not computed */
    c->nevals++;
    int ok = isfinite(f) && !hfmodel_yield_negative(c->m, c->work) &&
             isfinite(gk) && f > c->fbest;
    return ok && one_bowl(t, f, gk * c->w[k], a, f0, g0);
}

/* The point t of well_line's line (variable k) from the line model lm
 * (hfmodel_line_at at the minimum): its NLL, g[k] its slope in width
 * units; no evaluation.  NLL_UNDEFINED where the model cannot follow
 * the line. */
static double line_point(fit_ctx *c, hfmodel_line *lm, int k, double t,
                         double *g)
{
    double gp, df = hfmodel_line_nll(lm, c->idx[k], t * c->w[k], &gp);
    g[k] = gp * c->w[k];
    return isnan(df) ? NLL_UNDEFINED : c->fbest + df;
}

/* The bottom of the other well along variable k alone: from yt (whose
 * k-th entry is the mirror image -a of the minimum's a), at most 6
 * evaluations (1 where the first shows one bowl, one_bowl): from the
 * lowest point so far a Newton step on the k-th
 * gradient component, its curvature the secant between the last two
 * lowest points (1, a unit constraint, until there are two), the step at
 * most half a width; where a step went up (over the ridge between the
 * wells), back by a quadratic through the lowest point's NLL and slope.
 * *back is set where a step with a measured curvature leads across 0
 * towards a: no other well on that side along k, the line slides back
 * into the minimum's.  Leaves yt at the lowest point, gl[n] the gradient
 * there; returns its NLL (NLL_UNDEFINED when none was finite). */
static double well_line(fit_ctx *c, double *yt, int k, double a,
                        double *g, double *gl, int *back, hfmodel_line *lm)
{
    double f0 = c->fbest, g0 = c->gbest[k]; /* the minimum's */
    double fb = NLL_UNDEFINED, t = yt[k], tb = t, gb = NAN, curv = 1;
    int measured = 0; /* curv from a secant, not the guess */
    *back = 0;
    for (int it = 0; it < 6; it++) {
        yt[k] = t;
        if (it == 0 && !lm && mirror_bowl(c, yt, k, t, a, f0, g0)) {
            *back = 1; /* the minimum's own well: 1 evaluation */
            break;
        }
        double f = lm ? line_point(c, lm, k, t, g) : eval(c, yt, g), tn;
        if (!(f < NLL_UNDEFINED))
            break;
        if (it == 0 && one_bowl(t, f, g[k], a, f0, g0)) {
            *back = 1; /* the minimum's own well: 1 evaluation */
            break;
        }
        if (f < fb) {
            if (isfinite(gb) && t != tb && (g[k] - gb) / (t - tb) > 0) {
                curv = (g[k] - gb) / (t - tb);
                measured = 1;
            }
            fb = f;
            tb = t;
            gb = g[k];
            memcpy(gl, g, c->n * sizeof *g);
            double step = -gb / curv;
            tn = tb + (step > 0.5 ? 0.5 : step < -0.5 ? -0.5 : step);
            tn = tn < c->lo[k] ? c->lo[k] : tn > c->hi[k] ? c->hi[k] : tn;
            if (tn * a > 0 && measured) {
                *back = 1;
                break;
            }
            if (tn * a > 0)
                tn = tb / 2; /* a guessed curvature: not past 0 yet */
        } else {
            double s = t - tb, den = 2 * (f - fb - gb * s);
            double r = den > 0 ? -gb * s / den : 0.5; /* fraction of s */
            tn = tb + (r < 0.1 ? 0.1 : r > 0.5 ? 0.5 : r) * s;
        }
        if (fabs(tn - tb) < 1e-4)
            break;
        t = tn;
    }
    /* the line slid to the turning point (|tb| < 0.05, the least |a|
     * other_wells asks of a minimum): no other well along k */
    if (fabs(tb * c->w[k]) < 0.05)
        *back = 1;
    yt[k] = tb;
    return fb;
}

/* A descent from the other well ended at y with NLL fo, the minimum
 * before it being y0 with f0: within 1e-6 of twice_nll at another POI
 * value, the one not kept (the old one where the new is lower) is the
 * twin.  Free fits only (a fixed POI has no twin value). */
static void twin(fit_ctx *c, const double *y, double fo, const double *y0,
                 double f0, int lower)
{
    int poi = hf_model_poi(c->m);
    for (int k = 0; k < c->n; k++) {
        if (c->idx[k] != poi)
            continue;
        double p = y[k] * c->w[k], p0 = y0[k] * c->w[k];
        if (fabs(fo - f0) <= 5e-7 && fabs(p - p0) > 1e-6 * (1 + fabs(p0)))
            c->twin_poi = lower ? p0 : p;
    }
}

/* other_wells' descents: fit/'s BFGS (bfgs.h) and its first metric,
 * allocated at the first descent of a fit. */
typedef struct well_work {
    int have;       /* bw allocated */
    hf_bfgs_work bw;
    double *H0, *x; /* n x n; npars */
    hfmodel_line *lm; /* line_back's, allocated at its first line */
    int lm_at;        /* lm's forward pass is at c->ybest (on c->work,
                         or warm.c's BFGS's work: pass_at_best) */
} well_work;

/* warm.c's BFGS's work where it holds the forward pass at c->x (set at
 * c->ybest), bit for bit: its last evaluation was at the point it ended
 * at, which warm_descent made c->ybest and no evaluation bettered; else
 * NULL.  On the 1Lbb grid (hf cls --threads 1) it spares 490 of
 * line_back's 502 passes, 44.3M of 4,592M instructions; c->work held
 * the pass at c->ybest in only 10 (the fit's checks evaluate elsewhere
 * after its best point), not worth tracking. */
static double *pass_at_best(const fit_ctx *c)
{
    const hf_bfgs_work *w = c->mt ? &c->mt->bw : NULL;
    size_t np = (size_t)hf_model_npars(c->m);
    if (w && w->pass_at_x && w->pass_m == c->m &&
        memcmp(w->x, c->x, np * sizeof *c->x) == 0)
        return w->model_work;
    return NULL;
}

static void well_work_free(well_work *d)
{
    if (d->have)
        hffit_bfgs_work_free(&d->bw);
    free(d->H0);
    free(d->x);
    hfmodel_line_free(d->lm);
}

/* Whether well_line from yt along variable k would slide back into the
 * minimum's own well without passing below it, by the same steps on the
 * NLL along k alone that hfmodel_line computes from one forward pass at
 * the minimum (no evaluation; the forward pass made once per minimum, on
 * c->work, which any evaluation after it invalidates: *lm_at, unless
 * warm.c's BFGS left it, pass_at_best).  Leaves
 * yt[k] moved. */
static int line_back(fit_ctx *c, well_work *d, double *yt, int k, double *g,
                     double *gl)
{
    if (!d->lm && !(d->lm = hfmodel_line_new(c->m)))
        return 0;
    if (!d->lm_at) {
        for (int j = 0; j < c->n; j++)
            c->x[c->idx[j]] = c->ybest[j] * c->w[j];
        double *pass = pass_at_best(c); /* left alone by other_wells */
        hfmodel_line_at(d->lm, c->x, c->data, pass ? pass : c->work, !!pass);
        d->lm_at = 1;
    }
    int back;
    double fb = well_line(c, yt, k, c->ybest[k], g, gl, &back, d->lm);
    return back && !(fb < c->fbest);
}

/* The first metric of a descent from another well: this fit's final
 * inverse metric from warm.c's BFGS (c->mt's, c->warm_h), a variable it
 * holds on a bound (a zero row and column) taking the unit one (width
 * units: the NLL is about a unit quadratic).  0: out of memory. */
static int well_metric(fit_ctx *c, well_work *d)
{
    int n = c->n, npars = hf_model_npars(c->m);
    size_t nn = (size_t)n * n;
    if (!d->have) {
        if (!d->H0)
            d->H0 = malloc((nn ? nn : 1) * sizeof *d->H0);
        if (!d->x)
            d->x = malloc((npars ? npars : 1) * sizeof *d->x);
        if (!d->H0 || !d->x || hffit_bfgs_work_alloc(&d->bw, c->m, n) != HF_OK)
            return 0;
        d->have = 1;
    }
    memcpy(d->H0, c->mt->bw.H, nn * sizeof *d->H0);
    for (int a = 0; a < n; a++)
        if (!(d->H0[(size_t)a * n + a] > 0)) {
            for (int b = 0; b < n; b++)
                d->H0[(size_t)a * n + b] = d->H0[(size_t)b * n + a] = 0;
            d->H0[(size_t)a * n + a] = 1;
        }
    return 1;
}

enum { WELL_DONE, WELL_FAILED };
/* warm.c's NEWTON_TOL: the decrease the metric still predicts, relative
 * to the convergence test's tolerance */
#define WELL_NEWTON_TOL 1e-4
/* A descent that ends within this (relative) above the kept minimum may
 * have run back into that minimum's own well, whose bottom L-BFGS's
 * f-tolerance (tol / 100) can take lower by more than rounding along its
 * flat directions: there L-BFGS goes on, as before (45 of 260 descents) */
#define WELL_GAP 1e-6

/* Whether a descent from the other well's bottom along the line (NLL
 * fb, gradient g there) is predicted to stay above the kept minimum f0:
 * fb less the decrease this fit's final BFGS inverse metric predicts,
 * g'Hg / 2 (a variable it holds on a bound counted with the unit
 * metric), still above f0.  0 (descend) where the fit made no BFGS
 * descent.  On the 1Lbb grid (--explain, every non-monotonic histosys
 * flagged) it spares 20 of the 26 descents, each of which, run, ended
 * higher (0.04 to 2.0 above f0 after the prediction); of the 6 it lets
 * through, 3 take fits to lower minima (JES_EffectiveNP_Modelling1:
 * fb - f0 0.016 to 0.056, predicted decreases 0.043 to 0.079), one to
 * the lower well another line had already reached, 2 end higher
 * (bench/RESULTS.md). */
static int well_higher(const fit_ctx *c, double fb, const double *g,
                       double f0)
{
    if (!c->mt || !c->metric_h)
        return 0;
    int n = c->n;
    const double *H = c->mt->bw.H;
    double q = 0;
    for (int a = 0; a < n; a++) {
        if (!(H[(size_t)a * n + a] > 0)) {
            q += g[a] * g[a];
            continue;
        }
        double r = 0;
        for (int b = 0; b < n; b++)
            r += H[(size_t)b * n + b] > 0 ? H[(size_t)a * n + b] * g[b] : 0;
        q += g[a] * r;
    }
    return fb - 0.5 * q > f0;
}

/* The descent of other_wells from yt (NLL fb, gradient gl there: from
 * well_line) with fit/'s BFGS from this fit's own final metric
 * (well_metric), to warm.c's convergence test (the gradient's, and the
 * decrease the metric predicts within WELL_NEWTON_TOL of it).  WELL_DONE:
 * converged at (y, *fo), made the best point where lower than c's, and
 * either lower than the kept minimum f0 (hffit_lower) or above it by more
 * than WELL_GAP.  WELL_FAILED (also: no such metric, a fit from the
 * identity or without warm.c's BFGS): y is where it stopped, for L-BFGS
 * to go on from.  L-BFGS from yt has no curvature to start with: on the
 * 273 sbottom/staus upper limits the 215 descents this decides took 2,614
 * evaluations against L-BFGS's 6,410 (each other well a genuine minimum
 * 0.04-0.12 above f0), with the same decision in 214 and a lower minimum
 * in the other (bench/RESULTS.md). */
static int well_descent(fit_ctx *c, well_work *d, const double *yt,
                        double fb, const double *gl, double f0, double tol,
                        double *y, double *fo)
{
    int n = c->n;
    memcpy(y, yt, n * sizeof *y);
    if (!c->warm_h || !(fb < NLL_UNDEFINED) || !well_metric(c, d))
        return WELL_FAILED;
    for (int k = 0; k < n; k++)
        c->x[c->idx[k]] = yt[k] * c->w[k];
    memcpy(d->x, c->x, hf_model_npars(c->m) * sizeof *d->x);
    hf_bfgs_problem p = {c->m, c->data, n, c->idx, c->width, tol, 100 + n, 1};
    hf_bfgs_work *w = &d->bw;
    w->start_y = yt;
    w->start_g = gl;
    w->start_f = fb;
    long nev = 0;
    double tnll = NAN;
    int rc = hffit_bfgs_newton(&p, WELL_NEWTON_TOL * tol, d->H0, d->x, d->x,
                               &tnll, &nev, w);
    c->nevals += (int)nev;
    w->start_y = NULL;
    *fo = 0.5 * tnll;
    if (!isfinite(*fo))
        return WELL_FAILED;
    for (int k = 0; k < n; k++) {
        double v = w->y[k];
        y[k] = v < c->lo[k] ? c->lo[k] : v > c->hi[k] ? c->hi[k] : v;
    }
    if (*fo < c->fbest) {
        c->fbest = *fo;
        memcpy(c->ybest, y, n * sizeof *y);
        memcpy(c->gbest, w->g, n * sizeof *y);
    }
    double scale = fabs(f0) > 1 ? fabs(f0) : 1;
    int clear = hffit_lower(*fo, f0) || *fo > f0 + WELL_GAP * scale;
    return rc == HF_OK && clear ? WELL_DONE : WELL_FAILED;
}

/* The other well of each two-well histosys parameter (hfmodel_twowell):
 * the minimum found at alpha = a may have a lower twin on the other side
 * of the yield's turning point, which a descent from the inits never sees.
 * The rule (the same for every fit, so deterministic): for each such
 * parameter with |a| >= 0.05, the bottom of the other well along that
 * parameter alone (well_line: at most 6 evaluations from -a); where the
 * line finds one (it does not slide back across 0), a full descent from
 * it, kept if lower: with the other parameters profiled the far well can
 * be the lower one even where its bottom along the line is higher
 * (a free fit whose POI moves from 1.8 to 4.6 on the way there).
 * (A single evaluation at -a missed the lower well of the mu = 1 fit of
 * tests/pyhf/ambiguous.json, which lies between -a and a; a descent from
 * every twin within one unit of NLL multiplied the evaluations of a 1Lbb
 * hypotest by 14 and never found a lower minimum there.  On the shared
 * real workspaces the line slides back after 1-2 evaluations.)
 * Returns non-zero when a descent is needed from c->ybest. */
static int other_wells(fit_ctx *c, nlopt_opt o, double *y, double tol,
                       int max_evals)
{
    int npars = hf_model_npars(c->m), n = c->n, moved = 0;
    unsigned char *flag = malloc(npars ? npars : 1);
    double *yt = malloc(5 * (size_t)(n ? n : 1) * sizeof *yt);
    well_work wd = {0};
    if (!flag || !yt || hfmodel_twowell(c->m, flag) == 0)
        goto done;
    double *save = yt + n, *g = yt + 3 * n, *gl = yt + 4 * n;
    for (int k = 0; k < n && c->nevals < max_evals; k++) {
        double a = c->ybest[k] * c->w[k];
        if (!flag[c->idx[k]] || fabs(a) < 0.05 || -a < c->lo[k] * c->w[k] ||
            -a > c->hi[k] * c->w[k])
            continue;
        double f0 = c->fbest;
        memcpy(save, c->ybest, n * sizeof *save);
        memcpy(save + n, c->gbest, n * sizeof *save);
        memcpy(yt, c->ybest, n * sizeof *yt);
        yt[k] = -a / c->w[k];
        if (line_back(c, &wd, yt, k, g, gl))
            continue;
        wd.lm_at = 0; /* c->work is the evaluations' from here */
        yt[k] = -a / c->w[k];
        int back;
        double fb = well_line(c, yt, k, c->ybest[k], g, gl, &back, NULL);
        if (c->fbest < f0) {
            moved = 1; /* already lower: descend from there */
            continue;
        }
        if (back)
            continue;
        double fo;
        if (well_higher(c, fb, gl, f0))
            continue;
        int wr = well_descent(c, &wd, yt, fb, gl, f0, tol, y, &fo);
        if (wr == WELL_FAILED) { /* L-BFGS on from the BFGS's end */
            nlopt_set_maxeval(o, max_evals > c->nevals ? max_evals - c->nevals
                                                       : 1);
            nlopt_optimize(o, y, &fo);
        }
        int lower = hffit_lower(c->fbest, f0);
        twin(c, y, fo, save, f0, lower);
        /* kept only if lower by more than rounding (else the converged
         * minimum stays best) */
        if (lower) {
            moved = 1;
        } else {
            c->fbest = f0;
            memcpy(c->ybest, save, n * sizeof *save);
            memcpy(c->gbest, save + n, n * sizeof *save);
        }
    }
done:
    free(flag);
    free(yt);
    well_work_free(&wd);
    return moved;
}

/* Where the gradient test passed: a minimum, or a saddle (fit/converge.c)?
 * The Hessian on every free parameter off its bounds, exact (no
 * evaluations), in every fit.  (Checking only the coordinates a descent
 * cannot move, by Lanczos, cost +7 to +23% of a hypotest but missed
 * saddles along the others; differences over every free parameter cost
 * 5 to 16 times the evaluations: bench/RESULTS.md.)
 * From a saddle, a descent from a tenth of a width either way along the
 * direction of negative curvature (the lower side kept), the other wells
 * looked at, then the check again; at most 3 times.  Returns the last
 * HFFIT_* verdict. */
static int leave_saddle(fit_ctx *c, nlopt_opt o, double *y, double tol,
                        int max_evals)
{
    int n = c->n, npars = hf_model_npars(c->m), verdict = HFFIT_UNKNOWN;
    int *act = malloc((n ? n : 1) * sizeof *act), *idx = malloc((n ? n : 1) * sizeof *idx);
    double *w = malloc(3 * (size_t)(n ? n : 1) * sizeof *w);
    double *x = malloc((npars ? npars : 1) * sizeof *x);
    if (!act || !idx || !w || !x)
        goto out;
    double *dir = w + n, *yt = w + 2 * n;
    for (int round = 0; round < 3 && c->nevals < max_evals; round++) {
        int na = off_bounds(c, act, idx, w, x);
        verdict = hffit_curvature_ex(c->m, c->data, x, na, idx, w, dir,
                                     &c->nevals, c->check);
        if (verdict != HFFIT_SADDLE)
            break;
        double f0 = c->fbest, fbest = INFINITY;
        for (int side = -1; side <= 1; side += 2) {
            memcpy(yt, c->ybest, n * sizeof *yt);
            for (int a = 0; a < na; a++) {
                int k = act[a];
                double v = c->ybest[k] + side * 0.1 * dir[a];
                yt[k] = v < c->lo[k] ? c->lo[k] : v > c->hi[k] ? c->hi[k] : v;
            }
            double f = eval(c, yt, NULL);
            if (f < fbest) {
                fbest = f;
                memcpy(y, yt, n * sizeof *y);
            }
        }
        if (!(fbest < f0)) /* no way down: the negative curvature is noise */
            break;
        nlopt_set_maxeval(o, max_evals > c->nevals ? max_evals - c->nevals : 1);
        double fo;
        nlopt_optimize(o, y, &fo);
        descend(c, o, y, tol, max_evals);
        /* the side a tenth of a width away is lower, its well need not
         * be: the saddle sat on the ridge between two wells
         * (tests/pyhf/saddle_cr.json) */
        if (fit_converged(c, tol, max_evals) &&
            other_wells(c, o, y, tol, max_evals))
            descend(c, o, y, tol, max_evals);
    }
out:
    free(act);
    free(idx);
    free(w);
    free(x);
    return verdict;
}
/* Says why the NLL is not finite where a fit starts: names the first bin
 * whose expected yield cannot carry its observed count. */
static int not_finite(const hf_model *m, const double *data, const double *x,
                      int fix_poi, int poi, double *work, hf_error *err)
{
    char what[96] = "";
    if (fix_poi && poi >= 0)
        snprintf(what, sizeof what, " with %s fixed to %g", hf_model_par_name(m, poi),
                 x[poi]);
    int nmain = hf_model_nmain(m);
    double *lam = malloc(sizeof(double) * (nmain ? nmain : 1));
    if (lam) {
        hf_model_expected(m, x, lam, work);
        for (int c = 0; c < hf_model_nchannels(m); c++) {
            int off = hf_model_channel_offset(m, c);
            for (int b = 0; b < hf_model_channel_nbins(m, c); b++) {
                double l = lam[off + b], n = data[off + b];
                if (!(l > 0 || (l == 0 && n == 0))) {
                    int rc = hfcore_error_set(err, HF_ERR_NUMERIC,
                                          "fit%s: the likelihood is zero at the start point: "
                                          "channel '%s' bin %d expects %g events and has %g "
                                          "observed",
                                          what, hf_model_channel_name(m, c), b, l, n);
                    free(lam);
                    return rc;
                }
            }
        }
        free(lam);
    }
    return hfcore_error_set(err, HF_ERR_NUMERIC,
                        "fit%s: the NLL is not finite at the start point", what);
}

/* The buffers of one fit: 13 npars doubles in one allocation (plus the
 * model's work space when the caller gives none) and the map from the
 * optimiser's variables to the parameters. */
typedef struct fit_bufs {
    double *buf;
    int *idx;
    double *w, *lo, *hi, *y, *wfull;
} fit_bufs;

static int fit_alloc(fit_ctx *c, fit_bufs *b, const hf_model *m,
                     const double *data, double *work)
{
    int npars = hf_model_npars(m);
    size_t nbuf = 13 * (size_t)npars + (work ? 0 : hf_model_work_size(m));
    b->buf = malloc(nbuf * sizeof *b->buf);
    b->idx = malloc((npars ? npars : 1) * sizeof *b->idx);
    if (!b->buf || !b->idx) {
        free(b->buf);
        free(b->idx);
        return HF_ERR_NOMEM;
    }
    double *buf = b->buf;
    c->m = m;
    c->data = data;
    c->x = buf;
    c->g = buf + npars;
    b->w = buf + 2 * npars;
    b->lo = buf + 3 * npars;
    b->hi = buf + 4 * npars;
    b->y = buf + 5 * npars;
    b->wfull = buf + 6 * npars;
    c->ybest = buf + 7 * npars;
    c->gbest = buf + 8 * npars;
    for (int i = 0; i < 2; i++)
        c->kept[i] = (fit_seen){buf + (9 + 2 * i) * (size_t)npars,
                                buf + (10 + 2 * i) * (size_t)npars, 0, NULL, 0};
    c->work = work ? work : buf + 13 * npars;
    return HF_OK;
}

/* A start value outside its bounds: the workspace's own init (or
 * default) is bad input; a start point from the caller is a bad
 * argument. */
static int bad_start(const hf_model *m, int i, double v, hf_error *err)
{
    const double *lower = hf_model_lower(m), *upper = hf_model_upper(m);
    if (v == hf_model_inits(m)[i] || !(lower[i] <= upper[i]))
        return hfcore_error_set(err, HF_ERR_INVALID,
                                "%s: parameter %s: its init %g lies "
                                "outside its bounds [%g, %g] (pyhf "
                                "refuses it too)",
                                hfmodel_params_path(m),
                                hf_model_par_name(m, i), v, lower[i],
                                upper[i]);
    return hfcore_error_set(err, HF_ERR_ARG,
                            "fit: initial value %g of parameter %s lies "
                            "outside its bounds [%g, %g]",
                            v, hf_model_par_name(m, i), lower[i], upper[i]);
}

/* The start point into c->x (the POI set when fixed) and the free
 * parameters as the optimiser's variables: index, width, bounds and start
 * in width units. */
static int set_variables(fit_ctx *c, fit_bufs *b, const double *init,
                         int fix_poi, double poi_value, const double *width,
                         hf_error *err)
{
    const hf_model *m = c->m;
    int npars = hf_model_npars(m), poi = hf_model_poi(m), n = 0;
    const double *lower = hf_model_lower(m), *upper = hf_model_upper(m);
    const unsigned char *fixed = hf_model_fixed(m);
    memcpy(c->x, init, npars * sizeof *c->x);
    if (fix_poi)
        c->x[poi] = poi_value;
    for (int i = 0; i < npars; i++) {
        if (fixed[i] || (fix_poi && i == poi))
            continue;
        if (!(c->x[i] >= lower[i] && c->x[i] <= upper[i]))
            return bad_start(m, i, c->x[i], err);
        b->idx[n] = i;
        b->w[n] = width[i];
        b->lo[n] = lower[i] / b->w[n];
        b->hi[n] = upper[i] / b->w[n];
        b->y[n] = c->x[i] / b->w[n];
        n++;
    }
    c->idx = b->idx;
    c->w = b->w;
    c->lo = b->lo;
    c->hi = b->hi;
    c->n = n;
    c->fbest = INFINITY;
    c->twin_poi = NAN;
    return HF_OK;
}

/* The NLL at the start point.  No fit starts where the likelihood is
 * zero (a warm start with a normfactor at 0 that the data need, e.g. from
 * a fit to a control region without events): the model's inits instead. */
static int start_eval(fit_ctx *c, double *y, const double *init,
                      int fix_poi, hf_error *err)
{
    const hf_model *m = c->m;
    const double *lower = hf_model_lower(m), *upper = hf_model_upper(m);
    eval(c, y, NULL);
    if (!isfinite(c->fbest) && init != hf_model_inits(m)) {
        const double *inits = hf_model_inits(m);
        for (int k = 0; k < c->n; k++) {
            int i = c->idx[k];
            if (inits[i] >= lower[i] && inits[i] <= upper[i])
                y[k] = inits[i] / c->w[k];
        }
        eval(c, y, NULL);
    }
    if (!isfinite(c->fbest))
        return not_finite(m, c->data, c->x, fix_poi, hf_model_poi(m),
                          c->work, err);
    return HF_OK;
}

/* After the first descent: a fit stalled at kinks is polished, and the
 * other wells and sides of the kinked parameters are looked at. */
static nlopt_result other_minima(fit_ctx *c, nlopt_opt o, fit_bufs *b,
                                 double tol, int max_evals, nlopt_result nr)
{
    double *y = b->y;
    if (!converged(c, tol) && c->nevals < max_evals)
        polish_kinks(c, o, y, b->lo, b->hi, tol, max_evals);
    if (HFFIT_ROBUST && fit_converged(c, tol, max_evals) &&
        other_wells(c, o, y, tol, max_evals))
        nr = descend(c, o, y, tol, max_evals);
    if (fit_converged(c, tol, max_evals) && other_sides(c, o, y, max_evals)) {
        nr = descend(c, o, y, tol, max_evals);
        if (!converged(c, tol) && c->nevals < max_evals)
            polish_kinks(c, o, y, b->lo, b->hi, tol, max_evals);
    }
    return nr;
}

/* The gradient test passed: is the curvature there what it assumes?
 * Where not, descend further (a Newton step, L-BFGS), up to 4 times.
 * *flat is set when the NLL is still measurably above its minimum;
 * *curv is the whole-Hessian check's verdict at the point the fit ends
 * at where it is not flat (HFFIT_UNKNOWN: not made). */
static nlopt_result settle_flat(fit_ctx *c, nlopt_opt o, double *y,
                                double tol, int max_evals, nlopt_result nr,
                                int *flat, int *curv)
{
    *flat = 0;
    *curv = HFFIT_UNKNOWN;
    for (int r = 0; r < 4 && converged(c, tol); r++) {
        double scale = fabs(c->fbest) > 1 ? fabs(c->fbest) : 1;
        *flat = flat_exact(c, tol, curv) > tol * scale;
        if (!*flat || c->nevals >= max_evals)
            break;
        *curv = HFFIT_UNKNOWN; /* the point moves on */
        memcpy(y, c->ybest, c->n * sizeof *y);
        newton_step(c, y);
        nr = descend(c, o, y, tol, max_evals);
    }
    if (*flat)
        *curv = HFFIT_UNKNOWN;
    return nr;
}

/* With a metric, fit/'s BFGS first (warm.c), from c->x, the point of the
 * last evaluation; its end point becomes the best so far (the NLL and
 * gradient there are its own).  1 when that passes the convergence test. */
static int warm_descent(fit_ctx *c, double tol)
{
    long nev = 0;
    double f = NAN;
    hf_bfgs_work *w = &c->mt->bw;
    const fit_seen *s = &c->kept[0]; /* start_eval's, at c->x */
    w->start_y = s->have && s->m == c->m ? s->y : NULL;
    w->start_g = s->g;
    w->start_f = s->f;
    w->start_taken = 0;
    int rc = hffit_metric_descend(c->mt, c->m, c->data, c->n, c->idx,
                                  c->width, c->fix_poi, c->identity, tol,
                                  c->x, &f, &nev);
    w->start_y = NULL;
    c->metric_h = nev > 0 || w->start_taken;
    c->warm_h = !c->identity && c->metric_h;
    c->nevals += (int)nev + w->start_taken; /* see nfree */
    c->nfree += w->start_taken;
    /* it did not move (also NaN): converged only where the BFGS found
     * its start converged.  Before, such a start went on to hffit_ex's
     * descent, which took 7-30 evaluations to confirm it: with --explain
     * the sbottom and staus patches' free fits took 2,542 and 1,089
     * evaluations, now 1,476 and 877 (bench/RESULTS.md). */
    if (!(f < c->fbest))
        return rc == HF_OK && nev == 0 && f == c->fbest && converged(c, tol);
    c->fbest = f;
    for (int k = 0; k < c->n; k++) {
        double v = w->y[k]; /* a step rounds a hair past a bound: put back */
        c->ybest[k] = v < c->lo[k] ? c->lo[k] : v > c->hi[k] ? c->hi[k] : v;
        c->gbest[k] = w->g[k];
    }
    return rc == HF_OK && converged(c, tol);
}

/* The minimisation proper, from the start point in b->y: L-BFGS with
 * restarts and Newton steps (after a BFGS with a metric, if any), the
 * other minima, the curvature check.
 * Sets res->converged; HF_ERR_FIT (with the message) when it fails. */
static int minimize(fit_ctx *c, fit_bufs *b, double tol, int max_evals,
                    hf_fit_result *res, hf_error *err)
{
    int n = c->n, flat;
    nlopt_opt o = nlopt_create(NLOPT_LD_LBFGS, n);
    if (!o)
        return hfcore_error_set(err, HF_ERR_NOMEM, "fit: out of memory");
    nlopt_set_lower_bounds(o, b->lo);
    nlopt_set_upper_bounds(o, b->hi);
    nlopt_set_min_objective(o, objective, c);
    nlopt_set_ftol_rel(o, tol * 1e-2);
    /* A memory as long as the problem (up to a point) halved the
     * evaluations of a hypothesis test against NLopt's default of 10-20. */
    nlopt_set_vector_storage(o, n < HFFIT_LBFGS_MEMORY ? n : HFFIT_LBFGS_MEMORY);
    nlopt_result nr = NLOPT_SUCCESS;
    c->o = o;
    if (!(c->mt && warm_descent(c, tol))) {
        two_starts(c, o, b->y, b->lo, b->hi, tol, max_evals);
        nr = descend(c, o, b->y, tol, max_evals);
    }
    if (c->near) { /* hffit_probe: the descent alone */
        nlopt_destroy(o);
        res->converged = converged(c, tol);
        return HF_OK;
    }
    nr = other_minima(c, o, b, tol, max_evals, nr);
    int curv;
    nr = settle_flat(c, o, b->y, tol, max_evals, nr, &flat, &curv);
    /* a minimum settle_flat's check found stands: the same point */
    if (!flat && curv != HFFIT_MINIMUM && fit_converged(c, tol, max_evals))
        curv = leave_saddle(c, o, b->y, tol, max_evals);
    nlopt_destroy(o);
    res->converged = fit_converged(c, tol, max_evals) && !flat && curv != HFFIT_SADDLE;
    if (!res->converged)
        return hfcore_error_set(err, HF_ERR_FIT,
                                "fit: no convergence after %d evaluations "
                                "(NLopt status %d, projected gradient %.3g%s)",
                                c->nevals - c->nfree, (int)nr,
                                sqrt(projected_gradient2(c, c->ybest, c->gbest)),
                                curv == HFFIT_SADDLE
                                    ? "; a saddle point: the Hessian on the free "
                                      "parameters is not positive definite"
                                    : "");
    return HF_OK;
}

/* A fit that ended short may have its minimum on an empty bin's zero
 * yield, where eval() walls it in (edge.c): hffit_edge from the best
 * point; its result replaces this one only where it converged. */
static int edge_finish(const hf_model *m, const double *data, int fix_poi,
                       double poi_value, const hf_fit_options *opt,
                       const double *width, const double *best,
                       double *pars, hf_fit_result *res, int rc)
{
    hf_fit_result er;
    hf_error eerr;
    double *ep = malloc(hf_model_npars(m) * sizeof *ep + 1);
    if (!ep)
        return rc;
    if (hffit_edge(m, data, best, fix_poi, poi_value, opt, width, ep, &er,
                   &eerr) == HF_OK) {
        memcpy(pars, ep, hf_model_npars(m) * sizeof *ep);
        res->twice_nll = er.twice_nll;
        res->converged = 1;
        rc = HF_OK;
    }
    res->nevals += er.nevals;
    free(ep);
    return rc;
}

/* The metric a fit starts its BFGS with: mt where hffit_metric_usable
 * says so; else NULL (hffit_ex's path), except that a fixed-POI fit the
 * kept metric does not describe still starts fit/'s BFGS, from the
 * identity (*identity set), where the caller asks (mt->identity).
 * NLopt's L-BFGS spends as much on its own algebra as on the evaluations
 * there, its memory of up to 200 pairs O(m n) a step in scalar code (a
 * third of a 1Lbb hypotest's instructions where q > WARM_QMAX), against
 * the BFGS's O(n^2) vectorised; a shorter memory took more evaluations
 * for no gain (bench/RESULTS.md).  The path changes, and with it, where a
 * fit has two wells, the well it may end in.  ROOT's kinked codes keep
 * hffit_ex's path. */
static hffit_metric *warm_metric(const hf_model *m, hffit_metric *mt,
                                 const double *init, int fix_poi,
                                 double poi_value, const double *width,
                                 int *identity)
{
    *identity = 0;
    if (!mt || hffit_metric_usable(mt, init, fix_poi, poi_value, width,
                                   hf_model_poi(m)))
        return mt;
    *identity = fix_poi && mt->identity && !mt->kinked;
    return *identity ? mt : NULL;
}

/* One fit: from mt's metric where given and usable; with near, the
 * descent alone (hffit_probe); every converged fit checks the whole
 * Hessian (leave_saddle). */
static int warm_run(const hf_model *m, const double *data, const double *init,
                    int fix_poi, double poi_value, const hf_fit_options *opt,
                    const double *width, double *work, hffit_metric *mt,
                    hffit_near *near, double *pars, hf_fit_result *res,
                    hf_error *err)
{
    hf_fit_options defaults;
    if (!opt) {
        hf_fit_options_init(&defaults);
        opt = &defaults;
    }
    double tol = opt->tolerance > 0 ? opt->tolerance : 1e-10;
    int npars = hf_model_npars(m);
    if (!init)
        init = hf_model_inits(m);
    res->twice_nll = NAN;
    res->converged = 0;
    res->nevals = 0;
    res->twin_poi = NAN;
    if (fix_poi && hf_model_poi(m) < 0)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "fit: the model has no POI to fix");

    fit_ctx c = {0};
    fit_bufs b;
    if (fit_alloc(&c, &b, m, data, work) != HF_OK)
        return hfcore_error_set(err, HF_ERR_NOMEM, "fit: out of memory");
    if (!width) {
        hffit_widths(m, b.wfull);
        width = b.wfull;
    }
    c.check = mt ? &mt->check : NULL; /* whether or not its metric serves */
    c.mt = warm_metric(m, mt, init, fix_poi, poi_value, width, &c.identity);
    c.width = width;
    c.fix_poi = fix_poi;
    c.near = near;
    int rc = set_variables(&c, &b, init, fix_poi, poi_value, width, err);
    if (rc == HF_OK)
        rc = start_eval(&c, b.y, init, fix_poi, err);
    if (rc != HF_OK) {
        memcpy(pars, c.x, npars * sizeof *pars);
        goto out;
    }
    int max_evals = opt->max_evals > 0 ? opt->max_evals : 1000 + 50 * c.n;
    if (c.n == 0)
        res->converged = 1;
    else
        rc = minimize(&c, &b, tol, max_evals, res, err);
    if (rc != HF_OK && rc != HF_ERR_FIT) { /* out of memory */
        memcpy(pars, c.x, npars * sizeof *pars);
        goto out;
    }
    for (int k = 0; k < c.n; k++)
        c.x[c.idx[k]] = c.ybest[k] * c.w[k];
    memcpy(pars, c.x, npars * sizeof *pars);
    res->twice_nll = 2 * c.fbest;
    res->twin_poi = c.twin_poi;
    if (rc == HF_ERR_FIT)
        rc = edge_finish(m, data, fix_poi, poi_value, opt, width, c.x, pars,
                         res, rc);
out:
    res->nevals += c.nevals - c.nfree;
    free(b.buf);
    free(b.idx);
    return rc;
}

/* hffit_ex from a metric (fit/warm.c); the Hessian check as hffit_ex's. */
int hffit_warm(const hf_model *m, const double *data, const double *init,
               int fix_poi, double poi_value, const hf_fit_options *opt,
               const double *width, double *work, hffit_metric *mt,
               double *pars, hf_fit_result *res, hf_error *err)
{
    if (mt)
        mt->fixed_final = 0; /* until this fit's BFGS says */
    int rc = warm_run(m, data, init, fix_poi, poi_value, opt, width, work,
                      mt, NULL, pars, res, err);
    if (rc == HF_OK) /* the gamma rule (gamma.c) */
        hffit_gamma_retry(m, data, fix_poi, poi_value, opt, width, work, pars,
                          res);
    return rc;
}

int hffit_probe(const hf_model *m, const double *data, const double *init,
                double poi_value, const hf_fit_options *opt,
                const double *width, double *work, hffit_near *near,
                double *pars, hf_fit_result *res, hf_error *err)
{
    near->reached = 0;
    return warm_run(m, data, init, 1, poi_value, opt, width, work, NULL,
                    near, pars, res, err);
}

int hffit_once(const hf_model *m, const double *data, const double *init,
               int fix_poi, double poi_value, const hf_fit_options *opt,
               const double *width, double *work, double *pars,
               hf_fit_result *res, hf_error *err)
{
    return warm_run(m, data, init, fix_poi, poi_value, opt, width, work, NULL,
                    NULL, pars, res, err);
}

/* A fit, then the gamma rule (gamma.c) on a converged one. */
int hffit_ex(const hf_model *m, const double *data, const double *init,
              int fix_poi, double poi_value, const hf_fit_options *opt,
              const double *width, double *work, double *pars,
              hf_fit_result *res, hf_error *err)
{
    int rc = hffit_once(m, data, init, fix_poi, poi_value, opt, width, work,
                        pars, res, err);
    if (rc == HF_OK)
        hffit_gamma_retry(m, data, fix_poi, poi_value, opt, width, work, pars,
                          res);
    return rc;
}

int hf_fit(const hf_model *m, const double *data, const double *init,
           int fix_poi, double poi_value, const hf_fit_options *opt,
           double *pars, hf_fit_result *res, hf_error *err)
{
    if (!m || !data || !pars || !res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_fit: NULL argument (m, data, pars, res may not be NULL)");
    int rc = hffit_options_check(opt, err);
    if (rc != HF_OK)
        return rc;
    return hfcore_error_blame(hfmodel_source(m),
                              hffit_ex(m, data, init, fix_poi, poi_value, opt,
                                       NULL, NULL, pars, res, err),
                              err);
}
