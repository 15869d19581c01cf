/*
 * hf.h - the one public header of hf, a C implementation of the HistFactory
 * JSON likelihood specification with pyhf (0.7.6+) semantics.
 *
 * Conventions (SQLite/GSL style):
 *  - Objects are opaque handles created by hf_*_read/_parse/_build and
 *    released by the matching hf_*_free (which accepts NULL).
 *  - Every function that can fail returns an HF_* status code and, when
 *    `err` is not NULL, fills it with the code and a message naming the
 *    file, the JSON path and the problem.
 *  - Output arrays are owned by the caller; sizes are given by the
 *    hf_model_* size queries.
 *  - A built hf_model is immutable: any number of threads may evaluate and
 *    fit it concurrently, each with its own work buffer.
 */
#ifndef HF_H
#define HF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HF_API __attribute__((visibility("default")))
#else
#define HF_API
#endif

#define HF_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

enum {
    HF_OK = 0,
    HF_ERR_IO,       /* a file could not be read or written */
    HF_ERR_PARSE,    /* not JSON */
    HF_ERR_INVALID,  /* JSON that is not a valid workspace/patch/model */
    HF_ERR_PATCH,    /* a patch operation failed */
    HF_ERR_NOTFOUND, /* a named channel, patch, measurement... is absent */
    HF_ERR_ARG,      /* bad argument from the caller */
    HF_ERR_NOMEM,
    HF_ERR_FIT,      /* a fit did not converge */
    HF_ERR_NUMERIC   /* non-finite likelihood where a number is needed */
};

typedef struct hf_error {
    int code;
    char msg[1024];
} hf_error;

HF_API const char *hf_status_name(int code);

/* ------------------------------------------------------------- workspace */

/* A HistFactory workspace (pyhf schema 1.0.0), parsed and validated. */
typedef struct hf_workspace hf_workspace;

HF_API int hf_workspace_read(const char *path, hf_workspace **out,
                             hf_error *err);
/* `name` is used in error messages in place of a file name. */
HF_API int hf_workspace_parse(const char *json, const char *name,
                              hf_workspace **out, hf_error *err);
HF_API void hf_workspace_free(hf_workspace *ws);

/* --------------------------------------------------------------- patches */

/* An RFC 6902 JSON Patch (a list of operations). */
typedef struct hf_patch hf_patch;

/* A pyhf patchset: named patches with values, labels and digests. */
typedef struct hf_patchset hf_patchset;

HF_API int hf_patch_read(const char *path, hf_patch **out, hf_error *err);
HF_API int hf_patch_parse(const char *json, const char *name, hf_patch **out,
                          hf_error *err);
HF_API void hf_patch_free(hf_patch *p);

/* Reads a file that holds either an RFC 6902 patch or a pyhf patchset.
 * For a patchset, `patch_name` picks the patch (an error names the count of
 * available patches if it is NULL or unknown); for a plain patch it must be
 * NULL. */
HF_API int hf_patch_read_any(const char *path, const char *patch_name,
                             hf_patch **out, hf_error *err);

HF_API int hf_patchset_read(const char *path, hf_patchset **out,
                            hf_error *err);
HF_API int hf_patchset_parse(const char *json, const char *name,
                             hf_patchset **out, hf_error *err);
HF_API void hf_patchset_free(hf_patchset *ps);
HF_API int hf_patchset_size(const hf_patchset *ps);
HF_API const char *hf_patchset_patch_name(const hf_patchset *ps, int i);
/* Index of the patch called `name`, or -1. */
HF_API int hf_patchset_find(const hf_patchset *ps, const char *name);
/* Index of the patch whose numeric values equal `values[0..n)`, or -1. */
HF_API int hf_patchset_find_values(const hf_patchset *ps, const double *values,
                                   int n);
HF_API int hf_patchset_nlabels(const hf_patchset *ps);
HF_API const char *hf_patchset_label(const hf_patchset *ps, int j);
/* Values of patch i: number of them, and each as a number (NaN for a string
 * value) or as JSON text written to `buf`. */
HF_API int hf_patchset_nvalues(const hf_patchset *ps, int i);
HF_API double hf_patchset_value(const hf_patchset *ps, int i, int j);
HF_API int hf_patchset_value_text(const hf_patchset *ps, int i, int j,
                                  char *buf, size_t len);
/* The patch at index i, owned by the patchset. */
HF_API const hf_patch *hf_patchset_patch(const hf_patchset *ps, int i);
/* The digest recorded in the patchset metadata ("sha256", "md5"), or NULL. */
HF_API const char *hf_patchset_digest(const hf_patchset *ps,
                                      const char *algorithm);

/* ------------------------------------------------ digests, pyhf commands */

/* pyhf.utils.digest(workspace, algorithm): the hex digest of the workspace
 * serialised as json.dumps(ws, sort_keys=True, ensure_ascii=False) writes
 * it (integer literals stay integers, floats as Python's repr).
 * `algorithm` is a hashlib name ("sha256" when NULL, "md5", "sha1", ...);
 * hex needs 2 * digest size + 1 bytes (129 covers all). */
HF_API int hf_workspace_digest(const hf_workspace *ws, const char *algorithm,
                               char *hex, size_t len, hf_error *err);

/* Digests recorded in a patchset's metadata: how many, and the algorithm
 * of the i-th, in file order (hf_patchset_digest gives its value). */
HF_API int hf_patchset_ndigests(const hf_patchset *ps);
HF_API const char *hf_patchset_digest_name(const hf_patchset *ps, int i);

/* pyhf's PatchSet.verify: every digest in the patchset's metadata must be
 * the workspace's; HF_ERR_INVALID naming the first that is not. */
HF_API int hf_patchset_verify(const hf_patchset *ps, const hf_workspace *ws,
                              hf_error *err);

/* The workspace with patch p applied to its whole document, validated as
 * a workspace (pyhf's Patch.apply then Workspace()). */
HF_API int hf_workspace_apply(const hf_workspace *ws, const hf_patch *p,
                              hf_workspace **out, hf_error *err);

/* pyhf's Workspace.sorted: channels, samples, measurements, their
 * parameters and observations sorted by name, modifiers by (name, type). */
HF_API int hf_workspace_sorted(const hf_workspace *ws, hf_workspace **out,
                               hf_error *err);

/* What pyhf's Workspace.prune / .rename (_prune_and_rename) take: lists
 * of names to prune, and rename lists of n (old, new) pairs flattened as
 * old0, new0, old1, new1, ...  Zero-initialise and fill what is needed. */
typedef struct hf_ws_edit {
    const char *const *prune_modifiers;
    int n_prune_modifiers;
    const char *const *prune_modifier_types;
    int n_prune_modifier_types;
    const char *const *prune_samples;
    int n_prune_samples;
    const char *const *prune_channels;
    int n_prune_channels;
    const char *const *prune_measurements;
    int n_prune_measurements;
    const char *const *rename_modifiers;
    int n_rename_modifiers;  /* pairs */
    const char *const *rename_samples;
    int n_rename_samples;
    const char *const *rename_channels;
    int n_rename_channels;
    const char *const *rename_measurements;
    int n_rename_measurements;
} hf_ws_edit;

/* The new workspace pyhf's _prune_and_rename builds (only the keys it
 * keeps), validated.  HF_ERR_NOTFOUND, with pyhf's message, for a name
 * that is not in the workspace. */
HF_API int hf_workspace_prune_rename(const hf_workspace *ws,
                                     const hf_ws_edit *e, hf_workspace **out,
                                     hf_error *err);

/* pyhf's Workspace.combine(left, right, join, merge_channels): join is
 * "none" (NULL), "outer", "left outer" or "right outer"; pyhf's messages
 * for incompatible workspaces (HF_ERR_INVALID) and bad joins (HF_ERR_ARG). */
HF_API int hf_workspace_combine(const hf_workspace *left,
                                const hf_workspace *right, const char *join,
                                int merge_channels, hf_workspace **out,
                                hf_error *err);

/* json.dumps(ws, indent=indent, sort_keys=True) as pyhf writes a workspace
 * (indent 0: one line).  malloc'd; NULL when out of memory. */
HF_API char *hf_workspace_dump(const hf_workspace *ws, int indent);

/* ----------------------------------------------------------------- model */

typedef struct hf_model hf_model;

/* Interpolation codes, as in pyhf/ROOT HistFactory. */
typedef enum {
    HF_INTERP_CODE0 = 0,
    HF_INTERP_CODE1 = 1,
    HF_INTERP_CODE2 = 2,
    HF_INTERP_CODE4 = 4,
    HF_INTERP_CODE4P = 5
} hf_interp;

typedef struct hf_model_options {
    const char *measurement; /* NULL: the first measurement */
    const char *poi;         /* NULL: the measurement's POI; "" none */
    hf_interp normsys_interp;  /* pyhf default: HF_INTERP_CODE4 */
    hf_interp histosys_interp; /* pyhf default: HF_INTERP_CODE4P */
} hf_model_options;

HF_API void hf_model_options_init(hf_model_options *opt);

/* Builds the model of `ws` with the patches applied in order (pyhf applies
 * them to {"channels": ..., "parameters": measurement parameters}).  The
 * observed data (main bins, then auxdata) are built as pyhf's
 * Workspace.data(model). `opt` may be NULL for pyhf's defaults.  The
 * workspace is only read (patched parts are copied on write), so any
 * number of threads may build models from one workspace at once. */
HF_API int hf_model_build(const hf_workspace *ws, const hf_patch *const *patches,
                          int npatches, const hf_model_options *opt,
                          hf_model **out, hf_error *err);
HF_API void hf_model_free(hf_model *m);

/* Sizes. */
HF_API int hf_model_npars(const hf_model *m);  /* scalar parameters */
HF_API int hf_model_nmain(const hf_model *m);  /* main bins */
HF_API int hf_model_naux(const hf_model *m);   /* auxiliary data */
HF_API int hf_model_ndata(const hf_model *m);  /* nmain + naux */
/* Length, in doubles, of the work buffer evaluation functions need. */
HF_API size_t hf_model_work_size(const hf_model *m);

/* Index of the POI in the parameter vector, or -1 if the model has none. */
HF_API int hf_model_poi(const hf_model *m);

/* Parameter sets, in pyhf's order. */
typedef struct hf_parset {
    const char *name;
    const char *type;  /* "normfactor", "normsys", ..., the modifier type */
    int offset;        /* first index in the parameter vector */
    int n;             /* number of scalar parameters */
    int constrained;   /* 0 none, 1 Gaussian, 2 Poisson */
    int aux_offset;    /* first index of its auxdata in the aux block, or -1 */
} hf_parset;

HF_API int hf_model_nparsets(const hf_model *m);
HF_API int hf_model_parset(const hf_model *m, int k, hf_parset *out);
/* Index of the parameter set called `name`, or -1. */
HF_API int hf_model_find_parset(const hf_model *m, const char *name);
/* Name of scalar parameter i as pyhf's par_names: "mu", "gamma_x[3]". */
HF_API const char *hf_model_par_name(const hf_model *m, int i);

/* Per scalar parameter: suggested init, bounds, fixed flag; per aux datum
 * the Gaussian sigma (or 0 for Poisson) - arrays of npars / naux owned by
 * the model. */
HF_API const double *hf_model_inits(const hf_model *m);
HF_API const double *hf_model_lower(const hf_model *m);
HF_API const double *hf_model_upper(const hf_model *m);
HF_API const unsigned char *hf_model_fixed(const hf_model *m);
HF_API const double *hf_model_auxdata(const hf_model *m);
HF_API const double *hf_model_sigmas(const hf_model *m);
/* The observed data vector (ndata doubles). */
HF_API const double *hf_model_data(const hf_model *m);

/* Channels in pyhf's (sorted) order. */
HF_API int hf_model_nchannels(const hf_model *m);
HF_API const char *hf_model_channel_name(const hf_model *m, int c);
HF_API int hf_model_channel_offset(const hf_model *m, int c);
HF_API int hf_model_channel_nbins(const hf_model *m, int c);

/* Expected main-bin yields at `pars` into out[nmain]. */
HF_API void hf_model_expected(const hf_model *m, const double *pars,
                              double *out, double *work);

/* Expected data (main then aux, ndata values), as pyhf's expected_data. */
HF_API void hf_model_expected_data(const hf_model *m, const double *pars,
                                   double *out, double *work);

/* log-likelihood of `data` (ndata values), all constants kept, as pyhf's
 * Model.logpdf.  Non-finite where pyhf's is (negative expected yield). */
HF_API double hf_model_logpdf(const hf_model *m, const double *pars,
                              const double *data, double *work);

/* Negative log-likelihood and, if grad is not NULL, its analytic gradient
 * with respect to every parameter (grad[npars]). */
HF_API double hf_model_nll(const hf_model *m, const double *pars,
                           const double *data, double *grad, double *work);

/* ------------------------------------------------------------------- fit */

typedef struct hf_fit_options {
    double tolerance;  /* relative tolerance on the NLL; default 1e-10 */
    int max_evals;     /* 0: default */
} hf_fit_options;

HF_API void hf_fit_options_init(hf_fit_options *opt);

typedef struct hf_fit_result {
    double twice_nll;
    int converged;     /* 1 when the optimiser reports convergence */
    int nevals;        /* NLL+gradient evaluations */
} hf_fit_result;

/* Maximum-likelihood fit of `data` honouring bounds and fixed parameters.
 * `init` (npars, may be NULL for the model's inits) is the start point and
 * carries the values of fixed parameters.  If fix_poi is non-zero, the POI
 * is fixed to poi_value.  The best-fit point is written to pars[npars].
 * Returns HF_ERR_FIT (with the result still filled) when not converged. */
HF_API int hf_fit(const hf_model *m, const double *data, const double *init,
                  int fix_poi, double poi_value, const hf_fit_options *opt,
                  double *pars, hf_fit_result *res, hf_error *err);

/* Parabolic uncertainties from the Hessian at `pars` (unc[npars], 0 for
 * fixed parameters) and, if corr is not NULL, the correlation matrix
 * (npars*npars, row-major). */
HF_API int hf_fit_uncertainties(const hf_model *m, const double *data,
                                const double *pars, double *unc, double *corr,
                                hf_error *err);

/* ------------------------------------------------------------ inference */

typedef enum {
    HF_TEST_Q0 = 0,
    HF_TEST_QMU = 1,
    HF_TEST_QMU_TILDE = 2,
    HF_TEST_TMU = 3,       /* hf_test_statistic only (pyhf has no */
    HF_TEST_TMU_TILDE = 4  /* asymptotic distribution for them) */
} hf_test_stat;

/* The test statistic of `data` at POI value mu, as the function of the
 * same name in pyhf.infer.test_statistics (q0 tests mu = 0 whatever mu
 * is): two fits, from the model's inits. */
HF_API int hf_test_statistic(const hf_model *m, const double *data, double mu,
                             hf_test_stat ts, const hf_fit_options *opt,
                             double *q, hf_error *err);

typedef struct hf_cls_result {
    double cls_obs, clsb, clb;
    double cls_exp[5];       /* -2, -1, 0, +1, +2 sigma */
    double test_stat;        /* observed q */
    double test_stat_asimov; /* q on the background-only Asimov data */
    int nevals;              /* NLL+gradient evaluations used */
} hf_cls_result;

/* Asymptotic CLs at POI value mu, as pyhf.infer.hypotest(calctype=
 * "asymptotics", return_tail_probs=True, return_expected_set=True).  For
 * HF_TEST_Q0, as pyhf, cls_obs and cls_exp hold the p-values CLsb (the
 * discovery p0 and its expected band) and mu is taken as 0. */
HF_API int hf_cls_asymptotic(const hf_model *m, const double *data, double mu,
                             hf_test_stat ts, const hf_fit_options *opt,
                             hf_cls_result *res, hf_error *err);

/* hf_cls_asymptotic at each of mu[0..n) into res[0..n), sharing the fits
 * that do not depend on mu (free fits, Asimov data): two fits a point.
 * res[i].nevals counts the evaluations up to and including point i. */
HF_API int hf_cls_scan(const hf_model *m, const double *data, const double *mu,
                       int n, hf_test_stat ts, const hf_fit_options *opt,
                       hf_cls_result *res, hf_error *err);

typedef struct hf_limit_result {
    double obs;
    double exp[5];   /* -2, -1, 0, +1, +2 sigma */
    int nevals;
} hf_limit_result;

/* Observed and expected upper limits on the POI at confidence level `cl`
 * (e.g. 0.95), as pyhf.infer.intervals.upper_limits.upper_limit. */
HF_API int hf_upper_limit(const hf_model *m, const double *data, double cl,
                          hf_test_stat ts, const hf_fit_options *opt,
                          hf_limit_result *res, hf_error *err);

/* ----------------------------------------------------------------- batch */

/* A signal grid in one call: for every patch, the model of the workspace
 * with that patch applied, then hf_cls_asymptotic (and optionally
 * hf_upper_limit) on its observed data.  Patches run in parallel over
 * OpenMP threads; each patch's numbers depend only on the patch, never on
 * the thread count or on which thread ran it. */

typedef struct hf_batch_options {
    double test_poi;                /* POI value tested; default 1.0 */
    hf_test_stat ts;                /* default HF_TEST_QMU_TILDE */
    int upper_limit;                /* non-zero: also the upper limits */
    double cl;                      /* their confidence level; default 0.95 */
    int threads;                    /* 0: OpenMP's default (all cores) */
    const hf_model_options *model;  /* NULL: pyhf's defaults */
    const hf_fit_options *fit;      /* NULL: defaults */
    /* Called after each patch with the count done so far, from whichever
     * thread finished it, never by two threads at once; may be NULL. */
    void (*progress)(void *ctx, int done, int total);
    void *progress_ctx;
} hf_batch_options;

HF_API void hf_batch_options_init(hf_batch_options *opt);

typedef struct hf_batch_item {
    int status;             /* HF_OK, or the HF_ERR_* code of err */
    hf_error err;           /* why this patch failed */
    hf_cls_result cls;
    hf_limit_result limit;  /* filled when opt->upper_limit */
    double seconds;         /* wall time spent on this patch */
} hf_batch_item;

typedef struct hf_batch_result {
    int n;                  /* number of patches */
    int nfailed;            /* items whose status is not HF_OK */
    hf_batch_item *items;   /* n items, in patch order; malloc'd */
} hf_batch_result;

/* Evaluates every patch of `ps`.  A failing patch (a patch that does not
 * apply, a fit that does not converge) only sets its item's status and
 * message: the others still run.  Returns HF_OK when every patch was
 * tried (see res->nfailed), an error for bad arguments or lack of memory.
 * Release the result with hf_batch_result_free. */
HF_API int hf_batch_cls(const hf_workspace *ws, const hf_patchset *ps,
                        const hf_batch_options *opt, hf_batch_result *res,
                        hf_error *err);
/* The same for a list of patches, each applied alone. */
HF_API int hf_batch_cls_patches(const hf_workspace *ws,
                                const hf_patch *const *patches, int n,
                                const hf_batch_options *opt,
                                hf_batch_result *res, hf_error *err);
HF_API void hf_batch_result_free(hf_batch_result *res);

#ifdef __cplusplus
}
#endif

#endif /* HF_H */
