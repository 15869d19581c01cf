/*
 * spec.c - writing the simplified workspace: plain HistFactory JSON that
 * pyhf reads, shaped so the original signal patches still apply.
 *
 * Signal patches address channels and samples by index ("add
 * /channels/7/samples/9", "remove /channels/1"), so channels keep their
 * order and names and, unless no_pad, each channel keeps its sample count
 * with zero-yield placeholders after "Bkg".  They also name modifiers of
 * the full model: those become signal-only nuisance parameters, except
 * lumi, whose configuration the measurement keeps (pyhf needs it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "simplify.h"

#define GET(o, k) cJSON_GetObjectItemCaseSensitive(o, k)

static int model_channel(const hf_model *m, const char *name)
{
    int n = hf_model_nchannels(m);
    for (int c = 0; c < n; c++)
        if (strcmp(hf_model_channel_name(m, c), name) == 0)
            return c;
    return -1;
}

/* {"name": name, "type": "histosys", "data": {hi, lo}}: y +- d. */
static cJSON *histosys(const char *name, const double *y, const double *d,
                       int n)
{
    double *hi = malloc(sizeof *hi * (size_t)n * 2);
    if (!hi)
        return NULL;
    double *lo = hi + n;
    for (int i = 0; i < n; i++) {
        hi[i] = y[i] + d[i];
        lo[i] = y[i] - d[i];
    }
    cJSON *mod = cJSON_CreateObject(), *data = cJSON_CreateObject();
    cJSON_AddItemToObject(mod, "data", data);
    cJSON_AddItemToObject(data, "hi_data", hfcore_json_array(hi, n));
    cJSON_AddItemToObject(data, "lo_data", hfcore_json_array(lo, n));
    cJSON_AddStringToObject(mod, "name", name);
    cJSON_AddStringToObject(mod, "type", "histosys");
    free(hi);
    return mod;
}

int hfsimplify_eigen(const double *cov, int n, double cut, double *dirs,
                      hf_error *err)
{
    int kept = 0;
    if (n == 0)
        return 0;
    gsl_matrix *A = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_matrix *V = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector *L = gsl_vector_alloc((size_t)n);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)n);
    if (!A || !V || !L || !w) {
        kept = -1;
        goto out;
    }
    memcpy(A->data, cov, sizeof(double) * (size_t)n * (size_t)n);
    if (gsl_eigen_symmv(A, L, V, w) != 0) {
        kept = -1;
        goto out;
    }
    gsl_eigen_symmv_sort(L, V, GSL_EIGEN_SORT_VAL_DESC);
    double lmax = gsl_vector_get(L, 0);
    for (int k = 0; k < n; k++) {
        double l = gsl_vector_get(L, k);
        if (!(l > 0) || l < cut * lmax)
            break;
        /* Eigenvectors have no sign: make the largest component positive
         * so the output does not depend on the solver's sweep order. */
        int big = 0;
        for (int b = 1; b < n; b++)
            if (fabs(gsl_matrix_get(V, b, k)) > fabs(gsl_matrix_get(V, big, k)))
                big = b;
        double s = gsl_matrix_get(V, big, k) < 0 ? -sqrt(l) : sqrt(l);
        for (int b = 0; b < n; b++)
            dirs[(size_t)kept * n + b] = s * gsl_matrix_get(V, b, k);
        kept++;
    }
out:
    if (kept < 0)
        hfcore_error_set(err, HF_ERR_NUMERIC, "simplify: eigen-decomposition "
                                          "of the yield covariance failed");
    gsl_matrix_free(A);
    gsl_matrix_free(V);
    gsl_vector_free(L);
    if (w)
        gsl_eigen_symmv_free(w);
    return kept;
}

/* The measurement with only the parameter configs that still mean
 * something: the POI's, lumi's, those of parameters the background
 * model does not have (signal normfactors such as mu_SIG) and, when they
 * stay parameters (keep_free), the free normfactors'. */
static cJSON *measurement(const cJSON *meas, const hf_model *fm,
                          int keep_free)
{
    cJSON *m = cJSON_CreateObject(), *config = cJSON_CreateObject();
    cJSON *params = cJSON_CreateArray();
    const cJSON *oc = GET(meas, "config");
    const cJSON *poi = GET(oc, "poi");
    cJSON_AddItemToObject(m, "name", cJSON_Duplicate(GET(meas, "name"), 1));
    cJSON_AddItemToObject(m, "config", config);
    cJSON_AddItemToObject(config, "parameters", params);
    cJSON_AddItemToObject(config, "poi", cJSON_Duplicate(poi, 1));
    const cJSON *p;
    cJSON_ArrayForEach(p, GET(oc, "parameters")) {
        const char *name = GET(p, "name")->valuestring;
        int k = hf_model_find_parset(fm, name);
        hf_parset ps;
        int keep = k < 0 || (cJSON_IsString(poi) &&
                             strcmp(poi->valuestring, name) == 0);
        if (!keep && hf_model_parset(fm, k, &ps) == HF_OK)
            keep = strcmp(ps.type, "lumi") == 0 ||
                   (keep_free && ps.constrained == 0);
        if (keep)
            cJSON_AddItemToArray(params, cJSON_Duplicate(p, 1));
    }
    return m;
}

static int nonzero(const double *v, int n, double tiny)
{
    for (int i = 0; i < n; i++)
        if (fabs(v[i]) > tiny)
            return 1;
    return 0;
}

static cJSON *sample(cJSON *samples, const char *name, const double *nom,
                     int nb)
{
    cJSON *smp = cJSON_CreateObject(), *mods = cJSON_CreateArray();
    cJSON_AddItemToArray(samples, smp);
    cJSON_AddStringToObject(smp, "name", name);
    cJSON_AddItemToObject(smp, "data", hfcore_json_array(nom, nb));
    cJSON_AddItemToObject(smp, "modifiers", mods);
    return mods;
}

static void add_modifier(cJSON *mods, const char *name, const char *type,
                         cJSON *data)
{
    cJSON *mod = cJSON_CreateObject();
    cJSON_AddItemToArray(mods, mod);
    cJSON_AddItemToObject(mod, "data", data ? data : cJSON_CreateNull());
    cJSON_AddStringToObject(mod, "name", name);
    cJSON_AddStringToObject(mod, "type", type);
}

/* One channel's samples: the groups with their systematics, the kept
 * staterrors, then placeholders up to norig samples. */
static void channel_samples(cJSON *samples, const hf_postfit *pf, int off,
                            int nb, int norig, int pad)
{
    int n = pf->nbins;
    size_t gn = (size_t)pf->ngroups * (size_t)n;
    for (int g = 0; g < pf->ngroups; g++) {
        const double *nom = pf->gnom + (size_t)g * n + off;
        double ymax = 0;
        for (int b = 0; b < nb; b++)
            ymax = fmax(ymax, fabs(nom[b]));
        /* A direction that does not reach this group here would only add
         * a flat histosys. */
        double tiny = 1e-12 * ymax;
        int any = g == 0 || nonzero(nom, nb, 0);
        for (int k = 0; !any && k < pf->nsys; k++)
            any = nonzero(pf->sysdelta + gn * k + (size_t)g * n + off, nb, 0);
        if (!any)
            continue;
        char name[600];
        snprintf(name, sizeof name, g ? "Bkg_%s" : "Bkg", pf->gname[g]);
        cJSON *mods = sample(samples, name, nom, nb);
        if (g)
            add_modifier(mods, pf->gname[g], "normfactor", NULL);
        for (int k = 0; k < pf->nsys; k++) {
            const double *d = pf->sysdelta + gn * k + (size_t)g * n + off;
            if (nonzero(d, nb, tiny))
                cJSON_AddItemToArray(mods, histosys(pf->sysname[k], nom, d,
                                                    nb));
        }
    }
    for (int e = 0; e < pf->nst; e++) {
        const double *d = pf->stdata + (size_t)e * n + off;
        if (!nonzero(d, nb, 0))
            continue;
        char name[600];
        snprintf(name, sizeof name, "Bkg_%s", pf->stname[e]);
        cJSON *mods = sample(samples, name, d, nb);
        add_modifier(mods, pf->stname[e], "staterror",
                     hfcore_json_array(pf->stmod + (size_t)e * n + off, nb));
    }
    double *zero = calloc((size_t)nb, sizeof *zero);
    for (int i = cJSON_GetArraySize(samples); pad && zero && i < norig; i++) {
        char name[32];
        snprintf(name, sizeof name, "Bkg_placeholder%d", i);
        sample(samples, name, zero, nb);
    }
    free(zero);
}

int hfsimplify_spec(const cJSON *root, const hf_postfit *pf,
                     const hf_simplify_options *opt, const char *source,
                     cJSON **out, hf_error *err)
{
    *out = NULL;
    cJSON *doc = cJSON_CreateObject(), *chans = cJSON_CreateArray();
    cJSON_AddItemToObject(doc, "channels", chans);
    const cJSON *c;
    cJSON_ArrayForEach(c, GET(root, "channels")) {
        const char *cname = GET(c, "name")->valuestring;
        int mc = model_channel(pf->ym, cname);
        if (mc < 0) {
            cJSON_Delete(doc);
            return hfcore_error_set(err, HF_ERR_INVALID,
                                "%s: channel '%s' has no background left "
                                "once the excluded samples are removed",
                                source, cname);
        }
        cJSON *ch = cJSON_CreateObject(), *samples = cJSON_CreateArray();
        cJSON_AddItemToArray(chans, ch);
        cJSON_AddStringToObject(ch, "name", cname);
        cJSON_AddItemToObject(ch, "samples", samples);
        channel_samples(samples, pf, hf_model_channel_offset(pf->ym, mc),
                        hf_model_channel_nbins(pf->ym, mc),
                        cJSON_GetArraySize(GET(c, "samples")), !opt->no_pad);
    }
    cJSON *meas = cJSON_CreateArray();
    cJSON_AddItemToObject(doc, "measurements", meas);
    cJSON_ArrayForEach(c, GET(root, "measurements"))
        cJSON_AddItemToArray(meas, measurement(c, pf->fm, pf->ngroups > 1));
    cJSON_AddItemToObject(doc, "observations",
                          cJSON_Duplicate(GET(root, "observations"), 1));
    cJSON_AddItemToObject(doc, "version",
                          cJSON_Duplicate(GET(root, "version"), 1));
    *out = doc;
    return HF_OK;
}
