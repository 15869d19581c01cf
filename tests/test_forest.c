/*
 * test_forest.c - ml/forest.c's flat trees, quantised (forest_q.c) or
 * not, against a plain walk of the source nodes written here: the same
 * leaf for every event, on thresholds and one float beside them, at +-0,
 * denormals, +-inf and NaN (the library refuses NaN and inf features, but
 * the evaluator must still agree with the float comparison on them).
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ml/ml.h"

#define NV 5
#define NEV 1000 /* three full chunks and a partial one */
#define MAXN 255 /* nodes of a depth-7 tree */

static const float special[] = {0.0f, -0.0f, 1e-40f, -1e-40f, FLT_TRUE_MIN, -FLT_TRUE_MIN,
                                FLT_MIN, 1.0f, -1.0f, 0.5f, 3e38f, -3e38f, INFINITY,
                                -INFINITY, 1e-45f, 2.5f, -2.5f, 7.0f};
#define NSPECIAL (sizeof special / sizeof *special)

typedef struct forest_case {
    int ntrees, D;
    uint64_t rng;
    hfml_tnode nd[40][MAXN];
    int root[40];
} forest_case;

static uint32_t rnd(forest_case *c)
{
    c->rng = c->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(c->rng >> 33);
}

/* A random threshold: a special value, or one of few random ones per
 * feature (so that nodes share thresholds, as real forests do). */
static float threshold(forest_case *c)
{
    return rnd(c) % 2 ? special[rnd(c) % NSPECIAL] : (float)(rnd(c) % 16) * 0.25f - 2.0f;
}

/* Tree of depth <= D (leaves higher up at random) from node k on. */
static int grow(forest_case *c, hfml_tnode *nd, int *n, int depth, int D)
{
    int k = (*n)++;
    if (depth == D || (depth > 0 && rnd(c) % 5 == 0)) {
        nd[k] = (hfml_tnode){-1, 0, (float)(rnd(c) % 1000) / 7.0f, {0, 0}};
        return k;
    }
    nd[k].var = (int)(rnd(c) % NV);
    nd[k].thr = threshold(c);
    nd[k].value = 0;
    int a = grow(c, nd, n, depth + 1, D);
    int b = grow(c, nd, n, depth + 1, D);
    nd[k].child[0] = a;
    nd[k].child[1] = b;
    return k;
}

/* The definition: daughter 1 when x >= thr (float comparison; NaN low). */
static float walk(const hfml_tnode *nd, int k, const float *x)
{
    while (nd[k].var >= 0)
        k = nd[k].child[x[nd[k].var] >= nd[k].thr];
    return nd[k].value;
}

/* Events: every feature a threshold of the forest, one float beside it,
 * a special value, NaN, or a random number. */
static void events(forest_case *c, float *x)
{
    for (int i = 0; i < NEV * NV; i++) {
        float t = c->nd[rnd(c) % (unsigned)c->ntrees][rnd(c) % MAXN].thr;
        switch (rnd(c) % 6) {
        case 0: x[i] = t; break;
        case 1: x[i] = nextafterf(t, -INFINITY); break;
        case 2: x[i] = nextafterf(t, INFINITY); break;
        case 3: x[i] = special[rnd(c) % NSPECIAL]; break;
        case 4: x[i] = rnd(c) % 8 ? (float)(rnd(c) % 2000) / 100.0f - 10.0f : NAN; break;
        default: x[i] = -t; break;
        }
    }
}

static hfml_forest *build(const forest_case *c, int finish)
{
    hfml_forest *f = hfml_forest_new(c->ntrees);
    assert_non_null(f);
    for (int t = 0; t < c->ntrees; t++)
        assert_int_equal(hfml_forest_set(f, t, c->nd[t], MAXN, c->root[t]), 0);
    if (finish)
        assert_int_equal(hfml_forest_finish(f, NV), 0);
    return f;
}

/* Every tree's leaves, the double and float sums, against the walk. */
static void check(const forest_case *c, const hfml_forest *f, const float *x)
{
    float *xt = malloc(NV * HFML_FOREST_CHUNK * sizeof *xt), v[HFML_FOREST_CHUNK];
    float sf[HFML_FOREST_CHUNK];
    double sd[HFML_FOREST_CHUNK], w[40];
    uint32_t work[HFML_FOREST_CHUNK];
    for (int t = 0; t < c->ntrees; t++)
        w[t] = 0.5 + t;
    for (int e0 = 0; e0 < NEV; e0 += HFML_FOREST_CHUNK) {
        size_t n = NEV - e0 < HFML_FOREST_CHUNK ? (size_t)(NEV - e0) : HFML_FOREST_CHUNK;
        hfml_forest_prepare(f, x + e0 * NV, n, NV, xt);
        for (size_t e = 0; e < HFML_FOREST_CHUNK; e++)
            sf[e] = 0.25f, sd[e] = 0;
        for (int t = 0; t < c->ntrees; t++) {
            hfml_forest_tree(f, t, xt, n, v, work);
            for (size_t e = 0; e < n; e++)
                if (v[e] != walk(c->nd[t], c->root[t], x + (e0 + e) * NV))
                    fail_msg("tree %d, event %zu: %g, the walk %g", t, e0 + e, v[e],
                             walk(c->nd[t], c->root[t], x + (e0 + e) * NV));
        }
        hfml_forest_sum(f, xt, n, w, sd, v, work);
        hfml_forest_sumf(f, xt, n, sf, v, work);
        for (size_t e = 0; e < n; e++) {
            double want = 0;
            float wantf = 0.25f;
            for (int t = 0; t < c->ntrees; t++) {
                float leaf = walk(c->nd[t], c->root[t], x + (e0 + e) * NV);
                want += w[t] * leaf;
                wantf += leaf;
            }
            assert_true(sd[e] == want);
            assert_true(sf[e] == wantf);
        }
    }
    free(xt);
}

static forest_case *make_case(int ntrees, int D)
{
    forest_case *c = calloc(1, sizeof *c);
    c->rng = 12345 + 77 * (uint64_t)D;
    c->ntrees = ntrees;
    c->D = D;
    for (int t = 0; t < ntrees; t++) {
        int n = 0;
        /* every slot a leaf, so that the spare ones are valid nodes */
        for (int k = 0; k < MAXN; k++)
            c->nd[t][k] = (hfml_tnode){-1, 0, 0, {0, 0}};
        int depth = t == 0 || !D ? D : 1 + (int)(rnd(c) % (unsigned)D);
        c->root[t] = grow(c, c->nd[t], &n, 0, depth);
    }
    return c;
}

static void run_case(forest_case *c, int want_quantised)
{
    float *x = malloc(NEV * NV * sizeof *x);
    events(c, x);
    hfml_forest *fq = build(c, 1), *ff = build(c, 0);
    int q = hfml_forest_quantised(fq);
    fprintf(stderr, "%d trees, depth <= %d: %s\n", c->ntrees, c->D,
            q ? "quantised" : "float comparisons");
    if (want_quantised && !q && __builtin_cpu_supports("avx2"))
        fail_msg("expected the quantised evaluation");
    if (!want_quantised)
        assert_false(q);
    check(c, fq, x);
    check(c, ff, x);
    hfml_forest_free(fq);
    hfml_forest_free(ff);
    free(x);
}

static void test_quantised(void **state)
{
    (void)state;
    if (!__builtin_cpu_supports("avx2"))
        fprintf(stderr, "no AVX2: the quantised path is not used on this CPU\n");
    for (int D = 0; D <= 6; D++) {
        forest_case *c = make_case(40, D);
        run_case(c, 1);
        free(c);
    }
}

/* Where quantising does not apply the float path runs, same leaves: a
 * tree deeper than 6, a NaN threshold, too many thresholds on a feature. */
static void test_fallbacks(void **state)
{
    (void)state;
    forest_case *c = make_case(10, 7);
    run_case(c, 0);
    free(c);
    c = make_case(10, 4);
    c->nd[0][c->root[0]].thr = NAN; /* tree 0's root: depth 4, not a leaf */
    run_case(c, 0);
    free(c);
    /* 33000 distinct thresholds on feature 0: 1100 trees of 31 nodes
     * (depth 5) with thresholds k / 64 */
    int ntrees = 1100;
    hfml_forest *big = hfml_forest_new(ntrees);
    hfml_tnode nd[63];
    int thr = 0;
    for (int t = 0; t < ntrees; t++) {
        for (int k = 0; k < 63; k++)
            nd[k] = k < 31 ? (hfml_tnode){0, (float)thr++ / 64.0f, 0, {2 * k + 1, 2 * k + 2}}
                           : (hfml_tnode){-1, 0, (float)k, {0, 0}};
        assert_int_equal(hfml_forest_set(big, t, nd, 63, 0), 0);
    }
    assert_int_equal(hfml_forest_finish(big, 1), 0);
    assert_false(hfml_forest_quantised(big));
    hfml_forest_free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantised),
        cmocka_unit_test(test_fallbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
