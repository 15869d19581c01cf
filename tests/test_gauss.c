/*
 * test_gauss.c - fit/gauss.c's Gauss-Newton first metric against the
 * inverse of I + J' W J worked out by hand.
 *
 * Two bins, free normfactors mu and k (widths 1): CR expects 10 k, SR
 * 5 mu + 10 k.  At mu = k = 1 the yields are 10 and 15 and the Jacobian's
 * rows (d/dmu, d/dk) are (0, 10) and (5, 10); the weights n / lam^2.
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
#include "fit/fit.h"
#include "models.h"

/* hffit_gauss_newton over (mu, k) at mu = k = 1 against the hand inverse
 * of A = I + J' W J; one evaluation per main bin. */
static void check(int n_sr, int n_cr)
{
    hf_model *m = two_bin_model(n_sr, n_cr);
    int imu = model_par(m, "mu"), ik = model_par(m, "k"), idx[2] = {imu, ik};
    double x[2] = {1, 1}, width[2] = {1, 1}, data[2], H[4];
    /* the data in the model's bin order (channels CR, SR) */
    assert_string_equal(hf_model_channel_name(m, 0), "CR");
    data[0] = n_cr, data[1] = n_sr;
    int nevals = 0;
    assert_int_equal(hffit_gauss_newton(m, data, x, 2, idx, width, H,
                                        &nevals), HF_OK);
    assert_int_equal(nevals, 2);
    double wcr = n_cr / 100.0, wsr = n_sr / 225.0;
    double amm = 1 + 25 * wsr, amk = 50 * wsr, akk = 1 + 100 * (wcr + wsr);
    double det = amm * akk - amk * amk;
    double want[4] = {akk / det, -amk / det, -amk / det, amm / det};
    for (int i = 0; i < 4; i++)
        assert_true(fabs(H[i] - want[i]) <= 1e-12 * (fabs(want[i]) + 1e-3));
    hf_model_free(m);
}

static void test_two_bins(void **state)
{
    (void)state;
    check(20, 12);
}

/* An empty bin's Poisson term is linear in its yield: no curvature, the
 * other bin's alone (A = diag(1, 1 + 100 w_CR)). */
static void test_empty_bin(void **state)
{
    (void)state;
    check(0, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_bins),
        cmocka_unit_test(test_empty_bin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
