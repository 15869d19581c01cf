/*
 * onnx_ops.c - the ONNX operators' arithmetic, on float32 as the models
 * were trained.  The matrix product is the hot loop of every network: it
 * is compiled for AVX2+FMA as well as the baseline, chosen at run time.
 */
#include <math.h>
#include <string.h>

#include "onnx.h"

/* On x86-64 the block kernel is also compiled for AVX2 with FMA and that
 * copy is used when the CPU has both (checked once per call: cheap). */
#if defined(__x86_64__) && defined(__GNUC__)
#define OX_X86 1
#endif

typedef float v8 __attribute__((vector_size(32), aligned(4))); /* unaligned loads */

/* A 4 x 16 block of out kept in registers over the whole k loop: per step
 * two loads of w and four broadcasts feed eight multiply-adds. */
#define BLOCK4X16                                                                    \
    {                                                                                \
        v8 acc[4][2];                                                                \
        v8 b0 = bias ? *(const v8 *)(bias + j) : (v8){0};                           \
        v8 b1 = bias ? *(const v8 *)(bias + j + 8) : (v8){0};                       \
        for (int r = 0; r < 4; r++) {                                                \
            acc[r][0] = b0;                                                          \
            acc[r][1] = b1;                                                          \
        }                                                                            \
        for (size_t q = 0; q < k; q++) {                                             \
            v8 w0 = *(const v8 *)(w + q * m + j), w1 = *(const v8 *)(w + q * m + j + 8); \
            for (int r = 0; r < 4; r++) {                                            \
                float x = a[(size_t)r * k + q];                                      \
                acc[r][0] += x * w0;                                                 \
                acc[r][1] += x * w1;                                                 \
            }                                                                        \
        }                                                                            \
        for (int r = 0; r < 4; r++) {                                                \
            *(v8 *)(out + (size_t)r * m + j) = acc[r][0];                            \
            *(v8 *)(out + (size_t)r * m + j + 8) = acc[r][1];                        \
        }                                                                            \
    }

static void block4x16(const float *a, const float *w, const float *bias, float *out,
                      size_t k, size_t m, size_t j) BLOCK4X16

#ifdef OX_X86
__attribute__((target("avx2,fma"))) static void
block4x16_avx2(const float *a, const float *w, const float *bias, float *out, size_t k,
               size_t m, size_t j) BLOCK4X16
#endif

/* Columns [j0, j1) of every row, four rows at a time (independent
 * chains).  Each element is summed in the order the block kernel uses,
 * bias then q = 0, 1, ..., so that a row's result never depends on which
 * kernel computed it, i.e. on where it fell in its chunk. */
#define ROWS                                                                         \
    {                                                                                \
        for (size_t j = j0; j < j1; j++) {                                           \
            float b = bias ? bias[j] : 0.0f;                                         \
            size_t r = 0;                                                            \
            for (; r + 4 <= rows; r += 4) {                                          \
                const float *a0 = a + r * k;                                         \
                float s0 = b, s1 = b, s2 = b, s3 = b;                                \
                for (size_t q = 0; q < k; q++) {                                     \
                    float wq = w[q * m + j];                                         \
                    s0 += a0[q] * wq;                                                \
                    s1 += a0[k + q] * wq;                                            \
                    s2 += a0[2 * k + q] * wq;                                        \
                    s3 += a0[3 * k + q] * wq;                                        \
                }                                                                    \
                out[r * m + j] = s0;                                                 \
                out[(r + 1) * m + j] = s1;                                           \
                out[(r + 2) * m + j] = s2;                                           \
                out[(r + 3) * m + j] = s3;                                           \
            }                                                                        \
            for (; r < rows; r++) {                                                  \
                float s0 = b;                                                        \
                for (size_t q = 0; q < k; q++)                                       \
                    s0 += a[r * k + q] * w[q * m + j];                               \
                out[r * m + j] = s0;                                                 \
            }                                                                        \
        }                                                                            \
    }

static void rows1(const float *a, const float *w, const float *bias, float *out, size_t rows,
                  size_t k, size_t m, size_t j0, size_t j1) ROWS

#ifdef OX_X86
__attribute__((target("avx2,fma"))) static void
rows1_avx2(const float *a, const float *w, const float *bias, float *out, size_t rows,
           size_t k, size_t m, size_t j0, size_t j1) ROWS
#endif

void hfml_ox_gemm(const float *a, const float *w, const float *bias, float *out, size_t nrows,
             size_t k, size_t m)
{
    size_t m16 = m / 16 * 16, r = 0;
    void (*block)(const float *, const float *, const float *, float *, size_t, size_t,
                  size_t) = block4x16;
    void (*rows)(const float *, const float *, const float *, float *, size_t, size_t,
                 size_t, size_t, size_t) = rows1;
#ifdef OX_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        block = block4x16_avx2;
        rows = rows1_avx2;
    }
#endif
    for (; r + 4 <= nrows; r += 4)
        for (size_t j = 0; j < m16; j += 16)
            block(a + r * k, w, bias, out + r * m, k, m, j);
    rows(a + r * k, w, bias, out + r * m, nrows - r, k, m, 0, m16);
    rows(a, w, bias, out, nrows, k, m, m16, m);
}

/* n results with a and b stepping sa, sb (1, or 0 for a broadcast). */
static void run(int bin, const float *a, int64_t sa, const float *b, int64_t sb, float *o,
                size_t n)
{
    switch (bin) {
    case OX_ADD:
#pragma omp simd
        for (size_t i = 0; i < n; i++) o[i] = a[i * sa] + b[i * sb]; break;
    case OX_SUB: for (size_t i = 0; i < n; i++) o[i] = a[i * sa] - b[i * sb]; break;
    case OX_MUL: for (size_t i = 0; i < n; i++) o[i] = a[i * sa] * b[i * sb]; break;
    default: for (size_t i = 0; i < n; i++) o[i] = a[i * sa] / b[i * sb]; break;
    }
}

void hfml_ox_binary(int bin, int rank, const int64_t *dims, const float *a, const int64_t *sa,
               const float *b, const int64_t *sb, float *out)
{
    if (rank == 0) {
        run(bin, a, 0, b, 0, out, 1);
        return;
    }
    /* an odometer over every axis but the last, which runs in one go */
    int64_t idx[OX_MAXR] = {0};
    size_t len = (size_t)dims[rank - 1], total = 1;
    for (int d = 0; d < rank; d++)
        total *= (size_t)dims[d];
    const float *pa = a, *pb = b;
    for (size_t done = 0; done < total; done += len) {
        run(bin, pa, sa[rank - 1], pb, sb[rank - 1], out + done, len);
        for (int d = rank - 2; d >= 0; d--) {
            pa += sa[d];
            pb += sb[d];
            if (++idx[d] < dims[d])
                break;
            pa -= sa[d] * dims[d];
            pb -= sb[d] * dims[d];
            idx[d] = 0;
        }
    }
}

void hfml_ox_unary(const ox_step *s, const float *x, float *y, size_t n)
{
    switch (s->op) {
    case OX_RELU:
#pragma omp simd
        for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
        break;
    case OX_LEAKY:
#pragma omp simd
        for (size_t i = 0; i < n; i++) y[i] = x[i] >= 0 ? x[i] : s->lo * x[i];
        break;
    case OX_SIGMOID:
        for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    case OX_TANH:
        for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
        break;
    case OX_CLIP:
#pragma omp simd
        for (size_t i = 0; i < n; i++) y[i] = x[i] < s->lo ? s->lo : x[i] > s->hi ? s->hi : x[i];
        break;
    case OX_TRUNC:
        for (size_t i = 0; i < n; i++) y[i] = truncf(x[i]);
        break;
    default: /* OX_NONZERO: Cast to bool */
        for (size_t i = 0; i < n; i++) y[i] = x[i] != 0.0f;
        break;
    }
}

void hfml_ox_softmax(const float *x, float *y, size_t outer, size_t n, size_t inner)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < inner; i++) {
            const float *xp = x + o * n * inner + i;
            float *yp = y + o * n * inner + i;
            float mx = xp[0], sum = 0;
            for (size_t j = 1; j < n; j++)
                mx = xp[j * inner] > mx ? xp[j * inner] : mx;
            for (size_t j = 0; j < n; j++)
                sum += yp[j * inner] = expf(xp[j * inner] - mx);
            for (size_t j = 0; j < n; j++)
                yp[j * inner] /= sum;
        }
}

void hfml_ox_batchnorm(const ox_step *s, const float *x, float *y, size_t outer)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t c = 0; c < s->n; c++) {
            const float *xp = x + (o * s->n + c) * s->inner;
            float *yp = y + (o * s->n + c) * s->inner;
            for (size_t i = 0; i < s->inner; i++)
                yp[i] = xp[i] * s->a[c] + s->c[c];
        }
}

void hfml_ox_gather(const float *x, float *y, size_t outer, size_t n, size_t inner,
               const int64_t *idx, size_t nidx)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < nidx; j++)
            memcpy(y + (o * nidx + j) * inner, x + (o * n + (size_t)idx[j]) * inner,
                   inner * sizeof *y);
}

int hfml_ox_embed(const ox_step *s, const float *x, const float *ind, float *y, size_t nev,
                  size_t first, hf_error *err)
{
    double n = (double)s->n;
    for (size_t q = 0; q < nev * s->nidx; q++) {
        /* the indices arrive as floats (features, or a Cast's output):
         * whole numbers are exact to 2^24, far past any table's rows */
        double v = ind[q];
        if (v != floor(v)) /* NaN too */
            return hfcore_error_set(err, HF_ERR_NUMERIC, "%s: event %zu: index %.9g is not a "
                                    "whole number", s->where, first + q / s->nidx, v);
        if (v < -n || v >= n)
            return hfcore_error_set(err, HF_ERR_NUMERIC, "%s: event %zu: index %.9g is out of "
                                    "range [-%zu, %zu)", s->where, first + q / s->nidx, v,
                                    s->n, s->n);
        size_t k = (size_t)(v < 0 ? v + n : v);
        memcpy(y + q * s->inner, x + k * s->inner, s->inner * sizeof *y);
    }
    return HF_OK;
}
