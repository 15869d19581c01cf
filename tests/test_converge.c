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

/* The Hessian over idx at x by central differences of the gradient
 * (hffit_hessian_ex, steps 1e-4): not the exact one the check reads */
static void differences_hessian(const hf_model *m, const double *x,
                                const int idx[2], double H[4])
{
    int nev = 0;
    double h[2] = {1e-4, 1e-4};
    double *hw = malloc((hf_model_work_size(m) + 4 * (size_t)hf_model_npars(m)) *
                        sizeof *hw);
    assert_int_equal(hffit_hessian_ex(m, hf_model_data(m), x, 2, idx, h, H, hw,
                                      &nev, NULL), HF_OK);
    free(hw);
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
    double H[4];
    differences_hessian(m, x, idx, H);
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

/* The lowest eigenvector of the 2 x 2 symmetric [a b; b c] into e */
static void lowest_2x2(double a, double b, double c, double e[2])
{
    double lam = 0.5 * (a + c) - sqrt(0.25 * (a - c) * (a - c) + b * b);
    double n = hypot(b, lam - a);
    e[0] = b / n;
    e[1] = (lam - a) / n;
}

/* Off the decoupled point (bkg_norm 0.3, bkg_shape 0.2: a cross term of
 * about -24 against diagonals 1.75 and -814) and with widths 2 and 0.25,
 * the direction is the lowest eigenvector of W H W (W the widths), with H
 * from central differences of the gradient (hffit_hessian_ex), not the
 * exact Hessian the check reads; the widths turn it by ~10 degrees, well
 * past the differences' error, in both orders of the parameters. */
static void test_widths(void **state)
{
    (void)state;
    hf_model *m = file_model(WS);
    int np = hf_model_npars(m), idx[2], nev = 0;
    nuisances(m, idx);
    double *x = calloc(np, sizeof *x), H[4];
    x[idx[0]] = 0.3;
    x[idx[1]] = 0.2;
    differences_hessian(m, x, idx, H);
    double w[2] = {2, 0.25}, e[2], plain[2], dir[2];
    lowest_2x2(H[0] * w[0] * w[0], H[1] * w[0] * w[1], H[3] * w[1] * w[1], e);
    lowest_2x2(H[0], H[1], H[3], plain);
    /* premise: the widths matter */
    assert_true(fabs(e[0] * plain[0] + e[1] * plain[1]) < 0.99);
    assert_int_equal(hffit_curvature(m, hf_model_data(m), x, 2, idx, w, dir, &nev),
                     HFFIT_SADDLE);
    if (!(fabs(dir[0] * e[0] + dir[1] * e[1]) > 1 - 1e-6))
        fail_msg("direction (%.9g, %.9g), W H W's lowest (%.9g, %.9g)", dir[0],
                 dir[1], e[0], e[1]);
    int rev[2] = {idx[1], idx[0]};
    double wr[2] = {w[1], w[0]};
    assert_int_equal(hffit_curvature(m, hf_model_data(m), x, 2, rev, wr, dir, &nev),
                     HFFIT_SADDLE);
    if (!(fabs(dir[1] * e[0] + dir[0] * e[1]) > 1 - 1e-6))
        fail_msg("reversed: direction (%.9g, %.9g), W H W's lowest (%.9g, %.9g)",
                 dir[1], dir[0], e[0], e[1]);
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

/* A model of 48 channels of 20 bins, each bin with a staterror and a
 * shapesys gamma, one shared normfactor: 1,921 parameters, so that a
 * check's buffers (npars^2 + the Hessian's scratch) pass the size above
 * which a kept scratch is used (converge.c SCRATCH_KEEP_MIN). */
static hf_model *large_model(void)
{
    cJSON *ws = cJSON_CreateObject(), *chans = cJSON_AddArrayToObject(ws, "channels");
    cJSON *obs = cJSON_AddArrayToObject(ws, "observations");
    for (int c = 0; c < 48; c++) {
        char name[32];
        double nom[20], unc[20], dat[20];
        for (int b = 0; b < 20; b++) {
            nom[b] = 50 + (c * 20 + b) % 37;
            unc[b] = 0.1 * nom[b];
            dat[b] = nom[b] + 5 + (c + b) % 11 - 5;
        }
        snprintf(name, sizeof name, "ch%02d", c);
        cJSON *ch = cJSON_CreateObject(), *smp = cJSON_CreateObject();
        cJSON_AddStringToObject(ch, "name", name);
        cJSON_AddStringToObject(smp, "name", "bkg");
        cJSON_AddItemToObject(smp, "data", cJSON_CreateDoubleArray(nom, 20));
        cJSON *mods = cJSON_AddArrayToObject(smp, "modifiers");
        static const char *const type[3] = {"normfactor", "staterror", "shapesys"};
        for (int k = 0; k < 3; k++) {
            cJSON *mod = cJSON_CreateObject();
            snprintf(name + 4, sizeof name - 4, "_%d", k);
            cJSON_AddStringToObject(mod, "name", k ? name : "mu");
            cJSON_AddStringToObject(mod, "type", type[k]);
            cJSON_AddItemToObject(mod, "data", k ? cJSON_CreateDoubleArray(unc, 20)
                                                 : cJSON_CreateNull());
            cJSON_AddItemToArray(mods, mod);
        }
        cJSON_AddItemToArray(cJSON_AddArrayToObject(ch, "samples"), smp);
        cJSON_AddItemToArray(chans, ch);
        name[4] = 0;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddItemToObject(o, "data", cJSON_CreateDoubleArray(dat, 20));
        cJSON_AddItemToArray(obs, o);
    }
    cJSON *meas = cJSON_CreateObject(), *cfg = cJSON_AddObjectToObject(meas, "config");
    cJSON_AddStringToObject(meas, "name", "m");
    cJSON_AddStringToObject(cfg, "poi", "mu");
    cJSON_AddArrayToObject(cfg, "parameters");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(ws, "measurements"), meas);
    cJSON_AddStringToObject(ws, "version", "1.0.0");
    char *json = cJSON_PrintUnformatted(ws);
    hf_model *m = inline_model(json);
    free(json);
    cJSON_Delete(ws);
    return m;
}

/* hffit_curvature_ex in one scratch kept across checks (as a hypotest's
 * fits keep it): the verdicts and direction of hffit_curvature's own
 * buffers, also when the scratch holds garbage (NaN, -1) from before; on
 * a small model the scratch is not taken (malloc keeps small buffers). */
static void test_scratch(void **state)
{
    (void)state;
    hf_model *m = file_model(WS);
    int np = hf_model_npars(m), idx[2], nev = 0;
    nuisances(m, idx);
    double *x = calloc(np, sizeof *x), w[2] = {1, 1}, d[2];
    hffit_scratch s = {0};
    assert_int_equal(hffit_curvature_ex(m, hf_model_data(m), x, 2, idx, w, d,
                                        &nev, &s),
                     HFFIT_SADDLE);
    assert_null(s.d);
    free(x);
    hf_model_free(m);

    m = large_model();
    np = hf_model_npars(m);
    assert_int_equal(np, 1921);
    int *all = malloc(np * sizeof *all), n = 0;
    double *wf = malloc(np * sizeof *wf), *wa = malloc(np * sizeof *wa);
    double *d1 = malloc(np * sizeof *d1), *d2 = malloc(np * sizeof *d2);
    hffit_widths(m, wf);
    for (int i = np - 1; i >= 0; i--) /* descending: the block is moved */
        if (!hf_model_fixed(m)[i]) {
            all[n] = i;
            wa[n++] = wf[i];
        }
    const double *at = hf_model_inits(m);
    int v1 = hffit_curvature(m, hf_model_data(m), at, n, all, wa, d1, &nev);
    assert_int_equal(v1, HFFIT_MINIMUM);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(hffit_curvature_ex(m, hf_model_data(m), at, n, all,
                                            wa, d2, &nev, &s),
                         v1);
        assert_non_null(s.d);
        for (size_t k = 0; k < s.nd; k++)
            s.d[k] = NAN;
        for (size_t k = 0; k < s.ni; k++)
            s.i[k] = -1;
    }
    hffit_scratch_free(&s);
    assert_null(s.d);
    free(all);
    free(wf);
    free(wa);
    free(d1);
    free(d2);
    hf_model_free(m);
}

/* u'Hu along u (width units w) at x by a central difference of the
 * gradient over idx along W u, t = 1e-4: O(t^2) from the exact one */
static double along_differences(const hf_model *m, const double *x, int n,
                                const int *idx, const double *w,
                                const double *u)
{
    int np = hf_model_npars(m);
    double *xs = malloc(np * sizeof *xs), *g = malloc(np * sizeof *g);
    double *work = malloc(hf_model_work_size(m) * sizeof *work), d = 0;
    for (int s = -1; s <= 1; s += 2) {
        memcpy(xs, x, np * sizeof *xs);
        for (int a = 0; a < n; a++)
            xs[idx[a]] += s * 1e-4 * w[a] * u[a];
        hf_model_nll(m, xs, hf_model_data(m), g, work);
        for (int a = 0; a < n; a++)
            d += s * g[idx[a]] * w[a] * u[a];
    }
    free(xs);
    free(g);
    free(work);
    return d / 2e-4;
}

/* hffit_curvature_along's u'Hu (settle_flat's curvature along the
 * gradient, fit/mle.c) against differences of the gradient: on the small
 * model (the block made apart from the Hessian) with widths, in both
 * orders of the parameters; on the large one (the block permuted in
 * place by the count of non-zeros: mu, the first parameter, moves from
 * the first row to the last) in ascending order.  The verdict is
 * hffit_curvature's. */
static void test_along(void **state)
{
    (void)state;
    hf_model *m = file_model(WS);
    int np = hf_model_npars(m), idx[2], nev = 0;
    nuisances(m, idx);
    double *x = calloc(np, sizeof *x), dir[2], uhu = 0;
    x[idx[0]] = 0.3;
    x[idx[1]] = 0.2;
    double w[2] = {2, 0.25}, u[2] = {0.7, -1.3};
    int rev[2] = {idx[1], idx[0]};
    double wr[2] = {w[1], w[0]}, ur[2] = {u[1], u[0]};
    for (int r = 0; r < 2; r++) {
        const int *ix = r ? rev : idx;
        const double *wx = r ? wr : w, *ux = r ? ur : u;
        assert_int_equal(hffit_curvature_along(m, hf_model_data(m), x, 2, ix,
                                               wx, ux, &uhu, dir, &nev, NULL),
                         HFFIT_SADDLE);
        double ref = along_differences(m, x, 2, ix, wx, ux);
        if (!(fabs(uhu - ref) <= 1e-6 * fabs(ref)))
            fail_msg("order %d: u'Hu %.12g, differences %.12g", r, uhu, ref);
    }
    free(x);
    hf_model_free(m);

    m = large_model();
    np = hf_model_npars(m);
    int *all = malloc(np * sizeof *all), n = 0;
    double *wf = malloc(np * sizeof *wf), *wa = malloc(np * sizeof *wa);
    double *ua = malloc(np * sizeof *ua), *d = malloc(np * sizeof *d);
    hffit_widths(m, wf);
    for (int i = 0; i < np; i++) /* mu first, last in the block's order */
        if (!hf_model_fixed(m)[i]) {
            all[n] = i;
            wa[n] = wf[i];
            ua[n] = sin(n + 1.0);
            n++;
        }
    hffit_scratch s = {0};
    const double *at = hf_model_inits(m);
    assert_int_equal(hffit_curvature_along(m, hf_model_data(m), at, n, all, wa,
                                           ua, &uhu, d, &nev, &s),
                     HFFIT_MINIMUM);
    double ref = along_differences(m, at, n, all, wa, ua);
    if (!(fabs(uhu - ref) <= 1e-6 * fabs(ref)))
        fail_msg("large: u'Hu %.12g, differences %.12g", uhu, ref);
    hffit_scratch_free(&s);
    free(all);
    free(wf);
    free(wa);
    free(ua);
    free(d);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saddle),
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_minima),
        cmocka_unit_test(test_scratch),
        cmocka_unit_test(test_along),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
