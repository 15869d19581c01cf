/*
 * test_toys_wells.c - a toy's fits reach the lower of the two wells a
 * one-sided histosys makes (infer/toys.c other_well), against pyhf.
 *
 * tests/pyhf/onesided.json: the histosys "gen" has lo_data equal to the
 * nominal in every bin, so code4p's yields dip below the nominal for
 * alpha in (-1, 0), come back at -1 and stay flat beyond.  The toy (main
 * counts 52 and 125, aux datum -2) has a well near alpha = -2 (the
 * constraint's) and one near +0.59 (the main bins'); its fits start at the
 * generating point, alpha = 1, in the upper one's basin.  Expected values:
 * tests/pyhf/make_onesided.py (pyhf 0.7.6, scipy at tolerance 1e-12, each
 * fit from seven starting points, the lowest kept): free fit twice_nll
 * 20.0836149029 (alpha -2, mu 0.4), mu = 1 fit 20.2503103711, qtilde(1)
 * 0.1666954683.  The upper well is 21.5958879086 free (alpha 0.5855) and
 * 21.7625833769 at mu = 1, where the fits stopped before the rule.
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
#include "infer/infer.h"
#include "models.h"

#define PYHF_FREE 20.0836149029
#define PYHF_QTILDE 0.1666954683

static void test_lower_well(void **state)
{
    (void)state;
    hf_model *m = file_model("tests/pyhf/onesided.json");
    assert_non_null(m);
    assert_int_equal(hf_model_ndata(m), 3);
    double gen[2], toy[3] = {52, 125, -2};
    gen[model_par(m, "gen")] = 1.0;
    gen[model_par(m, "mu")] = 1.0;
    double q = NAN, tnll = NAN;
    hf_error err;
    assert_int_equal(hfinfer_toy_teststat(m, gen, toy, 1.0,
                                          HF_TEST_QMU_TILDE, NULL, &q,
                                          &tnll, &err), HF_OK);
    /* the fits' tolerance leaves ~1e-8 in twice_nll; the wells are 1.5
     * apart */
    if (!(fabs(tnll - PYHF_FREE) <= 1e-6) ||
        !(fabs(q - PYHF_QTILDE) <= 1e-6))
        fail_msg("free fit twice_nll %.10f (pyhf %.10f), qtilde %.10f "
                 "(pyhf %.10f)", tnll, PYHF_FREE, q, PYHF_QTILDE);
    hf_model_free(m);
}

/* The flags the rule runs on: "gen" is one-sided on its low side; the
 * normfactor is not a histosys parameter. */
static void test_flags(void **state)
{
    (void)state;
    hf_model *m = file_model("tests/pyhf/onesided.json");
    assert_non_null(m);
    signed char side[2];
    assert_int_equal(hfmodel_onesided(m, side), 1);
    assert_int_equal(side[model_par(m, "gen")], -1);
    assert_int_equal(side[model_par(m, "mu")], 0);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lower_well),
        cmocka_unit_test(test_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
