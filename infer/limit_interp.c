/*
 * limit_interp.c - upper limits in few hypothesis tests.  Asymptotically
 * sqrt(q(mu)) = (mu - muhat) / sigma, with sigma a slowly varying
 * function of mu (arXiv:1007.1727), and CLs is an analytic function of
 * sqrt(q) and sqrt(q_A).  So: sigma (observed and Asimov) is interpolated
 * between the tests done, each curve's crossing of the level is solved on
 * that model without any fit, a test is done there, and the model, which
 * passes through every test exactly, is solved again.  When the new
 * estimate lies within LIMIT_ACCEPT of a test already done, its error is
 * that distance times the model's relative error in slope: far below the
 * tolerance.  The fits behind each test are those of every other
 * hypothesis test (the fixed-POI fits start from the free fits), so CLs
 * is the same function of mu as in a scan: only where it is evaluated
 * changes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "limit.h"

/* relative distance from a test done at which an estimate is final: on
 * the shared real workspaces the limits then differ from Brent's (to
 * 1e-6) by at most 2e-5 relative; 1e-3 cost up to 25% more evaluations
 * for 2e-7.  pyhf's toms748 stops at 1e-4. */
#define LIMIT_ACCEPT 5e-3
/* how far the estimate with one test fewer may lie from it */
#define LIMIT_AGREE 1e-4
/* tests per curve before it is left to the bracketing search */
#define LIMIT_MAX_TESTS 8

/* The model of one search: the anchors (the free fits' POI, where each
 * statistic is zero) and the scale used before any test. */
typedef struct model {
    const hfinfer_limit_ctx *c;
    double m0[2];  /* muhat: observed, Asimov */
    double sigma0; /* sigma before any test (from the unprofiled q_A) */
    double target; /* the expected band's sqrt(q_A) at the level */
    double level;
    hf_test_stat ts;
    int reduced;   /* one test fewer in each interpolation */
} model;

static double stat_of(const hfinfer_lpoint *p, int asimov)
{
    return asimov ? p->qA : p->q;
}

/* sigma_i = (mu_i - m0) / sqrt(q_i) of test i, NaN where q_i is not
 * there or zero. */
static double sigma_of(const model *s, int asimov, int i)
{
    const hfinfer_lpoint *p = &s->c->pts[i];
    double q = stat_of(p, asimov), d = p->mu - s->m0[asimov];
    return q > 0 && isfinite(q) && d > 0 ? d / sqrt(q) : NAN;
}

/* The (up to) `want` tests nearest to mu with a sigma (idx[]); tests
 * closer together than 1e-3 of mu count once (their difference would be
 * the fits' rounding). */
static int nearest(const model *s, int asimov, double mu, int want, int *idx)
{
    const hfinfer_limit_ctx *c = s->c;
    int n = 0;
    for (; n < want; n++) {
        int best = -1;
        for (int i = 0; i < c->npts; i++) {
            int skip = isnan(sigma_of(s, asimov, i));
            for (int k = 0; k < n && !skip; k++)
                skip = fabs(c->pts[i].mu - c->pts[idx[k]].mu) <=
                       1e-3 * fabs(c->pts[idx[k]].mu);
            if (!skip && (best < 0 || fabs(c->pts[i].mu - mu) <
                                          fabs(c->pts[best].mu - mu)))
                best = i;
        }
        if (best < 0)
            break;
        idx[n] = best;
    }
    return n;
}

/* Lagrange polynomial through (x[i], y[i]), i < n, at mu; far from the
 * tests a polynomial can run off: kept to within a factor 2 of the y. */
static double lagrange(const double *x, const double *y, int n, double mu)
{
    double v = 0, lo = INFINITY, hi = -INFINITY;
    for (int a = 0; a < n; a++) {
        double l = y[a];
        for (int b = 0; b < n; b++)
            if (b != a)
                l *= (mu - x[b]) / (x[a] - x[b]);
        v += l;
        lo = fmin(lo, y[a]);
        hi = fmax(hi, y[a]);
    }
    return fmin(fmax(v, 0.5 * lo), 2 * hi);
}

/* The Asimov statistic's sigma at mu: the cubic through the four nearest
 * tests (the quadratic through three needed 5% more evaluations and
 * erred up to 10x more).  Where mu lies beyond the tests by more than
 * LIMIT_ACCEPT (never where an estimate is accepted: it places the next
 * test), the cubic in sigma^2: for a count with background b and signal
 * mu s, sigma_A^2 = (b/s^2) x^2 / (2 (x - ln(1 + x))) with x = mu s/b
 * runs from constant to linear in mu, and sigma from constant to
 * sqrt(mu).  On 2Ljets (little background) the +2 sigma limit's first
 * test then lands at 12.570 for 12.558, not 12.713, and the test needs
 * no second one; 36 limits on the shared workspaces took 3.9% fewer
 * evaluations, sbottom 1300_205_60 19 more (its sigma is nearer linear). */
static double sigma_asimov(const model *s, double mu)
{
    int idx[4];
    double x[4], y[4], lo = INFINITY, hi = -INFINITY;
    int n = nearest(s, 1, mu, 4 - s->reduced, idx);
    if (n == 0)
        return s->sigma0;
    for (int k = 0; k < n; k++) {
        x[k] = s->c->pts[idx[k]].mu;
        y[k] = sigma_of(s, 1, idx[k]);
        lo = fmin(lo, x[k]);
        hi = fmax(hi, x[k]);
    }
    if (mu > hi * (1 + LIMIT_ACCEPT) || mu < lo * (1 - LIMIT_ACCEPT)) {
        for (int k = 0; k < n; k++)
            y[k] *= y[k];
        return sqrt(lagrange(x, y, n, mu));
    }
    /* (the nearest test's sigma, or a line through two, where mu lies
     * far outside the tests saved up to 20% of the evaluations but left
     * a limit of syn_allmods off by 1e-4) */
    return lagrange(x, y, n, mu);
}

/* The observed statistic through u = q sigma_A^2, which is quadratic
 * in mu where the likelihood is Gaussian: u = (mu - muhat')^2 - c with
 * muhat' the unbounded estimate (c = 0 unless the POI's bound holds
 * muhat there).  Before any observed test u = (mu - muhat)^2; with one,
 * the quadratic through it with u(muhat) = 0 and leading coefficient 1;
 * then through the anchor and the two nearest tests, or the three
 * nearest. */
static double sqrtq_observed(const model *s, double mu)
{
    int idx[3];
    double x[3], y[3], m0 = s->m0[0], d = mu - m0;
    if (!(d > 0))
        return 0;
    int n = nearest(s, 0, mu, 3 - s->reduced, idx);
    for (int k = 0; k < n; k++) {
        const hfinfer_lpoint *p = &s->c->pts[idx[k]];
        double sa = sigma_asimov(s, p->mu);
        x[k] = p->mu;
        y[k] = p->q * sa * sa;
    }
    double u;
    if (n == 0) {
        u = d * d;
    } else if (n == 1) {
        double d1 = x[0] - m0;
        u = d * d + (y[0] - d1 * d1) / d1 * d;
    } else {
        if (n == 2) {
            x[2] = m0;
            y[2] = 0;
        }
        u = 0;
        for (int a = 0; a < 3; a++) {
            double l = y[a];
            for (int b = 0; b < 3; b++)
                if (b != a)
                    l *= (mu - x[b]) / (x[a] - x[b]);
            u += l;
        }
    }
    return u > 0 ? sqrt(u) / sigma_asimov(s, mu) : 0;
}

static double sqrtq_at(const model *s, int asimov, double mu)
{
    double d = mu - s->m0[asimov];
    if (!asimov)
        return sqrtq_observed(s, mu);
    return d > 0 ? d / sigma_asimov(s, mu) : 0;
}

/* The expected band's curve: sqrt(q_A) minus its value at the level. */
static double resid_expected(double mu, void *arg)
{
    const model *s = arg;
    return sqrtq_at(s, 1, mu) - s->target;
}

/* The observed curve, on the scale where CLs is near linear in mu. */
static double resid_observed(double mu, void *arg)
{
    const model *s = arg;
    double clsb, clb, cls;
    hfinfer_asymptotic_pvalues(s->ts, sqrtq_at(s, 0, mu), sqrtq_at(s, 1, mu),
                               &clsb, &clb, &cls);
    if (isnan(cls) || cls < 1e-300)
        cls = 1e-300;
    if (cls > 1 - 1e-16)
        cls = 1 - 1e-16;
    return gsl_cdf_ugaussian_Pinv(cls) - gsl_cdf_ugaussian_Pinv(s->level);
}

/* The root of a residual falling through zero above lo: the bracket
 * widened from lo by doubling `step`, then GSL's Brent.  NaN if none. */
static double solve(double (*f)(double, void *), model *s, double lo,
                    double step)
{
    double flo = f(lo, s), hi = lo + step, fhi = f(hi, s);
    for (int k = 0; k < 60 && fhi * flo > 0; k++) {
        lo = hi;
        flo = fhi;
        step *= 2;
        hi = lo + step;
        fhi = f(hi, s);
    }
    if (!(fhi * flo <= 0))
        return NAN;
    if (fhi == 0 || flo == 0)
        return fhi == 0 ? hi : lo;
    gsl_function fn = {f, s};
    gsl_root_fsolver *r = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    double x = NAN;
    if (r && gsl_root_fsolver_set(r, &fn, lo, hi) == GSL_SUCCESS) {
        for (int it = 0; it < 200; it++) {
            if (gsl_root_fsolver_iterate(r) != GSL_SUCCESS)
                break;
            x = gsl_root_fsolver_root(r);
            if (gsl_root_test_interval(gsl_root_fsolver_x_lower(r),
                                       gsl_root_fsolver_x_upper(r), 0,
                                       1e-12) == GSL_SUCCESS)
                break;
        }
    }
    gsl_root_fsolver_free(r);
    return x;
}

/* The model's estimate of curve k's limit (0 observed, 1..5 expected). */
static double estimate(model *s, int k)
{
    double scale = sigma_asimov(s, s->m0[1] + s->sigma0);
    if (k > 0) {
        /* pyhf's expected band: CLs = Phi(-(n + sqrt(q_A))) / Phi(-n) for
         * n = 2, 1, 0, -1, -2 */
        double n = 3 - k;
        s->target = -gsl_cdf_ugaussian_Pinv(s->level * gsl_cdf_ugaussian_P(-n)) - n;
        return solve(resid_expected, s, s->m0[1], 0.5 * scale);
    }
    double lo = fmax(s->m0[0], s->m0[1]);
    return solve(resid_observed, s, lo, 0.5 * scale);
}

/* sigma of the Asimov statistic with the nuisance parameters held at the
 * Asimov data's own: a lower bound of the profiled one, for the first
 * estimate.  One NLL evaluation per step, counted. */
static double unprofiled_sigma(hfinfer_limit_ctx *c, double m0)
{
    hf_hypo *h = &c->h;
    double *x = malloc(h->npars * sizeof *x), sigma = NAN;
    if (!x)
        return NAN;
    memcpy(x, h->free_pars_A, h->npars * sizeof *x);
    double mu = hf_model_inits(h->m)[h->poi];
    if (!(mu > m0))
        mu = m0 + 1;
    for (int it = 0; it < 6; it++) {
        x[h->poi] = mu;
        double q = 2 * hf_model_nll(h->m, x, h->asimov, NULL, h->work) -
                   h->free_tnll_A;
        h->nevals++;
        if (!(q > 0) || !isfinite(q))
            break;
        sigma = (mu - m0) / sqrt(q);
        double next = m0 + 2 * sigma;
        if (fabs(next - mu) <= 0.1 * (next - m0))
            break;
        mu = next;
    }
    free(x);
    return sigma;
}

/* Is mu within LIMIT_ACCEPT of a test that has curve k's statistics? */
static int settled(const hfinfer_limit_ctx *c, int k, double mu)
{
    for (int i = 0; i < c->npts; i++)
        if ((k > 0 || !isnan(c->pts[i].q)) &&
            fabs(c->pts[i].mu - mu) <= LIMIT_ACCEPT * fabs(mu))
            return 1;
    return 0;
}

/* Does the estimate with one test fewer in each interpolation agree to
 * LIMIT_AGREE?  Their difference bounds the error of the lower order;
 * where the curve is not smooth (a fit changing its minimum, tests past
 * the POI's bounds) it keeps the search going. */
static int agrees(model *s, int k, double mu)
{
    s->reduced = 1;
    double lower = estimate(s, k);
    s->reduced = 0;
    return fabs(lower - mu) <= LIMIT_AGREE * fabs(mu);
}

/* Curve k's limit into *out (NaN where the search does not settle). */
static int search(hfinfer_limit_ctx *c, model *s, int k, double *out)
{
    *out = NAN;
    for (int t = 0; t <= LIMIT_MAX_TESTS; t++) {
        s->m0[0] = c->h.free_pars[c->h.poi]; /* a test may redo the free fit */
        double mu = estimate(s, k);
        if (!isfinite(mu) || !(mu > 0))
            return HF_OK;
        if (settled(c, k, mu) && agrees(s, k, mu)) {
            *out = mu;
            return HF_OK;
        }
        if (t < LIMIT_MAX_TESTS && !hfinfer_limit_eval(c, mu, k == 0))
            return c->rc;

    }
    return HF_OK;
}

int hfinfer_limit_agrees(const hfinfer_limit_ctx *c, int k, double mu)
{
    model s = {c, {0, 0}, c->sigma0, NAN, c->level, c->h.ts, 0};
    s.m0[0] = c->h.free_pars[c->h.poi];
    s.m0[1] = c->h.free_pars_A[c->h.poi];
    return fabs(estimate(&s, k) - mu) <= LIMIT_AGREE * fabs(mu);
}

int hfinfer_limit_interp(hfinfer_limit_ctx *c, hf_limit_result *res)
{
    model s = {c, {0, 0}, NAN, NAN, c->level, c->h.ts, 0};
    s.m0[0] = c->h.free_pars[c->h.poi];
    s.m0[1] = c->h.free_pars_A[c->h.poi];
    /* once a limit (limit.c solves again after a check's redo) */
    if (!c->sigma0)
        c->sigma0 = unprofiled_sigma(c, s.m0[1]);
    s.sigma0 = c->sigma0;
    if (!(s.sigma0 > 0) || !isfinite(s.sigma0))
        return HF_OK;
    /* the observed first (its tests give q_A too), the median, then the
     * band from its ends inwards (the +-1 sigma limits then lie between
     * tests); the median first cost 10-20% more evaluations, and so did
     * one Asimov test at the median's first estimate before the observed
     * on some workspaces (it saved as much on others) */
    static const int order[6] = {0, 3, 5, 1, 4, 2};
    for (int i = 0; i < 6; i++) {
        int k = order[i];
        int rc = search(c, &s, k, k == 0 ? &res->obs : &res->exp[k - 1]);
        if (rc != HF_OK)
            return rc;
    }
    return HF_OK;
}
