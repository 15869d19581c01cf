/*
 * onnx_node.c - compiles one ONNX node: checks its operator is one we
 * evaluate, infers its output shape, folds it when every input is a
 * constant and otherwise appends the step that computes it per chunk of
 * events.  Errors name the model file, the node (index and name) and its
 * operator.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.h"
#include <onnx/onnx.pb-c.h> /* generated at build time */

int hfml_ox_fail(const ox_ctx *c, const char *what)
{
    return hfcore_error_set(c->err, HF_ERR_INVALID, "%s: node %d '%s' (%s): %s", c->path, c->k,
                        c->n->name ? c->n->name : "", c->n->op_type, what);
}

int hfml_ox_nomem(const ox_ctx *c)
{
    return hfcore_error_set(c->err, HF_ERR_NOMEM, "%s: out of memory", c->path);
}

const Onnx__AttributeProto *hfml_ox_attr(const ox_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n->n_attribute; i++)
        if (c->n->attribute[i]->name && !strcmp(c->n->attribute[i]->name, name))
            return c->n->attribute[i];
    return NULL;
}

int64_t hfml_ox_attr_i(const ox_ctx *c, const char *name, int64_t dflt)
{
    const Onnx__AttributeProto *a = hfml_ox_attr(c, name);
    return a && a->has_i ? a->i : dflt;
}

float hfml_ox_attr_f(const ox_ctx *c, const char *name, float dflt)
{
    const Onnx__AttributeProto *a = hfml_ox_attr(c, name);
    return a && a->has_f ? a->f : dflt;
}

/* Input j as a value index: -1 when absent or "", -2 (error set) when
 * no earlier node or initializer defines it. */
int hfml_ox_in(const ox_ctx *c, size_t j)
{
    if (j >= c->n->n_input || !c->n->input[j] || !c->n->input[j][0])
        return -1;
    int v = hfml_ox_value(c->g, c->n->input[j]);
    if (v < 0) {
        hfml_ox_nomem(c);
        return -2;
    }
    if (!c->g->vals[v].defined) {
        char b[512];
        snprintf(b, sizeof b, "input '%.400s' is not computed by an earlier node", c->n->input[j]);
        hfml_ox_fail(c, b);
        return -2;
    }
    return v;
}

ox_val *hfml_ox_v(const ox_ctx *c, int v) { return &c->g->vals[v]; }

/* Defines output 0 with this shape; NULL (error set) if it already exists. */
ox_val *hfml_ox_def_out(const ox_ctx *c, int rank, const int64_t *dims_in, int batched, int *idx)
{
    int64_t dims[OX_MAXR]; /* dims_in may point into the table hfml_ox_value moves */
    memcpy(dims, dims_in, (size_t)rank * sizeof *dims);
    if (c->n->n_output < 1 || !c->n->output[0][0]) {
        hfml_ox_fail(c, "no output");
        return NULL;
    }
    for (size_t j = 1; j < c->n->n_output; j++)
        if (c->n->output[j][0]) {
            hfml_ox_fail(c, "only the first output is supported");
            return NULL;
        }
    int v = hfml_ox_value(c->g, c->n->output[0]);
    if (v < 0) {
        hfml_ox_nomem(c);
        return NULL;
    }
    ox_val *o = hfml_ox_v(c, v);
    if (o->defined) {
        hfml_ox_fail(c, "its output name is already used");
        return NULL;
    }
    o->defined = 1;
    o->batched = batched;
    o->rank = rank;
    o->size = 1;
    for (int d = 0; d < rank; d++) {
        o->dims[d] = dims[d];
        if (d > 0 || !batched)
            o->size *= (size_t)dims[d];
    }
    if (idx)
        *idx = v;
    return o;
}

/* A new constant output with these dims, values to be filled. */
ox_val *hfml_ox_const_out(const ox_ctx *c, int rank, const int64_t *dims)
{
    ox_val *o = hfml_ox_def_out(c, rank, dims, 0, NULL);
    if (!o)
        return NULL;
    o->f = malloc((o->size + 1) * sizeof *o->f);
    o->i = malloc((o->size + 1) * sizeof *o->i);
    if (!o->f || !o->i) {
        hfml_ox_nomem(c);
        return NULL;
    }
    return o;
}

void hfml_ox_ints_from_floats(ox_val *o)
{
    for (size_t e = 0; e < o->size; e++)
        o->i[e] = (int64_t)o->f[e];
}

ox_step *hfml_ox_add_step(const ox_ctx *c, int op, int in0, int in1, int out)
{
    ox_step *s = realloc(c->g->steps, (size_t)(c->g->nsteps + 1) * sizeof *s);
    if (!s) {
        hfml_ox_nomem(c);
        return NULL;
    }
    c->g->steps = s;
    s += c->g->nsteps++;
    memset(s, 0, sizeof *s);
    s->op = op;
    s->in[0] = in0;
    s->in[1] = in1;
    s->out = out;
    return s;
}

static const struct {
    const char *name;
    int (*compile)(const ox_ctx *);
} ops[] = {
    {"Gemm", hfml_op_gemm}, {"MatMul", hfml_op_matmul}, {"Add", hfml_op_binary}, {"Sub", hfml_op_binary},
    {"Mul", hfml_op_binary}, {"Div", hfml_op_binary}, {"Relu", hfml_op_unary}, {"LeakyRelu", hfml_op_unary},
    {"Sigmoid", hfml_op_unary}, {"Tanh", hfml_op_unary}, {"Softmax", hfml_op_softmax},
    {"Flatten", hfml_op_flatten}, {"Reshape", hfml_op_reshape}, {"Concat", hfml_op_concat},
    {"Identity", hfml_op_identity}, {"BatchNormalization", hfml_op_batchnorm}, {"Clip", hfml_op_clip},
    {"Cast", hfml_op_cast}, {"Constant", hfml_op_constant}, {"Squeeze", hfml_op_squeeze},
    {"Unsqueeze", hfml_op_unsqueeze}, {"Gather", hfml_op_gather},
};

int hfml_ox_node(ox_graph *g, const Onnx__NodeProto *node, int k, const char *path,
            hf_error *err)
{
    ox_ctx c = {g, node, k, path, err};
    const char *op = node->op_type ? node->op_type : "";
    const char *dom = node->domain ? node->domain : "";
    if (dom[0] && strcmp(dom, "ai.onnx"))
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: node %d '%s': operator '%s:%s' is not "
                            "supported (only the standard ONNX domain)", path, k,
                            node->name ? node->name : "", dom, op);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(op, ops[i].name))
            return ops[i].compile(&c);
    return hfcore_error_set(err, HF_ERR_INVALID, "%s: node %d '%s': operator '%s' is not "
                        "supported (supported: Gemm, MatMul, Add, Sub, Mul, Div, Relu, "
                        "LeakyRelu, Sigmoid, Tanh, Softmax, Flatten, Reshape, Concat, "
                        "Identity, BatchNormalization, Clip, Cast, Constant, Squeeze, "
                        "Unsqueeze, Gather)", path, k, node->name ? node->name : "", op);
}
