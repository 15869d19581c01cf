/*
 * converge.c - is the point a fit stopped at a minimum?  A small
 * projected gradient holds at a saddle too: a coordinate whose every
 * template is symmetric about its centre and pulls the yield down on
 * both sides (a normsys with hi = lo < 1, a histosys with both templates
 * below the nominal) has a gradient of exactly zero at 0, so L-BFGS
 * started there never moves it, even where the data want the lower
 * yield (tests/pyhf/saddle.json: twice_nll 1059.15 at the saddle, 42.10
 * at the minimum).  Only the curvature tells: the Hessian on the free
 * parameters not held at a bound must be positive definite.  Every fit
 * checks that Hessian whole and exact (hffit_curvature, hf/hessian.c: no
 * NLL evaluation, about the time of a few gradients).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>

#include "fit.h"

/* Below this (in width units, where a constraint's own curvature is 1) a
 * negative eigenvalue is a flat direction, not a saddle: along it the NLL
 * can drop by at most ~1e-6 w^2 over w widths.  It was chosen for the
 * rounding of differences (steps of 1e-4 widths, gradients of up to ~1e3:
 * ~1e-9 an entry); the exact Hessian's rounding is far below it, and the
 * verdicts stay those the fits were measured with. */
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
 * compiler to vectorise it, inlined into panel_update's FMA clone.  Four
 * columns at once: each element of a is loaded and stored once for four
 * updates (one at a time, the factorisation was bound by those loads
 * and stores).  One product taken off at a time: contracted, four fused
 * multiply-subtracts an element (the products summed first and without
 * FMA, the updates took 0.37M instructions of a 1Lbb check, 0.30M so);
 * the pivots round differently, and only their signs are read
 * (positive_definite). */
static HFCORE_CLONE_INLINE void axpy4_minus(double *restrict a, const double *u,
                        const double *restrict b0, const double *restrict b1,
                        const double *restrict b2, const double *restrict b3,
                        int n)
{
    double u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3];
#pragma omp simd
    for (int j = 0; j < n; j++)
        a[j] = a[j] - u0 * b0[j] - u1 * b1[j] - u2 * b2[j] - u3 * b3[j];
}

/* The rows j0 .. n of U (their upper triangle) less the panel's rank-four
 * update, C's four rows (a short panel's last ones zero).  The loop over
 * rows inside the clone, axpy4_minus inlined: with a call per row
 * (through the clone's resolver, the row's four u gathered in the
 * caller) the updates took 0.40M instructions of a 1Lbb check, 0.37M
 * so. */
static HFCORE_FMA_CLONE_O3 void panel_update(double *U, int n, const double *C,
                                              int j0)
{
    const double *c1 = C + n, *c2 = C + 2 * (size_t)n, *c3 = C + 3 * (size_t)n;
    for (int j = j0; j < n; j++) {
        double u[4] = {C[j], c1[j], c2[j], c3[j]};
        if (u[0] == 0 && u[1] == 0 && u[2] == 0 && u[3] == 0)
            continue; /* row j meets none of the panel's rows */
        axpy4_minus(U + (size_t)j * n + j, u, C + j, c1 + j, c2 + j, c3 + j, n - j);
    }
}

/* a[0..n) -= u b[0..n), vectorised, inlined into panel's clone */
static HFCORE_CLONE_INLINE void axpy_minus(double *restrict a, double u,
                                           const double *restrict b, int n)
{
#pragma omp simd
    for (int j = 0; j < n; j++)
        a[j] -= b[j] * u;
}

/* The panel of rows k0 .. k0 + kb of the factor into C's rows: row k =
 * k0 + t of U less the panel's earlier rows, then scaled by its pivot
 * into C[t][k+1 ..), C[t][k] = 0; 0 where a pivot is not positive.  The
 * earlier rows' products taken off one row at a time, in q's order as a
 * single entry's loop over q would, in loops over i that vectorise.  One
 * function cloned with FMA (its rounding only the pivots' signs read):
 * its scaling loop vectorised (outside a clone it was scalar: with the
 * calls of axpy_minus, the panels took 0.09M instructions of a 1Lbb
 * check, 0.05M so). */
static HFCORE_FMA_CLONE_O3 int panel(const double *U, int n, double *C,
                                     int k0, int kb)
{
    for (int t = 0; t < kb; t++) {
        int k = k0 + t;
        double *ct = C + (size_t)t * n;
        memcpy(ct + k, U + (size_t)k * n + k, (n - k) * sizeof *ct);
        for (int q = 0; q < t; q++)
            axpy_minus(ct + k, C[(size_t)q * n + k], C + (size_t)q * n + k, n - k);
        if (!(ct[k] > 0))
            return 0;
        double r = 1 / sqrt(ct[k]);
        for (int i = k + 1; i < n; i++)
            ct[i] *= r;
        ct[k] = 0;
    }
    return 1;
}

/* Positive definite (in width units): a Cholesky factorisation (in
 * place: U, n*n, is destroyed; C, 4*n, scratch) whose every pivot is
 * positive.  Written out, not GSL's: its modified Cholesky, used before,
 * did rank-one updates through gslcblas's dsyr, a fifth of a staus
 * hypotest once every fit checks the whole Hessian; here four rows of
 * the factor are found at a time (their panel by plain loops) and the
 * trailing upper triangle takes their rank-four update in contiguous
 * rows.  The upper triangle (U = L^T), so that the panel reads rows of
 * the matrix, not columns: a column of a 2,400-parameter block is 2,400
 * cache lines, and reading them was a fifth of the check.  The matrix is
 * exactly symmetric (block_of), so the pivots, and the verdict, are
 * those of the lower-triangle factorisation used before.
 * gsl_linalg_cholesky_decomp1 reports an indefinite matrix through GSL's
 * error handler, which is global state.  Where the modified Cholesky
 * would have added a perturbation to a matrix this one accepts, the
 * matrix is positive definite to rounding and the verdict is the same
 * (not HFFIT_SADDLE, which is all the fits ask). */
static int positive_definite(double *U, int n, double *C)
{
    for (int k0 = 0; k0 < n; k0 += 4) {
        int kb = n - k0 < 4 ? n - k0 : 4;
        if (!panel(U, n, C, k0, kb))
            return 0;
        for (int t = kb; t < 4; t++) /* a short last panel: zero rows */
            memset(C + (size_t)t * n, 0, n * sizeof *C);
        panel_update(U, n, C, k0 + kb);
    }
    return 1;
}

/* The Hessian's rows and columns asc[0..n) (ascending parameters) moved
 * in place to the front of H (npars^2): H[a*n + b] = H[asc[a]*npars +
 * asc[b]].  Each entry moves to a place no later than its own and no
 * entry read later lies before it, so no second n*n buffer (47 MB of
 * fresh pages per check on a 2,400-parameter model) is needed.  The
 * non-zero entries of each row into nnz[a]. */
static void compact(double *H, int npars, int n, const int *asc, int *nnz)
{
    for (int a = 0; a < n; a++) {
        const double *row = H + (size_t)asc[a] * npars;
        double *out = H + (size_t)a * n;
        int c = 0;
        for (int b = 0; b < n; b++) {
            double v = row[asc[b]];
            c += v != 0;
            out[b] = v;
        }
        nnz[a] = c;
    }
}

/* The n x n block B (compact's) permuted in place, F[j][l] =
 * B[P[j]][P[l]], in width units (pw[j]: row j's width after the move):
 * each row's columns through tmp[n], then the rows along the cycles of
 * P (seen[n] marks those placed).  (v w_j) w_l with j the later of the
 * two, for both triangles: F is exactly symmetric, and its lower
 * triangle is what cut() of the whole Hessian used to give.  0 where an
 * entry is not finite (a yield at zero with a count). */
static int block_of(double *B, int n, const int *P, const double *pw,
                    double *tmp, int *seen)
{
    int ok = 1;
    for (int j = 0; j < n; j++) {
        double *row = B + (size_t)P[j] * n;
        for (int l = 0; l < n; l++) {
            double v = row[P[l]];
            v = l > j ? v * pw[l] * pw[j] : v * pw[j] * pw[l];
            ok &= isfinite(v);
            tmp[l] = v;
        }
        memcpy(row, tmp, n * sizeof *tmp);
    }
    memset(seen, 0, n * sizeof *seen);
    for (int s = 0; s < n; s++) {
        if (seen[s])
            continue;
        memcpy(tmp, B + (size_t)s * n, n * sizeof *tmp);
        int j = s;
        while (P[j] != s) {
            memcpy(B + (size_t)j * n, B + (size_t)P[j] * n, n * sizeof *B);
            seen[j] = 1;
            j = P[j];
        }
        memcpy(B + (size_t)j * n, tmp, n * sizeof *tmp);
        seen[j] = 1;
    }
    return ok;
}
/* qsort's order of (key, a) pairs of ints: by key, ties by a */
static int by_key(const void *p, const void *q)
{
    const int *x = p, *y = q;
    return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0])
                        : (x[1] > y[1]) - (x[1] < y[1]);
}

/* The check's index arrays (7 n ints): asc, the parameters idx in
 * ascending order (compact's rows); rank[a], idx[a]'s place among them;
 * nnz by compact row; P, the permutation block_of applies; k (2n) and
 * seen, scratch (k: ascending's (key, a) pairs, sparse_order's counts,
 * count_nonzeros' runs, hessian_block_apart's q npars, along's inverse
 * of rank, each free again when its function returns). */
typedef struct check_order {
    int *asc, *rank, *nnz, *P, *k, *seen;
} check_order;

static check_order order_in(int *ib, int n)
{
    return (check_order){ib, ib + n, ib + 2 * (size_t)n, ib + 3 * (size_t)n,
                         ib + 4 * (size_t)n, ib + 6 * (size_t)n};
}

static void ascending(check_order *o, int n, const int *idx)
{
    int sorted = 1;
    for (int a = 1; a < n && sorted; a++)
        sorted = idx[a - 1] < idx[a];
    if (sorted) { /* the fits' idx (free parameters in index order): qsort's
                     order without qsort */
        for (int a = 0; a < n; a++) {
            o->asc[a] = idx[a];
            o->rank[a] = a;
        }
        return;
    }
    for (int a = 0; a < n; a++) {
        o->k[2 * a] = idx[a];
        o->k[2 * a + 1] = a;
    }
    qsort(o->k, n, 2 * sizeof *o->k, by_key);
    for (int r = 0; r < n; r++) {
        o->asc[r] = o->k[2 * r];
        o->rank[o->k[2 * r + 1]] = r;
    }
}

/* P and pw ordering the block by the count of non-zero entries of each
 * row (fewest first, ties in the given order).  A symmetric permutation
 * leaves positive definiteness as it is; ordered so, the gammas (each
 * couples only with its bin's parameters and the shared ones) come first
 * and their rows of the factor stay as sparse as the matrix's, so the
 * rank-four updates skip almost every row: on a 2,400-parameter model
 * the dense order made the factorisation, O(n^3), two thirds of a
 * hypotest. */
static void sparse_order(check_order *o, int n, const double *w, double *pw)
{
    /* a counting sort (the counts are 0 .. n): qsort's permutation of
     * the (count, a) pairs, as the places go out in a's order, without
     * its n log n calls of by_key (1Lbb: 25k instructions a check) */
    int *at = o->k; /* n + 1 of k's 2n */
    memset(at, 0, (n + 1) * sizeof *at);
    for (int a = 0; a < n; a++)
        at[o->nnz[o->rank[a]]]++;
    for (int c = 0, sum = 0; c <= n; c++) {
        int k = at[c];
        at[c] = sum;
        sum += k;
    }
    for (int a = 0; a < n; a++) {
        int j = at[o->nnz[o->rank[a]]]++;
        o->P[j] = o->rank[a];
        pw[j] = w[a];
    }
}

/* The block idx[0..n) of the exact Hessian at x, in width units, at the
 * front of H (npars^2 + the Hessian's scratch): permuted by the count of
 * non-zeros (sparse: for positive_definite) or in idx's order. */
static int hessian_block(const hf_model *m, const double *data,
                         const double *x, int n, const double *w, int sparse,
                         check_order *o, double *H, double *pw, double *tmp)
{
    int npars = hf_model_npars(m);
    if (hfmodel_hessian(m, x, data, H, H + (size_t)npars * npars) != HF_OK)
        return 0;
    compact(H, npars, n, o->asc, o->nnz);
    if (sparse) {
        sparse_order(o, n, w, pw);
    } else {
        memcpy(o->P, o->rank, n * sizeof *o->P);
        memcpy(pw, w, n * sizeof *pw);
    }
    return block_of(H, n, o->P, pw, tmp, o->seen);
}

/* row[0..len) != 0 counted into nnz[0..len) (a column's count), and
 * the row's count returned: contiguous, so that it vectorises (without
 * branches: whether an entry is zero is the data's) */
static HFCORE_AVX2_CLONE_O3 int count_row(const double *restrict row,
                                          int *restrict nnz, int len)
{
    int c = 0;
    for (int b = 0; b < len; b++) {
        int nz = row[b] != 0;
        c += nz;
        nnz[b] += nz;
    }
    return c;
}

/* compact's counts of non-zeros by row of the block asc[0..n) from H's
 * lower triangle (npars^2), each pair once, into o->nnz.  By runs of
 * consecutive parameters in asc (every parameter but a fixed POI or one
 * at a bound: one to three runs), whose entries in a row are contiguous:
 * read through asc one at a time, the pairs cost 11 instructions each
 * (1Lbb: 75k a check). */
static void count_nonzeros(const double *H, int npars, int n, check_order *o)
{
    int *run = o->k, nrun = 0; /* run starts, then n: k's first n + 1 */
    for (int a = 0; a < n; a++)
        if (a == 0 || o->asc[a] != o->asc[a - 1] + 1)
            run[nrun++] = a;
    run[nrun] = n;
    memset(o->nnz, 0, n * sizeof *o->nnz);
    for (int a = 0; a < n; a++) {
        const double *row = H + (size_t)o->asc[a] * npars; /* asc[b] <= asc[a] */
        int c = row[o->asc[a]] != 0;
        for (int r = 0; r < nrun && run[r] < a; r++) {
            int b0 = run[r], b1 = run[r + 1] < a ? run[r + 1] : a;
            c += count_row(row + o->asc[b0], o->nnz + b0, b1 - b0);
        }
        o->nnz[a] += c;
    }
}

/* Row j of the block (q[j] = qj, qn[l] = q[l] npars) from the lower
 * triangle in H: out[l] = H_{q[j] q[l]} pw[l] pj for l >= j (the later
 * one's weight first, as block_of), the pair's entry at the larger of
 * qn[l] + qj and qj npars + q[l] (without a branch: which index is larger
 * is the data's); returns the sum of v - v, 0 where every v is finite,
 * NaN where one is not (in any order: summed in the loop, it was a chain
 * of dependent additions and four of an entry's 17 instructions). */
static HFCORE_AVX2_CLONE_O3 double block_row(double *restrict out,
                                             const double *restrict H,
                                             const int *restrict q,
                                             const int *restrict qn,
                                             const double *restrict pw,
                                             double pj, int j, int n)
{
    int qj = q[j], qjn = qn[j];
    double bad = 0;
    for (int l = j; l < n; l++) {
        int at = qn[l] + qj > qjn + q[l] ? qn[l] + qj : qjn + q[l];
        out[l] = H[at] * pw[l] * pj;
    }
#pragma omp simd reduction(+ : bad)
    for (int l = j; l < n; l++)
        bad += out[l] - out[l];
    return bad;
}

/* hessian_block's sparse-ordered block into F (n x n, apart from H; its
 * upper triangle only, all that positive_definite reads), read straight
 * from the lower triangle hfmodel_hessian_lower leaves in H: the same
 * values, bit for bit (each pair's entry, scaled as block_of scales it),
 * without the passes that mirror, compact and permute the whole matrix
 * in place (1Lbb: 0.22M of the 3.7M instructions of a check).  A row at
 * a time (block_row, 8 instructions an entry: in one loop with the test
 * of finite entries, 17, 65M of the 1Lbb grid's 4.46e9).  The row counts
 * of non-zeros (compact's) from each pair once.  The parameters in the
 * block's order go to o->seen. */
static int hessian_block_apart(const hf_model *m, const double *data,
                               const double *x, int n, const double *w,
                               check_order *o, double *H, double *F,
                               double *pw)
{
    int npars = hf_model_npars(m), *q = o->seen;
    if (hfmodel_hessian_lower(m, x, data, H, H + (size_t)npars * npars) !=
        HF_OK)
        return 0;
    count_nonzeros(H, npars, n, o);
    sparse_order(o, n, w, pw);
    /* qn[j] = q[j] npars, an int: the block is made apart only below
     * SCRATCH_KEEP_MIN doubles (npars^2 < 2^22) */
    int *qn = o->k;
    for (int j = 0; j < n; j++) {
        q[j] = o->asc[o->P[j]];
        qn[j] = q[j] * npars;
    }
    double bad = 0;
    for (int j = 0; j < n; j++)
        bad += block_row(F + (size_t)j * n, H, q, qn, pw, pw[j], j, n);
    return bad == 0;
}

/* hessian_block's block in idx's order (not sparse) into F (n x n), from
 * the lower triangle hessian_block_apart left in H, which the
 * factorisation of F did not touch: the same entries, bit for bit (each
 * pair's entry, scaled as block_of scales it), without computing the
 * Hessian again for a saddle's direction. */
static void block_from_lower(const double *H, int npars, int n,
                             const int *idx, const double *w, double *F)
{
    for (int j = 0; j < n; j++)
        for (int l = 0; l < n; l++) {
            size_t at = idx[j] >= idx[l] ? (size_t)idx[j] * npars + idx[l]
                                         : (size_t)idx[l] * npars + idx[j];
            F[(size_t)j * n + l] = l > j ? H[at] * w[l] * w[j] : H[at] * w[j] * w[l];
        }
}

/* Below this many doubles (32 MB: glibc's largest threshold for mapping
 * an allocation afresh) a check takes its own buffers even where a kept
 * scratch is offered: malloc then hands a freed buffer back from its heap
 * with its pages, and a scratch held across the fits made staus and
 * gen_big-600 hypotests run in a loop 4 to 10% slower (the heap's top
 * trimmed and grown again each hypotest: 30-40% more page faults).  Above
 * it every buffer is mapped and faulted in afresh, and the scratch saves
 * that. */
#define SCRATCH_KEEP_MIN ((size_t)4 << 20)

/* s's buffers grown to nd doubles and ni ints (their contents are not
 * kept: each check fills what it reads); 0 when out of memory. */
static int scratch_size(hffit_scratch *s, size_t nd, size_t ni)
{
    if (s->nd < nd) {
        free(s->d);
        s->d = malloc(nd * sizeof *s->d);
        s->nd = s->d ? nd : 0;
    }
    if (s->ni < ni) {
        free(s->i);
        s->i = malloc(ni * sizeof *s->i);
        s->ni = s->i ? ni : 0;
    }
    return s->d && s->i;
}

void hffit_scratch_free(hffit_scratch *s)
{
    free(s->d);
    free(s->i);
    *s = (hffit_scratch){0};
}

int hffit_curvature(const hf_model *m, const double *data, const double *x,
                    int n, const int *idx, const double *w, double *dir,
                    int *nevals)
{
    return hffit_curvature_ex(m, data, x, n, idx, w, dir, nevals, NULL);
}

int hffit_curvature_ex(const hf_model *m, const double *data,
                       const double *x, int n, const int *idx,
                       const double *w, double *dir, int *nevals,
                       hffit_scratch *s)
{
    return hffit_curvature_along(m, data, x, n, idx, w, NULL, NULL, dir,
                                 nevals, s);
}

/* sum a[j] b[j], vectorised and cloned for AVX2 without FMA (in the
 * lanes' order: along's sum is a verdict's input, not an output) */
HFCORE_AVX2_CLONE
static double dot(const double *restrict a, const double *restrict b, int n)
{
    double t = 0;
#pragma omp simd reduction(+ : t)
    for (int j = 0; j < n; j++)
        t += a[j] * b[j];
    return t;
}

/* u'Bu of the block B as positive_definite gets it (its upper triangle,
 * sparse_order's rows: row j is the variable a with rank[a] = P[j]), u
 * in idx's order; up[n] scratch, and k (free once sparse_order is done)
 * for rank's inverse.  About n^2 / 2 multiply-adds: 1Lbb's 115
 * parameters, some 10k instructions against the check's 2.6M. */
static double along(const double *B, int n, check_order *o,
                    const double *u, double *up)
{
    for (int a = 0; a < n; a++)
        o->k[o->rank[a]] = a;
    for (int j = 0; j < n; j++)
        up[j] = u[o->k[o->P[j]]];
    double s = 0;
    for (int j = 0; j < n; j++) {
        const double *row = B + (size_t)j * n;
        double t = dot(row + j + 1, up + j + 1, n - j - 1);
        s += up[j] * (row[j] * up[j] + 2 * t);
    }
    return s;
}

int hffit_curvature_along(const hf_model *m, const double *data,
                          const double *x, int n, const int *idx,
                          const double *w, const double *u, double *uhu,
                          double *dir, int *nevals, hffit_scratch *s)
{
    if (uhu)
        *uhu = NAN;
    if (n == 0)
        return HFFIT_MINIMUM;
    int rc = HFFIT_UNKNOWN, npars = hf_model_npars(m);
    hffit_scratch own = {0};
    /* one buffer (not one per array: each buffer of this size was mapped
     * and unmapped, a third of a staus hypotest in page faults): the whole
     * Hessian, whose block is then factorised in place at its front, and
     * its scratch; four rows of the factor; the widths in the block's
     * order; a row */
    size_t nh = (size_t)npars * npars + hfmodel_hessian_work_size(m);
    size_t nd = nh + 6 * (size_t)npars; /* for every free parameter, not
                                           this fit's n: one size a model */
    (void)nevals; /* the exact Hessian is no NLL evaluation */
    /* below it the block is made apart from the Hessian (F) */
    int apart = nd < SCRATCH_KEEP_MIN;
    if (apart) {
        s = NULL;
        nd += (size_t)n * n;
    }
    if (!scratch_size(s ? s : &own, nd, 7 * (size_t)npars))
        goto out;
    double *H = s ? s->d : own.d, *col = H + nh, *pw = col + 4 * (size_t)n;
    double *tmp = pw + n, *F = H + nh + 6 * (size_t)npars;
    check_order o = order_in(s ? s->i : own.i, n);
    ascending(&o, n, idx);
    if (!(apart ? hessian_block_apart(m, data, x, n, w, &o, H, F, pw)
                : hessian_block(m, data, x, n, w, 1, &o, H, pw, tmp)))
        goto out;
    if (u)
        *uhu = along(apart ? F : H, n, &o, u, tmp);
    if (positive_definite(apart ? F : H, n, col)) {
        rc = HFFIT_MINIMUM;
        goto out;
    }
    /* the factorisation destroyed the block: again, in idx's order (rare:
     * a saddle, or flat); made apart, from H's lower triangle, intact */
    if (apart)
        block_from_lower(H, npars, n, idx, w, F);
    else
        hessian_block(m, data, x, n, w, 0, &o, H, pw, tmp);
    double lo = lowest(apart ? F : H, n, dir);
    rc = isnan(lo) ? HFFIT_UNKNOWN : lo < -NEG_CURVATURE ? HFFIT_SADDLE : HFFIT_FLAT;
out:
    hffit_scratch_free(&own);
    return rc;
}
