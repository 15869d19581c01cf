/*
 * test_model.c - the model against pyhf's own numbers: for every reference
 * in ../shared/reference, the parameter table, the data vector, logpdf and
 * expected yields at every stored point (default and code1/code0
 * interpolation) agree within 1e-9 relative; the analytic gradient agrees
 * with central finite differences.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "hf.h"
#include "refs.h"

/* Both non-finite (pyhf NaN / JSON null), or within rel relative. */
static int close_rel(double ref, double got, double rel)
{
    if (!isfinite(ref) || !isfinite(got))
        return !isfinite(ref) && !isfinite(got);
    return fabs(ref - got) <= rel * fmax(fabs(ref), fabs(got)) + 1e-300;
}

static double num(const cJSON *j)
{
    return cJSON_IsNumber(j) ? j->valuedouble : NAN;
}

typedef struct mref {
    ref r;               /* the reference file (tests/refs.c) */
    const char *path;
    cJSON *json;
    hf_workspace *ws;
    hf_patch *patch;
    hf_model *model, *model01;
} mref;

static int open_ref(mref *r, const char *path)
{
    hf_error err;
    memset(r, 0, sizeof *r);
    r->path = path;
    if (ref_load(path, &r->r))
        return -1;
    r->json = r->r.json;
    if (hf_workspace_read(r->r.workspace, &r->ws, &err)) {
        print_error("%s\n", err.msg);
        return -1;
    }
    if (r->r.patch[0] &&
        hf_patch_read_any(r->r.patch, r->r.patch_name[0] ? r->r.patch_name : NULL, &r->patch,
                          &err)) {
        print_error("%s\n", err.msg);
        return -1;
    }
    const hf_patch *pl[1] = {r->patch};
    hf_model_options opt;
    hf_model_options_init(&opt);
    if (hf_model_build(r->ws, pl, r->patch ? 1 : 0, &opt, &r->model, &err)) {
        print_error("%s\n", err.msg);
        return -1;
    }
    opt.normsys_interp = HF_INTERP_CODE1;
    opt.histosys_interp = HF_INTERP_CODE0;
    if (hf_model_build(r->ws, pl, r->patch ? 1 : 0, &opt, &r->model01, &err)) {
        print_error("%s\n", err.msg);
        return -1;
    }
    return 0;
}

static void close_ref(mref *r)
{
    hf_model_free(r->model);
    hf_model_free(r->model01);
    hf_patch_free(r->patch);
    hf_workspace_free(r->ws);
    ref_free(&r->r);
}

static void check_table(mref *r)
{
    const hf_model *m = r->model;
    const cJSON *pars = cJSON_GetObjectItem(r->json, "parameters");
    assert_int_equal(hf_model_npars(m), cJSON_GetObjectItem(r->json, "npars")->valueint);
    assert_int_equal(hf_model_nparsets(m), cJSON_GetArraySize(pars));
    const cJSON *poi = cJSON_GetObjectItem(r->json, "poi");
    if (cJSON_IsString(poi))
        assert_string_equal(hf_model_par_name(m, hf_model_poi(m)), poi->valuestring);
    const cJSON *chans = cJSON_GetObjectItem(r->json, "channels"), *c;
    int ci = 0;
    assert_int_equal(hf_model_nchannels(m), cJSON_GetArraySize(chans));
    cJSON_ArrayForEach(c, chans) assert_string_equal(hf_model_channel_name(m, ci++), c->valuestring);

    const double *init = hf_model_inits(m), *lo = hf_model_lower(m), *hi = hf_model_upper(m);
    const unsigned char *fixed = hf_model_fixed(m);
    const double *aux = hf_model_auxdata(m), *sig = hf_model_sigmas(m);
    const cJSON *p;
    int k = 0;
    cJSON_ArrayForEach(p, pars) {
        hf_parset ps;
        assert_int_equal(hf_model_parset(m, k, &ps), HF_OK);
        if (strcmp(ps.name, cJSON_GetObjectItem(p, "name")->valuestring)) {
            print_error("%s: parameter set %d is '%s', pyhf has '%s'\n", r->path, k, ps.name,
                        cJSON_GetObjectItem(p, "name")->valuestring);
            fail();
        }
        assert_int_equal(ps.n, cJSON_GetObjectItem(p, "n")->valueint);
        assert_int_equal(ps.offset, cJSON_GetArrayItem(cJSON_GetObjectItem(p, "slice"), 0)->valueint);
        assert_int_equal(ps.constrained != 0, cJSON_IsTrue(cJSON_GetObjectItem(p, "constrained")));
        for (int i = 0; i < ps.n; i++) {
            int q = ps.offset + i;
            const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "bounds"), i);
            assert_true(close_rel(num(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "inits"), i)), init[q], 1e-12));
            assert_true(close_rel(num(cJSON_GetArrayItem(b, 0)), lo[q], 1e-12));
            assert_true(close_rel(num(cJSON_GetArrayItem(b, 1)), hi[q], 1e-12));
            assert_int_equal(fixed[q], cJSON_IsTrue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "fixed"), i)));
            if (ps.constrained) {
                int a = ps.aux_offset + i;
                assert_true(close_rel(num(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "auxdata"), i)), aux[a], 1e-12));
                const cJSON *s = cJSON_GetObjectItem(p, "sigmas");
                if (ps.constrained == 1 && cJSON_GetArraySize(s) > 0) {
                    if (!close_rel(num(cJSON_GetArrayItem(s, i)), sig[a], 1e-12)) {
                        print_error("%s: %s[%d] sigma %.17g, pyhf %.17g\n", r->path, ps.name, i,
                                    sig[a], num(cJSON_GetArrayItem(s, i)));
                        fail();
                    }
                }
            }
        }
        k++;
    }
    const cJSON *data = cJSON_GetObjectItem(r->json, "data"), *x;
    assert_int_equal(hf_model_ndata(m), cJSON_GetArraySize(data));
    const double *d = hf_model_data(m);
    int i = 0;
    cJSON_ArrayForEach(x, data) {
        assert_true(close_rel(x->valuedouble, d[i], 1e-12));
        i++;
    }
}

/* pyhf sums x log(lam) - lam - lgamma(x+1) term by term; when x is huge
 * (3LRJ has a shapesys with tau = 1.9e11) the three terms are ~5e12 and
 * cancel to ~-14, so pyhf's logpdf carries a rounding error of ~1e-3
 * (there: -13.90234375 against the exact -13.9021898, which hf computes
 * with the deviance form).  This bounds that error: 8 ulp of the terms. */
static double pyhf_rounding(const hf_model *m, const double *pars, double *work)
{
    int nd = hf_model_ndata(m), nmain = hf_model_nmain(m);
    double *lam = malloc(sizeof(double) * nd), s = 0;
    const double *x = hf_model_data(m), *sig = hf_model_sigmas(m);
    hf_model_expected_data(m, pars, lam, work);
    for (int i = 0; i < nd; i++) {
        if (i >= nmain && sig[i - nmain] > 0)
            continue; /* Gaussian terms do not cancel like this */
        if (x[i] > 0 && lam[i] > 0)
            s += fabs(x[i] * log(lam[i])) + fabs(lam[i]) + lgamma(x[i] + 1);
    }
    free(lam);
    return 8 * 2.220446049250313e-16 * s;
}

static void check_points(mref *r)
{
    const cJSON *pts = cJSON_GetObjectItem(r->json, "points"), *pt;
    int np = hf_model_npars(r->model), nmain = hf_model_nmain(r->model);
    double *pars = malloc(sizeof(double) * np), *exp = malloc(sizeof(double) * nmain);
    double *work = malloc(sizeof(double) * hf_model_work_size(r->model));
    double *work01 = malloc(sizeof(double) * hf_model_work_size(r->model01));
    const double *data = hf_model_data(r->model);
    int ip = 0;
    cJSON_ArrayForEach(pt, pts) {
        const cJSON *x;
        int i = 0;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(pt, "pars")) pars[i++] = x->valuedouble;
        for (int v = 0; v < 2; v++) {
            const hf_model *m = v ? r->model01 : r->model;
            double *w = v ? work01 : work;
            double lp = hf_model_logpdf(m, pars, data, w);
            double want = num(cJSON_GetObjectItem(pt, v ? "logpdf_code1_code0" : "logpdf"));
            double slack = pyhf_rounding(m, pars, w);
            if (!close_rel(want, lp, 1e-9) && !(fabs(want - lp) <= 1e-9 * fabs(want) + slack)) {
                print_error("%s point %d (%s): logpdf %.17g, pyhf %.17g\n", r->path, ip,
                            v ? "code1/code0" : "default", lp, want);
                fail();
            }
            hf_model_expected(m, pars, exp, w);
            i = 0;
            cJSON_ArrayForEach(x, cJSON_GetObjectItem(pt, v ? "expected_main_code1_code0" : "expected_main")) {
                if (!close_rel(num(x), exp[i], 1e-9) && fabs(num(x) - exp[i]) > 1e-12) {
                    print_error("%s point %d bin %d: expected %.17g, pyhf %.17g\n", r->path, ip,
                                i, exp[i], num(x));
                    fail();
                }
                i++;
            }
        }
        ip++;
    }
    free(pars);
    free(exp);
    free(work);
    free(work01);
}

/* Central differences of the NLL against the analytic gradient, at the
 * stored points (where finite) with parameters kept inside their bounds. */
/* Returns the number of partial derivatives compared. */
static int check_gradient(const hf_model *m, const char *what, const cJSON *pts, int kink0)
{
    int compared = 0;
    int np = hf_model_npars(m);
    double *pars = malloc(sizeof(double) * np), *g = malloc(sizeof(double) * np);
    double *work = malloc(sizeof(double) * hf_model_work_size(m));
    const double *data = hf_model_data(m), *lo = hf_model_lower(m), *hi = hf_model_upper(m);
    const cJSON *pt;
    int worst_i = -1;
    double worst = 0;
    cJSON_ArrayForEach(pt, pts) {
        const cJSON *x;
        int i = 0;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(pt, "pars")) pars[i++] = x->valuedouble;
        double f0 = hf_model_nll(m, pars, data, g, work);
        if (!isfinite(f0))
            continue;
        for (i = 0; i < np; i++) {
            double x0 = pars[i], h = 1e-6 * fmax(1.0, fabs(x0));
            /* near zero (staterror at 1e-6) the curvature is ~1/x^2: step
             * relative to x so the difference stays accurate */
            if (x0 != 0 && h > 1e-4 * fabs(x0))
                h = 1e-4 * fabs(x0);
            if (x0 - h < lo[i] || x0 + h > hi[i])
                continue;
            /* code4 and code4p switch formula at |alpha| = 1: skip kinks */
            if (fabs(fabs(x0) - 1.0) < 2 * h)
                continue;
            /* code0 and code1 switch at alpha = 0 */
            if (kink0 && fabs(x0) < 2 * h)
                continue;
            pars[i] = x0 + h;
            double fp = hf_model_nll(m, pars, data, NULL, work);
            pars[i] = x0 - h;
            double fm = hf_model_nll(m, pars, data, NULL, work);
            pars[i] = x0;
            if (!isfinite(fp) || !isfinite(fm))
                continue;
            double fd = (fp - fm) / (2 * h);
            /* the difference has error ~ eps*|f|/h: allow for it */
            double tol = 1e-6 * fmax(fabs(fd), fabs(g[i])) + 1e-9 * fmax(1.0, fabs(f0)) / h;
            double bad = fabs(fd - g[i]) / tol;
            compared++;
            if (bad > worst) {
                worst = bad;
                worst_i = i;
            }
            if (bad > 1) {
                print_error("%s: d nll / d %s: analytic %.12g, differences %.12g\n", what,
                            hf_model_par_name(m, i), g[i], fd);
                fail();
            }
        }
    }
    (void)worst_i;
    free(pars);
    free(g);
    free(work);
    return compared;
}

static void test_references(void **state)
{
    (void)state;
    char **files = ref_list();
    if (!files) {
        printf("SKIP: %s not found; regression tests against pyhf skipped\n", REF_DIR);
        skip();
    }
    int checked = 0;
    long partials = 0;
    for (char **f = files; *f; f++) {
        const char *only = getenv("HF_REF_FILTER"); /* for debugging one file */
        if (only && !strstr(*f, only))
            continue;
        mref r;
        if (open_ref(&r, *f)) {
            print_error("cannot build the model of %s\n", *f);
            fail();
        }
        check_table(&r);
        check_points(&r);
        const cJSON *pts = cJSON_GetObjectItem(r.json, "points");
        int nc = check_gradient(r.model, r.path, pts, 0) + check_gradient(r.model01, r.path, pts, 1);
        /* most partials must be comparable (not at a bound or kink) */
        assert_true(nc >= hf_model_npars(r.model));
        partials += nc;
        close_ref(&r);
        checked++;
    }
    ref_list_free(files);
    assert_true(checked > 0);
    printf("checked %d pyhf references, %ld gradient components\n", checked, partials);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
