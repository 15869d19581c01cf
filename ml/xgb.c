/*
 * xgb.c - XGBoost models (JSON, UBJSON or the old binary format) through
 * libxgboost's C API: XGBoost reads them.  The trees are then evaluated
 * by hf itself (xgb_flat.c) when it does them and agrees with XGBoost on
 * probe events to the bit; otherwise XGBoost predicts, on its own
 * threads, one call at a time per model (its results live in a buffer it
 * reuses), hence the lock.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "xgbapi.h"

typedef struct xgb {
    const hfml_xgb_api *x;   /* libxgboost, opened at the first model */
    BoosterHandle h;
    int nin, nout;
    pthread_mutex_t lock;
    hfml_xgbf *flat;         /* hf's evaluation, or NULL */
} xgb;

#define NPROBE 256 /* probe events checked at load */

/* XGBoost's last error, its first line only (it may append a trace). */
static int xgb_error(const xgb *m, hf_error *err, int code, const char *path,
                     const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", m->x->XGBGetLastError());
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
    if (m->x->XGBoosterPredictFromDense(m->h, values, config, NULL, &shape, &dim, res))
        return -1;
    *len = 1;
    for (bst_ulong d = 0; d < dim; d++)
        *len *= (size_t)shape[d];
    return 0;
}

static int xgb_eval(const void *impl, const float *x, size_t n, size_t first, double *out,
                    float *work, hf_error *err)
{
    xgb *m = (xgb *)impl;
    (void)first;
    if (m->flat) {
        float *res = work + ((size_t)m->nin + 2) * HFML_FOREST_CHUNK;
        hfml_xgbf_eval(m->flat, x, n, res, work);
        for (size_t i = 0; i < n; i++)
            out[i] = res[i];
        return HF_OK;
    }
    const float *res;
    size_t len = 0;
    int rc = HF_OK;
    pthread_mutex_lock(&m->lock);
    if (predict(m, x, n, &res, &len))
        rc = xgb_error(m, err, HF_ERR_NUMERIC, "XGBoost", "prediction failed");
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
    if (m->h)
        m->x->XGBoosterFree(m->h);
    hfml_xgbf_free(m->flat);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* The feature names the model carries, if it names all. */
static char **names(const xgb *m, int nin)
{
    bst_ulong len = 0;
    const char **f = NULL;
    if (m->x->XGBoosterGetStrFeatureInfo(m->h, "feature_name", &len, &f) ||
        len != (bst_ulong)nin)
        return NULL;
    char **out = calloc((size_t)nin, sizeof *out);
    for (int i = 0; out && i < nin; i++)
        if (!(out[i] = hfml_strdup(f[i]))) {
            hfml_free_names(out, nin);
            return NULL;
        }
    return out;
}

/* hf's flat trees, kept only if XGBoost predicts the same floats on the
 * probe events (thresholds and their neighbours). */
static hfml_xgbf *flat(xgb *m)
{
    hfml_xgbf *f = m->nout == 1 ? hfml_xgbf_new(m->x, m->h, m->nin) : NULL;
    size_t F = (size_t)m->nin, len = 0;
    float *x = f ? malloc(NPROBE * F * sizeof *x) : NULL;
    float *ours = malloc((NPROBE + (F + 2) * HFML_FOREST_CHUNK) * sizeof *ours);
    const float *res;
    int same = x && ours;
    for (int r = 0; same && r < NPROBE; r++)
        hfml_xgbf_probe(f, r, x + (size_t)r * F);
    if (same)
        hfml_xgbf_eval(f, x, NPROBE, ours, ours + NPROBE);
    same = same && !predict(m, x, NPROBE, &res, &len) && len == NPROBE;
    for (int r = 0; same && r < NPROBE; r++)
        same = !memcmp(&ours[r], &res[r], sizeof *res);
    free(x);
    free(ours);
    if (!same) {
        hfml_xgbf_free(f);
        f = NULL;
    }
    return f;
}

#define NOT_A_MODEL "not an XGBoost model (JSON, UBJSON or binary, as libxgboost reads them)"
#define BIN_PARAMS 136 /* the old binary format's parameter block, bytes */

/* Why the file cannot be a model libxgboost reads, or NULL.  libxgboost
 * 1.7 throws from deep inside on other files (a length_error or bad_alloc
 * whose text names neither file nor format), so their first bytes are
 * checked as libxgboost dispatches on them: a name ending in .json or
 * .ubj must begin with '{'; any other name is JSON when it begins with
 * '{' (after an optional "binf"), else the old binary format: the
 * parameter block, then the objective's name ("binary:logistic") as a
 * 64-bit little-endian length and printable bytes. */
static const char *not_a_model(FILE *f, const char *path)
{
    unsigned char b[4 + BIN_PARAMS + 8 + 256];
    size_t n = fread(b, 1, sizeof b, f), at = n >= 4 && !memcmp(b, "binf", 4) ? 4 : 0;
    const char *ext = strrchr(path, '.');
    if (ext && (!strcasecmp(ext, ".json") || !strcasecmp(ext, ".ubj")))
        return n && b[0] == '{' ? NULL : "a .json or .ubj name, but the file does not begin "
                                         "with '{'";
    if (n > at && b[at] == '{')
        return NULL;
    uint64_t len = 0;
    for (int q = 7; q >= 0 && n >= at + BIN_PARAMS + 8; q--)
        len = len << 8 | b[at + BIN_PARAMS + (size_t)q];
    int named = len >= 1 && len <= 256 && n >= at + BIN_PARAMS + 8 + len;
    for (size_t q = 0; named && q < len; q++)
        named = b[at + BIN_PARAMS + 8 + q] >= 0x20 && b[at + BIN_PARAMS + 8 + q] <= 0x7e;
    return named ? NULL : "neither JSON (no '{' first) nor the binary format (no objective's "
                          "name after its header)";
}

int hfml_xgb_load(const char *path, hf_ml_backend *be, hf_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) /* XGBoost's own message for this is a long trace */
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot open", path);
    const char *why = not_a_model(f, path);
    fclose(f);
    if (why)
        return hfcore_error_set(err, HF_ERR_PARSE, "%s: " NOT_A_MODEL ": %s", path, why);
    const hfml_xgb_api *x;
    int rc = hfml_xgb_api_get(&x, path, err);
    if (rc)
        return rc;
    xgb *m = calloc(1, sizeof *m);
    if (!m)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    m->x = x;
    pthread_mutex_init(&m->lock, NULL);
    bst_ulong nf = 0;
    if (x->XGBoosterCreate(NULL, 0, &m->h))
        rc = xgb_error(m, err, HF_ERR_NOMEM, path, "cannot create a booster");
    else if (x->XGBoosterLoadModel(m->h, path))
        rc = xgb_error(m, err, HF_ERR_PARSE, path, NOT_A_MODEL ": libxgboost");
    else if (x->XGBoosterGetNumFeature(m->h, &nf) || nf < 1 || nf > 1 << 20)
        rc = hfcore_error_set(err, HF_ERR_INVALID, "%s: the model has no features", path);
    m->nin = (int)nf;
    float *zero = rc ? NULL : calloc(nf, sizeof *zero);
    const float *res;
    size_t len = 0;
    if (!rc && (!zero || predict(m, zero, 1, &res, &len) || len < 1 || len > 1 << 20))
        rc = xgb_error(m, err, HF_ERR_INVALID, path, "the model does not predict");
    free(zero);
    if (rc) {
        xgb_free(m);
        return rc;
    }
    m->nout = (int)len;
    be->format = "xgboost";
    be->nin = m->nin;
    be->nout = m->nout;
    be->in_names = names(m, m->nin);
    m->flat = flat(m);
    if (m->flat) {
        be->chunk = HFML_FOREST_CHUNK;
        be->work_floats = ((size_t)m->nin + 3) * HFML_FOREST_CHUNK;
    }
    be->impl = m;
    be->eval = xgb_eval;
    be->free = xgb_free;
    return HF_OK;
}
