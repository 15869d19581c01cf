/*
 * bench_model.c - load+compile time, one NLL+gradient evaluation, and peak
 * memory for a workspace (issue targets: 1Lbb BkgOnly, 4.4 MB: < 0.3 s,
 * < 20 us, peak RSS < 10x the JSON size).
 *
 * usage: bench_model WORKSPACE.json [PATCH.json [PATCH_NAME]]
 * prints one JSON object; times are this thread's CPU time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "hf.h"

/* CPU time of this thread: on a shared machine wall time also counts the
 * time other processes held the core. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s WORKSPACE.json [PATCH.json [NAME]]\n", argv[0]);
        return 2;
    }
    hf_error err;
    hf_workspace *ws = NULL;
    hf_patch *patch = NULL;
    hf_model *m = NULL;
    struct stat st;
    stat(argv[1], &st);
    double t0 = now();
    if (hf_workspace_read(argv[1], &ws, &err) ||
        (argc > 2 && hf_patch_read_any(argv[2], argc > 3 ? argv[3] : NULL, &patch, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const hf_patch *pl[1] = {patch};
    hf_model_options opt;
    hf_model_options_init(&opt);
    if (!patch)
        opt.poi = ""; /* a BkgOnly.json lacks its POI until a signal is patched in */
    if (hf_model_build(ws, pl, patch ? 1 : 0, &opt, &m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double t_load = now() - t0;

    int np = hf_model_npars(m);
    double *pars = malloc(sizeof(double) * np), *g = malloc(sizeof(double) * np);
    double *work = malloc(sizeof(double) * hf_model_work_size(m));
    memcpy(pars, hf_model_inits(m), sizeof(double) * np);
    const double *data = hf_model_data(m);
    double sink = 0;
    int reps = 2000;
    /* vary a parameter so no call can be skipped */
    t0 = now();
    for (int r = 0; r < reps; r++) {
        pars[0] = hf_model_inits(m)[0] + 1e-6 * (r % 7);
        sink += hf_model_nll(m, pars, data, g, work);
    }
    double t_grad = (now() - t0) / reps;
    t0 = now();
    for (int r = 0; r < reps; r++) {
        pars[0] = hf_model_inits(m)[0] + 1e-6 * (r % 7);
        sink += hf_model_nll(m, pars, data, NULL, work);
    }
    double t_nll = (now() - t0) / reps;

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"workspace\": \"%s\", \"json_bytes\": %lld, \"npars\": %d, \"nbins\": %d, "
           "\"load_compile_s\": %.4f, \"nll_grad_us\": %.2f, \"nll_us\": %.2f, "
           "\"peak_rss_mb\": %.1f, \"rss_over_json\": %.2f, \"checksum\": %.6g}\n",
           argv[1], (long long)st.st_size, np, hf_model_nmain(m), t_load, 1e6 * t_grad,
           1e6 * t_nll, ru.ru_maxrss / 1024.0, ru.ru_maxrss * 1024.0 / st.st_size, sink);
    free(pars);
    free(g);
    free(work);
    hf_model_free(m);
    hf_patch_free(patch);
    hf_workspace_free(ws);
    return 0;
}
