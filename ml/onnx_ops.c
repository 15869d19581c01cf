/*
 * onnx_ops.c - the ONNX operators' arithmetic, on float32 as the models
 * were trained.  The matrix product is the hot loop of every network: it
 * is compiled for AVX2+FMA as well as the baseline, chosen at run time.
 */
#include <math.h>
#include <string.h>

#include "onnx.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define OX_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define OX_CLONES
#endif

/* Four rows at a time so that each row of w loaded is used four times. */
OX_CLONES
void ox_gemm(const float *a, const float *w, const float *bias, float *out, size_t rows,
             size_t k, size_t m)
{
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        float *o0 = out + r * m, *o1 = o0 + m, *o2 = o1 + m, *o3 = o2 + m;
        const float *a0 = a + r * k, *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
        for (size_t j = 0; j < m; j++)
            o0[j] = o1[j] = o2[j] = o3[j] = bias ? bias[j] : 0.0f;
        for (size_t q = 0; q < k; q++) {
            const float *wq = w + q * m;
            float x0 = a0[q], x1 = a1[q], x2 = a2[q], x3 = a3[q];
#pragma omp simd
            for (size_t j = 0; j < m; j++) {
                o0[j] += x0 * wq[j];
                o1[j] += x1 * wq[j];
                o2[j] += x2 * wq[j];
                o3[j] += x3 * wq[j];
            }
        }
    }
    for (; r < rows; r++) {
        float *o = out + r * m;
        const float *ar = a + r * k;
        for (size_t j = 0; j < m; j++)
            o[j] = bias ? bias[j] : 0.0f;
        for (size_t q = 0; q < k; q++) {
            const float *wq = w + q * m;
            float x = ar[q];
#pragma omp simd
            for (size_t j = 0; j < m; j++)
                o[j] += x * wq[j];
        }
    }
}

/* n results with a and b stepping sa, sb (1, or 0 for a broadcast). */
static void run(int bin, const float *a, int64_t sa, const float *b, int64_t sb, float *o,
                size_t n)
{
    switch (bin) {
    case OX_ADD: for (size_t i = 0; i < n; i++) o[i] = a[i * sa] + b[i * sb]; break;
    case OX_SUB: for (size_t i = 0; i < n; i++) o[i] = a[i * sa] - b[i * sb]; break;
    case OX_MUL: for (size_t i = 0; i < n; i++) o[i] = a[i * sa] * b[i * sb]; break;
    default: for (size_t i = 0; i < n; i++) o[i] = a[i * sa] / b[i * sb]; break;
    }
}

void ox_binary(int bin, int rank, const int64_t *dims, const float *a, const int64_t *sa,
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

void ox_unary(const ox_step *s, const float *x, float *y, size_t n)
{
    switch (s->op) {
    case OX_RELU:
        for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
        break;
    case OX_LEAKY:
        for (size_t i = 0; i < n; i++) y[i] = x[i] >= 0 ? x[i] : s->lo * x[i];
        break;
    case OX_SIGMOID:
        for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    case OX_TANH:
        for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
        break;
    case OX_CLIP:
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

void ox_softmax(const float *x, float *y, size_t outer, size_t n, size_t inner)
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

void ox_batchnorm(const ox_step *s, const float *x, float *y, size_t outer)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t c = 0; c < s->n; c++) {
            const float *xp = x + (o * s->n + c) * s->inner;
            float *yp = y + (o * s->n + c) * s->inner;
            for (size_t i = 0; i < s->inner; i++)
                yp[i] = xp[i] * s->a[c] + s->c[c];
        }
}

void ox_gather(const float *x, float *y, size_t outer, size_t n, size_t inner,
               const int64_t *idx, size_t nidx)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < nidx; j++)
            memcpy(y + (o * nidx + j) * inner, x + (o * n + (size_t)idx[j]) * inner,
                   inner * sizeof *y);
}
