/*
 * bench_scan.c - the patchset check's 64-byte-block scanner
 * (hfcore_scan_fast, core/jscan.c) alone: the whole file as one value,
 * read into memory first, so that neither page faults nor the rest of the
 * command are in the number.  Prints the thread CPU time of each pass
 * (min and median of N) and where the value ends.
 *
 *   cc -O2 -fopenmp -Iinclude -I. -Icore $(pkg-config --cflags libcjson) \
 *      bench/bench_scan.c build/libhf.a $(pkg-config --libs libcjson nlopt \
 *      gsl libprotobuf-c) -ldl -lm -o bench_scan
 *   ./bench_scan patchset.json 15
 *
 * A variant of the scanner against the current one: compile the same
 * line with its jscan.c given before build/libhf.a (its symbols are then
 * taken from it, not from the archive), and run the two programs in
 * alternation (this VM's speed moves 5-30% between rounds; session 13
 * saw the same binary at 16.4 and at 21.5 ms in consecutive rounds).
 * Instructions: valgrind --tool=callgrind ./bench_scan FILE 1 (add
 * --branch-sim=yes for a simulated mispredict count: a rough model, not
 * the CPU's predictor).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [PASSES]\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        perror(argv[1]);
        return 1;
    }
    long n = ftell(f);
    rewind(f);
    char *text = malloc((size_t)n + 64);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
        perror(argv[1]);
        return 1;
    }
    fclose(f);
    int passes = argc > 2 ? atoi(argv[2]) : 15;
    if (passes < 1 || passes > 1000)
        passes = 15;
    double *ms = malloc((size_t)passes * sizeof *ms);
    const char *end = NULL;
    for (int i = 0; i < passes; i++) {
        double t0 = cpu_ms();
        end = hfcore_scan_fast(text, text + n);
        ms[i] = cpu_ms() - t0;
    }
    qsort(ms, (size_t)passes, sizeof *ms, by_value);
    printf("%s: %ld bytes, value ends at %ld (-1: not sure, the byte scanner's "
           "job); %d passes: min %.3f ms, median %.3f ms\n",
           argv[1], n, end ? (long)(end - text) : -1L, passes, ms[0],
           ms[passes / 2]);
    free(ms);
    free(text);
    return 0;
}
