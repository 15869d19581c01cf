/*
 * refs.h - pyhf reference files (../shared/reference/NAME.json, format in
 * its README.md) for the tests: loading one, listing them, building the
 * model it describes.
 */
#ifndef HF_TEST_REFS_H
#define HF_TEST_REFS_H

#include <cjson/cJSON.h>

#include "hf.h"

#define REF_SHARED "../shared"
#define REF_DIR REF_SHARED "/reference"

typedef struct ref_point {
    const double *pars;  /* npars */
    double logpdf;       /* NaN where pyhf's is undefined */
    double logpdf_code1_code0;
} ref_point;

typedef struct ref_fit {
    int present;
    double twice_nll;
    const double *pars;  /* npars, or NULL */
} ref_fit;

typedef struct ref_hypotest {
    int present;
    double cls_obs, clsb, clb, cls_exp[5];
} ref_hypotest;

typedef struct ref_limit {
    int present;
    double obs, exp[5];
} ref_limit;

typedef struct ref {
    char name[256];        /* file name without directory and .json */
    char workspace[1024];  /* resolved against REF_SHARED */
    char patch[1024];      /* "" when none */
    char patch_name[256];  /* "" for a plain patch */
    const char *poi;
    int npars, ndata, npoints;
    const double *data;
    ref_point *points;
    ref_fit fit_free, fit_mu1;
    ref_hypotest hypotest;          /* hypotest_mu1_qtilde: the one to match */
    ref_hypotest hypotest_default;  /* pyhf's default optimiser, if recorded */
    ref_limit upper_limit;
    double hypotest_seconds;
    cJSON *json;           /* the whole file */
    double *arena;         /* owns the arrays above */
} ref;

/* Loads `path`; returns 0 or -1 (message on stderr).  Python's NaN and
 * Infinity read as NaN. */
int ref_load(const char *path, ref *r);
void ref_free(ref *r);

/* Sorted paths of the *.json files in REF_DIR (NULL-terminated, free with
 * ref_list_free), or NULL when the directory is absent. */
char **ref_list(void);
void ref_list_free(char **list);

/* The reference's model: workspace + patch, pyhf defaults. */
int ref_model(const ref *r, hf_model **m, hf_error *err);

/* What float64 rounding alone can make pyhf's twice_nll wrong by on this
 * data: its Poisson terms n log(lam) - lam - lgamma(n + 1) cancel, each to
 * a few ulps of its largest part.  3LRJ's shapesys constraints (tau up to
 * 1.9e11) make that 1e-3: pyhf's logpdf there is off the 50-digit value by
 * 8e-4 (test_cls, test_parity). */
double ref_rounding(const hf_model *m, const double *data);

#endif
