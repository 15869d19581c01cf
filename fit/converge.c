/*
 * converge.c - is the point a fit stopped at a minimum?  A small
 * projected gradient holds at a saddle too: a coordinate whose every
 * template is symmetric about its centre and pulls the yield down on
 * both sides (a normsys with hi = lo < 1, a histosys with both templates
 * below the nominal) has a gradient of exactly zero at 0, so L-BFGS
 * started there never moves it, even where the data want the lower
 * yield (tests/pyhf/saddle.json: twice_nll 1059.15 at the saddle, 42.10
 * at the minimum).  Only the curvature tells: the Hessian on the free
 * parameters not held at a bound must be positive definite.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

#include "fit.h"

/* Below this (in width units, where a constraint's own curvature is 1) a
 * negative eigenvalue is the finite differences' rounding, not a saddle:
 * with steps of 1e-4 widths and gradients of up to ~1e3, the rounding of
 * each entry is ~1e-9; along such a direction the NLL can drop by at
 * most ~1e-6 w^2 over w widths. */
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

/* Positive definite (in width units) by GSL's modified Cholesky: it
 * reports, in e, the perturbation it had to add instead of failing
 * through GSL's error handler, which is global state. */
static int positive_definite(const double *H, int n, double *tmp)
{
    gsl_permutation *p = gsl_permutation_alloc(n);
    gsl_vector *e = gsl_vector_alloc(n);
    int pd = 0;
    if (p && e) {
        memcpy(tmp, H, (size_t)n * n * sizeof *tmp);
        gsl_matrix_view tv = gsl_matrix_view_array(tmp, n, n);
        pd = gsl_linalg_mcholesky_decomp(&tv.matrix, p, e) == GSL_SUCCESS &&
             gsl_vector_max(e) == 0;
    }
    gsl_permutation_free(p);
    gsl_vector_free(e);
    return pd;
}

int hffit_curvature(const hf_model *m, const double *data, const double *x,
                    int n, const int *idx, const double *w, double *dir,
                    int *nevals)
{
    if (n == 0)
        return HFFIT_MINIMUM;
    int npars = hf_model_npars(m), rc = HFFIT_UNKNOWN;
    double *h = malloc(n * sizeof *h);
    double *H = malloc(2 * (size_t)n * n * sizeof *H);
    double *work = malloc((hf_model_work_size(m) + 4 * (size_t)npars) * sizeof *work);
    if (!h || !H || !work)
        goto out;
    for (int a = 0; a < n; a++)
        h[a] = 1e-4 * w[a];
    if (hffit_hessian_ex(m, data, x, n, idx, h, H, work, nevals, NULL) != HF_OK)
        goto out;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            H[a * n + b] *= w[a] * w[b];
    if (positive_definite(H, n, H + (size_t)n * n)) {
        rc = HFFIT_MINIMUM;
        goto out;
    }
    double lo = lowest(H, n, dir);
    rc = isnan(lo) ? HFFIT_UNKNOWN : lo < -NEG_CURVATURE ? HFFIT_SADDLE : HFFIT_FLAT;
out:
    free(h);
    free(H);
    free(work);
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
