/*
 * onnx_math.c - compiling the arithmetic operators: Gemm, MatMul, the
 * broadcast Add/Sub/Mul/Div, the activations, Clip, Softmax and
 * BatchNormalization.  Weights must be constants (published classifiers
 * are), the event-dependent operand is the one with the event axis.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.h"
#include <onnx/onnx.pb-c.h> /* generated at build time */

/* Step computing out[rows*n x m] = a[rows*n x k] . w + bias from batched
 * a; wt is the constant, transposed when trans.  (Its values are read
 * before defining the output, which may move the value table.) */
static int gemm_step(const ox_ctx *c, int a, const ox_val *wt, int trans, float alpha,
                     const float *bias, int64_t *dims, int rank, size_t rows)
{
    size_t k = trans ? (size_t)wt->dims[1] : (size_t)wt->dims[0];
    size_t m = wt->rank == 1 ? 1 : trans ? (size_t)wt->dims[0] : (size_t)wt->dims[1];
    const float *wf = wt->f;
    float *w = malloc(k * m * sizeof *w), *b = calloc(m, sizeof *b);
    if (!w || !b) {
        free(w);
        free(b);
        return hfml_ox_nomem(c);
    }
    for (size_t q = 0; q < k; q++)
        for (size_t j = 0; j < m; j++)
            w[q * m + j] = alpha * wf[trans ? j * k + q : q * m + j];
    if (bias)
        memcpy(b, bias, m * sizeof *bias);
    int out;
    ox_step *s = hfml_ox_def_out(c, rank, dims, 1, &out) ? hfml_ox_add_step(c, OX_GEMM, a, -1, out)
                                                     : NULL;
    if (!s) {
        free(w);
        free(b);
        return c->err->code;
    }
    s->rows = rows;
    s->k = k;
    s->m = m;
    s->w = w;
    s->bias = b;
    return HF_OK;
}

int hfml_op_gemm(const ox_ctx *c)
{
    int a = hfml_ox_in(c, 0), b = hfml_ox_in(c, 1), cc = hfml_ox_in(c, 2);
    if (a < -1 || b < -1 || cc < -1)
        return c->err->code;
    if (a < 0 || b < 0)
        return hfml_ox_fail(c, "needs inputs A and B");
    const ox_val *A = hfml_ox_v(c, a), *B = hfml_ox_v(c, b);
    if (!A->batched || B->batched || (cc >= 0 && hfml_ox_v(c, cc)->batched))
        return hfml_ox_fail(c, "only an event-dependent A with constant B and C is supported");
    if (hfml_ox_attr_i(c, "transA", 0))
        return hfml_ox_fail(c, "transA=1 on the event axis is not supported");
    int tb = (int)hfml_ox_attr_i(c, "transB", 0);
    float alpha = hfml_ox_attr_f(c, "alpha", 1), beta = hfml_ox_attr_f(c, "beta", 1);
    if (A->rank != 2 || B->rank != 2 || A->dims[1] != B->dims[tb ? 1 : 0])
        return hfml_ox_fail(c, "A and B must be matrices with matching inner dimensions");
    size_t m = (size_t)B->dims[tb ? 0 : 1];
    float *bias = calloc(m, sizeof *bias);
    if (!bias)
        return hfml_ox_nomem(c);
    if (cc >= 0) {
        const ox_val *C = hfml_ox_v(c, cc);
        int rowlike = C->size == m && (C->rank == 1 || (C->rank == 2 && C->dims[0] == 1));
        if (C->size != 1 && !rowlike) {
            free(bias);
            return hfml_ox_fail(c, "C must be a scalar or one row of the output width");
        }
        for (size_t j = 0; j < m; j++)
            bias[j] = beta * C->f[C->size == 1 ? 0 : j];
    }
    int64_t dims[2] = {-1, (int64_t)m};
    int rc = gemm_step(c, a, B, tb, alpha, bias, dims, 2, 1);
    free(bias);
    return rc;
}

int hfml_op_matmul(const ox_ctx *c)
{
    int a = hfml_ox_in(c, 0), b = hfml_ox_in(c, 1);
    if (a < -1 || b < -1)
        return c->err->code;
    if (a < 0 || b < 0)
        return hfml_ox_fail(c, "needs two inputs");
    const ox_val *A = hfml_ox_v(c, a), *B = hfml_ox_v(c, b);
    if (!A->batched || B->batched)
        return hfml_ox_fail(c, "only an event-dependent first input times a constant matrix "
                          "is supported");
    if (A->rank < 2 || B->rank < 1 || B->rank > 2 || A->dims[A->rank - 1] != B->dims[0])
        return hfml_ox_fail(c, "the shapes do not match ([events, ..., K] times [K, M] or [K])");
    int64_t dims[OX_MAXR];
    int rank = B->rank == 1 ? A->rank - 1 : A->rank;
    memcpy(dims, A->dims, sizeof dims);
    if (B->rank == 2)
        dims[rank - 1] = B->dims[1];
    size_t rows = 1;
    for (int d = 1; d < A->rank - 1; d++)
        rows *= (size_t)A->dims[d];
    return gemm_step(c, a, B, 0, 1.0f, NULL, dims, rank, rows);
}

/* Contiguous strides of v aligned right to rank, 0 where it broadcasts. */
static void strides(const ox_val *v, int rank, const int64_t *out, int64_t *st)
{
    int64_t s = 1;
    int shift = rank - v->rank;
    for (int d = rank - 1; d >= 0; d--) {
        int vd = d - shift;
        int64_t dim = vd >= 0 ? v->dims[vd] : 1;
        if (vd == 0 && v->batched) {
            st[d] = (int64_t)v->size;
            continue;
        }
        st[d] = dim == 1 && out[d] != 1 ? 0 : s;
        s *= dim;
    }
}

/* numpy's broadcast of two shapes, the event axis (-1) only against 1. */
static int broadcast(const ox_ctx *c, const ox_val *A, const ox_val *B, int64_t *dims)
{
    int rank = A->rank > B->rank ? A->rank : B->rank;
    if ((A->batched && A->rank != rank) || (B->batched && B->rank != rank))
        return hfml_ox_fail(c, "a constant of higher rank would move the event axis");
    for (int d = 0; d < rank; d++) {
        int ad = d - (rank - A->rank), bd = d - (rank - B->rank);
        int64_t x = ad >= 0 ? A->dims[ad] : 1, y = bd >= 0 ? B->dims[bd] : 1;
        if (x == y || y == 1)
            dims[d] = x;
        else if (x == 1)
            dims[d] = y;
        else
            return hfml_ox_fail(c, "the input shapes do not broadcast");
    }
    return HF_OK;
}

int hfml_op_binary(const ox_ctx *c)
{
    const char *op = c->n->op_type;
    int bin = !strcmp(op, "Add") ? OX_ADD : !strcmp(op, "Sub") ? OX_SUB
              : !strcmp(op, "Mul") ? OX_MUL : OX_DIV;
    int a = hfml_ox_in(c, 0), b = hfml_ox_in(c, 1);
    if (a < -1 || b < -1)
        return c->err->code;
    if (a < 0 || b < 0)
        return hfml_ox_fail(c, "needs two inputs");
    const ox_val *A = hfml_ox_v(c, a), *B = hfml_ox_v(c, b);
    int64_t dims[OX_MAXR], sa[OX_MAXR], sb[OX_MAXR];
    if (broadcast(c, A, B, dims))
        return c->err->code;
    int rank = A->rank > B->rank ? A->rank : B->rank;
    strides(A, rank, dims, sa);
    strides(B, rank, dims, sb);
    if (!A->batched && !B->batched) {
        const float *af = A->f, *bf = B->f;
        ox_val *o = hfml_ox_const_out(c, rank, dims);
        if (!o)
            return c->err->code;
        hfml_ox_binary(bin, rank, dims, af, sa, bf, sb, o->f);
        hfml_ox_ints_from_floats(o);
        return HF_OK;
    }
    int out;
    if (!hfml_ox_def_out(c, rank, dims, 1, &out))
        return c->err->code;
    ox_step *s = hfml_ox_add_step(c, OX_BINARY, a, b, out);
    if (!s)
        return HF_ERR_NOMEM;
    s->bin = bin;
    s->rank = rank;
    memcpy(s->dims, dims, sizeof dims);
    memcpy(s->sa, sa, sizeof sa);
    memcpy(s->sb, sb, sizeof sb);
    return HF_OK;
}

/* An elementwise step, or its value at once on a constant. */
static int elementwise(const ox_ctx *c, int op, float lo, float hi)
{
    int x = hfml_ox_in(c, 0);
    if (x < -1)
        return c->err->code;
    if (x < 0)
        return hfml_ox_fail(c, "needs an input");
    const ox_val *X = hfml_ox_v(c, x);
    ox_step tmp = {.op = op, .lo = lo, .hi = hi};
    if (!X->batched) {
        const float *xf = X->f;
        ox_val *o = hfml_ox_const_out(c, X->rank, X->dims);
        if (!o)
            return c->err->code;
        hfml_ox_unary(&tmp, xf, o->f, o->size);
        hfml_ox_ints_from_floats(o);
        return HF_OK;
    }
    int out;
    if (!hfml_ox_def_out(c, X->rank, X->dims, 1, &out))
        return c->err->code;
    ox_step *s = hfml_ox_add_step(c, op, x, -1, out);
    if (!s)
        return HF_ERR_NOMEM;
    s->lo = lo;
    s->hi = hi;
    return HF_OK;
}

int hfml_op_unary(const ox_ctx *c)
{
    const char *op = c->n->op_type;
    if (!strcmp(op, "Relu"))
        return elementwise(c, OX_RELU, 0, 0);
    if (!strcmp(op, "LeakyRelu"))
        return elementwise(c, OX_LEAKY, hfml_ox_attr_f(c, "alpha", 0.01f), 0);
    if (!strcmp(op, "Sigmoid"))
        return elementwise(c, OX_SIGMOID, 0, 0);
    return elementwise(c, OX_TANH, 0, 0);
}

/* Clip's bound: attribute (opset < 11) or constant scalar input j. */
static int bound(const ox_ctx *c, size_t j, const char *name, float dflt, float *out)
{
    *out = hfml_ox_attr_f(c, name, dflt);
    int v = hfml_ox_in(c, j);
    if (v < -1)
        return c->err->code;
    if (v >= 0) {
        if (hfml_ox_v(c, v)->batched || hfml_ox_v(c, v)->size != 1)
            return hfml_ox_fail(c, "min and max must be constant scalars");
        *out = hfml_ox_v(c, v)->f[0];
    }
    return HF_OK;
}

int hfml_op_clip(const ox_ctx *c)
{
    float lo, hi;
    if (bound(c, 1, "min", -INFINITY, &lo) || bound(c, 2, "max", INFINITY, &hi))
        return c->err->code;
    return elementwise(c, OX_CLIP, lo, hi);
}

/* Axis attribute normalised to [0, rank); the event axis is refused. */
static int event_axis(const ox_ctx *c, int64_t axis, int rank, int *out)
{
    if (axis < -rank || axis >= rank)
        return hfml_ox_fail(c, "axis out of range");
    *out = (int)(axis < 0 ? axis + rank : axis);
    if (*out == 0)
        return hfml_ox_fail(c, "an operation along the event axis 0 would mix events");
    return HF_OK;
}

int hfml_op_softmax(const ox_ctx *c)
{
    int x = hfml_ox_in(c, 0), axis, out;
    if (x < -1)
        return c->err->code;
    if (x < 0 || !hfml_ox_v(c, x)->batched)
        return hfml_ox_fail(c, "needs an event-dependent input");
    const ox_val *X = hfml_ox_v(c, x);
    if (event_axis(c, hfml_ox_attr_i(c, "axis", c->g->opset < 13 ? 1 : -1), X->rank, &axis))
        return c->err->code;
    size_t outer = 1, n = 1, inner = 1;
    for (int d = 1; d < X->rank; d++)
        *(d < axis ? &outer : d == axis ? &n : &inner) *= (size_t)X->dims[d];
    if (c->g->opset < 13) { /* the axes from `axis` on flattened into one */
        n *= inner;
        inner = 1;
    }
    if (!hfml_ox_def_out(c, X->rank, X->dims, 1, &out))
        return c->err->code;
    ox_step *s = hfml_ox_add_step(c, OX_SOFTMAX, x, -1, out);
    if (!s)
        return HF_ERR_NOMEM;
    s->outer = outer;
    s->n = n;
    s->inner = inner;
    return HF_OK;
}

int hfml_op_batchnorm(const ox_ctx *c)
{
    int v[5], out;
    for (int j = 0; j < 5; j++)
        if ((v[j] = hfml_ox_in(c, (size_t)j)) < 0)
            return v[j] < -1 ? c->err->code : hfml_ox_fail(c, "needs five inputs");
    const ox_val *X = hfml_ox_v(c, v[0]);
    if (!X->batched || X->rank < 2)
        return hfml_ox_fail(c, "needs an event-dependent input [events, channels, ...]");
    size_t ch = (size_t)X->dims[1], inner = 1;
    for (int j = 1; j < 5; j++)
        if (hfml_ox_v(c, v[j])->batched || hfml_ox_v(c, v[j])->size != ch)
            return hfml_ox_fail(c, "scale, B, mean and var must be constants with one value "
                              "per channel");
    for (int d = 2; d < X->rank; d++)
        inner *= (size_t)X->dims[d];
    double eps = hfml_ox_attr_f(c, "epsilon", 1e-5f);
    if (!hfml_ox_def_out(c, X->rank, X->dims, 1, &out))
        return c->err->code;
    ox_step *s = hfml_ox_add_step(c, OX_BATCHNORM, v[0], -1, out);
    if (!s)
        return HF_ERR_NOMEM;
    s->outer = 1;
    s->n = ch;
    s->inner = inner;
    s->a = malloc(ch * sizeof *s->a);
    s->c = malloc(ch * sizeof *s->c);
    if (!s->a || !s->c)
        return hfml_ox_nomem(c);
    const float *sc = hfml_ox_v(c, v[1])->f, *bb = hfml_ox_v(c, v[2])->f, *mu = hfml_ox_v(c, v[3])->f,
                *var = hfml_ox_v(c, v[4])->f;
    for (size_t q = 0; q < ch; q++) {
        double a = sc[q] / sqrt((double)var[q] + eps);
        s->a[q] = (float)a;
        s->c[q] = (float)(bb[q] - mu[q] * a);
    }
    return HF_OK;
}
