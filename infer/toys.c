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
 * Reproducibility: toy i of hypothesis h draws from a generator seeded by
 * a hash of (seed, 2i + h) alone, and its fits start from the generating
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

/* ------------------------------------------------------------ generator */

/* The seed of toy `index`: the user's seed mixed to 32 bits (what GSL's
 * generators take), plus the index, so the toys of one run never share a
 * stream and each toy's numbers depend on (seed, index) alone. */
static unsigned long toy_seed(unsigned long long seed, uint64_t index)
{
    uint64_t z = (uint64_t)seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (unsigned long)(((uint32_t)z + (uint32_t)index) & 0xffffffffUL);
}

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
} toy_ctx;

/* Inverse Hessians of the NLL at a generating point, on its expected
 * data, in width units over ctx->free: `full` (nfree^2) for free fits,
 * `fixed` ((nfree-1)^2) for fits with the POI fixed; the first metrics
 * of quick_fit. */
typedef struct toy_metric {
    double *full, *fixed;
} toy_metric;

typedef struct toy_buf {
    double *data, *free_pars, *fixed_pars, *scratch, *work;
    /* quick_fit's: inverse metric (and the one handed from a free to a
     * fixed fit), its variables, gradient, direction, trial point and
     * gradient, H v, the update vector, H g and H gt, the full parameter
     * vector and gradient */
    double *H, *Hfix, *y, *gy, *d, *yt, *gt, *hy, *u, *hg, *hgt, *x, *gx;
    signed char *held;  /* per variable: -1/+1 held on its lower/upper bound */
    gsl_rng *rng;
} toy_buf;

static void toy_buf_free(toy_buf *b)
{
    free(b->data);
    free(b->held);
    if (b->rng)
        gsl_rng_free(b->rng);
    memset(b, 0, sizeof *b);
}

static int toy_buf_alloc(toy_buf *b, const toy_ctx *c)
{
    size_t np = c->npars ? c->npars : 1;
    memset(b, 0, sizeof *b);
    b->data = malloc((c->ndata + 15 * np + 2 * np * np +
                      hf_model_work_size(c->m) + 1) * sizeof *b->data);
    b->held = malloc(np);
    b->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!b->data || !b->held || !b->rng) {
        toy_buf_free(b);
        return HF_ERR_NOMEM;
    }
    b->free_pars = b->data + c->ndata;
    b->fixed_pars = b->free_pars + np;
    b->H = b->fixed_pars + np;
    b->Hfix = b->H + np * np;
    b->y = b->Hfix + np * np;
    b->gy = b->y + np;
    b->d = b->gy + np;
    b->yt = b->d + np;
    b->gt = b->yt + np;
    b->hy = b->gt + np;
    b->u = b->hy + np;
    b->hg = b->u + np;
    b->hgt = b->hg + np;
    b->x = b->hgt + np;
    b->gx = b->x + np;
    b->scratch = b->gx + np;
    b->work = b->scratch + np;
    return HF_OK;
}

/* ----------------------------------------------------------- quick fits */

/* A toy's fits start at its generating point with the inverse Hessian
 * there (toy_metric) as the first metric of a dense BFGS: the toy's
 * minimum is near and the metric roughly right, so it reaches hf_fit's
 * convergence criterion in fewer evaluations than L-BFGS from an identity
 * metric (on the ATLAS staus workspace, 120 parameters: 48 against 92
 * evaluations a toy, 1.0 against 2.1 ms of CPU), and where the two differ
 * it has found the lower minimum (the few toys checked).  What it cannot settle (a held variable that
 * keeps pulling away, a failed line search, 60 iterations) hands over to
 * hf_fit_ex from the best point so far, which then decides. */
enum { QF_OK, QF_FAIL };

/* NLL and its gradient over the moved variables (width units) at y;
 * infinite where the model is undefined. */
static double qf_eval(const toy_ctx *c, toy_buf *b, const double *data,
                      int k0, const double *y, double *gy, long *nevals)
{
    int n = c->nfree - k0;
    for (int k = 0; k < n; k++) {
        int i = c->free[k0 + k];
        b->x[i] = y[k] * c->width[i];
    }
    double f = hf_model_nll(c->m, b->x, data, b->gx, b->work);
    ++*nevals;
    if (!isfinite(f))
        return INFINITY;
    for (int k = 0; k < n; k++) {
        int i = c->free[k0 + k];
        gy[k] = b->gx[i] * c->width[i];
        if (!isfinite(gy[k]))
            return INFINITY;
    }
    return f;
}

/* The O(n^2) part of the BFGS steps, vectorised where GCC allows: at
 * about 120 variables it costs as much as an NLL evaluation otherwise. */
#if defined(__GNUC__) && !defined(__clang__)
#define HF_VECTORIZE __attribute__((optimize("O3", "tree-vectorize")))
#else
#define HF_VECTORIZE
#endif

/* Eight partial sums: a single one is a serial chain the compiler may
 * not reorder, these are independent lanes (and a fixed order, so the
 * result is still a function of the inputs alone). */
HF_VECTORIZE static double dot(const double *restrict a,
                               const double *restrict b, int n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, s = 0;
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int l = 0; l < 8; l++)
            acc[l] += a[k + l] * b[k + l];
    for (; k < n; k++)
        s += a[k] * b[k];
    return s + (((acc[0] + acc[4]) + (acc[1] + acc[5])) +
                ((acc[2] + acc[6]) + (acc[3] + acc[7])));
}

/* h += a u + b v */
HF_VECTORIZE static void axpy2(double *restrict h, double a,
                               const double *restrict u, double b,
                               const double *restrict v, int n)
{
    for (int k = 0; k < n; k++)
        h[k] += a * u[k] + b * v[k];
}

/* Drops variable j from the inverse metric H (n x n): the inverse of the
 * metric with j held fixed is H - H[:,j] H[j,:] / H[j,j], whose row and
 * column j are zero, so that steps leave j where it is; BFGS updates keep
 * them zero (their s_j and (H v)_j are zero). */
static void drop_variable(double *H, int n, int j)
{
    double hjj = H[(size_t)j * n + j];
    if (!(hjj > 0))
        hjj = 1e-300;
    for (int a = 0; a < n; a++) {
        double haj = H[(size_t)a * n + j] / hjj;
        if (haj == 0 || a == j) /* row j, read by all, is zeroed below */
            continue;
        double *Ha = H + (size_t)a * n;
        const double *Hj = H + (size_t)j * n;
        for (int k = 0; k < n; k++)
            Ha[k] -= haj * Hj[k];
    }
    for (int k = 0; k < n; k++)
        H[(size_t)j * n + k] = H[(size_t)k * n + j] = 0;
}

/* BFGS from `start` with first inverse metric Hinv0; fix_poi: the POI is
 * held at poi_value.  A variable whose step reaches one of its bounds is
 * put on it and held there (drop_variable); at convergence every held
 * variable's gradient must push against its bound (else QF_FAIL).  Writes
 * the point reached to pars and twice its NLL to *tnll. */
static int quick_fit(const toy_ctx *c, toy_buf *b, const double *data,
                     const double *Hinv0, int fix_poi, double poi_value,
                     const double *start, double *pars, double *tnll,
                     long *nevals)
{
    const double *lower = hf_model_lower(c->m), *upper = hf_model_upper(c->m);
    const double *w = c->width;
    int k0 = fix_poi ? 1 : 0, n = c->nfree - k0, rc = QF_FAIL;
    double *H = b->H, *y = b->y, *g = b->gy, *d = b->d, *yt = b->yt;
    double *gt = b->gt, *hy = b->hy, *u = b->u, *hg = b->hg, *hgt = b->hgt;
    double tol = c->opt->tolerance > 0 ? c->opt->tolerance : 1e-10;
    signed char *held = b->held;
    int releases = 0;

    memcpy(b->x, start, c->npars * sizeof *b->x);
    if (fix_poi)
        b->x[c->poi] = poi_value;
    for (int k = 0; k < n; k++) {
        int i = c->free[k0 + k];
        y[k] = b->x[i] / w[i];
        if (!(b->x[i] >= lower[i] && b->x[i] <= upper[i])) {
            memmove(pars, start, c->npars * sizeof *pars);
            return QF_FAIL;
        }
    }
    double f = qf_eval(c, b, data, k0, y, g, nevals);
    if (!isfinite(f))
        goto out;
    /* Held from the start: variables on a bound that their gradient
     * pushes against (the POI of a background-only toy at mu = 0). */
    memcpy(H, Hinv0, (size_t)n * n * sizeof *H);
    for (int k = 0; k < n; k++) {
        int i = c->free[k0 + k];
        held[k] = b->x[i] == lower[i] && g[k] > 0   ? -1
                  : b->x[i] == upper[i] && g[k] < 0 ? 1
                                                    : 0;
        if (held[k])
            drop_variable(H, n, k);
    }
    /* hg = H g, kept up to date through the updates in O(n) so that an
     * iteration costs two passes over H (H gt and the update), not three. */
    int have_hg = 0;
    for (int it = 0; it < 60; it++) {
        double g2 = 0, slope = 0;
        /* The gradient over the variables not held (a held one has a
         * zero row in H and so no step). */
        for (int k = 0; k < n; k++)
            if (!held[k])
                g2 += g[k] * g[k];
        if (0.5 * g2 <= tol * (fabs(f) > 1 ? fabs(f) : 1)) {
            /* KKT: a held variable's gradient must push against its
             * bound; release those that pull away, restarting from the
             * first metric (a few times at most). */
            int release = 0;
            for (int k = 0; k < n; k++)
                if ((held[k] < 0 && g[k] < 0) || (held[k] > 0 && g[k] > 0))
                    held[k] = 0, release = 1;
            if (!release) {
                rc = QF_OK;
                break;
            }
            if (++releases > 3)
                break;
            memcpy(H, Hinv0, (size_t)n * n * sizeof *H);
            for (int k = 0; k < n; k++)
                if (held[k])
                    drop_variable(H, n, k);
            have_hg = 0;
            continue;
        }
        if (!have_hg)
            for (int a = 0; a < n; a++)
                hg[a] = dot(H + (size_t)a * n, g, n);
        have_hg = 1;
        for (int a = 0; a < n; a++) {
            d[a] = -hg[a];
            slope += d[a] * g[a];
        }
        if (!(slope < 0))
            break;
        /* Far from the minimum (the first steps, where the metric is
         * that of another point) a full step can be wild: at most 3
         * widths per variable. */
        double tcap = 1, dmax = 0;
        for (int k = 0; k < n; k++)
            if (fabs(d[k]) > dmax)
                dmax = fabs(d[k]);
        if (dmax > 3)
            tcap = 3 / dmax;
        /* The first bound the step reaches, if any. */
        int hit = -1;
        double hitbound = 0;
        for (int k = 0; k < n; k++) {
            int i = c->free[k0 + k];
            if (d[k] == 0)
                continue;
            double bound = d[k] < 0 ? lower[i] : upper[i];
            double th = (bound / w[i] - y[k]) / d[k];
            if (th < tcap) {
                tcap = th > 0 ? th : 0;
                hit = k;
                hitbound = bound;
            }
        }
        double t = tcap, ft = INFINITY;
        int ls;
        for (ls = 0; ls < 12; ls++, t *= 0.5) {
            for (int k = 0; k < n; k++)
                yt[k] = y[k] + t * d[k];
            if (hit >= 0 && t == tcap)
                yt[hit] = hitbound / w[c->free[k0 + hit]];
            ft = qf_eval(c, b, data, k0, yt, gt, nevals);
            if (ft <= f + 1e-4 * t * slope)
                break;
        }
        if (ls == 12)
            break;
        /* BFGS update of the inverse metric with s = yt - y, v = gt - g:
         * H v = H gt - H g. */
        double sv = 0, vhv = 0, ss = 0, vv = 0, sgt = 0, hygt = 0;
        for (int a = 0; a < n; a++)
            hgt[a] = dot(H + (size_t)a * n, gt, n);
        for (int k = 0; k < n; k++) {
            d[k] = yt[k] - y[k];
            g[k] = gt[k] - g[k];
            hy[k] = hgt[k] - hg[k];
            sv += d[k] * g[k];
            ss += d[k] * d[k];
            vv += g[k] * g[k];
            vhv += hy[k] * g[k];
            sgt += d[k] * gt[k];
            hygt += hy[k] * gt[k];
        }
        memcpy(hg, hgt, n * sizeof *hg);
        /* Skipped where the curvature along s is not clearly positive:
         * the update would break the metric's positive definiteness. */
        if (sv > 1e-10 * sqrt(ss * vv)) {
            /* H += c1 s s' - (Hv s' + s (Hv)') / sv, as two rank-1
             * updates H[a] += s_a u - (Hv_a / sv) s, u = c1 s - Hv / sv;
             * and so H gt += u (s.gt) - s (Hv.gt) / sv. */
            double c1 = (sv + vhv) / (sv * sv);
            for (int k = 0; k < n; k++)
                u[k] = c1 * d[k] - hy[k] / sv;
            for (int a = 0; a < n; a++)
                axpy2(H + (size_t)a * n, d[a], u, -hy[a] / sv, d, n);
            for (int k = 0; k < n; k++)
                hg[k] += u[k] * sgt - d[k] * hygt / sv;
        }
        if (hit >= 0 && t == tcap) {
            held[hit] = hitbound == lower[c->free[k0 + hit]] ? -1 : 1;
            drop_variable(H, n, hit);
            have_hg = 0;
        }
        memcpy(y, yt, n * sizeof *y);
        memcpy(g, gt, n * sizeof *g);
        f = ft;
    }
    *tnll = 2 * f;
out:
    for (int k = 0; k < n; k++) {
        int i = c->free[k0 + k];
        b->x[i] = y[k] * w[i];
        /* y * w may round a hair outside [lower, upper] */
        if (b->x[i] < lower[i])
            b->x[i] = lower[i];
        if (b->x[i] > upper[i])
            b->x[i] = upper[i];
    }
    memcpy(pars, b->x, c->npars * sizeof *pars);
    return rc;
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
 * expected data.  `H` holds nfree^2 doubles, `hwork` what hf_hessian_ex
 * needs. */
static int metric_init(const toy_ctx *c, const double *gen,
                       const double *expected, double *H, double *hwork,
                       toy_metric *mt, long *nevals, hf_error *err)
{
    int n = c->nfree, nev = 0;
    double *h = mt->fixed; /* steps, before fixed is filled */
    for (int k = 0; k < n; k++)
        h[k] = 1e-5 * c->width[c->free[k]];
    int rc = hf_hessian_ex(c->m, expected, gen, n, c->free, h, H, hwork,
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
        return hf_error_set(err, rc, rc == HF_ERR_NOMEM ? "toys: out of memory"
                                                       : "toys: the Hessian at a generating "
                                                         "point is not finite");
    return HF_OK;
}

/* A fit of `data` into `pars` (free, or with the POI at mu), twice its
 * NLL into *tnll: quick_fit with metric mt when given, hf_fit_ex where it
 * gives up (or without mt). */
static int toy_fit(const toy_ctx *c, toy_buf *b, const double *data,
                   const double *Hinv, const double *start, int fix_poi,
                   double mu, double *pars, double *tnll, long *nevals,
                   int *quick, hf_error *err)
{
    *quick = 0;
    if (Hinv) {
        int r = quick_fit(c, b, data, Hinv, fix_poi, mu, start, pars, tnll,
                          nevals);
        if (r == QF_OK) {
            *quick = 1;
            return HF_OK;
        }
        start = pars; /* the best point reached, within bounds */
    }
    hf_fit_result fr;
    int rc = hf_fit_ex(c->m, data, start, fix_poi, mu, c->opt, c->width,
                       b->work, pars, &fr, err);
    *nevals += fr.nevals;
    *tnll = fr.twice_nll;
    return rc;
}

/* hf_teststat_seq's fitter for a toy: quick_fit with the generating
 * point's metric for the free fit; for the fixed-POI fit the free fit's
 * final metric, nearer the toy's curvature than the generating point's
 * (not where the free fit held some variable: its metric has no row for
 * it); hf_fit_ex alone for a thorough retry. */
typedef struct toy_fitter {
    const toy_ctx *c;
    toy_buf *b;
    const toy_metric *mt;
    const double *Hfix;
    long *nevals;
} toy_fitter;

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
    if (rc != HF_OK || fix_poi || thorough || !f->mt)
        return rc;
    f->Hfix = f->mt->fixed;
    if (quick) {
        int n = c->nfree, any = 0;
        for (int k = 1; k < n; k++)
            any |= b->held[k];
        if (!any) {
            drop_variable(b->H, n, 0);
            for (int a = 1; a < n; a++)
                memcpy(b->Hfix + (size_t)(a - 1) * (n - 1),
                       b->H + (size_t)a * n + 1, (n - 1) * sizeof *b->H);
            f->Hfix = b->Hfix;
        }
    }
    return HF_OK;
}

/* pyhf's test statistic of `data` at mu, by the sequence the asymptotic
 * calculator shares (hf_teststat_seq): the free fit from `start`, the
 * fixed-POI fit from its point.  pyhf starts from the inits, but toys
 * scatter around their generating point (with mt its metric), where the
 * minimum is found in fewer steps.  A failed fit's error is returned. */
static int teststat(const toy_ctx *c, toy_buf *b, const double *data,
                    const double *start, const toy_metric *mt, double mu,
                    double *q, long *nevals, hf_error *err)
{
    toy_fitter tf = {c, b, mt, mt ? mt->fixed : NULL, nevals};
    hf_fitter f = {toy_seq_fit, &tf};
    hf_ts_fits s = {b->free_pars, NAN, b->fixed_pars, NAN, b->scratch, 0, 0};
    int rc = hf_teststat_seq(c->m, c->ts, &f, data, mu, start, &s, q, err);
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
        /* A non-positive (or NaN) rate can only come from a model that is
         * undefined there; numpy would raise, we draw zero events and let
         * the fit report it. */
        out[k] = lam > 0 ? (double)gsl_ran_poisson(r, lam) : 0.0;
    }
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

/* ------------------------------------------------------------------ API */

void hf_toys_options_init(hf_toys_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
}

static int cls_toys_impl(const hf_model *m, const double *data, double mu,
                hf_test_stat ts, int ntoys, unsigned long long seed,
                const hf_toys_options *opt, hf_toys_result *res,
                hf_error *err)
{
    hf_toys_options defaults;
    hf_fit_options fdefaults;
    if (!opt) {
        hf_toys_options_init(&defaults);
        opt = &defaults;
    }
    hf_fit_options_init(&fdefaults);
    memset(res, 0, sizeof *res);
    res->cls_obs = res->clsb = res->clb = res->test_stat = NAN;
    for (int i = 0; i < 5; i++)
        res->cls_exp[i] = res->clsb_exp[i] = res->clb_exp[i] = NAN;
    res->ntoys = ntoys;

    toy_ctx c;
    c.m = m;
    c.ts = ts;
    c.opt = opt->fit ? opt->fit : &fdefaults;
    c.npars = hf_model_npars(m);
    c.nmain = hf_model_nmain(m);
    c.ndata = hf_model_ndata(m);
    c.poi = hf_model_poi(m);
    int rc0 = hf_hypo_check_poi(m, ts, "toys", err);
    if (rc0 == HF_OK && ts != HF_TEST_Q0)
        rc0 = hf_hypo_check_mu(m, mu, 0, "toys", err);
    if (rc0 != HF_OK)
        return rc0;
    if (ts != HF_TEST_Q0 && ts != HF_TEST_QMU && ts != HF_TEST_QMU_TILDE)
        return hf_error_set(err, HF_ERR_ARG,
                            "toys: the toy calculator takes q0, qmu or "
                            "qmu_tilde, not test statistic %d", (int)ts);
    if (ntoys < 1 || ntoys > (1 << 28))
        return hf_error_set(err, HF_ERR_ARG,
                            "toys: ntoys must be from 1 to %d, not %d",
                            1 << 28, ntoys);

    size_t np = c.npars ? c.npars : 1, nd = c.ndata;
    /* width | gen pars (2) | expected data (2) | q (2 ntoys) | tmp (3 ntoys)
     * | metrics (2 x 2 np^2) | Hessian (np^2) | its work (4 np + model) */
    size_t nbuf = 3 * np + 2 * nd + 5 * (size_t)ntoys + 5 * np * np +
                  4 * np + hf_model_work_size(m);
    double *buf = malloc(nbuf * sizeof *buf);
    int *free_idx = malloc(np * sizeof *free_idx);
    toy_buf main_buf;
    if (!buf || !free_idx || toy_buf_alloc(&main_buf, &c) != HF_OK) {
        free(buf);
        free(free_idx);
        return hf_error_set(err, HF_ERR_NOMEM, "toys: out of memory");
    }
    double *width = buf, *gen = buf + np, *expected = gen + 2 * np;
    double *q = expected + 2 * nd, *tmp = q + 2 * (size_t)ntoys;
    double *mbuf = tmp + 3 * (size_t)ntoys, *hess = mbuf + 4 * np * np;
    double *hwork = hess + np * np;
    toy_metric metric[2] = {{mbuf, mbuf + np * np},
                            {mbuf + 2 * np * np, mbuf + 3 * np * np}};
    const unsigned char *fixed = hf_model_fixed(m);
    c.free = free_idx;
    c.nfree = 0;
    free_idx[c.nfree++] = c.poi;
    for (int i = 0; i < c.npars; i++)
        if (!fixed[i] && i != c.poi)
            free_idx[c.nfree++] = i;
    hf_fit_widths(m, width);
    c.width = width;
    /* q0 tests mu = 0 whatever mu is; pyhf still draws its "signal"
     * toys at mu and its background toys at mu = 1. */
    double mu_test = ts == HF_TEST_Q0 ? 0.0 : mu;

    int rc;
    long nevals = 0;
    hf_fit_result fr;
    /* The observed q, from the inits as pyhf. */
    rc = teststat(&c, &main_buf, data, hf_model_inits(m), NULL, mu_test,
                  &res->test_stat, &nevals, err);
    if (rc != HF_OK)
        goto out;
    /* The generating points: pyhf's fixed_poi_fit on the observed data,
     * from the inits. */
    double gen_mu[2] = {mu, ts == HF_TEST_Q0 ? 1.0 : 0.0};
    for (int h = 0; h < 2; h++) {
        rc = hf_fit_ex(m, data, NULL, 1, gen_mu[h], c.opt, width,
                       main_buf.work, gen + h * np, &fr, err);
        nevals += fr.nevals;
        if (rc != HF_OK)
            goto out;
        hf_model_expected_data(m, gen + h * np, expected + h * nd,
                               main_buf.work);
        rc = metric_init(&c, gen + h * np, expected + h * nd, hess, hwork,
                         &metric[h], &nevals, err);
        if (rc != HF_OK)
            goto out;
    }

    const double *sigmas = hf_model_sigmas(m);
    int nthreads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    int nomem = 0;
    long n2 = 2 * (long)ntoys;
#pragma omp parallel num_threads(nthreads) reduction(+ : nevals, nomem)
    {
        toy_buf b;
        int ok = toy_buf_alloc(&b, &c) == HF_OK;
        if (!ok)
            nomem++;
        /* Toys of both hypotheses interleaved: even s+b, odd b-only. */
#pragma omp for schedule(dynamic, 8)
        for (long t = 0; t < n2; t++) {
            int h = (int)(t & 1);
            q[t] = NAN;
            if (!ok)
                continue;
            gsl_rng_set(b.rng, toy_seed(seed, (uint64_t)t));
            sample(&c, expected + h * nd, sigmas, b.rng, b.data);
            hf_error terr;
            double qt;
            if (teststat(&c, &b, b.data, gen + h * np, &metric[h], mu_test,
                         &qt, &nevals, &terr) == HF_OK)
                q[t] = qt;
        }
        toy_buf_free(&b);
    }
    res->nevals = nevals;
    if (nomem) {
        rc = hf_error_set(err, HF_ERR_NOMEM, "toys: out of memory");
        goto out;
    }

    /* Gather the valid samples (failed toys are NaN and counted). */
    double *sb = tmp, *bo = tmp + ntoys;
    int nsb = 0, nb = 0;
    for (int i = 0; i < ntoys; i++) {
        double qs = q[2 * i], qb = q[2 * i + 1];
        if (opt->sb_stats)
            opt->sb_stats[i] = qs;
        if (opt->b_stats)
            opt->b_stats[i] = qb;
        if (isnan(qs))
            res->nfailed_sb++;
        else
            sb[nsb++] = qs;
        if (isnan(qb))
            res->nfailed_b++;
        else
            bo[nb++] = qb;
    }
    if (nsb == 0 || nb == 0) {
        rc = hf_error_set(err, HF_ERR_FIT,
                          "toys: the fits of all %d %s toys failed", ntoys,
                          nsb == 0 ? "signal+background" : "background-only");
        goto out;
    }
    /* The samples move to q[] so that tmp can hold the p-value arrays. */
    memcpy(q, sb, nsb * sizeof *q);
    memcpy(q + nsb, bo, nb * sizeof *q);
    pvalues(ts, res->test_stat, q, nsb, q + nsb, nb, tmp, res);
out:
    res->nevals = nevals;
    toy_buf_free(&main_buf);
    free(buf);
    free(free_idx);
    return rc;
}

int hf_cls_toys(const hf_model *m, const double *data, double mu,
                hf_test_stat ts, int ntoys, unsigned long long seed,
                const hf_toys_options *opt, hf_toys_result *res,
                hf_error *err)
{
    if (!m || !data || !res)
        return hf_error_set(err, HF_ERR_ARG, "hf_cls_toys: NULL argument (m, data, res may not be NULL)");
    return hf_error_blame(hf_model_source(m), cls_toys_impl(m, data, mu, ts, ntoys, seed, opt, res, err), err);
}
