/*
 * bfgs.c - a dense BFGS for fits that start near their minimum with a good
 * first metric (the toys: each starts at its generating point with the
 * inverse Hessian there).  hffit_ex (NLopt's L-BFGS, mle.c) is the general
 * minimiser; this one reaches the same convergence criterion in fewer
 * evaluations when the metric is roughly right (ATLAS staus, 120
 * parameters: 48 against 92 evaluations a toy), and hands back the best
 * point when it cannot settle, for hffit_ex to finish.
 *
 * The variables are parameters in units of their widths, where the NLL is
 * about a unit quadratic.  Bounds: a step that reaches one puts the
 * variable on it and holds it there (its row and column of the inverse
 * metric are removed); at convergence a held variable whose gradient pulls
 * away from its bound is released and the metric restarted (KKT).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bfgs.h"
#include "hf/hfmodel.h"

int hffit_bfgs_work_alloc(hf_bfgs_work *w, const hf_model *m, int nmax)
{
    size_t n = nmax > 0 ? (size_t)nmax : 1;
    size_t np = hf_model_npars(m) > 0 ? (size_t)hf_model_npars(m) : 1;
    memset(w, 0, sizeof *w);
    w->buf = malloc((n * n + 14 * n + 2 * np + hf_model_work_size(m)) *
                    sizeof *w->buf);
    w->held = malloc(n);
    if (!w->buf || !w->held) {
        hffit_bfgs_work_free(w);
        return HF_ERR_NOMEM;
    }
    double *v = w->buf;
    w->H = v, v += n * n;
    w->y = v, v += n;
    w->g = v, v += n;
    w->d = v, v += n;
    w->yt = v, v += n;
    w->gt = v, v += n;
    w->hy = v, v += n;
    w->u = v, v += n;
    w->hg = v, v += n;
    w->hgt = v, v += n;
    w->h0d = v, v += n;
    w->s = v, v += n;
    w->ylo = v, v += n;
    w->yhi = v, v += n;
    w->th = v, v += n;
    w->x = v, v += np;
    w->gx = v, v += np;
    w->model_work = v;
    return HF_OK;
}

void hffit_bfgs_work_free(hf_bfgs_work *w)
{
    free(w->buf);
    free(w->held);
    memset(w, 0, sizeof *w);
}

/* The model's parameters w->x at the variables y (the others as they
 * are). */
static void put_y(const hf_bfgs_problem *p, hf_bfgs_work *w, const double *y)
{
    for (int k = 0; k < p->n; k++)
        w->x[p->idx[k]] = y[k] * p->width[p->idx[k]];
}

/* The NLL at y alone (hfmodel_nll_gradient gives its gradient after, on
 * the same work); infinite where the model is undefined. */
static double eval_value(const hf_bfgs_problem *p, hf_bfgs_work *w,
                         const double *y, long *nevals)
{
    put_y(p, w, y);
    double f = hf_model_nll(p->m, w->x, p->data, NULL, w->model_work);
    ++*nevals;
    w->pass_at_x = 1;
    w->pass_m = p->m;
    /* a negative expected yield is outside the model (hfmodel.h) */
    if (!isfinite(f) || hfmodel_yield_negative(p->m, w->model_work))
        return INFINITY;
    return f;
}

/* The gradient over the variables at the point eval_value() just took
 * into gy; 0 where it is not finite (the model undefined there too). */
static int gradient_at(const hf_bfgs_problem *p, hf_bfgs_work *w, double *gy)
{
    hfmodel_nll_gradient(p->m, w->x, p->data, w->gx, w->model_work);
    for (int k = 0; k < p->n; k++) {
        int i = p->idx[k];
        gy[k] = w->gx[i] * p->width[i];
        if (!isfinite(gy[k]))
            return 0;
    }
    return 1;
}

/* NLL and its gradient over the variables at y; infinite where the model
 * is undefined. */
static double eval(const hf_bfgs_problem *p, hf_bfgs_work *w,
                   const double *y, double *gy, long *nevals)
{
    double f = eval_value(p, w, y, nevals);
    return isfinite(f) && gradient_at(p, w, gy) ? f : INFINITY;
}

/* The O(n^2) part of the steps, vectorised where GCC allows: at about 120
 * variables it costs as much as an NLL evaluation otherwise.  On x86-64
 * also cloned for AVX2 (four lanes, the loader picks the clone for the
 * CPU): without FMA (-mavx2 does not enable it) each lane does the SSE2
 * code's operations in its order, so the results are bit for bit the same;
 * a 1Lbb hypotest spends 17% of its time here.  HFCORE_AVX2_CLONE_O3 on
 * those functions (core/core.h). */

/* Eight partial sums: a single one is a serial chain the compiler may
 * not reorder, these are independent lanes (and a fixed order, so the
 * result is still a function of the inputs alone). */
HFCORE_AVX2_CLONE_O3 static double dot(const double *restrict a,
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

/* The inverse metric of a descent is kept as its lower triangle, H[a][k]
 * for k <= a (the upper one is not read or written until the descent
 * ends, when mirror() copies it over): its BFGS update is symmetric, so
 * the update is made on half the entries and H b from them, each entry
 * read once for its row's product and its column's (1Lbb grid: the
 * whole matrix's update_matvec, matvec and update_rows were 336M of
 * 4.536e9 instructions, tri_pass, update_rows and mirror are 263M; the
 * arithmetic per entry, two products and two sums of the update, stays).
 * The full update rounded H[a][k] and H[k][a] apart (s_a u_k + c_a s_k
 * against s_k u_a + c_k s_a): the metric is now exactly symmetric, which
 * changes the fits' last bits (bench/RESULTS.md, session 13).  Both
 * passes (tri_pass) go two rows at a time, four columns a step; each
 * entry's expression and each sum's order are fixed (four lanes, then
 * the tail), so the AVX2 clone, the default one and the scalar code
 * without GCC's vector extension give the same doubles. */
static void axpy2(double *restrict h, double a, const double *restrict u,
                  double b, const double *restrict v, int n);

/* dot()'s order for four lanes l and a tail t: t + ((l0 + l1) + (l2 + l3)) */
static double sum4(double l0, double l1, double l2, double l3, double t)
{
    return t + ((l0 + l1) + (l2 + l3));
}

#if defined(__GNUC__)
typedef double hffit_v4 __attribute__((vector_size(32)));

/* four doubles at p as a vector, and back (macros: a function returning a
 * vector type changes the ABI where AVX is not enabled, GCC warns) */
#define LOAD4(p) ({ hffit_v4 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define STORE4(p, v) memcpy((p), &(v), sizeof(hffit_v4))

/* Rows a and a + 1 (r0, r1) over their common columns k < a, the update
 * h += s_r u_k + c_r s_k where upd (sr, cr: the rows' s and c), their
 * products with b into the lanes t0, t1 and the tails e[0], e[1], and
 * the columns' out[k] += h0 b_a + h1 b_{a+1}. */
static HFCORE_CLONE_INLINE void pair_columns(double *restrict r0,
        double *restrict r1, int a, const double *restrict s,
        const double *restrict u, const double sr[2], const double cr[2],
        const double *restrict b, double *restrict out, int upd,
        hffit_v4 *t0, hffit_v4 *t1, double e[2])
{
    int k = 0, a4 = a - a % 4;
    double b0 = b[a], b1 = b[a + 1];
    hffit_v4 l0 = {0, 0, 0, 0}, l1 = l0;
    for (; k < a4; k += 4) {
        hffit_v4 h0 = LOAD4(r0 + k), h1 = LOAD4(r1 + k), bk = LOAD4(b + k);
        if (upd) {
            hffit_v4 uk = LOAD4(u + k), sk = LOAD4(s + k);
            h0 = h0 + (sr[0] * uk + cr[0] * sk);
            h1 = h1 + (sr[1] * uk + cr[1] * sk);
            STORE4(r0 + k, h0);
            STORE4(r1 + k, h1);
        }
        l0 += h0 * bk, l1 += h1 * bk;
        hffit_v4 o = LOAD4(out + k) + (h0 * b0 + h1 * b1);
        STORE4(out + k, o);
    }
    *t0 = l0, *t1 = l1;
    for (; k < a; k++) {
        double h0 = r0[k], h1 = r1[k];
        if (upd) {
            r0[k] = h0 = h0 + (sr[0] * u[k] + cr[0] * s[k]);
            r1[k] = h1 = h1 + (sr[1] * u[k] + cr[1] * s[k]);
        }
        e[0] += h0 * b[k], e[1] += h1 * b[k];
        out[k] = out[k] + (h0 * b0 + h1 * b1);
    }
}

/* Row a alone (the last of an odd n), as pair_columns does two. */
static HFCORE_CLONE_INLINE void one_columns(double *restrict r0, int a,
        const double *restrict s, const double *restrict u, double sr,
        double cr, const double *restrict b, double *restrict out, int upd,
        hffit_v4 *t0, double *e)
{
    int k = 0, a4 = a - a % 4;
    double b0 = b[a];
    hffit_v4 l0 = {0, 0, 0, 0};
    for (; k < a4; k += 4) {
        hffit_v4 h0 = LOAD4(r0 + k), bk = LOAD4(b + k);
        if (upd) {
            hffit_v4 uk = LOAD4(u + k), sk = LOAD4(s + k);
            h0 = h0 + (sr * uk + cr * sk);
            STORE4(r0 + k, h0);
        }
        l0 += h0 * bk;
        hffit_v4 o = LOAD4(out + k) + h0 * b0;
        STORE4(out + k, o);
    }
    *t0 = l0;
    for (; k < a; k++) {
        double h0 = r0[k];
        if (upd)
            r0[k] = h0 = h0 + (sr * u[k] + cr * s[k]);
        *e += h0 * b[k];
        out[k] = out[k] + h0 * b0;
    }
}
#define PAIR_SUM(t, e) sum4((t)[0], (t)[1], (t)[2], (t)[3], (e))
#else
typedef struct { double v[4]; } hffit_v4;

/* pair_columns without GCC's vector extension: the same expressions */
static void pair_columns(double *r0, double *r1, int a, const double *s,
                         const double *u, const double sr[2],
                         const double cr[2], const double *b, double *out,
                         int upd, hffit_v4 *t0, hffit_v4 *t1, double e[2])
{
    int a4 = a - a % 4;
    double b0 = b[a], b1 = b[a + 1];
    *t0 = *t1 = (hffit_v4){{0, 0, 0, 0}};
    for (int k = 0; k < a; k++) {
        double h0 = r0[k], h1 = r1[k];
        if (upd) {
            r0[k] = h0 = h0 + (sr[0] * u[k] + cr[0] * s[k]);
            r1[k] = h1 = h1 + (sr[1] * u[k] + cr[1] * s[k]);
        }
        if (k < a4)
            t0->v[k % 4] += h0 * b[k], t1->v[k % 4] += h1 * b[k];
        else
            e[0] += h0 * b[k], e[1] += h1 * b[k];
        out[k] = out[k] + (h0 * b0 + h1 * b1);
    }
}

static void one_columns(double *r0, int a, const double *s, const double *u,
                        double sr, double cr, const double *b, double *out,
                        int upd, hffit_v4 *t0, double *e)
{
    int a4 = a - a % 4;
    *t0 = (hffit_v4){{0, 0, 0, 0}};
    for (int k = 0; k < a; k++) {
        double h0 = r0[k];
        if (upd)
            r0[k] = h0 = h0 + (sr * u[k] + cr * s[k]);
        if (k < a4)
            t0->v[k % 4] += h0 * b[k];
        else
            *e += h0 * b[k];
        out[k] = out[k] + h0 * b[a];
    }
}
#define PAIR_SUM(t, e) sum4((t).v[0], (t).v[1], (t).v[2], (t).v[3], (e))
#endif

/* h + (s_r u_k + c_r s_k) where upd, the entry's update as the rows' */
static inline double entry(double *h, int upd, double sr, double cr,
                           double uk, double sk)
{
    if (upd)
        *h = *h + (sr * uk + cr * sk);
    return *h;
}

/* out = H b of the symmetric H whose lower triangle H holds (n x n rows),
 * after, where sv > 0, the update H += s u' - (hv / sv) s' on it (each
 * entry H[a][k] += s_a u_k + c_a s_k, c_a = -hv_a / sv: the lower
 * triangle of update_metric's).  out[a] is row a's products (k <= a) and
 * then, as each later row passes, that row's column a.  One pass over
 * the triangle. */
HFCORE_AVX2_CLONE_O3 static void tri_pass(double *restrict H,
                                          const double *restrict s,
                                          const double *restrict u,
                                          const double *restrict hv,
                                          double sv, const double *restrict b,
                                          int n, double *restrict out)
{
    int upd = sv > 0, a = 0;
    for (; a + 2 <= n; a += 2) {
        double *r0 = H + (size_t)a * n, *r1 = r0 + n, e[2] = {0, 0};
        double sr[2] = {0, 0}, cr[2] = {0, 0};
        if (upd)
            for (int i = 0; i < 2; i++)
                sr[i] = s[a + i], cr[i] = -hv[a + i] / sv;
        hffit_v4 t0, t1;
        if (upd)
            pair_columns(r0, r1, a, s, u, sr, cr, b, out, 1, &t0, &t1, e);
        else
            pair_columns(r0, r1, a, s, u, sr, cr, b, out, 0, &t0, &t1, e);
        double d0 = entry(r0 + a, upd, sr[0], cr[0], upd ? u[a] : 0, upd ? s[a] : 0);
        double x = entry(r1 + a, upd, sr[1], cr[1], upd ? u[a] : 0, upd ? s[a] : 0);
        double d1 = entry(r1 + a + 1, upd, sr[1], cr[1], upd ? u[a + 1] : 0,
                          upd ? s[a + 1] : 0);
        out[a] = PAIR_SUM(t0, e[0]) + d0 * b[a];
        out[a] = out[a] + x * b[a + 1];
        out[a + 1] = (PAIR_SUM(t1, e[1]) + x * b[a]) + d1 * b[a + 1];
    }
    if (a < n) {
        double *r0 = H + (size_t)a * n, e = 0, sr = 0, cr = 0;
        if (upd)
            sr = s[a], cr = -hv[a] / sv;
        hffit_v4 t0;
        if (upd)
            one_columns(r0, a, s, u, sr, cr, b, out, 1, &t0, &e);
        else
            one_columns(r0, a, s, u, sr, cr, b, out, 0, &t0, &e);
        double d0 = entry(r0 + a, upd, sr, cr, upd ? u[a] : 0, upd ? s[a] : 0);
        out[a] = PAIR_SUM(t0, e) + d0 * b[a];
    }
}

/* The update alone on the lower triangle (tri_pass's entries) */
static void update_rows(double *H, const double *s, const double *u,
                        const double *hv, double sv, int n)
{
    for (int a = 0; a < n; a++)
        axpy2(H + (size_t)a * n, s[a], u, -hv[a] / sv, s, a + 1);
}

/* Writes the update update_metric left pending in w (bfgs.h). */
static void settle(hf_bfgs_work *w, int n)
{
    if (w->pend_sv > 0)
        update_rows(w->H, w->s, w->u, w->hy, w->pend_sv, n);
    w->pend_sv = 0;
}

/* The lower triangle copied to the upper one: the whole symmetric metric
 * for the descent's caller.  By 4 x 4 tiles transposed in registers
 * where GCC's vector extension allows (1Lbb grid: an entry at a time,
 * 29M instructions), the tiles on the diagonal and the last rows of an
 * n not a multiple of four an entry at a time. */
HFCORE_AVX2_CLONE_O3 static void mirror(double *restrict H, int n)
{
    int a0 = 0;
#if defined(__GNUC__) && !defined(__clang__)
    typedef long long hffit_i4 __attribute__((vector_size(32)));
    const hffit_i4 lo = {0, 4, 2, 6}, hi = {1, 5, 3, 7}, front = {0, 1, 4, 5},
                   back = {2, 3, 6, 7};
    for (; a0 + 4 <= n; a0 += 4)
        for (int k0 = 0; k0 + 4 <= a0; k0 += 4) {
            double *r = H + (size_t)a0 * n + k0, *c = H + (size_t)k0 * n + a0;
            hffit_v4 r0 = LOAD4(r), r1 = LOAD4(r + n), r2 = LOAD4(r + 2 * n),
                     r3 = LOAD4(r + 3 * n);
            hffit_v4 t0 = __builtin_shuffle(r0, r1, lo),
                     t1 = __builtin_shuffle(r0, r1, hi),
                     t2 = __builtin_shuffle(r2, r3, lo),
                     t3 = __builtin_shuffle(r2, r3, hi);
            hffit_v4 c0 = __builtin_shuffle(t0, t2, front),
                     c1 = __builtin_shuffle(t1, t3, front),
                     c2 = __builtin_shuffle(t0, t2, back),
                     c3 = __builtin_shuffle(t1, t3, back);
            STORE4(c, c0);
            STORE4(c + n, c1);
            STORE4(c + 2 * n, c2);
            STORE4(c + 3 * n, c3);
        }
    /* the diagonal's tiles */
    for (int d0 = 0; d0 < a0; d0 += 4)
        for (int a = d0 + 1; a < d0 + 4; a++)
            for (int k = d0; k < a; k++)
                H[(size_t)k * n + a] = H[(size_t)a * n + k];
#endif
    for (int a = a0; a < n; a++)
        for (int k = 0; k < a; k++)
            H[(size_t)k * n + a] = H[(size_t)a * n + k];
}

/* h += a u + b v; unrolled: two vectors an iteration, the loop's count
 * and branch were 3 of its 8 instructions (1Lbb hypotest: 1%) */
HFCORE_AVX2_CLONE_O3 static void axpy2(double *restrict h, double a,
                               const double *restrict u, double b,
                               const double *restrict v, int n)
{
#pragma GCC unroll 2
    for (int k = 0; k < n; k++)
        h[k] += a * u[k] + b * v[k];
}

/* h -= a v, rows a != j of one matrix (restrict: without it GCC must
 * assume they overlap and keeps the loop scalar) */
HFCORE_AVX2_CLONE_O3 static void axpy_minus(double *restrict h, double a,
                                    const double *restrict v, int n)
{
    for (int k = 0; k < n; k++)
        h[k] -= a * v[k];
}

/* The inverse of the metric with j held fixed is H - H[:,j] H[j,:] / H[j,j],
 * whose row and column j are zero, so that steps leave j where it is; BFGS
 * updates keep them zero (their s_j and (H v)_j are zero). */
void hffit_bfgs_drop_variable(double *H, int n, int j)
{
    double hjj = H[(size_t)j * n + j];
    if (!(hjj > 0))
        hjj = 1e-300;
    for (int a = 0; a < n; a++) {
        double haj = H[(size_t)a * n + j] / hjj;
        if (haj == 0 || a == j) /* row j, read by all, is zeroed below */
            continue;
        axpy_minus(H + (size_t)a * n, haj, H + (size_t)j * n, n);
    }
    for (int k = 0; k < n; k++)
        H[(size_t)j * n + k] = H[(size_t)k * n + j] = 0;
}

/* hffit_bfgs_drop_variable on a descent's lower triangle H, column j
 * gathered into c (n): H[a][k] -= (c_a / c_j) c_k over k <= a, then
 * row and column j zero. */
static void drop_lower(double *H, int n, int j, double *c)
{
    for (int a = 0; a < n; a++)
        c[a] = a < j ? H[(size_t)j * n + a] : H[(size_t)a * n + j];
    double hjj = c[j];
    if (!(hjj > 0))
        hjj = 1e-300;
    for (int a = 0; a < n; a++) {
        double haj = c[a] / hjj;
        if (haj == 0 || a == j)
            continue;
        axpy_minus(H + (size_t)a * n, haj, c, a + 1);
    }
    for (int k = 0; k <= j; k++)
        H[(size_t)j * n + k] = 0;
    for (int a = j + 1; a < n; a++)
        H[(size_t)a * n + j] = 0;
}

/* H = Hinv0 without the held variables; Hinv0's diagonal into h0d
 * first (join_released's).  Hinv0 may be w->H itself, the first metric
 * written there by the caller: no copy of n^2 (asymptotic.c's probe and
 * warm.c's fits build their first metric in place). */
static void restart_metric(const hf_bfgs_problem *p, hf_bfgs_work *w,
                           const double *Hinv0)
{
    for (int k = 0; k < p->n; k++)
        w->h0d[k] = Hinv0[(size_t)k * p->n + k];
    if (Hinv0 != w->H)
        memcpy(w->H, Hinv0, (size_t)p->n * p->n * sizeof *w->H);
    for (int k = 0; k < p->n; k++)
        if (w->held[k])
            hffit_bfgs_drop_variable(w->H, p->n, k);
}

/* The released variables (rows and columns still zero) back into the
 * metric with Hinv0's diagonal entry (h0d): a fit from the identity that
 * had a variable on its bound keeps what it learnt of the others (staus'
 * free fit: 41 evaluations instead of 59 with a restart). */
static void join_released(const hf_bfgs_problem *p, hf_bfgs_work *w)
{
    size_t n = (size_t)p->n;
    for (size_t k = 0; k < n; k++)
        if (!w->held[k] && w->H[k * n + k] == 0)
            w->H[k * n + k] = w->h0d[k];
}

/* KKT at a point where the free gradient vanishes: releases the held
 * variables whose gradient pulls away from their bound; 1 if any was. */
static int release_held(const hf_bfgs_problem *p, hf_bfgs_work *w)
{
    int release = 0;
    for (int k = 0; k < p->n; k++)
        if ((w->held[k] < 0 && w->g[k] < 0) ||
            (w->held[k] > 0 && w->g[k] > 0))
            w->held[k] = 0, release = 1;
    return release;
}

/* The bounds in the variables' units, once a descent (bound_steps'). */
static void bounds_y(const hf_bfgs_problem *p, hf_bfgs_work *w)
{
    const double *lo = hf_model_lower(p->m), *hi = hf_model_upper(p->m);
    for (int k = 0; k < p->n; k++) {
        int i = p->idx[k];
        w->ylo[k] = lo[i] / p->width[i];
        w->yhi[k] = hi[i] / p->width[i];
    }
}

/* th = the step along d from y to the bound d points at, for every
 * variable (not read where d is 0): step_cap's two divisions and gathered
 * bounds a variable and iteration were 25M of the 1Lbb grid's
 * instructions, and scalar divisions; here one, vectorised, the bound's
 * bound / width made once a descent (bounds_y), the same doubles. */
HFCORE_AVX2_CLONE_O3 static void bound_steps(double *restrict th,
                                     const double *restrict d,
                                     const double *restrict y,
                                     const double *restrict ylo,
                                     const double *restrict yhi, int n)
{
    for (int k = 0; k < n; k++) {
        double l = ylo[k], h = yhi[k];
        th[k] = ((d[k] < 0 ? l : h) - y[k]) / d[k];
    }
}

/* y + t d (the line search's trial points; vectorised: 10M of the 1Lbb
 * grid's instructions scalar) */
HFCORE_AVX2_CLONE_O3 static void step_point(double *restrict out,
                                    const double *restrict y, double t,
                                    const double *restrict d, int n)
{
    for (int k = 0; k < n; k++)
        out[k] = y[k] + t * d[k];
}

/* The longest step along d to try (3 widths per variable at most: far
 * from the minimum, where the metric is another point's, a full step can
 * be wild), shortened to the first bound on the way: its variable into
 * *hit (-1: none) and the bound into *hitbound. */
static double step_cap(const hf_bfgs_problem *p, hf_bfgs_work *w, int *hit,
                       double *hitbound)
{
    const double *lo = hf_model_lower(p->m), *hi = hf_model_upper(p->m);
    double tcap = 1, dmax = 0;
    for (int k = 0; k < p->n; k++)
        if (fabs(w->d[k]) > dmax)
            dmax = fabs(w->d[k]);
    if (dmax > 3)
        tcap = 3 / dmax;
    *hit = -1;
    bound_steps(w->th, w->d, w->y, w->ylo, w->yhi, p->n);
    for (int k = 0; k < p->n; k++) {
        if (w->d[k] == 0)
            continue;
        if (w->th[k] < tcap) {
            int i = p->idx[k];
            tcap = w->th[k] > 0 ? w->th[k] : 0;
            *hit = k;
            *hitbound = w->d[k] < 0 ? lo[i] : hi[i];
        }
    }
    return tcap;
}

/* Backtracking (Armijo) along d from y, the trial point and its gradient
 * in yt, gt; the step taken into *t (the cap puts `hit` exactly on its
 * bound), the NLL there returned, or NAN when 12 halvings found no
 * decrease. */
static double line_search(const hf_bfgs_problem *p, hf_bfgs_work *w,
                          double f, double slope, double tcap, int hit,
                          double hitbound, double *t, long *nevals)
{
    *t = tcap;
    for (int ls = 0; ls < 12; ls++) {
        step_point(w->yt, w->y, *t, w->d, p->n);
        if (hit >= 0 && *t == tcap)
            w->yt[hit] = hitbound / p->width[p->idx[hit]];
        /* the gradient only where the step is taken: a rejected trial's
         * was never read (a fifth of the trials on the 1Lbb grid) */
        double ft = eval_value(p, w, w->yt, nevals);
        if (ft <= f + 1e-4 * *t * slope) {
            if (gradient_at(p, w, w->gt))
                return ft;
            ft = INFINITY; /* as eval() says of a point without one */
        }
        /* the minimum of the parabola through f, slope and ft, kept
         * within [0.1, 0.5] of the step (Nocedal & Wright 3.5): a metric
         * far too long (syn_large's from the identity, 16x) costs one or
         * two trials a step instead of four or five halvings */
        double tq = -slope * *t * *t / (2 * (ft - f - slope * *t));
        *t = p->adaptive && isfinite(ft) ? fmin(fmax(tq, 0.1 * *t), 0.5 * *t)
                                          : 0.5 * *t;
    }
    return NAN;
}

/* update_metric's u = c1 s - hv / sv and hg += u sgt - s hvgt / sv, in
 * one vectorised loop (scalar: 24M of the 1Lbb grid's instructions, and
 * two divisions an entry); each entry the same expression. */
HFCORE_AVX2_CLONE_O3 static void update_terms(double *restrict u,
                                      double *restrict hg,
                                      const double *restrict s,
                                      const double *restrict hv, double c1,
                                      double sv, double sgt, double hvgt,
                                      int n)
{
    for (int k = 0; k < n; k++) {
        u[k] = c1 * s[k] - hv[k] / sv;
        hg[k] += u[k] * sgt - s[k] * hvgt / sv;
    }
}

/* update_metric's s = yt - y, v = gt - g (in place: v is g), hv = hgt -
 * hg and the sums s.v, s.s, v.v, hv.v, s.gt, hv.gt into sum[0..6), each
 * in four lanes then its tail, added up as sum4 (one scalar chain each,
 * in k's order, the loop was 32M of the 1Lbb grid's instructions); the
 * same lanes in either clone and without GCC's vector extension. */
HFCORE_AVX2_CLONE_O3 static void step_sums(double *restrict s,
        double *restrict v, double *restrict hv, const double *restrict yt,
        const double *restrict y, const double *restrict gt,
        const double *restrict hgt, const double *restrict hg, int n,
        double sum[6])
{
    double l[6][4] = {{0}}, t[6] = {0};
    int k = 0;
#if defined(__GNUC__)
    hffit_v4 a[6] = {{0, 0, 0, 0}};
    for (; k + 4 <= n; k += 4) {
        hffit_v4 g4 = LOAD4(gt + k), sk = LOAD4(yt + k) - LOAD4(y + k),
                 vk = g4 - LOAD4(v + k), hk = LOAD4(hgt + k) - LOAD4(hg + k);
        STORE4(s + k, sk);
        STORE4(v + k, vk);
        STORE4(hv + k, hk);
        a[0] += sk * vk, a[1] += sk * sk, a[2] += vk * vk;
        a[3] += hk * vk, a[4] += sk * g4, a[5] += hk * g4;
    }
    for (int j = 0; j < 6; j++)
        for (int i = 0; i < 4; i++)
            l[j][i] = a[j][i];
#else
    for (; k + 4 <= n; k += 4)
        for (int i = 0; i < 4; i++) {
            double sk = yt[k + i] - y[k + i], vk = gt[k + i] - v[k + i],
                   hk = hgt[k + i] - hg[k + i];
            s[k + i] = sk, v[k + i] = vk, hv[k + i] = hk;
            l[0][i] += sk * vk, l[1][i] += sk * sk, l[2][i] += vk * vk;
            l[3][i] += hk * vk, l[4][i] += sk * gt[k + i];
            l[5][i] += hk * gt[k + i];
        }
#endif
    for (; k < n; k++) {
        double sk = yt[k] - y[k], vk = gt[k] - v[k], hk = hgt[k] - hg[k];
        s[k] = sk, v[k] = vk, hv[k] = hk;
        t[0] += sk * vk, t[1] += sk * sk, t[2] += vk * vk;
        t[3] += hk * vk, t[4] += sk * gt[k], t[5] += hk * gt[k];
    }
    for (int j = 0; j < 6; j++)
        sum[j] = sum4(l[j][0], l[j][1], l[j][2], l[j][3], t[j]);
}

/* BFGS update of the inverse metric with s = yt - y, v = gt - g, keeping
 * hg = H g current in O(n) so that an iteration costs one pass over H
 * (H gt with the last update written on the way), not three.  The update
 * is left pending (w->pend_sv, bfgs.h) for the next one. */
static void update_metric(int n, hf_bfgs_work *w)
{
    double *H = w->H, *s = w->s, *v = w->g, *hv = w->hy;
    double sum[6];
    tri_pass(H, s, w->u, hv, w->pend_sv, w->gt, n, w->hgt);
    w->pend_sv = 0;
    step_sums(s, v, hv, w->yt, w->y, w->gt, w->hgt, w->hg, n, sum);
    double sv = sum[0], ss = sum[1], vv = sum[2], vhv = sum[3], sgt = sum[4],
           hvgt = sum[5];
    memcpy(w->hg, w->hgt, n * sizeof *w->hg);
    /* Skipped where the curvature along s is not clearly positive: the
     * update would break the metric's positive definiteness. */
    if (!(sv > 1e-10 * sqrt(ss * vv)))
        return;
    /* H += c1 s s' - (Hv s' + s (Hv)') / sv, as two rank-1 updates
     * H[a] += s_a u - (Hv_a / sv) s, u = c1 s - Hv / sv; and so
     * H gt += u (s.gt) - s (Hv.gt) / sv. */
    double c1 = (sv + vhv) / (sv * sv);
    update_terms(w->u, w->hg, s, hv, c1, sv, sgt, hvgt, n);
    w->pend_sv = sv;
}

/* Variables from start; those on a bound that their gradient pushes
 * against are held from the start (the POI of a background-only toy at
 * mu = 0).  The NLL at start, or NAN if start is outside the bounds. */
static double init_point(const hf_bfgs_problem *p, const double *Hinv0,
                         const double *start, hf_bfgs_work *w, long *nevals)
{
    const double *lo = hf_model_lower(p->m), *hi = hf_model_upper(p->m);
    memcpy(w->x, start, hf_model_npars(p->m) * sizeof *w->x);
    w->pass_at_x = 0;
    for (int k = 0; k < p->n; k++) {
        int i = p->idx[k];
        w->y[k] = w->x[i] / p->width[i];
        if (!(w->x[i] >= lo[i] && w->x[i] <= hi[i]))
            return NAN;
    }
    double f;
    w->start_taken = w->start_y &&
                     memcmp(w->y, w->start_y, p->n * sizeof *w->y) == 0;
    if (w->start_taken) {
        /* the point eval() would take, evaluated already */
        put_y(p, w, w->y);
        memcpy(w->g, w->start_g, p->n * sizeof *w->g);
        f = w->start_f;
    } else {
        f = eval(p, w, w->y, w->g, nevals);
    }
    w->start_y = NULL;
    bounds_y(p, w);
    for (int k = 0; k < p->n; k++) {
        int i = p->idx[k];
        w->held[k] = w->x[i] == lo[i] && w->g[k] > 0   ? -1
                     : w->x[i] == hi[i] && w->g[k] < 0 ? 1
                                                       : 0;
    }
    restart_metric(p, w, Hinv0);
    return f;
}

/* The point y as parameters into pars (y * width may round a hair
 * outside the bounds: put back). */
static void write_point(const hf_bfgs_problem *p, hf_bfgs_work *w,
                        double *pars)
{
    const double *lo = hf_model_lower(p->m), *hi = hf_model_upper(p->m);
    for (int k = 0; k < p->n; k++) {
        int i = p->idx[k];
        double v = w->y[k] * p->width[i];
        v = v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v;
        /* the pass is at x where the last evaluation was at y */
        if (memcmp(&v, &w->x[i], sizeof v) != 0)
            w->pass_at_x = 0;
        w->x[i] = v;
    }
    memcpy(pars, w->x, hf_model_npars(p->m) * sizeof *pars);
}

/* Whether the accepted point is within w->near_r widths of w->near in
 * every moved parameter. */
static int at_near(const hf_bfgs_problem *p, const hf_bfgs_work *w)
{
    for (int k = 0; k < p->n; k++) {
        int i = p->idx[k];
        if (!(fabs(w->y[k] - w->near[i] / p->width[i]) <= w->near_r))
            return 0;
    }
    return 1;
}

int hffit_bfgs(const hf_bfgs_problem *p, const double *Hinv0,
            const double *start, double *pars, double *tnll, long *nevals,
            hf_bfgs_work *w)
{
    return hffit_bfgs_newton(p, 0, Hinv0, start, pars, tnll, nevals, w);
}

/* Whether a step t along the metric's direction (slope the directional
 * derivative at t = 1) from f to ft made a decrease outside a factor rho
 * of the quadratic model's f + t slope (1 - t/2) (the metric's curvature
 * along its own Newton direction is -slope); rho 0: never. */
static int first_step_bad(double rho, double f, double ft, double slope,
                          double t)
{
    double pred = slope * t * (1 - 0.5 * t), r = (ft - f) / pred;
    return rho > 0 && !(r >= 1 / rho && r <= rho);
}

/* w->hg = H g (the metric times the gradient), unless *have says it
 * already is; then *have is set. */
static void metric_gradient(hf_bfgs_work *w, int n, int *have)
{
    if (!*have) { /* the pending update written on the way */
        tri_pass(w->H, w->s, w->u, w->hy, w->pend_sv, w->g, n, w->hg);
        w->pend_sv = 0;
    }
    *have = 1;
}

/* Whether the descent at f has converged: half the squared gradient over
 * the free variables (a held variable has no step) within tol of f's
 * scale, and, with newton_tol, the predicted decrease g.H.g / 2 within
 * newton_tol too (the held rows of H are zero). */
static int small_step(hf_bfgs_work *w, int n, double f, double tol,
                      double newton_tol, int *have_hg)
{
    double g2 = 0, scale = fabs(f) > 1 ? fabs(f) : 1;
    for (int k = 0; k < n; k++)
        if (!w->held[k])
            g2 += w->g[k] * w->g[k];
    int small = 0.5 * g2 <= tol * scale;
    if (small && newton_tol > 0) {
        metric_gradient(w, n, have_hg);
        small = 0.5 * dot(w->g, w->hg, n) <= newton_tol * scale;
    }
    return small;
}

int hffit_bfgs_newton(const hf_bfgs_problem *p, double newton_tol,
                      const double *Hinv0, const double *start, double *pars,
                      double *tnll, long *nevals, hf_bfgs_work *w)
{
    int n = p->n, rc = HF_ERR_FIT, releases = 0, have_hg = 0;
    int max_iter = p->max_iter > 0 ? p->max_iter : 60;
    double tol = p->tolerance > 0 ? p->tolerance : 1e-10;
    if (Hinv0 == w->H && !p->adaptive)
        return HF_ERR_ARG; /* a restart would need the metric overwritten */
    w->pend_sv = 0;
    double f = init_point(p, Hinv0, start, w, nevals);
    w->at_near = 0;
    w->first_bad = 0;
    w->gave_up = 0;
    w->stopped_lower = 0;
    if (isnan(f)) {
        memmove(pars, start, hf_model_npars(p->m) * sizeof *pars);
        return HF_ERR_FIT;
    }
    for (int it = 0; isfinite(f) && it < max_iter; it++) {
        double slope = 0;
        if (small_step(w, n, f, tol, newton_tol, &have_hg)) {
            if (!release_held(p, w)) {
                rc = HF_OK;
                break;
            }
            if (++releases > 3)
                break;
            settle(w, n);
            if (p->adaptive)
                join_released(p, w);
            else
                restart_metric(p, w, Hinv0);
            have_hg = 0;
            continue;
        }
        metric_gradient(w, n, &have_hg);
        for (int a = 0; a < n; a++) {
            w->d[a] = -w->hg[a];
            slope += w->d[a] * w->g[a];
        }
        if (!(slope < 0))
            break;
        if (w->give_up && f + 2 * slope > w->give_up_f) {
            w->gave_up = 1;
            break;
        }
        int hit;
        double hitbound = 0, t;
        double tcap = step_cap(p, w, &hit, &hitbound);
        double ft = line_search(p, w, f, slope, tcap, hit, hitbound, &t,
                                nevals);
        if (isnan(ft))
            break;
        if (it == 0 && first_step_bad(w->first_rho, f, ft, slope, t)) {
            w->first_bad = 1;
            break;
        }
        update_metric(n, w);
        if (hit >= 0 && t == tcap) {
            w->held[hit] = hitbound == hf_model_lower(p->m)[p->idx[hit]]
                               ? -1 : 1;
            settle(w, n);
            drop_lower(w->H, n, hit, w->th);
            have_hg = 0;
            w->stopped_lower = w->stop_lower && w->held[hit] < 0 &&
                               w->stop_lower[p->idx[hit]];
        }
        memcpy(w->y, w->yt, n * sizeof *w->y);
        memcpy(w->g, w->gt, n * sizeof *w->g);
        f = ft;
        if (w->stopped_lower ||
            (w->near && (w->at_near = at_near(p, w))))
            break;
    }
    settle(w, n); /* the caller reads H, whole */
    mirror(w->H, n);
    *tnll = 2 * f;
    write_point(p, w, pars);
    return rc;
}
