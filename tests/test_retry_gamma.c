/*
 * test_retry_gamma.c - the gamma rule of the fit layer (fit/gamma.c): a
 * fit that ends with a shapesys / staterror / shapefactor gamma on its
 * lower bound is redone once from the other side of the ridge, keeping the
 * lower; hf_fit applies it, and so every caller (hf_test_statistic, the
 * hypotest, the toys; the Python package in
 * tests/python/test_gamma_bound.py).
 *
 * The case: 3LRJ ERJR_250p0_100p0 (../shared; skipped without it) on
 * pyhf's toy 36 (tests/pyhf/gamma_bound.json, made by
 * tests/pyhf/make_gamma_bound.py): the mu = 1 fit has a minimum with the
 * top SRlow shapesys gamma (tau 0.058) on its 1e-10 bound, 10.3 in
 * twice_nll above pyhf's multi-start minimum (gamma 5.19).  Without the
 * rule hf stopped on the bound from the inits and from the generating
 * points alike: q 13.9 where pyhf's q is 3.59.  The 3LRJ aux term of mean
 * 1.9e11 rounds twice_nll to ~2e-3, so q is compared to 0.02 and each
 * fit's twice_nll to 0.01.
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

#define LRJ "../shared/workspaces/real/3LRJ_ATLAS-SUSY-2018-06"
#define TOL 0.02
#define CLS_RTOL 0.01 /* q within TOL moves CLs by < 0.3% here */

typedef struct gb_case {
    hf_model *m;
    double *data;
    double q, free, fixed, gamma; /* pyhf's */
} gb_case;

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return cJSON_Parse(buf);
}

static int gb_load(gb_case *c)
{
    hf_workspace *ws = NULL;
    hf_patch *p = NULL;
    hf_error err = {0};
    cJSON *ref = read_json("tests/pyhf/gamma_bound.json");
    assert_non_null(ref); /* committed: never a skip */
    c->m = NULL;
    if (hf_workspace_read(LRJ "/BkgOnly.json", &ws, &err) == HF_OK &&
        hf_patch_read_any(LRJ "/patchset.json", "ERJR_250p0_100p0", &p,
                          &err) == HF_OK) {
        const hf_patch *ps[] = {p};
        if (hf_model_build(ws, ps, 1, NULL, &c->m, &err) != HF_OK)
            c->m = NULL;
    }
    hf_patch_free(p);
    hf_workspace_free(ws);
    if (!c->m) {
        cJSON_Delete(ref);
        return 0;
    }
    cJSON *d = cJSON_GetObjectItem(ref, "data");
    int nd = hf_model_ndata(c->m);
    assert_int_equal(cJSON_GetArraySize(d), nd);
    c->data = malloc(nd * sizeof *c->data);
    for (int i = 0; i < nd; i++)
        c->data[i] = cJSON_GetArrayItem(d, i)->valuedouble;
    c->q = cJSON_GetObjectItem(ref, "qmu_tilde_mu1")->valuedouble;
    c->free = cJSON_GetObjectItem(ref, "free_twice_nll")->valuedouble;
    c->fixed = cJSON_GetObjectItem(ref, "fixed_mu1_twice_nll")->valuedouble;
    c->gamma = cJSON_GetObjectItem(ref, "gamma_top_SRlow_fixed")->valuedouble;
    cJSON_Delete(ref);
    return 1;
}

static void gb_free(gb_case *c)
{
    hf_model_free(c->m);
    free(c->data);
}

/* The parameter index of a named parameter set's first entry. */
static int par_index(const hf_model *m, const char *set)
{
    for (int k = 0; k < hf_model_nparsets(m); k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) == HF_OK && !strcmp(ps.name, set))
            return ps.offset;
    }
    return -1;
}

/* hf_fit itself, free and with mu = 1, from the inits (pyhf's
 * mle.fit / fixed_poi_fit). */
static void test_fit(void **state)
{
    (void)state;
    gb_case c;
    if (!gb_load(&c))
        skip();
    int np = hf_model_npars(c.m);
    double *pars = malloc(np * sizeof *pars);
    hf_fit_result r;
    hf_error err = {0};
    assert_int_equal(hf_fit(c.m, c.data, NULL, 0, 0, NULL, pars, &r, &err),
                     HF_OK);
    printf("# free %.6f, pyhf %.6f\n", r.twice_nll, c.free);
    assert_true(fabs(r.twice_nll - c.free) < 0.01);
    assert_int_equal(hf_fit(c.m, c.data, NULL, 1, 1.0, NULL, pars, &r, &err),
                     HF_OK);
    int gi = par_index(c.m, "shape_mcstat_top_SRlow_obs_cuts");
    assert_true(gi >= 0);
    printf("# mu=1 %.6f (gamma %.4f), pyhf %.6f (gamma %.4f)\n", r.twice_nll,
           pars[gi], c.fixed, c.gamma);
    assert_true(fabs(r.twice_nll - c.fixed) < 0.01);
    assert_true(fabs(pars[gi] - c.gamma) < 0.5); /* not the 1e-10 bound */
    free(pars);
    gb_free(&c);
}

/* pyhf.infer.test_statistics.qmu_tilde's fits (hf_test_statistic). */
static void test_teststat(void **state)
{
    (void)state;
    gb_case c;
    if (!gb_load(&c))
        skip();
    double q;
    hf_error err = {0};
    assert_int_equal(hf_test_statistic(c.m, c.data, 1.0, HF_TEST_QMU_TILDE,
                                       NULL, &q, &err), HF_OK);
    printf("# q %.6f, pyhf %.6f\n", q, c.q);
    assert_true(fabs(q - c.q) < TOL);
    gb_free(&c);
}

/* The values of fit k ("free", ...) of pyhf's "best" in ref. */
static const cJSON *best_fit(const cJSON *ref, const char *k)
{
    return cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "best"), "fits"), k);
}

static double best_num(const cJSON *ref, const char *k)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "best"), k)
        ->valuedouble;
}

/* The hypotest on these data (tests/pyhf/gamma_bound_hypotest.json, made
 * by tests/pyhf/make_gamma_bound_hypotest.py).  The background-only fit
 * puts four shapesys gammas on their 1e-10 bound (their aux data are 0),
 * so the Asimov data have aux data of 1e-10 tau: a log barrier at the
 * bound, its minimum ~1.3e-10, where L-BFGS could not step and the mu = 1
 * fit to them failed ("no convergence after 658 evaluations", projected
 * gradient 0.0305, all of it on the bound) before fit/mle.c's
 * bound_pinned.  pyhf's own hypotest here is CLs = 1 with CLsb = CLb (its
 * mu = 1 fit to the Asimov data stays at its start): compared with pyhf's
 * multi-start fits instead, and hf's NLL at pyhf's Asimov mu = 1 point
 * must be pyhf's (the same function) and not below hf's minimum. */
static void test_hypotest(void **state)
{
    (void)state;
    gb_case c;
    if (!gb_load(&c))
        skip();
    cJSON *ref = read_json("tests/pyhf/gamma_bound_hypotest.json");
    assert_non_null(ref); /* committed: never a skip */
    int np = hf_model_npars(c.m), nd = hf_model_ndata(c.m);
    hf_cls_result r;
    hf_hypotest_explain ex;
    memset(&ex, 0, sizeof ex);
    hf_error err = {0};
    int rc = hf_cls_asymptotic_explain(c.m, c.data, 1.0, HF_TEST_QMU_TILDE,
                                       NULL, &r, &ex, &err);
    printf("# rc %d %s\n", rc, rc ? err.msg : "");
    assert_int_equal(rc, HF_OK);
    printf("# q %.6f q_A %.6f CLs %.6f CLsb %.6f CLb %.6f; pyhf %.6f %.6f "
           "%.6f %.6f %.6f\n", r.test_stat, r.test_stat_asimov, r.cls_obs,
           r.clsb, r.clb, best_num(ref, "q_obs"), best_num(ref, "q_asimov"),
           best_num(ref, "CLs_obs"), best_num(ref, "CLsb"),
           best_num(ref, "CLb"));
    assert_true(fabs(r.test_stat - best_num(ref, "q_obs")) < TOL);
    assert_true(fabs(r.test_stat_asimov - best_num(ref, "q_asimov")) < TOL);
    assert_true(fabs(r.cls_obs - best_num(ref, "CLs_obs")) <
                CLS_RTOL * best_num(ref, "CLs_obs"));
    assert_true(fabs(r.clb - best_num(ref, "CLb")) <
                CLS_RTOL * best_num(ref, "CLb"));
    /* the same function at pyhf's Asimov mu = 1 minimum */
    const cJSON *af = best_fit(ref, "asimov_fixed_poi");
    const cJSON *ad = cJSON_GetObjectItem(cJSON_GetObjectItem(ref, "best"),
                                          "asimov_data");
    assert_int_equal(cJSON_GetArraySize(ad), nd);
    double *x = malloc((2 * np + nd + hf_model_work_size(c.m)) * sizeof *x);
    double *a = x + np, *g = a + nd, *w = g + np;
    for (int i = 0; i < np; i++)
        x[i] = cJSON_GetArrayItem(cJSON_GetObjectItem(af, "pars"), i)
                   ->valuedouble;
    for (int i = 0; i < nd; i++)
        a[i] = cJSON_GetArrayItem(ad, i)->valuedouble;
    double at = 2 * hf_model_nll(c.m, x, a, g, w);
    double pv = cJSON_GetObjectItem(af, "twice_nll")->valuedouble;
    /* and hf's mu = 1 fit to pyhf's Asimov data: not above that point */
    double *p = malloc(np * sizeof *p);
    hf_fit_result fr;
    assert_int_equal(hf_fit(c.m, a, NULL, 1, 1.0, NULL, p, &fr, &err), HF_OK);
    printf("# pyhf's Asimov data, mu=1: hf at pyhf's point %.6f (pyhf %.6f), "
           "hf's fit %.6f\n", at, pv, fr.twice_nll);
    assert_true(fabs(at - pv) < 0.01);
    assert_true(fr.twice_nll <= at + 1e-6);
    free(p);
    free(x);
    cJSON_Delete(ref);
    gb_free(&c);
}

/* The toys' fits: the observed q of hf_cls_toys on these data. */
static void test_toys(void **state)
{
    (void)state;
    gb_case c;
    if (!gb_load(&c))
        skip();
    hf_toys_options o;
    hf_toys_options_init(&o);
    o.threads = 1;
    hf_toys_result r;
    hf_error err = {0};
    assert_int_equal(hf_cls_toys(c.m, c.data, 1.0, HF_TEST_QMU_TILDE, 5, 1,
                                 &o, &r, &err), HF_OK);
    printf("# toys q_obs %.6f, pyhf %.6f\n", r.test_stat, c.q);
    assert_true(fabs(r.test_stat - c.q) < TOL);
    gb_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_teststat),
        cmocka_unit_test(test_toys),
        cmocka_unit_test(test_hypotest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
