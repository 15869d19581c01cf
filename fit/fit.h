/*
 * fit.h - maximum likelihood (fit/): the fit and the Hessian, as the
 * inference layer (infer/) and the users above need them.  Not installed.
 */
#ifndef HF_FIT_H
#define HF_FIT_H

#include <math.h>

#include "hf/hfmodel.h"
#include "bfgs.h"

/* Natural width of every parameter (npars values): the constraint's sigma
 * for constrained parameters (1/sqrt(tau) for Poisson ones), 1 otherwise.
 * The optimiser works in units of these widths so that its variables have
 * comparable curvature; without it the stiff Poisson constraints of some
 * workspaces (tau ~ 1e6) make quasi-Newton methods crawl. */
void hffit_widths(const hf_model *m, double *width);

/* HF_OK for NULL (the defaults) or options set up by hf_fit_options_init;
 * HF_ERR_ARG for a version this library does not know. */
int hffit_options_check(const hf_fit_options *opt, hf_error *err);
/* *src (NULL: the defaults) as a struct of this library's version. */
void hffit_options_copy(hf_fit_options *dst, const hf_fit_options *src);

/* hf_fit with a caller-supplied width vector (NULL: hffit_widths) and
 * work buffer (NULL: allocated), so that the fits of a hypothesis test
 * share them.  Like hf_fit and hffit_warm it ends with the gamma rule
 * (hffit_gamma_retry). */
int hffit_ex(const hf_model *m, const double *data, const double *init,
              int fix_poi, double poi_value, const hf_fit_options *opt,
              const double *width, double *work, double *pars,
              hf_fit_result *res, hf_error *err);

/* The whole-Hessian check's buffers (hffit_curvature_ex) kept by a caller across checks (zero-initialised;
 * hffit_scratch_free releases them): on a 2,400-parameter model a check
 * needs ~70 MB (the Hessian and its scratch), whose fresh pages, mapped
 * for every check, cost more than building the Hessian. */
typedef struct hffit_scratch {
    double *d;
    int *i;
    size_t nd, ni;
} hffit_scratch;
void hffit_scratch_free(hffit_scratch *s);

/* A first metric for the fits of one model (fit/warm.c): the inverse
 * Hessian, in width units, over its non-fixed parameters (in index order),
 * as a free fit's BFGS left it, and the BFGS's work space. */
typedef struct hffit_metric {
    int n;          /* non-fixed parameters */
    int poi_var;    /* the POI's place among them, or -1 */
    int have;       /* Hinv holds a free fit's metric (else: identity) */
    int poi_held;   /* ... whose BFGS held the POI on a bound */
    int kinked;     /* ROOT's kinked codes: no warm fits (hffit_ex's) */
    int frozen;     /* fits use Hinv but no longer replace it */
    /* 1: Hinv was given (a grid's shared start, infer/share.c) as the free
     * fit's first metric; that fit still keeps its own final one */
    int seeded;
    /* 1: a fixed-POI fit that may not use Hinv (hffit_metric_usable)
     * starts fit/'s BFGS from the identity; 0: hffit_ex's path.  The
     * caller's per fit (infer/asymptotic.c: the Asimov fits only). */
    int identity;
    /* 1: that identity is the diagonal of Hinv conditioned on the POI
     * instead (warm.c first_metric; the caller's per fit) */
    int diagonal;
    /* 1: a fixed-POI fit starts from the metric in Hfix, where one is
     * kept (hffit_metric_keep_fixed: a fit's final one;
     * hffit_metric_seed_fixed: a given one conditioned on the POI).  The
     * caller's per fit (infer/asymptotic.c: the background-only fit from
     * a grid's shared start, the Asimov fit from the data's fit at the
     * same mu) */
    int use_fixed;
    int fixed_final; /* bw.H: the last hffit_warm's fixed-POI BFGS's end */
    int fixed_kept;  /* Hfix holds such a metric, kept or seeded */
    /* (n-1) x (n-1) in an n x n block; Hfix and bw.H trade blocks, no
     * copies: fix_own is the one malloc'd here */
    double *Hfix, *fix_own;
    double *Hinv;   /* n x n */
    hf_bfgs_work bw;
    hffit_scratch check; /* the whole-Hessian check's, kept across fits */
} hffit_metric;

int hffit_metric_alloc(hffit_metric *mt, const hf_model *m);
void hffit_metric_free(hffit_metric *mt);

/* mt's kept metric (Hinv, mt->have) conditioned on the POI (poi_var >= 0),
 * its row and column left out, into H ((n - 1) x (n - 1)): bit for bit
 * hffit_bfgs_drop_variable of a copy of Hinv, squeezed. */
void hffit_metric_condition(const hffit_metric *mt, double *H);

/* hffit_ex, its first descent fit/'s BFGS with mt's metric (NULL mt:
 * hffit_ex itself), or from the identity for a fixed-POI fit that may
 * not use it (hffit_metric_usable) where mt->identity says so (never on
 * ROOT's kinked codes).  A free
 * fit whose BFGS converges leaves its final inverse metric in mt (unless
 * mt->frozen) for the fits after it. */
int hffit_warm(const hf_model *m, const double *data, const double *init,
               int fix_poi, double poi_value, const hf_fit_options *opt,
               const double *width, double *work, hffit_metric *mt,
               double *pars, hf_fit_result *res, hf_error *err);

/* Whether a fit from start (npars) is to use mt: never on a model with
 * ROOT's kinked codes; a free fit always, one with the POI fixed to poi_value where mt holds a free fit's metric
 * that predicts a small step (warm.c says why). */
int hffit_metric_usable(const hffit_metric *mt, const double *start,
                        int fix_poi, double poi_value, const double *width,
                        int poi);

/* The q that mt predicts for the step of the POI from start[poi] to
 * poi_value, (mu - start)^2 / C_mumu in width units (hffit_metric_usable
 * compares it with its limit); NaN where mt has no row for the POI (no
 * free fit's metric yet, or one that held the POI on a bound). */
double hffit_metric_jump(const hffit_metric *mt, const double *start,
                         double poi_value, const double *width, int poi);

/* With keep, the final inverse metric of the last hffit_warm's fixed-POI
 * BFGS (over the non-fixed parameters but the POI; a variable it held on
 * a bound gets a unit row) kept for a later fixed-POI fit with
 * mt->use_fixed: 1; 0 where there is none to keep (that fit took no
 * converged BFGS descent) or keep is 0, and nothing is kept then. */
int hffit_metric_keep_fixed(hffit_metric *mt, int keep);
/* Hinv (an inverse metric over mt's n variables, the POI's among them)
 * conditioned on the POI, and where curv is not NULL made that of the
 * Hessian plus curv (n, width units: the POI's is not read) on the
 * diagonal, kept as hffit_metric_keep_fixed keeps a fit's: the first
 * metric of the next fixed-POI fit with mt->use_fixed.  0 where there is
 * no POI among the variables, or out of memory. */
int hffit_metric_seed_fixed(hffit_metric *mt, const double *Hinv,
                            const double *curv);

/* The BFGS descent of hffit_warm over the n variables idx[0..n) from x
 * (npars: the point, the other parameters as they stay), the point
 * reached into x, its NLL into *f; hffit_bfgs's status.  identity: its
 * first metric the identity, not mt's kept one (a fixed-POI fit that
 * hffit_metric_usable keeps from it). */
int hffit_metric_descend(hffit_metric *mt, const hf_model *m,
                         const double *data, int n, const int *idx,
                         const double *width, int fix_poi, int identity,
                         double tol, double *x, double *f, long *nevals);

/* The Gauss-Newton inverse Hessian over the n variables idx[0..n) at x
 * (npars), width units, into H (n x n): (I + J' W J)^-1, J the main
 * bins' yield Jacobian (hfmodel_yield_gradient, one evaluation per main
 * bin, added to *nevals), W = data / lam^2 per bin, the identity standing
 * for the constraints (gauss.c says why).  HF_OK, HF_ERR_NOMEM, or
 * HF_ERR_FIT where the small system could not be solved. */
int hffit_gauss_newton(const hf_model *m, const double *data, const double *x,
                       int n, const int *idx, const double *width, double *H,
                       int *nevals);

/* Hessian of the NLL over the n parameters idx[0..n) at pars, by central
 * differences of the analytic gradient with steps h[k] (one-sided next to a
 * bound), symmetrised, into H (n*n, row-major).  `work` holds
 * hf_model_work_size(m) + 4*npars doubles.  Adds the gradient evaluations
 * to *nevals. */
int hffit_hessian_ex(const hf_model *m, const double *data, const double *pars,
                  int n, const int *idx, const double *h, double *H,
                  double *work, int *nevals, hf_error *err);

/* What the curvature says of a point where the gradient test passed
 * (fit/converge.c). */
enum {
    HFFIT_MINIMUM = 0, /* Hessian positive definite */
    HFFIT_FLAT = 1,    /* semi-definite within the differences' rounding */
    HFFIT_SADDLE = 2,  /* a clearly negative eigenvalue: not a minimum */
    HFFIT_UNKNOWN = 3  /* the Hessian could not be computed */
};

/* hffit_probe's target: the descent stops once every free parameter is
 * within r widths of x (reached is then set). */
typedef struct hffit_near {
    const double *x; /* npars */
    double r;
    int reached;
} hffit_near;

/* hffit_ex's descent (L-BFGS, the same path) from init, stopped as soon as
 * it comes within near->r widths of near->x: infer/asymptotic.c's second
 * start asks only whether a fit from the inits runs into a known minimum's
 * basin.  No checks after it (other wells, curvature, the gamma rule);
 * pars and res hold the best point reached (res->converged 0 where it
 * stopped short).  Returns HF_OK, or an error where the fit could not
 * run. */
int hffit_probe(const hf_model *m, const double *data, const double *init,
                double poi_value, const hf_fit_options *opt,
                const double *width, double *work, hffit_near *near,
                double *pars, hf_fit_result *res, hf_error *err);

/* Issue 16's extra starts (the two-well line of fit/mle.c, infer/retry.c's
 * rule for failed fits, normfactors and the POI on a bound, the Asimov
 * fixed-POI fit's second start from the inits) are left out of a build with
 * -DHF_NO_ROBUST_MINIMA in CFLAGS: only so that their cost can be measured
 * against the same tree (bench/bench_trust.sh); never for real use.  A
 * constant, not a runtime option, so that no result depends on a setting. */
#ifdef HF_NO_ROBUST_MINIMA
#define HFFIT_ROBUST 0
#else
#define HFFIT_ROBUST 1
#endif

/* Whether a second minimum f is lower than ref by more than rounding
 * (1e-9 relative, absolute below 1): the one test every "keep the lower"
 * rule of the fits and the hypotest applies, so that an equal result
 * keeps the first and outputs do not move by rounding. */
static inline int hffit_lower(double f, double ref)
{
    return f < ref - 1e-9 * (fabs(ref) > 1 ? fabs(ref) : 1);
}

/* The Hessian of the NLL over the n parameters idx[0..n) at x (npars),
 * exact (hfmodel_hessian: no gradient evaluations), judged in width
 * units (w[k]: the parameters' widths).  For HFFIT_SADDLE, dir[n] is the
 * eigenvector of the lowest eigenvalue, in width units.  nevals is left
 * as it is. */
int hffit_curvature(const hf_model *m, const double *data, const double *x,
                    int n, const int *idx, const double *w, double *dir,
                    int *nevals);

/* hffit_curvature in s's buffers (grown as needed; NULL: its own).  A
 * check needing less than 32 MB takes its own buffers all the same:
 * malloc keeps those pages itself, better than a scratch held across
 * fits (converge.c SCRATCH_KEEP_MIN says why). */
int hffit_curvature_ex(const hf_model *m, const double *data,
                       const double *x, int n, const int *idx,
                       const double *w, double *dir, int *nevals,
                       hffit_scratch *s);

/* hffit_curvature_ex, and where u is not NULL, the curvature u'Hu (width
 * units) along u[n] (idx's order) into *uhu, from the same exact Hessian
 * (NAN where there is none): settle_flat's test (fit/mle.c) without an
 * evaluation of its own. */
int hffit_curvature_along(const hf_model *m, const double *data,
                          const double *x, int n, const int *idx,
                          const double *w, const double *u, double *uhu,
                          double *dir, int *nevals, hffit_scratch *s);

/* One fit as hffit_ex does it, without the gamma rule: the rule's own
 * restart (gamma.c). */
int hffit_once(const hf_model *m, const double *data, const double *init,
               int fix_poi, double poi_value, const hf_fit_options *opt,
               const double *width, double *work, double *pars,
               hf_fit_result *res, hf_error *err);

/* The gamma rule (gamma.c): copies pars into start (unless NULL) with
 * every free shapesys / staterror / shapefactor gamma on its lower bound
 * moved to the other side of the ridge (start may be pars: in place);
 * returns how many were moved (0: no restart). */
int hffit_gamma_start(const hf_model *m, const double *pars, double *start);

/* mask (npars): 1 for the parameters the gamma rule looks at (shapesys,
 * staterror, shapefactor sets), 0 elsewhere. */
void hffit_gamma_mask(const hf_model *m, unsigned char *mask);

/* After a converged fit (pars, res): where hffit_gamma_start moves a
 * gamma, one hffit_once from there; its result replaces pars,
 * res->twice_nll and res->twin_poi where hffit_lower.  Adds its
 * evaluations to res->nevals; returns 1 where it replaced the result.
 * hffit_ex, hffit_warm and hf_fit apply it themselves; a fit by other
 * means (the toys' quick fits, hffit_edge) calls it. */
int hffit_gamma_retry(const hf_model *m, const double *data, int fix_poi,
                      double poi_value, const hf_fit_options *opt,
                      const double *width, double *work, double *pars,
                      hf_fit_result *res);

/* hffit_ex's fit finished where the minimum lies on the edge of the
 * model's domain: an empty bin's expected yield at zero (edge.c says
 * why).  SLSQP from `init` with lam_b >= 0 for the empty bins, converged
 * when the Karush-Kuhn-Tucker conditions hold to hf_fit's tolerance;
 * HF_ERR_FIT (result filled) when not, or when no bin is empty. */
int hffit_edge(const hf_model *m, const double *data, const double *init,
               int fix_poi, double poi_value, const hf_fit_options *opt,
               const double *width, double *pars, hf_fit_result *res,
               hf_error *err);

#endif
