/*
 * bench_build_prep.c - CPU time of a grid's builds alone: every patch of a
 * patchset parsed first as the grid's workers parse it (lazily, without
 * the numbers' marks), then built REPS times from the workspace's prepared
 * samples (hfmodel_prep_new) as infer/batch.c builds it.  Prints the sum
 * over the patches of each one's fastest build (robust to a busy machine)
 * and the fastest whole pass.  COLD=1 in the environment writes over a
 * JUNKMB (default 16) MB buffer before each build, as a grid's fits do
 * between its builds.  Not built by make:
 *
 *   cc -O2 -std=gnu11 -fopenmp -Iinclude -I. -I/usr/include/cjson \
 *      -o /tmp/bench_build_prep bench/bench_build_prep.c build/libhf.a \
 *      -lcjson -lnlopt -lgsl -lgslcblas -lprotobuf-c -ldl -lm
 *
 * usage: bench_build_prep WORKSPACE.json PATCHSET.json [REPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hf.h"
#include "tests/internal.h"

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WORKSPACE.json PATCHSET.json [REPS]\n", argv[0]);
        return 2;
    }
    int reps = argc > 3 ? atoi(argv[3]) : 5, cold = getenv("COLD") != NULL;
    size_t njunk = (getenv("JUNKMB") ? (size_t)atoi(getenv("JUNKMB")) : 16) << 17;
    double *junk = cold ? calloc(njunk, sizeof *junk) : NULL;
    hf_error err = {0};
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    if (hf_workspace_read(argv[1], &ws, &err) || hfpatch_patchset_open_ex(argv[2], 1, &ps, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int n = hf_patchset_size(ps);
    hf_patch **list = calloc((size_t)n + 1, sizeof *list);
    double *best = malloc(sizeof(double) * ((size_t)n + 1)), pass_best = 1e300;
    for (int i = 0; i < n; i++) {
        best[i] = 1e300;
        if (hfpatch_patchset_parse_build(ps, i, &list[i], &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    hfmodel_prep *prep = hfmodel_prep_new(ws);
    for (int r = 0; r < reps; r++) {
        double pass = 0;
        for (int i = 0; i < n; i++) {
            const hf_patch *p = list[i];
            hf_model *m = NULL;
            for (size_t q = 0; junk && q < njunk; q += 8)
                junk[q] += 1.0;
            double t0 = cpu();
            if (hfmodel_build_applied_prep(ws, prep, &p, 1, NULL, &m, &err))
                fprintf(stderr, "%s\n", err.msg);
            hf_model_free(m);
            double t = cpu() - t0;
            pass += t;
            best[i] = t < best[i] ? t : best[i];
        }
        pass_best = pass < pass_best ? pass : pass_best;
    }
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += best[i];
    printf("{\"patches\": %d, \"reps\": %d, \"cold\": %d, \"sum_of_fastest_ms_per_build\": %.4f, "
           "\"fastest_pass_ms_per_build\": %.4f}\n",
           n, reps, cold, 1e3 * sum / n, 1e3 * pass_best / n);
    for (int i = 0; i < n; i++)
        hf_patch_free(list[i]);
    free(list);
    free(best);
    free(junk);
    hfmodel_prep_free(prep);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return 0;
}
