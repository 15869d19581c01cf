/*
 * test_bfgs.c - fit/'s second minimiser (hffit_bfgs) on its own, on a model
 * whose minima are known in closed form.
 *
 * Two bins, a signal strength mu and a background normalisation k (both
 * free normfactors, bounds [0, 10]): SR expects 5 mu + 10 k, CR expects
 * 10 k.  With n_SR = 20, n_CR = 12 the minimum has every expectation equal
 * to its count: k = 1.2, mu = 1.6, and twice the NLL is
 * 2 sum(n - n ln n + ln n!).  With n_SR = 8 the unbounded minimum has
 * mu < 0: mu stays on its bound 0 (held, its gradient pushing against it)
 * and k = (8 + 12) / 20 = 1.  With mu fixed to 1 (k moved alone), d/dk = 0
 * is 200 k^2 + (100 - 10 n_SR - 10 n_CR) k - 5 n_CR = 0.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"
#include "fit/bfgs.h"
#include "fit/fit.h"
#include "models.h"

static double poisson_term(double lam, double n)
{
    return lam - n * log(lam) + lgamma(n + 1);
}

/* The model of two_bin_model, the work space of its descents and the problem
 * they solve: the first n of (mu, k) in the model's order moved (n = 1: k
 * alone), unit widths, tolerance 1e-12, at most 200 iterations; from
 * mu = k = 1 with the identity as first metric unless a test says else. */
typedef struct two_fit {
    hf_model *m;
    int imu, ik, idx[2];
    double width[2], start[2], H[4];
    hf_bfgs_work w;
    hf_bfgs_problem p;
} two_fit;

static void two_fit_open(two_fit *f, int n_sr, int n_cr, int n)
{
    f->m = two_bin_model(n_sr, n_cr);
    f->imu = model_par(f->m, "mu");
    f->ik = model_par(f->m, "k");
    f->idx[0] = n == 1 ? f->ik : 0;
    f->idx[1] = 1;
    f->width[0] = f->width[1] = 1;
    f->start[0] = f->start[1] = 1;
    memcpy(f->H, (double[4]){1, 0, 0, 1}, sizeof f->H);
    assert_int_equal(hffit_bfgs_work_alloc(&f->w, f->m, n), HF_OK);
    f->p = (hf_bfgs_problem){f->m, hf_model_data(f->m), n, f->idx, f->width,
                             1e-12, 200, 0};
}

static void two_fit_close(two_fit *f)
{
    hffit_bfgs_work_free(&f->w);
    hf_model_free(f->m);
}

/* Fits with identity first metric from `start`. */
static int fit(two_fit *f, const double *start, double *pars, double *tnll)
{
    double H[4] = {1, 0, 0, 1};
    long nevals = 0;
    int rc = hffit_bfgs(&f->p, H, start, pars, tnll, &nevals, &f->w);
    assert_true(rc != HF_OK || nevals > 0);
    return rc;
}

static void test_interior_minimum(void **state)
{
    (void)state;
    two_fit f;
    two_fit_open(&f, 20, 12, 2);
    assert_int_equal(hf_model_npars(f.m), 2);
    int imu = f.imu, ik = f.ik;
    double pars[2], tnll;
    assert_int_equal(fit(&f, f.start, pars, &tnll), HF_OK);
    assert_true(fabs(pars[imu] - 1.6) < 1e-5);
    assert_true(fabs(pars[ik] - 1.2) < 1e-5);
    double want = 2 * (poisson_term(20, 20) + poisson_term(12, 12));
    assert_true(fabs(tnll - want) < 1e-9);
    assert_int_equal(f.w.held[0] | f.w.held[1], 0);
    two_fit_close(&f);
}

static void test_minimum_on_bound(void **state)
{
    (void)state;
    two_fit f;
    two_fit_open(&f, 8, 12, 2);
    int imu = f.imu, ik = f.ik;
    double pars[2], tnll;
    assert_int_equal(fit(&f, f.start, pars, &tnll), HF_OK);
    assert_true(pars[imu] == 0);
    assert_int_equal(f.w.held[imu], -1);
    assert_true(fabs(pars[ik] - 1.0) < 1e-5);
    double want = 2 * (poisson_term(10, 8) + poisson_term(10, 12));
    assert_true(fabs(tnll - want) < 1e-9);
    two_fit_close(&f);
}

static void test_fixed_parameter(void **state)
{
    (void)state;
    two_fit f;
    two_fit_open(&f, 20, 12, 1);
    int imu = f.imu, ik = f.ik;
    double start[2], pars[2], tnll;
    start[imu] = 1, start[ik] = 0.5;
    assert_int_equal(fit(&f, start, pars, &tnll), HF_OK);
    double b = 100 - 10 * 20 - 10 * 12;
    double k = (-b + sqrt(b * b + 4 * 200 * 5 * 12)) / (2 * 200);
    assert_true(pars[imu] == 1); /* not moved */
    assert_true(fabs(pars[ik] - k) < 1e-6);
    double want = 2 * (poisson_term(5 + 10 * k, 20) + poisson_term(10 * k, 12));
    assert_true(fabs(tnll - want) < 1e-9);
    two_fit_close(&f);
}

/* A start outside the bounds is refused, and the iteration cap gives up
 * (HF_ERR_FIT) with the best point so far, lower than the start. */
static void test_gives_up(void **state)
{
    (void)state;
    two_fit f;
    two_fit_open(&f, 20, 12, 2);
    int imu = f.imu, ik = f.ik;
    double start[2], pars[2], tnll;
    start[imu] = -1, start[ik] = 1;
    assert_int_equal(fit(&f, start, pars, &tnll), HF_ERR_FIT);
    start[imu] = 9, start[ik] = 9;
    double H[4] = {1, 0, 0, 1};
    f.p.max_iter = 1;
    long nevals = 0;
    assert_int_equal(hffit_bfgs(&f.p, H, start, pars, &tnll, &nevals, &f.w),
                     HF_ERR_FIT);
    double f0 = 2 * (poisson_term(45 + 90, 20) + poisson_term(90, 12));
    assert_true(tnll < f0);
    two_fit_close(&f);
}

/* hf_bfgs_work.near: the descent stops at its first accepted point within
 * near_r of the given point (the closed-form minimum k = 1.2, mu = 1.6),
 * says so, and has spent fewer evaluations than the full descent; a point
 * the descent never comes near leaves the fit as it was. */
static void test_stops_near(void **state)
{
    (void)state;
    two_fit f;
    two_fit_open(&f, 20, 12, 2);
    int imu = f.imu, ik = f.ik;
    hf_bfgs_work *w = &f.w;
    double pars[2], tnll;
    long full = 0, cut = 0, far = 0;
    assert_int_equal(hffit_bfgs(&f.p, f.H, f.start, pars, &tnll, &full, w), HF_OK);
    assert_false(w->at_near);
    double best[2];
    best[imu] = 1.6, best[ik] = 1.2;
    w->near = best;
    w->near_r = 0.05;
    hffit_bfgs(&f.p, f.H, f.start, pars, &tnll, &cut, w);
    assert_true(w->at_near);
    assert_true(fabs(pars[imu] - 1.6) <= 0.05 && fabs(pars[ik] - 1.2) <= 0.05);
    assert_true(cut < full);
    double nowhere[2] = {9, 9};
    w->near = nowhere;
    assert_int_equal(hffit_bfgs(&f.p, f.H, f.start, pars, &tnll, &far, w), HF_OK);
    assert_false(w->at_near);
    assert_int_equal(far, full);
    two_fit_close(&f);
}

/* hf_bfgs_work.first_rho: a first metric that models the NLL (the one a
 * full fit ended with) is kept; one a million times too large, whose first
 * step the line search has to cut far back, is given up after that step,
 * with the start point returned; without first_rho the same descent goes
 * on to the minimum. */
static void test_first_step(void **state)
{
    (void)state;
    two_fit f;
    two_fit_open(&f, 20, 12, 2);
    int imu = f.imu, ik = f.ik;
    hf_bfgs_work *w = &f.w;
    double pars[2], tnll;
    long ne = 0;
    assert_int_equal(hffit_bfgs(&f.p, f.H, f.start, pars, &tnll, &ne, w), HF_OK);
    double good[4], huge[4] = {1e6, 0, 0, 1e6};
    memcpy(good, w->H, sizeof good);
    w->first_rho = 2;
    assert_int_equal(hffit_bfgs(&f.p, good, f.start, pars, &tnll, &ne, w), HF_OK);
    assert_false(w->first_bad);
    assert_true(fabs(pars[imu] - 1.6) < 1e-4 && fabs(pars[ik] - 1.2) < 1e-4);
    hffit_bfgs(&f.p, huge, f.start, pars, &tnll, &ne, w);
    assert_true(w->first_bad);
    assert_true(pars[imu] == f.start[imu] && pars[ik] == f.start[ik]);
    w->first_rho = 0;
    assert_int_equal(hffit_bfgs(&f.p, huge, f.start, pars, &tnll, &ne, w), HF_OK);
    assert_false(w->first_bad);
    assert_true(fabs(pars[imu] - 1.6) < 1e-4 && fabs(pars[ik] - 1.2) < 1e-4);
    two_fit_close(&f);
}

/* A start evaluation the caller already has (hf_bfgs_work.start_y): taken
 * only where the start's variables are those bit for bit, and then the
 * descent is the one without it less its first evaluation. */
static void test_start_given(void **state)
{
    (void)state;
    two_fit f;
    two_fit_open(&f, 20, 12, 2);
    hf_bfgs_work *w = &f.w;
    double pa[2], pb[2], ta, tb, g[2], y[2], gy[2];
    long na = 0, nb = 0;
    assert_int_equal(hffit_bfgs(&f.p, f.H, f.start, pa, &ta, &na, w), HF_OK);
    double *work = malloc(hf_model_work_size(f.m) * sizeof *work);
    assert_non_null(work);
    double f0 = hf_model_nll(f.m, f.start, hf_model_data(f.m), g, work);
    for (int k = 0; k < 2; k++) {
        y[k] = f.start[f.idx[k]] / f.width[f.idx[k]];
        gy[k] = g[f.idx[k]] * f.width[f.idx[k]];
    }
    w->start_y = y;
    w->start_g = gy;
    w->start_f = f0;
    assert_int_equal(hffit_bfgs(&f.p, f.H, f.start, pb, &tb, &nb, w), HF_OK);
    assert_null(w->start_y); /* used once */
    assert_int_equal(nb, na - 1);
    assert_true(tb == ta && pb[0] == pa[0] && pb[1] == pa[1]);
    /* a hair elsewhere: evaluated as before */
    y[0] = nextafter(y[0], 2);
    w->start_y = y;
    nb = 0;
    assert_int_equal(hffit_bfgs(&f.p, f.H, f.start, pb, &tb, &nb, w), HF_OK);
    assert_int_equal(nb, na);
    assert_true(tb == ta && pb[0] == pa[0] && pb[1] == pa[1]);
    free(work);
    two_fit_close(&f);
}

/* One adaptive descent from start with first metric H0 (2 x 2): Hinv0 a
 * separate array, or w->H itself holding H0 (in_place). */
static int fit_from(two_fit *f, const double *H0, int in_place,
                    const double *start, double *pars, double *tnll,
                    long *nevals)
{
    double H[4];
    memcpy(H, H0, sizeof H);
    memcpy(f->w.H, H0, sizeof H);
    *nevals = 0;
    return hffit_bfgs(&f->p, in_place ? f->w.H : H, start, pars, tnll,
                      nevals, &f->w);
}

/* A first metric made in place in w->H (warm.c's and the probe's, no
 * copy) gives the descent a copy of it gives, bit for bit: interior, held
 * on a bound, and held at the start then released (its metric row back
 * from the first metric's diagonal, which the in-place descent has
 * overwritten by then).  Without adaptive it is refused. */
static void test_metric_in_place(void **state)
{
    (void)state;
    const int counts[3][2] = {{20, 12}, {8, 12}, {14, 12}};
    const double H0[4] = {2, 0.3, 0.3, 0.5};
    for (int c = 0; c < 3; c++) {
        two_fit f;
        two_fit_open(&f, counts[c][0], counts[c][1], 2);
        f.p.adaptive = 1;
        double start[2], pa[2], pb[2], ta, tb;
        long na, nb;
        start[f.imu] = c == 2 ? 0 : 1; /* held at first: released later */
        start[f.ik] = c == 2 ? 2 : 1;
        int ra = fit_from(&f, H0, 0, start, pa, &ta, &na);
        int rb = fit_from(&f, H0, 1, start, pb, &tb, &nb);
        assert_int_equal(ra, HF_OK);
        assert_int_equal(rb, ra);
        assert_memory_equal(pa, pb, sizeof pa);
        assert_memory_equal(&ta, &tb, sizeof ta);
        assert_true(na == nb);
        if (c == 2) /* released: mu = (14 - 12) / 5 at the minimum */
            assert_true(fabs(pb[f.imu] - 0.4) < 1e-5);
        f.p.adaptive = 0;
        assert_int_equal(fit_from(&f, H0, 1, start, pb, &tb, &nb), HF_ERR_ARG);
        two_fit_close(&f);
    }
}

/* hffit_metric_condition is hffit_bfgs_drop_variable of a copy of the
 * kept metric with the POI's row and column squeezed out, bit for bit,
 * for every place of the POI, with zeros in its column (rows skipped). */
static void test_metric_condition(void **state)
{
    (void)state;
    enum { N = 6 };
    double Hi[N * N], ref[N * N], out[(N - 1) * (N - 1)];
    for (int a = 0; a < N; a++)
        for (int b = 0; b <= a; b++) {
            double v = a == b ? 3 + 0.37 * a : 0.1 * sin(1.7 * a + 0.9 * b);
            if ((a + b) % 4 == 1)
                v = 0;
            Hi[a * N + b] = Hi[b * N + a] = v;
        }
    for (int p = 0; p < N; p++) {
        hffit_metric mt = {0};
        mt.n = N, mt.poi_var = p, mt.Hinv = Hi, mt.have = 1;
        memcpy(ref, Hi, sizeof ref);
        hffit_bfgs_drop_variable(ref, N, p);
        double want[(N - 1) * (N - 1)];
        for (int a = 0, r = 0; a < N; a++) {
            for (int b = 0, c = 0; a != p && b < N; b++)
                if (b != p)
                    want[r * (N - 1) + c++] = ref[a * N + b];
            r += a != p;
        }
        memset(out, 0xff, sizeof out);
        hffit_metric_condition(&mt, out);
        assert_memory_equal(out, want, sizeof out);
        /* conditioned: not the plain squeeze (some entry moved) */
        int moved = 0;
        for (int a = 0, r = 0; a < N; a++) {
            for (int b = 0, c = 0; a != p && b < N; b++)
                if (b != p)
                    moved |= want[r * (N - 1) + c++] != Hi[a * N + b];
            r += a != p;
        }
        assert_true(moved);
    }
}

/* hffit_metric_seed_fixed: the inverse metric conditioned on the POI
 * (hffit_metric_condition's C), then that of the Hessian C^-1 plus curv
 * on the diagonal (the POI's curv not read; a zero one no change): Hfix
 * (C^-1 + D) = I, tested as Hfix (I + D C) = C, for every place of the
 * POI; symmetric.  Without the curvature the test fails (Hfix = C). */
static void test_metric_seed_fixed(void **state)
{
    (void)state;
    enum { N = 6, n = N - 1 };
    /* both signs, a zero; 1 + c h_aa > 0 (else skipped, as it must) */
    double Hi[N * N], C[n * n], curv[N] = {0.8, 0.5, 0, 0.3, -0.1, -0.15};
    for (int a = 0; a < N; a++)
        for (int b = 0; b <= a; b++) {
            double v = a == b ? 3 + 0.37 * a : 0.4 * sin(1.7 * a + 0.9 * b);
            Hi[a * N + b] = Hi[b * N + a] = v;
        }
    for (int p = 0; p < N; p++) {
        hffit_metric mt = {0};
        mt.n = N, mt.poi_var = p, mt.Hinv = Hi, mt.have = 1;
        hffit_metric_condition(&mt, C);
        assert_int_equal(hffit_metric_seed_fixed(&mt, Hi, curv), 1);
        assert_true(mt.fixed_kept);
        const double *F = mt.Hfix;
        double d[n];
        for (int a = 0, r = 0; a < N; a++)
            if (a != p)
                d[r++] = curv[a];
        double worst = 0;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++) {
                double v = F[a * n + b]; /* (Hfix (I + D C))_ab */
                for (int k = 0; k < n; k++)
                    v += F[a * n + k] * d[k] * C[k * n + b];
                worst = fmax(worst, fabs(v - C[a * n + b]));
                assert_true(F[a * n + b] == F[b * n + a]);
            }
        assert_true(worst < 1e-12);
        free(mt.fix_own);
    }
}

/* A descent keeps its inverse metric as the lower triangle and copies it
 * to the upper one when it ends (bfgs.c tri_pass, mirror): the metric it
 * hands back is exactly symmetric (the update over the whole matrix
 * rounded H[a][k] and H[k][a] apart), on an odd and an even number of
 * variables (tri_pass's last row alone, or not), enough of them for the
 * four-column steps (hessian_tiny: 10 parameters, 9 and 10 moved).
 * From the inits moved by a fifth of a unit, the identity as first
 * metric.  With the update over the whole matrix (main 97d8365) the first
 * pair compared differs in its last bits. */
static void test_metric_symmetric(void **state)
{
    (void)state;
    hf_model *m = file_model("tests/pyhf/hessian_tiny.json");
    assert_non_null(m);
    int np = hf_model_npars(m), idx[32], nfree = 0;
    const double *init = hf_model_inits(m), *hi = hf_model_upper(m);
    double width[32], start[32], pars[32], H[32 * 32], tnll;
    assert_true(np <= 32);
    for (int i = 0; i < np; i++) {
        width[i] = 1;
        start[i] = init[i];
        if (!hf_model_fixed(m)[i]) {
            idx[nfree++] = i;
            start[i] = fmin(init[i] + 0.2, hi[i]);
        }
    }
    assert_true(nfree >= 7);
    for (int n = nfree - 1; n <= nfree; n++) {
        hf_bfgs_work w;
        assert_int_equal(hffit_bfgs_work_alloc(&w, m, n), HF_OK);
        for (int a = 0; a < n * n; a++)
            H[a] = a % (n + 1) == 0;
        hf_bfgs_problem p = {m, hf_model_data(m), n, idx, width, 1e-12, 200, 1};
        long nevals = 0;
        int rc = hffit_bfgs(&p, H, start, pars, &tnll, &nevals, &w);
        assert_int_equal(rc, HF_OK);
        assert_true(nevals > 5);
        int off = 0;
        for (int a = 0; a < n; a++)
            for (int k = 0; k < a; k++) {
                assert_memory_equal(&w.H[a * n + k], &w.H[k * n + a], sizeof *w.H);
                off += w.H[a * n + k] != 0;
            }
        assert_true(off > 0); /* updated: not the identity */
        hffit_bfgs_work_free(&w);
    }
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interior_minimum),
        cmocka_unit_test(test_minimum_on_bound),
        cmocka_unit_test(test_fixed_parameter),
        cmocka_unit_test(test_gives_up),
        cmocka_unit_test(test_stops_near),
        cmocka_unit_test(test_first_step),
        cmocka_unit_test(test_start_given),
        cmocka_unit_test(test_metric_in_place),
        cmocka_unit_test(test_metric_condition),
        cmocka_unit_test(test_metric_seed_fixed),
        cmocka_unit_test(test_metric_symmetric),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
