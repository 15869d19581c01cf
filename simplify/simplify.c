/*
 * simplify.c - simplified likelihoods: the background-only fit and the
 * post-fit background yields with their covariance.
 *
 * As the `simplify` tool (and cabinetry) do, the uncertainty of the yields
 * is propagated from the fit with each parameter's symmetrised +-1 sigma
 * variation s_i = (y(theta_i + sigma_i) - y(theta_i - sigma_i)) / 2 and
 * the fit's correlation matrix R:  Cov = S^T R S.  The whole covariance is
 * kept: method "simplify" uses its diagonal, "postfit" all of it.  Methods
 * "linear" and "correlated" (linear.c) linearise the model instead and
 * use the pre-fit widths.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>

#include "simplify.h"
#include "fit/fit.h"

void hf_simplify_options_init(hf_simplify_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->version = HF_SIMPLIFY_OPTIONS_VERSION;
}

static cJSON *find_named(const cJSON *arr, const char *name)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(x, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return (cJSON *)x;
    }
    return NULL;
}

/* The measurement the model is built from, in doc. */
static cJSON *pick_measurement(cJSON *doc, const char *name)
{
    cJSON *ms = cJSON_GetObjectItemCaseSensitive(doc, "measurements");
    return name ? find_named(ms, name) : cJSON_GetArrayItem(ms, 0);
}

static int has_sample(const cJSON *root, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "channels"))
        if (find_named(cJSON_GetObjectItemCaseSensitive(c, "samples"), name))
            return 1;
    return 0;
}

static int build(const cJSON *root, const char *source,
                 const hf_simplify_options *opt, hf_model **m, hf_error *err)
{
    hf_workspace w = {.root = (cJSON *)root, .source = (char *)source};
    hf_model_options mo;
    hf_model_options_init(&mo);
    mo.measurement = opt->measurement;
    mo.poi = ""; /* background only: the POI is a signal's */
    return hf_model_build(&w, NULL, 0, &mo, m, err);
}

/* A copy of the workspace whose measurement fixes the --fix parameter
 * sets (pyhf fixes whole parameter sets, so that is what we take). */
static int fixed_doc(const hf_workspace *ws, const hf_simplify_options *opt,
                     cJSON **out, hf_error *err)
{
    *out = NULL;
    hf_model *m = NULL;
    int rc = build(ws->root, ws->source, opt, &m, err);
    if (rc)
        return rc;
    cJSON *doc = cJSON_Duplicate(ws->root, 1);
    cJSON *meas = doc ? pick_measurement(doc, opt->measurement) : NULL;
    cJSON *config = meas ? cJSON_GetObjectItemCaseSensitive(meas, "config")
                         : NULL;
    cJSON *params = config ? cJSON_GetObjectItemCaseSensitive(config,
                                                              "parameters")
                           : NULL;
    if (!params) {
        rc = hfcore_error_set(err, doc ? HF_ERR_INVALID : HF_ERR_NOMEM,
                          "%s: no measurement to fix parameters in",
                          ws->source);
        goto out;
    }
    for (int f = 0; f < opt->nfix; f++) {
        const char *name = opt->fix_names[f];
        int k = hf_model_find_parset(m, name);
        hf_parset ps;
        if (k < 0 || hf_model_parset(m, k, &ps) != HF_OK) {
            rc = hfcore_error_set(err, HF_ERR_NOTFOUND,
                              "%s: --fix: no parameter '%s' in the "
                              "background-only model", ws->source, name);
            goto out;
        }
        cJSON *p = find_named(params, name);
        if (!p) {
            p = cJSON_CreateObject();
            cJSON_AddItemToArray(params, p);
            cJSON_AddStringToObject(p, "name", name);
        }
        cJSON_DeleteItemFromObjectCaseSensitive(p, "fixed");
        cJSON_DeleteItemFromObjectCaseSensitive(p, "inits");
        cJSON_AddBoolToObject(p, "fixed", 1);
        cJSON *inits = cJSON_AddArrayToObject(p, "inits");
        for (int i = 0; inits && i < ps.n; i++)
            cJSON_AddItemToArray(inits,
                                 cJSON_CreateNumber(opt->fix_values[f]));
        /* A value outside the default bounds must still be reachable. */
        const double *lo = hf_model_lower(m), *hi = hf_model_upper(m);
        if (opt->fix_values[f] < lo[ps.offset] ||
            opt->fix_values[f] > hi[ps.offset]) {
            rc = hfcore_error_set(err, HF_ERR_ARG,
                              "%s: --fix %s=%g is outside its bounds "
                              "[%g, %g]", ws->source, name,
                              opt->fix_values[f], lo[ps.offset],
                              hi[ps.offset]);
            goto out;
        }
    }
    *out = doc;
    doc = NULL;
out:
    cJSON_Delete(doc);
    hf_model_free(m);
    return rc;
}

/* Covariance of the yields of ym at the fitted point: pars/unc/corr are
 * those of fm, map[j] the fm index of ym's parameter j (-1: none). */
static int propagate(const hf_model *fm, const hf_model *ym, const int *map,
                     const double *pars, const double *unc,
                     const double *corr, double *yield, double *cov,
                     int *freeidx, int *nfree_out, double *s_out,
                     hf_error *err)
{
    int np = hf_model_npars(fm), nyp = hf_model_npars(ym);
    int nb = hf_model_nmain(ym), nfree = 0, rc = HF_OK;
    double *yp = malloc(sizeof *yp * (size_t)(nyp ? nyp : 1));
    double *up = malloc(sizeof *up * (size_t)nb);
    double *dn = malloc(sizeof *dn * (size_t)nb);
    double *work = malloc(sizeof *work * (hf_model_work_size(ym) + 1));
    gsl_matrix *S = NULL, *R = NULL, *T = NULL;
    if (!yp || !up || !dn || !work) {
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
        goto out;
    }
    for (int i = 0; i < np; i++)
        if (unc[i] > 0 && isfinite(unc[i]))
            freeidx[nfree++] = i;
    const double *yinit = hf_model_inits(ym);
    for (int j = 0; j < nyp; j++)
        yp[j] = map[j] >= 0 ? pars[map[j]] : yinit[j];
    hf_model_expected(ym, yp, yield, work);

    int ns = nfree ? nfree : 1;
    S = gsl_matrix_calloc((size_t)ns, (size_t)nb);
    R = gsl_matrix_calloc((size_t)ns, (size_t)ns);
    T = gsl_matrix_calloc((size_t)ns, (size_t)nb);
    if (!S || !R || !T) {
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
        goto out;
    }
    for (int a = 0; a < nfree; a++) {
        int i = freeidx[a];
        for (int b = 0; b < nfree; b++)
            gsl_matrix_set(R, a, b, corr[(size_t)i * np + freeidx[b]]);
        /* The parameter may drive nothing in ym (an excluded sample's). */
        int j = -1;
        for (int k = 0; k < nyp && j < 0; k++)
            if (map[k] == i)
                j = k;
        if (j < 0)
            continue;
        double keep = yp[j];
        yp[j] = keep + unc[i];
        hf_model_expected(ym, yp, up, work);
        yp[j] = keep - unc[i];
        hf_model_expected(ym, yp, dn, work);
        yp[j] = keep;
        for (int b = 0; b < nb; b++)
            gsl_matrix_set(S, a, b, 0.5 * (up[b] - dn[b]));
    }
    *nfree_out = nfree;
    memcpy(s_out, S->data, sizeof(double) * (size_t)nfree * (size_t)nb);
    /* Cov = S^T (R S) */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, R, S, 0.0, T);
    gsl_matrix_view C = gsl_matrix_view_array(cov, (size_t)nb, (size_t)nb);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, S, T, 0.0, &C.matrix);
    for (int b = 0; b < nb; b++)
        for (int c = 0; c < b; c++) {
            double v = 0.5 * (cov[b * nb + c] + cov[c * nb + b]);
            cov[b * nb + c] = cov[c * nb + b] = v;
        }
out:
    gsl_matrix_free(S);
    gsl_matrix_free(R);
    gsl_matrix_free(T);
    free(yp);
    free(up);
    free(dn);
    free(work);
    return rc;
}

void hfsimplify_postfit_free(hf_postfit *pf)
{
    for (int g = 0; pf->gname && g < pf->ngroups; g++)
        free(pf->gname[g]);
    for (int k = 0; k < pf->nsys; k++)
        free(pf->sysname[k]);
    for (int e = 0; e < pf->nst; e++)
        free(pf->stname[e]);
    free(pf->gname);
    free(pf->gnom);
    free(pf->sysname);
    free(pf->sysdelta);
    free(pf->stname);
    free(pf->stdata);
    free(pf->stmod);
    free(pf->yield);
    free(pf->cov);
}

int hfsimplify_postfit_add_sys(hf_postfit *pf, const char *name, const double *delta,
                       hf_error *err)
{
    size_t gn = (size_t)pf->ngroups * (size_t)pf->nbins;
    if (pf->nsys == pf->capsys) {
        int cap = pf->capsys ? 2 * pf->capsys : 16;
        char **nn = realloc(pf->sysname, sizeof *nn * (size_t)cap);
        if (nn)
            pf->sysname = nn;
        double *nd = nn ? realloc(pf->sysdelta, sizeof *nd * gn * cap) : NULL;
        if (!nd)
            return hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
        pf->sysdelta = nd;
        pf->capsys = cap;
    }
    if (!(pf->sysname[pf->nsys] = strdup(name)))
        return hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
    memcpy(pf->sysdelta + gn * (size_t)pf->nsys, delta, sizeof(double) * gn);
    pf->nsys++;
    return HF_OK;
}

/* SIMPLIFY and POSTFIT: one group, "Bkg" at the post-fit yields, with
 * the bins' post-fit widths as one systematic or the covariance's
 * eigenvectors as several. */
static int postfit_sys(const hf_simplify_options *opt, hf_postfit *pf,
                       hf_error *err)
{
    int n = pf->nbins, rc = HF_OK;
    pf->ngroups = 1;
    pf->gname = calloc(1, sizeof *pf->gname);
    pf->gnom = malloc(sizeof *pf->gnom * (size_t)(n ? n : 1));
    double *d = malloc(sizeof *d * (size_t)(n ? n : 1) * (size_t)(n ? n : 1));
    if (!pf->gname || !pf->gnom || !d) {
        free(d);
        return hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
    }
    memcpy(pf->gnom, pf->yield, sizeof(double) * (size_t)n);
    if (opt->method == HF_SIMPLIFY_SIMPLIFY) {
        for (int b = 0; b < n; b++)
            d[b] = sqrt(fmax(pf->cov[(size_t)b * n + b], 0));
        rc = hfsimplify_postfit_add_sys(pf, "totalError", d, err);
    } else {
        int k = hfsimplify_eigen(pf->cov, n,
                                  opt->eig_cut > 0 ? opt->eig_cut : 1e-6, d,
                                  err);
        if (k < 0)
            rc = err ? err->code : HF_ERR_NUMERIC;
        for (int i = 0; i < k && rc == HF_OK; i++) {
            char name[32];
            snprintf(name, sizeof name, "totalError_eig%d", i);
            rc = hfsimplify_postfit_add_sys(pf, name, d + (size_t)i * n, err);
        }
    }
    free(d);
    return rc;
}

static int check_options(const hf_workspace *ws, const hf_simplify_options *opt,
                         hf_error *err)
{
    int rc = hfcore_check_version(opt->version, HF_SIMPLIFY_OPTIONS_VERSION,
                                  "hf_simplify_options", err);
    if (rc == HF_OK)
        rc = hffit_options_check(opt->fit, err);
    if (rc != HF_OK)
        return rc;
    if (opt->method != HF_SIMPLIFY_SIMPLIFY &&
        opt->method != HF_SIMPLIFY_CORRELATED &&
        opt->method != HF_SIMPLIFY_LINEAR &&
        opt->method != HF_SIMPLIFY_POSTFIT)
        return hfcore_error_set(err, HF_ERR_ARG, "simplify: unknown method %d",
                            (int)opt->method);
    for (int i = 0; i < opt->nexclude; i++)
        if (!has_sample(ws->root, opt->exclude[i]))
            return hfcore_error_set(err, HF_ERR_NOTFOUND,
                                "%s: --exclude: no sample '%s' in the "
                                "workspace", ws->source, opt->exclude[i]);
    return HF_OK;
}

/* The background-only fit to the observed data: best-fit values,
 * uncertainties and correlations. */
static int fit_background(const hf_model *fm, const char *source,
                          const hf_simplify_options *opt, double *pars,
                          double *unc, double *corr, hf_error *err)
{
    hf_fit_result fr;
    const double *data = hf_model_data(fm);
    int rc = hf_fit(fm, data, NULL, 0, 0, opt->fit, pars, &fr, err);
    if (rc == HF_ERR_FIT)
        hfcore_error_set(err, HF_ERR_FIT,
                         "%s: the background-only fit did not converge "
                         "(%d evaluations); no simplified likelihood",
                         source, fr.nevals);
    if (rc)
        return rc;
    return hf_fit_uncertainties(fm, data, pars, unc, corr, err);
}

/* bm's parameter j is fm's map[j], matched by name, or -1. */
static void match_parameters(const hf_model *fm, const hf_model *bm, int *map)
{
    int np = hf_model_npars(fm), nyp = hf_model_npars(bm);
    for (int j = 0; j < nyp; j++) {
        map[j] = j;
        if (bm != fm) {
            map[j] = -1;
            const char *nm = hf_model_par_name(bm, j);
            for (int i = 0; i < np && map[j] < 0; i++)
                if (strcmp(nm, hf_model_par_name(fm, i)) == 0)
                    map[j] = i;
        }
    }
}

/* The model of the workspace without the excluded samples. */
static int without_excluded(const hf_workspace *ws, const hf_simplify_options *opt,
                            hf_workspace **pruned, hf_model **ym, hf_error *err)
{
    hf_ws_edit e;
    hf_ws_edit_init(&e);
    e.prune_samples = opt->exclude;
    e.n_prune_samples = opt->nexclude;
    int rc = hf_workspace_prune_rename(ws, &e, pruned, err);
    return rc ? rc : build((*pruned)->root, ws->source, opt, ym, err);
}

/* The simplified spec, checked, as a workspace (which takes *spec). */
static int new_workspace(cJSON **spec, const char *source, hf_workspace **out,
                         hf_error *err)
{
    int rc = hfpatch_workspace_validate(*spec, source, err);
    if (rc)
        return rc;
    hf_workspace *w = calloc(1, sizeof *w);
    char *src = strdup(source);
    if (!w || !src) {
        free(w);
        free(src);
        return hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
    }
    w->root = *spec;
    w->source = src;
    *spec = NULL;
    *out = w;
    return HF_OK;
}

/* Everything the simplify pipeline owns, so that each step below can fail
 * and one function (simplify_free) releases whatever was made. */
typedef struct {
    cJSON *fitdoc, *spec;
    hf_model *fm, *ym;
    hf_workspace *pruned;
    double *pars, *unc, *corr, *S;
    int *map, *freeidx, nfree;
    hf_postfit pf;
} simplify_state;

static void simplify_free(simplify_state *st)
{
    cJSON_Delete(st->fitdoc);
    cJSON_Delete(st->spec);
    hf_model_free(st->fm);
    hf_model_free(st->ym);
    hf_workspace_free(st->pruned);
    free(st->pars);
    free(st->unc);
    free(st->corr);
    free(st->map);
    hfsimplify_postfit_free(&st->pf);
    free(st->freeidx);
    free(st->S);
}

/* Step 1: the model to fit (constants fixed as asked) and its background
 * fit: best-fit parameters, uncertainties and correlations. */
static int simplify_fit(const hf_workspace *ws, const hf_simplify_options *opt,
                        simplify_state *st, hf_error *err)
{
    int rc;
    if ((rc = fixed_doc(ws, opt, &st->fitdoc, err)) ||
        (rc = build(st->fitdoc, ws->source, opt, &st->fm, err)))
        return rc;
    size_t n1 = (size_t)(hf_model_npars(st->fm) ? hf_model_npars(st->fm) : 1);
    st->pars = malloc(sizeof *st->pars * n1);
    st->unc = malloc(sizeof *st->unc * n1);
    st->corr = malloc(sizeof *st->corr * n1 * n1);
    if (!st->pars || !st->unc || !st->corr)
        return hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
    return fit_background(st->fm, ws->source, opt, st->pars, st->unc,
                          st->corr, err);
}

/* Step 2: the background is the workspace without the excluded samples;
 * its parameters are the fitted model's, matched by name. The fit's
 * uncertainties are propagated to its post-fit yields and covariance. */
static int simplify_background(const hf_workspace *ws,
                               const hf_simplify_options *opt,
                               simplify_state *st, hf_error *err)
{
    int rc;
    if (opt->nexclude &&
        (rc = without_excluded(ws, opt, &st->pruned, &st->ym, err)))
        return rc;
    const hf_model *bm = st->ym ? st->ym : st->fm;
    size_t n1 = (size_t)(hf_model_npars(st->fm) ? hf_model_npars(st->fm) : 1);
    int nyp = hf_model_npars(bm);
    hf_postfit *pf = &st->pf;
    st->map = malloc(sizeof *st->map * (size_t)(nyp ? nyp : 1));
    pf->nbins = hf_model_nmain(bm);
    pf->yield = malloc(sizeof *pf->yield * (size_t)pf->nbins);
    pf->cov = malloc(sizeof *pf->cov * (size_t)pf->nbins * (size_t)pf->nbins);
    st->freeidx = malloc(sizeof *st->freeidx * n1);
    st->S = malloc(sizeof *st->S * n1 * (size_t)(pf->nbins ? pf->nbins : 1));
    if (!st->map || !pf->yield || !pf->cov || !st->freeidx || !st->S)
        return hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
    match_parameters(st->fm, bm, st->map);
    if ((rc = propagate(st->fm, bm, st->map, st->pars, st->unc, st->corr,
                        pf->yield, pf->cov, st->freeidx, &st->nfree, st->S,
                        err)))
        return rc;
    pf->fm = st->fm;
    pf->ym = bm;
    return HF_OK;
}

/* Step 3: the method's systematics, then the simplified spec. */
static int simplify_method(const hf_workspace *ws,
                           const hf_simplify_options *opt, simplify_state *st,
                           hf_error *err)
{
    int rc = opt->method == HF_SIMPLIFY_LINEAR ||
                     opt->method == HF_SIMPLIFY_CORRELATED
                 ? hfsimplify_linear(st->fm, st->pf.ym, st->map, st->pars,
                                     st->unc, st->freeidx, st->nfree, st->S,
                                     opt, &st->pf, err)
                 : postfit_sys(opt, &st->pf, err);
    if (rc)
        return rc;
    return hfsimplify_spec(ws->root, &st->pf, opt, ws->source, &st->spec, err);
}

int hf_workspace_simplify(const hf_workspace *ws,
                          const hf_simplify_options *opt, hf_workspace **out,
                          hf_error *err)
{
    if (out)
        *out = NULL;
    hf_simplify_options dflt;
    if (!opt) {
        hf_simplify_options_init(&dflt);
        opt = &dflt;
    }
    if (!ws || !out)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hf_workspace_simplify: NULL argument");
    int rc = check_options(ws, opt, err);
    if (rc != HF_OK)
        return rc;
    /* CORRELATED is LINEAR with all but the largest systematics folded
     * into the eigenvectors of their pre-fit covariance. */
    hf_simplify_options lopt = *opt;
    if (lopt.method == HF_SIMPLIFY_CORRELATED && lopt.keep_named == 0)
        lopt.keep_named = HF_SIMPLIFY_CORRELATED_KEEP;

    simplify_state st = {0};
    if (!(rc = simplify_fit(ws, &lopt, &st, err)) &&
        !(rc = simplify_background(ws, &lopt, &st, err)) &&
        !(rc = simplify_method(ws, &lopt, &st, err)))
        rc = new_workspace(&st.spec, ws->source, out, err);
    simplify_free(&st);
    return rc;
}
