/*
 * bench_hypotest.c - one asymptotic hypotest (mu = 1, qtilde, as hfcls):
 * its NLL+gradient evaluations (deterministic), fit by fit, and the median
 * of its CPU time over repetitions.  HF_BENCH_TEST_STAT=q0 in the
 * environment tests q0 instead (bench/trust_time.sh).
 *
 * usage: bench_hypotest REPS WORKSPACE.json [PATCH.json [PATCH_NAME]]
 * prints one JSON object; times are this thread's CPU time (on a shared
 * machine wall time also counts the time other processes held the core).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hf.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s REPS WORKSPACE.json [PATCH.json [NAME]]\n",
                argv[0]);
        return 2;
    }
    int reps = atoi(argv[1]);
    hf_error err;
    hf_workspace *ws = NULL;
    hf_patch *patch = NULL;
    hf_model *m = NULL;
    if (hf_workspace_read(argv[2], &ws, &err) ||
        (argc > 3 && hf_patch_read_any(argv[3], argc > 4 ? argv[4] : NULL,
                                       &patch, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const hf_patch *pl[1] = {patch};
    hf_model_options mo;
    hf_model_options_init(&mo);
    if (hf_model_build(ws, pl, patch ? 1 : 0, &mo, &m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const double *data = hf_model_data(m);
    const char *tsname = getenv("HF_BENCH_TEST_STAT");
    hf_test_stat ts = tsname && !strcmp(tsname, "q0") ? HF_TEST_Q0
                                                      : HF_TEST_QMU_TILDE;
    hf_cls_result r;
    hf_hypotest_explain ex = {0};
    if (hf_cls_asymptotic_explain(m, data, 1.0, ts, NULL, &r,
                                  &ex, &err) != HF_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double *t = malloc((reps > 0 ? reps : 1) * sizeof *t);
    int nevals = 0;
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        if (hf_cls_asymptotic(m, data, 1.0, ts, NULL, &r,
                              &err) != HF_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        t[i] = now() - t0;
        nevals = r.nevals;
    }
    qsort(t, reps, sizeof *t, cmp);
    printf("{\"npars\": %d, \"nevals\": %d, \"ms_median\": %.3f, "
           "\"ms_min\": %.3f, \"CLs_obs\": %.12g, \"CLs_exp\": [%.12g, %.12g, "
           "%.12g, %.12g, %.12g], \"explain_nevals\": [",
           hf_model_npars(m), nevals, reps ? 1e3 * t[reps / 2] : 0,
           reps ? 1e3 * t[0] : 0, r.cls_obs, r.cls_exp[0], r.cls_exp[1],
           r.cls_exp[2], r.cls_exp[3], r.cls_exp[4]);
    for (int k = 0; k < HF_NFITS; k++)
        printf("%s%d", k ? ", " : "", ex.fit[k].nevals);
    printf("], \"explain_twice_nll\": [");
    for (int k = 0; k < HF_NFITS; k++)
        printf("%s%.10f", k ? ", " : "", ex.fit[k].twice_nll);
    printf("]}\n");
    free(t);
    hf_model_free(m);
    hf_patch_free(patch);
    hf_workspace_free(ws);
    return 0;
}
