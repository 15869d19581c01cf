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
hfml_forest *hfml_forest_new(int ntrees);
void hfml_forest_free(hfml_forest *f);
/* Tree t from nnodes source nodes rooted at root: 0, or -1 when deeper
 * than HFML_FOREST_MAXDEPTH (or cyclic), -2 for a child index out of
 * range, -3 out of memory. */
int hfml_forest_set(hfml_forest *f, int t, const hfml_tnode *nodes, int nnodes, int root);
#define HFML_FOREST_CHUNK 256 /* events per hfml_forest_tree call, at most */
/* n <= HFML_FOREST_CHUNK events' rows (nv floats each) into xt feature by
 * feature: feature j of event e at xt[j * HFML_FOREST_CHUNK + e], the
 * layout hfml_forest_tree reads (nv * HFML_FOREST_CHUNK floats). */
void hfml_forest_transpose(const float *x, size_t n, size_t nv, float *xt);
/* Tree t's leaf values v[0..n) for the n events of xt (transposed, see
 * above); work: n integers of scratch. */
void hfml_forest_tree(const hfml_forest *f, int t, const float *xt, size_t n, float *v,
                      uint32_t *work);

/* An XGBoost model's trees, flat, evaluated by hf (xgb_flat.c): NULL when
 * the model has what that does not do (xgb.c then keeps XGBoost's own
 * predictor).  booster: XGBoost's BoosterHandle; one output; api: the
 * library's functions (xgbapi.h). */
typedef struct hfml_xgbf hfml_xgbf;
struct hfml_xgb_api;
hfml_xgbf *hfml_xgbf_new(const struct hfml_xgb_api *api, void *booster, int nin);
void hfml_xgbf_free(hfml_xgbf *x);
/* n <= HFML_FOREST_CHUNK events; work: (nin + 2) * HFML_FOREST_CHUNK floats. */
void hfml_xgbf_eval(const hfml_xgbf *x, const float *in, size_t n, float *out, float *work);
/* Probe event r (nin floats): split thresholds and their neighbours, the
 * values where a wrong comparison would show. */
void hfml_xgbf_probe(const hfml_xgbf *x, int r, float *row);

char *hfml_strdup(const char *s);
void hfml_free_names(char **names, int n);

#endif
