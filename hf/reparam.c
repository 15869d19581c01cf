/*
 * reparam.c - views of a built model with other parameter inits, bounds
 * and fixed flags.  pyhf takes init_pars, par_bounds and fixed_params in
 * every fit and hypothesis test; a view carries them once, so the fit,
 * test-statistic, limit and toy code reads them where it always does
 * (hf_model_inits/lower/upper/fixed) and needs no extra arguments.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static int check_pars(const hf_model *m, const double *init,
                      const double *lo, const double *hi, hf_error *err)
{
    for (int i = 0; i < m->npars; i++) {
        const char *name = m->par_names[i];
        if (!isfinite(init[i]))
            return hfcore_error_set(err, HF_ERR_ARG,
                                "init of parameter %d (%s) is %g, not a "
                                "finite number", i, name, init[i]);
        if (isnan(lo[i]) || isnan(hi[i]) || lo[i] > hi[i])
            return hfcore_error_set(err, HF_ERR_ARG,
                                "bounds of parameter %d (%s) are [%g, %g], "
                                "not an interval", i, name, lo[i], hi[i]);
    }
    return HF_OK;
}

int hf_model_with_pars(const hf_model *m, const double *init,
                       const double *lower, const double *upper,
                       const unsigned char *fixed, hf_model **out,
                       hf_error *err)
{
    if (!m || !out)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hf_model_with_pars: NULL model or output");
    *out = NULL;
    int n = m->npars;
    size_t nd = n ? (size_t)n : 1;
    hf_model *v = malloc(sizeof *v);
    double *d = malloc(3 * nd * sizeof *d);
    unsigned char *f = malloc(nd);
    if (!v || !d || !f) {
        free(v);
        free(d);
        free(f);
        return hfcore_error_set(err, HF_ERR_NOMEM, "hf_model_with_pars: out of memory");
    }
    *v = *m;
    /* a view of a view shares the original's arrays */
    v->parent = m->parent ? m->parent : m;
    v->init = d;
    v->lo = d + nd;
    v->hi = d + 2 * nd;
    v->fixed = f;
    memcpy(v->init, init ? init : m->init, n * sizeof *d);
    memcpy(v->lo, lower ? lower : m->lo, n * sizeof *d);
    memcpy(v->hi, upper ? upper : m->hi, n * sizeof *d);
    for (int i = 0; i < n; i++)
        f[i] = fixed ? fixed[i] != 0 : m->fixed[i];
    int rc = check_pars(m, v->init, v->lo, v->hi, err);
    if (rc != HF_OK) {
        hfmodel_view_free(v);
        return rc;
    }
    *out = v;
    return HF_OK;
}

void hfmodel_view_free(hf_model *m)
{
    free(m->init); /* lo and hi live in the same block */
    free(m->fixed);
    free(m);
}
