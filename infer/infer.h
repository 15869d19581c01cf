/*
 * infer.h - inference above the fits (infer/): test statistics, the
 * asymptotic and toy calculators, upper limits, the batch runner.  Not
 * installed.
 */
#ifndef HF_INFER_H
#define HF_INFER_H

#include "core/strmap.h"
#include "fit/fit.h"

/* pyhf's test statistics from the two fits: twice_nll of the fixed-POI and
 * of the free fit and the free fit's POI value. */
double hfinfer_teststat_value(hf_test_stat ts, double mu, double muhat,
                         double twice_nll_fixed, double twice_nll_free);

/* The fitter behind the test-statistic sequence, so that the asymptotic
 * calculator (hffit_ex) and the toys (a quick BFGS first) share one
 * sequence.  fit() fits `data` from `start`, free or with the POI fixed to
 * mu, into pars[npars] and *tnll (twice the NLL); `thorough` asks for the
 * full minimiser (a retry after a fit that stopped short).  It returns
 * HF_OK or the failed fit's error (HF_ERR_FIT: not converged), which the
 * sequence hands back unchanged so that the caller can retry or count. */
typedef struct hf_fitter {
    int (*fit)(void *ctx, const double *data, const double *start,
               int fix_poi, double mu, int thorough, double *pars,
               double *tnll, hf_error *err);
    void *ctx;
} hf_fitter;

/* The two fits of a test statistic.  free_pars/free_tnll: the free fit
 * (in for hfinfer_teststat_fixed, out for hfinfer_teststat_seq; updated where it is
 * redone); fixed_pars/fixed_tnll: the fixed-POI fit (fixed_tnll NaN when
 * q is zero without it); scratch: npars doubles; always_fixed: fit the
 * fixed POI even where q is zero whatever it gives (pyhf does; an
 * explanation shows it). */
typedef struct hf_ts_fits {
    double *free_pars;
    double free_tnll;
    double *fixed_pars;
    double fixed_tnll;
    double *scratch;
    int always_fixed;
    int refit;  /* out: the free fit was redone from the fixed one */
    const double *start; /* the fixed-POI fit's start; NULL: free_pars */
    /* in: redo the free fit from the fixed-POI fit's point even where
     * that is not lower (its POI on a bound: retry.c) */
    int retry_free;
    /* out: where the free fit, redone, ended within 1e-6 of twice_nll of
     * the one kept at another POI value, that POI (else NaN) */
    double twin_poi;
    int retry_evals; /* out: hfinfer_retry_beyond's evaluations (add to) */
} hf_ts_fits;

/* pyhf's test statistic at mu on `data` given its free fit: the fixed-POI
 * fit from the free fit's point (never from whatever was fitted before, so
 * that a scan's CLs is a function of mu alone), skipped where the free
 * POI already makes q zero (q0: muhat < 0; qmu, qmu_tilde: muhat > mu).
 * Where the fixed fit ends more than 1e-9 below the free one with mu
 * inside the POI's bounds, the free fit had stopped short: it is redone,
 * thoroughly, from the fixed point, then the fixed fit again from there,
 * keeping the lower of the two.  (Past the bounds, where pyhf refuses to
 * go and hf's limits may, the free fit can be the higher one.) */
int hfinfer_teststat_fixed(const hf_model *m, hf_test_stat ts, const hf_fitter *f,
                      const double *data, double mu, hf_ts_fits *s, double *q,
                      hf_error *err);

/* The same after a free fit from `start` (NULL: the model's inits). */
int hfinfer_teststat_seq(const hf_model *m, hf_test_stat ts, const hf_fitter *f,
                    const double *data, double mu, const double *start,
                    hf_ts_fits *s, double *q, hf_error *err);

/* A fit of a hypothesis test as hfinfer_retry_fit redoes it (retry.c
 * states the rule). */
typedef struct hfinfer_retry {
    const double *data;
    int fix_poi;
    double mu;
    const hf_fit_options *opt;
    const double *width;
    double *work;
    const double *first;         /* where the fit started: not again */
    const double *const *starts; /* the other fits' points (NULL: none) */
    int nstarts;
    int *from_inits; /* NULL, or set to 1 where the fit from the inits ran */
} hfinfer_retry;

/* Non-zero when pars has a normfactor other than the POI, not fixed, on
 * one of its bounds. */
int hfinfer_retry_at_bound(const hf_model *m, const double *pars);
/* After a fit (its status rc, its point pars and *tnll) that failed or
 * ended with a normfactor on a bound: the same fit from the model's inits
 * and from r->starts, keeping the lowest converged result (a failed fit
 * is replaced by any that converged; err is then cleared).  (Each fit
 * has had fit/gamma.c's rule.)  Adds the evaluations to *nevals; returns
 * the status of the result kept. */
int hfinfer_retry_fit(const hf_model *m, const hfinfer_retry *r, int rc,
                      double *pars, double *tnll, int *nevals,
                      hf_error *err);
/* Whether the NLL at a fixed-POI fit's point falls, along the POI, away
 * from a free fit's POI free_poi (one gradient evaluation, added to
 * *nevals, none where the two POI values are equal; 1 where it cannot
 * tell): a minimum lower than the free fit may lie that way. */
int hfinfer_retry_beyond(const hf_model *m, const double *data,
                         const double *fixed_pars, double free_poi,
                         int *nevals);

/* pyhf's AsymptoticCalculator.pvalues on sqrt(q) and sqrt(q_A):
 * CLsb, CLb, CLs at the observed statistic. */
void hfinfer_asymptotic_pvalues(hf_test_stat ts, double sqrtq, double sqrtq_A,
                           double *clsb, double *clb, double *cls);

/* pyhf's expected_pvalues: the (-2..+2 sigma) band of CLs and of CLsb. */
void hfinfer_asymptotic_expected(double sqrtq_A, double cls[5], double clsb[5]);

/* The fits of an asymptotic hypothesis test that do not depend on the
 * tested POI value (free fit to data, the Asimov data set and its free
 * fit), done once so that scans over mu need two fits per point. */
typedef struct hf_hypo {
    const hf_model *m;
    const double *data;
    hf_test_stat ts;
    hf_fit_options opt;
    int npars, ndata, poi;
    double *buf;          /* owns everything below */
    double *width;        /* npars: hffit_widths */
    double *work;         /* hf_model_work_size */
    double *free_pars;    /* free fit to data */
    double free_tnll;
    double *asimov;       /* ndata: Asimov data (main then aux) */
    double *asimov_pars;  /* the fixed-POI fit that generated it */
    double *free_pars_A;  /* free fit to the Asimov data */
    double free_tnll_A;
    double *scratch;      /* npars: the fixed-POI fit */
    double *scratch2;     /* npars: hfinfer_teststat_fixed's */
    double *scratch3;     /* npars: the Asimov fixed-POI fit from the inits */
    int nevals;
    hf_hypotest_explain *ex;  /* NULL, or where each fit is recorded */
    /* [0] data, [1] Asimov: where the next fixed-POI fit starts (NULL:
     * the free fit's point) and where its result is copied (NULL: not) */
    const double *fixed_start[2];
    double *fixed_keep[2];
    double fixed_keep_tnll[2]; /* twice the NLL at fixed_keep[k] */
    /* 1: an Asimov fixed-POI fit with no nearby start is not checked from
     * the inits here (hypo_fit) either: the caller checks it where it
     * matters (limit.c's tests past the POI's bound,
     * hfinfer_hypo_check_asimov) */
    int defer_check;
    /* 1: a fixed-POI fit that ends with a normfactor on a bound skips
     * retry.c's refits (hypo_fit), each counted in deferred: limit.c's
     * tests that may only bracket a crossing (it does a test that decides
     * one again without it, guard_test) */
    int quick, deferred;
    /* bits (1 the data's, 2 the Asimov data's) of this test's fixed-POI
     * fits that retry.c refit from the inits and the other fits' points
     * (hypo_fit; not reset there): limit.c's guard_test takes the Asimov
     * fit's as its check from the inits */
    int refit;
    /* The free fit's inverse Hessian, the first metric of the fits after
     * it (fit/warm.c); frozen after hfinfer_hypo_init so that a scan's
     * CLs stays a function of mu alone. */
    hffit_metric metric;
    int free_retried;  /* the free fit to the data was retried (retry.c) */
    int seeded;        /* the free fit started from a grid's shared start */
    double twin_poi;   /* the last data test's hf_ts_fits.twin_poi */
    double twin_q;     /* ... its q (NaN: none) */
    double twin_cls;   /* ... its CLs_obs where that makes res->ambiguous */
    /* The data's fixed-POI fit at data_mu (NaN: none) in scratch, the
     * final metric of its BFGS kept in metric (hffit_metric_keep_fixed):
     * the Asimov fit's start at the same mu (asimov_data_start) */
    double data_mu;
    /* The mu of the limit's Asimov fit whose final metric is kept (hypo_fit,
     * near_kept; NaN: none) */
    double kept_mu;
} hf_hypo;

int hfinfer_hypo_init(hf_hypo *h, const hf_model *m, const double *data,
                 hf_test_stat ts, const hf_fit_options *opt, hf_error *err);
/* The same, recording every fit in *ex (see hf_cls_asymptotic_explain). */
int hfinfer_hypo_init_ex(hf_hypo *h, const hf_model *m, const double *data,
                    hf_test_stat ts, const hf_fit_options *opt,
                    hf_hypotest_explain *ex, hf_error *err);

/* A grid's shared start for one test's free fit (share.c): pars (npars)
 * its start, NULL the inits; Hinv (n x n over the non-fixed parameters,
 * in the model's width units, hffit_widths, as hffit_metric's) its first
 * metric, NULL the identity; curv (n, with Hinv) the change of each
 * variable's constraint curvature from the shared fit's model to this
 * one (width units; 0: none), for the background-only fit's metric
 * (hffit_metric_seed_fixed). */
typedef struct hfinfer_start {
    const double *pars;
    const double *Hinv;
    const double *curv;
} hfinfer_start;
int hfinfer_hypo_init_start(hf_hypo *h, const hf_model *m, const double *data,
                            hf_test_stat ts, const hf_fit_options *opt,
                            hf_hypotest_explain *ex, const hfinfer_start *st,
                            hf_error *err);

/* A grid's shared start (share.c): the fit of the grid's workspace
 * alone (the background), by parameter name. */
typedef struct hfinfer_share {
    int have;          /* a fit to share */
    int npars, n;      /* the workspace model's parameters, non-fixed ones */
    char *names;       /* the names, one buffer (map's keys) */
    hf_strmap map;     /* name -> index */
    double *buf;       /* owns pars, width */
    double *pars;      /* npars: the fit's point */
    double *width;     /* npars: hffit_widths, the metric's units */
    double *Hinv;      /* n x n: its BFGS's inverse metric, or NULL */
    int *var;          /* npars: place among the non-fixed, or -1 */
} hfinfer_share;
/* s from the free fit of m, the grid's workspace alone (built without a
 * POI), with opt; s->have 0 where the fit failed.  HF_OK or
 * HF_ERR_NOMEM. */
int hfinfer_share_init(hfinfer_share *s, const hf_model *m,
                       const hf_fit_options *opt);
/* m's start from s (m a model of the same workspace, patched) into st,
 * its arrays in *buf, which the caller frees.  HF_OK or HF_ERR_NOMEM. */
int hfinfer_share_start(const hfinfer_share *s, const hf_model *m,
                        hfinfer_start *st, double **buf);
void hfinfer_share_free(hfinfer_share *s);
/* hf_cls_asymptotic (ex NULL) or hf_cls_asymptotic_explain, the free fit
 * from st (NULL: the inits, no metric). */
int hfinfer_cls_shared(const hf_model *m, const double *data, double mu,
                       hf_test_stat ts, const hf_fit_options *opt,
                       hf_cls_result *res, hf_hypotest_explain *ex,
                       const hfinfer_start *st, hf_error *err);

/* hf_cls_scan's checks before any fit (the POI, each of mu[0..n) within
 * its bounds for qmu and qmu_tilde), res[0..n) emptied (CLs_obs NaN):
 * HF_OK, or the caller's mistake in err. */
int hfinfer_cls_check(const hf_model *m, const double *mu, int n,
                      hf_test_stat ts, hf_cls_result *res, hf_error *err);

/* hfcls's hypotest at mu and upper limit on the same data, their first
 * fits (hfinfer_hypo_init's) done once: hf_cls_asymptotic's result into
 * *res (its status returned, with err), then with hfinfer_cls_limit_end
 * hf_upper_limit's, each the same numbers and evaluation counts as
 * alone (the limit's count includes the shared fits, as alone).  *out is
 * NULL where the hypotest failed; else hfinfer_cls_limit_end (which
 * frees it) or hfinfer_cls_limit_free must follow. */
typedef struct hfinfer_cls_limit hfinfer_cls_limit;
int hfinfer_cls_limit_begin(const hf_model *m, const double *data, double mu,
                            hf_test_stat ts, const hf_fit_options *opt,
                            hf_cls_result *res, hfinfer_cls_limit **out,
                            hf_error *err);
int hfinfer_cls_limit_end(hfinfer_cls_limit *s, double cl,
                          hf_limit_result *res, hf_error *err);
void hfinfer_cls_limit_free(hfinfer_cls_limit *s);

/* Hypothesis test at mu.  With observed == 0 only the Asimov (expected)
 * part is computed and the observed fields are NaN. */
int hfinfer_hypo_eval(hf_hypo *h, double mu, int observed, hf_cls_result *res,
                 hf_error *err);

void hfinfer_hypo_free(hf_hypo *h);

/* What hfinfer_hypo_eval changes in an initialised hf_hypo, kept so that
 * another caller can go on from the state hfinfer_hypo_init left
 * (limit.c's hfinfer_cls_limit: the hypotest's and the upper limit's
 * fits after the same init).  hfinfer_hypo_mark: HF_ERR_NOMEM or HF_OK. */
typedef struct hfinfer_hypo_state {
    hf_hypo h;    /* the struct as it was (its metric's scalars) */
    double *pars; /* width, free_pars, asimov_pars, free_pars_A */
} hfinfer_hypo_state;
int hfinfer_hypo_mark(const hf_hypo *h, hfinfer_hypo_state *s);
void hfinfer_hypo_reset(hf_hypo *h, const hfinfer_hypo_state *s);
void hfinfer_hypo_state_free(hfinfer_hypo_state *s);

/* The check from the inits that a hypothesis test makes of its Asimov
 * fixed-POI fit (a descent from the model's inits: is there a lower
 * well?), for a fit at mu that started elsewhere (an upper limit's test
 * from a nearby test's fit skips it: limit.c checks the tests that decide
 * its crossings afterwards).  pars, *tnll: the fit's point and twice its
 * NLL, replaced by the lower well's where there is one (returns 1; else
 * 0).  Evaluations are added to h->nevals. */
int hfinfer_hypo_check_asimov(hf_hypo *h, double mu, double *pars,
                              double *tnll);

/* One toy's test statistic at mu as hf_cls_toys computes it (the quick
 * fits from the generating point, their retries, the search of the
 * one-sided histosys' other wells) on the pseudo-data `toy` (ndata values)
 * drawn at generating point `gen` (npars): q into *q, twice the NLL of
 * the free fit into *free_tnll (unless NULL).  For tests, which give the
 * toy: hf_cls_toys draws its own. */
int hfinfer_toy_teststat(const hf_model *m, const double *gen,
                         const double *toy, double mu, hf_test_stat ts,
                         const hf_fit_options *opt, double *q,
                         double *free_tnll, hf_error *err);

/* What a hypothesis test needs of the model's POI, checked before any
 * fit: that there is one (HF_ERR_ARG), that the workspace does not fix it
 * and that its bounds hold the background-only value the test fits at
 * (HF_ERR_INVALID, naming the measurement's parameters).  `who` starts
 * the message ("hypotest", "toys"). */
int hfinfer_hypo_check_poi(const hf_model *m, hf_test_stat ts, const char *who,
                      hf_error *err);
/* A tested POI value not below the POI's lower bound, and with `upper`
 * not above its upper bound either, as pyhf requires (HF_ERR_ARG naming
 * them).  The library's hypotests accept values past the upper bound,
 * where hf's upper limits may go (see hf_upper_limit); the command, the
 * batch runner and pyhf do not. */
int hfinfer_hypo_check_mu(const hf_model *m, double mu, int upper, const char *who,
                     hf_error *err);

/* The start hf_batch_cls_patches and hf_signal_cls_batch share: *opt
 * defaulted (to *defaults) when NULL, its confidence level checked,
 * res->items allocated for n and the thread count to run with in
 * *nthreads.  Errors name `fn`. */
int hfinfer_batch_start(const char *fn, const hf_batch_options **opt,
                   hf_batch_options *defaults, int n, hf_batch_result *res,
                   int *nthreads, hf_error *err);

/* What a batch runs on: item i's model, prepared by the source, perhaps
 * with a state each thread keeps (a signal's overlay of its template). */
typedef struct hf_batch_source {
    void *ctx;
    /* per-thread state (NULL hook: none); NULL return: out of memory */
    void *(*thread_init)(void *ctx);
    void (*thread_free)(void *state);
    /* item i's model into *m (set even on error, for release); an HF_*
     * status with err filled */
    int (*prepare)(void *ctx, void *state, int i, const hf_model **m,
                   hf_error *err);
    /* after item i, whatever prepare returned (NULL hook: nothing) */
    void (*release)(void *ctx, void *state, const hf_model *m);
    /* once, when every item's prepare has returned, on the first thread
     * left without an item while the others finish theirs (NULL hook:
     * nothing): what only prepare read can be given back there, beside
     * the last items, rather than by the process's exit after them */
    void (*drained)(void *ctx);
} hf_batch_source;

/* hf_batch_cls with prep, the samples of ws read beforehand
 * (hfmodel_prep_new(ws), e.g. while the patchset is still being read by
 * hfpatch_patchset_open), for a patchset read lazily or whole; NULL: read
 * here, as hf_batch_cls does.  prep is only read. */
int hfinfer_batch_cls_prep(const hf_workspace *ws, const hfmodel_prep *prep,
                           const hf_patchset *ps, const hf_batch_options *opt,
                           hf_batch_result *res, hf_error *err);
/* What a caller adds to a grid's batch (hfinfer_batch_cls_shared): the
 * shared start worked out ahead (from hfinfer_grid_share on the same ws,
 * prep and opt; NULL: worked out by the batch before its threads), and
 * done, called on an item's thread once the item is done (NULL: none). */
typedef struct hfinfer_grid_hooks {
    const hfinfer_share *ahead;
    void (*done)(void *ctx, int i, const hf_batch_item *it);
    void *ctx;
} hfinfer_grid_hooks;
/* hfinfer_batch_cls_prep with hooks (NULL: none), which are only read. */
int hfinfer_batch_cls_shared(const hf_workspace *ws, const hfmodel_prep *prep,
                             const hf_patchset *ps, const hf_batch_options *opt,
                             const hfinfer_grid_hooks *hooks,
                             hf_batch_result *res, hf_error *err);
/* The shared start a batch of patches on ws with opt (NULL: the
 * defaults) works out before its threads (the fit of ws alone), into
 * *share, which the caller frees with hfinfer_share_free: the same
 * doubles, so that a caller may work it out while it still reads the
 * patchset.  share->have 0 where there is nothing to share (options the
 * batch refuses, a workspace that does not build or fit alone, out of
 * memory). */
void hfinfer_grid_share(const hf_workspace *ws, const hfmodel_prep *prep,
                        const hf_batch_options *opt, hfinfer_share *share);

/* The one batch loop: items 0..n-1 over nthreads threads (from
 * hfinfer_batch_start, which allocated res->items), the hypotest and limit of
 * *o on each, progress reported, res->nfailed counted.  HF_OK.  sh (NULL:
 * none): the shared start of every hypotest's free fit, read only. */
int hfinfer_batch_run(const hf_batch_source *src, int n, int nthreads,
                 const hf_batch_options *o, const hfinfer_share *sh,
                 hf_batch_result *res);

#endif
