/*
 * tmva_cdf.c - the cumulative distributions of TMVA's Gauss and Uniform
 * transformations (VariableGaussTransform), read from the <PDF> elements
 * of a weight file and evaluated as TMVA::PDF::GetVal does for the Reader:
 *  - the histogram as written (<Histogram> contents, float as in TH1F;
 *    equidistant from XMin to XMax, else the edges of <HistogramBinning>);
 *  - InterpolMethod 0 (Spline0): the content of x's bin;
 *  - InterpolMethod 1 (Spline1, what TMVA uses for these transformations):
 *    TMVA first resamples the straight lines through the bin centres
 *    (TSpline1, extended linearly beyond the first and last) into a
 *    10000-bin histogram over the same range (float contents, at least
 *    1e-12), then interpolates linearly between the centres of the two
 *    bins nearest x there.  We do the same, so that x near a knot gets
 *    TMVA's value, not the exact line's.
 * Bins outside the range are clamped to the first or last; the result is
 * at least 1e-12.  Smoothed (MaxNSmooth > 0), higher-order spline and KDE
 * PDFs are refused: TMVA does not write them for these transformations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tmva.h"

#define FINE 10000       /* TMVA::PDF::fgNbin_PdfHist */
#define TINY 1.0e-12     /* TMVA::PDF::fgEpsilon */

typedef struct hist {
    int n;
    const double *edge;  /* n + 1 edges, NULL: equidistant */
    double lo, hi;
    const float *c;      /* n contents */
} hist;

struct hfml_tmva_cdf {
    int spline0;
    double *edge, lo, hi;
    float *content, *fine;
    int n;
};

/* TAxis::FindBin: 0 below, n + 1 at or above the upper edge. */
static int find_bin(const hist *h, double x)
{
    if (x < h->lo)
        return 0;
    if (!(x < h->hi))
        return h->n + 1;
    if (!h->edge)
        return 1 + (int)(h->n * (x - h->lo) / (h->hi - h->lo));
    int a = 0, b = h->n; /* edge[a] <= x < edge[b] */
    while (b - a > 1) {
        int m = (a + b) / 2;
        if (h->edge[m] <= x)
            a = m;
        else
            b = m;
    }
    return 1 + a;
}

/* TAxis::GetBinCenter, in its arithmetic. */
static double centre(const hist *h, int bin)
{
    if (!h->edge) {
        double w = (h->hi - h->lo) / (double)h->n;
        return h->lo + (bin - 1) * w + 0.5 * w;
    }
    return h->edge[bin - 1] + 0.5 * (h->edge[bin] - h->edge[bin - 1]);
}

/* PDF::GetVal's interpolation between the centres of bin and its
 * neighbour (TSpline1::Eval has the same rule on its points). */
static double linear(double x, double xb, double yb, double xn, double yn)
{
    return yb + (x - xb) * (yb - yn) / (xb - xn);
}

static int neighbour(int bin, int n, double x, double xb)
{
    return (x > xb && bin != n) || bin == 1 ? bin + 1 : bin - 1;
}

/* TSpline1 through the centres of h (n >= 2) at x. */
static double spline1(const hist *h, double x)
{
    int i = 0, j = h->n - 1; /* the last point at or below x, clamped */
    while (i < j) {
        int m = (i + j + 1) / 2;
        if (centre(h, m + 1) <= x)
            i = m;
        else
            j = m - 1;
    }
    double xi = centre(h, i + 1);
    int k = neighbour(i + 1, h->n, x, xi) - 1;
    return linear(x, xi, h->c[i], centre(h, k + 1), h->c[k]);
}

static hist original(const hfml_tmva_cdf *c)
{
    hist h = {c->n, c->edge, c->lo, c->hi, c->content};
    return h;
}

/* PDF::FillSplineToHist. */
static int resample(hfml_tmva_cdf *c)
{
    hist h = original(c), f = {FINE, NULL, c->lo, c->hi, NULL};
    c->fine = malloc(FINE * sizeof *c->fine);
    if (!c->fine)
        return -1;
    for (int b = 1; b <= FINE; b++) {
        double x = centre(&f, b), y = spline1(&h, x);
        if (y <= TINY) {
            int k = find_bin(&h, x);
            y = k >= 1 && k <= h.n ? h.c[k - 1] : 0;
        }
        c->fine[b - 1] = (float)(y > TINY ? y : TINY);
    }
    return 0;
}

double hfml_tmva_cdf_eval(const hfml_tmva_cdf *c, double x)
{
    hist h = original(c);
    if (!c->spline0)
        h = (hist){FINE, NULL, c->lo, c->hi, c->fine};
    int bin = find_bin(&h, x);
    bin = bin < 1 ? 1 : bin > h.n ? h.n : bin;
    double v = h.c[bin - 1];
    if (!c->spline0) {
        double xb = centre(&h, bin);
        int k = neighbour(bin, h.n, x, xb);
        v = linear(x, xb, v, centre(&h, k), h.c[k - 1]);
    }
    return v > TINY ? v : TINY;
}

void hfml_tmva_cdf_free(hfml_tmva_cdf *c)
{
    if (!c)
        return;
    free(c->edge);
    free(c->content);
    free(c->fine);
    free(c);
}

static int bad(const char *path, const xmlNode *n, const char *what, hf_error *err)
{
    return hfcore_error_set(err, HF_ERR_INVALID, "%s:%d: %s", path,
                            n ? (int)xmlGetLineNo(n) : 0, what);
}

/* count numbers of n's text into v (doubles), or -1 (err set). */
static int numbers(const char *path, const xmlNode *n, int count, double *v, hf_error *err)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *p = (const char *)t;
    int k = 0;
    for (char *end; p; k++, p = end) {
        double d = strtod(p, &end);
        if (end == p)
            break;
        if (!isfinite(d)) {
            xmlFree(t);
            return bad(path, n, "a histogram with a number that is not finite", err);
        }
        if (k < count)
            v[k] = d;
    }
    xmlFree(t);
    return k == count ? 0 : bad(path, n, "a histogram with the wrong count of numbers", err);
}

/* The attributes that decide how TMVA builds the PDF: refused unless it
 * is an unsmoothed Spline0 or Spline1. */
static int method(const char *path, const xmlNode *pdf, int *spline0, hf_error *err)
{
    double lo, hi, how;
    if (hfml_xml_num(path, err, pdf, "MinNSmooth", &lo) ||
        hfml_xml_num(path, err, pdf, "MaxNSmooth", &hi) ||
        hfml_xml_num(path, err, pdf, "InterpolMethod", &how))
        return HF_ERR_INVALID;
    if (hi > 0 && lo >= 0)
        return bad(path, pdf, "a smoothed cumulative distribution (MaxNSmooth > 0) is not "
                              "supported", err);
    if (how != 0 && how != 1)
        return bad(path, pdf, "a cumulative distribution interpolated otherwise than by "
                              "Spline0 or Spline1 is not supported", err);
    *spline0 = how == 0;
    return HF_OK;
}

/* The histogram's edges: XMin..XMax, or <HistogramBinning> after it. */
static int edges(const char *path, const xmlNode *h, hfml_tmva_cdf *c, hf_error *err)
{
    xmlChar *eq = xmlGetProp(h, (const xmlChar *)"HasEquidistantBins");
    int equi = eq && (!strcmp((char *)eq, "1") || !strcmp((char *)eq, "true"));
    xmlFree(eq);
    if (hfml_xml_num(path, err, h, "XMin", &c->lo) || hfml_xml_num(path, err, h, "XMax", &c->hi))
        return HF_ERR_INVALID;
    if (!equi) {
        const xmlNode *b = hfml_xml_next(h, "HistogramBinning");
        double nb;
        if (!b)
            return bad(path, h, "a histogram without equidistant bins needs "
                                "<HistogramBinning>", err);
        if (hfml_xml_num(path, err, b, "NBins", &nb))
            return HF_ERR_INVALID;
        if (nb != c->n)
            return bad(path, b, "<HistogramBinning> NBins differs from the histogram's", err);
        c->edge = malloc((size_t)(c->n + 1) * sizeof *c->edge);
        if (!c->edge)
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
        if (numbers(path, b, c->n + 1, c->edge, err))
            return HF_ERR_INVALID;
        c->lo = c->edge[0];
        c->hi = c->edge[c->n];
        for (int i = 0; i < c->n; i++)
            if (!(c->edge[i] < c->edge[i + 1]))
                return bad(path, b, "bin edges that do not increase", err);
    }
    return c->lo < c->hi ? HF_OK : bad(path, h, "a histogram with XMin >= XMax", err);
}

static int read_hist(const char *path, const xmlNode *pdf, hfml_tmva_cdf *c, hf_error *err)
{
    const xmlNode *h = hfml_xml_child(pdf, "Histogram");
    double nb;
    if (!h)
        return bad(path, pdf, "<PDF> without <Histogram>", err);
    if (hfml_xml_num(path, err, h, "NBins", &nb))
        return HF_ERR_INVALID;
    if (!(nb >= 2 && nb <= 1e7) || nb != (int)nb)
        return bad(path, h, "a histogram needs 2 to 10^7 bins", err);
    c->n = (int)nb;
    double *v = malloc((size_t)c->n * sizeof *v);
    c->content = malloc((size_t)c->n * sizeof *c->content);
    int rc = !v || !c->content ? hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path)
                               : numbers(path, h, c->n, v, err) ? HF_ERR_INVALID : HF_OK;
    for (int i = 0; !rc && i < c->n; i++)
        c->content[i] = (float)v[i]; /* TH1F */
    free(v);
    return rc ? rc : edges(path, h, c, err);
}

int hfml_tmva_cdf_read(const xmlNode *pdf, const char *path, hfml_tmva_cdf **out, hf_error *err)
{
    hfml_tmva_cdf *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    int rc = method(path, pdf, &c->spline0, err);
    if (!rc)
        rc = read_hist(path, pdf, c, err);
    if (!rc && !c->spline0 && resample(c))
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", path);
    if (rc) {
        hfml_tmva_cdf_free(c);
        return rc;
    }
    *out = c;
    return HF_OK;
}
