/*
 * limit.h - what infer/limit*.c share: the hypothesis tests an upper
 * limit has done so far, kept so that every curve's search reuses them.
 * Private to infer/.
 */
#ifndef HF_INFER_LIMIT_H
#define HF_INFER_LIMIT_H

#include "infer.h"

/* One hypothesis test at mu. */
typedef struct hfinfer_lpoint {
    double mu;
    double v[6];  /* CLs observed, expected -2..+2 sigma (NaN: not done) */
    double q, qA; /* the observed (NaN: not done) and Asimov statistics */
    double *fixed[2]; /* the fixed-POI fits to data and to the Asimov data
                       * (NULL: none), where later tests start theirs */
    double *own;      /* the block fixed[] point into */
    double tA;        /* twice the NLL of the Asimov fit fixed[1] */
    double t0;        /* ... of the data's fit fixed[0] */
    int quick;        /* its fits deferred retry.c's refits (guard_test) */
    int checked;      /* its Asimov fit checked from the inits */
    int cold;         /* its fits had no nearby start (limit.c) */
} hfinfer_lpoint;

typedef struct hfinfer_limit_ctx {
    hf_hypo h;
    hfinfer_lpoint *pts;
    int npts, cap;
    double *start; /* 2 npars: where the next test's fits start */
    hffit_metric metric; /* limit.c's gauss_metric */
    double kept_mu;      /* its hf_hypo.kept_mu while h holds the other */
    int have_metric;     /* 1 made, -1 failed, 0 not (yet) */
    double sigma0; /* limit_interp.c's first scale (0: not yet) */
    double level; /* 1 - cl */
    int curve;    /* 0 observed, 1..5 expected band (limit.c's Brent) */
    int rc;
    hf_error *err;
} hfinfer_limit_ctx;

/* The test at mu (observed: also the observed statistic), from the cache
 * when done before.  NULL on error (c->rc, c->err set). */
const hfinfer_lpoint *hfinfer_limit_eval(hfinfer_limit_ctx *c, double mu,
                                         int observed);

/* Frees the tests. */
void hfinfer_limit_free(hfinfer_limit_ctx *c);

/* The six limits (res->obs, res->exp) from the asymptotic formulae with
 * the test statistics interpolated between the tests done, refined by a
 * test at each estimate until the next estimate moves by less than the
 * tolerance.  A curve whose search does not settle is left NaN for
 * limit.c's bracketing and Brent.  HF_OK, or a fit's error. */
int hfinfer_limit_interp(hfinfer_limit_ctx *c, hf_limit_result *res);

/* Does limit_interp.c's model of curve k through c's tests put its
 * crossing within LIMIT_AGREE of mu?  (limit.c: through the checked
 * tests alone.) */
int hfinfer_limit_agrees(const hfinfer_limit_ctx *c, int k, double mu);

/* The six limits from c's tests and those it adds, every test that
 * decides a crossing checked from the inits (limit.c says how).  HF_OK,
 * or a fit's error. */
int hfinfer_limit_solve(hfinfer_limit_ctx *c, hf_limit_result *res);

#endif
