/*
 * onnx_run.c - runs a compiled ONNX graph on a chunk of events.  Each
 * thread brings its own work area, so one graph serves every thread.
 */
#include <stdlib.h>
#include <string.h>

#include "onnx.h"

/* Where value v lives for this chunk. */
static const float *at(const ox_graph *g, const float **ptr, int v)
{
    return g->vals[v].batched ? ptr[v] : g->vals[v].f;
}

static void concat(const ox_graph *g, const ox_step *s, const float **ptr, float *y,
                   size_t outer)
{
    for (size_t o = 0; o < outer; o++)
        for (int q = 0; q < s->nconcat; q++) {
            size_t c = s->csize[q];
            memcpy(y, at(g, ptr, s->cin[q]) + o * c, c * sizeof *y);
            y += c;
        }
}

/* Step s on the chunk's n events (the first is event `first` of the
 * caller's): only an embedding's bad index fails. */
static int step(const ox_graph *g, const ox_step *s, const float **ptr, float *work,
                size_t n, size_t first, hf_error *err)
{
    const ox_val *ov = &g->vals[s->out];
    const float *x = at(g, ptr, s->in[0]);
    float *y = work + ov->off;
    if (s->op == OX_ALIAS) {
        ptr[s->out] = x;
        return HF_OK;
    }
    ptr[s->out] = y;
    switch (s->op) {
    case OX_GEMM:
        hfml_ox_gemm(x, s->w, s->bias, y, n * s->rows, s->k, s->m);
        break;
    case OX_BINARY: {
        int64_t dims[OX_MAXR];
        memcpy(dims, s->dims, sizeof dims);
        dims[0] = (int64_t)n;
        hfml_ox_binary(s->bin, s->rank, dims, x, s->sa, at(g, ptr, s->in[1]), s->sb, y);
        break;
    }
    case OX_SOFTMAX:
        hfml_ox_softmax(x, y, n * s->outer, s->n, s->inner);
        break;
    case OX_BATCHNORM:
        hfml_ox_batchnorm(s, x, y, n * s->outer);
        break;
    case OX_CONCAT:
        concat(g, s, ptr, y, n * s->outer);
        break;
    case OX_GATHER:
        hfml_ox_gather(x, y, n * s->outer, s->n, s->inner, s->idx, s->nidx);
        break;
    case OX_EMBED:
        return hfml_ox_embed(s, x, at(g, ptr, s->in[1]), y, n, first, err);
    default:
        hfml_ox_unary(s, x, y, n * ov->size);
        break;
    }
    return HF_OK;
}

/* The n rows of x split into the graph's inputs (their own chunks when
 * there are several). */
static void split(const ox_graph *g, const float *x, size_t n, const float **ptr, float *work)
{
    if (g->ninputs == 1) {
        ptr[g->inputs[0]] = x;
        return;
    }
    size_t F = (size_t)g->in_off[g->ninputs];
    for (int k = 0; k < g->ninputs; k++) {
        const ox_val *v = &g->vals[g->inputs[k]];
        float *y = work + v->off;
        for (size_t e = 0; e < n; e++)
            memcpy(y + e * v->size, x + e * F + g->in_off[k], v->size * sizeof *y);
        ptr[g->inputs[k]] = y;
    }
}

int hfml_ox_run(const void *impl, const float *x, size_t n, size_t first, double *out,
                float *work, hf_error *err)
{
    const ox_graph *g = impl;
    /* the per-chunk pointer of each value, at the start of the work */
    const float **ptr = (const float **)(void *)work;
    work += ((size_t)g->nvals * sizeof *ptr + sizeof(float) - 1) / sizeof(float) + 16;
    split(g, x, n, ptr, work);
    for (int i = 0; i < g->nsteps; i++) {
        int rc = step(g, &g->steps[i], ptr, work, n, first, err);
        if (rc)
            return rc;
    }
    size_t K = 0;
    for (int o = 0; o < g->noutputs; o++)
        K += g->vals[g->outputs[o]].size;
    for (size_t e = 0; e < n; e++) {
        double *oe = out + e * K;
        for (int o = 0; o < g->noutputs; o++) {
            const ox_val *v = &g->vals[g->outputs[o]];
            const float *src = ptr[g->outputs[o]] + e * v->size;
            for (size_t j = 0; j < v->size; j++)
                *oe++ = src[j];
        }
    }
    return HF_OK;
}

void hfml_ox_graph_free(void *impl)
{
    ox_graph *g = impl;
    if (!g)
        return;
    for (int i = 0; i < g->nvals; i++) {
        free(g->vals[i].name);
        free(g->vals[i].f);
        free(g->vals[i].i);
    }
    for (int i = 0; i < g->nsteps; i++) {
        ox_step *s = &g->steps[i];
        free(s->w);
        free(s->bias);
        free(s->a);
        free(s->c);
        free(s->idx);
        free(s->where);
        free(s->cin);
        free(s->csize);
    }
    free(g->vals);
    free(g->steps);
    free(g->outputs);
    free(g->inputs);
    free(g->in_off);
    free(g->in_names);
    free(g);
}
