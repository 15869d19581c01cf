/*
 * forest_q.c - forest.c's flat trees on quantised features: each feature
 * value becomes a 16-bit bin number and the nodes compare bins, 16 events
 * per AVX2 vector where floats fit 8.
 *
 * Why the leaves are the same.  For feature j let T[0] < ... < T[K-1] be
 * the distinct thresholds of the nodes that test j (none NaN: hfml_fq_new
 * declines then), and for a value x let its bin be
 *     q(x) = #{k : T[k] <= x}        (IEEE comparisons, as the float path).
 * A node tests x >= t with t = T[m] for one m; it stores m.
 *  - x >= t:  for k <= m, T[k] <= t <= x, so q(x) >= m + 1 > m;
 *  - otherwise (x < t, or x NaN): for k >= m, T[k] <= x would mean
 *    t <= T[k] <= x (and x not NaN), which is false; so only the k < m can
 *    count and q(x) <= m.
 * So (x >= t) == (q(x) > m) for every x: on a threshold, beside it, +-inf,
 * NaN (bin 0: goes low as in the float path), denormals (compared exactly,
 * or flushed alike by both paths under DAZ); -0 and +0 are equal under
 * the comparison, hence one threshold.  m < 32767 keeps the signed 16-bit
 * compare exact.  tests/test_forest.c checks this against a node walk.
 *
 * Quantising costs a search per value and feature (bin_avx2), once per
 * event, against every tree's comparisons after.  Measured (harness of
 * 500 random depth-6 trees, 20 features, 600 thresholds each, 1 thread,
 * shared machine, best of 5): 3.1-3.3 ns per event and tree against
 * 5.0 for the float path, plus 7.5 ns per value quantised (25 ns with a
 * plain binary search); vectors of 32 or 64 events in step: no faster;
 * the newest comparison blended last (qsel, qthr): 3.3 -> 3.07 (median
 * of 6 interleaved runs).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FQ_X86 1
#endif

/* Vectors of 16 events in step (a chunk is padded to a multiple of
 * FQ_STEP events); more than one spilled registers for no gain. */
#define FQ_NV 1
#define FQ_STEP (16 * FQ_NV)

struct hfml_fq {
    size_t nv;
    float *tab;      /* feature j's sorted distinct thresholds: tab[beg[j]..beg[j+1]) */
    size_t *beg;
    int16_t *m;      /* per internal node: its threshold's place in its table */
    /* the same tables for the vector search (see quantise_avx2): feature
     * j's in blocks of 16, NaN after the last, from blk[bbeg[j]]; its
     * fences (every block's first) from fence[fbeg[j]], NaN to a
     * multiple of 8; nf[j] blocks */
    float *blk, *fence;
    size_t *bbeg, *fbeg, *nf;
};

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* q(x) above: a binary search without branches on the data.  Invariant:
 * the bin is (b - T) + #{k < n : b[k] <= x}; each step keeps the half of
 * the window that can still count. */
static inline int bin_of(const float *T, size_t K, float x)
{
    if (!K)
        return 0;
    const float *b = T;
    for (size_t n = K; n > 1;) {
        size_t h = n / 2;
        b = b[h] <= x ? b + h : b;
        n -= h;
    }
    return (int)(b - T) + (b[0] <= x);
}

void hfml_fq_free(hfml_fq *q)
{
    if (!q)
        return;
    free(q->tab);
    free(q->beg);
    free(q->m);
    free(q->blk);
    free(q->fence);
    free(q->bbeg);
    free(q->fbeg);
    free(q->nf);
    free(q);
}

/* The thresholds of feature j's nodes sorted and made distinct in place
 * from tab[beg[j]] (cnt[j] of them); their new count. */
static size_t distinct(float *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_float);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || !(t[i] == t[k - 1]))
            t[k++] = t[i];
    return k;
}

/* Tables per feature; 1 when one does not fit (NaN, too many, bad var). */
static int tables(hfml_fq *q, const int *var, const float *thr, size_t nint)
{
    size_t nv = q->nv, *fill = calloc(nv + 1, sizeof *fill);
    if (!fill)
        return -3;
    for (size_t i = 0; i < nint; i++)
        if (var[i] >= 0) {
            if ((size_t)var[i] >= nv || thr[i] != thr[i]) {
                free(fill);
                return 1;
            }
            q->beg[var[i] + 1]++;
        }
    for (size_t j = 0; j < nv; j++)
        q->beg[j + 1] += q->beg[j];
    for (size_t i = 0; i < nint; i++)
        if (var[i] >= 0)
            q->tab[q->beg[var[i]] + fill[var[i]]++] = thr[i];
    /* compact: feature j's distinct values right after feature j-1's */
    size_t at = 0;
    int rc = 0;
    for (size_t j = 0; j < nv; j++) {
        size_t k = distinct(q->tab + q->beg[j], q->beg[j + 1] - q->beg[j]);
        memmove(q->tab + at, q->tab + q->beg[j], k * sizeof *q->tab);
        q->beg[j] = at;
        at += k;
        rc |= k > HFML_FQ_MAXBINS;
    }
    q->beg[nv] = at;
    free(fill);
    return rc;
}

/* blk and fence from tab (layout in struct hfml_fq). */
static int blocks(hfml_fq *q)
{
    size_t nv = q->nv, nb = 0, nfe = 0;
    q->bbeg = calloc(nv + 1, sizeof *q->bbeg);
    q->fbeg = calloc(nv + 1, sizeof *q->fbeg);
    q->nf = calloc(nv + 1, sizeof *q->nf);
    if (!q->bbeg || !q->fbeg || !q->nf)
        return -3;
    for (size_t j = 0; j < nv; j++) {
        q->nf[j] = (q->beg[j + 1] - q->beg[j] + 15) / 16;
        q->bbeg[j] = nb;
        q->fbeg[j] = nfe;
        nb += 16 * q->nf[j];
        nfe += (q->nf[j] + 7) / 8 * 8;
    }
    q->blk = malloc((nb + 1) * sizeof *q->blk);
    q->fence = malloc((nfe + 1) * sizeof *q->fence);
    if (!q->blk || !q->fence)
        return -3;
    for (size_t i = 0; i < nb; i++)
        q->blk[i] = NAN;
    for (size_t i = 0; i < nfe; i++)
        q->fence[i] = NAN;
    for (size_t j = 0; j < nv; j++) {
        size_t K = q->beg[j + 1] - q->beg[j];
        memcpy(q->blk + q->bbeg[j], q->tab + q->beg[j], K * sizeof *q->blk);
        for (size_t b = 0; b < q->nf[j]; b++)
            q->fence[q->fbeg[j] + b] = q->tab[q->beg[j] + 16 * b];
    }
    return 0;
}

/* Levels 4 and 5 of a tree's m (mt) in the order qthr reads them: node
 * k's entry at (k mod 2^(d-3)) * 8 + (k >> (d-3)), so that a shuffle on
 * k's three oldest bits picks among 8 and blends do the newer bits. */
static void reorder(int16_t *mt, int D)
{
    for (int d = 4; d < D && d <= 5; d++) {
        int16_t *p = mt + (1 << d) - 1, tmp[32];
        int sh = d - 3;
        for (int k = 0; k < 1 << d; k++)
            tmp[(k & ((1 << sh) - 1)) * 8 + (k >> sh)] = p[k];
        memcpy(p, tmp, ((size_t)1 << d) * sizeof *p);
    }
}

int hfml_fq_new(hfml_fq **out, int nv, const int *var, const float *thr, size_t nint,
                const size_t *ioff, const int *depth, int ntrees)
{
    *out = NULL;
#ifdef FQ_X86
    hfml_fq *q = calloc(1, sizeof *q);
    if (!q)
        return -3;
    q->nv = (size_t)nv;
    q->tab = malloc((nint + 1) * sizeof *q->tab);
    q->beg = calloc((size_t)nv + 2, sizeof *q->beg);
    q->m = calloc(nint + 1, sizeof *q->m);
    int rc = q->tab && q->beg && q->m ? tables(q, var, thr, nint) : -3;
    if (!rc)
        rc = blocks(q);
    if (rc) {
        hfml_fq_free(q);
        return rc < 0 ? rc : 0;
    }
    for (size_t i = 0; i < nint; i++)
        if (var[i] >= 0) {
            const float *T = q->tab + q->beg[var[i]];
            q->m[i] = (int16_t)(bin_of(T, q->beg[var[i] + 1] - q->beg[var[i]], thr[i]) - 1);
        }
    for (int t = 0; t < ntrees; t++)
        reorder(q->m + ioff[t], depth[t]);
    *out = q;
#else
    (void)nv, (void)var, (void)thr, (void)nint, (void)ioff, (void)depth, (void)ntrees;
#endif
    return 0;
}

#ifdef FQ_X86
/* bin_of by vectors.  With F[b] = T[16 b] the fences (b < nf) and
 * c = #{b : F[b] <= x}: c = 0 means T[0] > x, so the bin is 0; else
 * T[16 (c-1)] <= x and (when c < nf) T[16 c] > x, so every T before
 * block c-1 counts, none after it does, and the bin is 16 (c-1) plus the
 * count within that block.  The NaN padding never counts (an ordered
 * comparison with NaN is false), and a NaN x counts nothing, bin 0, as
 * in bin_of.  Few fences (up to 64) are counted by compares, more by
 * bin_of over the fences. */
__attribute__((target("avx2,popcnt"))) static int16_t
bin_avx2(const hfml_fq *q, size_t j, float x)
{
    const float *F = q->fence + q->fbeg[j];
    size_t nf = q->nf[j], c = 0;
    __m256 xb = _mm256_set1_ps(x);
    if (nf <= 64)
        for (size_t i = 0; i < nf; i += 8)
            c += (size_t)__builtin_popcount(
                _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(F + i), xb, _CMP_LE_OQ)));
    else
        c = (size_t)bin_of(F, nf, x);
    if (!c)
        return 0;
    const float *B = q->blk + q->bbeg[j] + 16 * (c - 1);
    int lo = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(B), xb, _CMP_LE_OQ));
    int hi = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(B + 8), xb, _CMP_LE_OQ));
    return (int16_t)(16 * (c - 1) + (size_t)__builtin_popcount((unsigned)(lo | hi << 8)));
}

__attribute__((target("avx2,popcnt"))) static void
quantise_avx2(const hfml_fq *q, const float *x, size_t n, int16_t *b)
{
    size_t nv = q->nv;
    for (size_t j = 0; j < nv; j++) {
        int16_t *row = b + j * HFML_FOREST_CHUNK;
        for (size_t e = 0; e < n; e++)
            row[e] = bin_avx2(q, j, x[e * nv + j]);
    }
}
#endif

void hfml_fq_quantise(const hfml_fq *q, const float *x, size_t n, void *xq)
{
    int16_t *b = xq;
    size_t nv = q->nv, n16 = (n + FQ_STEP - 1) / FQ_STEP * FQ_STEP;
#ifdef FQ_X86
    quantise_avx2(q, x, n, b);
#endif
    for (size_t j = 0; j < nv; j++) /* the last vectors' idle lanes */
        for (size_t e = n; e < n16; e++)
            b[j * HFML_FOREST_CHUNK + e] = 0;
}

#ifdef FQ_X86
/* Lanes are events (16-bit).  As in forest.c, a level's feature values
 * are picked among its 2^d candidates by a tree of blends on the bits of
 * each lane's node index (whole loads: the chunk is feature-major), and
 * the level's 2^d thresholds come from broadcasts or 8-entry tables by
 * byte shuffles. */
#define AVX2 __attribute__((target("avx2"), always_inline)) static inline

/* The feature value of each lane's node k among the level's 2^d
 * candidates x + off[k]: a tree of blends on the bits of k, M[j] the
 * mask of bit j.  Bit 0 is the newest comparison, so it is blended last:
 * the rest of the tree can run while that comparison is still on its way
 * (only one blend then stands between one level and the next). */
AVX2 __m256i qsel0(const int16_t *x, const int *off, int k, int j, const __m256i *M)
{
    (void)j, (void)M;
    return _mm256_loadu_si256((const __m256i *)(x + off[k]));
}
#define QSEL_N(n, m1)                                                                   \
    AVX2 __m256i qsel##n(const int16_t *x, const int *off, int k, int j, const __m256i *M) \
    {                                                                                   \
        return _mm256_blendv_epi8(qsel##m1(x, off, k, j + 1, M),                       \
                                  qsel##m1(x, off, k + (1 << j), j + 1, M), M[j]);     \
    }
QSEL_N(1, 0)
QSEL_N(2, 1)
QSEL_N(3, 2)
QSEL_N(4, 3)
QSEL_N(5, 4)
#undef QSEL_N

/* p[i] for the lanes' 3-bit i, ctrl = qctrl(i) (a byte shuffle of an
 * 8-entry table). */
AVX2 __m256i qtab8(const int16_t *p, __m256i ctrl)
{
    __m256i t = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
    return _mm256_shuffle_epi8(t, ctrl);
}
/* The byte pair (2i, 2i+1) of entry i = l mod 8, for the shuffle. */
AVX2 __m256i qctrl(__m256i l)
{
    __m256i k = _mm256_and_si256(l, _mm256_set1_epi16(7));
    return _mm256_add_epi16(_mm256_mullo_epi16(k, _mm256_set1_epi16(0x0202)),
                            _mm256_set1_epi16(0x0100));
}
AVX2 __m256i qbc(const int16_t *p) { return _mm256_set1_epi16(*p); }

/* Level d's thresholds (p: its 2^d, levels 4 and 5 in the order of
 * reorder()), the newest comparison again blended last: levels 1-2 from
 * broadcasts, 3-5 by shuffles indexed by the three oldest bits (c3, fixed
 * from level 3 on), blends on the newer ones. */
AVX2 __m256i qthr(const int16_t *p, int d, __m256i c3, const __m256i *ge)
{
    switch (d) {
    case 0: return qbc(p);
    case 1: return _mm256_blendv_epi8(qbc(p), qbc(p + 1), ge[0]);
    case 2:
        return _mm256_blendv_epi8(_mm256_blendv_epi8(qbc(p), qbc(p + 2), ge[0]),
                                  _mm256_blendv_epi8(qbc(p + 1), qbc(p + 3), ge[0]), ge[1]);
    case 3: return qtab8(p, c3);
    case 4: return _mm256_blendv_epi8(qtab8(p, c3), qtab8(p + 8, c3), ge[3]);
    default:
        return _mm256_blendv_epi8(
            _mm256_blendv_epi8(qtab8(p, c3), qtab8(p + 16, c3), ge[3]),
            _mm256_blendv_epi8(qtab8(p + 8, c3), qtab8(p + 24, c3), ge[3]), ge[4]);
    }
}

/* Level d of 16 events (x: the first one's bins): l = 2 l + (q > m).
 * ge[k]: level k's comparisons (all ones where true), which are the bits
 * of l: bit j of l is level d-1-j's outcome, no shifts needed. */
AVX2 __m256i qlevel(const int16_t *mt, const int *off, const int16_t *x, int d, __m256i l,
                    __m256i *ge, __m256i *c3)
{
    __m256i M[HFML_FQ_DEPTH], xv;
    for (int j = 0; j < d; j++)
        M[j] = ge[d - 1 - j];
    off += (1 << d) - 1;
    switch (d) {
    case 0: xv = qsel0(x, off, 0, 0, M); break;
    case 1: xv = qsel1(x, off, 0, 0, M); break;
    case 2: xv = qsel2(x, off, 0, 0, M); break;
    case 3: xv = qsel3(x, off, 0, 0, M); break;
    case 4: xv = qsel4(x, off, 0, 0, M); break;
    default: xv = qsel5(x, off, 0, 0, M); break;
    }
    if (d == 3)
        *c3 = qctrl(l);
    ge[d] = _mm256_cmpgt_epi16(xv, qthr(mt + (1 << d) - 1, d, *c3, ge));
    return _mm256_sub_epi16(_mm256_add_epi16(l, l), ge[d]);
}

/* leaf[l] for 8 events (32-bit l < 2^D, leaf padded to 8 at least). */
AVX2 __m256 qleaf(const float *p, int D, __m256i l)
{
#define QPERM(o) _mm256_permutevar8x32_ps(_mm256_loadu_ps(p + (o)), l)
#define QSEL(a, b, bit) _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(l, 31 - (bit))))
    if (D <= 3)
        return QPERM(0);
    __m256 a = QSEL(QPERM(0), QPERM(8), 3);
    if (D == 4)
        return a;
    __m256 b = QSEL(QPERM(16), QPERM(24), 3);
    a = QSEL(a, b, 4);
    if (D == 5)
        return a;
    __m256 c = QSEL(QSEL(QPERM(32), QPERM(40), 3), QSEL(QPERM(48), QPERM(56), 3), 4);
    return QSEL(a, c, 5);
#undef QPERM
#undef QSEL
}

/* 16 events' leaves (l: their node indices at the last level) into
 * out[0..16): stored (mode 0), added to floats (1), or times w added to
 * doubles (acc, mode 2) in the order the callers' loops did. */
AVX2 void qout(__m256i l, const float *leaf, int D, int mode, float *out, double *acc, double w)
{
    __m256 a = qleaf(leaf, D, _mm256_cvtepu16_epi32(_mm256_castsi256_si128(l)));
    __m256 b = qleaf(leaf, D, _mm256_cvtepu16_epi32(_mm256_extracti128_si256(l, 1)));
    if (mode == 0) {
        _mm256_storeu_ps(out, a);
        _mm256_storeu_ps(out + 8, b);
    } else if (mode == 1) {
        _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), a));
        _mm256_storeu_ps(out + 8, _mm256_add_ps(_mm256_loadu_ps(out + 8), b));
    } else {
        /* no FMA in this target: w * leaf is rounded, then added, as in C */
        __m256d wv = _mm256_set1_pd(w), h[4] = {
            _mm256_cvtps_pd(_mm256_castps256_ps128(a)), _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)),
            _mm256_cvtps_pd(_mm256_castps256_ps128(b)), _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1))};
        for (int k = 0; k < 4; k++)
            _mm256_storeu_pd(acc + 4 * k, _mm256_add_pd(_mm256_loadu_pd(acc + 4 * k),
                                                        _mm256_mul_pd(wv, h[k])));
    }
}

/* One tree on nvec events (a multiple of FQ_STEP). */
AVX2 void tree_k(const int16_t *mt, const int *off, int D, const float *leaf, const int16_t *xq,
                 size_t nvec, int mode, float *out, double *acc, double w)
{
    for (size_t e = 0; e < nvec; e += FQ_STEP) {
        __m256i l[FQ_NV], ge[FQ_NV][HFML_FQ_DEPTH], c3[FQ_NV];
        for (int j = 0; j < FQ_NV; j++)
            l[j] = c3[j] = _mm256_setzero_si256();
#pragma GCC unroll 6
        for (int d = 0; d < HFML_FQ_DEPTH; d++)
            if (d < D)
#pragma GCC unroll 4
                for (int j = 0; j < FQ_NV; j++)
                    l[j] = qlevel(mt, off, xq + e + 16 * j, d, l[j], ge[j], &c3[j]);
        for (int j = 0; j < FQ_NV; j++)
            qout(l[j], leaf, D, mode, out + e + 16 * j, acc + e + 16 * j, w);
    }
}

__attribute__((target("avx2"))) static void
tree_store(const int16_t *mt, const int *off, int D, const float *leaf, const int16_t *xq,
           size_t nvec, float *v)
{
    tree_k(mt, off, D, leaf, xq, nvec, 0, v, NULL, 0);
}

__attribute__((target("avx2"))) static void
tree_addf(const int16_t *mt, const int *off, int D, const float *leaf, const int16_t *xq,
          size_t nvec, float *acc)
{
    tree_k(mt, off, D, leaf, xq, nvec, 1, acc, NULL, 0);
}

__attribute__((target("avx2"))) static void
tree_addd(const int16_t *mt, const int *off, int D, const float *leaf, const int16_t *xq,
          size_t nvec, double *acc, double w)
{
    tree_k(mt, off, D, leaf, xq, nvec, 2, NULL, acc, w);
}
#endif

/* hfml_fq_new makes no quantised forest without x86 (AVX2 checked by
 * forest.c), so these are reached only with FQ_X86. */
void hfml_fq_tree(const hfml_fq *q, int D, const int *off, size_t ioff, const float *leaf,
                  const void *xq, size_t n, int mode, float *out, double *acc, double w)
{
#ifdef FQ_X86
    const int16_t *mt = q->m + ioff;
    size_t nvec = (n + FQ_STEP - 1) / FQ_STEP * FQ_STEP;
    if (mode == 0)
        tree_store(mt, off, D, leaf, xq, nvec, out);
    else if (mode == 1)
        tree_addf(mt, off, D, leaf, xq, nvec, out);
    else
        tree_addd(mt, off, D, leaf, xq, nvec, acc, w);
#else
    (void)q, (void)D, (void)off, (void)ioff, (void)leaf, (void)xq, (void)n, (void)mode;
    (void)out, (void)acc, (void)w;
#endif
}
