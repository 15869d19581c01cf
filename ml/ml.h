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
 * on one backend, each with its own `work` of work_floats floats (0: none). */
typedef struct hf_ml_backend {
    const char *format;      /* "onnx", "tmva", "xgboost" */
    int nin, nout;
    char **in_names;         /* nin names the file gives, or NULL */
    int chunk;               /* rows per eval call (0: any count) */
    size_t work_floats;      /* per-thread scratch, in floats */
    void *impl;
    int (*eval)(const void *impl, const float *x, size_t n, double *out,
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

char *hfml_strdup(const char *s);
void hfml_free_names(char **names, int n);

#endif
