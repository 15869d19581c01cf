/*
 * test_probe_gamma.c - the check of an Asimov fixed-POI fit from the
 * inits (hfinfer_hypo_check_asimov, infer/asymptotic.c) applies fit/'s
 * gamma rule to its probe: the probe's descent stops at the step that
 * puts a staterror / shapesys / shapefactor gamma on its lower bound
 * (hf_bfgs_work.stop_lower) and goes on from there with the gamma moved
 * past the ridge (fit/gamma.c), as the fit after a failed probe would.
 * The case: 3LRJ's ERJR_110p0_70p0 (../shared), whose upper limit checks
 * tests at mu 31 to 102 where shape_mcstat_top_SRlow_obs_cuts[0] ends on
 * 1e-10 (warm minimum 0.89 to 0.99).  The check at mu = 31.3453: 80
 * evaluations without the rule (the probe to its end on the bound, then
 * the loose fit), 66 with the rule at the probe's end only, 16 with the
 * stop; the verdict (the warm minimum stands, nothing lower) is the same.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"
#include "infer/infer.h"
#include "refs.h"

#define LRJ REF_SHARED "/workspaces/real/3LRJ_ATLAS-SUSY-2018-06"
#define MU 31.3453
/* the check's evaluations: 16 now (see above) */
#define MAX_EVALS 40

/* The Asimov fixed-POI fit at mu from the free fit's point into x, as a
 * hypothesis test makes it (checked from the inits); twice its NLL. */
static double asimov_fit(hf_hypo *h, double mu, double *x)
{
    hf_cls_result c;
    hf_error err = {0};
    h->fixed_keep[1] = x;
    h->fixed_keep_tnll[1] = NAN;
    if (hfinfer_hypo_eval(h, mu, 0, &c, &err) != HF_OK)
        fail_msg("hypothesis test at %g: %s", mu, err.msg);
    h->fixed_keep[1] = NULL;
    return h->fixed_keep_tnll[1];
}

static hf_model *lrj_model(hf_workspace **ws, hf_patch **p)
{
    hf_model *m = NULL;
    hf_error err = {0};
    if (hf_workspace_read(LRJ "/BkgOnly.json", ws, &err) != HF_OK)
        return NULL;
    const hf_patch *pl[1] = {NULL};
    if (hf_patch_read_any(LRJ "/patchset.json", "ERJR_110p0_70p0", p,
                          &err) != HF_OK ||
        (pl[0] = *p, hf_model_build(*ws, pl, 1, NULL, &m, &err)) != HF_OK)
        fail_msg("%s", err.msg);
    return m;
}

/* The check at MU keeps the warm minimum (nothing lower from the inits:
 * the hypothesis test's own check has just said so) and does so within
 * MAX_EVALS evaluations.  The warm minimum has the gamma near 1 (0.99),
 * the probe's first stop on its bound 1e-10. */
static void test_check_gamma_restart(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_patch *p = NULL;
    hf_model *m = lrj_model(&ws, &p);
    if (!m)
        skip();
    hf_hypo h;
    hf_error err = {0};
    if (hfinfer_hypo_init(&h, m, hf_model_data(m), HF_TEST_QMU_TILDE, NULL,
                          &err))
        fail_msg("%s", err.msg);
    int np = hf_model_npars(m);
    double *x = malloc(np * sizeof *x);
    assert_non_null(x);
    double warm = asimov_fit(&h, MU, x), t = warm;
    double gamma = NAN;
    for (int i = 0; i < np; i++)
        if (!strcmp(hf_model_par_name(m, i),
                    "shape_mcstat_top_SRlow_obs_cuts[0]"))
            gamma = x[i];
    int before = h.nevals;
    int lower = hfinfer_hypo_check_asimov(&h, MU, x, &t);
    int used = h.nevals - before;
    free(x);
    hfinfer_hypo_free(&h);
    hf_model_free(m);
    hf_patch_free(p);
    hf_workspace_free(ws);
    if (!(gamma > 0.5 && gamma < 1.5))
        fail_msg("warm minimum's gamma %g (0.89 measured)", gamma);
    assert_int_equal(lower, 0);
    if (!(t == warm))
        fail_msg("the check moved the fit: %.12g -> %.12g", warm, t);
    if (used > MAX_EVALS)
        fail_msg("the check took %d evaluations (at most %d)", used,
                 MAX_EVALS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_gamma_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
