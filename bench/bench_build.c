/*
 * bench_build.c - time of hf_model_build for every patch of a patchset
 * (the per-point cost a signal grid pays before any fit).
 *
 * usage: bench_build WORKSPACE.json PATCHSET.json [REPS [applied]]
 * REPS passes over the patches (default 1); "applied" builds as the hf
 * command's grid does (hf_model_build_applied: the patch applied to the
 * whole workspace, which is validated again).  Prints one JSON object with
 * wall and CPU (process clock) ms per build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hf.h"

static double now(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5 || (argc == 5 && strcmp(argv[4], "applied") != 0)) {
        fprintf(stderr, "usage: %s WORKSPACE.json PATCHSET.json [REPS [applied]]\n", argv[0]);
        return 2;
    }
    int reps = argc > 3 ? atoi(argv[3]) : 1, applied = argc == 5;
    if (reps < 1)
        reps = 1;
    hf_error err = {0};
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    if (hf_workspace_read(argv[1], &ws, &err) || hf_patchset_read(argv[2], &ps, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int n = hf_patchset_size(ps), bad = 0;
    double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < n; i++) {
            const hf_patch *p = hf_patchset_patch(ps, i);
            hf_model *m = NULL;
            if ((applied ? hf_model_build_applied : hf_model_build)(ws, &p, 1, NULL, &m, &err))
                bad++;
            hf_model_free(m);
        }
    double t = now(CLOCK_MONOTONIC) - t0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    double nb = (double)n * reps;
    printf("{\"patches\": %d, \"failed\": %d, \"build_ms_per_patch\": %.3f, "
           "\"build_cpu_ms_per_patch\": %.3f}\n",
           n, bad, nb > 0 ? 1e3 * t / nb : 0.0, nb > 0 ? 1e3 * c / nb : 0.0);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return bad != 0;
}
