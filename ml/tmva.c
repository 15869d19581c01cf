/*
 * tmva.c - TMVA BDT weight files (the XML TMVA::Reader reads), parsed
 * with libxml2 and evaluated as TMVA does:
 *  - a node sends an event right when (x[IVar] >= Cut) == cType, or with
 *    Fisher cuts (NCoef > 0) when (fC_N + sum fC_i x_i > Cut) == cType;
 *    values and cuts are float, as TMVA's Event and DecisionTreeNode;
 *  - BoostType Grad: 2 / (1 + exp(-2 sum)) - 1, sum of the leaves' res;
 *  - any other boost: sum_t w_t v_t / sum_t w_t with the trees' boostWeight
 *    w_t and v_t the leaf's nType (+-1) with UseYesNoLeaf, its purity
 *    without (or its res for regression trees, Weights AnalysisType 1);
 *  - the variable transformations TMVA writes (tmva_xform.c) come first.
 * Preselection cuts are refused by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tmva.h"

#define CHUNK HFML_FOREST_CHUNK /* events per call: their features stay in L1 */

typedef struct tnode {
    float cut, value;        /* value: what a leaf gives (see above) */
    int var;                 /* -1 for a leaf, -2 for a Fisher cut */
    int right_if;            /* cType: right when (x >= cut) == right_if */
    int child[2];            /* left, right (node indices) */
    int ncoef, coef;         /* Fisher cut: ncoef coefficients at coef */
} tnode;

typedef struct tmva {
    int nvar, ntrees, grad;
    tnode *nodes;
    int nnodes;
    int *root;               /* each tree's root node */
    double *weight, wsum;    /* boost weights (non-Grad) */
    double *coefs;
    int ncoefs;
    hfml_tmva_xf *xf;        /* the variable transformations, or NULL */
    hfml_forest *forest;     /* the trees flat, or NULL (Fisher cuts, deep) */
} tmva;

typedef struct reader {
    const char *path;
    hf_error *err;
    tmva *t;
    int yesno, regression;
} reader;

/* Attribute as a number; -1 (error set, naming the line) when absent
 * or not a number. */
static int attr_num(const reader *r, const xmlNode *n, const char *name, double *out)
{
    return hfml_xml_num(r->path, r->err, n, name, out);
}

/* The text of <Option name="name"> in <Options>, malloc'd, or NULL. */
static char *option(const xmlNode *method, const char *name)
{
    const xmlNode *opts = hfml_xml_child(method, "Options");
    for (const xmlNode *o = hfml_xml_child(opts, "Option"); o; o = hfml_xml_next(o, "Option")) {
        xmlChar *nm = xmlGetProp(o, (const xmlChar *)"name");
        int hit = nm && !strcmp((const char *)nm, name);
        xmlFree(nm);
        if (hit) {
            xmlChar *t = xmlNodeGetContent(o);
            char *s = t ? hfml_strdup((const char *)t) : NULL;
            xmlFree(t);
            return s;
        }
    }
    return NULL;
}

static int is_true(const char *s)
{
    return s && (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "t"));
}

/* Appends a node; its index, or -1 (error set). */
static int new_node(reader *r)
{
    tmva *t = r->t;
    if ((t->nnodes & (t->nnodes - 1)) == 0) { /* grow at powers of two */
        tnode *nn = realloc(t->nodes, (size_t)(t->nnodes ? 2 * t->nnodes : 64) * sizeof *nn);
        if (!nn) {
            hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
            return -1;
        }
        t->nodes = nn;
    }
    memset(&t->nodes[t->nnodes], 0, sizeof *t->nodes);
    return t->nnodes++;
}

static int fisher(reader *r, const xmlNode *n, tnode *nd, int ncoef)
{
    tmva *t = r->t;
    if (ncoef != t->nvar + 1)
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: NCoef %d: a Fisher cut needs "
                            "one coefficient per variable and an offset (%d)", r->path,
                            (int)xmlGetLineNo(n), ncoef, t->nvar + 1);
    double *c = realloc(t->coefs, (size_t)(t->ncoefs + ncoef) * sizeof *c);
    if (!c)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    t->coefs = c;
    nd->ncoef = ncoef;
    nd->coef = t->ncoefs;
    for (int i = 0; i < ncoef; i++) {
        char name[32];
        snprintf(name, sizeof name, "fC%d", i);
        if (attr_num(r, n, name, &c[t->ncoefs + i]))
            return HF_ERR_INVALID;
    }
    t->ncoefs += ncoef;
    return HF_OK;
}

/* A leaf's value, as TMVA's DecisionTree::CheckEvent returns it. */
static int leaf(reader *r, const xmlNode *n, tnode *nd)
{
    double v;
    const char *what = r->t->grad || r->regression ? "res" : r->yesno ? "nType" : "purity";
    if (attr_num(r, n, what, &v))
        return HF_ERR_INVALID;
    nd->value = (float)v;
    nd->var = -1;
    return HF_OK;
}

/* Node n and its subtree; *out its index. */
static int read_node(reader *r, const xmlNode *n, int depth, int *out)
{
    if (depth > 200)
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: trees deeper than 200 levels",
                            r->path, (int)xmlGetLineNo(n));
    int k = new_node(r);
    if (k < 0)
        return r->err ? r->err->code : HF_ERR_NOMEM;
    *out = k;
    const xmlNode *kids[2] = {NULL, NULL};
    for (const xmlNode *c = hfml_xml_child(n, "Node"); c; c = hfml_xml_next(c, "Node")) {
        xmlChar *pos = xmlGetProp(c, (const xmlChar *)"pos");
        int side = pos && pos[0] == 'r' ? 1 : pos && pos[0] == 'l' ? 0 : -1;
        xmlFree(pos);
        if (side < 0 || kids[side])
            return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: a <Node> needs pos=\"l\" or "
                                "\"r\", once each", r->path, (int)xmlGetLineNo(c));
        kids[side] = c;
    }
    if (!kids[0] && !kids[1])
        return leaf(r, n, &r->t->nodes[k]);
    if (!kids[0] || !kids[1])
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: a node with one daughter",
                            r->path, (int)xmlGetLineNo(n));
    double var, cut, ctype, ncoef = 0;
    xmlChar *has = xmlGetProp(n, (const xmlChar *)"NCoef");
    xmlFree(has);
    if (attr_num(r, n, "IVar", &var) || attr_num(r, n, "Cut", &cut) ||
        attr_num(r, n, "cType", &ctype) || (has && attr_num(r, n, "NCoef", &ncoef)))
        return HF_ERR_INVALID;
    if (ncoef == 0 && (var < 0 || var >= r->t->nvar || var != floor(var)))
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: IVar %g: not a variable index "
                            "(0 to %d)", r->path, (int)xmlGetLineNo(n), var, r->t->nvar - 1);
    tnode nd = {.cut = (float)cut, .var = ncoef > 0 ? -2 : (int)var, .right_if = ctype != 0};
    if (ncoef > 0 && fisher(r, n, &nd, (int)ncoef))
        return r->err->code;
    for (int s = 0; s < 2; s++) {
        int rc = read_node(r, kids[s], depth + 1, &nd.child[s]);
        if (rc)
            return rc;
    }
    r->t->nodes[k] = nd;
    return HF_OK;
}

/* <Variables>: their count and names (Expression, as the Reader's). */
static int variables(reader *r, const xmlNode *method, char ***names)
{
    const xmlNode *vars = hfml_xml_child(method, "Variables");
    double nv;
    if (!vars || attr_num(r, vars, "NVar", &nv) || nv < 1 || nv > 100000)
        return r->err->code ? r->err->code : hfcore_error_set(r->err, HF_ERR_INVALID,
                                                          "%s: no <Variables NVar=...>",
                                                          r->path);
    r->t->nvar = (int)nv;
    *names = calloc((size_t)nv, sizeof **names);
    if (!*names)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    int i = 0;
    for (const xmlNode *v = hfml_xml_child(vars, "Variable"); v;
         v = hfml_xml_next(v, "Variable"), i++) {
        xmlChar *e = xmlGetProp(v, (const xmlChar *)"Expression");
        if (i >= (int)nv || !e) {
            xmlFree(e);
            return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: more <Variable>s than NVar "
                                "%d, or one without Expression", r->path,
                                (int)xmlGetLineNo(v), (int)nv);
        }
        (*names)[i] = hfml_strdup((const char *)e);
        xmlFree(e);
        if (!(*names)[i])
            return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    }
    if (i != (int)nv)
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: %d <Variable>s for NVar %d",
                            r->path, (int)xmlGetLineNo(vars), i, (int)nv);
    return HF_OK;
}

/* <Weights>: every <BinaryTree>, its boostWeight and its root. */
static int trees(reader *r, const xmlNode *method)
{
    tmva *t = r->t;
    const xmlNode *w = hfml_xml_child(method, "Weights");
    double at = 0;
    if (!w)
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s: no <Weights>", r->path);
    xmlChar *has = xmlGetProp(w, (const xmlChar *)"AnalysisType");
    xmlFree(has);
    if (has && attr_num(r, w, "AnalysisType", &at))
        return HF_ERR_INVALID;
    r->regression = at == 1;
    for (const xmlNode *b = hfml_xml_child(w, "BinaryTree"); b; b = hfml_xml_next(b, "BinaryTree"))
        t->ntrees++;
    t->root = calloc((size_t)t->ntrees + 1, sizeof *t->root);
    t->weight = calloc((size_t)t->ntrees + 1, sizeof *t->weight);
    if (!t->root || !t->weight)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    if (!t->ntrees)
        return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: no <BinaryTree> in <Weights>",
                            r->path, (int)xmlGetLineNo(w));
    int i = 0;
    for (const xmlNode *b = hfml_xml_child(w, "BinaryTree"); b;
         b = hfml_xml_next(b, "BinaryTree"), i++) {
        const xmlNode *root = hfml_xml_child(b, "Node");
        if (!root)
            return hfcore_error_set(r->err, HF_ERR_INVALID, "%s:%d: a <BinaryTree> with no <Node>",
                                r->path, (int)xmlGetLineNo(b));
        if (!t->grad && attr_num(r, b, "boostWeight", &t->weight[i]))
            return HF_ERR_INVALID;
        t->wsum += t->weight[i];
        int rc = read_node(r, root, 0, &t->root[i]);
        if (rc)
            return rc;
    }
    return HF_OK;
}

/* The trees in forest.c's layout, unless a Fisher cut or a tree deeper
 * than it takes keeps them in the node walk below (t->forest NULL). */
static int flatten(reader *r)
{
    tmva *t = r->t;
    hfml_tnode *nd = malloc((size_t)t->nnodes * sizeof *nd);
    if (!nd || !(t->forest = hfml_forest_new(t->ntrees))) {
        free(nd);
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    }
    int rc = 0;
    for (int i = 0; i < t->nnodes && !rc; i++) {
        const tnode *n = &t->nodes[i];
        int hi = n->right_if; /* the daughter taken when x >= cut */
        nd[i] = (hfml_tnode){n->var, n->cut, n->value, {n->child[!hi], n->child[hi]}};
        rc = n->var == -2;
    }
    for (int k = 0; k < t->ntrees && !rc; k++)
        rc = hfml_forest_set(t->forest, k, nd, t->nnodes, t->root[k]);
    if (!rc)
        rc = hfml_forest_finish(t->forest, t->nvar);
    free(nd);
    if (rc == -3)
        return hfcore_error_set(r->err, HF_ERR_NOMEM, "%s: out of memory", r->path);
    if (rc) {
        hfml_forest_free(t->forest);
        t->forest = NULL;
    }
    return HF_OK;
}

static int method(reader *r, const xmlNode *m, char ***names)
{
    char *boost = option(m, "BoostType"), *yesno = option(m, "UseYesNoLeaf"),
         *presel = option(m, "DoPreselection");
    xmlChar *meth = xmlGetProp(m, (const xmlChar *)"Method");
    int rc = HF_OK;
    if (!meth || strncmp((const char *)meth, "BDT", 3))
        rc = hfcore_error_set(r->err, HF_ERR_INVALID, "%s: Method '%s': only BDT weight files "
                          "are read", r->path, meth ? (const char *)meth : "");
    else if (is_true(presel))
        rc = hfcore_error_set(r->err, HF_ERR_INVALID, "%s: DoPreselection=True is not supported",
                          r->path);
    r->t->grad = boost && !strcmp(boost, "Grad");
    r->yesno = yesno ? is_true(yesno) : 1; /* TMVA's default */
    free(boost);
    free(yesno);
    free(presel);
    xmlFree(meth);
    if (!rc)
        rc = variables(r, m, names);
    if (!rc)
        rc = hfml_tmva_xf_read(hfml_xml_child(m, "Transformations"), r->path, r->t->nvar,
                               *names, &r->t->xf, r->err);
    if (!rc)
        rc = trees(r, m);
    if (!rc)
        rc = flatten(r);
    return rc;
}

/* A Fisher cut: the offset plus the coefficients times the variables. */
__attribute__((noinline)) static int fisher_right(const tmva *t, const tnode *n,
                                                  const float *x)
{
    const double *c = t->coefs + n->coef;
    double f = c[t->nvar];
    for (int i = 0; i < t->nvar; i++)
        f += c[i] * x[i];
    return (f > n->cut) == n->right_if;
}

/* Whether the event goes to the right daughter (the hot path: inline). */
static inline int goes_right(const tmva *t, const tnode *n, const float *x)
{
    if (__builtin_expect(n->var >= 0, 1))
        return (x[n->var] >= n->cut) == n->right_if;
    return fisher_right(t, n, x);
}

/* Leaf values of tree k for 8 events at once (x: their rows, nv apart):
 * one event's descent is a chain of dependent loads, eight chains in
 * flight keep the core busy. */
static void descend8(const tmva *t, int k, const float *x, size_t nv, float *v)
{
    const tnode *n[8];
    for (int i = 0; i < 8; i++)
        n[i] = &t->nodes[t->root[k]];
    for (int busy = 1; busy;) {
        busy = 0;
        for (int i = 0; i < 8; i++)
            if (n[i]->var != -1) {
                n[i] = &t->nodes[n[i]->child[goes_right(t, n[i], x + (size_t)i * nv)]];
                busy = 1;
            }
    }
    for (int i = 0; i < 8; i++)
        v[i] = n[i]->value;
}

static float descend(const tmva *t, int k, const float *x)
{
    const tnode *n = &t->nodes[t->root[k]];
    while (n->var != -1)
        n = &t->nodes[n->child[goes_right(t, n, x)]];
    return n->value;
}

/* Tree by tree over the chunk's events, so that one tree's nodes stay in
 * cache for all of them; each event still sums its trees in order. */
static void sum_walk(const tmva *t, const float *x, size_t n, double *out)
{
    size_t nv = (size_t)t->nvar;
    for (int k = 0; k < t->ntrees; k++) {
        double w = t->grad ? 1.0 : t->weight[k];
        size_t e = 0;
        for (float v[8]; e + 8 <= n; e += 8) {
            descend8(t, k, x + e * nv, nv, v);
            for (int i = 0; i < 8; i++)
                out[e + (size_t)i] += w * v[i];
        }
        for (; e < n; e++)
            out[e] += w * descend(t, k, x + e * nv);
    }
}

/* The same sums through the flat trees (xt: room for the chunk
 * transposed; v, idx: CHUNK floats, ints; acc: CHUNK doubles, the
 * vectors' idle lanes included). */
static void sum_flat(const tmva *t, const float *x, size_t n, double *out, float *xt,
                     float *v, uint32_t *idx, double *acc)
{
    hfml_forest_prepare(t->forest, x, n, (size_t)t->nvar, xt);
    for (size_t e = 0; e < CHUNK; e++)
        acc[e] = 0;
    hfml_forest_sum(t->forest, xt, n, t->grad ? NULL : t->weight, acc, v, idx);
    memcpy(out, acc, n * sizeof *out);
}

static int tmva_eval(const void *impl, const float *x, size_t n, size_t first, double *out,
                     float *work, hf_error *err)
{
    (void)first;
    const tmva *t = impl;
    size_t nv = (size_t)t->nvar;
    float *xt = work + CHUNK * nv, *v = xt + CHUNK * nv;
    if (t->xf) {
        double *tmp = (double *)(v + 2 * CHUNK);
        memcpy(work, x, n * nv * sizeof *x);
        for (size_t e = 0; e < n; e++)
            hfml_tmva_xf_apply(t->xf, work + e * nv, tmp);
        x = work;
    }
    for (size_t e = 0; e < n; e++)
        out[e] = 0;
    if (t->forest) /* acc where tmp was: tmp is done with */
        sum_flat(t, x, n, out, xt, v, (uint32_t *)(v + CHUNK), (double *)(v + 2 * CHUNK));
    else
        sum_walk(t, x, n, out);
    for (size_t e = 0; e < n; e++)
        out[e] = t->grad ? 2.0 / (1.0 + exp(-2.0 * out[e])) - 1
                 : t->wsum > 2.220446049250313e-16 ? out[e] / t->wsum : 0;
    (void)err;
    return HF_OK;
}

static void tmva_free(void *impl)
{
    tmva *t = impl;
    if (!t)
        return;
    free(t->nodes);
    free(t->root);
    free(t->weight);
    free(t->coefs);
    hfml_tmva_xf_free(t->xf);
    hfml_forest_free(t->forest);
    free(t);
}

static xmlDoc *parse(const char *path, hf_error *err)
{
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_HUGE);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[256];
        snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "cannot read");
        msg[strcspn(msg, "\n")] = '\0';
        hfcore_error_set(err, e && e->code == XML_IO_LOAD_ERROR ? HF_ERR_IO : HF_ERR_PARSE,
                     "%s:%d: not a TMVA weight file (XML): %s", path, e ? e->line : 0, msg);
    }
    return doc;
}

int hfml_tmva_load(const char *path, hf_ml_backend *be, hf_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hfcore_error_set(err, HF_ERR_IO, "%s: cannot open", path);
    fclose(f);
    if (hfml_xml_need(path, err))
        return err->code;
    xmlDoc *doc = parse(path, err);
    if (!doc)
        return err->code;
    reader r = {path, err, calloc(1, sizeof(tmva)), 1, 0};
    char **names = NULL;
    const xmlNode *root = xmlDocGetRootElement(doc);
    int rc = !r.t ? hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path)
             : !root || strcmp((const char *)root->name, "MethodSetup")
                 ? hfcore_error_set(err, HF_ERR_INVALID, "%s: not a TMVA weight file (no "
                                "<MethodSetup>)", path)
                 : method(&r, root, &names);
    xmlFreeDoc(doc);
    if (rc) {
        hfml_free_names(names, r.t ? r.t->nvar : 0);
        tmva_free(r.t);
        return rc;
    }
    be->format = "tmva";
    be->nin = r.t->nvar;
    be->nout = 1;
    be->in_names = names;
    be->chunk = CHUNK;
    be->work_floats = CHUNK * (2 * (size_t)r.t->nvar + 4) + 2 * (size_t)r.t->nvar + 2;
    be->impl = r.t;
    be->eval = tmva_eval;
    be->free = tmva_free;
    return HF_OK;
}
