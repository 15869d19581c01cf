/*
 * converge.c - is the point a fit stopped at a minimum?  A small
 * projected gradient holds at a saddle too: a coordinate whose every
 * template is symmetric about its centre and pulls the yield down on
 * both sides (a normsys with hi = lo < 1, a histosys with both templates
 * below the nominal) has a gradient of exactly zero at 0, so L-BFGS
 * started there never moves it, even where the data want the lower
 * yield (tests/pyhf/saddle.json: twice_nll 1059.15 at the saddle, 42.10
 * at the minimum).  Only the curvature tells: the Hessian on the free
 * parameters not held at a bound must be positive definite.  The whole
 * Hessian, exact (hffit_curvature, hf/hessian.c: no NLL evaluation, about
 * the time of a few gradients), its block on
 * coordinates a descent never moves (hffit_curvature_even,
 * hffit_curvature_trapped: 1 gradient and a few), or its lowest
 * eigenvalue by Lanczos (hffit_curvature_lanczos, 1 gradient a step).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

#include "fit.h"

/* Below this (in width units, where a constraint's own curvature is 1) a
 * negative eigenvalue is a flat direction, not a saddle: along it the NLL
 * can drop by at most ~1e-6 w^2 over w widths.  It was chosen for the
 * rounding of differences (steps of 1e-4 widths, gradients of up to ~1e3:
 * ~1e-9 an entry); the exact Hessian's rounding is far below it, and
 * hffit_curvature_lanczos's differences still need it. */
#define NEG_CURVATURE 1e-6

/* Smallest eigenvalue of the symmetric H (n*n, destroyed) and its
 * eigenvector into dir; NAN if GSL could not say. */
static double lowest(double *H, int n, double *dir)
{
    gsl_matrix_view Hv = gsl_matrix_view_array(H, n, n);
    gsl_vector *eval = gsl_vector_alloc(n);
    gsl_matrix *evec = gsl_matrix_alloc(n, n);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(n);
    double lo = NAN;
    if (eval && evec && ws && gsl_eigen_symmv(&Hv.matrix, eval, evec, ws) == GSL_SUCCESS) {
        size_t k = gsl_vector_min_index(eval);
        lo = gsl_vector_get(eval, k);
        for (int a = 0; a < n; a++)
            dir[a] = gsl_matrix_get(evec, a, k);
    }
    gsl_vector_free(eval);
    gsl_matrix_free(evec);
    gsl_eigen_symmv_free(ws);
    return lo;
}

/* a[0..n) -= sum_t u[t] b[t][0..n) over four columns: restrict, for the
 * compiler to vectorise it, and cloned for AVX2 where the CPU has it
 * (four lanes, no FMA contraction).  Four columns at once: each element
 * of a is loaded and stored once for four updates (one at a time, the
 * factorisation was bound by those loads and stores). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__)
__attribute__((target_clones("avx2", "default")))
#endif
static void axpy4_minus(double *restrict a, const double *u,
                        const double *restrict b0, const double *restrict b1,
                        const double *restrict b2, const double *restrict b3,
                        int n)
{
    double u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3];
#pragma omp simd
    for (int j = 0; j < n; j++)
        a[j] -= (u0 * b0[j] + u1 * b1[j]) + (u2 * b2[j] + u3 * b3[j]);
}

/* Positive definite (in width units): a Cholesky factorisation (in
 * place: L, n*n, is destroyed; C, 4*n, scratch) whose every pivot is
 * positive.  Written out, not GSL's: its modified Cholesky, used before,
 * did rank-one updates through gslcblas's dsyr, a fifth of a staus
 * hypotest once every fit checks the whole Hessian; here four columns
 * are factorised at a time (their panel by plain loops) and the trailing
 * lower triangle takes their rank-four update in contiguous rows.
 * gsl_linalg_cholesky_decomp1 reports an indefinite matrix through GSL's
 * error handler, which is global state.  Where the modified Cholesky
 * would have added a perturbation to a matrix this one accepts, the
 * matrix is positive definite to rounding and the verdict is the same
 * (not HFFIT_SADDLE, which is all the fits ask). */
static int positive_definite(double *L, int n, double *C)
{
    for (int k0 = 0; k0 < n; k0 += 4) {
        int kb = n - k0 < 4 ? n - k0 : 4;
        /* the panel: column k = k0 + t less the panel's earlier columns,
         * then scaled by its pivot into C[t][k+1 ..); C[t][k] = 0 */
        for (int t = 0; t < kb; t++) {
            int k = k0 + t;
            double *ct = C + (size_t)t * n;
            for (int i = k; i < n; i++) {
                double v = L[(size_t)i * n + k];
                for (int q = 0; q < t; q++)
                    v -= C[(size_t)q * n + i] * C[(size_t)q * n + k];
                ct[i] = v;
            }
            if (!(ct[k] > 0))
                return 0;
            double r = 1 / sqrt(ct[k]);
            for (int i = k + 1; i < n; i++)
                ct[i] *= r;
            ct[k] = 0;
        }
        for (int t = kb; t < 4; t++) /* a short last panel: zero columns */
            memset(C + (size_t)t * n, 0, n * sizeof *C);
        int j0 = k0 + kb;
        double u[4];
        for (int i = j0; i < n; i++) {
            for (int t = 0; t < 4; t++)
                u[t] = C[(size_t)t * n + i];
            if (u[0] == 0 && u[1] == 0 && u[2] == 0 && u[3] == 0)
                continue; /* row i meets none of the panel's columns */
            axpy4_minus(L + (size_t)i * n + j0, u, C + j0, C + n + j0,
                        C + 2 * (size_t)n + j0, C + 3 * (size_t)n + j0, i - j0 + 1);
        }
    }
    return 1;
}

/* The block idx[0..n) of the whole Hessian full (npars^2) in width
 * units into out (n*n); 0 where an entry is not finite (a yield at zero
 * with a count). */
static int cut(const double *full, int npars, int n, const int *idx,
               const double *w, double *out)
{
    int ok = 1;
    for (int a = 0; a < n; a++) {
        const double *row = full + (size_t)idx[a] * npars;
        for (int b = 0; b < n; b++) {
            double v = row[idx[b]] * w[a] * w[b];
            ok &= isfinite(v);
            out[(size_t)a * n + b] = v;
        }
    }
    return ok;
}

typedef struct order_key {
    int nnz, a;
} order_key;

static int by_nnz(const void *p, const void *q)
{
    const order_key *x = p, *y = q;
    return x->nnz != y->nnz ? (x->nnz > y->nnz) - (x->nnz < y->nnz)
                            : (x->a > y->a) - (x->a < y->a);
}

/* idx and w reordered into pidx, pw by the count of non-zero entries of
 * each row of the block (fewest first, ties in the given order).  A
 * symmetric permutation leaves positive definiteness as it is; ordered
 * so, the gammas (each couples only with its bin's parameters and the
 * shared ones) come first and their columns of the factor stay as
 * sparse as their rows, so the rank-four updates skip almost every row:
 * on a 2,400-parameter model the dense order made the factorisation,
 * O(n^3), two thirds of a hypotest.  Returns 0 when out of memory. */
static int sparse_order(const double *full, int npars, int n, const int *idx,
                        const double *w, int *pidx, double *pw)
{
    order_key *k = malloc((size_t)n * sizeof *k);
    if (!k)
        return 0;
    for (int a = 0; a < n; a++) {
        const double *row = full + (size_t)idx[a] * npars;
        int c = 0;
        for (int b = 0; b < n; b++)
            c += row[idx[b]] != 0;
        k[a] = (order_key){c, a};
    }
    qsort(k, n, sizeof *k, by_nnz);
    for (int a = 0; a < n; a++) {
        pidx[a] = idx[k[a].a];
        pw[a] = w[k[a].a];
    }
    free(k);
    return 1;
}

int hffit_curvature(const hf_model *m, const double *data, const double *x,
                    int n, const int *idx, const double *w, double *dir,
                    int *nevals)
{
    if (n == 0)
        return HFFIT_MINIMUM;
    int rc = HFFIT_UNKNOWN, npars = hf_model_npars(m);
    /* one buffer (not one per array: a fit checks every minimum, and
     * each buffer of this size was mapped and unmapped, a third of a
     * staus hypotest in page faults): the whole Hessian; its block,
     * factorised in place; four columns; its widths in the order it is
     * factorised in; the Hessian's scratch */
    double *H = malloc(((size_t)npars * npars + (size_t)n * n + 5 * (size_t)n +
                        hfmodel_hessian_work_size(m)) * sizeof *H);
    int *pidx = calloc((size_t)n, sizeof *pidx);
    (void)nevals; /* the exact Hessian is no NLL evaluation */
    if (!H || !pidx)
        goto out;
    double *L = H + (size_t)npars * npars, *col = L + (size_t)n * n;
    double *pw = col + 4 * (size_t)n, *work = pw + n;
    if (hfmodel_hessian(m, x, data, H, work) != HF_OK ||
        !sparse_order(H, npars, n, idx, w, pidx, pw) ||
        !cut(H, npars, n, pidx, pw, L))
        goto out;
    if (positive_definite(L, n, col)) {
        rc = HFFIT_MINIMUM;
        goto out;
    }
    cut(H, npars, n, idx, w, L); /* the factorisation destroyed it */
    double lo = lowest(L, n, dir);
    rc = isnan(lo) ? HFFIT_UNKNOWN : lo < -NEG_CURVATURE ? HFFIT_SADDLE : HFFIT_FLAT;
out:
    free(H);
    free(pidx);
    return rc;
}

/* For coordinates where the NLL is even about the point in each of them
 * separately (leave_saddle's trapped block: every template symmetric, the
 * gradient exactly zero), every mixed second derivative that involves one
 * of them vanishes there (it is odd in that coordinate), and so do all
 * third derivatives among them.  So one gradient with all of them
 * displaced at once gives the whole block, which is diagonal:
 * g_a(x + h) - g_a(x) = H_aa h_a + O(h^3).  One evaluation instead of the
 * 2n of hffit_curvature (SS3L's eight JET_JER parameters: 16 per fit). */
int hffit_curvature_even(const hf_model *m, const double *data,
                         const double *x, int n, const int *idx,
                         const double *w, const double *g, double *dir,
                         int *nevals)
{
    if (n == 0)
        return HFFIT_MINIMUM;
    int npars = hf_model_npars(m), rc = HFFIT_UNKNOWN;
    const double *upper = hf_model_upper(m);
    double *xs = malloc((hf_model_work_size(m) + 2 * (size_t)npars) * sizeof *xs);
    if (!xs)
        return rc;
    double *gs = xs + npars, *work = gs + npars;
    memcpy(xs, x, npars * sizeof *xs);
    for (int a = 0; a < n; a++) {
        int i = idx[a];
        double h = 1e-4 * w[a];
        xs[i] = x[i] + h <= upper[i] ? x[i] + h : x[i] - h;
    }
    double f = hf_model_nll(m, xs, data, gs, work);
    ++*nevals;
    double lo = INFINITY;
    int at = -1;
    for (int a = 0; isfinite(f) && a < n; a++) {
        int i = idx[a];
        /* in width units, as hffit_curvature judges */
        double haa = (gs[i] - g[a]) / (xs[i] - x[i]) * w[a] * w[a];
        if (!isfinite(haa)) {
            at = -1;
            lo = NAN;
            break;
        }
        if (haa < lo) {
            lo = haa;
            at = a;
        }
    }
    if (at >= 0) {
        for (int a = 0; a < n; a++)
            dir[a] = a == at;
        rc = lo > 0 ? HFFIT_MINIMUM : lo < -NEG_CURVATURE ? HFFIT_SADDLE : HFFIT_FLAT;
    }
    free(xs);
    return rc;
}

/* Lanczos on the Hessian of the NLL over idx[0..n) at x, preconditioned
 * by M (n x n, an inverse Hessian estimate in width units, e.g. the warm
 * fits' BFGS metric; NULL: the identity): the pencil H v = lambda M^-1 v
 * has H's inertia (Sylvester), and where M is close to H's inverse its
 * eigenvalues cluster at 1, so the lowest one separates in a few steps.
 * Work in M^-1's inner product with b_j = M^-1 q_j carried along (no
 * inverse is formed: q_0 = M b_0).  Each step is one Hessian-vector
 * product: a forward difference of the analytic gradient (g, model
 * units, at x) along q_j.  Negative verdicts are proofs (a Ritz value is
 * a Rayleigh quotient: lambda_min <= theta_1); positive ones are Lanczos'
 * usual: the lowest Ritz value converged (theta_1 > resid) or k = n. */
typedef struct lz_state {
    const hf_model *m;
    const double *data, *x, *w, *g, *M;
    const int *idx;
    int n, npars;
    double *xs, *gs, *work;
    const double *hq0; /* H q_0 already measured by the caller, or NULL */
} lz_state;

/* H q (width units) into hq: one gradient at x + h q (or x - h q next to
 * an upper bound); 0 where neither fits in the bounds or NLL not finite */
static int lz_hv(lz_state *s, const double *q, double *hq, int *nevals)
{
    const double *lower = hf_model_lower(s->m), *upper = hf_model_upper(s->m);
    double qmax = 0;
    for (int a = 0; a < s->n; a++)
        qmax = fabs(q[a]) > qmax ? fabs(q[a]) : qmax;
    if (!(qmax > 0))
        return 0;
    for (int sign = 1; sign >= -1; sign -= 2) {
        double h = sign * 1e-4 / qmax;
        int ok = 1;
        memcpy(s->xs, s->x, s->npars * sizeof *s->xs);
        for (int a = 0; ok && a < s->n; a++) {
            int i = s->idx[a];
            s->xs[i] = s->x[i] + h * q[a] * s->w[a];
            ok = s->xs[i] >= lower[i] && s->xs[i] <= upper[i];
        }
        if (!ok)
            continue;
        double f = hf_model_nll(s->m, s->xs, s->data, s->gs, s->work);
        ++*nevals;
        if (!isfinite(f))
            return 0;
        for (int a = 0; a < s->n; a++) {
            hq[a] = (s->gs[s->idx[a]] - s->g[a]) * s->w[a] / h;
            if (!isfinite(hq[a]))
                return 0;
        }
        return 1;
    }
    return 0;
}

/* out = M v (M NULL: the identity) */
static void lz_mul(const double *M, int n, const double *v, double *out)
{
    for (int a = 0; a < n; a++) {
        double t = 0;
        for (int b = 0; M && b < n; b++)
            t += M[(size_t)a * n + b] * v[b];
        out[a] = M ? t : v[a];
    }
}

/* lowest eigenvalue of the k x k tridiagonal (alpha, beta) and its
 * eigenvector's entries into sv[k]; NAN on failure */
static double lz_ritz(const double *alpha, const double *beta, int k,
                      double *T, double *sv)
{
    memset(T, 0, (size_t)k * k * sizeof *T);
    for (int j = 0; j < k; j++) {
        T[(size_t)j * k + j] = alpha[j];
        if (j + 1 < k)
            T[(size_t)j * k + j + 1] = T[(size_t)(j + 1) * k + j] = beta[j + 1];
    }
    return lowest(T, k, sv);
}

/* Below this relative residual the lowest Ritz value has converged */
#ifndef LZ_RESID
#define LZ_RESID 0.1
#endif

/* One Lanczos step j: hq = H q_j, alpha_j, the next residual (r_b in
 * M^-1's metric form, r_q = M r_b) fully reorthogonalised against
 * q_0..q_j; returns beta_{j+1}^2 (negative: failed). */
static double lz_step(lz_state *s, int j, double *Q, double *B, double *alpha,
                      const double *beta, double *hq, double *rq, double *rb,
                      int *nevals)
{
    int n = s->n;
    const double *q = Q + (size_t)j * n, *b = B + (size_t)j * n;
    if (j == 0 && s->hq0)
        memcpy(hq, s->hq0, n * sizeof *hq);
    else if (!lz_hv(s, q, hq, nevals))
        return -1;
    double a = 0;
    for (int i = 0; i < n; i++)
        a += q[i] * hq[i];
    alpha[j] = a;
    for (int i = 0; i < n; i++)
        rb[i] = hq[i] - a * b[i] - (j ? beta[j] * B[(size_t)(j - 1) * n + i] : 0);
    lz_mul(s->M, n, rb, rq);
    for (int pass = 0; pass < 2; pass++)
        for (int l = 0; l <= j; l++) {
            double c = 0;
            for (int i = 0; i < n; i++)
                c += Q[(size_t)l * n + i] * rb[i];
            for (int i = 0; i < n; i++) {
                rq[i] -= c * Q[(size_t)l * n + i];
                rb[i] -= c * B[(size_t)l * n + i];
            }
        }
    double bb = 0;
    for (int i = 0; i < n; i++)
        bb += rq[i] * rb[i];
    return bb;
}

/* The deterministic start b_0 (before M): every component nonzero and of
 * either sign, so that a direction the descent never took (a trapped
 * block) is in it; not the gradient, whose Krylov space is the descent's. */
static void lz_start(int n, double *b)
{
    for (int a = 0; a < n; a++) {
        double f = fmod((a + 1) * 0.6180339887498949, 1.0);
        b[a] = (a & 1 ? -1 : 1) * (0.5 + f);
    }
}

/* Lanczos from lz_start over s's n variables, at most kmax steps, in a
 * buffer laid out for kmax (lz_size); the verdict (HFFIT_*), dir for a
 * saddle, the steps taken into *iters. */
static size_t lz_size(int n, int kmax)
{
    return 2 * (size_t)(kmax + 1) * n + 4 * (size_t)n + (size_t)kmax * kmax +
           3 * (size_t)kmax + 2;
}

static int lz_run(lz_state *s, int kmax, double *buf, double *dir,
                  int *nevals, int *iters)
{
    int n = s->n, rc = HFFIT_UNKNOWN;
    size_t nk = (size_t)(kmax + 1) * n;
    double *Q = buf, *B = Q + nk, *hq = B + nk, *rq = hq + n, *rb = rq + n;
    double *xr = rb + n, *T = xr + n, *sv = T + (size_t)kmax * kmax;
    double *alpha = sv + kmax, *beta = alpha + kmax;
    lz_start(n, rb);
    lz_mul(s->M, n, rb, rq);
    double bb = 0;
    for (int a = 0; a < n; a++)
        bb += rq[a] * rb[a];
    beta[0] = 0;
    for (int j = 0; j < kmax && bb > 0; j++) {
        double nb = sqrt(bb);
        if (j)
            beta[j] = nb;
        for (int a = 0; a < n; a++) {
            Q[(size_t)j * n + a] = rq[a] / nb;
            B[(size_t)j * n + a] = rb[a] / nb;
        }
        bb = lz_step(s, j, Q, B, alpha, beta, hq, rq, rb, nevals);
        *iters = j + 1;
        int k = j + 1;
        double th = bb < 0 ? NAN : lz_ritz(alpha, beta, k, T, sv);
        if (isnan(th))
            break;
        double x2 = 0, res = sqrt(bb) * fabs(sv[k - 1]);
        for (int a = 0; a < n; a++) {
            double t = 0;
            for (int l = 0; l < k; l++)
                t += sv[l] * Q[(size_t)l * n + a];
            xr[a] = t;
            x2 += t * t;
        }
        /* a proof: x'Hx = theta x'M^-1 x < 0, judged in width units */
        if (th / x2 < -NEG_CURVATURE) {
            for (int a = 0; a < n; a++)
                dir[a] = xr[a] / sqrt(x2);
            return HFFIT_SADDLE;
        }
        if (k == n || bb == 0 || (th > 0 && res <= LZ_RESID * th))
            return HFFIT_MINIMUM;
    }
    return rc;
}

int hffit_curvature_lanczos(const hf_model *m, const double *data,
                            const double *x, int n, const int *idx,
                            const double *w, const double *g, const double *M,
                            int kmax, double *dir, int *nevals, int *iters)
{
    *iters = 0;
    if (n == 0)
        return HFFIT_MINIMUM;
    int npars = hf_model_npars(m), rc = HFFIT_UNKNOWN;
    kmax = kmax < n ? kmax : n;
    size_t nb = lz_size(n, kmax);
    double *buf = malloc((nb + 2 * (size_t)npars + hf_model_work_size(m)) *
                         sizeof *buf);
    if (!buf)
        return rc;
    lz_state s = {m, data, x, w, g, M, idx, n, npars, buf + nb, NULL, NULL, NULL};
    s.gs = s.xs + npars;
    s.work = s.gs + npars;
    rc = lz_run(&s, kmax, buf, dir, nevals, iters);
    free(buf);
    return rc;
}

/* The even coordinates' diagonal (hffit_curvature_even's block) from the
 * gradient gs at xs, where each of them was displaced alone along its
 * axis: the lowest entry in width units, its place into *at (-1: not
 * finite). */
static double even_lowest(const double *x, const double *xs, const double *gs,
                          const double *g, const int *idx, const double *w,
                          const unsigned char *mask, int n, int *at)
{
    double lo = INFINITY;
    *at = -1;
    for (int a = 0; a < n; a++) {
        if (!mask[a])
            continue;
        int i = idx[a];
        double haa = (gs[i] - g[a]) / (xs[i] - x[i]) * w[a] * w[a];
        if (!isfinite(haa)) {
            *at = -1;
            return NAN;
        }
        if (haa < lo) {
            lo = haa;
            *at = a;
        }
    }
    return lo;
}

static int worse(int a, int b) /* SADDLE > UNKNOWN > FLAT > MINIMUM */
{
    static const int rank[] = {0, 1, 3, 2};
    return rank[a] >= rank[b] ? a : b;
}

/* x + the first product's displacement into xs: each even coordinate by
 * 1e-4 of its width alone (hffit_curvature_even), the others (ridx[nr])
 * along Lanczos' q_0 (the unit lz_start) scaled to 1e-4 widths; *hr the
 * scale.  0 where a coordinate would leave its bounds. */
static int trapped_point(const hf_model *m, const double *x, int n,
                         const int *idx, const double *w,
                         const unsigned char *even, const double *q0,
                         double *xs, double *hr)
{
    const double *lower = hf_model_lower(m), *upper = hf_model_upper(m);
    double qmax = 0;
    int r = 0;
    memcpy(xs, x, hf_model_npars(m) * sizeof *xs);
    for (int a = 0; a < n; a++)
        if (!even[a])
            qmax = fabs(q0[r]) > qmax ? fabs(q0[r]) : qmax, r++;
    *hr = 1e-4 / qmax;
    r = 0;
    for (int a = 0; a < n; a++) {
        int i = idx[a];
        double h = 1e-4 * w[a];
        if (even[a])
            xs[i] = x[i] + h <= upper[i] ? x[i] + h : x[i] - h;
        else
            xs[i] = x[i] + *hr * q0[r++] * w[a];
        if (!(xs[i] >= lower[i] && xs[i] <= upper[i]))
            return 0;
    }
    return 1;
}

int hffit_curvature_trapped(const hf_model *m, const double *data,
                            const double *x, int n, const int *idx,
                            const double *w, const double *g,
                            const unsigned char *even, double *dir,
                            int *nevals)
{
    int nr = 0, npars = hf_model_npars(m), rc = HFFIT_UNKNOWN, it, at = -1;
    for (int a = 0; a < n; a++)
        nr += !even[a];
    if (nr == 0)
        return hffit_curvature_even(m, data, x, n, idx, w, g, dir, nevals);
    size_t nb = lz_size(nr, nr);
    double *buf = malloc((nb + 5 * (size_t)nr + 2 * (size_t)npars +
                          hf_model_work_size(m)) * sizeof *buf);
    int *ridx = malloc(nr * sizeof *ridx);
    if (!buf || !ridx)
        goto out;
    double *rw = buf + nb, *rg = rw + nr, *hq0 = rg + nr, *rdir = hq0 + nr;
    double *q0 = rdir + nr, *xs = q0 + nr, *gs = xs + npars, hr = 0;
    for (int a = 0, r = 0; a < n; a++)
        if (!even[a])
            ridx[r] = idx[a], rw[r] = w[a], rg[r++] = g[a];
    lz_state s = {m, data, x, rw, rg, NULL, ridx, nr, npars, xs, gs,
                  gs + npars, NULL};
    lz_start(nr, q0);
    double qq = 0;
    for (int r = 0; r < nr; r++)
        qq += q0[r] * q0[r];
    for (int r = 0; r < nr; r++)
        q0[r] /= sqrt(qq);
    int ev = HFFIT_MINIMUM;
    if (nr < n && trapped_point(m, x, n, idx, w, even, q0, xs, &hr)) {
        /* one gradient for both blocks: the cross terms between an even
         * coordinate and any other vanish at x (odd in it), so each
         * block's product is its own, to the first order in the steps
         * that a forward difference has anyway */
        double f = hf_model_nll(m, xs, data, gs, s.work);
        ++*nevals;
        double lo = isfinite(f) ? even_lowest(x, xs, gs, g, idx, w, even, n, &at)
                                : NAN;
        for (int r = 0; r < nr; r++)
            hq0[r] = (gs[ridx[r]] - rg[r]) * rw[r] / hr;
        if (at < 0)
            goto out;
        ev = lo > 0 ? HFFIT_MINIMUM : lo < -NEG_CURVATURE ? HFFIT_SADDLE : HFFIT_FLAT;
        s.hq0 = hq0;
    } else if (nr < n) {
        /* next to a bound (rare): the block's Hessian by central
         * differences, one-sided at the bound */
        rc = hffit_curvature(m, data, x, n, idx, w, dir, nevals);
        goto out;
    }
    if (ev == HFFIT_SADDLE) {
        for (int a = 0; a < n; a++)
            dir[a] = a == at;
        rc = ev;
        goto out;
    }
    int rv = lz_run(&s, nr, buf, rdir, nevals, &it);
    rc = worse(rv, ev);
    if (rv == HFFIT_SADDLE)
        for (int a = 0, r = 0; a < n; a++)
            dir[a] = even[a] ? 0 : rdir[r++];
out:
    free(buf);
    free(ridx);
    return rc;
}
