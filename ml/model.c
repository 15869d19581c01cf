/*
 * model.c - the hf_ml handle: picks the backend for a model file, applies
 * the preprocessing and runs the backend over events in parallel.
 */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"

void hf_ml_options_init(hf_ml_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->version = HF_ML_OPTIONS_VERSION;
}

char *hfml_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void hfml_free_names(char **names, int n)
{
    if (!names)
        return;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int hfml_file_bytes(const char *path, unsigned char **data, size_t *len,
                     hf_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t r = 1; buf && r;) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        n += r = fread(buf + n, 1, cap - n, f);
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    if (bad) {
        free(buf);
        return hfcore_error_set(err, HF_ERR_IO, "%s: read error", path);
    }
    *data = buf;
    *len = n;
    return HF_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* The format from the name, else from the first non-blank byte: '<' is
 * XML (TMVA), '{' JSON (XGBoost), anything else a protobuf (ONNX). */
static const char *guess_format(const char *path)
{
    if (ends_with(path, ".onnx"))
        return "onnx";
    if (ends_with(path, ".xml"))
        return "tmva";
    if (ends_with(path, ".json") || ends_with(path, ".ubj") || ends_with(path, ".bst") ||
        ends_with(path, ".model"))
        return "xgboost";
    FILE *f = fopen(path, "rb");
    int c = EOF;
    if (f) {
        while ((c = fgetc(f)) == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xEF ||
               c == 0xBB || c == 0xBF)
            ;
        fclose(f);
    }
    return c == '<' ? "tmva" : c == '{' ? "xgboost" : "onnx";
}

static int default_names(hf_ml *m, hf_error *err)
{
    int nin = m->be.nin, nout = m->be.nout;
    m->offset = malloc((size_t)nin * sizeof *m->offset);
    m->scale = malloc((size_t)nin * sizeof *m->scale);
    if (!m->offset || !m->scale)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", m->source);
    for (int j = 0; j < nin; j++) {
        m->offset[j] = 0;
        m->scale[j] = 1;
    }
    if (m->be.in_names) {
        m->names = m->be.in_names;
        m->be.in_names = NULL;
    }
    if (!(m->out_names = calloc((size_t)nout, sizeof *m->out_names)))
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", m->source);
    for (int k = 0; k < nout; k++) {
        char b[32];
        if (nout == 1)
            snprintf(b, sizeof b, "score");
        else
            snprintf(b, sizeof b, "score%d", k);
        if (!(m->out_names[k] = hfml_strdup(b)))
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", m->source);
    }
    return HF_OK;
}

int hf_ml_load(const char *path, const hf_ml_options *opt, hf_ml **out, hf_error *err)
{
    if (!path || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_ml_load: NULL argument");
    *out = NULL;
    hf_error local;
    if (!err) /* the backends' messages need somewhere to go */
        err = &local;
    hf_ml_options defaults;
    hf_ml_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    if (opt->version != HF_ML_OPTIONS_VERSION)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hf_ml_load: options version %d (this library has %d: "
                            "call hf_ml_options_init)", opt->version, HF_ML_OPTIONS_VERSION);
    const char *fmt = opt->format ? opt->format : guess_format(path);
    hf_ml *m = calloc(1, sizeof *m);
    if (!m || !(m->source = hfml_strdup(path))) {
        free(m);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    }
    m->threads = opt->threads;
    int rc;
    if (!strcmp(fmt, "onnx"))
        rc = hfml_onnx_load(path, &m->be, err);
    else if (!strcmp(fmt, "tmva"))
        rc = hfml_tmva_load(path, &m->be, err);
    else if (!strcmp(fmt, "xgboost"))
        rc = hfml_xgb_load(path, &m->be, err);
    else
        rc = hfcore_error_set(err, HF_ERR_ARG, "%s: unknown model format '%s' (onnx, tmva, "
                          "xgboost)", path, fmt);
    if (!rc)
        rc = default_names(m, err);
    if (!rc && opt->preprocessing)
        rc = hfml_prep_read(opt->preprocessing, m, err);
    if (rc) {
        hf_ml_free(m);
        return rc;
    }
    *out = m;
    return HF_OK;
}

void hf_ml_free(hf_ml *m)
{
    if (!m)
        return;
    if (m->be.free)
        m->be.free(m->be.impl);
    hfml_free_names(m->be.in_names, m->be.nin);
    hfml_free_names(m->names, m->be.nin);
    hfml_free_names(m->out_names, m->be.nout);
    free(m->offset);
    free(m->scale);
    free(m->source);
    free(m);
}

const char *hf_ml_format(const hf_ml *m) { return m ? m->be.format : NULL; }
int hf_ml_nfeatures(const hf_ml *m) { return m ? m->be.nin : 0; }
int hf_ml_noutputs(const hf_ml *m) { return m ? m->be.nout : 0; }

const char *hf_ml_feature_name(const hf_ml *m, int i)
{
    return m && m->names && i >= 0 && i < m->be.nin ? m->names[i] : NULL;
}

const char *hf_ml_output_name(const hf_ml *m, int k)
{
    return m && k >= 0 && k < m->be.nout ? m->out_names[k] : NULL;
}

static int check_finite(const hf_ml *m, const double *x, size_t n, hf_error *err)
{
    size_t F = (size_t)m->be.nin;
    for (size_t i = 0; i < n * F; i++)
        if (!isfinite(x[i])) {
            const char *name = hf_ml_feature_name(m, (int)(i % F));
            char b[32];
            if (!name) {
                snprintf(b, sizeof b, "%zu", i % F);
                name = b;
            }
            return hfcore_error_set(err, HF_ERR_NUMERIC, "%s: event %zu: feature '%s' is %g",
                                m->source, i / F, name, x[i]);
        }
    return HF_OK;
}

/* Rows [i0, i0+n) scaled into float inputs, evaluated into out. */
static int eval_rows(const hf_ml *m, const double *x, size_t i0, size_t n, double *out,
                     float *in, float *work, hf_error *err)
{
    size_t F = (size_t)m->be.nin, K = (size_t)m->be.nout;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < F; j++)
            in[i * F + j] =
                (float)((x[(i0 + i) * F + j] - m->offset[j]) * m->scale[j]);
    return m->be.eval(m->be.impl, in, n, i0, out + i0 * K, work, err);
}

int hf_ml_eval(const hf_ml *m, const double *x, size_t n, double *out, hf_error *err)
{
    if (!m || !x || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_ml_eval: NULL argument");
    int rc = check_finite(m, x, n, err);
    if (rc || n == 0)
        return rc;
    /* a chunk of rows per call keeps a network's activations in cache;
     * backends without a limit (XGBoost threads itself) get every row */
    size_t chunk = m->be.chunk > 0 ? (size_t)m->be.chunk : n;
    size_t nchunks = (n + chunk - 1) / chunk, F = (size_t)m->be.nin;
    int threads = m->threads, failed = 0;
    hf_error first = {0};
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads()) if (nchunks > 1)
    {
        /* the backend's work starts 64-byte aligned past the inputs */
        size_t inlen = (chunk * F + 15) / 16 * 16;
        float *in = malloc((inlen + m->be.work_floats + 1) * sizeof *in);
        hf_error e = {0};
#pragma omp for schedule(dynamic)
        for (size_t c = 0; c < nchunks; c++) {
            size_t i0 = c * chunk, len = n - i0 < chunk ? n - i0 : chunk;
            int r = !in ? hfcore_error_set(&e, HF_ERR_NOMEM, "%s: out of memory", m->source)
                        : eval_rows(m, x, i0, len, out, in, in + inlen, &e);
            if (r) {
#pragma omp critical(hf_ml_eval_err)
                if (!failed++)
                    first = e;
            }
        }
        free(in);
    }
    if (failed) {
        if (err)
            *err = first;
        return first.code ? first.code : HF_ERR_NUMERIC;
    }
    return HF_OK;
}
