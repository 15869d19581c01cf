/*
 * bfgs.h - fit/'s second minimiser: a dense BFGS with a caller-given first
 * metric and bounds handled by holding variables on them.  Internal.
 */
#ifndef HF_FIT_BFGS_H
#define HF_FIT_BFGS_H

#include "hf.h"

/* What a BFGS fit moves and how far it goes. */
typedef struct hf_bfgs_problem {
    const hf_model *m;
    const double *data;   /* ndata: main bins then aux data */
    int n;                /* variables moved ... */
    const int *idx;       /* ... the parameters idx[0..n); others stay */
    const double *width;  /* npars: the variables are par / width */
    double tolerance;     /* hf_fit's criterion: 0.5 |g|^2 <= tol max(1, |f|) */
    int max_iter;         /* 0: 60 */
    /* 1 (warm.c's fits, some from the identity): the backtracking
     * interpolates a parabola, and a variable released from its bound
     * joins the metric learnt so far with Hinv0's diagonal entry.  0 (the
     * toys', whose Hinv0 is the Hessian at their start): halvings, and
     * the metric restarts from Hinv0. */
    int adaptive;
} hf_bfgs_problem;

/* Work space for fits of up to nmax variables; after a fit, H holds its
 * final inverse metric (n x n, width units) and held[k] = -1/+1 for a
 * variable held on its lower/upper bound (0: free). */
typedef struct hf_bfgs_work {
    double *H;
    signed char *held;
    double *model_work;   /* hf_model_work_size(m) doubles, free between fits */
    /* 1: model_work holds the forward pass of model pass_m at x, bit for
     * bit (the last evaluation was at the point the descent ended at:
     * fit/mle.c's line reads it instead of making that pass again); 0
     * once x or model_work is anything else (a caller that writes into
     * model_work itself, infer/toys.c's fits, must not rely on it) */
    int pass_at_x;
    const hf_model *pass_m;
    /* the variables, gradient, direction, trial point and gradient, H v,
     * the update vector, H g, H gt (n each); the full parameter vector and
     * gradient (npars each) */
    double *y, *g, *d, *yt, *gt, *hy, *u, *hg, *hgt, *x, *gx;
    double *h0d; /* n: the first metric's diagonal (a released variable's) */
    /* The last BFGS update of H, not yet written where pend_sv > 0: H +=
     * s u' - (hv / pend_sv) s' with s here (n), u and hv = hy.  The next
     * H gt writes it in the same pass over H (bfgs.c tri_pass);
     * anything else that reads H writes it first.  0 outside a descent. */
    double *s;
    double pend_sv;
    /* the bounds in the variables' units (n each, made once a descent)
     * and the steps to them along d (n) */
    double *ylo, *yhi, *th;
    double *buf;
    /* NULL (as hffit_bfgs_work_alloc leaves it), or a point (npars) where
     * the descent may stop short: once every moved parameter is within
     * near_r widths of it; at_near then says so.  infer/asymptotic.c's
     * second start from the inits only asks whether it runs into a known
     * minimum's neighbourhood. */
    const double *near;
    double near_r;
    int at_near;
    /* 0 (as hffit_bfgs_work_alloc leaves it), or a factor: the descent
     * stops after its first step (first_bad = 1) where the decrease that
     * step made is not within this factor of the one the first metric's
     * quadratic model predicts (the trust-region test of a metric carried
     * from another fit: asymptotic.c's probe then takes another path). */
    double first_rho;
    int first_bad;
    /* 0 (as hffit_bfgs_work_alloc leaves it), or 1: the descent gives up
     * (HF_ERR_FIT, gave_up = 1) once f - 2 g'Hg > give_up_f, i.e. once
     * even four times the decrease the metric predicts (g'Hg / 2) would
     * not bring it below give_up_f, an NLL already reached elsewhere (the
     * toys' search of a second well, infer/toys.c). */
    int give_up;
    double give_up_f;
    int gave_up;
    /* NULL (as hffit_bfgs_work_alloc leaves it), or an evaluation the
     * caller already has: its variables (n, width units), gradient (n,
     * width units) and NLL.  Where the start's variables are these, bit
     * for bit, the descent takes them instead of evaluating there again
     * (mle.c's start_eval has just evaluated a warm fit's start).  Used
     * by one descent, then cleared; start_taken says whether it was. */
    const double *start_y, *start_g;
    double start_f;
    int start_taken;
    /* NULL (as hffit_bfgs_work_alloc leaves it), or a mask (npars): the
     * descent stops (HF_ERR_FIT, stopped_lower = 1) at the step that puts
     * a masked variable on its lower bound (infer/asymptotic.c's probe:
     * a gamma there, gamma.c's rule then decides). */
    const unsigned char *stop_lower;
    int stopped_lower;
} hf_bfgs_work;

int hffit_bfgs_work_alloc(hf_bfgs_work *w, const hf_model *m, int nmax);
void hffit_bfgs_work_free(hf_bfgs_work *w);

/* Minimises the NLL from `start` (npars, within bounds; it carries the
 * values of the parameters not moved) with first inverse metric Hinv0
 * (n x n, width units), which may be w->H itself where p->adaptive (the
 * metric made in place: no copy; HF_ERR_ARG without p->adaptive, whose
 * restarts need Hinv0 intact).  Writes the best point reached to pars (npars,
 * may be start) and twice its NLL to *tnll; adds the NLL+gradient
 * evaluations to *nevals.  HF_OK when hf_fit's criterion is met with every
 * held variable's gradient pushing against its bound; HF_ERR_FIT when it
 * gives up (a failed line search, max_iter iterations, a held variable that
 * keeps pulling away, a start outside the bounds): pars is then the best
 * point, within bounds, for another minimiser to go on from. */
int hffit_bfgs(const hf_bfgs_problem *p, const double *Hinv0,
            const double *start, double *pars, double *tnll, long *nevals,
            hf_bfgs_work *w);

/* hffit_bfgs whose convergence also needs 0.5 g'Hg <= newton_tol
 * max(1, |f|) (newton_tol > 0): the height above the minimum that the
 * metric predicts, which along a weakly curved direction can be far more
 * than a gradient that passes the first test leaves. */
int hffit_bfgs_newton(const hf_bfgs_problem *p, double newton_tol,
                      const double *Hinv0, const double *start, double *pars,
                      double *tnll, long *nevals, hf_bfgs_work *w);

/* Removes variable j from the inverse metric H (n x n): the inverse of
 * the metric with j held fixed, whose row and column j are zero. */
void hffit_bfgs_drop_variable(double *H, int n, int j);

#endif
