/*
 * bench_build.c - time of hf_model_build for every patch of a patchset
 * (the per-point cost a signal grid pays before any fit).
 *
 * usage: bench_build WORKSPACE.json PATCHSET.json
 * prints one JSON object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hf.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORKSPACE.json PATCHSET.json\n", argv[0]);
        return 2;
    }
    hf_error err = {0};
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    if (hf_workspace_read(argv[1], &ws, &err) || hf_patchset_read(argv[2], &ps, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int n = hf_patchset_size(ps), bad = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        const hf_patch *p = hf_patchset_patch(ps, i);
        hf_model *m = NULL;
        if (hf_model_build(ws, &p, 1, NULL, &m, &err))
            bad++;
        hf_model_free(m);
    }
    double t = now() - t0;
    printf("{\"patches\": %d, \"failed\": %d, \"build_ms_per_patch\": %.3f}\n", n, bad,
           1e3 * t / n);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return bad != 0;
}
