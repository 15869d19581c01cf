/*
 * fit.h - declarations shared inside fit/ (maximum likelihood, Hessian,
 * test statistics, asymptotic calculator, limits).  Not installed.
 */
#ifndef HF_FIT_H
#define HF_FIT_H

#include "hf.h"

/* Natural width of every parameter (npars values): the constraint's sigma
 * for constrained parameters (1/sqrt(tau) for Poisson ones), 1 otherwise.
 * The optimiser works in units of these widths so that its variables have
 * comparable curvature; without it the stiff Poisson constraints of some
 * workspaces (tau ~ 1e6) make quasi-Newton methods crawl. */
void hf_fit_widths(const hf_model *m, double *width);

/* hf_fit with a caller-supplied width vector (NULL: hf_fit_widths) and
 * work buffer (NULL: allocated), so that the fits of a hypothesis test
 * share them. */
int hf_fit_ex(const hf_model *m, const double *data, const double *init,
              int fix_poi, double poi_value, const hf_fit_options *opt,
              const double *width, double *work, double *pars,
              hf_fit_result *res, hf_error *err);

/* Hessian of the NLL over the n parameters idx[0..n) at pars, by central
 * differences of the analytic gradient with steps h[k] (one-sided next to a
 * bound), symmetrised, into H (n*n, row-major).  `work` holds
 * hf_model_work_size(m) + 4*npars doubles.  Adds the gradient evaluations
 * to *nevals. */
int hf_hessian_ex(const hf_model *m, const double *data, const double *pars,
                  int n, const int *idx, const double *h, double *H,
                  double *work, int *nevals, hf_error *err);

/* pyhf's test statistics from the two fits: twice_nll of the fixed-POI and
 * of the free fit and the free fit's POI value. */
double hf_teststat_value(hf_test_stat ts, double mu, double muhat,
                         double twice_nll_fixed, double twice_nll_free);

/* pyhf's AsymptoticCalculator.pvalues on sqrt(q) and sqrt(q_A):
 * CLsb, CLb, CLs at the observed statistic. */
void hf_asymptotic_pvalues(hf_test_stat ts, double sqrtq, double sqrtq_A,
                           double *clsb, double *clb, double *cls);

/* pyhf's expected_pvalues: the (-2..+2 sigma) band of CLs and of CLsb. */
void hf_asymptotic_expected(double sqrtq_A, double cls[5], double clsb[5]);

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
    double *width;        /* npars: hf_fit_widths */
    double *work;         /* hf_model_work_size */
    double *free_pars;    /* free fit to data */
    double free_tnll;
    double *asimov;       /* ndata: Asimov data (main then aux) */
    double *asimov_pars;  /* the fixed-POI fit that generated it */
    double *free_pars_A;  /* free fit to the Asimov data */
    double free_tnll_A;
    double *scratch;      /* npars */
    int nevals;
    hf_hypotest_explain *ex;  /* NULL, or where each fit is recorded */
} hf_hypo;

int hf_hypo_init(hf_hypo *h, const hf_model *m, const double *data,
                 hf_test_stat ts, const hf_fit_options *opt, hf_error *err);
/* The same, recording every fit in *ex (see hf_cls_asymptotic_explain). */
int hf_hypo_init_ex(hf_hypo *h, const hf_model *m, const double *data,
                    hf_test_stat ts, const hf_fit_options *opt,
                    hf_hypotest_explain *ex, hf_error *err);

/* Hypothesis test at mu.  With observed == 0 only the Asimov (expected)
 * part is computed and the observed fields are NaN. */
int hf_hypo_eval(hf_hypo *h, double mu, int observed, hf_cls_result *res,
                 hf_error *err);

void hf_hypo_free(hf_hypo *h);

#endif
