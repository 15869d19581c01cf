/*
 * onnx.c - reads an ONNX model (protobuf, with the C code protoc-c makes
 * from onnx.proto) and compiles its graph for hfml_ox_run: constants decoded,
 * the event-dependent inputs found, every node checked and its shapes
 * inferred (onnx_node.c), work offsets assigned.
 */
#include <stdlib.h>
#include <string.h>

#include "onnx.h"
#include <onnx/onnx.pb-c.h> /* generated at build time */

int hfml_ox_value(ox_graph *g, const char *name)
{
    for (int i = 0; i < g->nvals; i++)
        if (!strcmp(g->vals[i].name, name))
            return i;
    ox_val *nv = realloc(g->vals, (size_t)(g->nvals + 1) * sizeof *nv);
    if (!nv)
        return -1;
    g->vals = nv;
    memset(&nv[g->nvals], 0, sizeof *nv);
    if (!(nv[g->nvals].name = hfml_strdup(name)))
        return -1;
    return g->nvals++;
}

/* Little-endian element e of raw data with `bytes` per element. */
static int64_t raw_int(const uint8_t *p, size_t e, int bytes)
{
    uint64_t u = 0;
    for (int b = bytes - 1; b >= 0; b--)
        u = u << 8 | p[e * (size_t)bytes + (size_t)b];
    if (bytes < 8 && (u >> (8 * bytes - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * bytes);
    return (int64_t)u;
}

/* Element e of tensor t as a double; bytes is the raw element size. */
static double element(const Onnx__TensorProto *t, size_t e, int bytes)
{
    const uint8_t *raw = t->has_raw_data ? t->raw_data.data : NULL;
    switch (t->data_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: {
        if (!raw)
            return t->float_data[e];
        float f;
        uint32_t u = (uint32_t)raw_int(raw, e, 4);
        memcpy(&f, &u, 4);
        return f;
    }
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: {
        if (!raw)
            return t->double_data[e];
        double d;
        uint64_t u = (uint64_t)raw_int(raw, e, 8);
        memcpy(&d, &u, 8);
        return d;
    }
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
        return raw ? (double)raw_int(raw, e, 8) : (double)t->int64_data[e];
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
        return raw ? raw[e] : t->int32_data[e];
    default: /* INT32, INT16, INT8 */
        return raw ? (double)raw_int(raw, e, bytes) : t->int32_data[e];
    }
}

/* Bytes per raw element, and the count the typed array holds; 0 for a
 * type we do not read. */
static int type_info(const Onnx__TensorProto *t, size_t *typed)
{
    switch (t->data_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: *typed = t->n_float_data; return 4;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: *typed = t->n_double_data; return 8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: *typed = t->n_int64_data; return 8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: *typed = t->n_int32_data; return 4;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: *typed = t->n_int32_data; return 2;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: *typed = t->n_int32_data; return 1;
    default: return 0;
    }
}

int hfml_ox_tensor(ox_val *v, const Onnx__TensorProto *t, const char *path, hf_error *err)
{
    const char *name = t->name ? t->name : "";
    size_t typed = 0, n = 1;
    int bytes = type_info(t, &typed);
    if (!bytes)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: tensor '%s': data type %d is not "
                            "supported", path, name, (int)t->data_type);
    if (t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL || t->n_external_data)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: tensor '%s': data stored outside the "
                            "model file is not supported", path, name);
    if (t->n_dims > OX_MAXR)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: tensor '%s': rank %zu (at most %d)",
                            path, name, t->n_dims, OX_MAXR);
    for (size_t d = 0; d < t->n_dims; d++) {
        if (t->dims[d] < 0 || (t->dims[d] && n > ((size_t)1 << 34) / (size_t)t->dims[d]))
            return hfcore_error_set(err, HF_ERR_INVALID, "%s: tensor '%s': bad dimensions",
                                path, name);
        v->dims[d] = t->dims[d];
        n *= (size_t)t->dims[d];
    }
    size_t have = t->has_raw_data ? t->raw_data.len / (size_t)bytes : typed;
    if (have != n || (t->has_raw_data && t->raw_data.len % (size_t)bytes))
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: tensor '%s': %zu values for a shape "
                            "of %zu", path, name, have, n);
    v->rank = (int)t->n_dims;
    v->size = n;
    v->f = malloc((n + 1) * sizeof *v->f);
    v->i = malloc((n + 1) * sizeof *v->i);
    if (!v->f || !v->i)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    for (size_t e = 0; e < n; e++) {
        double x = element(t, e, bytes);
        v->f[e] = (float)x;
        v->i[e] = x > 9e18 ? INT64_MAX : x < -9e18 ? INT64_MIN : (int64_t)x;
    }
    v->defined = 1;
    return HF_OK;
}

static int initializers(ox_graph *g, const Onnx__GraphProto *gr, const char *path,
                        hf_error *err)
{
    for (size_t i = 0; i < gr->n_initializer; i++) {
        const Onnx__TensorProto *t = gr->initializer[i];
        int v = hfml_ox_value(g, t->name ? t->name : "");
        if (v < 0)
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
        int rc = hfml_ox_tensor(&g->vals[v], t, path, err);
        if (rc)
            return rc;
    }
    if (gr->n_sparse_initializer)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: sparse initializers are not supported",
                            path);
    return HF_OK;
}

/* Graph input `in` (value v): float, [events, fixed...]. */
static int one_input(ox_graph *g, const Onnx__ValueInfoProto *in, int v, const char *path,
                     hf_error *err)
{
    const Onnx__TypeProto *tp = in->type;
    const Onnx__TypeProto__Tensor *tt =
        tp && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ? tp->tensor_type : NULL;
    /* a float64 model runs in float32 like the others: its weights were
     * rounded to float when read (hfml_ox_tensor), its features are too */
    /* integer inputs (category numbers for an embedding's Gather) take
     * their features as floats too: whole numbers are exact to 2^24, and
     * the Gather refuses a fractional one */
    int t = tt ? tt->elem_type : -1;
    if (t != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT && t != ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE &&
        t != ONNX__TENSOR_PROTO__DATA_TYPE__INT64 && t != ONNX__TENSOR_PROTO__DATA_TYPE__INT32)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: input '%s' is not a float32, "
                            "float64, int64 or int32 tensor", path, in->name);
    const Onnx__TensorShapeProto *sh = tt->shape;
    if (!sh || sh->n_dim < 2 || sh->n_dim > OX_MAXR)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: input '%s' must have a known shape "
                            "[events, features...] of rank 2 to %d", path, in->name, OX_MAXR);
    ox_val *x = &g->vals[v];
    x->defined = x->batched = 1;
    x->rank = (int)sh->n_dim;
    x->dims[0] = -1;
    x->size = 1;
    const Onnx__TensorShapeProto__Dimension *d0 = sh->dim[0];
    if (!g->ninputs)
        g->batch_decl = d0->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                            ? d0->dim_value : 0;
    for (size_t d = 1; d < sh->n_dim; d++) {
        if (sh->dim[d]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
            sh->dim[d]->dim_value <= 0 || sh->dim[d]->dim_value > 1 << 20)
            return hfcore_error_set(err, HF_ERR_INVALID, "%s: input '%s': axis %zu has no fixed "
                                "size (only the event axis 0 may vary)", path, in->name, d);
        x->dims[d] = sh->dim[d]->dim_value;
        x->size *= (size_t)x->dims[d];
    }
    if (x->size > (size_t)1 << 20 || g->in_off[g->ninputs] + x->size > (size_t)1 << 20)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: input '%s': too many features",
                                path, in->name);
    g->inputs[g->ninputs] = v;
    g->in_names[g->ninputs] = x->name;
    g->in_off[g->ninputs + 1] = g->in_off[g->ninputs] + (int)x->size;
    g->ninputs++;
    return HF_OK;
}

/* The graph inputs that are not initializers, in order: a row of features
 * holds their values one input after the other. */
static int graph_inputs(ox_graph *g, const Onnx__GraphProto *gr, const char *path,
                        hf_error *err)
{
    g->inputs = calloc(gr->n_input + 1, sizeof *g->inputs);
    g->in_off = calloc(gr->n_input + 1, sizeof *g->in_off);
    g->in_names = calloc(gr->n_input + 1, sizeof *g->in_names);
    if (!g->inputs || !g->in_off || !g->in_names)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < gr->n_input; i++) {
        int v = hfml_ox_value(g, gr->input[i]->name ? gr->input[i]->name : "");
        if (v < 0)
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
        if (g->vals[v].defined) /* an initializer, or the same name twice */
            continue;
        int rc = one_input(g, gr->input[i], v, path, err);
        if (rc)
            return rc;
    }
    return g->ninputs ? HF_OK
                      : hfcore_error_set(err, HF_ERR_INVALID, "%s: the graph has no input", path);
}

static int graph_outputs(ox_graph *g, const Onnx__GraphProto *gr, const char *path,
                         hf_error *err)
{
    if (!gr->n_output)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: the graph has no output", path);
    if (!(g->outputs = calloc(gr->n_output, sizeof *g->outputs)))
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    for (size_t o = 0; o < gr->n_output; o++) {
        const char *name = gr->output[o]->name ? gr->output[o]->name : "";
        int v = hfml_ox_value(g, name);
        if (v < 0)
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
        if (!g->vals[v].defined || !g->vals[v].batched)
            return hfcore_error_set(err, HF_ERR_INVALID, "%s: output '%s' %s", path, name,
                                g->vals[v].defined ? "does not depend on the input"
                                                   : "is not computed by any node");
        g->outputs[g->noutputs++] = v;
    }
    return HF_OK;
}

static int opset(const Onnx__ModelProto *mp)
{
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const char *d = mp->opset_import[i]->domain;
        if (!d || !d[0] || !strcmp(d, "ai.onnx"))
            return (int)mp->opset_import[i]->version;
    }
    return 1;
}

/* Work offsets: every event-dependent value computed by a step gets a
 * chunk of its own (aliases take none), and so do the inputs when there
 * are several (a row of features is split into them). */
static void layout(ox_graph *g)
{
    size_t off = 0;
    for (int k = 0; g->ninputs > 1 && k < g->ninputs; k++) {
        ox_val *v = &g->vals[g->inputs[k]];
        v->off = off;
        off += (OX_CHUNK * v->size + 15) / 16 * 16;
    }
    for (int i = 0; i < g->nsteps; i++) {
        ox_val *v = &g->vals[g->steps[i].out];
        if (g->steps[i].op == OX_ALIAS)
            continue;
        v->off = off;
        off += (OX_CHUNK * v->size + 15) / 16 * 16;
    }
    g->work = off + ((size_t)g->nvals * sizeof(float *) + sizeof(float) - 1) / sizeof(float) +
              16;
}

static int compile(ox_graph *g, const Onnx__ModelProto *mp, const char *path, hf_error *err)
{
    const Onnx__GraphProto *gr = mp->graph;
    if (!gr || !mp->has_ir_version || gr->n_node == 0)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: not an ONNX model (no graph, IR "
                            "version or nodes)", path);
    g->opset = opset(mp);
    int rc = initializers(g, gr, path, err);
    if (!rc)
        rc = graph_inputs(g, gr, path, err);
    for (size_t k = 0; !rc && k < gr->n_node; k++)
        rc = hfml_ox_node(g, gr->node[k], (int)k, path, err);
    if (!rc)
        rc = graph_outputs(g, gr, path, err);
    if (!rc)
        layout(g);
    return rc;
}

static int out_count(const ox_graph *g)
{
    size_t K = 0;
    for (int o = 0; o < g->noutputs; o++)
        K += g->vals[g->outputs[o]].size;
    return K > 1 << 20 ? -1 : (int)K;
}

int hfml_onnx_load(const char *path, hf_ml_backend *be, hf_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = hfml_file_bytes(path, &data, &len, err);
    if (rc)
        return rc;
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, data);
    free(data);
    if (!mp)
        return hfcore_error_set(err, HF_ERR_PARSE, "%s: not an ONNX model (the protobuf cannot "
                            "be decoded: truncated or another kind of file)", path);
    ox_graph *g = calloc(1, sizeof *g);
    rc = g ? compile(g, mp, path, err) : hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                                                      path);
    onnx__model_proto__free_unpacked(mp, NULL);
    int K = rc ? 0 : out_count(g);
    if (!rc && K <= 0)
        rc = hfcore_error_set(err, HF_ERR_INVALID, "%s: the outputs have %d values per event",
                          path, K);
    if (rc) {
        hfml_ox_graph_free(g);
        return rc;
    }
    be->format = "onnx";
    be->nin = g->in_off[g->ninputs];
    be->ninputs = g->ninputs;
    be->input_names = g->in_names;
    be->input_off = g->in_off;
    be->nout = K;
    be->chunk = OX_CHUNK;
    be->work_floats = g->work;
    be->impl = g;
    be->eval = hfml_ox_run;
    be->free = hfml_ox_graph_free;
    return HF_OK;
}
