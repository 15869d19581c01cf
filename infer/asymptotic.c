/*
 * asymptotic.c - pyhf's AsymptoticCalculator (arXiv:1007.1727): the
 * hypothesis test at one POI value from the observed and the Asimov test
 * statistics, and the fits behind them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "infer.h"

/* pyhf's AsymptoticCalculator.teststatistic maps q to this variable, in
 * which both hypotheses have unit-normal tails. */
static double asymptotic_stat(hf_test_stat ts, double sqrtq, double sqrtq_A)
{
    /* pyhf routes sqrtq_A == 0 (mu equal to the Asimov POI) to the first
     * branch to avoid 0/0 (its issues #1992, #2722). */
    if (ts != HF_TEST_QMU_TILDE || sqrtq <= sqrtq_A || sqrtq_A == 0)
        return sqrtq - sqrtq_A;
    double q = pow(sqrtq, 2), q_A = pow(sqrtq_A, 2);
    return (q - q_A) / (2 * sqrtq_A);
}

/* AsymptoticTestStatDistribution(shift).pvalue: Phi(-(value - shift)). */
static double tail(double value, double shift)
{
    return gsl_cdf_ugaussian_P(-(value - shift));
}

void hfinfer_asymptotic_pvalues(hf_test_stat ts, double sqrtq, double sqrtq_A,
                           double *clsb, double *clb, double *cls)
{
    double t = asymptotic_stat(ts, sqrtq, sqrtq_A);
    *clsb = tail(t, -sqrtq_A);
    *clb = tail(t, 0.0);
    *cls = *clsb / *clb;
}

void hfinfer_asymptotic_expected(double sqrtq_A, double cls[5], double clsb[5])
{
    /* The background-only distribution's expected_value(n) is n itself
     * (cutoff -inf), taken for n = 2, 1, 0, -1, -2: the CLs band from
     * -2 to +2 sigma. */
    for (int i = 0; i < 5; i++) {
        double n = 2 - i;
        double sb = tail(n, -sqrtq_A), b = tail(n, 0.0);
        clsb[i] = sb;
        cls[i] = sb / b;
    }
}

void hfinfer_hypo_free(hf_hypo *h)
{
    if (h) {
        free(h->buf);
        h->buf = NULL;
        hffit_metric_free(&h->metric);
    }
}

int hfinfer_hypo_mark(const hf_hypo *h, hfinfer_hypo_state *s)
{
    size_t n = 4 * (size_t)h->npars; /* the first four blocks of h->buf */
    s->pars = NULL;
    if (h->metric.fixed_kept) /* a kept block: not restored (reset) */
        return HF_ERR_ARG;
    s->h = *h;
    s->pars = malloc((n ? n : 1) * sizeof *s->pars);
    if (!s->pars)
        return HF_ERR_NOMEM;
    memcpy(s->pars, h->buf, n * sizeof *s->pars);
    return HF_OK;
}

/* The tests' fits change the free fits (a fixed fit below one redoes
 * it), the twin, the data's fit kept (data_mu) and the metric's state
 * (its kept fixed-POI block); the free fit's metric Hinv is frozen.  The
 * metric's buffers stay where its fits traded them (warm.c's Hfix and
 * bw.H, the check's scratch): its scalars go back, its pointers do not
 * (hffit_metric's pointer members, each named here). */
void hfinfer_hypo_reset(hf_hypo *h, const hfinfer_hypo_state *s)
{
    hffit_metric mt = h->metric, back = s->h.metric;
    back.Hfix = mt.Hfix;
    back.fix_own = mt.fix_own;
    back.Hinv = mt.Hinv;
    back.bw = mt.bw;
    back.check = mt.check;
    memcpy(h->buf, s->pars, 4 * (size_t)h->npars * sizeof *s->pars);
    *h = s->h;
    h->metric = back; /* fixed_kept 0 (hfinfer_hypo_mark): no block kept */
}

void hfinfer_hypo_state_free(hfinfer_hypo_state *s)
{
    free(s->pars);
    s->pars = NULL;
}

int hfinfer_hypo_check_poi(const hf_model *m, hf_test_stat ts, const char *who,
                      hf_error *err)
{
    int poi = hf_model_poi(m);
    if (poi < 0)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "%s: no POI is defined; a POI is required for a "
                            "hypothesis test", who);
    const char *name = hf_model_par_name(m, poi);
    if (hf_model_fixed(m)[poi])
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: the POI %s is fixed, which makes profile "
                            "likelihood based inference impossible (unfix it "
                            "there)", hfmodel_params_path(m), name);
    double lo = hf_model_lower(m)[poi], hi = hf_model_upper(m)[poi];
    double b = ts == HF_TEST_Q0 ? 1.0 : 0.0;
    if (!(lo < hi))
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: the POI %s has bounds [%g, %g], which leave "
                            "it no room to be fitted", hfmodel_params_path(m),
                            name, lo, hi);
    if (!(lo <= b && b <= hi))
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: the POI %s has bounds [%g, %g], which exclude "
                            "%g, the %s hypothesis the test fits at (is %s "
                            "meant to be the POI?)", hfmodel_params_path(m),
                            name, lo, hi, b, ts == HF_TEST_Q0 ? "signal"
                            : "background-only", name);
    return HF_OK;
}

int hfinfer_hypo_check_mu(const hf_model *m, double mu, int upper, const char *who,
                     hf_error *err)
{
    int poi = hf_model_poi(m);
    double lo = hf_model_lower(m)[poi], hi = hf_model_upper(m)[poi];
    if (!(mu >= lo && (!upper || mu <= hi)))
        return hfcore_error_set(err, HF_ERR_ARG,
                            "%s: the tested POI value %g lies outside the "
                            "bounds [%g, %g] of the POI %s (as pyhf, hf tests "
                            "only values within them)", who, mu, lo, hi,
                            hf_model_par_name(m, poi));
    return HF_OK;
}

/* Records fit `k` (HF_FIT_*) of the test in h->ex, if any. */
static void record(hf_hypo *h, int k, const double *pars,
                   const hf_fit_result *r)
{
    hf_hypotest_explain *ex = h->ex;
    if (!ex || k < 0)
        return;
    hf_fit_summary *s = &ex->fit[k];
    s->done = 1;
    s->twice_nll = r->twice_nll;
    s->poi = pars[h->poi];
    s->converged = r->converged;
    s->nevals = r->nevals;
    if (ex->pars)
        memcpy(ex->pars + (size_t)k * h->npars, pars,
               h->npars * sizeof *pars);
}

/* A fit that failed is an error; the message already names it.  `k` is
 * the HF_FIT_* slot it fills in an explanation, or -1. */
static int fit(hf_hypo *h, int k, const double *data, const double *init,
               int fix_poi, double mu, double *pars, double *twice_nll,
               hf_error *err)
{
    hf_fit_result r;
    int rc = hffit_warm(h->m, data, init, fix_poi, mu, &h->opt, h->width,
                        h->work, h->metric.Hinv ? &h->metric : NULL, pars,
                        &r, err);
    *twice_nll = r.twice_nll;
    /* retry.c's rule; the free fit's point is the other one there is */
    const double *other[1] = {pars != h->free_pars ? h->free_pars : NULL};
    hfinfer_retry rt = {data, fix_poi, mu, &h->opt, h->width, h->work,
                        init ? init : hf_model_inits(h->m), other, 1, NULL};
    rc = hfinfer_retry_fit(h->m, &rt, rc, pars, twice_nll, &r.nevals, err);
    /* the free fit's twin (hf_fit_result.twin_poi), if a retry kept it */
    if (k == HF_FIT_FREE && data == h->data)
        h->twin_poi = *twice_nll == r.twice_nll ? r.twin_poi : NAN;
    r.twice_nll = *twice_nll;
    r.converged = rc == HF_OK;
    h->nevals += r.nevals;
    record(h, k, pars, &r);
    return rc;
}

/* The free fit to the Asimov data, without a descent.  The data are the
 * expectation at asimov_pars: there every Poisson term n log(lam) - lam of
 * a bin is at its maximum (lam = n), and so is every constraint term (its
 * auxiliary datum is the parameter's value there, or tau times it), so
 * asimov_pars is the fit's global minimum by construction, whatever the
 * bounds (retry.c relies on the same fact).  A fit from there only
 * confirmed it, at 2 to 9 evaluations (its two-well line, its saddle
 * check); one evaluation gives the NLL. */
static void asimov_free(hf_hypo *h)
{
    hf_fit_result r = {0};
    memcpy(h->free_pars_A, h->asimov_pars, h->npars * sizeof *h->free_pars_A);
    r.twice_nll = 2 * hf_model_nll(h->m, h->free_pars_A, h->asimov, NULL,
                                   h->work);
    r.converged = 1;
    r.nevals = 1;
    r.twin_poi = NAN;
    h->free_tnll_A = r.twice_nll;
    h->nevals += r.nevals;
    record(h, HF_FIT_ASIMOV_FREE, h->free_pars_A, &r);
}

int hfinfer_hypo_init(hf_hypo *h, const hf_model *m, const double *data,
                 hf_test_stat ts, const hf_fit_options *opt, hf_error *err)
{
    return hfinfer_hypo_init_ex(h, m, data, ts, opt, NULL, err);
}

int hfinfer_hypo_init_ex(hf_hypo *h, const hf_model *m, const double *data,
                    hf_test_stat ts, const hf_fit_options *opt,
                    hf_hypotest_explain *ex, hf_error *err)
{
    return hfinfer_hypo_init_start(h, m, data, ts, opt, ex, NULL, err);
}

/* The free fit's start from st (a grid's shared start, share.c): its
 * point, and its metric as the free fit's first one (h->metric seeded;
 * the free fit then keeps its own final metric for the fits after it, as
 * from the identity). */
static const double *hypo_start(hf_hypo *h, const hfinfer_start *st)
{
    if (!st)
        return NULL;
    hffit_metric *mt = &h->metric;
    if (st->Hinv && mt->Hinv) {
        memcpy(mt->Hinv, st->Hinv, (size_t)mt->n * mt->n * sizeof *mt->Hinv);
        mt->have = mt->seeded = 1;
    }
    h->seeded = 1;
    return st->pars;
}

/* The background-only fit's start: the grid's shared start (share.c),
 * with its metric conditioned on the POI as the first one, where the free
 * fit started there and the kept metric allows that start (no jump of the
 * POI: the shared start's is 0); else the free fit's point with the free
 * fit's metric.  The shared start is the fit of the workspace alone, the
 * background, and at the POI's 0 a patch's NLL is the workspace's but
 * for the constraints whose widths the signal changes (st->curv, put
 * into the metric by hffit_metric_seed_fixed): on 3LRJ (none changed)
 * the start is the minimum itself.  From the free fit's point the first
 * step, the POI's jump from muhat to 0, made about half the decrease the
 * metric predicted, and the descent went on at about a tenth per step.
 * On the 1Lbb grid its 124 such fits took 1,049 evaluations of descent
 * from here, 1,668 from the free fit's point and 1,498 from here without
 * the curvature (its first step ran staterror_SRHMEM_mct2[2] 5-6 widths
 * in 90 patches and was cut back to a seventh); with their checks
 * (--explain) 1,616 against 2,235, and 3LRJ's 64 fits 253 against 637
 * (bench/RESULTS.md).  The free fit keeps the shared metric as it is:
 * with the curvature there too 1Lbb's free fits took 400 evaluations
 * fewer, but sbottom 600_500_60's Asimov fit in a grid then ended in the
 * higher of its two wells (tests/test_share.c, test_sbottom_wells). */
static const double *bkg_only_start(hf_hypo *h, const hfinfer_start *st)
{
    if (!st || !st->Hinv || h->ts == HF_TEST_Q0 || !h->metric.Hinv ||
        !hffit_metric_usable(&h->metric, st->pars, 1, 0, h->width, h->poi) ||
        !hffit_metric_seed_fixed(&h->metric, st->Hinv, st->curv))
        return h->free_pars;
    return st->pars;
}

int hfinfer_hypo_init_start(hf_hypo *h, const hf_model *m, const double *data,
                            hf_test_stat ts, const hf_fit_options *opt,
                            hf_hypotest_explain *ex, const hfinfer_start *st,
                            hf_error *err)
{
    memset(h, 0, sizeof *h);
    h->twin_poi = h->twin_q = h->data_mu = h->kept_mu = NAN;
    h->ex = ex;
    h->m = m;
    h->data = data;
    h->ts = ts;
    int vrc = hffit_options_check(opt, err);
    if (vrc != HF_OK)
        return vrc;
    hffit_options_copy(&h->opt, opt);
    h->npars = hf_model_npars(m);
    h->ndata = hf_model_ndata(m);
    h->poi = hf_model_poi(m);
    int rc0 = hfinfer_hypo_check_poi(m, ts, "hypotest", err);
    if (rc0 != HF_OK)
        return rc0;
    if (ts != HF_TEST_Q0 && ts != HF_TEST_QMU && ts != HF_TEST_QMU_TILDE)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hypotest: the asymptotic calculator takes q0, "
                            "qmu or qmu_tilde, not test statistic %d",
                            (int)ts);

    size_t np = h->npars, wsize = hf_model_work_size(m);
    h->buf = malloc((8 * np + h->ndata + wsize + 1) * sizeof *h->buf);
    /* q0's Asimov fits keep hffit_ex's path: on tests/parity/mixed.json
     * (a normsys degenerate with a free normfactor) the metric's path
     * reaches another minimum of the fit at mu = 1 than pyhf's */
    if (!h->buf || (ts != HF_TEST_Q0 &&
                    hffit_metric_alloc(&h->metric, m) != HF_OK)) {
        hfinfer_hypo_free(h);
        return hfcore_error_set(err, HF_ERR_NOMEM, "hypotest: out of memory");
    }
    h->width = h->buf;
    h->free_pars = h->width + np;
    h->asimov_pars = h->free_pars + np;
    h->free_pars_A = h->asimov_pars + np;
    h->scratch = h->free_pars_A + np;
    h->scratch2 = h->scratch + np;
    h->scratch3 = h->scratch2 + np;
    h->asimov = h->scratch3 + np;
    h->work = h->asimov + h->ndata;
    hffit_widths(m, h->width);

    /* pyhf starts every fit from the model's inits; these warm starts
     * reach the same minima in a fraction of the evaluations. */
    int rc = fit(h, HF_FIT_FREE, data, hypo_start(h, st), 0, 0, h->free_pars,
                 &h->free_tnll, err);
    if (rc != HF_OK)
        goto fail;
    double asimov_mu = ts == HF_TEST_Q0 ? 1.0 : 0.0, tnll;
    const double *bkg_start = bkg_only_start(h, st);
    h->metric.use_fixed = bkg_start != h->free_pars;
    rc = fit(h, HF_FIT_BKG_ONLY, data, bkg_start, 1, asimov_mu,
             h->asimov_pars, &tnll, err);
    h->metric.use_fixed = 0;
    if (h->metric.Hinv)
        hffit_metric_keep_fixed(&h->metric, 0); /* not kept past it */
    if (rc != HF_OK)
        goto fail;
    if (tnll < h->free_tnll) {
        /* The fixed fit beat the free one: the latter had stopped short. */
        rc = fit(h, HF_FIT_FREE, data, h->asimov_pars, 0, 0, h->free_pars,
                 &h->free_tnll, err);
        if (rc != HF_OK)
            goto fail;
    }
    hf_model_expected_data(m, h->asimov_pars, h->asimov, h->work);
    if (h->ex && h->ex->asimov_data)
        memcpy(h->ex->asimov_data, h->asimov, h->ndata * sizeof *h->asimov);
    asimov_free(h);
    h->metric.frozen = 1;
    return HF_OK;
fail:
    hfinfer_hypo_free(h);
    return rc;
}

/* hfinfer_teststat_fixed's fitter: hffit_ex with the test's widths and work
 * buffer, evaluations counted for the test and per kind of fit. */
typedef struct hypo_fitter {
    hf_hypo *h;
    int nevals[2]; /* free, fixed-POI fits of this test statistic */
    int converged[2];
    const double *data_start; /* asimov_data_start's, or NULL */
} hypo_fitter;

/* The inits' fit of asimov_from_inits stops at this tolerance (the
 * height above its basin's bottom, hf_fit_options): it only has to say
 * whether its basin can be lower than the warm fit's minimum. */
#define HYPO_INITS_TOL 1e-6
#define HYPO_BASIN 0.05

/* pyhf starts every fit from the model's inits.  The fixed-POI fit to the
 * Asimov data is the one fit of the test whose warm start (the free Asimov
 * fit's point) is not its minimum by construction, and the one where a
 * model with two wells (issue 16: 36.76 against 32.90) goes wrong: it is
 * done again from the inits, and the lower minimum kept.  Cost
 * (bench/RESULTS.md): a cold fit from the inits to the full tolerance
 * added 38% to a hypotest, one with the free fit's metric 18%; a descent
 * that stops as soon as it reaches the warm minimum's neighbourhood
 * (hypo_probe) much less. */
/* Whether x and y are within HYPO_BASIN constraint widths (hffit_widths)
 * of each other in every parameter. */
static int hypo_near(const hf_hypo *h, const double *x, const double *y)
{
    for (int k = 0; k < h->npars; k++)
        if (!(fabs(x[k] - y[k]) <= HYPO_BASIN * h->width[k]))
            return 0;
    return 1;
}

/* The first metric of the probe over the n variables idx (the non-fixed
 * parameters but the POI) from x into H: the kept free fit's (warm.c),
 * conditioned on the fixed POI, where there is one.  Else (q0's tests)
 * the Gauss-Newton one at x (fit/gauss.c) where the main bins number at
 * most half the variables (it costs one evaluation per bin; a BFGS from
 * the identity learns the metric over about n steps, each of 2-3
 * evaluations on the shared real workspaces: 2Ljets' probe 13 -> 7, 1Lbb
 * 37 -> 34), else the identity. */
static void hypo_probe_metric(hf_hypo *h, int n, const int *idx,
                              const double *x, double *H, int *nevals)
{
    hffit_metric *mt = &h->metric;
    int N = mt->n, p = mt->poi_var;
    if (!mt->Hinv || !mt->have || p < 0 || N != n + 1) {
        memset(H, 0, (size_t)n * n * sizeof *H);
        if (2 * hf_model_nmain(h->m) <= n &&
            hffit_gauss_newton(h->m, h->asimov, x, n, idx, h->width, H,
                               nevals) == HF_OK)
            return;
        memset(H, 0, (size_t)n * n * sizeof *H);
        for (int k = 0; k < n; k++)
            H[(size_t)k * n + k] = 1;
        return;
    }
    hffit_metric_condition(mt, H);
}

/* The second start's descent from the inits into x, which stops where
 * every parameter is within HYPO_BASIN widths of the warm minimum xs: 1 if
 * it did so there with an NLL not lower than tnll (the same basin: a
 * second well that close would need a ridge within it, of a height that
 * the smooth interpolations over one constraint width do not make), 0
 * otherwise (x is then where it ended).  Which minimum a descent from the
 * inits reaches depends on its path, so the probe takes the path of the
 * fit it replaces: hffit_warm's BFGS where the kept metric is usable from
 * the inits (hffit_metric_usable), else hffit_ex's L-BFGS (hffit_probe;
 * the free fit held the POI on its bound, ROOT's kinked codes).  A BFGS
 * probe there, with the metric or the identity, reached the warm
 * minimum's basin on a random two-channel model (tests/pyhf/
 * asimov_inits.json's family) where hffit_ex's path finds one 0.019
 * lower.  q0's tests (no metric) take fit/'s BFGS from the identity,
 * cheaper than the L-BFGS there: on 300 such random models no q0 fit ended
 * elsewhere than with hffit_ex's path.  On the seven shared real
 * workspaces the probe stops after 2 to 14 evaluations, where the fit to
 * the full tolerance took 8 to 31. */
static int hypo_probe_lbfgs(hf_hypo *h, double mu, const double *xs,
                            double tnll, double *x, int *nevals)
{
    hffit_near near = {xs, HYPO_BASIN, 0};
    hf_fit_result r;
    hf_error e;
    int rc = hffit_probe(h->m, h->asimov, x, mu, &h->opt, h->width, h->work,
                         &near, x, &r, &e);
    *nevals += r.nevals;
    return rc == HF_OK && near.reached && !hffit_lower(r.twice_nll, tnll);
}

/* Where the free fit held the POI on its bound its kept metric has no POI
 * row to condition on, but the rest of it may still describe the NLL from
 * the inits: it is tried there (hypo_probe_metric leaves out the POI's row
 * and column either way), and given up after its first step where that
 * step's decrease is not within this factor of the metric's prediction. */
#define HYPO_FIRST_RHO 2.0

/* The probe's BFGS from x (the inits, POI at mu): the conditioned kept
 * metric, or the identity (q0); rho as hf_bfgs_work.first_rho.  Returns 1
 * where it stopped at xs's neighbourhood, not lower than tnll; -1 where
 * its first step failed the rho test (x is then the inits still); -2
 * where it stopped at the step that put a parameter of stop_lower (a
 * mask, or NULL) on its lower bound (hf_bfgs_work.stop_lower).  *f: twice
 * the NLL where it ended. */
static int hypo_probe_bfgs(hf_hypo *h, double mu, const double *xs,
                           double tnll, double *x, double rho, int *nevals,
                           double *f, const unsigned char *stop_lower)
{
    int np = h->npars, n = 0, same = 0;
    const unsigned char *fixed = hf_model_fixed(h->m);
    *f = NAN;
    int *idx = malloc((np ? np : 1) * sizeof *idx);
    hf_bfgs_work w = {0};
    for (int i = 0; idx && i < np; i++)
        if (!fixed[i] && i != h->poi)
            idx[n++] = i;
    if (idx && hffit_bfgs_work_alloc(&w, h->m, n ? n : 1) == HF_OK) {
        int ng = 0;
        double *H = w.H; /* the first metric made in place: no copy */
        hypo_probe_metric(h, n, idx, x, H, &ng);
        *nevals += ng;
        hf_bfgs_problem p = {h->m,     h->asimov,        n,       idx,
                             h->width, h->opt.tolerance, 100 + n, 1};
        long ne = 0;
        w.near = xs;
        w.near_r = HYPO_BASIN;
        w.first_rho = rho;
        w.stop_lower = stop_lower;
        hffit_bfgs(&p, H, x, x, f, &ne, &w);
        *nevals += (int)ne;
        same = w.first_bad ? -1 : w.at_near && !hffit_lower(*f, tnll);
        if (same == 0 && w.stopped_lower)
            same = -2;
    }
    hffit_bfgs_work_free(&w);
    free(idx);
    return same;
}

/* Whether the probe's end (hypo_probe_bfgs's same, *f and x) is one for
 * fit/'s gamma rule (gamma.c): stopped as a gamma reached its lower
 * bound, or elsewhere than xs's neighbourhood, not lower than tnll, with
 * a gamma on its lower bound. */
static int probe_gamma_case(hf_hypo *h, int same, double f, double tnll,
                            const double *x)
{
    return same == -2 || (same == 0 && !hffit_lower(f, tnll) &&
                          hffit_gamma_start(h->m, x, NULL));
}

/* The probe's descent from where it stopped with a gamma on its lower
 * bound: up to tries times, once more from there with every such gamma
 * moved past the ridge (hffit_gamma_start), the restart that the fit
 * after a failed probe makes (hffit_warm ends with the rule), in y (npars
 * of room) from x.  1 where a restart reaches xs's neighbourhood not
 * lower than tnll (its point then copied to x), else 0 (x as it was). */
static int probe_gamma_restart(hf_hypo *h, double mu, const double *xs,
                               double tnll, double *x, double *y, int same,
                               double f, int tries, int *nevals)
{
    memcpy(y, x, h->npars * sizeof *y);
    for (int k = 0; k < tries && probe_gamma_case(h, same, f, tnll, y); k++) {
        hffit_gamma_start(h->m, y, y);
        same = hypo_probe_bfgs(h, mu, xs, tnll, y, 0, nevals, &f, NULL);
    }
    if (same != 1)
        return 0;
    memcpy(x, y, h->npars * sizeof *x);
    return 1;
}

/* hypo_probe_bfgs with fit/'s gamma rule.  The probe stops at the step
 * that puts a gamma on its lower bound, and probe_gamma_restart goes on
 * from there; where that reaches the warm minimum's neighbourhood the
 * verdict is the one the fit after the probe reached, without the fit.
 * Elsewhere the probe runs again from x to its own end, as it did
 * without the rule, and the rule's restart is tried there once; where
 * that does not reach xs either, x is the probe's end and the fit goes on
 * from it as before (the outputs are those of the probe without the
 * rule, whatever it decides).  What the rule leaves out is the descent
 * along the bound: the probe's line search gave up there 2.6 above tnll
 * on the cases below, and every upper limit and hypothesis test of the
 * 1Lbb, 3LRJ, sbottom and staus patches is the same with the rule
 * (bench/RESULTS.md; a measured equality, not a proof).  The cases:
 * 3LRJ's ERJR_110p0_70p0, whose limit checks tests at mu 31-102 where
 * the probe ran into staterror's shape_mcstat_top_SRlow_obs_cuts[0] on
 * 1e-10 (warm minimum 0.89-0.99); the fit took 37-47 evaluations after a
 * probe of 32-56 to reach the warm minimum; now 16-34 in all, or 49-74
 * where the first restart ends on the bound again
 * (tests/test_probe_gamma.c). */
static int hypo_probe_descend(hf_hypo *h, double mu, const double *xs,
                              double tnll, double *x, double rho,
                              int *nevals)
{
    double f;
    size_t np = h->npars;
    double *y = malloc(2 * np * sizeof *y + np);
    if (!y) /* out of memory: the probe without the rule */
        return hypo_probe_bfgs(h, mu, xs, tnll, x, rho, nevals, &f, NULL);
    double *x0 = y + np;
    unsigned char *mask = (unsigned char *)(x0 + np);
    hffit_gamma_mask(h->m, mask);
    memcpy(x0, x, np * sizeof *x);
    int same = hypo_probe_bfgs(h, mu, xs, tnll, x, rho, nevals, &f, mask);
    if (probe_gamma_restart(h, mu, xs, tnll, x, y, same, f, 2, nevals)) {
        same = 1;
    } else if (same == -2) { /* the probe as it was, to its own end */
        memcpy(x, x0, np * sizeof *x);
        same = hypo_probe_bfgs(h, mu, xs, tnll, x, rho, nevals, &f, NULL);
        if (probe_gamma_restart(h, mu, xs, tnll, x, y, same, f, 1, nevals))
            same = 1;
    }
    free(y);
    return same;
}

static int hypo_probe(hf_hypo *h, double mu, const double *xs, double tnll,
                      double *x, int *nevals)
{
    const hffit_metric *mt = &h->metric;
    memcpy(x, hf_model_inits(h->m), h->npars * sizeof *x);
    x[h->poi] = mu;
    if (h->ts == HF_TEST_Q0 ||
        (mt->Hinv && hffit_metric_usable(mt, x, 1, mu, h->width, h->poi)))
        return hypo_probe_descend(h, mu, xs, tnll, x, 0, nevals);
    if (HFFIT_ROBUST && mt->Hinv && mt->have && mt->poi_held &&
        !mt->kinked) {
        int same =
            hypo_probe_descend(h, mu, xs, tnll, x, HYPO_FIRST_RHO, nevals);
        if (same >= 0)
            return same;
    }
    return hypo_probe_lbfgs(h, mu, xs, tnll, x, nevals);
}

/* A test whose free fit started from a grid's shared start (share.c)
 * kept another metric than the same test from the inits, and the probe
 * and the fit above follow it: where they end elsewhere than the warm
 * minimum and not below it, hffit_ex's path from the inits (pyhf's start,
 * no metric) decides, at o's tolerance, into x and *r.  On sbottom's
 * 600_500_60 (Asimov fit at mu = 1, wells at twice_nll 269.268 and
 * 269.972) the probe from the grid's metric ended where the fit went to
 * 270.07, the one from the patch's own metric where it reached 269.268;
 * from the inits hffit_ex reaches 269.268.  Its evaluations are counted
 * in *nevals. */
static int asimov_cold(hf_hypo *h, double mu, const hf_fit_options *o,
                       double *x, hf_fit_result *r, int *nevals)
{
    hf_error e; /* NULL init: hf_model_inits */
    int rc = hffit_ex(h->m, h->asimov, NULL, 1, mu, o, h->width, h->work, x,
                      r, &e);
    *nevals += r->nevals;
    return rc;
}

static void asimov_from_inits(hf_hypo *h, double mu, double *pars,
                              double *tnll, int *nevals)
{
    hf_fit_result r;
    hf_error e;
    double *x = h->scratch3;
    if (hypo_probe(h, mu, pars, *tnll, x, nevals))
        return;
    /* elsewhere: a fit from where the probe ended */
    hffit_metric *mt = h->metric.Hinv ? &h->metric : NULL;
    hf_fit_options o = h->opt;
    o.tolerance = fmax(o.tolerance, HYPO_INITS_TOL);
    int rc = hffit_warm(h->m, h->asimov, x, 1, mu, &o, h->width, h->work,
                        mt, x, &r, &e);
    *nevals += r.nevals;
    /* converged: at most bound above its basin's bottom (twice the NLL's
     * height), so a basin whose bottom is below the warm minimum ends
     * below *tnll + bound.  Where it does not (or the fit failed) the warm
     * result stands: the early stop can only keep the warm minimum, never
     * a higher one. */
    double bound = 2 * o.tolerance * fmax(1, 0.5 * fabs(r.twice_nll));
    if ((rc != HF_OK || !(r.twice_nll < *tnll + bound)) && h->seeded)
        rc = asimov_cold(h, mu, &o, x, &r, nevals);
    if (rc != HF_OK || !(r.twice_nll < *tnll + bound))
        return;
    /* the same basin as the warm fit's (hypo_probe says why) */
    if (r.twice_nll > *tnll - 1e-6 && hypo_near(h, x, pars))
        return;
    /* possibly lower: finished to the test's own tolerance from there,
     * kept only if converged and lower (an equal one keeps the warm result
     * so that the outputs do not move by rounding) */
    rc = hffit_warm(h->m, h->asimov, x, 1, mu, &h->opt, h->width, h->work,
                    mt, x, &r, &e);
    *nevals += r.nevals;
    if (rc == HF_OK && r.twice_nll < *tnll - 1e-9) {
        memcpy(pars, x, h->npars * sizeof *pars);
        *tnll = r.twice_nll;
    }
}

int hfinfer_hypo_check_asimov(hf_hypo *h, double mu, double *pars,
                              double *tnll)
{
    double before = *tnll;
    int nevals = 0;
    /* hypo_fit's choice for an Asimov fit with no nearby start */
    h->metric.identity = mu <= hf_model_upper(h->m)[h->poi];
    asimov_from_inits(h, mu, pars, tnll, &nevals);
    h->nevals += nevals;
    return *tnll < before;
}

/* Whether the Asimov fixed-POI fit at mu starts from the data's fit at mu
 * (asimov_data_start), where there is one: the fits that the kept metric
 * does not describe from the free Asimov fit's point (fit/warm.c), which
 * would start from the identity (hypo_fit).  The others gain little: on
 * the 1Lbb grid its 49 such fits took 934 evaluations from the free
 * Asimov fit's point with the kept metric, 920 from the data's fit. */
static int asimov_wants_data(const hf_hypo *h, double mu)
{
    const hffit_metric *mt = &h->metric;
    return !h->fixed_start[1] && mu <= hf_model_upper(h->m)[h->poi] &&
           mt->Hinv && !mt->kinked &&
           !hffit_metric_usable(mt, h->free_pars_A, 1, mu, h->width, h->poi);
}

/* The Asimov fixed-POI fit's start at mu: the data's fit at the same mu,
 * where the test has one (q_obs needed it: muhat < mu), copied into
 * scratch2 (scratch receives the Asimov fit); else NULL.  Why: the
 * Asimov data are the expectation at the background-only fit's point
 * theta0, the data's fit at mu = 0, so the Asimov fit at mu lies to first
 * order at theta0 + (theta_data(mu) - theta0) = theta_data(mu).  On the
 * 1Lbb grid its 76 Asimov fits that start from the identity (a predicted
 * q above fit/warm.c's WARM_QMAX) took 38 evaluations on average from the
 * free Asimov fit's point, 26 from here with the kept metric and 22 with
 * the data fit's final one (hffit_metric_keep_fixed; 40 from here with the
 * identity), every twice_nll as before (bench/RESULTS.md).  Only from a
 * data fit that ended fit/'s BFGS (its metric kept): beyond
 * HYPO_DATA_QMAX hffit_ex's path decides the data's well, and from its
 * point with the kept metric sbottom 450_445_60's Asimov fit ended in
 * the well 0.152 higher (184.781 against 184.629).  Not past the POI's
 * bound (hypo_fit says why), nor where limit.c gives a nearby test's
 * fit. */
static const double *asimov_data_start(hf_hypo *h, double mu)
{
    if (!(h->data_mu == mu) || !h->metric.fixed_kept ||
        !asimov_wants_data(h, mu))
        return NULL;
    memcpy(h->scratch2, h->scratch, h->npars * sizeof *h->scratch2);
    return h->scratch2;
}

/* How near (relative to mu) the Asimov fit whose final metric an upper
 * limit's Asimov fit at mu starts from must have been (near_kept). */
#define HYPO_NEAR_KEPT 0.25

/* Whether the Asimov fixed-POI fit at mu of an upper limit's test, which
 * starts from a nearby test's fit (limit.c's profile_start), takes the
 * final metric of the Asimov fit before it (kept in hypo_fit) as its
 * first, not the free fit's: where that fit was within HYPO_NEAR_KEPT of
 * mu (the limit's analogue of asimov_data_start's metric).  Limits'
 * evaluations (hfcls --upper-limit --stats, every patch): 3LRJ 12,731 ->
 * 12,679, 1Lbb 42,464 -> 41,997, sbottom 78,648 -> 77,344, staus 13,119
 * -> 13,003, every limit within 2.3e-11 relative.  (limit.c's
 * gauss_metric fits keep theirs in its own metric, with its own kept_mu.)  From any earlier test
 * (no HYPO_NEAR_KEPT) sbottom 800_131_1's Asimov fit at mu = 6.428, from
 * the metric of the one at 3.08, ended 0.131 higher in twice the NLL
 * (113.9648 against 113.8342), its +2 sigma limit 0.64% off; within 0.5
 * of mu 3LRJ took 12,904 for 12,938 at 0.25 (session 11's prototype),
 * one test away from that case. */
static int near_kept(const hf_hypo *h, int asimov, int fix_poi,
                     const double *start, double mu)
{
    return asimov && fix_poi && start && start == h->fixed_start[1] &&
           h->metric.fixed_kept &&
           fabs(h->kept_mu - mu) <= HYPO_NEAR_KEPT * fabs(mu);
}

/* The largest q the kept metric may predict for the data's fixed-POI fit
 * to start from the identity (hypo_fit): ten standard deviations, beyond
 * every such fit of the shared 1Lbb, staus and 3LRJ grids but one of
 * 3LRJ (125) and below sbottom's (387 to 9,761). */
#define HYPO_DATA_QMAX 100

static int hypo_fit(void *ctx, const double *data, const double *start,
                    int fix_poi, double mu, int thorough, double *pars,
                    double *tnll, hf_error *err)
{
    hypo_fitter *f = ctx;
    hf_hypo *h = f->h;
    hf_fit_result r;
    /* The fixed-POI fits that the kept metric does not describe
     * (fit/warm.c: a predicted q above WARM_QMAX) start fit/'s BFGS from
     * the identity rather than NLopt's L-BFGS (fit/mle.c says why).  The
     * Asimov one always, where asimov_from_inits checks it from the inits
     * for a lower well; the data's only where the free fit's metric
     * predicts a q of at most HYPO_DATA_QMAX: on the shared 1Lbb, 3LRJ,
     * staus and simplified 1Lbb grids every such fit ends within
     * [-1.7e-9, +8e-13] of hffit_ex's path in twice_nll, CLs within
     * 4.1e-12 (bench/RESULTS.md).  Beyond it the path decides the well: sbottom's
     * 500_400_60 and 600_500_60 (predicted q 6,673 and 9,761) ended 0.13
     * and 0.88 higher from the identity, and where the free fit held the
     * POI on its bound (no q predicted) the data's fit at mu = 1 of its
     * 400_205_60 ends in the other of two wells along
     * JET_JER_EffectiveNP_5 (+0.35 and -0.34), 0.003 higher.  Neither
     * past the POI's upper bound, where pyhf never tests and the fits of
     * syn_allmods have several minima (limit.c): there its sig_200_25's
     * +2 sigma limit moved by 2e-4 relative, off the crossing that
     * hypotests there show; nor from a nearby test's fit (limit.c: no
     * check from the inits). */
    int asimov = data == h->asimov;
    h->metric.identity =
        !h->fixed_start[asimov] && mu <= hf_model_upper(h->m)[h->poi] &&
        (asimov || hffit_metric_jump(&h->metric, start, mu, h->width,
                                     h->poi) <= HYPO_DATA_QMAX);
    /* the data's: its first metric the conditioned kept metric's diagonal
     * (fit/warm.c says why), where the identity took 2,231 evaluations
     * over the 1Lbb grid's 59 such fits, this 1,975 (the Asimov fits that
     * start from them and their final metric 79 more: 4,365 -> 4,444),
     * every twice_nll within 3.2e-12 of the identity's.  The Asimov fits
     * keep the identity (the diagonal saved 2 evaluations there), and
     * asimov_from_inits checks them for a lower well from that path. */
    h->metric.diagonal = !asimov;
    /* from the data's fit at mu, with the final metric of its BFGS; an
     * upper limit's test from a nearby test's Asimov fit, with the final
     * metric of the Asimov fit before it where that was near (near_kept) */
    h->metric.use_fixed = (fix_poi && f->data_start && start == f->data_start) ||
                          near_kept(h, asimov, fix_poi, start, mu);
    /* a thorough fit (a retry) is hffit_ex's own, from no metric */
    int rc = hffit_warm(f->h->m, data, start, fix_poi, mu, &f->h->opt,
                        f->h->width, f->h->work,
                        thorough || !f->h->metric.Hinv ? NULL
                                                       : &f->h->metric,
                        pars, &r, err);
    h->metric.use_fixed = 0;
    h->metric.diagonal = 0;
    /* kept only where asimov_data_start will use it, or a limit's next
     * test (near_kept) */
    if (!asimov && fix_poi && h->metric.Hinv)
        hffit_metric_keep_fixed(&h->metric, asimov_wants_data(h, mu));
    if (asimov && fix_poi && h->metric.Hinv && h->fixed_keep[1] && !thorough) {
        hffit_metric_keep_fixed(&h->metric, 1);
        h->kept_mu = mu;
    }
    *tnll = r.twice_nll;
    /* retry.c's rule, from the inits and the points the test has */
    const double *other[2] = {pars != h->free_pars ? h->free_pars : NULL,
                              pars != h->asimov_pars ? h->asimov_pars : NULL};
    /* h->refit (limit.c's tests: fixed_keep) from whether retry.c ran the
     * fit from the inits */
    int from_inits = 0;
    hfinfer_retry rt = {data, fix_poi, mu, &h->opt, h->width, h->work,
                        start, other, 2,
                        h->fixed_keep[asimov] && fix_poi ? &from_inits : NULL};
    /* h->quick (limit.c): only for the fixed-POI fits, a free fit redone
     * here (teststat) being this test's and every later test's */
    if (h->quick && fix_poi && rc == HF_OK &&
        hfinfer_retry_at_bound(h->m, pars))
        h->deferred++; /* limit.c redoes the test where it decides */
    else
        rc = hfinfer_retry_fit(h->m, &rt, rc, pars, tnll, &r.nevals, err);
    if (from_inits)
        h->refit |= asimov ? 2 : 1;
    /* an upper limit's test that starts from a nearby test's fit, or
     * with h->defer_check, is checked afterwards where it decides a
     * crossing (limit.c's check_crossing, hfinfer_hypo_check_asimov) */
    if (HFFIT_ROBUST && rc == HF_OK && !thorough && fix_poi &&
        data == h->asimov && !h->fixed_start[1] && !h->defer_check)
        asimov_from_inits(h, mu, pars, tnll, &r.nevals);
    f->h->nevals += r.nevals;
    f->nevals[fix_poi != 0] += r.nevals;
    f->converged[fix_poi != 0] = rc == HF_OK;
    return rc;
}

/* The test statistic at mu on `data` given its free fit: the sequence the
 * toys share (hfinfer_teststat_fixed), recorded for an explanation. */
static int teststat(hf_hypo *h, const double *data, double mu,
                    double *free_pars, double *free_tnll, double *q,
                    hf_error *err)
{
    int asimov = data == h->asimov;
    hypo_fitter hf = {h, {0, 0}, {1, 1}, NULL};
    hf_fitter f = {hypo_fit, &hf};
    if (asimov)
        hf.data_start = asimov_data_start(h, mu);
    h->data_mu = NAN; /* scratch receives this test's fixed fit */
    /* a twin of the free fit (hfinfer_hypo_init) needs the fixed fit even
     * where the free POI makes q zero: the twin's q may not be */
    int twin = !asimov && isfinite(h->twin_poi);
    hf_ts_fits s = {free_pars, *free_tnll, h->scratch, NAN, h->scratch2,
                    h->ex != NULL || twin, 0,
                    hf.data_start ? hf.data_start : h->fixed_start[asimov], 0,
                    NAN, 0};
    /* the free fit to the data with its POI on a bound: once more, from
     * the first fixed-POI fit's point (retry.c; not the Asimov one's) */
    double lo = hf_model_lower(h->m)[h->poi], hi = hf_model_upper(h->m)[h->poi];
    if (HFFIT_ROBUST && !asimov && !h->free_retried &&
        (free_pars[h->poi] <= lo || free_pars[h->poi] >= hi))
        s.retry_free = h->free_retried = 1;
    int rc = hfinfer_teststat_fixed(h->m, h->ts, &f, data, mu, &s, q, err);
    h->nevals += s.retry_evals; /* hfinfer_retry_beyond's gradient */
    if (!asimov && rc == HF_OK && isfinite(s.fixed_tnll) &&
        free_pars[h->poi] < mu)
        h->data_mu = mu;
    *free_tnll = s.free_tnll;
    if (!asimov) {
        if (isfinite(s.twin_poi) || s.refit) /* else the free fit's own */
            h->twin_poi = s.twin_poi;
        h->twin_q = isfinite(h->twin_poi) && isfinite(s.fixed_tnll)
                        ? hfinfer_teststat_value(h->ts, mu, h->twin_poi,
                                                 s.fixed_tnll, s.free_tnll)
                        : NAN;
    }
    if (rc == HF_OK && h->fixed_keep[asimov] && isfinite(s.fixed_tnll)) {
        memcpy(h->fixed_keep[asimov], h->scratch,
               h->npars * sizeof *h->scratch);
        h->fixed_keep_tnll[asimov] = s.fixed_tnll;
    }
    if (rc != HF_OK || !h->ex)
        return rc;
    hf_fit_result r = {s.fixed_tnll, hf.converged[1], hf.nevals[1], NAN};
    record(h, asimov ? HF_FIT_ASIMOV_FIXED_POI : HF_FIT_FIXED_POI,
           h->scratch, &r);
    if (s.refit) {
        r = (hf_fit_result){s.free_tnll, hf.converged[0], hf.nevals[0], NAN};
        record(h, asimov ? HF_FIT_ASIMOV_FREE : HF_FIT_FREE, free_pars, &r);
    }
    return HF_OK;
}

/* Two minima of the free fit to the data as low (1e-6 in twice_nll) that
 * the retries found (hf_ts_fits.twin_poi), whose CLs_obs differ by more
 * than 1e-4: res->ambiguous, and the twin's POI and CLs_obs in h. */
static void ambiguous(hf_hypo *h, double sqrtq_A, hf_cls_result *res)
{
    double sb, b, cls;
    res->ambiguous = 0;
    h->twin_cls = NAN;
    if (h->ts == HF_TEST_Q0 || !isfinite(h->twin_q))
        return;
    hfinfer_asymptotic_pvalues(h->ts, sqrt(h->twin_q), sqrtq_A, &sb, &b, &cls);
    if (fabs(cls - res->cls_obs) > 1e-4) {
        res->ambiguous = 1;
        h->twin_cls = cls;
    }
}

int hfinfer_hypo_eval(hf_hypo *h, double mu, int observed, hf_cls_result *res,
                 hf_error *err)
{
    double q = NAN, q_A, clsb_exp[5];
    int rc;
    if (h->ts == HF_TEST_Q0)
        mu = 0;
    res->cls_obs = res->clsb = res->clb = NAN;
    res->test_stat = NAN;
    if (observed) {
        rc = teststat(h, h->data, mu, h->free_pars, &h->free_tnll, &q, err);
        if (rc != HF_OK)
            goto out;
    }
    rc = teststat(h, h->asimov, mu, h->free_pars_A, &h->free_tnll_A, &q_A,
                  err);
    if (rc != HF_OK)
        goto out;

    double sqrtq_A = sqrt(q_A);
    res->test_stat_asimov = q_A;
    hfinfer_asymptotic_expected(sqrtq_A, res->cls_exp, clsb_exp);
    if (h->ts == HF_TEST_Q0)
        memcpy(res->cls_exp, clsb_exp, sizeof clsb_exp);
    if (observed) {
        res->test_stat = q;
        hfinfer_asymptotic_pvalues(h->ts, sqrt(q), sqrtq_A, &res->clsb, &res->clb,
                              &res->cls_obs);
        if (h->ts == HF_TEST_Q0)
            res->cls_obs = res->clsb;
        ambiguous(h, sqrtq_A, res);
    }
out:
    res->nevals = h->nevals;
    return rc;
}

/* pyhf's qmu / qmu_tilde from the data fits' twice_nll values, for a free
 * fit that ends at muhat. */
static double q_from(hf_test_stat ts, double mu, double muhat, double fixed,
                     double free, double at0)
{
    if (muhat > mu)
        return 0;
    double q = ts == HF_TEST_QMU_TILDE && muhat < 0 ? fixed - at0 : fixed - free;
    return q > 0 ? q : 0;
}

/* The free fit to the data from the other points the test already has
 * (background-only, fixed POI): a minimum as low (1e-6 in twice_nll) at a
 * POI that moves CLs_obs by more than 1e-4 makes the result ambiguous.
 * Costs two fits, only when an explanation is asked for. */
static void ambiguity(const hf_model *m, const double *data, double mu,
                      hf_test_stat ts, const hf_fit_options *opt,
                      hf_hypotest_explain *ex, double q_A)
{
    int np = hf_model_npars(m);
    const hf_fit_summary *fr = &ex->fit[HF_FIT_FREE];
    double fixed = ex->fit[HF_FIT_FIXED_POI].twice_nll;
    double at0 = ex->fit[HF_FIT_BKG_ONLY].twice_nll;
    double *pars = malloc((np ? np : 1) * sizeof *pars);
    ex->ambiguous = 0;
    ex->alt_poi = ex->alt_cls_obs = NAN;
    if (!pars || (ts != HF_TEST_QMU && ts != HF_TEST_QMU_TILDE))
        goto out;
    double sb, b, cls, cls_alt;
    hfinfer_asymptotic_pvalues(ts, sqrt(q_from(ts, mu, fr->poi, fixed, fr->twice_nll, at0)),
                               sqrt(q_A), &sb, &b, &cls);
    static const int starts[2] = {HF_FIT_BKG_ONLY, HF_FIT_FIXED_POI};
    for (int i = 0; i < 2 && !ex->ambiguous; i++) {
        hf_fit_result r;
        if (hffit_ex(m, data, ex->pars + (size_t)starts[i] * np, 0, 0, opt, NULL,
                     NULL, pars, &r, NULL) != HF_OK ||
            !(fabs(r.twice_nll - fr->twice_nll) <= 1e-6))
            continue;
        double muhat = pars[hf_model_poi(m)];
        hfinfer_asymptotic_pvalues(ts, sqrt(q_from(ts, mu, muhat, fixed, r.twice_nll, at0)),
                                   sqrt(q_A), &sb, &b, &cls_alt);
        if (fabs(cls_alt - cls) > 1e-4) {
            ex->ambiguous = 1;
            ex->alt_poi = muhat;
            ex->alt_cls_obs = cls_alt;
        }
    }
out:
    free(pars);
}

static int explain_impl(const hf_model *m, const double *data, double mu,
                        hf_test_stat ts, const hf_fit_options *opt,
                        hf_cls_result *res, hf_hypotest_explain *ex,
                        const hfinfer_start *st, hf_error *err)
{
    hf_hypo h;
    double *pars = ex->pars, *asimov = ex->asimov_data;
    memset(ex, 0, sizeof *ex);
    /* the fits' points are the other starts of ambiguity() */
    double *own = pars ? NULL
                       : malloc(HF_NFITS * (size_t)(hf_model_npars(m) + 1) * sizeof *own);
    if (!pars && !own)
        return hfcore_error_set(err, HF_ERR_NOMEM, "hypotest: out of memory");
    ex->pars = pars ? pars : own;
    ex->asimov_data = asimov;
    ex->q_obs = ex->q_asimov = NAN;
    ex->alt_poi = ex->alt_cls_obs = NAN;
    memset(res, 0, sizeof *res);
    res->cls_obs = NAN;
    int rc0 = hfinfer_hypo_check_poi(m, ts, "hypotest", err);
    if (rc0 == HF_OK && ts != HF_TEST_Q0)
        rc0 = hfinfer_hypo_check_mu(m, mu, 0, "hypotest", err);
    if (rc0 != HF_OK)
        return rc0;
    /* hfinfer_hypo_init does the free, background-only and Asimov free fits */
    int rc = hfinfer_hypo_init_start(&h, m, data, ts, opt, ex, st, err);
    if (rc != HF_OK) {
        res->nevals = h.nevals;
        goto out;
    }
    rc = hfinfer_hypo_eval(&h, mu, 1, res, err);
    ex->q_obs = res->test_stat;
    ex->q_asimov = res->test_stat_asimov;
    if (rc == HF_OK)
        ambiguity(m, data, mu, ts, opt, ex, res->test_stat_asimov);
    if (rc == HF_OK && res->ambiguous && !ex->ambiguous) {
        ex->ambiguous = 1; /* the retries' twin (retry.c) */
        ex->alt_poi = h.twin_poi;
        ex->alt_cls_obs = h.twin_cls;
    }
    res->ambiguous = ex->ambiguous;
    hfinfer_hypo_free(&h);
out:
    free(own);
    ex->pars = pars;
    return rc;
}

int hf_cls_asymptotic_explain(const hf_model *m, const double *data,
                              double mu, hf_test_stat ts,
                              const hf_fit_options *opt, hf_cls_result *res,
                              hf_hypotest_explain *ex, hf_error *err)
{
    if (!m || !data || !res || !ex)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_cls_asymptotic_explain: NULL argument (m, data, res, ex may not be NULL)");
    return hfcore_error_blame(hfmodel_source(m),
                          explain_impl(m, data, mu, ts, opt, res, ex, NULL,
                                       err),
                          err);
}

int hf_cls_asymptotic(const hf_model *m, const double *data, double mu,
                      hf_test_stat ts, const hf_fit_options *opt,
                      hf_cls_result *res, hf_error *err)
{
    if (!m || !data || !res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_cls_asymptotic: NULL argument (m, data, res may not be NULL)");
    return hf_cls_scan(m, data, &mu, 1, ts, opt, res, err);
}

int hfinfer_cls_check(const hf_model *m, const double *mu, int n,
                      hf_test_stat ts, hf_cls_result *res, hf_error *err)
{
    for (int i = 0; i < n; i++) {
        memset(&res[i], 0, sizeof res[i]);
        res[i].cls_obs = NAN;
    }
    /* before any fit: a value out of bounds is the caller's mistake */
    int rc = hfinfer_hypo_check_poi(m, ts, "hypotest", err);
    for (int i = 0; rc == HF_OK && ts != HF_TEST_Q0 && i < n; i++)
        rc = hfinfer_hypo_check_mu(m, mu[i], 0, "hypotest", err);
    return rc;
}

static int cls_scan_impl(const hf_model *m, const double *data, const double *mu,
                int n, hf_test_stat ts, const hf_fit_options *opt,
                hf_cls_result *res, const hfinfer_start *st,
                hf_error *err)
{
    hf_hypo h;
    int rc = hfinfer_cls_check(m, mu, n, ts, res, err);
    if (rc != HF_OK)
        return rc;
    rc = hfinfer_hypo_init_start(&h, m, data, ts, opt, NULL, st, err);
    if (rc != HF_OK) {
        if (n > 0)
            res[0].nevals = h.nevals;
        return rc;
    }
    for (int i = 0; i < n && rc == HF_OK; i++)
        rc = hfinfer_hypo_eval(&h, mu[i], 1, &res[i], err);
    hfinfer_hypo_free(&h);
    return rc;
}

int hf_cls_scan(const hf_model *m, const double *data, const double *mu,
                int n, hf_test_stat ts, const hf_fit_options *opt,
                hf_cls_result *res, hf_error *err)
{
    if (!m || !data || (n > 0 && (!mu || !res)))
        return hfcore_error_set(err, HF_ERR_ARG, "hf_cls_scan: NULL argument (m, data, mu, res may not be NULL)");
    return hfcore_error_blame(hfmodel_source(m), cls_scan_impl(m, data, mu, n, ts, opt, res, NULL, err), err);
}

int hfinfer_cls_shared(const hf_model *m, const double *data, double mu,
                       hf_test_stat ts, const hf_fit_options *opt,
                       hf_cls_result *res, hf_hypotest_explain *ex,
                       const hfinfer_start *st, hf_error *err)
{
    int rc = ex ? explain_impl(m, data, mu, ts, opt, res, ex, st, err)
                : cls_scan_impl(m, data, &mu, 1, ts, opt, res, st, err);
    return hfcore_error_blame(hfmodel_source(m), rc, err);
}
