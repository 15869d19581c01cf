/*
 * bench_bigpatch.c - large JSON patches: N operations on a workspace of C
 * channels, timed for N = 2500, 5000, 10000 so that a quadratic cost
 * shows as a 4x step per doubling.  Two patterns:
 *   spread:  each op adds a signal sample to channel i % C (the usual
 *            patchset shape, scaled up), plus a replace of its data;
 *   one:     every op appends to the same array (/channels/0/samples/-).
 * For each: hf_patch_parse, hf_model_build with the patch (copy-on-write
 * patching, then validation and compilation), hf_workspace_apply (the
 * whole document).
 *
 *   cc -O2 -Iinclude bench/bench_bigpatch.c build/libhf.a $(pkg-config
 *      --libs libcjson nlopt gsl libcrypto) -lm -fopenmp -o bigpatch
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hf.h"

typedef struct sb {
    char *s;
    size_t n, cap;
} sb;

static void put(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void put(sb *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = 2 * b->cap + (size_t)k + 1;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static char *workspace(int nch)
{
    sb b = {malloc(1024), 0, 1024};
    put(&b, "{\"channels\": [");
    for (int c = 0; c < nch; c++)
        put(&b, "%s{\"name\": \"ch%05d\", \"samples\": [{\"name\": \"bkg\", "
                "\"data\": [50.0, 60.0], \"modifiers\": [{\"name\": \"mu_b\", "
                "\"type\": \"normfactor\", \"data\": null}, {\"name\": "
                "\"stat_%05d\", \"type\": \"staterror\", \"data\": [3.0, 4.0]}]}]}",
            c ? ", " : "", c, c);
    put(&b, "], \"observations\": [");
    for (int c = 0; c < nch; c++)
        put(&b, "%s{\"name\": \"ch%05d\", \"data\": [55, 70]}", c ? ", " : "", c);
    put(&b, "], \"measurements\": [{\"name\": \"meas\", \"config\": {\"poi\": "
            "\"mu\", \"parameters\": []}}], \"version\": \"1.0.0\"}");
    return b.s;
}

static char *patch(int nops, int nch, int one)
{
    sb b = {malloc(1024), 0, 1024};
    put(&b, "[");
    for (int i = 0; i < nops; i++) {
        int c = one ? 0 : i % nch;
        if (!one && i >= nch && i % 2)  /* half the ops: replace a data array */
            put(&b, "%s{\"op\": \"replace\", \"path\": \"/channels/%d/samples/0/data\", "
                    "\"value\": [%d.0, 61.0]}", i ? ", " : "", c, 50 + i % 7);
        else
            put(&b, "%s{\"op\": \"add\", \"path\": \"/channels/%d/samples/-\", "
                    "\"value\": {\"name\": \"sig%d\", \"data\": [1.0, 2.0], "
                    "\"modifiers\": [{\"name\": \"mu\", \"type\": \"normfactor\", "
                    "\"data\": null}]}}", i ? ", " : "", c, i);
    }
    put(&b, "]");
    return b.s;
}

int main(int argc, char **argv)
{
    int nch = argc > 1 ? atoi(argv[1]) : 1000;
    hf_error err;
    hf_workspace *ws;
    char *wtext = workspace(nch);
    if (hf_workspace_parse(wtext, "big.json", &ws, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("| pattern | ops | patch KB | parse ms | model build ms | workspace apply ms |\n");
    printf("|---|---|---|---|---|---|\n");
    for (int one = 0; one < 2; one++)
        for (int n = 2500; n <= 10000; n *= 2) {
            char *ptext = patch(n, nch, one);
            hf_patch *p;
            hf_model *m;
            hf_workspace *out;
            double t0 = now();
            if (hf_patch_parse(ptext, "big-patch.json", &p, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            double t1 = now();
            const hf_patch *ps[] = {p};
            if (hf_model_build(ws, ps, 1, NULL, &m, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            double t2 = now();
            if (hf_workspace_apply(ws, p, &out, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            double t3 = now();
            printf("| %s (%d channels) | %d | %.0f | %.1f | %.1f | %.1f |\n",
                   one ? "one array" : "spread", nch, n, strlen(ptext) / 1e3,
                   1e3 * (t1 - t0), 1e3 * (t2 - t1), 1e3 * (t3 - t2));
            hf_model_free(m);
            hf_workspace_free(out);
            hf_patch_free(p);
            free(ptext);
        }
    hf_workspace_free(ws);
    free(wtext);
    return 0;
}
