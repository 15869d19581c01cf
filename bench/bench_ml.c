/*
 * bench_ml.c - hf_ml_eval alone: a model on N events of F features.
 *
 *   bench_ml MODEL EVENTS.f32 [REPS] [THREADS]
 *
 * EVENTS.f32 holds raw little-endian float32 rows of the model's F
 * features (bench/ml_models.py writes 1,000,000 x 20).  Prints one JSON
 * line: the model's load time, the median wall and CPU seconds of REPS
 * (default 5) evaluations of every event, and the first score.
 */
#include <hf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_ml MODEL EVENTS.f32 [REPS] [THREADS]\n");
        return 2;
    }
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    hf_ml_options opt;
    hf_ml_options_init(&opt);
    opt.threads = argc > 4 ? atoi(argv[4]) : 0;
    hf_error err = {0};
    hf_ml *m = NULL;
    double t0 = now(CLOCK_MONOTONIC);
    if (hf_ml_load(argv[1], &opt, &m, &err)) {
        fprintf(stderr, "bench_ml: %s\n", err.msg);
        return 1;
    }
    double t_load = now(CLOCK_MONOTONIC) - t0;
    size_t F = (size_t)hf_ml_nfeatures(m), K = (size_t)hf_ml_noutputs(m);
    FILE *f = fopen(argv[2], "rb");
    if (!f || fseek(f, 0, SEEK_END)) {
        fprintf(stderr, "bench_ml: cannot read %s\n", argv[2]);
        return 1;
    }
    size_t n = (size_t)ftell(f) / (4 * F);
    rewind(f);
    float *raw = malloc(n * F * sizeof *raw);
    double *x = malloc(n * F * sizeof *x), *out = malloc(n * K * sizeof *out);
    if (!raw || !x || !out || fread(raw, 4 * F, n, f) != n) {
        fprintf(stderr, "bench_ml: cannot read %s\n", argv[2]);
        return 1;
    }
    fclose(f);
    for (size_t i = 0; i < n * F; i++)
        x[i] = raw[i];
    double *wall = malloc((size_t)reps * sizeof *wall), *cpu = malloc((size_t)reps * sizeof *cpu);
    for (int r = 0; r < reps; r++) {
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        if (hf_ml_eval(m, x, n, out, &err)) {
            fprintf(stderr, "bench_ml: %s\n", err.msg);
            return 1;
        }
        wall[r] = now(CLOCK_MONOTONIC) - w0;
        cpu[r] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    qsort(wall, (size_t)reps, sizeof *wall, cmp);
    qsort(cpu, (size_t)reps, sizeof *cpu, cmp);
    printf("{\"model\": \"%s\", \"format\": \"%s\", \"events\": %zu, \"features\": %zu, "
           "\"load_s\": %.4f, \"eval_wall_s\": %.4f, \"eval_cpu_s\": %.4f, \"reps\": %d, "
           "\"first_score\": %.9g}\n", argv[1], hf_ml_format(m), n, F, t_load, wall[reps / 2],
           cpu[reps / 2], reps, out[0]);
    hf_ml_free(m);
    free(raw);
    free(x);
    free(out);
    free(wall);
    free(cpu);
    return 0;
}
