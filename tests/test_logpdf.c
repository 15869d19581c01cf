/*
 * test_logpdf.c - hf's log-likelihood against its true value: 50-digit
 * values computed with mpmath straight from the workspace JSON, without
 * hf's code (tests/pyhf/make_logpdf.py writes tests/pyhf/logpdf_refs.json).
 * The models carry Poisson constraints with tau up to 1e15
 * (tests/pyhf/bigtau.json) and 1.9e11 (3LRJ, from ../shared: a skip
 * without it), where n log(lam) - lam - lgamma(n+1) cancels: at the inits
 * of bigtau pyhf's float64 sum is off by 4.4 (3.8e-2 relative), at those
 * of 3LRJ by 1.5e-4 (1e-6 relative).  hf must be within 1e-12 relative at
 * the inits and at ten random points of each model.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "hf.h"
#include "run.h"

#define REFS "tests/pyhf/logpdf_refs.json"
#define TOL 1e-12

static cJSON *refs;

static hf_model *build(const cJSON *spec)
{
    const char *wsp = cJSON_GetObjectItem(spec, "workspace")->valuestring;
    const cJSON *psp = cJSON_GetObjectItem(spec, "patchset");
    hf_workspace *ws;
    hf_patch *patch = NULL;
    hf_model *m;
    hf_error err;
    if (hf_workspace_read(wsp, &ws, &err) != HF_OK)
        fail_msg("%s", err.msg);
    if (psp && hf_patch_read_any(psp->valuestring,
                                 cJSON_GetObjectItem(spec, "patch")->valuestring,
                                 &patch, &err) != HF_OK)
        fail_msg("%s", err.msg);
    const hf_patch *patches[1] = {patch};
    if (hf_model_build(ws, patches, patch ? 1 : 0, NULL, &m, &err) != HF_OK)
        fail_msg("%s", err.msg);
    hf_patch_free(patch);
    hf_workspace_free(ws);
    return m;
}

/* The point's parameters by set name, into pars (every set present). */
static void point_pars(const hf_model *m, const cJSON *pt, double *pars)
{
    int seen = 0;
    for (const cJSON *e = pt->child; e; e = e->next) {
        int k = hf_model_find_parset(m, e->string);
        hf_parset ps;
        if (k < 0 || hf_model_parset(m, k, &ps) != HF_OK)
            fail_msg("no parameter set %s", e->string);
        assert_int_equal(cJSON_GetArraySize(e), ps.n);
        int i = 0;
        for (const cJSON *v = e->child; v; v = v->next)
            pars[ps.offset + i++] = v->valuedouble;
        seen += ps.n;
    }
    assert_int_equal(seen, hf_model_npars(m));
}

static void check_model(const cJSON *spec)
{
    const char *name = cJSON_GetObjectItem(spec, "name")->valuestring;
    hf_model *m = build(spec);
    int np = hf_model_npars(m);
    double *pars = malloc(sizeof(double) * np);
    double *work = malloc(hf_model_work_size(m) * sizeof *work);
    assert_non_null(pars);
    assert_non_null(work);
    int i = 0;
    double worst = 0, worst_pyhf = 0;
    const cJSON *pts = cJSON_GetObjectItem(spec, "points");
    for (const cJSON *p = pts->child; p; p = p->next, i++) {
        point_pars(m, cJSON_GetObjectItem(p, "pars"), pars);
        double want = strtod(cJSON_GetObjectItem(p, "logpdf")->valuestring, NULL);
        double got = hf_model_logpdf(m, pars, hf_model_data(m), work);
        double rel = fabs(got - want) / fabs(want);
        if (!(rel <= TOL))
            fail_msg("%s point %d: hf logpdf %.17g, true %.17g (relative %.2g > %g)",
                     name, i, got, want, rel, TOL);
        worst = fmax(worst, rel);
        const cJSON *py = cJSON_GetObjectItem(p, "pyhf");
        if (cJSON_IsNumber(py))
            worst_pyhf = fmax(worst_pyhf, fabs(py->valuedouble - want) / fabs(want));
    }
    assert_int_equal(i, 11);
    /* pyhf's float64 sums, for the record (not an expectation) */
    printf("%s: hf within %.2g relative of the 50-digit logpdf, pyhf within %.2g\n",
           name, worst, worst_pyhf);
    free(work);
    free(pars);
    hf_model_free(m);
}

static const cJSON *model_spec(const char *name)
{
    const cJSON *ms = cJSON_GetObjectItem(refs, "models");
    for (const cJSON *e = ms ? ms->child : NULL; e; e = e->next)
        if (!strcmp(cJSON_GetObjectItem(e, "name")->valuestring, name))
            return e;
    return NULL;
}

static void test_bigtau(void **state)
{
    (void)state;
    const cJSON *spec = model_spec("bigtau");
    assert_non_null(spec);
    check_model(spec);
}

static void test_3lrj(void **state)
{
    (void)state;
    const cJSON *spec = model_spec("3LRJ_ERJR_100p0_20p0");
    assert_non_null(spec);
    FILE *f = fopen(cJSON_GetObjectItem(spec, "workspace")->valuestring, "r");
    if (!f)
        skip(); /* ../shared is absent */
    fclose(f);
    check_model(spec);
}

int main(void)
{
    char *s = slurp_path(REFS);
    refs = s ? cJSON_Parse(s) : NULL;
    free(s);
    if (!refs) {
        fprintf(stderr, "cannot read %s\n", REFS);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bigtau),
        cmocka_unit_test(test_3lrj),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cJSON_Delete(refs);
    return rc;
}
