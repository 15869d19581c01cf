/*
 * binning.c - bin edges per signal-region channel, and histogramming of
 * (score, weight) events into them.
 *
 * A binning file is {"SR": [e0, e1, ..., eN]}: bins [e_i, e_i+1), the last
 * one open at the top too, so an event is in at most one bin and the
 * yields of adjacent binnings add up.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

typedef struct bchan {
    char *name;
    int nb;
    double *edges; /* nb + 1 */
} bchan;

struct hf_binning {
    int n;
    bchan *ch;
};

void hf_binning_free(hf_binning *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++) {
        free(b->ch[i].name);
        free(b->ch[i].edges);
    }
    free(b->ch);
    free(b);
}

static int from_json(const cJSON *root, const char *src, hf_binning **out,
                     hf_error *err)
{
    if (!cJSON_IsObject(root))
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: a binning must be an object mapping channel "
                            "names to bin edges, e.g. {\"SR\": [0.5, 0.8, 1.0]}",
                            src);
    int n = cJSON_GetArraySize(root);
    if (n == 0)
        return hfcore_error_set(err, HF_ERR_INVALID, "%s: the binning names no channel", src);
    hf_binning *b = calloc(1, sizeof *b);
    if (!b || !(b->ch = calloc((size_t)n, sizeof *b->ch))) {
        free(b);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", src);
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, root) {
        bchan *bc = &b->ch[b->n];
        for (int j = 0; j < b->n; j++)
            if (strcmp(b->ch[j].name, c->string) == 0) {
                hf_binning_free(b);
                return hfcore_error_set(err, HF_ERR_INVALID, "%s: channel '%s' appears twice",
                                    src, c->string);
            }
        int ne = cJSON_IsArray(c) ? cJSON_GetArraySize(c) : 0;
        if (ne < 2) {
            hf_binning_free(b);
            return hfcore_error_set(err, HF_ERR_INVALID,
                                "%s: \"%s\": bin edges must be an array of at least two "
                                "numbers",
                                src, c->string);
        }
        bc->name = strdup(c->string);
        bc->edges = malloc(sizeof(double) * (size_t)ne);
        b->n++;
        if (!bc->name || !bc->edges) {
            hf_binning_free(b);
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", src);
        }
        bc->nb = ne - 1;
        const cJSON *e;
        int k = 0;
        cJSON_ArrayForEach(e, c) {
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) ||
                (k > 0 && !(e->valuedouble > bc->edges[k - 1]))) {
                hf_binning_free(b);
                return hfcore_error_set(err, HF_ERR_INVALID,
                                    "%s: \"%s\"[%d]: bin edges must be finite, strictly "
                                    "increasing numbers",
                                    src, c->string, k);
            }
            bc->edges[k++] = e->valuedouble;
        }
    }
    *out = b;
    return HF_OK;
}

int hf_binning_parse(const char *json, const char *name, hf_binning **out,
                     hf_error *err)
{
    cJSON *root = NULL;
    if (!json || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_binning_parse: NULL argument");
    *out = NULL;
    if (!name)
        name = "binning";
    int rc = hfcore_json_parse(json, name, &root, err);
    if (!rc)
        rc = from_json(root, name, out, err);
    cJSON_Delete(root);
    return rc;
}

int hf_binning_read(const char *path, hf_binning **out, hf_error *err)
{
    char *text = NULL;
    if (!path || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_binning_read: NULL argument");
    *out = NULL;
    int rc = hfcore_file_read(path, &text, NULL, err);
    if (!rc)
        rc = hf_binning_parse(text, path, out, err);
    free(text);
    return rc;
}

int hf_binning_nchannels(const hf_binning *b) { return b ? b->n : 0; }

const char *hf_binning_channel(const hf_binning *b, int i)
{
    return b && i >= 0 && i < b->n ? b->ch[i].name : NULL;
}

int hf_binning_nbins(const hf_binning *b, int i)
{
    return b && i >= 0 && i < b->n ? b->ch[i].nb : -1;
}

const double *hf_binning_edges(const hf_binning *b, int i)
{
    return b && i >= 0 && i < b->n ? b->ch[i].edges : NULL;
}

int hf_binning_find(const hf_binning *b, const char *name)
{
    if (!b || !name)
        return -1;
    for (int i = 0; i < b->n; i++)
        if (strcmp(b->ch[i].name, name) == 0)
            return i;
    return -1;
}

/* Binary search: a signal region has a handful of bins but a recast
 * histograms millions of events, and this stays O(log n) for fine ones. */
static int find_bin(const double *e, int nb, double x)
{
    if (!(x >= e[0] && x < e[nb]))
        return -1; /* also NaN */
    int lo = 0, hi = nb; /* e[lo] <= x < e[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (x < e[mid])
            hi = mid;
        else
            lo = mid;
    }
    return lo;
}

int hf_binning_bin(const hf_binning *b, int i, double score)
{
    if (!b || i < 0 || i >= b->n)
        return -1;
    return find_bin(b->ch[i].edges, b->ch[i].nb, score);
}

size_t hf_binning_fill(const hf_binning *b, int i, const double *scores,
                       const double *weights, size_t stride, size_t n,
                       double *sumw, double *sumw2)
{
    if (!b || !scores || !sumw || i < 0 || i >= b->n)
        return n; /* nothing filled: every event counts as outside */
    const double *e = b->ch[i].edges;
    int nb = b->ch[i].nb;
    size_t outside = 0;
    if (stride == 0)
        stride = 1;
    for (size_t k = 0; k < n; k++) {
        int j = find_bin(e, nb, scores[k * stride]);
        if (j < 0) {
            outside++;
            continue;
        }
        double w = weights ? weights[k * stride] : 1.0;
        sumw[j] += w;
        if (sumw2)
            sumw2[j] += w * w;
    }
    return outside;
}
