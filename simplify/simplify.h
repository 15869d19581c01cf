/*
 * simplify.h - shared between the parts of simplified likelihoods:
 * simplify.c (the fit, the post-fit yields and covariance), linear.c (the
 * LINEAR method) and spec.c (the simplified workspace written from them).
 */
#ifndef HF_SIMPLIFY_H
#define HF_SIMPLIFY_H

#include "hf/hfmodel.h"

/* The simplified background over the main bins of `ym`, the model whose
 * expected yields are the background (the workspace without the excluded
 * samples); `fm` is the fitted model.  Per channel spec.c writes one
 * sample per group, "Bkg" then "Bkg_NAME" scaled by normfactor NAME, each
 * with its nominal and a histosys per systematic (its delta in that
 * group), then one sample per kept staterror. */
typedef struct hf_postfit {
    const hf_model *fm;
    const hf_model *ym;
    int nbins;        /* hf_model_nmain(ym) */
    double *yield;    /* post-fit yields, nbins */
    double *cov;      /* their covariance, nbins * nbins, row-major */

    int ngroups;
    char **gname;     /* [0] NULL, else the normfactor scaling the group */
    double *gnom;     /* ngroups * nbins */
    int nsys, capsys;
    char **sysname;
    double *sysdelta; /* nsys * ngroups * nbins */
    int nst;
    char **stname;    /* staterror parameter sets kept as such */
    double *stdata;   /* nst * nbins: yield per unit of gamma */
    double *stmod;    /* nst * nbins: absolute widths */
} hf_postfit;

/* CORRELATED's keep_named when it is 0: the normsys/histosys parameters
 * of largest impact that stay under their own names (1Lbb, ~100 of them:
 * 20 or 40 lose a point at the exclusion threshold, 50 and more do not). */
#define HF_SIMPLIFY_CORRELATED_KEEP 50

void hfsimplify_postfit_free(hf_postfit *pf);

/* Appends a systematic (delta: ngroups * nbins, copied). */
int hfsimplify_postfit_add_sys(hf_postfit *pf, const char *name, const double *delta,
                       hf_error *err);

/* Eigenvectors of the symmetric n x n `cov` whose eigenvalues are above
 * cut times the largest, each times the root of its eigenvalue, as rows
 * of dirs (n * n room); their count, or -1 with err set. */
int hfsimplify_eigen(const double *cov, int n, double cut, double *dirs,
                      hf_error *err);

/* The LINEAR and CORRELATED methods' groups and systematics (linear.c).  S holds the
 * symmetrised +-1 sigma variations of the yields of the nfree free
 * parameters freeidx (rows of nbins); map[j] is the fm index of ym's
 * parameter j or -1. */
int hfsimplify_linear(const hf_model *fm, const hf_model *ym, const int *map,
                       const double *pars, const double *unc,
                       const int *freeidx, int nfree, const double *S,
                       const hf_simplify_options *opt, hf_postfit *pf,
                       hf_error *err);

/* The simplified workspace document (not yet validated). */
int hfsimplify_spec(const cJSON *root, const hf_postfit *pf,
                     const hf_simplify_options *opt, const char *source,
                     cJSON **out, hf_error *err);

#endif
