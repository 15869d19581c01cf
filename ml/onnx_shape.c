/*
 * onnx_shape.c - compiling the operators that move values around:
 * Identity, Cast, Constant, Flatten, Reshape, Squeeze, Unsqueeze, Concat
 * and Gather.  Those that only change a shape cost nothing at run time
 * (the output aliases the input); on constants they are done at load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.h"
#include <onnx/onnx.pb-c.h> /* generated at build time */

/* Output 0 = input x with a new shape (same elements). */
static int reshaped(const ox_ctx *c, int x, int rank, const int64_t *dims)
{
    const ox_val *X = hfml_ox_v(c, x);
    if (!X->batched) {
        const float *xf = X->f;
        const int64_t *xi = X->i;
        ox_val *o = hfml_ox_const_out(c, rank, dims);
        if (!o)
            return c->err->code;
        memcpy(o->f, xf, o->size * sizeof *o->f);
        memcpy(o->i, xi, o->size * sizeof *o->i);
        return HF_OK;
    }
    int out;
    if (!hfml_ox_def_out(c, rank, dims, 1, &out))
        return c->err->code;
    return hfml_ox_add_step(c, OX_ALIAS, x, -1, out) ? HF_OK : HF_ERR_NOMEM;
}

static int input0(const ox_ctx *c)
{
    int x = hfml_ox_in(c, 0);
    if (x == -1)
        hfml_ox_fail(c, "needs an input");
    return x;
}

int hfml_op_identity(const ox_ctx *c)
{
    int x = input0(c);
    return x < 0 ? c->err->code : reshaped(c, x, hfml_ox_v(c, x)->rank, hfml_ox_v(c, x)->dims);
}

int hfml_op_cast(const ox_ctx *c)
{
    int x = input0(c);
    if (x < 0)
        return c->err->code;
    switch (hfml_ox_attr_i(c, "to", 0)) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
        return reshaped(c, x, hfml_ox_v(c, x)->rank, hfml_ox_v(c, x)->dims);
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
        return hfml_ox_fail(c, "Cast to bool is not supported");
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
        if (!hfml_ox_v(c, x)->batched) /* integers already: shapes, indices */
            return reshaped(c, x, hfml_ox_v(c, x)->rank, hfml_ox_v(c, x)->dims);
        {
            int out;
            const ox_val *X = hfml_ox_v(c, x);
            if (!hfml_ox_def_out(c, X->rank, X->dims, 1, &out))
                return c->err->code;
            return hfml_ox_add_step(c, OX_TRUNC, x, -1, out) ? HF_OK : HF_ERR_NOMEM;
        }
    default:
        return hfml_ox_fail(c, "Cast to this type is not supported (float, double and integer "
                          "types are)");
    }
}

int hfml_op_constant(const ox_ctx *c)
{
    const Onnx__AttributeProto *a;
    int64_t one = 1;
    ox_val *o = NULL;
    if ((a = hfml_ox_attr(c, "value")) && a->t) {
        int64_t dims[OX_MAXR] = {0};
        if (a->t->n_dims > OX_MAXR)
            return hfml_ox_fail(c, "value of too high a rank");
        for (size_t d = 0; d < a->t->n_dims; d++)
            dims[d] = a->t->dims[d];
        if (!(o = hfml_ox_def_out(c, (int)a->t->n_dims, dims, 0, NULL)))
            return c->err->code;
        return hfml_ox_tensor(o, a->t, c->path, c->err);
    }
    if ((a = hfml_ox_attr(c, "value_float")) || (a = hfml_ox_attr(c, "value_int"))) {
        if (!(o = hfml_ox_const_out(c, 0, &one)))
            return c->err->code;
        o->f[0] = a->has_f ? a->f : (float)a->i;
        o->i[0] = a->has_f ? (int64_t)a->f : a->i;
        return HF_OK;
    }
    if ((a = hfml_ox_attr(c, "value_floats")) || (a = hfml_ox_attr(c, "value_ints"))) {
        int64_t n = a->n_floats ? (int64_t)a->n_floats : (int64_t)a->n_ints;
        if (!(o = hfml_ox_const_out(c, 1, &n)))
            return c->err->code;
        for (int64_t e = 0; e < n; e++) {
            o->f[e] = a->n_floats ? a->floats[e] : (float)a->ints[e];
            o->i[e] = a->n_floats ? (int64_t)a->floats[e] : a->ints[e];
        }
        return HF_OK;
    }
    return hfml_ox_fail(c, "only value, value_float(s) and value_int(s) constants are supported");
}

int hfml_op_flatten(const ox_ctx *c)
{
    int x = input0(c);
    if (x < 0)
        return c->err->code;
    const ox_val *X = hfml_ox_v(c, x);
    int64_t axis = hfml_ox_attr_i(c, "axis", 1);
    if (axis < -X->rank || axis > X->rank)
        return hfml_ox_fail(c, "axis out of range");
    if (axis < 0)
        axis += X->rank;
    int64_t dims[2] = {1, 1};
    for (int d = 0; d < X->rank; d++) {
        if (X->batched && d == 0)
            continue;
        if (X->batched && d < axis && X->dims[d] != 1)
            return hfml_ox_fail(c, "flattening other axes into the event axis is not supported");
        dims[d < axis ? 0 : 1] *= X->dims[d];
    }
    if (X->batched) {
        if (axis == 0)
            return hfml_ox_fail(c, "axis 0 would flatten the events into one row");
        dims[0] = -1;
    }
    return reshaped(c, x, 2, dims);
}

/* A constant integer list: the axes or shape input j, else attribute. */
static int int_list(const ox_ctx *c, size_t j, const char *name, const int64_t **v, size_t *n)
{
    const Onnx__AttributeProto *a = hfml_ox_attr(c, name);
    if (a) {
        *v = a->ints;
        *n = a->n_ints;
        return HF_OK;
    }
    int x = hfml_ox_in(c, j);
    if (x < -1)
        return c->err->code;
    if (x == -1) {
        *v = NULL;
        *n = 0;
        return HF_OK;
    }
    if (hfml_ox_v(c, x)->batched || hfml_ox_v(c, x)->rank > 1)
        return hfml_ox_fail(c, "the shape or axes must be a constant list");
    *v = hfml_ox_v(c, x)->i;
    *n = hfml_ox_v(c, x)->size;
    return HF_OK;
}

/* Resolves Reshape's target for a value of `size` elements (per event,
 * and with the event axis kept, when batched). */
static int target(const ox_ctx *c, const ox_val *X, const int64_t *t, size_t n,
                  int64_t *dims)
{
    if (n > OX_MAXR || n == 0)
        return hfml_ox_fail(c, "the new shape's rank is not supported");
    int neg = -1;
    int64_t known = 1;
    for (size_t d = 0; d < n; d++) {
        dims[d] = t[d] == 0 && d < (size_t)X->rank ? X->dims[d] : t[d];
        if (X->batched && d == 0) {
            if (t[0] != 0 && t[0] != -1 && t[0] != c->g->batch_decl)
                return hfml_ox_fail(c, "the new shape must keep the event axis 0 (0 or -1 there)");
            dims[0] = -1;
            continue;
        }
        if (dims[d] == -1 && neg < 0)
            neg = (int)d;
        else if (dims[d] <= 0)
            return hfml_ox_fail(c, "the new shape has a bad dimension");
        else
            known *= dims[d];
    }
    if (neg >= 0) {
        if ((size_t)known == 0 || X->size % (size_t)known)
            return hfml_ox_fail(c, "the new shape does not fit the element count");
        dims[neg] = (int64_t)(X->size / (size_t)known);
        known *= dims[neg];
    }
    if ((size_t)known != X->size)
        return hfml_ox_fail(c, "the new shape does not have the same element count");
    return HF_OK;
}

int hfml_op_reshape(const ox_ctx *c)
{
    int x = input0(c);
    const int64_t *t;
    size_t n;
    int64_t dims[OX_MAXR];
    if (x < 0 || int_list(c, 1, "__none__", &t, &n))
        return c->err->code;
    if (!t)
        return hfml_ox_fail(c, "needs a constant shape input");
    if (hfml_ox_attr_i(c, "allowzero", 0))
        return hfml_ox_fail(c, "allowzero=1 is not supported");
    if (target(c, hfml_ox_v(c, x), t, n, dims))
        return c->err->code;
    return reshaped(c, x, (int)n, dims);
}

/* Squeeze (add = 0) or Unsqueeze (add = 1) along axes. */
static int squeeze(const ox_ctx *c, int add)
{
    int x = input0(c);
    const int64_t *ax;
    size_t na;
    if (x < 0 || int_list(c, 1, "axes", &ax, &na))
        return c->err->code;
    const ox_val *X = hfml_ox_v(c, x);
    int rank = add ? X->rank + (int)na : X->rank;
    char mark[OX_MAXR + 8] = {0};
    if (rank > OX_MAXR || (add && na == 0))
        return hfml_ox_fail(c, "bad axes");
    for (size_t j = 0; j < na; j++) {
        int64_t a = ax[j] < 0 ? ax[j] + rank : ax[j];
        if (a < 0 || a >= rank || mark[a]++ || (add && a == 0 && X->batched))
            return hfml_ox_fail(c, "bad axes (out of range, repeated, or the event axis)");
        if (!add && (X->dims[a] != 1 || (a == 0 && X->batched)))
            return hfml_ox_fail(c, "squeezes an axis whose size is not 1");
    }
    int64_t dims[OX_MAXR];
    int r = 0;
    for (int d = 0, s = 0; d < rank; d++) {
        if (add)
            dims[r++] = mark[d] ? 1 : X->dims[s++];
        else if (!(na ? mark[d] : X->dims[d] == 1 && !(d == 0 && X->batched)))
            dims[r++] = X->dims[d];
    }
    return reshaped(c, x, r, dims);
}

int hfml_op_squeeze(const ox_ctx *c) { return squeeze(c, 0); }
int hfml_op_unsqueeze(const ox_ctx *c) { return squeeze(c, 1); }

/* Product of dims[from..to), the event axis left out. */
static size_t span(const ox_val *X, int from, int to)
{
    size_t p = 1;
    for (int d = from; d < to; d++)
        if (!(X->batched && d == 0))
            p *= (size_t)X->dims[d];
    return p;
}

/* Concat's output: folded for constants, else a step. */
static int concat_def(const ox_ctx *c, const int *vin, int ni, int axis, const int64_t *dims)
{
    const ox_val *X0 = hfml_ox_v(c, vin[0]);
    int rank = X0->rank, batched = X0->batched, out;
    size_t outer = span(X0, 0, axis);
    size_t *csize = malloc((size_t)ni * sizeof *csize);
    int *cin = malloc((size_t)ni * sizeof *cin);
    if (!csize || !cin) {
        free(csize);
        free(cin);
        return hfml_ox_nomem(c);
    }
    for (int q = 0; q < ni; q++) {
        csize[q] = span(hfml_ox_v(c, vin[q]), axis, rank);
        cin[q] = vin[q];
    }
    ox_step *s = NULL;
    ox_val *o = batched ? hfml_ox_def_out(c, rank, dims, 1, &out) : hfml_ox_const_out(c, rank, dims);
    if (o && !batched) {
        float *y = o->f;
        for (size_t r = 0; r < outer; r++)
            for (int q = 0; q < ni; q++) {
                memcpy(y, hfml_ox_v(c, cin[q])->f + r * csize[q], csize[q] * sizeof *y);
                y += csize[q];
            }
        hfml_ox_ints_from_floats(o);
    } else if (o && (s = hfml_ox_add_step(c, OX_CONCAT, vin[0], -1, out))) {
        s->outer = outer;
        s->nconcat = ni;
        s->cin = cin;
        s->csize = csize;
        return HF_OK;
    }
    free(csize);
    free(cin);
    return o && !batched ? HF_OK : c->err->code;
}

/* Gather's output: indices checked and normalised, folded for constant
 * data, else a step. */
static int gather_def(const ox_ctx *c, int x, int iv, int axis, int rank, const int64_t *dims)
{
    const ox_val *X = hfml_ox_v(c, x), *I = hfml_ox_v(c, iv);
    size_t nidx = I->size, n = (size_t)X->dims[axis];
    size_t outer = span(X, 0, axis), inner = span(X, axis + 1, X->rank);
    int64_t *idx = malloc((nidx + 1) * sizeof *idx);
    if (!idx)
        return hfml_ox_nomem(c);
    for (size_t j = 0; j < nidx; j++) {
        idx[j] = I->i[j] < 0 ? I->i[j] + (int64_t)n : I->i[j];
        if (idx[j] < 0 || idx[j] >= (int64_t)n) {
            free(idx);
            return hfml_ox_fail(c, "an index is out of range");
        }
    }
    int batched = X->batched, out;
    const float *xf = X->f;
    ox_step *s = NULL;
    ox_val *o = batched ? hfml_ox_def_out(c, rank, dims, 1, &out) : hfml_ox_const_out(c, rank, dims);
    if (o && !batched) {
        hfml_ox_gather(xf, o->f, outer, n, inner, idx, nidx);
        hfml_ox_ints_from_floats(o);
    } else if (o && (s = hfml_ox_add_step(c, OX_GATHER, x, -1, out))) {
        s->outer = outer;
        s->n = n;
        s->inner = inner;
        s->idx = idx;
        s->nidx = nidx;
        return HF_OK;
    }
    free(idx);
    return o && !batched ? HF_OK : c->err->code;
}

int hfml_op_concat(const ox_ctx *c)
{
    size_t ni = c->n->n_input;
    int batched = -1, axis = 0;
    int *vin = calloc(ni + 1, sizeof *vin);
    if (!vin)
        return hfml_ox_nomem(c);
    int rc = ni ? HF_OK : hfml_ox_fail(c, "needs inputs");
    int64_t dims[OX_MAXR];
    for (size_t j = 0; !rc && j < ni; j++) {
        if ((vin[j] = hfml_ox_in(c, j)) < 0) {
            rc = vin[j] < -1 ? c->err->code : hfml_ox_fail(c, "an input is empty");
            break;
        }
        const ox_val *X = hfml_ox_v(c, vin[j]);
        if (j == 0) {
            batched = X->batched;
            int64_t a = hfml_ox_attr_i(c, "axis", 0);
            a = a < 0 ? a + X->rank : a;
            if (a < 0 || a >= X->rank || (batched && a == 0))
                rc = hfml_ox_fail(c, "bad axis (out of range, or the event axis)");
            axis = (int)a;
            memcpy(dims, X->dims, sizeof dims);
            continue;
        }
        if (X->batched != batched || X->rank != hfml_ox_v(c, vin[0])->rank)
            rc = hfml_ox_fail(c, "inputs must all be constants or all event-dependent, of one rank");
        for (int d = 0; !rc && d < X->rank; d++)
            if (d != axis && X->dims[d] != dims[d])
                rc = hfml_ox_fail(c, "input shapes differ off the concatenation axis");
        if (!rc)
            dims[axis] += X->dims[axis];
    }
    if (!rc)
        rc = concat_def(c, vin, (int)ni, axis, dims);
    free(vin);
    return rc;
}

/* Gather(constant data, event-dependent indices) on axis 0: an embedding
 * (a table's rows picked by each event's category numbers).  The indices
 * are checked per event when it runs (hfml_ox_embed). */
static int embed_def(const ox_ctx *c, int x, int iv, int rank, const int64_t *dims)
{
    /* read before hfml_ox_def_out, which may move the values' table */
    const ox_val *X = hfml_ox_v(c, x);
    size_t n = (size_t)X->dims[0], inner = span(X, 1, X->rank), nidx = hfml_ox_v(c, iv)->size;
    const char *name = c->n->name ? c->n->name : "";
    size_t len = strlen(c->path) + strlen(name) + 48;
    char *where = malloc(len);
    int out;
    ox_step *s = NULL;
    if (where && hfml_ox_def_out(c, rank, dims, 1, &out) &&
        (s = hfml_ox_add_step(c, OX_EMBED, x, iv, out))) {
        snprintf(where, len, "%s: node %d '%s' (Gather)", c->path, c->k, name);
        s->where = where;
        s->n = n;
        s->inner = inner;
        s->nidx = nidx;
        return HF_OK;
    }
    free(where);
    return where ? c->err->code : hfml_ox_nomem(c);
}

int hfml_op_gather(const ox_ctx *c)
{
    int x = input0(c), iv = hfml_ox_in(c, 1);
    if (x < 0 || iv < -1)
        return c->err->code;
    if (iv < 0)
        return hfml_ox_fail(c, "needs indices");
    const ox_val *X = hfml_ox_v(c, x), *I = hfml_ox_v(c, iv);
    int64_t axis = hfml_ox_attr_i(c, "axis", 0);
    axis = axis < 0 ? axis + X->rank : axis;
    if (I->batched && (X->batched || axis != 0))
        return hfml_ox_fail(c, "event-dependent indices need constant data and axis 0");
    if (axis < 0 || axis >= X->rank || (X->batched && axis == 0) ||
        X->rank + I->rank - 1 > OX_MAXR)
        return hfml_ox_fail(c, "bad axis (out of range, or the event axis)");
    int64_t dims[OX_MAXR];
    int r = 0;
    for (int d = 0; d < X->rank; d++)
        if (d != axis)
            dims[r++] = X->dims[d];
        else
            for (int q = 0; q < I->rank; q++)
                dims[r++] = I->dims[q];
    return I->batched ? embed_def(c, x, iv, r, dims) : gather_def(c, x, iv, (int)axis, r, dims);
}
