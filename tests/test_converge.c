/*
 * test_converge.c - fit/converge.c's verdicts on the curvature at a point,
 * on tests/pyhf/saddle_cr.json (a signal region whose background histosys
 * has both templates below the nominal, and a control region where the
 * same histosys has templates on either side and the counts equal the
 * nominal).  At bkg_shape = bkg_norm = mu = 0 the Hessian's bkg_shape row
 * is decoupled (every cross term carries the histosys' slope at 0, which
 * is zero in the signal region, or 1 - n/lam, which is zero in the control
 * region), and its diagonal is, by hand from the templates:
 *   signal region  sum_b (1 - n_b/nom_b) * 2 * 15/8 * (t_b - nom_b)
 *                = 0.7 (-187.5) + 0.7 (-262.5) + 0.725 (-375)
 *                  + (11/15) (-300) + 0.75 (-187.5)     = -947.5
 *   control region sum_b S_b^2 / nom_b = 2.5^2/50 + 1.5^2/40 = 0.18125
 *   constraint     1
 * so -946.31875: a saddle, along bkg_shape alone.  At pyhf's minima
 * (tests/pyhf/refs.json, several starting points) the Hessian over the
 * two nuisance parameters is positive definite.
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
#include "models.h"
#include "fit/fit.h"
#include "run.h"

#define WS "tests/pyhf/saddle_cr.json"

/* the two nuisance parameters' indices (bkg_norm, bkg_shape) */
static void nuisances(const hf_model *m, int idx[2])
{
    idx[0] = idx[1] = -1;
    for (int i = 0; i < hf_model_npars(m); i++) {
        if (!strcmp(hf_model_par_name(m, i), "bkg_norm"))
            idx[0] = i;
        if (!strcmp(hf_model_par_name(m, i), "bkg_shape"))
            idx[1] = i;
    }
    assert_true(idx[0] >= 0 && idx[1] >= 0);
}

/* the gradient over idx at x (model units) */
static void gradient(const hf_model *m, const double *x, const int idx[2],
                     double g[2])
{
    int np = hf_model_npars(m);
    double *gf = malloc(np * sizeof *gf);
    double *work = malloc(hf_model_work_size(m) * sizeof *work);
    hf_model_nll(m, x, hf_model_data(m), gf, work);
    g[0] = gf[idx[0]];
    g[1] = gf[idx[1]];
    free(gf);
    free(work);
}

/* f(x + t d) + f(x - t d) - 2 f(x) over idx along d, t = 1e-3: the
 * curvature from NLL values alone */
static double second_difference(const hf_model *m, const double *x,
                                const int idx[2], const double d[2])
{
    int np = hf_model_npars(m);
    double *xs = malloc(np * sizeof *xs);
    double *work = malloc(hf_model_work_size(m) * sizeof *work), f[3];
    for (int s = -1; s <= 1; s++) {
        memcpy(xs, x, np * sizeof *xs);
        xs[idx[0]] += s * 1e-3 * d[0];
        xs[idx[1]] += s * 1e-3 * d[1];
        f[s + 1] = hf_model_nll(m, xs, hf_model_data(m), NULL, work);
    }
    free(xs);
    free(work);
    return f[0] + f[2] - 2 * f[1];
}

static void test_saddle(void **state)
{
    (void)state;
    hf_model *m = file_model(WS);
    int np = hf_model_npars(m), idx[2], nev = 0;
    nuisances(m, idx);
    double *x = calloc(np, sizeof *x), g[2], w[2] = {1, 1}, dir[2];
    gradient(m, x, idx, g);
    /* exactly zero: the structure that traps a descent */
    assert_true(g[1] == 0);
    /* the Hessian there is the hand calculation's */
    double H[4], h[2] = {1e-4, 1e-4};
    double *hw = malloc((hf_model_work_size(m) + 4 * (size_t)np) * sizeof *hw);
    assert_int_equal(hffit_hessian_ex(m, hf_model_data(m), x, 2, idx, h, H, hw,
                                      &nev, NULL), HF_OK);
    free(hw);
    if (!(fabs(H[3] + 946.31875) < 1e-5 * 946.31875 && fabs(H[1]) < 1e-6))
        fail_msg("H(bkg_shape) = %.10g (by hand -946.31875), cross term %g",
                 H[3], H[1]);
    /* the whole Hessian's verdict: a saddle, along bkg_shape alone (the
     * row is decoupled), and the NLL curves down along it */
    int v = hffit_curvature(m, hf_model_data(m), x, 2, idx, w, dir, &nev);
    assert_int_equal(v, HFFIT_SADDLE);
    assert_true(fabs(dir[1]) > 0.999);
    assert_true(second_difference(m, x, idx, dir) < 0);
    /* the exact Hessian is no NLL evaluation */
    int before = nev;
    hffit_curvature(m, hf_model_data(m), x, 2, idx, w, dir, &nev);
    assert_int_equal(nev, before);
    /* the parameters in descending order (the block is moved within the
     * Hessian's buffer by ascending index): dir follows idx's order */
    int rev[2] = {idx[1], idx[0]};
    v = hffit_curvature(m, hf_model_data(m), x, 2, rev, w, dir, &nev);
    assert_int_equal(v, HFFIT_SADDLE);
    assert_true(fabs(dir[0]) > 0.999);
    free(x);
    hf_model_free(m);
}

/* pyhf's free and mu = 1 minima: positive definite */
static void test_minima(void **state)
{
    (void)state;
    char *s = slurp_path("tests/pyhf/refs.json");
    cJSON *refs = s ? cJSON_Parse(s) : NULL;
    free(s);
    assert_non_null(refs);
    const cJSON *fits = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(refs, "models"), "saddle_cr"),
        "fits");
    assert_non_null(fits);
    hf_model *m = file_model(WS);
    int np = hf_model_npars(m), idx[2], nev = 0;
    nuisances(m, idx);
    double *x = malloc(np * sizeof *x), w[2] = {1, 1}, dir[2];
    const char *key[2] = {"free", "fixed_poi"};
    for (int f = 0; f < 2; f++) {
        const cJSON *p = cJSON_GetObjectItem(cJSON_GetObjectItem(fits, key[f]),
                                             "pars");
        assert_int_equal(cJSON_GetArraySize(p), np);
        for (int i = 0; i < np; i++)
            x[i] = cJSON_GetArrayItem(p, i)->valuedouble;
        assert_int_equal(hffit_curvature(m, hf_model_data(m), x, 2, idx, w,
                                         dir, &nev),
                         HFFIT_MINIMUM);
    }
    free(x);
    hf_model_free(m);
    cJSON_Delete(refs);
}

/* hffit_curvature_ex in one scratch kept across checks (as a hypotest's
 * fits keep it): the verdicts and direction of hffit_curvature's own
 * buffers, also when the scratch holds garbage (NaN, -1) from before. */
static void test_scratch(void **state)
{
    (void)state;
    hf_model *m = file_model(WS);
    int np = hf_model_npars(m), idx[2], nev = 0;
    nuisances(m, idx);
    int rev[2] = {idx[1], idx[0]};
    double *x = calloc(np, sizeof *x), w[2] = {1, 1}, d1[2], d2[2];
    hffit_scratch s = {0};
    for (int round = 0; round < 2; round++) {
        for (int o = 0; o < 2; o++) {
            const int *ix = o ? rev : idx;
            int v1 = hffit_curvature(m, hf_model_data(m), x, 2, ix, w, d1, &nev);
            int v2 = hffit_curvature_ex(m, hf_model_data(m), x, 2, ix, w, d2,
                                        &nev, &s);
            assert_int_equal(v1, HFFIT_SADDLE);
            assert_int_equal(v2, v1);
            assert_true(d1[0] == d2[0] && d1[1] == d2[1]);
        }
        assert_non_null(s.d);
        for (size_t k = 0; k < s.nd; k++)
            s.d[k] = NAN;
        for (size_t k = 0; k < s.ni; k++)
            s.i[k] = -1;
    }
    hffit_scratch_free(&s);
    assert_null(s.d);
    free(x);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saddle),
        cmocka_unit_test(test_minima),
        cmocka_unit_test(test_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
