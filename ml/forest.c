/*
 * forest.c - decision trees (TMVA's and XGBoost's alike) in a flat,
 * complete layout evaluated without branches.
 *
 * A tree of depth D becomes two arrays: its 2^D - 1 internal nodes in
 * breadth-first order (node i has daughters 2i+1 and 2i+2), each a
 * feature index and a float threshold, and its 2^D leaf values.  A leaf
 * higher up than D is copied into every leaf below its place, under
 * filler nodes whose comparisons therefore do not matter.  An event then
 * takes exactly D steps, i = 2i + 1 + (x[feat[i]] >= thr[i]), no branch to
 * mispredict, and many events go through one tree at once (independent
 * chains of loads; eight per AVX2 gather where the CPU has it) while the
 * tree stays in cache.  The comparison is float against float, as both
 * TMVA (Float_t event values and cuts) and XGBoost (float features and
 * split conditions) compare; a NaN goes low, but hf never passes one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FOREST_X86 1
#endif

struct hfml_forest {
    int ntrees;
    int *depth;          /* per tree */
    size_t *ioff, *loff; /* per tree: its first internal node, first leaf */
    int *off;            /* internal nodes' features' offsets in the
                          * transposed chunk: index * HFML_FOREST_CHUNK */
    float *thr;          /* internal nodes' thresholds */
    float *leaf;         /* leaf values */
    size_t ninternal, nleaves;
    int avx2;
};

/* Depth of the subtree at k, -1 when deeper than the limit (or cyclic),
 * -2 when an index is out of range. */
static int depth_of(const hfml_tnode *nd, int nn, int k, int level)
{
    if (k < 0 || k >= nn)
        return -2;
    if (nd[k].var < 0)
        return 0;
    if (level >= HFML_FOREST_MAXDEPTH)
        return -1;
    int a = depth_of(nd, nn, nd[k].child[0], level + 1);
    int b = depth_of(nd, nn, nd[k].child[1], level + 1);
    if (a < 0 || b < 0)
        return a < b ? a : b;
    return 1 + (a > b ? a : b);
}

/* Node k of the source at position pos (level `level`) of tree t. */
static void place(hfml_forest *f, int t, const hfml_tnode *nd, int k, size_t pos, int level)
{
    int D = f->depth[t];
    size_t nint = ((size_t)1 << D) - 1;
    if (level == D) {
        f->leaf[f->loff[t] + pos - nint] = nd[k].value;
        return;
    }
    int leaf = nd[k].var < 0;
    f->off[f->ioff[t] + pos] = leaf ? 0 : nd[k].var * HFML_FOREST_CHUNK;
    f->thr[f->ioff[t] + pos] = leaf ? 0.0f : nd[k].thr;
    place(f, t, nd, leaf ? k : nd[k].child[0], 2 * pos + 1, level + 1);
    place(f, t, nd, leaf ? k : nd[k].child[1], 2 * pos + 2, level + 1);
}

hfml_forest *hfml_forest_new(int ntrees)
{
    hfml_forest *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->ntrees = ntrees;
    f->depth = calloc((size_t)ntrees + 1, sizeof *f->depth);
    f->ioff = calloc((size_t)ntrees + 1, sizeof *f->ioff);
    f->loff = calloc((size_t)ntrees + 1, sizeof *f->loff);
#ifdef FOREST_X86
    f->avx2 = __builtin_cpu_supports("avx2");
#endif
    if (!f->depth || !f->ioff || !f->loff) {
        hfml_forest_free(f);
        return NULL;
    }
    return f;
}

void hfml_forest_free(hfml_forest *f)
{
    if (!f)
        return;
    free(f->depth);
    free(f->ioff);
    free(f->loff);
    free(f->off);
    free(f->thr);
    free(f->leaf);
    free(f);
}

static int grow(void **p, size_t n, size_t size)
{
    void *q = realloc(*p, (n ? n : 1) * size);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

int hfml_forest_set(hfml_forest *f, int t, const hfml_tnode *nodes, int nnodes, int root)
{
    int D = depth_of(nodes, nnodes, root, 0);
    if (D < 0)
        return D;
    /* at least 31 internal slots: the AVX2 tables load nodes 0-30 */
    size_t nint = ((size_t)1 << D) - 1, nleaf = (size_t)1 << D;
    if (nint < 31)
        nint = 31;
    if (grow((void **)&f->off, f->ninternal + nint, sizeof *f->off) ||
        grow((void **)&f->thr, f->ninternal + nint, sizeof *f->thr) ||
        grow((void **)&f->leaf, f->nleaves + nleaf, sizeof *f->leaf))
        return -3;
    f->depth[t] = D;
    f->ioff[t] = f->ninternal;
    f->loff[t] = f->nleaves;
    memset(f->off + f->ninternal, 0, nint * sizeof *f->off);
    memset(f->thr + f->ninternal, 0, nint * sizeof *f->thr);
    f->ninternal += nint;
    f->nleaves += nleaf;
    place(f, t, nodes, root, 0, 0);
    return 0;
}

/* Events [0, n) one step at a time over all of them: n independent
 * chains, so the core overlaps their loads.  Feature j of event e is at
 * xt[j * HFML_FOREST_CHUNK + e]. */
static void tree_scalar(const hfml_forest *f, int t, const float *xt, size_t n, float *v,
                        uint32_t *idx)
{
    int D = f->depth[t];
    const int *off = f->off + f->ioff[t];
    const float *thr = f->thr + f->ioff[t], *leaf = f->leaf + f->loff[t];
    for (size_t e = 0; e < n; e++)
        idx[e] = 0;
    for (int d = 0; d < D; d++)
        for (size_t e = 0; e < n; e++) {
            uint32_t i = idx[e];
            idx[e] = 2 * i + 1 + (xt[off[i] + e] >= thr[i]);
        }
    uint32_t first = ((uint32_t)1 << D) - 1;
    for (size_t e = 0; e < n; e++)
        v[e] = leaf[idx[e] - first];
}

#ifdef FOREST_X86
#define NV 4 /* vectors of eight events in step: each gather's latency hides */

/* One level for one vector: l = 2 l + (x >= thr), lane by lane. */
__attribute__((target("avx2"))) static inline __m256i step(__m256i l, __m256 xv, __m256 th)
{
    __m256i ge = _mm256_castps_si256(_mm256_cmp_ps(xv, th, _CMP_GE_OQ));
    return _mm256_sub_epi32(_mm256_add_epi32(l, l), ge); /* ge: -1 where true */
}

/* Bit b of each lane's l in the sign bit, for blendv. */
__attribute__((target("avx2"))) static inline __m256 bit(__m256i l, int b)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(l, 31 - b));
}

/* Levels 1 and 2 (2 and 4 nodes): the candidates' features loaded whole
 * (the chunk is transposed) and narrowed by the bits of l: no gather;
 * thresholds from a register by permute. */
__attribute__((target("avx2"))) static inline __m256i
level12(const int *off, __m256 t0, const float *x, int d, __m256i l)
{
    __m256 th = _mm256_permutevar8x32_ps(t0, _mm256_add_epi32(l, _mm256_set1_epi32((1 << d) - 1)));
    __m256 a = _mm256_blendv_ps(_mm256_loadu_ps(x + off[(1 << d) - 1]),
                                _mm256_loadu_ps(x + off[1 << d]), bit(l, 0));
    if (d == 2)
        a = _mm256_blendv_ps(a, _mm256_blendv_ps(_mm256_loadu_ps(x + off[5]),
                                                 _mm256_loadu_ps(x + off[6]), bit(l, 0)),
                             bit(l, 1));
    return step(l, a, th);
}

/* Level 4 (16 nodes): offsets and thresholds from two registers each. */
__attribute__((target("avx2"))) static inline __m256i
level4(const __m256i *f4, const __m256 *t4, const float *x, __m256i lane, __m256i l)
{
    __m256 hi = bit(l, 3);
    __m256i fi = _mm256_castps_si256(_mm256_blendv_ps(
        _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(f4[0], l)),
        _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(f4[1], l)), hi));
    __m256 th = _mm256_blendv_ps(_mm256_permutevar8x32_ps(t4[0], l),
                                 _mm256_permutevar8x32_ps(t4[1], l), hi);
    return step(l, _mm256_i32gather_ps(x, _mm256_add_epi32(lane, fi), 4), th);
}

/* Deeper levels: offsets, thresholds and features all gathered. */
__attribute__((target("avx2"))) static inline __m256i
level_deep(const int *off, const float *thr, const float *x, __m256i lane, int d, __m256i l)
{
    __m256i fi = _mm256_i32gather_epi32(off + (1 << d) - 1, l, 4);
    __m256 th = _mm256_i32gather_ps(thr + (1 << d) - 1, l, 4);
    return step(l, _mm256_i32gather_ps(x, _mm256_add_epi32(lane, fi), 4), th);
}

/* Events [0, nvec) (a multiple of 8 NV) of the transposed chunk xt
 * through one tree of depth D; each level has its own cheapest lookup. */
__attribute__((target("avx2"))) static void
tree_avx2(const int *off, const float *thr, const float *leaf, int D, const float *xt,
          size_t nvec, float *v)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 t0 = _mm256_loadu_ps(thr), th0 = _mm256_set1_ps(thr[0]);
    const __m256i f3 = _mm256_loadu_si256((const __m256i *)(off + 7));
    const __m256 t3 = _mm256_loadu_ps(thr + 7);
    const __m256i f4[2] = {_mm256_loadu_si256((const __m256i *)(off + 15)),
                           _mm256_loadu_si256((const __m256i *)(off + 23))};
    const __m256 t4[2] = {_mm256_loadu_ps(thr + 15), _mm256_loadu_ps(thr + 23)};
    for (size_t e = 0; e < nvec; e += 8 * NV) {
        __m256i l[NV];
#pragma GCC unroll 8
        for (int j = 0; j < NV; j++) {
            const float *x = xt + e + 8 * j;
            l[j] = _mm256_setzero_si256();
            if (D > 0)
                l[j] = step(l[j], _mm256_loadu_ps(x + off[0]), th0);
            if (D > 1)
                l[j] = level12(off, t0, x, 1, l[j]);
            if (D > 2)
                l[j] = level12(off, t0, x, 2, l[j]);
            if (D > 3)
                l[j] = step(l[j], _mm256_i32gather_ps(x, _mm256_add_epi32(lane,
                            _mm256_permutevar8x32_epi32(f3, l[j])), 4),
                            _mm256_permutevar8x32_ps(t3, l[j]));
            if (D > 4)
                l[j] = level4(f4, t4, x, lane, l[j]);
        }
        for (int d = 5; d < D; d++)
#pragma GCC unroll 8
            for (int j = 0; j < NV; j++)
                l[j] = level_deep(off, thr, xt + e + 8 * j, lane, d, l[j]);
#pragma GCC unroll 8
        for (int j = 0; j < NV; j++)
            _mm256_storeu_ps(v + e + 8 * j, _mm256_i32gather_ps(leaf, l[j], 4));
    }
}
#endif

void hfml_forest_transpose(const float *x, size_t n, size_t nv, float *xt)
{
    for (size_t e = 0; e < n; e++)
        for (size_t j = 0; j < nv; j++)
            xt[j * HFML_FOREST_CHUNK + e] = x[e * nv + j];
}

void hfml_forest_tree(const hfml_forest *f, int t, const float *xt, size_t n, float *v,
                      uint32_t *work)
{
    size_t e = 0;
#ifdef FOREST_X86
    if (f->avx2) {
        e = n / (8 * NV) * (8 * NV);
        tree_avx2(f->off + f->ioff[t], f->thr + f->ioff[t], f->leaf + f->loff[t],
                  f->depth[t], xt, e, v);
    }
#endif
    if (e < n)
        tree_scalar(f, t, xt + e, n - e, v + e, work);
}
