/*
 * onnx.h - the ONNX evaluator's compiled graph (ml/onnx*.c only).
 *
 * Every value of the graph is either a constant (initializers, Constant
 * nodes and everything computed from them alone, folded at load time) or
 * depends on the input, in which case its axis 0 is the event axis: it is
 * stored per chunk of events as chunk x size floats, size being the
 * product of its other axes.  Operators never mix events, which is what
 * lets hf_ml_eval split the events over threads.
 */
#ifndef HF_ONNX_H
#define HF_ONNX_H

#include "ml.h"

#define OX_MAXR 8      /* highest tensor rank handled */
#define OX_CHUNK 256   /* events per evaluation call */

enum ox_op {
    OX_GEMM, OX_BINARY, OX_RELU, OX_LEAKY, OX_SIGMOID, OX_TANH, OX_CLIP,
    OX_TRUNC, OX_NONZERO, OX_SOFTMAX, OX_BATCHNORM, OX_CONCAT, OX_GATHER,
    OX_EMBED, OX_ALIAS
};
enum ox_bin { OX_ADD, OX_SUB, OX_MUL, OX_DIV };

typedef struct ox_val {
    char *name;
    int defined, batched, rank;
    int64_t dims[OX_MAXR];   /* batched: dims[0] is -1, the event axis */
    size_t size;             /* elements (per event when batched) */
    float *f;                /* constants: the values */
    int64_t *i;              /* constants: the values as integers */
    size_t off;              /* batched: offset of its chunk in the work */
} ox_val;

typedef struct ox_step {
    int op, bin;
    int in[2], out;          /* value indices; in[1] -1 when unused */
    float lo, hi;            /* Clip bounds; LeakyRelu alpha in lo */
    size_t rows, k, m;       /* Gemm/MatMul: rows per event, K, M */
    float *w, *bias;         /* Gemm: W as K x M (alpha applied), bias[M] */
    size_t outer, n, inner;  /* Softmax/BatchNorm/Concat/Gather per event */
    float *a, *c;            /* BatchNorm: y = x * a[ch] + c[ch] */
    int64_t *idx;            /* Gather indices (normalised) */
    size_t nidx;             /* Gather: indices (per event for OX_EMBED) */
    char *where;             /* OX_EMBED: "FILE: node K 'NAME' (Gather)" for
                              * the message about a bad index */
    int nconcat;             /* Concat: inputs in cin */
    int *cin;
    size_t *csize;           /* Concat: each input's chunk per outer */
    int rank;                /* Binary: output rank and strides */
    int64_t dims[OX_MAXR], sa[OX_MAXR], sb[OX_MAXR];
} ox_step;

typedef struct ox_graph {
    ox_val *vals;
    int nvals;
    ox_step *steps;
    int nsteps;
    int *inputs, ninputs;    /* the values fed with the features, in the
                              * graph's order: a row of features is their
                              * rows one after the other */
    int *in_off;             /* ninputs + 1: where each starts in a row */
    const char **in_names;   /* ninputs names (the values' own) */
    int *outputs, noutputs;
    int opset;
    int64_t batch_decl;      /* the first input's declared axis 0 (0: symbolic) */
    size_t work;             /* floats per chunk of OX_CHUNK events */
} ox_graph;

/* Kernels (onnx_ops.c) -------------------------------------------------- */

/* out[r][m] = bias[m] + sum_k a[r][k] * w[k][m] for r < rows. */
void hfml_ox_gemm(const float *a, const float *w, const float *bias, float *out,
             size_t rows, size_t k, size_t m);
/* The broadcast binary operation of a step over dims with strides sa, sb
 * (0 along broadcast axes). */
void hfml_ox_binary(int bin, int rank, const int64_t *dims, const float *a,
               const int64_t *sa, const float *b, const int64_t *sb,
               float *out);
void hfml_ox_unary(const ox_step *s, const float *x, float *y, size_t n);
void hfml_ox_softmax(const float *x, float *y, size_t outer, size_t n,
                size_t inner);
void hfml_ox_batchnorm(const ox_step *s, const float *x, float *y, size_t outer);
void hfml_ox_gather(const float *x, float *y, size_t outer, size_t n,
               size_t inner, const int64_t *idx, size_t nidx);
/* Gather with event-dependent indices (an embedding): rows of the
 * constant data x (n rows of inner) picked by the nidx indices of each of
 * the events [first, first + nev); a fractional or out-of-range index is
 * refused naming s->where and the event. */
int hfml_ox_embed(const ox_step *s, const float *x, const float *ind, float *y, size_t nev,
                  size_t first, hf_error *err);

/* Runs the graph on n <= OX_CHUNK events (onnx_run.c). */
int hfml_ox_run(const void *impl, const float *x, size_t n, size_t first, double *out,
           float *work, hf_error *err);
void hfml_ox_graph_free(void *impl);

/* Compiles one node (onnx_node.c): checks, shape inference, folding. */
struct Onnx__NodeProto;
struct Onnx__AttributeProto;
int hfml_ox_node(ox_graph *g, const struct Onnx__NodeProto *node, int k,
            const char *path, hf_error *err);

/* What the operators' compilers (onnx_math.c, onnx_shape.c) share. */
typedef struct ox_ctx {
    ox_graph *g;
    const struct Onnx__NodeProto *n;
    int k;                   /* node index */
    const char *path;
    hf_error *err;
} ox_ctx;

/* Sets err: "FILE: node K 'NAME' (OP): what"; returns HF_ERR_INVALID. */
int hfml_ox_fail(const ox_ctx *c, const char *what);
int hfml_ox_nomem(const ox_ctx *c);
const struct Onnx__AttributeProto *hfml_ox_attr(const ox_ctx *c, const char *name);
int64_t hfml_ox_attr_i(const ox_ctx *c, const char *name, int64_t dflt);
float hfml_ox_attr_f(const ox_ctx *c, const char *name, float dflt);
/* Input j's value: -1 when absent, -2 (err set) when not yet computed. */
int hfml_ox_in(const ox_ctx *c, size_t j);
ox_val *hfml_ox_v(const ox_ctx *c, int v);
/* Defines output 0 (its index into *idx when idx is not NULL); NULL with
 * err set when it cannot. */
ox_val *hfml_ox_def_out(const ox_ctx *c, int rank, const int64_t *dims,
                   int batched, int *idx);
/* The same for a constant output, its arrays allocated for filling. */
ox_val *hfml_ox_const_out(const ox_ctx *c, int rank, const int64_t *dims);
void hfml_ox_ints_from_floats(ox_val *o);
ox_step *hfml_ox_add_step(const ox_ctx *c, int op, int in0, int in1, int out);

/* Operator compilers. */
int hfml_op_gemm(const ox_ctx *c);
int hfml_op_matmul(const ox_ctx *c);
int hfml_op_binary(const ox_ctx *c);
int hfml_op_unary(const ox_ctx *c);
int hfml_op_clip(const ox_ctx *c);
int hfml_op_softmax(const ox_ctx *c);
int hfml_op_batchnorm(const ox_ctx *c);
int hfml_op_flatten(const ox_ctx *c);
int hfml_op_reshape(const ox_ctx *c);
int hfml_op_squeeze(const ox_ctx *c);
int hfml_op_unsqueeze(const ox_ctx *c);
int hfml_op_concat(const ox_ctx *c);
int hfml_op_gather(const ox_ctx *c);
int hfml_op_identity(const ox_ctx *c);
int hfml_op_cast(const ox_ctx *c);
int hfml_op_constant(const ox_ctx *c);
/* Value named `name`, created undefined when absent; -1 when out of
 * memory. */
int hfml_ox_value(ox_graph *g, const char *name);
/* A constant's values from a TensorProto (onnx.c). */
struct Onnx__TensorProto;
int hfml_ox_tensor(ox_val *v, const struct Onnx__TensorProto *t, const char *path,
              hf_error *err);

#endif
