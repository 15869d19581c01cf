/*
 * gauss.c - a first metric for a descent that has no fit's metric to
 * start from (infer/asymptotic.c's second start of q0's Asimov fit): the
 * Gauss-Newton inverse Hessian at the start point, in width units.
 *
 * Why: from the identity, a BFGS on a published likelihood takes its first
 * steps at t ~ 0.005-0.05 of the gradient (normfactors and well-measured
 * gammas are far stiffer than the constraint widths say) and needs several
 * line-search trials a step; the parameters the stiff ones leave behind
 * move by little for several iterations (2Ljets' signal-region staterror).
 * The main bins' curvature is almost all J' W J (J the yields' Jacobian,
 * W = n / lam^2 the Poisson terms' weight), whose rank is the number of
 * main bins: a handful on the shared real workspaces against 50-120
 * parameters.  Each row of J is one pass of the model's reverse mode
 * (hfmodel_yield_gradient), counted as one evaluation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "fit.h"

/* U (n x r): the rows of J of the bins with a positive weight, times the
 * square root of their weight, as columns; returns r. */
static int gauss_rows(const hf_model *m, const double *data, const double *x,
                      int n, const int *idx, const double *width, double *U,
                      double *g, double *work, int *nevals)
{
    int nb = hf_model_nmain(m), r = 0;
    for (int b = 0; b < nb; b++) {
        hfmodel_yield_gradient(m, x, b, g, work);
        ++*nevals;
        double lam = work[b], wb = data[b] / (lam * lam);
        if (!(lam > 0) || !(wb > 0) || !isfinite(wb))
            continue; /* an empty bin: its Poisson term is linear in lam */
        double s = sqrt(wb);
        for (int k = 0; k < n; k++)
            U[(size_t)k * nb + r] = s * g[idx[k]] * width[idx[k]];
        r++;
    }
    return r;
}

int hffit_gauss_newton(const hf_model *m, const double *data, const double *x,
                       int n, const int *idx, const double *width, double *H,
                       int *nevals)
{
    int nb = hf_model_nmain(m), np = hf_model_npars(m), rc = HF_ERR_NOMEM;
    size_t nn = n > 0 ? (size_t)n : 1, mb = nb > 0 ? (size_t)nb : 1;
    double *U = malloc(2 * nn * mb * sizeof *U), *V = U ? U + nn * mb : NULL;
    double *M = malloc(mb * mb * sizeof *M);
    double *g = malloc((np > 0 ? (size_t)np : 1) * sizeof *g);
    double *work = malloc(hf_model_work_size(m) * sizeof *work);
    if (!U || !M || !g || !work)
        goto out;
    int r = gauss_rows(m, data, x, n, idx, width, U, g, work, nevals);
    /* (I + U U')^-1 = I - U (I + U'U)^-1 U' (Woodbury): an r x r system,
     * r <= the main bins; the constraint terms' curvature is about 1 in
     * width units (and 1 keeps the unconstrained ones' rows invertible) */
    for (int a = 0; a < r; a++)
        for (int b = 0; b < r; b++) {
            double s = a == b;
            for (int k = 0; k < n; k++)
                s += U[(size_t)k * nb + a] * U[(size_t)k * nb + b];
            M[(size_t)a * r + b] = s;
        }
    gsl_matrix_view mv = gsl_matrix_view_array(M, r ? r : 1, r ? r : 1);
    rc = HF_ERR_FIT;
    if (r && (gsl_linalg_cholesky_decomp1(&mv.matrix) != GSL_SUCCESS ||
              gsl_linalg_cholesky_invert(&mv.matrix) != GSL_SUCCESS))
        goto out;
    /* V = U M^-1, then H = I - V U': O(n^2 r) */
    for (int a = 0; a < n; a++)
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (int i = 0; i < r; i++)
                s += U[(size_t)a * nb + i] * M[(size_t)i * r + j];
            V[(size_t)a * nb + j] = s;
        }
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double s = 0;
            for (int j = 0; j < r; j++)
                s += V[(size_t)a * nb + j] * U[(size_t)b * nb + j];
            H[(size_t)a * n + b] = (a == b) - s;
        }
    rc = HF_OK;
out:
    free(U);
    free(M);
    free(g);
    free(work);
    return rc;
}
