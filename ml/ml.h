/*
 * ml.h - declarations shared by the files of ml/, the layer that applies
 * published classifiers (ONNX networks, TMVA BDTs, XGBoost models) to
 * event features.  Not installed: the public calls are hf_ml_* in hf.h.
 *
 * A loaded model is a backend (one per format) behind one handle: the
 * handle owns the feature names and the preprocessing (offsets, scales)
 * and hands each backend rows already in its input order and scaling.
 */
#ifndef HF_ML_H
#define HF_ML_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* One format's model.  eval computes n rows of nin float inputs into
 * n rows of nout doubles; it may be called from several threads at once
 * on one backend, each with its own `work` of work_floats floats (0: none).
 * `first` is the number of the first row among the caller's events, for
 * messages about one event (an embedding index out of range). */
typedef struct hf_ml_backend {
    const char *format;      /* "onnx", "tmva", "xgboost" */
    int nin, nout;
    char **in_names;         /* nin names the file gives, or NULL */
    int ninputs;             /* ONNX: the graph's inputs (0: one, unnamed) */
    const char *const *input_names; /* their names, owned by impl */
    const int *input_off;    /* ninputs + 1: where each starts in a row */
    int chunk;               /* rows per eval call (0: any count) */
    size_t work_floats;      /* per-thread scratch, in floats */
    void *impl;
    int (*eval)(const void *impl, const float *x, size_t n, size_t first, double *out,
                float *work, hf_error *err);
    void (*free)(void *impl);
} hf_ml_backend;

struct hf_ml {
    char *source;            /* the model file */
    hf_ml_backend be;
    char **names;            /* nin feature names (prep's, else the file's) */
    double *offset, *scale;  /* model input j = (x[j] - offset[j]) * scale[j] */
    char **out_names;        /* nout output names */
    int threads;
};

/* The backends.  Each reads `path` and fills *be (zeroed by the caller);
 * on failure it releases what it made and fills err naming path. */
int hfml_onnx_load(const char *path, hf_ml_backend *be, hf_error *err);
int hfml_tmva_load(const char *path, hf_ml_backend *be, hf_error *err);
int hfml_xgb_load(const char *path, hf_ml_backend *be, hf_error *err);

/* Reads the preprocessing JSON at `path` into m (names, offsets, scales,
 * optional output names), checked against the backend's input count. */
int hfml_prep_read(const char *path, struct hf_ml *m, hf_error *err);

/* A whole file in memory (binary-safe), its length in *len. */
int hfml_file_bytes(const char *path, unsigned char **data, size_t *len,
                     hf_error *err);

/* Decision trees in a flat complete layout (forest.c), shared by the TMVA
 * and XGBoost backends.  A source node: a leaf when var < 0 (its value),
 * else child[1] when x[var] >= thr (as floats), child[0] otherwise. */
typedef struct hfml_tnode {
    int var;
    float thr, value;
    int child[2];
} hfml_tnode;

#define HFML_FOREST_MAXDEPTH 10 /* deeper trees: 2^D floats each, too many */

typedef struct hfml_forest hfml_forest;
typedef struct hfml_fq hfml_fq;
hfml_forest *hfml_forest_new(int ntrees);
void hfml_forest_free(hfml_forest *f);
/* Tree t from nnodes source nodes rooted at root: 0, or -1 when deeper
 * than HFML_FOREST_MAXDEPTH (or cyclic), -2 for a child index out of
 * range, -3 out of memory. */
int hfml_forest_set(hfml_forest *f, int t, const hfml_tnode *nodes, int nnodes, int root);
/* After the last hfml_forest_set: nv features per event.  Chooses the
 * quantised evaluation (forest_q.c) where it applies; 0, or -3 out of
 * memory. */
int hfml_forest_finish(hfml_forest *f, int nv);
/* 1 when hfml_forest_finish chose the quantised evaluation (for tests). */
int hfml_forest_quantised(const hfml_forest *f);
#define HFML_FOREST_CHUNK 256 /* events per hfml_forest_tree call, at most */
/* n <= HFML_FOREST_CHUNK events' rows (nv floats each) into xt feature by
 * feature, the layout hfml_forest_tree reads: floats, or the quantised
 * bins when hfml_forest_finish chose them (nv * HFML_FOREST_CHUNK floats
 * of room either way). */
void hfml_forest_prepare(const hfml_forest *f, const float *x, size_t n, size_t nv,
                         void *xt);
/* Tree t's leaf values v[0..n) for the n events of xt (prepared, see
 * above); v: HFML_FOREST_CHUNK floats of room; work: n integers of
 * scratch. */
void hfml_forest_tree(const hfml_forest *f, int t, const void *xt, size_t n, float *v,
                      uint32_t *work);
/* All trees' leaves summed into acc[0..n) (acc, v: HFML_FOREST_CHUNK of
 * room), tree after tree as acc[e] += w[t] * leaf (doubles; w NULL: 1) or
 * acc[e] += leaf (floats, _sumf); v and work as for hfml_forest_tree. */
void hfml_forest_sum(const hfml_forest *f, const void *xt, size_t n, const double *w,
                     double *acc, float *v, uint32_t *work);
void hfml_forest_sumf(const hfml_forest *f, const void *xt, size_t n, float *acc, float *v,
                      uint32_t *work);

/* The quantised trees (forest_q.c), for forest.c.  Depth at most
 * HFML_FQ_DEPTH; thresholds per feature at most HFML_FQ_MAXBINS. */
#define HFML_FQ_DEPTH 6
#define HFML_FQ_MAXBINS 32767
/* From the forest's internal nodes (var: feature or -1, thr: threshold;
 * tree t's from ioff[t], depth[t] deep): *q stays NULL when a feature has
 * too many thresholds or a NaN one; 0, or -3 out of memory. */
int hfml_fq_new(hfml_fq **q, int nv, const int *var, const float *thr, size_t ninternal,
                const size_t *ioff, const int *depth, int ntrees);
void hfml_fq_free(hfml_fq *q);
void hfml_fq_quantise(const hfml_fq *q, const float *x, size_t n, void *xq);
/* One tree of depth D whose nodes start at internal node ioff (off: their
 * features' offsets, leaf: its leaves) on the n events of xq: leaves
 * stored in out (mode 0), added to out (1) or w times added to acc (2);
 * out, acc: HFML_FOREST_CHUNK of room. */
void hfml_fq_tree(const hfml_fq *q, int D, const int *off, size_t ioff, const float *leaf,
                  const void *xq, size_t n, int mode, float *out, double *acc, double w);

/* An XGBoost model's trees, flat, evaluated by hf (xgb_flat.c): NULL when
 * the model has what that does not do (xgb.c then keeps XGBoost's own
 * predictor).  booster: XGBoost's BoosterHandle; one output; api: the
 * library's functions (xgbapi.h). */
typedef struct hfml_xgbf hfml_xgbf;
union hfml_xgb_api;
hfml_xgbf *hfml_xgbf_new(const union hfml_xgb_api *api, void *booster, int nin);
void hfml_xgbf_free(hfml_xgbf *x);
/* n <= HFML_FOREST_CHUNK events; out: HFML_FOREST_CHUNK floats of room;
 * work: (nin + 2) * HFML_FOREST_CHUNK floats. */
void hfml_xgbf_eval(const hfml_xgbf *x, const float *in, size_t n, float *out, float *work);
/* Probe event r (nin floats): split thresholds and their neighbours, the
 * values where a wrong comparison would show. */
void hfml_xgbf_probe(const hfml_xgbf *x, int r, float *row);

char *hfml_strdup(const char *s);
void hfml_free_names(char **names, int n);

#endif
