/*
 * xgb_flat.c - an XGBoost model's trees in forest.c's flat layout, so that
 * hf evaluates them itself (XGBoost's own predictor walks node structs
 * one event at a time: ten times slower on a 500-tree model).
 *
 * libxgboost stays the parser: it loads the file (any of its formats) and
 * writes the model back as its JSON, from which we take the trees.  The
 * arithmetic is XGBoost's (1.7, src/predictor/cpu_predictor.cc and
 * src/objective/regression_loss.h): a float sum starting at the base
 * margin, tree by tree in order, left when x < split_condition; then the
 * objective's transform in float.  Only what is checked here is taken:
 * gbtree, one output group, numerical splits, and objectives whose
 * transform is the identity or the logistic; anything else stays with
 * XGBoost's predictor.  xgb.c compares the two on probe events at load
 * and keeps XGBoost's if a single bit differs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "xgbapi.h"

struct hfml_xgbf {
    hfml_forest *forest;
    int ntrees, nin, logistic;
    float base;              /* the base margin */
    int nsplit;              /* every split's feature and threshold, */
    int *svar;               /* for the probe events */
    float *sthr;
};

static const cJSON *at(const cJSON *j, const char *path)
{
    char key[64];
    while (j && *path) {
        size_t n = strcspn(path, "/");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        j = cJSON_GetObjectItemCaseSensitive(j, key);
        path += n + (path[n] == '/');
    }
    return j;
}

/* An array of numbers of length n, element i; NAN when not one. */
static double num(const cJSON *a, int i)
{
    const cJSON *e = cJSON_GetArrayItem(a, i);
    return cJSON_IsNumber(e) ? e->valuedouble : NAN;
}

/* "5E-1" (XGBoost writes its parameters as strings) or a number. */
static double param(const cJSON *j)
{
    if (cJSON_IsNumber(j))
        return j->valuedouble;
    return cJSON_IsString(j) ? strtod(j->valuestring, NULL) : NAN;
}

static int split(hfml_xgbf *x, int var, float thr)
{
    if ((x->nsplit & (x->nsplit - 1)) == 0) { /* grow at powers of two */
        size_t cap = x->nsplit ? 2 * (size_t)x->nsplit : 64;
        int *v = realloc(x->svar, cap * sizeof *v);
        if (v)
            x->svar = v;
        float *t = realloc(x->sthr, cap * sizeof *t);
        if (t)
            x->sthr = t;
        if (!v || !t)
            return -1;
    }
    x->svar[x->nsplit] = var;
    x->sthr[x->nsplit++] = thr;
    return 0;
}

/* Tree t from its JSON arrays; 0, or non-zero when it has something the
 * flat layout does not do (categorical splits, a bad index). */
static int tree(hfml_xgbf *x, int t, const cJSON *tj)
{
    const cJSON *lc = at(tj, "left_children"), *rc = at(tj, "right_children"),
                *si = at(tj, "split_indices"), *sc = at(tj, "split_conditions"),
                *st = at(tj, "split_type");
    int n = cJSON_GetArraySize(lc);
    if (n < 1 || n > 1 << 22 || cJSON_GetArraySize(rc) != n || cJSON_GetArraySize(si) != n ||
        cJSON_GetArraySize(sc) != n)
        return -1;
    hfml_tnode *nd = calloc((size_t)n, sizeof *nd);
    int bad = !nd;
    for (int i = 0; i < n && !bad; i++) {
        double l = num(lc, i), r = num(rc, i), v = num(si, i), c = num(sc, i);
        double type = st ? num(st, i) : 0;
        bad = !(l == l && r == r && v >= 0 && v < x->nin && c == c && type == 0);
        /* a leaf's value is in split_conditions (float, as XGBoost keeps it) */
        nd[i] = (hfml_tnode){l < 0 ? -1 : (int)v, (float)c, (float)c, {(int)l, (int)r}};
        if (!bad && l >= 0 && split(x, (int)v, (float)c))
            bad = -1;
    }
    if (!bad)
        bad = hfml_forest_set(x->forest, t, nd, n, 0);
    free(nd);
    return bad;
}

static int model(hfml_xgbf *x, const cJSON *root)
{
    const cJSON *l = at(root, "learner"), *trees = at(l, "gradient_booster/model/trees"),
                *info = at(l, "gradient_booster/model/tree_info"),
                *obj = at(l, "objective/name");
    const char *o = cJSON_IsString(obj) ? obj->valuestring : "";
    double base = param(at(l, "learner_model_param/base_score"));
    double ncls = param(at(l, "learner_model_param/num_class"));
    const cJSON *gb = at(l, "gradient_booster/name");
    if (!cJSON_IsString(gb) || strcmp(gb->valuestring, "gbtree") || !cJSON_IsArray(trees) ||
        !(ncls <= 1) || !(base == base))
        return -1;
    x->logistic = !strcmp(o, "binary:logistic") || !strcmp(o, "reg:logistic");
    if (!x->logistic && strcmp(o, "binary:logitraw") && strcmp(o, "reg:squarederror") &&
        strcmp(o, "reg:linear"))
        return -1;
    if (x->logistic && !(base > 0 && base < 1))
        return -1;
    /* LogisticRegression::ProbToMargin, in float */
    x->base = x->logistic ? -logf(1.0f / (float)base - 1.0f) : (float)base;
    x->ntrees = cJSON_GetArraySize(trees);
    if (x->ntrees < 1 || !(x->forest = hfml_forest_new(x->ntrees)))
        return -1;
    for (int t = 0; t < x->ntrees; t++)
        if (num(info, t) != 0 || tree(x, t, cJSON_GetArrayItem(trees, t)))
            return -1;
    return hfml_forest_finish(x->forest, x->nin) ? -1 : 0;
}

void hfml_xgbf_free(hfml_xgbf *x)
{
    if (!x)
        return;
    hfml_forest_free(x->forest);
    free(x->svar);
    free(x->sthr);
    free(x);
}

hfml_xgbf *hfml_xgbf_new(const hfml_xgb_api *api, void *booster, int nin)
{
    bst_ulong len = 0;
    const char *buf = NULL;
    if (api->XGBoosterSaveModelToBuffer(booster, "{\"format\": \"json\"}", &len, &buf) || !buf)
        return NULL;
    cJSON *root = cJSON_ParseWithLength(buf, (size_t)len);
    hfml_xgbf *x = calloc(1, sizeof *x);
    if (x)
        x->nin = nin;
    if (!root || !x || model(x, root)) {
        hfml_xgbf_free(x);
        x = NULL;
    }
    cJSON_Delete(root);
    return x;
}

void hfml_xgbf_probe(const hfml_xgbf *x, int r, float *row)
{
    for (int j = 0; j < x->nin; j++) {
        row[j] = 0;
        unsigned h = (unsigned)r * 7919u + (unsigned)j * 104729u; /* spread */
        int s0 = x->nsplit ? (int)(h % (unsigned)x->nsplit) : 0;
        for (int k = 0; k < x->nsplit; k++) {
            int s = (s0 + k) % x->nsplit;
            if (x->svar[s] == j) {
                float t = x->sthr[s];
                row[j] = r % 4 == 1 ? nextafterf(t, -INFINITY)
                         : r % 4 == 3 ? nextafterf(t, INFINITY) : t;
                break;
            }
        }
    }
}

/* common::Sigmoid of XGBoost 1.7, in float. */
static float sigmoid(float m)
{
    float e = fminf(-m, 88.7f);
    return 1.0f / (expf(e) + 1.0f + 1e-16f);
}

void hfml_xgbf_eval(const hfml_xgbf *x, const float *in, size_t n, float *out, float *work)
{
    float *xt = work, *v = xt + (size_t)x->nin * HFML_FOREST_CHUNK;
    uint32_t *idx = (uint32_t *)(v + HFML_FOREST_CHUNK);
    hfml_forest_prepare(x->forest, in, n, (size_t)x->nin, xt);
    for (size_t e = 0; e < HFML_FOREST_CHUNK; e++)
        out[e] = x->base;
    hfml_forest_sumf(x->forest, xt, n, out, v, idx);
    if (x->logistic)
        for (size_t e = 0; e < n; e++)
            out[e] = sigmoid(out[e]);
}
