/*
 * tmva_xform.c - the variable transformations a TMVA weight file carries
 * in <Transformations>, applied in their order before the trees, as
 * TMVA's TransformationHandler does for the Reader.  Each acts on the
 * variables its <Selection> names (all when it has none) and uses the
 * parameters of all classes together (the last <Class>, <Matrix>, ...;
 * TMVA's reference class -1), in TMVA's precisions: event values are
 * float, matrices and means double.
 *  - Normalize (VariableNormalizeTransform): x' = (x - min) / (max - min) * 2 - 1
 *    in float, min and max as Float_t;
 *  - Decorrelation (VariableDecorrTransform): x' = M x, the square root of
 *    the inverse covariance written row by row in <Matrix>;
 *  - PCA (VariablePCATransform::X2P): p_i = sum_j (x_j - mean_j) E_ji, the
 *    means in <Statistics>, the eigenvectors E row by row in <Eigenvectors>;
 *  - Gauss and Uniform (VariableGaussTransform, both written as "Gauss" by
 *    TMVA, told apart by FlatOrGauss): c = F(x), F the variable's cumulative
 *    distribution (tmva_cdf.c), c kept within [1e-9, 1 - 1e-9]; Flat gives
 *    c, Gauss 1.414213562 erfinv(2c - 1) with 2c - 1 within +-0.99999999
 *    (TMVA's constants; erfinv from GSL's inverse normal distribution);
 *  - Rearrange (VariableRearrangeTransform): the values of the <Input>
 *    variables, all read first, written to the <Output> ones in order
 *    (GetInput then SetOutput); the other variables keep theirs.
 * The others are refused by name.
 */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tmva.h"

enum { NORMALIZE, DECORRELATE, PCA, GAUSS, REARRANGE };

typedef struct step {
    int kind, n;
    int *var;                /* the n variables it takes, in its order */
    int *out;                /* Rearrange: the n variables it writes */
    float *lo, *scale;       /* Normalize */
    double *m, *mean;        /* Decorrelate's M, PCA's E (n x n) and means */
    hfml_tmva_cdf **cdf;     /* Gauss/Uniform: each input's distribution */
    int flat;                /* Uniform */
} step;

struct hfml_tmva_xf {
    int nsteps;
    step *steps;
};

typedef struct xrd {
    const char *path;
    hf_error *err;
    int nvar;
    char **names;
} xrd;

const xmlNode *hfml_xml_child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
            return c;
    return NULL;
}

const xmlNode *hfml_xml_next(const xmlNode *c, const char *name)
{
    for (c = c->next; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
            return c;
    return NULL;
}

int hfml_xml_num(const char *path, hf_error *err, const xmlNode *n, const char *name,
                 double *out)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *end = NULL;
    if (v)
        *out = strtod((const char *)v, &end);
    int bad = !v || end == (char *)v || *end;
    xmlFree(v);
    if (bad)
        hfcore_error_set(err, HF_ERR_INVALID, "%s:%d: <%s> needs a numeric %s attribute",
                         path, (int)xmlGetLineNo(n), (const char *)n->name, name);
    return bad ? -1 : 0;
}

/* The last child of n called name (the all-classes one), or NULL. */
static const xmlNode *last(const xmlNode *n, const char *name)
{
    const xmlNode *l = NULL;
    for (const xmlNode *c = hfml_xml_child(n, name); c; c = hfml_xml_next(c, name))
        l = c;
    return l;
}

static int fail(const xrd *r, const xmlNode *n, const char *what)
{
    return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: %s", r->path,
                            n ? (int)xmlGetLineNo(n) : 0, what);
}

/* Exactly count numbers from n's text into a new array *out. */
static int numbers(const xrd *r, const xmlNode *n, int count, double **out)
{
    xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
    double *v = malloc((size_t)count * sizeof *v);
    const char *p = (const char *)t;
    int k = 0;
    for (char *end; p && v && k <= count; k++, p = end) {
        double d = strtod(p, &end);
        if (end == p)
            break;
        if (k < count)
            v[k] = d;
    }
    xmlFree(t);
    *out = v;
    if (!v)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    if (k != count) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s: %d numbers where %d were expected",
                 n ? (const char *)n->name : "(missing)", k, count);
        return fail(r, n, msg);
    }
    return HF_OK;
}

/* The variables <Selection><tag> lists (tag: Input or Output), by
 * Expression (else Label), into var (nvar of room), their count in *n. */
static int listed(const xrd *r, const xmlNode *in, const char *tag, int *var, int *n)
{
    *n = 0;
    for (const xmlNode *c = hfml_xml_child(in, tag); c; c = hfml_xml_next(c, tag)) {
        xmlChar *type = xmlGetProp(c, (const xmlChar *)"Type");
        xmlChar *e = xmlGetProp(c, (const xmlChar *)"Expression");
        xmlChar *l = xmlGetProp(c, (const xmlChar *)"Label");
        int k = -1;
        const char *key = e ? (const char *)e : (const char *)l;
        for (int i = 0; key && i < r->nvar && k < 0; i++)
            if (!strcmp(key, r->names[i]))
                k = i;
        int ok = type && !strcmp((char *)type, "Variable") && k >= 0 && *n < r->nvar;
        xmlFree(type);
        xmlFree(e);
        xmlFree(l);
        if (!ok)
            return fail(r, c, "a transformation's input or output that is not one of the "
                        "<Variables>");
        var[(*n)++] = k;
    }
    return *n ? HF_OK : fail(r, in, "a transformation without inputs or outputs");
}

/* The variables of <Selection><Input> (all when there is none). */
static int selection(const xrd *r, const xmlNode *tr, step *s)
{
    const xmlNode *in = hfml_xml_child(hfml_xml_child(tr, "Selection"), "Input");
    s->var = malloc((size_t)r->nvar * sizeof *s->var);
    if (!s->var)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    if (!in) { /* older files: every variable */
        for (s->n = 0; s->n < r->nvar; s->n++)
            s->var[s->n] = s->n;
        return HF_OK;
    }
    return listed(r, in, "Input", s->var, &s->n);
}

/* Rearrange: its <Output> list, as long as the <Input> one. */
static int rearrange(const xrd *r, const xmlNode *tr, step *s)
{
    const xmlNode *sel = hfml_xml_child(tr, "Selection"), *o = hfml_xml_child(sel, "Output");
    int n = 0;
    if (!hfml_xml_child(sel, "Input") || !o)
        return fail(r, tr, "a Rearrange transformation without <Input> and <Output> lists");
    if (!(s->out = malloc((size_t)r->nvar * sizeof *s->out)))
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    int rc = listed(r, o, "Output", s->out, &n);
    return rc ? rc : n == s->n ? HF_OK : fail(r, o, "a Rearrange with unlike counts of inputs "
                                              "and outputs");
}

/* Normalize: the last <Class>'s <Ranges>, Index counting the inputs. */
static int normalize(const xrd *r, const xmlNode *tr, step *s)
{
    const xmlNode *ranges = hfml_xml_child(last(tr, "Class"), "Ranges");
    if (!ranges)
        return fail(r, tr, "Normalize without <Class><Ranges>");
    s->lo = calloc((size_t)s->n, sizeof *s->lo);
    s->scale = calloc((size_t)s->n, sizeof *s->scale);
    if (!s->lo || !s->scale)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    for (const xmlNode *g = hfml_xml_child(ranges, "Range"); g; g = hfml_xml_next(g, "Range")) {
        double idx, lo, hi;
        if (hfml_xml_num(r->path, r->err, g, "Index", &idx) ||
            hfml_xml_num(r->path, r->err, g, "Min", &lo) ||
            hfml_xml_num(r->path, r->err, g, "Max", &hi))
            return HF_ERR_INVALID;
        if (!(idx >= 0 && idx < s->n) || s->scale[(int)idx] != 0 || !(hi > lo))
            return fail(r, g, "a bad or repeated range");
        s->lo[(int)idx] = (float)lo; /* TMVA keeps min and max as Float_t */
        s->scale[(int)idx] = (float)(1.0 / (double)((float)hi - (float)lo));
    }
    for (int i = 0; i < s->n; i++)
        if (s->scale[i] == 0) {
            char msg[64];
            snprintf(msg, sizeof msg, "Normalize has no range for input %d", i);
            return fail(r, ranges, msg);
        }
    return HF_OK;
}

static int square(const xrd *r, const xmlNode *m, const char *rows, const char *cols, int n)
{
    double a, b;
    if (!m || hfml_xml_num(r->path, r->err, m, rows, &a) ||
        hfml_xml_num(r->path, r->err, m, cols, &b))
        return m ? HF_ERR_INVALID : -1;
    return a == n && b == n ? HF_OK : fail(r, m, "a matrix that is not inputs x inputs");
}

static int decorrelate(const xrd *r, const xmlNode *tr, step *s)
{
    const xmlNode *m = last(tr, "Matrix");
    int rc = square(r, m, "Rows", "Columns", s->n);
    if (rc < 0)
        return fail(r, tr, "Decorrelation without <Matrix>");
    return rc ? rc : numbers(r, m, s->n * s->n, &s->m);
}

static int pca(const xrd *r, const xmlNode *tr, step *s)
{
    const xmlNode *st = last(tr, "Statistics"), *ev = last(tr, "Eigenvectors");
    double rows;
    if (!st || !ev)
        return fail(r, tr, "PCA without <Statistics> and <Eigenvectors>");
    if (hfml_xml_num(r->path, r->err, st, "NRows", &rows))
        return HF_ERR_INVALID;
    if (rows != s->n)
        return fail(r, st, "means that are not one per input");
    int rc = square(r, ev, "NRows", "NCols", s->n);
    if (!rc)
        rc = numbers(r, st, s->n, &s->mean);
    return rc ? rc : numbers(r, ev, s->n * s->n, &s->m);
}

/* Gauss/Uniform: one <Variable VarIndex> per input, its last child (the
 * all-classes CumulativePDF_clsN) holding the <PDF>. */
static int gauss(const xrd *r, const xmlNode *tr, step *s)
{
    xmlChar *how = xmlGetProp(tr, (const xmlChar *)"FlatOrGauss");
    s->flat = how && !strcmp((const char *)how, "Flat");
    xmlFree(how);
    s->cdf = calloc((size_t)s->n, sizeof *s->cdf);
    if (!s->cdf)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    for (const xmlNode *v = hfml_xml_child(tr, "Variable"); v; v = hfml_xml_next(v, "Variable")) {
        double k;
        const xmlNode *cls = NULL;
        if (hfml_xml_num(r->path, r->err, v, "VarIndex", &k))
            return HF_ERR_INVALID;
        if (!(k >= 0 && k < s->n) || k != (int)k || s->cdf[(int)k])
            return fail(r, v, "a bad or repeated VarIndex");
        for (const xmlNode *c = v->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE)
                cls = c;
        const xmlNode *pdf = hfml_xml_child(cls, "PDF");
        if (!pdf)
            return fail(r, v, "a <Variable> without a cumulative <PDF>");
        int rc = hfml_tmva_cdf_read(pdf, r->path, &s->cdf[(int)k], r->err);
        if (rc)
            return rc;
    }
    for (int i = 0; i < s->n; i++)
        if (!s->cdf[i]) {
            char msg[80];
            snprintf(msg, sizeof msg, "no cumulative distribution for input %d", i);
            return fail(r, tr, msg);
        }
    return HF_OK;
}

static int one(const xrd *r, const xmlNode *tr, step *s)
{
    xmlChar *name = xmlGetProp(tr, (const xmlChar *)"Name");
    char nm[64];
    snprintf(nm, sizeof nm, "%s", name ? (const char *)name : "");
    xmlFree(name);
    /* the names TMVA's TransformationHandler reads */
    s->kind = !strcmp(nm, "Normalize") ? NORMALIZE : !strcmp(nm, "Decorrelation") ? DECORRELATE
              : !strcmp(nm, "PCA") ? PCA
              : !strcmp(nm, "Gauss") || !strcmp(nm, "Uniform") ? GAUSS
              : !strcmp(nm, "Rearrange") ? REARRANGE : -1;
    if (s->kind < 0)
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: variable transformation '%s' "
                                "is not supported (Normalize, Decorrelation, PCA, Gauss, "
                                "Uniform, Rearrange)", r->path, (int)xmlGetLineNo(tr), nm);
    int rc = selection(r, tr, s);
    if (rc)
        return rc;
    switch (s->kind) {
    case NORMALIZE: return normalize(r, tr, s);
    case DECORRELATE: return decorrelate(r, tr, s);
    case PCA: return pca(r, tr, s);
    case REARRANGE: return rearrange(r, tr, s);
    default: return gauss(r, tr, s);
    }
}

void hfml_tmva_xf_free(hfml_tmva_xf *x)
{
    if (!x)
        return;
    for (int i = 0; i < x->nsteps; i++) {
        free(x->steps[i].var);
        free(x->steps[i].out);
        free(x->steps[i].lo);
        free(x->steps[i].scale);
        free(x->steps[i].m);
        free(x->steps[i].mean);
        for (int k = 0; x->steps[i].cdf && k < x->steps[i].n; k++)
            hfml_tmva_cdf_free(x->steps[i].cdf[k]);
        free(x->steps[i].cdf);
    }
    free(x->steps);
    free(x);
}

int hfml_tmva_xf_read(const xmlNode *trs, const char *path, int nvar, char **names,
                      hfml_tmva_xf **out, hf_error *err)
{
    xrd r = {path, err, nvar, names};
    int n = 0;
    *out = NULL;
    for (const xmlNode *t = hfml_xml_child(trs, "Transform"); t; t = hfml_xml_next(t, "Transform"))
        n++;
    if (!n)
        return HF_OK;
    hfml_tmva_xf *x = calloc(1, sizeof *x);
    if (!x || !(x->steps = calloc((size_t)n, sizeof *x->steps))) {
        free(x);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    }
    int rc = HF_OK;
    for (const xmlNode *t = hfml_xml_child(trs, "Transform"); t && !rc;
         t = hfml_xml_next(t, "Transform"))
        rc = one(&r, t, &x->steps[x->nsteps++]);
    if (rc) {
        hfml_tmva_xf_free(x);
        return rc;
    }
    *out = x;
    return HF_OK;
}

/* Decorrelate (pca 0) or PCA (pca 1) of the step's inputs. */
static void linear(const step *s, float *row, double *tmp, int pca)
{
    int n = s->n;
    for (int i = 0; i < n; i++) {
        double v = 0;
        for (int j = 0; j < n; j++)
            v += pca ? ((double)row[s->var[j]] - s->mean[j]) * s->m[(size_t)j * n + i]
                     : s->m[(size_t)i * n + j] * (double)row[s->var[j]];
        tmp[i] = v;
    }
    for (int i = 0; i < n; i++)
        row[s->var[i]] = (float)tmp[i];
}

/* Gauss or Uniform of the step's inputs (VariableGaussTransform::Transform). */
static void gaussian(const step *s, float *row)
{
    for (int i = 0; i < s->n; i++) {
        double c = hfml_tmva_cdf_eval(s->cdf[i], row[s->var[i]]);
        c = fmax(fmin(c, 1. - 10e-10), 0. + 10e-10);
        if (!s->flat) {
            double arg = fmax(fmin(2.0 * c - 1.0, 0.99999999), -0.99999999);
            /* erfinv(a) = Phi^-1((1 + a) / 2) / sqrt(2) */
            c = 1.414213562 * gsl_cdf_ugaussian_Pinv((1.0 + arg) / 2) / M_SQRT2;
        }
        row[s->var[i]] = (float)c;
    }
}

void hfml_tmva_xf_apply(const hfml_tmva_xf *x, float *row, double *tmp)
{
    for (int k = 0; k < x->nsteps; k++) {
        const step *s = &x->steps[k];
        if (s->kind == GAUSS)
            gaussian(s, row);
        else if (s->kind == REARRANGE) {
            for (int i = 0; i < s->n; i++) /* all read before any is written */
                tmp[i] = row[s->var[i]];
            for (int i = 0; i < s->n; i++)
                row[s->out[i]] = (float)tmp[i];
        }
        else if (s->kind == NORMALIZE)
            for (int i = 0; i < s->n; i++)
                row[s->var[i]] = (row[s->var[i]] - s->lo[i]) * s->scale[i] * 2 - 1;
        else
            linear(s, row, tmp, s->kind == PCA);
    }
}
