/*
 * prep.c - the preprocessing JSON declared beside a model:
 *   {"features": [{"name": "pt", "index": 0, "offset": 0, "scale": 0.01}, ...],
 *    "outputs": ["p_signal"]}
 * names the model's inputs (in input order, or at "index") with the
 * offset and scale that turn a feature into the input the model was
 * trained on: input = (x - offset) * scale.  For an ONNX graph with
 * several inputs, "input": "NAME" says which graph input the feature
 * feeds and "index" is then its place in that input (flattened); without
 * "input", "index" counts along the inputs one after the other.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"

static int number(const cJSON *o, const char *key, double dflt, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return -1;
    *out = v->valuedouble;
    return 0;
}

/* The graph input named by entry i's "input": its first feature in *lo
 * and its size in *n (the whole row when there is no "input"). */
static int input_range(const cJSON *f, int i, const hf_ml *m, int *lo, int *n,
                       const char *path, hf_error *err)
{
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(f, "input");
    *lo = 0;
    *n = m->be.nin;
    if (!in)
        return HF_OK;
    if (!cJSON_IsString(in) || !m->be.ninputs)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: /features/%d/input: %s", path, i,
                                cJSON_IsString(in) ? "the model has no named inputs"
                                                   : "expected the name of a graph input");
    for (int k = 0; k < m->be.ninputs; k++)
        if (!strcmp(m->be.input_names[k], in->valuestring)) {
            *lo = m->be.input_off[k];
            *n = m->be.input_off[k + 1] - *lo;
            return HF_OK;
        }
    return hfcore_error_set(err, HF_ERR_INVALID, "%s: /features/%d/input: the model %s has no "
                            "input '%s'", path, i, m->source, in->valuestring);
}

/* Feature entry i of the array: its index, name, offset and scale. */
static int read_feature(const cJSON *f, int i, int nin, hf_ml *m, char *seen,
                        const char *path, hf_error *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
    double idx, off, sc;
    int lo, n;
    if (!cJSON_IsObject(f) || !cJSON_IsString(name) || !name->valuestring[0])
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: /features/%d: expected an object with a non-empty \"name\"",
                            path, i);
    int rc = input_range(f, i, m, &lo, &n, path, err);
    if (rc)
        return rc;
    if (number(f, "index", i, &idx) || idx != floor(idx) || idx < 0 || idx >= n)
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: /features/%d/index: must be an integer in [0, %d) (the "
                            "%s has %d)", path, i, n, n < nin ? "input" : "model's row", n);
    idx += lo;
    if (number(f, "offset", 0, &off) || number(f, "scale", 1, &sc))
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: /features/%d: offset and scale must be finite numbers",
                            path, i);
    int j = (int)idx;
    if (seen[j]++)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: /features/%d: input %d is declared "
                            "twice", path, i, j);
    for (int k = 0; k < nin; k++)
        if (m->names[k] && !strcmp(m->names[k], name->valuestring))
            return hfcore_error_set(err, HF_ERR_INVALID, "%s: /features/%d: feature name '%s' "
                                "is used twice", path, i, name->valuestring);
    if (!(m->names[j] = hfml_strdup(name->valuestring)))
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    m->offset[j] = off;
    m->scale[j] = sc;
    return HF_OK;
}

static int read_outputs(const cJSON *outs, hf_ml *m, const char *path, hf_error *err)
{
    int nout = m->be.nout;
    if (!outs)
        return HF_OK;
    if (!cJSON_IsArray(outs) || cJSON_GetArraySize(outs) != nout)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: /outputs: expected an array of %d "
                            "names (the model has %d outputs)", path, nout, nout);
    for (int k = 0; k < nout; k++) {
        const cJSON *s = cJSON_GetArrayItem(outs, k);
        if (!cJSON_IsString(s) || !s->valuestring[0])
            return hfcore_error_set(err, HF_ERR_INVALID, "%s: /outputs/%d: expected a "
                                "non-empty name", path, k);
        char *d = hfml_strdup(s->valuestring);
        if (!d)
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
        free(m->out_names[k]);
        m->out_names[k] = d;
    }
    return HF_OK;
}

static int apply(const cJSON *root, hf_ml *m, const char *path, hf_error *err)
{
    int nin = m->be.nin;
    const cJSON *feats = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!cJSON_IsArray(feats))
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: expected an object with a "
                            "\"features\" array", path);
    if (cJSON_GetArraySize(feats) != nin)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: /features: %d features but the model "
                            "%s takes %d inputs", path, cJSON_GetArraySize(feats),
                            m->source, nin);
    hfml_free_names(m->names, nin);
    m->names = calloc((size_t)nin, sizeof *m->names);
    char *seen = calloc((size_t)nin, 1);
    int rc = !m->names || !seen ? hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path)
                                : HF_OK;
    for (int i = 0; !rc && i < nin; i++)
        rc = read_feature(cJSON_GetArrayItem(feats, i), i, nin, m, seen, path, err);
    free(seen);
    if (!rc)
        rc = read_outputs(cJSON_GetObjectItemCaseSensitive(root, "outputs"), m, path, err);
    return rc;
}

int hfml_prep_read(const char *path, hf_ml *m, hf_error *err)
{
    char *text = NULL;
    cJSON *root = NULL;
    int rc = hfcore_file_read(path, &text, NULL, err);
    if (!rc)
        rc = hfcore_json_parse(text, path, &root, err);
    if (!rc)
        rc = apply(root, m, path, err);
    cJSON_Delete(root);
    free(text);
    return rc;
}
