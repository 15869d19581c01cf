/*
 * xgb.c - XGBoost models (JSON, UBJSON or the old binary format) through
 * libxgboost's C API: XGBoost reads and predicts, we only hand it rows.
 * Prediction runs on XGBoost's own threads, one call at a time per model
 * (its results live in a buffer it reuses), hence the lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "ml.h"

typedef struct xgb {
    BoosterHandle h;
    int nin, nout;
    pthread_mutex_t lock;
} xgb;

/* XGBoost's last error, its first line only (it may append a trace). */
static int xgb_error(hf_error *err, int code, const char *path, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", XGBGetLastError());
    msg[strcspn(msg, "\n")] = '\0';
    return hfcore_error_set(err, code, "%s: %s: %s", path, what, msg);
}

/* n rows of x through the model; *res points into XGBoost's buffer. */
static int predict(const xgb *m, const float *x, size_t n, const float **res, size_t *len)
{
    char values[256];
    snprintf(values, sizeof values,
             "{\"data\": [%llu, true], \"shape\": [%zu, %d], \"typestr\": \"<f4\", "
             "\"version\": 3}",
             (unsigned long long)(uintptr_t)x, n, m->nin);
    static const char config[] =
        "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
        "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
    const bst_ulong *shape;
    bst_ulong dim;
    if (XGBoosterPredictFromDense(m->h, values, config, NULL, &shape, &dim, res))
        return -1;
    *len = 1;
    for (bst_ulong d = 0; d < dim; d++)
        *len *= (size_t)shape[d];
    return 0;
}

static int xgb_eval(const void *impl, const float *x, size_t n, double *out, float *work,
                    hf_error *err)
{
    xgb *m = (xgb *)impl;
    const float *res;
    size_t len = 0;
    int rc = HF_OK;
    pthread_mutex_lock(&m->lock);
    if (predict(m, x, n, &res, &len))
        rc = xgb_error(err, HF_ERR_NUMERIC, "XGBoost", "prediction failed");
    else if (len != n * (size_t)m->nout)
        rc = hfcore_error_set(err, HF_ERR_NUMERIC, "XGBoost: %zu predictions for %zu events",
                          len, n);
    else
        for (size_t i = 0; i < len; i++)
            out[i] = res[i];
    pthread_mutex_unlock(&m->lock);
    (void)work;
    return rc;
}

static void xgb_free(void *impl)
{
    xgb *m = impl;
    if (!m)
        return;
    XGBoosterFree(m->h);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* The feature names the model carries, if it names all. */
static char **names(BoosterHandle h, int nin)
{
    bst_ulong len = 0;
    const char **f = NULL;
    if (XGBoosterGetStrFeatureInfo(h, "feature_name", &len, &f) || len != (bst_ulong)nin)
        return NULL;
    char **out = calloc((size_t)nin, sizeof *out);
    for (int i = 0; out && i < nin; i++)
        if (!(out[i] = hfml_strdup(f[i]))) {
            hfml_free_names(out, nin);
            return NULL;
        }
    return out;
}

int hfml_xgb_load(const char *path, hf_ml_backend *be, hf_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) /* XGBoost's own message for this is a long trace */
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot open", path);
    fclose(f);
    xgb *m = calloc(1, sizeof *m);
    if (!m)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    pthread_mutex_init(&m->lock, NULL);
    bst_ulong nf = 0;
    int rc = HF_OK;
    if (XGBoosterCreate(NULL, 0, &m->h))
        rc = xgb_error(err, HF_ERR_NOMEM, path, "cannot create a booster");
    else if (XGBoosterLoadModel(m->h, path))
        rc = xgb_error(err, HF_ERR_PARSE, path, "not an XGBoost model");
    else if (XGBoosterGetNumFeature(m->h, &nf) || nf < 1 || nf > 1 << 20)
        rc = hfcore_error_set(err, HF_ERR_INVALID, "%s: the model has no features", path);
    m->nin = (int)nf;
    float *zero = rc ? NULL : calloc(nf, sizeof *zero);
    const float *res;
    size_t len = 0;
    if (!rc && (!zero || predict(m, zero, 1, &res, &len) || len < 1 || len > 1 << 20))
        rc = xgb_error(err, HF_ERR_INVALID, path, "the model does not predict");
    free(zero);
    if (rc) {
        xgb_free(m);
        return rc;
    }
    m->nout = (int)len;
    be->format = "xgboost";
    be->nin = m->nin;
    be->nout = m->nout;
    be->in_names = names(m->h, m->nin);
    be->impl = m;
    be->eval = xgb_eval;
    be->free = xgb_free;
    return HF_OK;
}
