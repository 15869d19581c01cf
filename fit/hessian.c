/*
 * hessian.c - the NLL's Hessian from differences of its analytic gradient
 * (the toys' metrics, fit/mle.c's Newton step), and the parabolic
 * uncertainties and correlations the exact Hessian implies.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

#include "fit.h"

int hffit_hessian_ex(const hf_model *m, const double *data, const double *pars,
                  int n, const int *idx, const double *h, double *H,
                  double *work, int *nevals, hf_error *err)
{
    int npars = hf_model_npars(m);
    const double *lower = hf_model_lower(m), *upper = hf_model_upper(m);
    double *xs = work + hf_model_work_size(m);
    double *gp = xs + npars, *gm = gp + npars, *g0 = gm + npars;
    int have_g0 = 0;

    memcpy(xs, pars, npars * sizeof *xs);
    for (int k = 0; k < n; k++) {
        int i = idx[k];
        double hk = h[k];
        /* A step across a bound may leave the model's domain (a yield
         * turning negative): difference on the inner side instead. */
        int up = pars[i] + hk <= upper[i], down = pars[i] - hk >= lower[i];
        double span = (up && down) ? 2 * hk : hk;
        if ((!up || !down) && !have_g0) {
            hf_model_nll(m, pars, data, g0, work);
            ++*nevals;
            have_g0 = 1;
        }
        double fp = 0, fm = 0;
        if (up) {
            xs[i] = pars[i] + hk;
            fp = hf_model_nll(m, xs, data, gp, work);
            ++*nevals;
        } else {
            memcpy(gp, g0, npars * sizeof *gp);
        }
        if (down) {
            xs[i] = pars[i] - hk;
            fm = hf_model_nll(m, xs, data, gm, work);
            ++*nevals;
        } else {
            memcpy(gm, g0, npars * sizeof *gm);
        }
        xs[i] = pars[i];
        if (!isfinite(fp) || !isfinite(fm))
            return hfcore_error_set(err, HF_ERR_NUMERIC,
                                "hessian: NLL not finite next to %s = %g",
                                hf_model_par_name(m, i), pars[i]);
        for (int a = 0; a < n; a++)
            H[a * n + k] = (gp[idx[a]] - gm[idx[a]]) / span;
    }
    for (int a = 0; a < n; a++)
        for (int b = 0; b < a; b++) {
            double s = 0.5 * (H[a * n + b] + H[b * n + a]);
            H[a * n + b] = H[b * n + a] = s;
        }
    /* GSL's decompositions call its (global, aborting) error handler on
     * non-finite input: refuse it here with a message instead */
    for (int a = 0; a < n * n; a++)
        if (!isfinite(H[a]))
            return hfcore_error_set(err, HF_ERR_NUMERIC,
                                "hessian: the gradient is not finite next to the point "
                                "(an expected yield at zero?)");
    return HF_OK;
}

/* Inverse of the symmetric matrix a (n*n) into itself: from GSL's
 * modified Cholesky when it needs no perturbation (positive definite,
 * returns 0), else the SVD pseudo-inverse (returns 1; 2 if even that
 * failed).  The modified Cholesky reports indefiniteness instead of
 * calling GSL's error handler, which is global state. */
static int invert(double *a, int n, double *tmp)
{
    if (n == 0) /* nothing free; GSL refuses zero-length objects */
        return 0;
    gsl_matrix_view av = gsl_matrix_view_array(a, n, n);
    gsl_matrix_view tv = gsl_matrix_view_array(tmp, n, n);
    gsl_permutation *p = gsl_permutation_alloc(n);
    gsl_vector *e = gsl_vector_alloc(n);
    gsl_matrix *V = gsl_matrix_alloc(n, n);
    gsl_vector *s = gsl_vector_alloc(n);
    int rc = 2;
    if (!p || !e || !V || !s)
        goto out;
    memcpy(tmp, a, (size_t)n * n * sizeof *tmp);
    if (gsl_linalg_mcholesky_decomp(&tv.matrix, p, e) == GSL_SUCCESS &&
        gsl_vector_max(e) == 0 && gsl_vector_min(e) == 0 &&
        gsl_linalg_mcholesky_invert(&tv.matrix, p, &av.matrix) ==
            GSL_SUCCESS) {
        rc = 0;
        goto out;
    }
    /* Pseudo-inverse V diag(1/s) U^T, dropping singular values at
     * rounding level; SV_decomp leaves U in a. */
    if (gsl_linalg_SV_decomp(&av.matrix, V, s, e) == GSL_SUCCESS) {
        double smax = gsl_vector_get(s, 0);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    double sk = gsl_vector_get(s, k);
                    if (sk > 1e-12 * smax)
                        sum += gsl_matrix_get(V, i, k) *
                               gsl_matrix_get(&av.matrix, j, k) / sk;
                }
                tmp[i * n + j] = sum;
            }
        memcpy(a, tmp, (size_t)n * n * sizeof *a);
        rc = 1;
    }
out:
    gsl_permutation_free(p);
    gsl_vector_free(e);
    gsl_matrix_free(V);
    gsl_vector_free(s);
    return rc;
}

static int fit_uncertainties_impl(const hf_model *m, const double *data,
                         const double *pars, double *unc, double *corr,
                         hf_error *err)
{
    int npars = hf_model_npars(m);
    const unsigned char *fixed = hf_model_fixed(m);
    int *idx = malloc((npars ? npars : 1) * sizeof *idx);
    double *width = malloc((npars ? npars : 1) * sizeof *width);
    double *H = malloc(((size_t)npars * npars + 1) * sizeof *H);
    double *tmp = malloc(((size_t)npars * npars + 1) * sizeof *tmp);
    double *work = malloc(hfmodel_hessian_work_size(m) * sizeof *work);
    int rc = HF_OK, n = 0;
    if (!idx || !width || !H || !tmp || !work) {
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "uncertainties: out of memory");
        goto out;
    }
    hffit_widths(m, width);
    for (int i = 0; i < npars; i++) {
        unc[i] = 0;
        if (fixed[i])
            continue;
        idx[n++] = i;
    }
    if (corr)
        for (int i = 0; i < npars; i++)
            for (int j = 0; j < npars; j++)
                corr[i * npars + j] = i == j;
    if (n == 0)
        goto out;
    /* The exact Hessian (hf/hessian.c), not differences of the gradient:
     * their steps' truncation was 4e-4 relative on a direction of
     * curvature 3e6 (staus, bench/RESULTS.md), and one-sided at a bound.
     * Cut to the free parameters in place: idx increases, so every entry
     * moves to an index no larger than its own, after the entries it
     * could overwrite were read. */
    rc = hfmodel_hessian(m, pars, data, H, work);
    for (int a = 0; rc == HF_OK && a < n; a++)
        for (int b = 0; b < n; b++) {
            double v = H[(size_t)idx[a] * npars + idx[b]];
            if (!isfinite(v))
                rc = hfcore_error_set(err, HF_ERR_NUMERIC,
                                      "uncertainties: the Hessian is not finite at the "
                                      "point (an expected yield at zero?)");
            H[(size_t)a * n + b] = v;
        }
    if (rc != HF_OK)
        goto out;
    /* Inverted in width units: constraint widths span six decades in some
     * workspaces, the scaled matrix is close to unit diagonal. */
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            H[a * n + b] *= width[idx[a]] * width[idx[b]];
    int how = invert(H, n, tmp);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            H[a * n + b] *= width[idx[a]] * width[idx[b]];
    if (how == 2) {
        rc = hfcore_error_set(err, HF_ERR_NUMERIC,
                          "uncertainties: the Hessian could not be inverted");
        goto out;
    }
    for (int a = 0; a < n; a++) {
        double v = H[a * n + a];
        unc[idx[a]] = v > 0 ? sqrt(v) : NAN;
    }
    if (corr)
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                if (a != b)
                    corr[idx[a] * npars + idx[b]] =
                        H[a * n + b] / (unc[idx[a]] * unc[idx[b]]);
    if (how == 1)
        rc = hfcore_error_set(err, HF_ERR_NUMERIC,
                          "uncertainties: the Hessian is not positive "
                          "definite (not a minimum?); the values come from "
                          "its pseudo-inverse");
out:
    free(idx);
    free(width);
    free(H);
    free(tmp);
    free(work);
    return rc;
}

int hf_fit_uncertainties(const hf_model *m, const double *data,
                         const double *pars, double *unc, double *corr,
                         hf_error *err)
{
    if (!m || !data || !pars || !unc)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_fit_uncertainties: NULL argument (m, data, pars, unc may not be NULL)");
    return hfcore_error_blame(hfmodel_source(m), fit_uncertainties_impl(m, data, pars, unc, corr, err), err);
}
