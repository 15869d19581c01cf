/*
 * edge.c - fits whose minimum lies on the edge of the model's domain,
 * where the expected yield of a bin without observed events reaches zero.
 *
 * The Poisson term of a bin with n = 0 is lam itself: it pulls lam
 * towards zero, and with extrapolated systematics and normfactors
 * lam(theta) can cross zero, where pyhf's logpdf stays finite (-lam) and
 * falls without bound.  Those points are no probability model, so fit/
 * keeps its fits where every yield is >= 0 (mle.c, bfgs.c: the model is
 * undefined there).  Then the minimum of a pseudo-experiment with an
 * empty bin can lie on the surface lam_b(theta) = 0, where the gradient
 * does not vanish and a box-bounded quasi-Newton descent ends short of it
 * in a failed line search (1Lbb: a quarter of the background-only toys
 * at mu = 1).  hffit_edge finishes such a fit with NLopt's SLSQP (Kraft's
 * sequential quadratic programming, as scipy's SLSQP, pyhf's default
 * minimizer) under the constraints lam_b >= 0 of the empty bins, and
 * judges it by the Karush-Kuhn-Tucker conditions instead of the plain
 * projected gradient.
 */
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "fit.h"
#include "hf/hfmodel.h"

/* At most this many empty bins are constrained (those nearest zero):
 * each costs one gradient evaluation per point. */
enum { EDGE_MAX_BINS = 16 };

typedef struct edge_ctx {
    const hf_model *m;
    const double *data;
    double *x, *g, *ga, *lamall, *work;
    const int *idx;
    const double *w;
    int n, nbins, nevals;
    int bins[EDGE_MAX_BINS];
    double lam[EDGE_MAX_BINS];
    double *agrad;        /* nbins x n: d lam_b / d y, at `at` */
    double *at;           /* the point the cache holds (n) */
    int cached, have_agrad;
} edge_ctx;

/* NLL, its gradient (width units) and the empty bins' yields at y. */
static double edge_eval(edge_ctx *c, const double *y, double *grad)
{
    for (int k = 0; k < c->n; k++)
        c->x[c->idx[k]] = y[k] * c->w[k];
    double f = hf_model_nll(c->m, c->x, c->data, c->g, c->work);
    c->nevals++;
    hf_model_expected(c->m, c->x, c->lamall, c->work);
    for (int j = 0; j < c->nbins; j++)
        c->lam[j] = c->lamall[c->bins[j]];
    memcpy(c->at, y, c->n * sizeof *y);
    c->cached = 1;
    c->have_agrad = 0;
    if (grad)
        for (int k = 0; k < c->n; k++)
            grad[k] = c->g[c->idx[k]] * c->w[k];
    return isfinite(f) ? f : HUGE_VAL;
}

/* d lam_b / d y for every constrained bin, from hf/'s backward pass
 * with the weight 1 on bin b alone (exact, and defined at lam_b = 0). */
static void edge_agrad(edge_ctx *c)
{
    for (int j = 0; j < c->nbins; j++) {
        double *a = c->agrad + (size_t)j * c->n;
        hfmodel_yield_gradient(c->m, c->x, c->bins[j], c->ga, c->work);
        c->nevals++;
        for (int k = 0; k < c->n; k++)
            a[k] = c->ga[c->idx[k]] * c->w[k];
    }
    c->have_agrad = 1;
}

static double edge_objective(unsigned n, const double *y, double *grad,
                             void *p)
{
    (void)n;
    return edge_eval(p, y, grad);
}

/* lam_b >= 0 as NLopt's c(y) <= 0; p points at the bin's slot. */
typedef struct edge_con {
    edge_ctx *c;
    int j;
} edge_con;

static double edge_constraint(unsigned n, const double *y, double *grad,
                              void *p)
{
    edge_con *ec = p;
    edge_ctx *c = ec->c;
    if (!c->cached || memcmp(c->at, y, n * sizeof *y) != 0)
        edge_eval(c, y, NULL);
    if (grad) {
        if (!c->have_agrad)
            edge_agrad(c);
        const double *a = c->agrad + (size_t)ec->j * n;
        for (unsigned k = 0; k < n; k++)
            grad[k] = -a[k];
    }
    return -c->lam[ec->j];
}

/* The Karush-Kuhn-Tucker test at c->at (evaluated, f its NLL): with the
 * variables held at a bound (gradient pointing out) left out, the
 * gradient must be nu . grad(lam_b) over the empty bins at zero with
 * every nu_b >= 0, to within hf_fit's tolerance on the residual, and
 * what the active yields could still give, sum nu_b |lam_b|, too.
 * Returns the residual's norm (negative: the test passed). */
static double edge_kkt(edge_ctx *c, const double *lo, const double *hi,
                       double f, double tol)
{
    int n = c->n, act[EDGE_MAX_BINS], K = 0, nr = 0;
    double scale = fabs(f) > 1 ? fabs(f) : 1;
    if (!c->have_agrad)
        edge_agrad(c);
    for (int j = 0; j < c->nbins; j++)
        if (c->lam[j] < 1e-6)
            act[K++] = j;
    int *row = malloc((n ? n : 1) * sizeof *row);
    double *r = malloc((n ? n : 1) * sizeof *r);
    if (!row || !r) {
        free(row);
        free(r);
        return INFINITY;
    }
    /* nu from the variables inside their bounds; those on a bound are
     * checked after, on the residual */
    for (int k = 0; k < n; k++) {
        if (c->at[k] <= lo[k] || c->at[k] >= hi[k])
            continue;
        row[nr] = k;
        r[nr++] = c->g[c->idx[k]] * c->w[k];
    }
    double nu[EDGE_MAX_BINS] = {0}, gain = 0;
    int ok = 1;
    if (K > 0 && nr >= K) {
        gsl_matrix *A = gsl_matrix_alloc(nr, K);
        gsl_vector *tau = gsl_vector_alloc(K), *b = gsl_vector_alloc(nr);
        gsl_vector *sol = gsl_vector_alloc(K), *res = gsl_vector_alloc(nr);
        if (A && tau && b && sol && res) {
            for (int i = 0; i < nr; i++) {
                gsl_vector_set(b, i, r[i]);
                for (int j = 0; j < K; j++)
                    gsl_matrix_set(A, i, j,
                                   c->agrad[(size_t)act[j] * n + row[i]]);
            }
            if (gsl_linalg_QR_decomp(A, tau) == GSL_SUCCESS &&
                gsl_linalg_QR_lssolve(A, tau, b, sol, res) == GSL_SUCCESS) {
                for (int j = 0; j < K; j++)
                    nu[j] = gsl_vector_get(sol, j);
                for (int i = 0; i < nr; i++)
                    r[i] = gsl_vector_get(res, i);
            } else {
                ok = 0;
            }
        } else {
            ok = 0;
        }
        gsl_matrix_free(A);
        gsl_vector_free(tau);
        gsl_vector_free(b);
        gsl_vector_free(sol);
        gsl_vector_free(res);
    }
    double r2 = 0;
    for (int i = 0; i < nr; i++)
        r2 += r[i] * r[i];
    for (int k = 0; k < n; k++) {
        if (!(c->at[k] <= lo[k] || c->at[k] >= hi[k]))
            continue;
        double rk = c->g[c->idx[k]] * c->w[k];
        for (int j = 0; j < K; j++)
            rk -= nu[j] * c->agrad[(size_t)act[j] * n + k];
        if ((c->at[k] <= lo[k] && rk < 0) || (c->at[k] >= hi[k] && rk > 0))
            r2 += rk * rk; /* pushes inwards: not at a minimum */
    }
    for (int j = 0; j < K; j++) {
        if (nu[j] < 0)
            ok = 0;
        gain += fabs(nu[j] * c->lam[act[j]]);
    }
    free(row);
    free(r);
    ok = ok && 0.5 * r2 <= tol * scale && gain <= tol * scale;
    return ok ? -1 : sqrt(r2) + gain;
}

/* The empty bins to constrain, nearest zero at x first (c->lamall holds
 * the yields at x); returns how many. */
static int edge_bins(edge_ctx *c, const double *data)
{
    int nmain = hf_model_nmain(c->m);
    c->nbins = 0;
    for (int b = 0; b < nmain; b++) {
        if (data[b] != 0)
            continue;
        int j = c->nbins;
        if (j == EDGE_MAX_BINS) {
            if (c->lamall[b] >= c->lamall[c->bins[j - 1]])
                continue;
            j--; /* the largest of the full list drops out */
        } else {
            c->nbins++;
        }
        /* insertion by yield */
        while (j > 0 && c->lamall[c->bins[j - 1]] > c->lamall[b]) {
            c->bins[j] = c->bins[j - 1];
            j--;
        }
        c->bins[j] = b;
    }
    return c->nbins;
}

/* The free parameters (all but the fixed ones and fixed_poi, -1: none),
 * in width units: their indices, widths, bounds and start y (c->x clamped
 * into the bounds). */
static void edge_vars(edge_ctx *c, int fixed_poi, const double *width,
                      int *idx, double *w, double *lo, double *hi, double *y)
{
    const double *lower = hf_model_lower(c->m), *upper = hf_model_upper(c->m);
    const unsigned char *fixed = hf_model_fixed(c->m);
    int npars = hf_model_npars(c->m);
    for (int i = 0; i < npars; i++) {
        if (fixed[i] || i == fixed_poi)
            continue;
        idx[c->n] = i;
        w[c->n] = width[i];
        lo[c->n] = lower[i] / w[c->n];
        hi[c->n] = upper[i] / w[c->n];
        double v = c->x[i] / w[c->n];
        y[c->n] = v < lo[c->n] ? lo[c->n] : v > hi[c->n] ? hi[c->n] : v;
        c->n++;
    }
    c->idx = idx;
    c->w = w;
}

/* SLSQP on the free parameters with a constraint lam_b >= 0 per empty bin
 * (con: one slot per bin, kept alive by the caller); NULL when NLopt
 * cannot make it. */
static nlopt_opt edge_optimizer(edge_ctx *c, edge_con *con, const double *lo,
                                const double *hi)
{
    nlopt_opt o = nlopt_create(NLOPT_LD_SLSQP, c->n);
    if (!o)
        return NULL;
    nlopt_set_lower_bounds(o, lo);
    nlopt_set_upper_bounds(o, hi);
    nlopt_set_min_objective(o, edge_objective, c);
    for (int j = 0; j < c->nbins; j++) {
        con[j] = (edge_con){c, j};
        /* NLopt returns the best point that meets the constraints to
         * this tolerance: at 0, rounding (lam_b = -6e-15 on the edge)
         * keeps the minimum from ever counting */
        nlopt_add_inequality_constraint(o, edge_constraint, &con[j], 1e-11);
    }
    /* SLSQP's f-tolerance is also its QP's accuracy: at L-BFGS's 1e-12
     * it stops ~1e-4 away when two empty bins meet zero together */
    nlopt_set_ftol_rel(o, 1e-15);
    return o;
}

/* Minimises from y; *f the NLL there and *kkt the KKT residual (< 0:
 * converged).  SLSQP may stop on its f-tolerance short of the KKT point
 * (its quasi-Newton matrix gone stale): restarts with a fresh one, while
 * they still go down.  NLopt's last status. */
static nlopt_result edge_solve(edge_ctx *c, nlopt_opt o, double *y,
                               const double *lo, const double *hi, double tol,
                               int max_evals, double *f, double *kkt)
{
    double fprev = INFINITY;
    nlopt_result nr = NLOPT_SUCCESS;
    *kkt = INFINITY;
    nlopt_set_maxeval(o, max_evals);
    for (int round = 0; round < 4 && c->nevals < max_evals; round++) {
        nlopt_set_maxeval(o, max_evals - c->nevals);
        nr = nlopt_optimize(o, y, f);
        /* SLSQP stops within rounding (~1e-14) of a bound: on it, so the
         * KKT test sees which bounds hold */
        for (int k = 0; k < c->n; k++) {
            if (y[k] - lo[k] < 1e-10 * (1 + fabs(lo[k])))
                y[k] = lo[k];
            if (hi[k] - y[k] < 1e-10 * (1 + fabs(hi[k])))
                y[k] = hi[k];
        }
        *f = edge_eval(c, y, NULL);
        *kkt = *f < HUGE_VAL ? edge_kkt(c, lo, hi, *f, tol) : INFINITY;
        if (*kkt < 0 || (nr < 0 && nr != NLOPT_ROUNDOFF_LIMITED) ||
            !(*f < fprev))
            break;
        fprev = *f;
    }
    return nr;
}

int hffit_edge(const hf_model *m, const double *data, const double *init,
               int fix_poi, double poi_value, const hf_fit_options *opt,
               const double *width, double *pars, hf_fit_result *res,
               hf_error *err)
{
    double tol = opt && opt->tolerance > 0 ? opt->tolerance : 1e-10;
    int npars = hf_model_npars(m), nmain = hf_model_nmain(m);
    int poi = hf_model_poi(m);
    size_t np = npars ? npars : 1;
    res->twice_nll = NAN;
    res->converged = 0;
    res->nevals = 0;
    edge_ctx c = {0};
    c.m = m;
    c.data = data;
    double *buf = malloc((10 * np + EDGE_MAX_BINS * np + nmain +
                          hf_model_work_size(m)) * sizeof *buf);
    int *idx = malloc(np * sizeof *idx);
    nlopt_opt o = NULL;
    int rc = HF_ERR_NOMEM;
    if (!buf || !idx)
        goto out;
    c.x = buf;
    c.g = buf + np;
    c.ga = buf + 2 * np;
    double *w = buf + 3 * np, *lo = buf + 4 * np, *hi = buf + 5 * np;
    double *y = buf + 6 * np;
    c.at = buf + 7 * np;
    double *wfull = buf + 8 * np;
    c.agrad = buf + 10 * np;
    c.lamall = c.agrad + EDGE_MAX_BINS * np;
    c.work = c.lamall + nmain;
    if (!width) {
        hffit_widths(m, wfull);
        width = wfull;
    }
    memcpy(c.x, init ? init : hf_model_inits(m), npars * sizeof *c.x);
    if (fix_poi && poi >= 0)
        c.x[poi] = poi_value;
    edge_vars(&c, fix_poi ? poi : -1, width, idx, w, lo, hi, y);
    hf_model_expected(m, c.x, c.lamall, c.work);
    if (edge_bins(&c, data) == 0 || c.n == 0) {
        rc = hfcore_error_set(err, HF_ERR_FIT,
                              "fit: no empty bin whose yield could reach zero");
        goto out;
    }
    edge_con con[EDGE_MAX_BINS];
    o = edge_optimizer(&c, con, lo, hi);
    if (!o)
        goto out;
    int max_evals = opt && opt->max_evals > 0 ? opt->max_evals
                                              : 1000 + 50 * c.n;
    double f, kkt;
    nlopt_result nr = edge_solve(&c, o, y, lo, hi, tol, max_evals, &f, &kkt);
    for (int k = 0; k < c.n; k++)
        c.x[idx[k]] = y[k] * w[k];
    memcpy(pars, c.x, npars * sizeof *pars);
    res->twice_nll = 2 * f;
    res->converged = kkt < 0;
    rc = res->converged
             ? HF_OK
             : hfcore_error_set(err, HF_ERR_FIT,
                                "fit: no convergence on the edge of the "
                                "model (an empty bin's yield at zero) "
                                "after %d evaluations (NLopt SLSQP status "
                                "%d, KKT residual %.3g)",
                                c.nevals, (int)nr, kkt);
out:
    if (rc == HF_ERR_NOMEM)
        hfcore_error_set(err, rc, "fit: out of memory");
    res->nevals = c.nevals;
    if (o)
        nlopt_destroy(o);
    free(buf);
    free(idx);
    return rc;
}
