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
 *
 * Where the CPU has AVX2 and every tree is at most QDEPTH deep, features
 * are quantised first (forest_q.c): each value becomes its bin among its
 * feature's distinct thresholds, a 16-bit integer, and the trees compare
 * bins, 16 events per vector instead of 8 floats (same leaves, proved
 * there).
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
    int *var;            /* internal nodes' features, -1 under a leaf */
    size_t ninternal, nleaves;
    int avx2;
    hfml_fq *q;          /* the quantised form (forest_q.c), or NULL */
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
    f->var[f->ioff[t] + pos] = leaf ? -1 : nd[k].var;
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
    free(f->var);
    hfml_fq_free(f->q);
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
    /* at least 31 internal slots and 8 leaves: the AVX2 code loads the
     * thresholds of levels 0-3 and the leaves 8 at a time */
    size_t nint = ((size_t)1 << D) - 1, nleaf = (size_t)1 << D;
    if (nint < 31)
        nint = 31;
    if (nleaf < 8)
        nleaf = 8;
    if (grow((void **)&f->off, f->ninternal + nint, sizeof *f->off) ||
        grow((void **)&f->thr, f->ninternal + nint, sizeof *f->thr) ||
        grow((void **)&f->var, f->ninternal + nint, sizeof *f->var) ||
        grow((void **)&f->leaf, f->nleaves + nleaf, sizeof *f->leaf))
        return -3;
    f->depth[t] = D;
    f->ioff[t] = f->ninternal;
    f->loff[t] = f->nleaves;
    memset(f->off + f->ninternal, 0, nint * sizeof *f->off);
    memset(f->thr + f->ninternal, 0, nint * sizeof *f->thr);
    for (size_t i = 0; i < nint; i++)
        f->var[f->ninternal + i] = -1;
    memset(f->leaf + f->nleaves, 0, nleaf * sizeof *f->leaf);
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
/* Lanes are events.  Gathers are slow on some CPUs (about 5 ns for eight
 * floats, throughput, on the AMD EPYC we measured on), so few are used:
 *  - levels below FOREST_PICKDEPTH gather nothing: a lane's feature value
 *    is picked among the level's 2^d candidates (whole loads: the chunk is
 *    transposed) by a tree of blends on the bits of the lane's node index;
 *  - levels below FOREST_LOOKDEPTH take offsets and thresholds, and the
 *    leaf its value, from 8-float loads by permutes and blends likewise,
 *    gathering only the feature values past FOREST_PICKDEPTH;
 *  - deeper levels (trees deeper than 6) gather everything.
 * Measured on 500 random depth-6 trees (per event and tree, median of 7
 * interleaved runs, 1 thread, machine shared): 4.6 ns with blends to level
 * 2 and gathers from level 3 on (6 per 8 events and tree), 3.7 ns as set
 * here (1 gather); picking level 5 too (32 candidates) was slower, 5.4 ns. */
#define AVX2 __attribute__((target("avx2"), always_inline)) static inline
#define FOREST_PICKDEPTH 5
#define FOREST_LOOKDEPTH 6

/* One level for one vector: l = 2 l + (x >= thr), lane by lane. */
AVX2 __m256i step(__m256i l, __m256 xv, __m256 th)
{
    __m256i ge = _mm256_castps_si256(_mm256_cmp_ps(xv, th, _CMP_GE_OQ));
    return _mm256_sub_epi32(_mm256_add_epi32(l, l), ge); /* ge: -1 where true */
}

/* m[b] = bit b of each lane's l in the sign bit (for blendv), b < d. */
AVX2 void bits(__m256i l, int d, __m256 *m)
{
    for (int b = 0; b < d; b++)
        m[b] = _mm256_castsi256_ps(_mm256_slli_epi32(l, 31 - b));
}

/* x[off[k]] for each lane's k among off[0..2^b), m from bits(). */
AVX2 __m256 pick1(const float *x, const int *off)
{
    return _mm256_loadu_ps(x + off[0]);
}
AVX2 __m256 pick2(const float *x, const int *off, const __m256 *m)
{
    return _mm256_blendv_ps(pick1(x, off), pick1(x, off + 1), m[0]);
}
AVX2 __m256 pick4(const float *x, const int *off, const __m256 *m)
{
    return _mm256_blendv_ps(pick2(x, off, m), pick2(x, off + 2, m), m[1]);
}
AVX2 __m256 pick8(const float *x, const int *off, const __m256 *m)
{
    return _mm256_blendv_ps(pick4(x, off, m), pick4(x, off + 4, m), m[2]);
}
AVX2 __m256 pick16(const float *x, const int *off, const __m256 *m)
{
    return _mm256_blendv_ps(pick8(x, off, m), pick8(x, off + 8, m), m[3]);
}
AVX2 __m256 pick32(const float *x, const int *off, const __m256 *m)
{
    return _mm256_blendv_ps(pick16(x, off, m), pick16(x, off + 16, m), m[4]);
}

/* p[k] for each lane's k = l mod 2^b (p: 2^b floats, at least 8). */
AVX2 __m256 look8(const float *p, __m256i l)
{
    return _mm256_permutevar8x32_ps(_mm256_loadu_ps(p), l); /* uses l's 3 low bits */
}
AVX2 __m256 look16(const float *p, __m256i l, const __m256 *m)
{
    return _mm256_blendv_ps(look8(p, l), look8(p + 8, l), m[3]);
}
AVX2 __m256 look32(const float *p, __m256i l, const __m256 *m)
{
    return _mm256_blendv_ps(look16(p, l, m), look16(p + 16, l, m), m[4]);
}
AVX2 __m256 look64(const float *p, __m256i l, const __m256 *m)
{
    return _mm256_blendv_ps(look32(p, l, m), look32(p + 32, l, m), m[5]);
}
AVX2 __m256 look(const float *p, int b, __m256i l, const __m256 *m)
{
    return b <= 3 ? look8(p, l) : b == 4 ? look16(p, l, m) : b == 5 ? look32(p, l, m)
                                                             : look64(p, l, m);
}

/* Level d < FOREST_PICKDEPTH of one vector (x: its first event's features). */
AVX2 __m256i level_pick(const int *off, const float *thr, const float *x, int d, __m256i l)
{
    __m256 m[FOREST_LOOKDEPTH], xv;
    bits(l, d, m);
    off += (1 << d) - 1;
    switch (d) {
    case 0: xv = pick1(x, off); break;
    case 1: xv = pick2(x, off, m); break;
    case 2: xv = pick4(x, off, m); break;
    case 3: xv = pick8(x, off, m); break;
    case 4: xv = pick16(x, off, m); break;
    default: xv = pick32(x, off, m); break;
    }
    return step(l, xv, look(thr + (1 << d) - 1, d, l, m));
}

/* Level d <= FOREST_LOOKDEPTH - 1 with the features gathered (one gather
 * instead of 2^d - 1 blends), offsets and thresholds from permutes. */
AVX2 __m256i level_look(const int *off, const float *thr, const float *x, int d, __m256i l)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 m[FOREST_LOOKDEPTH];
    bits(l, d, m);
    __m256i fi = _mm256_castps_si256(look((const float *)off + (1 << d) - 1, d, l, m));
    __m256 th = look(thr + (1 << d) - 1, d, l, m);
    return step(l, _mm256_i32gather_ps(x, _mm256_add_epi32(lane, fi), 4), th);
}

/* Deeper levels: offsets, thresholds and features all gathered. */
AVX2 __m256i level_gather(const int *off, const float *thr, const float *x, int d, __m256i l)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i fi = _mm256_i32gather_epi32(off + (1 << d) - 1, l, 4);
    __m256 th = _mm256_i32gather_ps(thr + (1 << d) - 1, l, 4);
    return step(l, _mm256_i32gather_ps(x, _mm256_add_epi32(lane, fi), 4), th);
}

#define FOREST_NV 4
/* Events [0, nvec) (a multiple of 8 FOREST_NV) of the transposed chunk xt
 * through one tree of depth D, FOREST_NV vectors in step so that the
 * core has independent work while one waits on its chain of levels. */
__attribute__((target("avx2"))) static void
tree_avx2(const int *off, const float *thr, const float *leaf, int D, const float *xt,
          size_t nvec, float *v)
{
    for (size_t e = 0; e < nvec; e += 8 * FOREST_NV) {
        const float *x = xt + e;
        __m256i l[FOREST_NV];
#pragma GCC unroll 8
        for (int j = 0; j < FOREST_NV; j++)
            l[j] = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int d = 0; d < FOREST_PICKDEPTH; d++)
            if (d < D)
#pragma GCC unroll 8
                for (int j = 0; j < FOREST_NV; j++)
                    l[j] = level_pick(off, thr, x + 8 * j, d, l[j]);
#pragma GCC unroll 8
        for (int d = FOREST_PICKDEPTH; d < FOREST_LOOKDEPTH; d++)
            if (d < D)
#pragma GCC unroll 8
                for (int j = 0; j < FOREST_NV; j++)
                    l[j] = level_look(off, thr, x + 8 * j, d, l[j]);
        for (int d = FOREST_LOOKDEPTH; d < D; d++)
#pragma GCC unroll 8
            for (int j = 0; j < FOREST_NV; j++)
                l[j] = level_gather(off, thr, x + 8 * j, d, l[j]);
#pragma GCC unroll 8
        for (int j = 0; j < FOREST_NV; j++) {
            __m256 m[FOREST_LOOKDEPTH];
            bits(l[j], D < FOREST_LOOKDEPTH ? D : FOREST_LOOKDEPTH, m);
            _mm256_storeu_ps(v + e + 8 * j, D <= FOREST_LOOKDEPTH
                                                ? look(leaf, D, l[j], m)
                                                : _mm256_i32gather_ps(leaf, l[j], 4));
        }
    }
}
#endif

int hfml_forest_finish(hfml_forest *f, int nv)
{
    if (!f->avx2)
        return 0;
    for (int t = 0; t < f->ntrees; t++)
        if (f->depth[t] > HFML_FQ_DEPTH)
            return 0;
    return hfml_fq_new(&f->q, nv, f->var, f->thr, f->ninternal, f->ioff, f->depth, f->ntrees);
}

int hfml_forest_quantised(const hfml_forest *f) { return f->q != NULL; }

void hfml_forest_prepare(const hfml_forest *f, const float *x, size_t n, size_t nv, void *xt)
{
    if (f->q) {
        hfml_fq_quantise(f->q, x, n, xt);
        return;
    }
    float *xf = xt;
    for (size_t e = 0; e < n; e++)
        for (size_t j = 0; j < nv; j++)
            xf[j * HFML_FOREST_CHUNK + e] = x[e * nv + j];
}

void hfml_forest_tree(const hfml_forest *f, int t, const void *xp, size_t n, float *v,
                      uint32_t *work)
{
    if (f->q) {
        hfml_fq_tree(f->q, f->depth[t], f->off + f->ioff[t], f->ioff[t], f->leaf + f->loff[t],
                     xp, n, 0, v, NULL, 0);
        return;
    }
    const float *xt = xp;
    size_t e = 0;
#ifdef FOREST_X86
    if (f->avx2) {
        e = n / (8 * FOREST_NV) * (8 * FOREST_NV);
        tree_avx2(f->off + f->ioff[t], f->thr + f->ioff[t], f->leaf + f->loff[t],
                  f->depth[t], xt, e, v);
    }
#endif
    if (e < n)
        tree_scalar(f, t, xt + e, n - e, v + e, work);
}

/* The sums inside the tree loop of the quantised kernel save a store and
 * a reload of every leaf value; the arithmetic is the same. */
void hfml_forest_sum(const hfml_forest *f, const void *xt, size_t n, const double *w,
                     double *acc, float *v, uint32_t *work)
{
    for (int t = 0; t < f->ntrees; t++) {
        double wt = w ? w[t] : 1.0;
        if (f->q) {
            hfml_fq_tree(f->q, f->depth[t], f->off + f->ioff[t], f->ioff[t],
                         f->leaf + f->loff[t], xt, n, 2, NULL, acc, wt);
            continue;
        }
        hfml_forest_tree(f, t, xt, n, v, work);
        for (size_t e = 0; e < n; e++)
            acc[e] += wt * v[e];
    }
}

void hfml_forest_sumf(const hfml_forest *f, const void *xt, size_t n, float *acc, float *v,
                      uint32_t *work)
{
    for (int t = 0; t < f->ntrees; t++) {
        if (f->q) {
            hfml_fq_tree(f->q, f->depth[t], f->off + f->ioff[t], f->ioff[t],
                         f->leaf + f->loff[t], xt, n, 1, acc, NULL, 0);
            continue;
        }
        hfml_forest_tree(f, t, xt, n, v, work);
        for (size_t e = 0; e < n; e++)
            acc[e] += v[e];
    }
}
