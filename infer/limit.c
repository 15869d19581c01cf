/*
 * limit.c - upper limits on the POI as pyhf.infer.intervals.upper_limits.
 * upper_limit without a scan: widen the POI bounds until they bracket
 * CLs = 1 - cl for the observed and every expected curve, then find each
 * crossing (pyhf: toms748; here: GSL's Brent, to a tighter tolerance).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "limit.h"

typedef hfinfer_lpoint point;
typedef hfinfer_limit_ctx limit_ctx;

/* How far past the nearer of two tests (in units of their distance) a
 * start is extrapolated: without a limit, the +2 sigma test of 2Ljets
 * extrapolated 72 times the 0.1 between two tests near the median. */
#define LIMIT_EXTRAP_MAX 4

/* What moved a test in check_crossing: guard_test, check_test's check. */
#define LIMIT_MOVED_GUARD 1
#define LIMIT_MOVED_CHECK 2
#define LIMIT_MOVED (LIMIT_MOVED_GUARD | LIMIT_MOVED_CHECK)
/* check_crossing settled (checked, and guarded where owed) a test: the
 * curves checked before it in the round are checked again
 * (hfinfer_limit_solve) */
#define LIMIT_SETTLED 4

/* How near (relative to mu) a test past the POI's upper bound must have
 * a seeding test to start from its fits (warm_start). */
#define LIMIT_NEAR_PAST 0.5

/* Does test p lie past the POI's upper bound? */
static int past_bound(const limit_ctx *c, const point *p)
{
    return p->mu > hf_model_upper(c->h.m)[c->h.poi];
}

/* Whether test p's fit of kind k may be where later tests start theirs:
 * not a cold one (no nearby start) within the POI's bounds whose check
 * from the inits is still to come (run_test): the fits of tests started
 * from a cold fit in the higher of two wells end there too (tests/pyhf/
 * asimov_inits.json: the first test's).  A cold one past the bound does
 * seed: its fits start from the free fits' points as a hypothesis test's,
 * and warm_start takes it only for tests near it. */
static int seeds(const limit_ctx *c, const point *p, int k)
{
    return p->fixed[k] && (p->checked || !p->cold || past_bound(c, p));
}

/* Do tests at x and y count as one (their fits differ by the fits'
 * rounding more than by the profile; limit_interp.c's nearest)? */
static int same_mu(double x, double y)
{
    return fabs(x - y) <= 1e-3 * fmax(fabs(x), fabs(y));
}

/* A start's parameter j at v, kept within its bounds; but the POI, which
 * the fit holds at mu: where the test lies past the POI's upper bound
 * that is mu (the line's or parabola's POI), not the bound.  From the
 * bound fit/ saw a jump of the POI from there to mu that the kept metric
 * does not describe (hffit_metric_usable: predicted q > 9) and took
 * hffit_ex's path, 28 evaluations a test past the bound on 3LRJ (94
 * tests, 2,657 in all), where from mu its BFGS starts with the metric.
 * Limits' evaluations (every patch): 3LRJ 12,679 -> 11,148, 1Lbb 41,997
 * -> 41,548, sbottom 77,344 -> 76,657, staus 13,003 -> 12,847,
 * syn_allmods 16,603 -> 13,111, syn_large 45,768 -> 39,637, syn_medium
 * 25,319 -> 25,068; every limit of those nine patchsets within 2.7e-9
 * relative, every test's fits at the same mu within [-1.4e-8, +2.7e-8]
 * in twice the NLL (the fits' tolerance; none in another well). */
static double start_bounded(const limit_ctx *c, int j, double v,
                            const double *lo, const double *hi)
{
    if (v < lo[j])
        return lo[j];
    return v > hi[j] && j != c->h.poi ? hi[j] : v;
}

/* A third test whose kind k fit may seed profile_start's parabola: the
 * nearest to mu but the two given (and none at their POI), -1: none. */
static int third_seed(const limit_ctx *c, int k, double mu, int best,
                      int next)
{
    int third = -1;
    for (int i = 0; i < c->npts; i++) {
        const point *p = &c->pts[i];
        if (!seeds(c, p, k) || same_mu(p->mu, c->pts[best].mu) ||
            same_mu(p->mu, c->pts[next].mu))
            continue;
        if (third < 0 || fabs(p->mu - mu) < fabs(c->pts[third].mu - mu))
            third = i;
    }
    return third;
}

/* profile_start's point with a third test: the parabola in mu through
 * the three tests' fits (Lagrange's form), kept within the parameters'
 * bounds in buf.  A profile bends (the nuisance parameters' pulls grow
 * faster than linearly where the signal dominates a bin): from the
 * parabola's point the 273 sbottom and staus limits took 102,671
 * evaluations for 103,723 from the line's, bench/'s SS3L 120 -> 116, 43
 * limits of the shared workspaces 37,947 -> 37,759, every limit within
 * 1e-11 relative (where the tests lie is unchanged: only their fits'
 * starts). */
static const double *quadratic_start(const limit_ctx *c, int k, double mu,
                                     int i0, int i1, int i2, double *buf)
{
    const double x[3] = {c->pts[i0].mu, c->pts[i1].mu, c->pts[i2].mu};
    const double *f[3] = {c->pts[i0].fixed[k], c->pts[i1].fixed[k],
                          c->pts[i2].fixed[k]};
    double w[3];
    for (int a = 0; a < 3; a++) {
        w[a] = 1;
        for (int b = 0; b < 3; b++)
            if (b != a)
                w[a] *= (mu - x[b]) / (x[a] - x[b]);
    }
    const double *lo = hf_model_lower(c->h.m), *hi = hf_model_upper(c->h.m);
    for (int j = 0; j < c->h.npars; j++) {
        double v = w[0] * f[0][j] + w[1] * f[1][j] + w[2] * f[2][j];
        buf[j] = start_bounded(c, j, v, lo, hi);
    }
    return buf;
}

/* Where test kind k's (0 data, 1 Asimov) fixed-POI fit at mu starts: on
 * the line through the fits of the nearest test and of a second one, the
 * nearest that lies beyond mu or, else, at least 1/LIMIT_EXTRAP_MAX of
 * mu's distance from the first (a profile is smooth in mu, and its
 * points move along a curve: from the line's point, 36 limits on the
 * shared workspaces took 3.8% fewer evaluations than from the nearest
 * test's, 2Ljets' 277 -> 256, and moved by at most 1.2e-10 relative).  With
 * one test, the line through its fit and the free fit of the same data
 * (where mu lies beyond the test, away from the free fit's POI: the
 * second test of a limit; 273 sbottom and staus limits 0.9% fewer
 * evaluations, 43 more of the shared workspaces' 0.6%, all within 5e-11
 * relative), else the test's fit; with none, NULL (the free fit's point).
 * The line's point is kept within the parameters' bounds in buf.  With a
 * third test (third_seed), the parabola through the three instead
 * (quadratic_start). */
static const double *profile_start(const limit_ctx *c, int k, double mu,
                                   double *buf)
{
    int best = -1, next = -1;
    for (int i = 0; i < c->npts; i++)
        if (seeds(c, &c->pts[i], k) &&
            (best < 0 ||
             fabs(c->pts[i].mu - mu) < fabs(c->pts[best].mu - mu)))
            best = i;
    if (best < 0)
        return NULL;
    double db = mu - c->pts[best].mu;
    int next_beyond = 0;
    for (int i = 0; i < c->npts; i++) {
        double d = c->pts[i].mu - c->pts[best].mu;
        if (!seeds(c, &c->pts[i], k) || d == 0)
            continue;
        int beyond = (d > 0) == (db > 0) && fabs(d) > fabs(db);
        if (!beyond && fabs(d) * LIMIT_EXTRAP_MAX < fabs(db))
            continue;
        if (next < 0 || beyond > next_beyond ||
            (beyond == next_beyond &&
             fabs(c->pts[i].mu - mu) < fabs(c->pts[next].mu - mu))) {
            next = i;
            next_beyond = beyond;
        }
    }
    const double *a = c->pts[best].fixed[k], *b = NULL;
    double mb = NAN;
    if (next >= 0) {
        b = c->pts[next].fixed[k];
        mb = c->pts[next].mu;
    } else {
        /* one test: the free fit (k's data) is the profile's point at
         * its own POI, where that lies on the other side of the test */
        b = k ? c->h.free_pars_A : c->h.free_pars;
        mb = b[c->h.poi];
        if (!((mb - c->pts[best].mu) * db < 0))
            b = NULL;
    }
    if (!b)
        return a;
    int third = next >= 0 ? third_seed(c, k, mu, best, next) : -1;
    if (third >= 0)
        return quadratic_start(c, k, mu, best, next, third, buf);
    const double *lo = hf_model_lower(c->h.m), *hi = hf_model_upper(c->h.m);
    double t = db / (mb - c->pts[best].mu);
    for (int j = 0; j < c->h.npars; j++) {
        double v = a[j] + t * (b[j] - a[j]);
        buf[j] = start_bounded(c, j, v, lo, hi);
    }
    return buf;
}

/* Is there a test whose kind k fit seeds, within LIMIT_NEAR_PAST of mu? */
static int near_seed(const limit_ctx *c, int k, double mu)
{
    for (int i = 0; i < c->npts; i++)
        if (seeds(c, &c->pts[i], k) &&
            fabs(c->pts[i].mu - mu) <= LIMIT_NEAR_PAST * fabs(mu))
            return 1;
    return 0;
}

/* The fixed-POI fits of the test at mu start near the profile of the
 * tests done (profile_start: a profile changes little between nearby POI
 * values, a fraction of the evaluations from the free fit's point).  The
 * order of the tests is a function of the model and data alone, so the
 * limits are too; on every shared reference they are those of fits
 * started from the free fit's point (within 3e-5 relative). */
static int warm_start(limit_ctx *c, point *p, double mu)
{
    size_t np = c->h.npars;
    double *buf = malloc(2 * (np ? np : 1) * sizeof *buf);
    if (!buf || (!c->start && !(c->start = malloc(2 * (np ? np : 1) *
                                                  sizeof *c->start)))) {
        free(buf);
        return c->rc = hfcore_error_set(c->err, HF_ERR_NOMEM,
                                        "upper limit: out of memory");
    }
    /* Past the POI's upper bound (where pyhf never tests) the fits of
     * syn_allmods have several minima: a start extrapolated from tests far
     * away found higher ones that the checks from the inits do not (its
     * sig_200_25's test at mu = 141.7 started from the line through the
     * free fit and a test at 25.1 ended 0.30 higher in twice the NLL than
     * from the free fit's point, its +2 sigma limit 1.3e-4 off).  There a
     * test starts from the free fits' points (cold) unless a seeding test
     * lies within LIMIT_NEAR_PAST of it: the tests that refine a crossing
     * (the ones that decide it), each cold one costing 40-130
     * evaluations on 3LRJ's and 1Lbb's compressed points, warm 5-40.
     * Against all of them cold: the 64 3LRJ limits 16,606 -> 14,267
     * evaluations (ERJR_110p0_70p0 1,707 -> 1,538), 1Lbb's 125 46,279 ->
     * 44,141, sbottom's and staus' 273 98,621 -> 97,837, 43 more of the
     * shared workspaces 37,057 -> 34,690; every limit within 1.7e-5
     * relative but sbottom 1100_131_1's +1 sigma (1.75e-4) and syn_large
     * sig_500_25's median and +2 sigma (1.1e-2, 5.7e-2), whose deciding
     * tests now rest on Asimov fits lower in twice the NLL than the
     * hypothesis tests' at the same mu (by 0.0020 at 14.41; 0.088 at
     * 16.43 and 1.55 at 31.51).  (Warm fits can cost more: 9 of syn_large's
     * 32 limits took over 5% more evaluations, sig_450_25 1,901 -> 3,557.) */
    int inside = mu <= hf_model_upper(c->h.m)[c->h.poi];
    p->own = p->fixed[0] = buf;
    p->fixed[1] = buf + np;
    for (int k = 0; k < 2; k++) {
        c->h.fixed_start[k] =
            inside || near_seed(c, k, mu)
                ? profile_start(c, k, mu, c->start + k * np)
                : NULL;
        c->h.fixed_keep[k] = p->fixed[k];
    }
    return HF_OK;
}

/* A limit's fits where the free fit left no metric for them (its POI
 * held on a bound: no curvature along it, the case of 2Ljets, sbottom,
 * DVmuon) start fit/'s BFGS from the Gauss-Newton inverse Hessian
 * (fit/gauss.c) at the test's Asimov start instead of taking NLopt's
 * L-BFGS: from a near start that still cost 17-27 evaluations on 2Ljets,
 * with the metric 5-7, plus the metric's one evaluation a main bin (5).
 * The data's fits of the test take it too (their curvature is nearly the
 * Asimov data's).  Only where the main bins number at most half the free
 * parameters (as asymptotic.c's probe), not on ROOT's kinked codes
 * (hffit_ex's own fits there), and only for tests that start from an
 * earlier test's Asimov fit (the first keeps the hypotest's fits and its
 * check from the inits; past the POI's bound only those near a seeding
 * test do).
 * Made at each test's start: one made once, at the first test, took
 * another path on syn_zeros sig_200_0 at mu = 3.30, to a point 0.056
 * higher in twice the NLL than the fit from the inits (its +1 sigma limit
 * 0.5% off); from each start's own metric every fit ends where the
 * L-BFGS's did.  (That point is not the metric's alone: from the start
 * a test at 3.2988 gets when the tests lie elsewhere, the L-BFGS ends
 * there too: hfinfer_limit_solve's checks from the inits find the lower
 * well; tests/test_limit_check.c.)  On the 52 limits of bench/'s and the references'
 * workspaces (limit.c's warm starts otherwise as before): 2Ljets 236 ->
 * 155 evaluations, sbottom 1300_205_60 306 -> 279, syn_zeros -25 to -35%,
 * the limits within 3e-10 relative.  In place of a usable metric of the
 * free fit (made once) it took more evaluations on 12 of 36: not used
 * there. */
static int gauss_metric(limit_ctx *c)
{
    hf_hypo *h = &c->h;
    const hffit_metric *mt = &h->metric;
    if (c->have_metric < 0 || !h->fixed_start[1] || !mt->Hinv ||
        mt->kinked || (mt->have && !mt->poi_held) || mt->poi_var < 0 ||
        2 * hf_model_nmain(h->m) > mt->n)
        return 0;
    if (!c->have_metric) {
        if (hffit_metric_alloc(&c->metric, h->m) != HF_OK) {
            c->have_metric = -1;
            return 0;
        }
        c->have_metric = 1;
    }
    int n = 0, *idx = malloc((mt->n ? mt->n : 1) * sizeof *idx);
    if (!idx)
        return 0;
    const unsigned char *fixed = hf_model_fixed(h->m);
    for (int i = 0; i < h->npars; i++)
        if (!fixed[i])
            idx[n++] = i;
    int rc = hffit_gauss_newton(h->m, h->asimov, h->fixed_start[1], n, idx,
                                h->width, c->metric.Hinv, &h->nevals);
    free(idx);
    c->metric.have = c->metric.frozen = 1;
    return rc == HF_OK;
}

void hfinfer_limit_free(limit_ctx *c)
{
    for (int i = 0; i < c->npts; i++)
        free(c->pts[i].own);
    free(c->pts);
    free(c->start);
    if (c->have_metric > 0)
        hffit_metric_free(&c->metric);
    c->have_metric = 0;
    c->pts = NULL;
    c->start = NULL;
    c->npts = 0;
}

/* A test's failure said with its mu: sbottom 700_680_550's band, whose
 * CLs stays far above the level past the POI's bound (0.75 for +2 sigma
 * at mu = 10), sends the search out to mu ~ 1e18, where a fit fails; the
 * message said only "fit: no convergence", as if the hypotest had. */
static int test_failed(limit_ctx *c, int rc, double mu)
{
    char what[64];
    if (rc == HF_ERR_NOMEM)
        return rc;
    snprintf(what, sizeof what, "upper limit: the test at mu = %.6g", mu);
    return hfcore_error_blame(what, rc, c->err);
}

/* The test at mu into *p (not yet in c->pts), its fixed-POI fits of kind
 * k started from starts[k] where given (check_test's redo), else from
 * profile_start's point; with quick, its fits (not the first test's)
 * defer retry.c's refits (guard_test). */
static int run_test(limit_ctx *c, point *p, double mu, int observed,
                    const double *const *starts, int quick)
{
    hf_cls_result r;
    int rc = warm_start(c, p, mu);
    for (int k = 0; rc == HF_OK && starts && k < 2; k++)
        if (starts[k])
            c->h.fixed_start[k] = starts[k];
    /* the test's fits take the limit's metric (gauss_metric) in place of
     * the free fit's: h.metric is what every fit of hfinfer_hypo_eval
     * hands to fit/; the free fit's is put back unchanged */
    hffit_metric own;
    double own_kept = c->h.kept_mu; /* the mu of what each metric keeps */
    int swap = rc == HF_OK && gauss_metric(c);
    if (swap) {
        own = c->h.metric;
        c->h.metric = c->metric;
        c->h.kept_mu = c->kept_mu;
    }
    c->h.fixed_keep_tnll[1] = NAN;
    /* hypo_fit checks the Asimov fit from the inits where it has no
     * nearby start: the first test only.  The cold ones past the POI's
     * bound are checked by check_crossing where they decide a crossing,
     * with the same check (hfinfer_hypo_check_asimov); the others only
     * placed tests (and seed only near ones: warm_start).  On the 273
     * sbottom and staus limits 0.5% fewer evaluations, on the shared
     * syn_allmods 8-12%, every limit within 5e-12 relative.  The first
     * test's check stays: every later test starts from its fits, and on
     * tests/pyhf/asimov_inits.json, where its cold Asimov fit ends in the
     * higher of two wells, they all followed it there (the limit failed:
     * the checks found lower wells round after round). */
    p->cold = !c->h.fixed_start[1];
    c->h.defer_check = c->npts > 0;
    p->checked = p->cold && !c->h.defer_check;
    /* every test but the first (the hypothesis test's fits, which every
     * later one starts from) defers the refits, the cold ones past the
     * bound too: 3LRJ's 64 limits 14,267 -> 14,176 evaluations
     * (ERJR_110p0_70p0 1,538 -> 1,447), sbottom's and staus' 273 97,837 ->
     * 97,575, 43 more of the shared workspaces 34,690 -> 33,609, every
     * limit the same to the last digit */
    c->h.quick = quick && c->npts > 0;
    c->h.deferred = c->h.refit = 0;
    c->h.fixed_keep_tnll[0] = NAN;
    if (rc == HF_OK)
        rc = hfinfer_hypo_eval(&c->h, mu, observed, &r, c->err);
    p->quick = c->h.deferred > 0; /* else guarded as without */
    c->h.defer_check = c->h.quick = c->h.deferred = 0;
    if (swap) {
        c->metric = c->h.metric; /* with the buffers its fits allocated */
        c->h.metric = own;
        c->kept_mu = c->h.kept_mu;
        c->h.kept_mu = own_kept;
    }
    c->h.fixed_start[0] = c->h.fixed_start[1] = NULL;
    c->h.fixed_keep[0] = c->h.fixed_keep[1] = NULL;
    if (rc != HF_OK) {
        free(p->own);
        p->own = NULL;
        return c->rc = test_failed(c, rc, mu);
    }
    if (!observed || isnan(r.test_stat))
        p->fixed[0] = NULL;
    if (isnan(r.test_stat_asimov))
        p->fixed[1] = NULL;
    p->mu = mu;
    p->v[0] = observed ? r.cls_obs : NAN;
    memcpy(p->v + 1, r.cls_exp, sizeof r.cls_exp);
    p->q = observed ? r.test_stat : NAN;
    p->qA = r.test_stat_asimov;
    p->t0 = c->h.fixed_keep_tnll[0];
    p->tA = c->h.fixed_keep_tnll[1];
    return HF_OK;
}

const hfinfer_lpoint *hfinfer_limit_eval(hfinfer_limit_ctx *c, double mu,
                                         int observed)
{
    for (int i = 0; i < c->npts; i++)
        if (c->pts[i].mu == mu && (!observed || !isnan(c->pts[i].v[0])))
            return &c->pts[i];
    if (c->npts == c->cap) {
        int cap = c->cap ? 2 * c->cap : 32;
        point *p = realloc(c->pts, cap * sizeof *p);
        if (!p) {
            c->rc = hfcore_error_set(c->err, HF_ERR_NOMEM,
                                 "upper limit: out of memory");
            return NULL;
        }
        c->pts = p;
        c->cap = cap;
    }
    point *p = &c->pts[c->npts];
    if (run_test(c, p, mu, observed, NULL, 1) != HF_OK)
        return NULL;
    c->npts++;
    return p;
}

/* Test i, whose fixed-POI fits deferred retry.c's refits at a bound
 * (run_test's quick, hf_hypo.quick), done again from its own fits' points
 * with them: where a fit ends lower, that test replaces it (*moved |=
 * LIMIT_MOVED_GUARD), else it stays as it was.  The tests that only
 * bracket a crossing never pay for the refits: on sbottom 600_131_1,
 * 550_131_1, 500_131_1 every fit above mu ~ 4.9 ends with mu_ttbar on its
 * bound 0 and is redone from 3 points (25-88 evaluations each), all back
 * at the same minimum.  The 273 sbottom and staus limits: 106,548 ->
 * 105,318 evaluations (550_131_1 2,916 -> 2,342), 34 -> 33 over 4 times
 * their hypotest, every limit within 5e-11 relative.  (Doing every
 * deciding test again, whatever it deferred, cost more than it saved.)
 * Where the redo's Asimov fit was refit (it ended on a bound again), one
 * of its refits is hffit_ex from the inits at full tolerance: the fit
 * that check_test's check from the inits ends with where its probe does
 * not reach the warm minimum's basin (asymptotic.c's asimov_cold).  The
 * test then counts as checked: 3LRJ's 6 guards' checks cost 259
 * evaluations (ERJR_110p0_70p0 207) and found no lower well; sbottom's
 * 216 limits 79,429 -> 78,648; 1Lbb and staus have no such test.  Every
 * limit of the four workspaces the same to the last digit. */
static int guard_test(limit_ctx *c, int i, int *moved)
{
    point *p = &c->pts[i], q = {0};
    const double *starts[2] = {p->fixed[0], p->fixed[1]};
    int rc = run_test(c, &q, p->mu, !isnan(p->v[0]), starts, 0);
    if (rc != HF_OK)
        return rc;
    p = &c->pts[i];
    if ((p->fixed[0] && hffit_lower(q.t0, p->t0)) ||
        (p->fixed[1] && hffit_lower(q.tA, p->tA))) {
        free(p->own);
        *p = q;
        *moved |= LIMIT_MOVED_GUARD;
    } else {
        free(q.own);
        p->quick = 0;
        p->checked = (c->h.refit & 2) != 0;
    }
    return HF_OK;
}

/* Test i's Asimov fit checked from the inits as a hypothesis test's is
 * (hfinfer_hypo_check_asimov); where that finds a lower well the test is
 * done again from it (*moved |= LIMIT_MOVED_CHECK).  (Its data fit has no
 * such check in a hypothesis test either.)  A test that deferred refits
 * is first done with them (guard_test), which may check it already. */
static int check_test(limit_ctx *c, int i, int *moved)
{
    if (c->pts[i].quick) {
        int guarded = 0, rc = guard_test(c, i, &guarded);
        *moved |= guarded;
        if (rc != HF_OK || guarded || c->pts[i].checked)
            return rc;
    }
    point *p = &c->pts[i];
    size_t np = c->h.npars;
    p->checked = 1;
    if (!p->fixed[1] || !isfinite(p->tA))
        return HF_OK;
    double *x = malloc((np ? np : 1) * sizeof *x), t = p->tA;
    if (!x)
        return c->rc = hfcore_error_set(c->err, HF_ERR_NOMEM,
                                        "upper limit: out of memory");
    memcpy(x, p->fixed[1], np * sizeof *x);
    int rc = HF_OK;
    if (hfinfer_hypo_check_asimov(&c->h, p->mu, x, &t)) {
        point q = {0};
        const double *starts[2] = {NULL, x};
        rc = run_test(c, &q, p->mu, !isnan(p->v[0]), starts, 0);
        if (rc == HF_OK) {
            free(p->own);
            *p = q;
            p->checked = 1;
            *moved |= LIMIT_MOVED_CHECK;
        }
    }
    free(x);
    return rc;
}

/* The test nearest to mu with curve k's statistics (only those not
 * checked where unchecked; -1: none). */
static int nearest_test(const limit_ctx *c, int k, double mu, int unchecked)
{
    int best = -1;
    for (int i = 0; i < c->npts; i++) {
        const point *p = &c->pts[i];
        if ((unchecked && p->checked) || (k == 0 && isnan(p->v[0])))
            continue;
        if (best < 0 || fabs(p->mu - mu) < fabs(c->pts[best].mu - mu))
            best = i;
    }
    return best;
}

/* Does the model through the checked tests alone put curve k's crossing
 * at mu (hfinfer_limit_agrees)? */
static int checked_agree(const limit_ctx *c, int k, double mu, point *buf)
{
    limit_ctx only = *c;
    only.pts = buf;
    only.npts = 0;
    for (int i = 0; i < c->npts; i++)
        if (c->pts[i].checked)
            buf[only.npts++] = c->pts[i];
    return hfinfer_limit_agrees(&only, k, mu);
}

/* Curve k's crossing at mu made to rest on checked tests: unless the
 * model through the checked tests alone already puts the crossing within
 * LIMIT_AGREE of mu, the nearest test is checked (check_test), and then
 * the next nearest, until it does (the unchecked ones then do not decide
 * it: the same test as limit_interp.c's agrees).  Stops at a check that
 * moved a test (the crossings are then solved again).  Checking both
 * tests around each crossing instead cost DVmuon 104 evaluations, SS3L
 * 124 (4.13 times its hypotest), the nearest first 100 and 120, with the
 * same limits on 50 of bench/'s and the references' workspaces.  The
 * tests checked for one crossing often already decide the next (the
 * band's ends bracket the +-1 sigma crossings): not checking the nearest
 * test then saved 2.0% of the 273 sbottom and staus limits' evaluations
 * (100,634 -> 98,621), SS3L 116 -> 112, every limit the same. */
static int check_crossing(limit_ctx *c, int k, double mu, int *moved)
{
    point *buf = malloc((c->npts ? c->npts : 1) * sizeof *buf);
    if (!buf)
        return c->rc = hfcore_error_set(c->err, HF_ERR_NOMEM,
                                        "upper limit: out of memory");
    int rc = HF_OK, i = nearest_test(c, k, mu, 0);
    if (i >= 0 && !c->pts[i].checked && !checked_agree(c, k, mu, buf))
        rc = check_test(c, i, moved), *moved |= LIMIT_SETTLED;
    while (rc == HF_OK && !(*moved & LIMIT_MOVED) &&
           !checked_agree(c, k, mu, buf) &&
           (i = nearest_test(c, k, mu, 1)) >= 0)
        rc = check_test(c, i, moved), *moved |= LIMIT_SETTLED;
    free(buf);
    return rc;
}

static const point *evaluate(limit_ctx *c, double mu, int observed)
{
    return hfinfer_limit_eval(c, mu, observed);
}

static double distance(double mu, void *arg)
{
    limit_ctx *c = arg;
    if (c->rc != HF_OK)
        return 0; /* finite: GSL would call its (global) error handler */
    const point *p = evaluate(c, mu, c->curve == 0);
    if (!p)
        return 0;
    /* CLs is 0/0 where both tails underflow, deep in the excluded range */
    double v = p->v[c->curve];
    if (isnan(v) || v < 1e-300)
        v = 1e-300;
    if (v > 1 - 1e-16)
        v = 1 - 1e-16;
    /* On this scale CLs is near linear in mu: fewer Brent steps */
    return gsl_cdf_ugaussian_Pinv(v) - gsl_cdf_ugaussian_Pinv(c->level);
}

/* pyhf's best_bracket: the cached points closest to the level from above
 * and from below. */
static int best_bracket(const limit_ctx *c, int curve, double *lo,
                        double *hi)
{
    double best_pos = INFINITY, best_neg = -INFINITY;
    for (int i = 0; i < c->npts; i++) {
        double v = c->pts[i].v[curve] - c->level;
        if (v >= 0 && v < best_pos) {
            best_pos = v;
            *lo = c->pts[i].mu;
        } else if (v < 0 && v > best_neg) {
            best_neg = v;
            *hi = c->pts[i].mu;
        }
    }
    return isfinite(best_pos) && isfinite(best_neg);
}

static int any_beyond(const point *p, double level, int below)
{
    for (int k = 0; k < 6; k++)
        if (below ? p->v[k] < level : p->v[k] > level)
            return 1;
    return 0;
}

static int root(limit_ctx *c, int curve, double lo, double hi, double *out)
{
    static const char *names[] = {"observed", "expected -2 sigma",
                                  "expected -1 sigma", "expected",
                                  "expected +1 sigma", "expected +2 sigma"};
    gsl_function f = {distance, c};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return hfcore_error_set(c->err, HF_ERR_NOMEM, "upper limit: out of memory");
    c->curve = curve;
    *out = NAN;
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    /* GSL reports a bracket that does not straddle the level through its
     * global error handler: check it here. */
    double flo = distance(lo, c), fhi = distance(hi, c);
    /* POI bounds like [0, 1e30] would take Brent ~100 bisections: narrow
     * such a bracket on a log scale first. */
    while (c->rc == HF_OK && flo > 0 && fhi < 0 &&
           hi > 100 * (lo > 1 ? lo : 1)) {
        double mid = lo > 1 ? sqrt(lo * hi) : sqrt(hi);
        double fmid = distance(mid, c);
        if (fmid > 0) {
            lo = mid;
            flo = fmid;
        } else {
            hi = mid;
            fhi = fmid;
        }
    }
    int status = GSL_EINVAL, done = 0;
    if (c->rc == HF_OK && (flo == 0 || fhi == 0)) {
        *out = flo == 0 ? lo : hi;
        status = GSL_SUCCESS;
        done = 1;
    } else if (c->rc == HF_OK && (flo > 0) != (fhi > 0)) {
        status = gsl_root_fsolver_set(s, &f, lo, hi);
    }
    for (int iter = 0; !done && c->rc == HF_OK && status == GSL_SUCCESS &&
                       iter < 100;
         iter++) {
        status = gsl_root_fsolver_iterate(s);
        if (status != GSL_SUCCESS || c->rc != HF_OK)
            break;
        *out = gsl_root_fsolver_root(s);
        status = gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
                                        gsl_root_fsolver_x_upper(s), 1e-12,
                                        1e-6);
        done = status == GSL_SUCCESS;
        if (status == GSL_CONTINUE)
            status = GSL_SUCCESS;
    }
    if (!done && status == GSL_SUCCESS)
        status = GSL_EMAXITER;
    gsl_root_fsolver_free(s);
    if (c->rc != HF_OK)
        return c->rc;
    if (status != GSL_SUCCESS)
        return hfcore_error_set(c->err, HF_ERR_NUMERIC,
                            "upper limit: no %s crossing of CLs = %g found "
                            "in [%g, %g] (%s)",
                            names[curve], c->level, lo, hi,
                            gsl_strerror(status));
    return HF_OK;
}

/* pyhf's route, for the curves limit_interp.c left: the POI bounds
 * halved/doubled until they bracket the level on every curve, then each
 * crossing by Brent. */
static int bracket_and_solve(limit_ctx *c, hf_limit_result *res)
{
    const hf_model *m = c->h.m;
    int poi = c->h.poi, rc = HF_OK;
    double lo = hf_model_lower(m)[poi], hi = hf_model_upper(m)[poi];
    const point *p;
    /* pyhf halves/doubles without end; 60 steps reach any double. */
    int steps = 0;
    while ((p = evaluate(c, lo, 1)) && any_beyond(p, c->level, 1) &&
           ++steps < 60)
        lo /= 2;
    if (p && steps < 60) {
        steps = 0;
        while ((p = evaluate(c, hi, 1)) && any_beyond(p, c->level, 0) &&
               ++steps < 60)
            hi *= 2;
    }
    if (!p)
        return c->rc;
    if (steps >= 60)
        return hfcore_error_set(c->err, HF_ERR_NUMERIC,
                          "upper limit: cannot bracket CLs = %g by scaling "
                          "the POI bounds", c->level);
    if (isnan(res->obs))
        rc = root(c, 0, lo, hi, &res->obs);
    for (int k = 0; k < 5 && rc == HF_OK; k++) {
        double blo = lo, bhi = hi;
        if (!isnan(res->exp[k]))
            continue;
        best_bracket(c, k + 1, &blo, &bhi);
        rc = root(c, k + 1, blo, bhi, &res->exp[k]);
    }
    return rc;
}

/* The six crossings from the tests (limit_interp.c, else bracketing
 * and Brent). */
static int solve(limit_ctx *c, hf_limit_result *res)
{
    res->obs = NAN;
    for (int k = 0; k < 5; k++)
        res->exp[k] = NAN;
    int rc = hfinfer_limit_interp(c, res);
    int left = isnan(res->obs);
    for (int k = 0; k < 5; k++)
        left |= isnan(res->exp[k]);
    if (rc == HF_OK && left)
        rc = bracket_and_solve(c, res);
    return rc;
}

/* Rounds of solve and check_crossing before a limit whose checks keep
 * finding lower wells is given up as an error. */
#define LIMIT_CHECK_ROUNDS 8

/* solve(), with the tests that decide each crossing checked from the
 * inits as a hypothesis test is: a test after the first starts its
 * fixed-POI fits from nearby tests' (profile_start), and hypo_fit skips
 * the check there; from such a start syn_zeros sig_200_0's Asimov fit at
 * mu = 3.30 can end 0.056 higher in twice the NLL than from the inits,
 * its +1 sigma limit 0.5% off (tests/test_limit_check.c).  Checking
 * every test (in hypo_fit) cost 14-27% more evaluations per limit on the
 * shared real workspaces, DVmuon and SS3L over 4 times their hypotest;
 * the tests away from the crossings only place the next tests
 * (check_crossing says which are checked).  Where a check finds a lower
 * well, that test is redone from it and the crossings solved again (the
 * tests done are reused), their deciding tests checked in turn. */
int hfinfer_limit_solve(hfinfer_limit_ctx *c, hf_limit_result *res)
{
    int rc = solve(c, res), rounds[2] = {0, 0};
    while (rc == HF_OK) {
        int moved = 0;
        for (int k = 0; k < 6 && rc == HF_OK; k++) {
            double mu = k ? res->exp[k - 1] : res->obs;
            if (isfinite(mu))
                rc = check_crossing(c, k, mu, &moved);
        }
        if (rc != HF_OK || !moved)
            break;
        /* a test settled for one curve joins the settled tests of the
         * curves checked before it in the round, whose model through them
         * may then put their crossings elsewhere: with no test moved (the
         * limits as they were), every curve is checked again, so that each
         * crossing rests on its settled tests whatever the order of the
         * curves (on sbottom 600_131_1 checking the observed curve last
         * left the -2 sigma one off them; tests/test_limit_check.c).  Each
         * such round settles a test more, so these rounds end. */
        if (!(moved & LIMIT_MOVED))
            continue;
        /* a round where only guard_test moved tests counts apart: each
         * is a deferred guard of that test's, which hypo_fit would have
         * kept in place without using up the checks' rounds */
        if (++rounds[(moved & LIMIT_MOVED_CHECK) != 0] == LIMIT_CHECK_ROUNDS)
            return hfcore_error_set(c->err, HF_ERR_NUMERIC,
                                    "upper limit: %s still find lower "
                                    "minima after %d rounds",
                                    moved & LIMIT_MOVED_CHECK
                                        ? "the Asimov fits' checks from "
                                          "the inits"
                                        : "the deciding tests' guards",
                                    LIMIT_CHECK_ROUNDS);
        rc = solve(c, res);
    }
    return rc;
}

/* c set up for a limit at cl (res NaN): HF_OK, or the arguments' error */
static int limit_begin(limit_ctx *c, double cl, hf_test_stat ts,
                       hf_limit_result *res, hf_error *err)
{
    memset(c, 0, sizeof *c);
    c->kept_mu = NAN;
    c->level = 1 - cl;
    c->err = err;
    res->obs = NAN;
    for (int k = 0; k < 5; k++)
        res->exp[k] = NAN;
    res->nevals = 0;
    if (!(cl > 0 && cl < 1))
        return hfcore_error_set(err, HF_ERR_ARG,
                            "upper limit: confidence level %g is not in "
                            "(0, 1)", cl);
    if (ts != HF_TEST_QMU && ts != HF_TEST_QMU_TILDE)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "upper limit: needs the qmu or qmu_tilde test "
                            "statistic");
    return HF_OK;
}

/* The limit from c.h as hfinfer_hypo_init left it; frees c. */
static int limit_end(limit_ctx *c, hf_limit_result *res)
{
    int rc = hfinfer_limit_solve(c, res);
    res->nevals = c->h.nevals;
    hfinfer_hypo_free(&c->h);
    hfinfer_limit_free(c);
    return rc;
}

static int upper_limit_impl(const hf_model *m, const double *data, double cl,
                   hf_test_stat ts, const hf_fit_options *opt,
                   hf_limit_result *res, hf_error *err)
{
    limit_ctx c;
    int rc = limit_begin(&c, cl, ts, res, err);
    if (rc != HF_OK)
        return rc;
    rc = hfinfer_hypo_init(&c.h, m, data, ts, opt, err);
    if (rc != HF_OK) {
        res->nevals = c.h.nevals;
        return rc;
    }
    return limit_end(&c, res);
}

/* hfcls's hypotest and limit on one init (infer.h).  The hypotest's fits
 * at its mu change what the limit would start from (hfinfer_hypo_reset
 * says what), so the state after the init is kept and put back: every
 * number and evaluation count as alone (hfcls --upper-limit --stats on
 * every 1Lbb, 3LRJ, sbottom and staus patch, and bench/guard_outputs.sh),
 * the init's fits done once: hfcls --upper-limit's evaluations in all on
 * 3LRJ's 64 patches 15,750 -> 13,812 (the init's 1,938), 1Lbb's 125
 * 57,242 -> 49,130 (8,112), sbottom's 216 105,231 -> 98,176, staus' 57
 * 18,058 -> 16,047. */
struct hfinfer_cls_limit {
    limit_ctx c;
    hfinfer_hypo_state st;
    int shared; /* st holds c.h as the init left it (else a limit alone) */
    const hf_model *m;
    const double *data;
    hf_test_stat ts;
    const hf_fit_options *opt;
};

void hfinfer_cls_limit_free(hfinfer_cls_limit *s)
{
    if (!s)
        return;
    hfinfer_hypo_free(&s->c.h);
    hfinfer_hypo_state_free(&s->st);
    free(s);
}

/* hf_cls_asymptotic's checks, then its init and test, c.h kept in *s */
static int cls_begin(hfinfer_cls_limit *s, double mu, hf_cls_result *res,
                     hf_error *err)
{
    int rc = hfinfer_cls_check(s->m, &mu, 1, s->ts, res, err);
    if (rc != HF_OK)
        return rc;
    rc = hfinfer_hypo_init(&s->c.h, s->m, s->data, s->ts, s->opt, err);
    if (rc != HF_OK) {
        res->nevals = s->c.h.nevals;
        memset(&s->c.h, 0, sizeof s->c.h); /* freed by the init */
        return rc;
    }
    s->shared = hfinfer_hypo_mark(&s->c.h, &s->st) == HF_OK;
    return hfinfer_hypo_eval(&s->c.h, mu, 1, res, err);
}

int hfinfer_cls_limit_begin(const hf_model *m, const double *data, double mu,
                            hf_test_stat ts, const hf_fit_options *opt,
                            hf_cls_result *res, hfinfer_cls_limit **out,
                            hf_error *err)
{
    hfinfer_cls_limit *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) {
        memset(res, 0, sizeof *res);
        res->cls_obs = NAN;
        return hfcore_error_set(err, HF_ERR_NOMEM, "hypotest: out of memory");
    }
    s->m = m;
    s->data = data;
    s->ts = ts;
    s->opt = opt;
    int rc = cls_begin(s, mu, res, err);
    if (rc != HF_OK) {
        hfinfer_cls_limit_free(s);
        return hfcore_error_blame(hfmodel_source(m), rc, err);
    }
    *out = s;
    return HF_OK;
}

int hfinfer_cls_limit_end(hfinfer_cls_limit *s, double cl,
                          hf_limit_result *res, hf_error *err)
{
    const hf_model *m = s->m;
    int rc;
    if (!s->shared) {
        rc = upper_limit_impl(m, s->data, cl, s->ts, s->opt, res, err);
        hfinfer_cls_limit_free(s);
        return hfcore_error_blame(hfmodel_source(m), rc, err);
    }
    limit_ctx *c = &s->c;
    hf_hypo h = c->h; /* limit_begin clears c */
    rc = limit_begin(c, cl, s->ts, res, err);
    c->h = h;
    if (rc == HF_OK) {
        hfinfer_hypo_reset(&c->h, &s->st);
        rc = limit_end(c, res); /* frees c->h */
    }
    hfinfer_cls_limit_free(s);
    return hfcore_error_blame(hfmodel_source(m), rc, err);
}

/* numpy.interp(x, xp, fp) for xp meant to increase: the end values
 * outside, linear inside; the interval found by bisection as numpy does,
 * so a non-monotonic xp gives numpy's answer too. */
static double np_interp(double x, const double *xp, const double *fp, int n)
{
    if (n == 1 || x <= xp[0])
        return fp[0];
    if (x >= xp[n - 1])
        return fp[n - 1];
    int lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (x >= xp[mid])
            lo = mid;
        else
            hi = mid;
    }
    double slope = (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo]);
    return slope * (x - xp[lo]) + fp[lo];
}

static int upper_limit_scan_impl(const hf_model *m, const double *data,
                        const double *mu, int n, double cl, hf_test_stat ts,
                        const hf_fit_options *opt, hf_cls_result *scan,
                        hf_limit_result *res, hf_error *err)
{
    if (n < 1 || !mu || !res)
        return hfcore_error_set(err, HF_ERR_ARG, "upper limit scan: no POI values");
    if (ts == HF_TEST_Q0)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "upper limit scan: q0 is a discovery test statistic, not one "
                            "for upper limits");
    if (!(cl > 0 && cl < 1))
        return hfcore_error_set(err, HF_ERR_ARG,
                            "upper limit scan: confidence level %g is not in (0, 1)", cl);
    /* the interpolation reads the scan as increasing in mu: an unsorted
     * or repeated value would give a wrong limit silently */
    for (int i = 1; i < n; i++)
        if (!(mu[i] > mu[i - 1]))
            return hfcore_error_set(err, HF_ERR_ARG,
                                "upper limit scan: POI values must increase "
                                "strictly: mu[%d] = %g follows mu[%d] = %g",
                                i, mu[i], i - 1, mu[i - 1]);
    hf_cls_result *r = scan ? scan : malloc(sizeof *r * (size_t)n);
    double *xp = malloc(sizeof(double) * (size_t)n), *fp = malloc(sizeof(double) * (size_t)n);
    int rc = HF_OK;
    if (!r || !xp || !fp) {
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "upper limit scan: out of memory");
        goto out;
    }
    rc = hf_cls_scan(m, data, mu, n, ts, opt, r, err);
    if (rc)
        goto out;
    /* pyhf reverses scan and CLs so that CLs (falling with mu) increases */
    for (int i = 0; i < n; i++)
        fp[i] = mu[n - 1 - i];
    for (int i = 0; i < n; i++)
        xp[i] = r[n - 1 - i].cls_obs;
    res->obs = np_interp(1 - cl, xp, fp, n);
    for (int j = 0; j < 5; j++) {
        for (int i = 0; i < n; i++)
            xp[i] = r[n - 1 - i].cls_exp[j];
        res->exp[j] = np_interp(1 - cl, xp, fp, n);
    }
    res->nevals = r[n - 1].nevals;
out:
    if (r != scan)
        free(r);
    free(xp);
    free(fp);
    return rc;
}

int hf_upper_limit(const hf_model *m, const double *data, double cl,
                   hf_test_stat ts, const hf_fit_options *opt,
                   hf_limit_result *res, hf_error *err)
{
    if (!m || !data || !res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_upper_limit: NULL argument (m, data, res may not be NULL)");
    return hfcore_error_blame(hfmodel_source(m), upper_limit_impl(m, data, cl, ts, opt, res, err), err);
}

int hf_upper_limit_scan(const hf_model *m, const double *data,
                        const double *mu, int n, double cl, hf_test_stat ts,
                        const hf_fit_options *opt, hf_cls_result *scan,
                        hf_limit_result *res, hf_error *err)
{
    if (!m || !data || !mu || !res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_upper_limit_scan: NULL argument (m, data, mu, res may not be NULL)");
    return hfcore_error_blame(hfmodel_source(m), upper_limit_scan_impl(m, data, mu, n, cl, ts, opt, scan, res, err), err);
}
