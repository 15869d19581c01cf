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
