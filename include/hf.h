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
/* The same as a number, major * 10000 + minor * 100 + patch, for #if. */
#define HF_VERSION_NUMBER 100

/* The version of the library actually loaded (HF_VERSION is the header's):
 * "0.1.0".  A program built against one header and run with another
 * library can compare them. */
HF_API const char *hf_version(void);
/* The same as a number (HF_VERSION_NUMBER's layout). */
HF_API int hf_version_number(void);

/* Frees a string or array the library allocated for the caller
 * (hf_workspace_dump, hf_signal_patch's JSON text, ...), with the
 * allocator the library uses: a caller in another language or linked
 * against another C runtime must not call its own free() on them. */
HF_API void hf_free(void *p);

/* Option structs (hf_model_options, hf_fit_options, ..., hf_ws_edit) start
 * with `int version`, which their _init function sets to this header's
 * HF_*_VERSION before filling in the defaults.  A struct that grows gets
 * a new version; the library reads only the fields the caller's version
 * has, so programs built against an older header keep working.  A struct
 * whose version the library does not know (0: never set up by _init) is
 * refused with HF_ERR_ARG. */

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

/* --------------------------------------------------------- input limits */

/* The most the library reads from one file, pipe or standard input
 * (hf_*_read, the commands): 1 GiB, far above the largest published
 * workspace or patchset, so that only a runaway input (an endless pipe)
 * meets it.  A regular file above the limit is refused before it is read
 * (HF_ERR_IO, naming the file and the limit).  The environment variable
 * named HF_MAX_INPUT_ENV, read at each call, overrides it: a size in
 * bytes, optionally with a K, M or G suffix ("4G"); an unreadable value
 * leaves the default. */
#define HF_MAX_INPUT_DEFAULT ((size_t)1 << 30)
#define HF_MAX_INPUT_ENV "HF_MAX_INPUT_BYTES"

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
 * old0, new0, old1, new1, ...  Set up with hf_ws_edit_init, then fill
 * what is needed. */
#define HF_WS_EDIT_VERSION 1

typedef struct hf_ws_edit {
    int version;  /* HF_WS_EDIT_VERSION (set by the _init function) */
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

HF_API void hf_ws_edit_init(hf_ws_edit *e);

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
 * (indent 0: one line).  Free it with hf_free; NULL when out of memory. */
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

#define HF_MODEL_OPTIONS_VERSION 1

typedef struct hf_model_options {
    int version;  /* HF_MODEL_OPTIONS_VERSION (set by the _init function) */
    const char *measurement; /* NULL: the first measurement */
    const char *poi;         /* NULL: the measurement's POI; "" none */
    hf_interp normsys_interp;  /* pyhf default: HF_INTERP_CODE4 */
    hf_interp histosys_interp; /* pyhf default: HF_INTERP_CODE4P */
} hf_model_options;

HF_API void hf_model_options_init(hf_model_options *opt);

/* Builds the model of `ws` with the patches applied in order to its model
 * spec, as pyhf's Workspace.model(patches=...) applies them to
 * {"channels": ..., "parameters": measurement parameters}, patchset
 * patches too (for pyhf's PatchSet.apply see hf_model_build_applied).  The
 * observed data (main bins, then auxdata) are built as pyhf's
 * Workspace.data(model). `opt` may be NULL for pyhf's defaults.  The
 * workspace is only read (patched parts are copied on write), so any
 * number of threads may build models from one workspace at once. */
HF_API int hf_model_build(const hf_workspace *ws, const hf_patch *const *patches,
                          int npatches, const hf_model_options *opt,
                          hf_model **out, hf_error *err);
/* The same as the hf command builds it: a patch that comes from a
 * patchset is applied to the whole workspace, as pyhf's PatchSet.apply
 * (so it may change observations and measurements; the result is
 * validated as a workspace), and the plain patches then to the model spec
 * as hf_model_build does (pyhf's `patchset apply` then `cls --patch`).
 * Patchset patches go first, each group in the given order.  Copy on
 * write as hf_model_build: the workspace is only read. */
HF_API int hf_model_build_applied(const hf_workspace *ws,
                                  const hf_patch *const *patches,
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

/* A view of model m with other suggested inits, bounds and fixed flags
 * (pyhf's init_pars, par_bounds and fixed_params), so that every fit,
 * hypothesis test, limit and toy run on the view honours them: npars
 * values each, NULL to keep m's.  Fixed parameters are held at their init.
 * The view shares everything else with m, which must outlive it; release
 * it with hf_model_free.  HF_ERR_ARG for a non-finite init, a NaN bound or
 * a lower bound above the upper one. */
HF_API int hf_model_with_pars(const hf_model *m, const double *init,
                              const double *lower, const double *upper,
                              const unsigned char *fixed, hf_model **out,
                              hf_error *err);

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

#define HF_FIT_OPTIONS_VERSION 2

typedef struct hf_fit_options {
    int version;  /* HF_FIT_OPTIONS_VERSION (set by the _init function) */
    /* Stopping rule: a fit has converged when the NLL's estimated height
     * above its minimum is at most tolerance * max(1, |NLL|) (default
     * 1e-10).  The height is estimated twice: as half the squared
     * gradient projected on the bounds, in units of each parameter's
     * constraint width (right where the curvature is that of the
     * constraint), and along that gradient with the curvature measured
     * by one more gradient evaluation (right where a parameter is far
     * weaker than its width says, e.g. a POI with a tiny signal); both
     * must pass.  Parameters held at a bound with the gradient pointing
     * out count as converged there; so does one within 1e-7 widths of a
     * bound, its gradient pointing in, whose gradient 1e-7 widths further
     * in points back (its minimum lies in between: a shapesys whose
     * Asimov aux datum was made with its gamma on the 1e-10 bound has a
     * log barrier there), 1e-7 widths times its gradient counted as left
     * of the tolerance.  Then the curvature: the Hessian (exact, from the
     * model's analytic second derivatives, in width units) on the free
     * parameters not held at a bound must have no eigenvalue below -1e-6
     * (positive definite, or flat within 1e-6); at
     * a saddle the fit descends from either side of it along the
     * negative direction (up to 3 times) and otherwise reports no
     * convergence.  Every fit checks the whole Hessian: hf_fit,
     * hf_test_statistic and the fits of hypothesis tests, limits, scans,
     * grids and toys (no more evaluations; its time is about ten
     * gradients' on 1Lbb), so a saddle across a direction that is no
     * coordinate's (two parameters exchanged by a symmetry, started
     * equal: tests/pyhf/saddle_sym.json, where pyhf's default optimizer
     * stops) is left too.  A toy's quick fit (BFGS from its generating
     * point's metric) is followed by hffit_ex's fit from its point (the
     * check, and a descent from a saddle); where a toy's fits find no
     * point that passes, from every start, the toy is dropped.  Not
     * checked: the Asimov free fit, no fit (its point is the global
     * minimum by construction), and a fit finished on an empty bin's zero
     * yield (fit/edge.c: a constrained minimum, judged by KKT).  Cost:
     * about 1.2 to 1.4 times the time of an asymptotic hypotest on the
     * shared real workspaces against the former default, which checked
     * only the block a descent cannot leave (bench/RESULTS.md). */
    double tolerance;
    int max_evals;     /* 0: default */
    /* Version 2.  Accepted for compatibility (`--full-hessian`, the
     * former strict mode): whatever it holds, and in a version-1 struct,
     * every fit checks the whole Hessian as above; hf_fit_options_init
     * sets it to 1. */
    int full_hessian;
} hf_fit_options;

HF_API void hf_fit_options_init(hf_fit_options *opt);

typedef struct hf_fit_result {
    double twice_nll;
    int converged;     /* 1 when the stopping rule above holds */
    int nevals;        /* NLL+gradient evaluations */
    /* The POI value of another minimum as low (within 1e-6 of twice_nll)
     * that the fit's own search found: a descent from the other well of a
     * two-well histosys parameter ending there (the likelihood cannot
     * tell the two apart).  NaN when none, or the POI is fixed. */
    double twin_poi;
} hf_fit_result;

/* Maximum-likelihood fit of `data` honouring bounds and fixed parameters.
 * `init` (npars, may be NULL for the model's inits) is the start point and
 * carries the values of fixed parameters.  If fix_poi is non-zero, the POI
 * is fixed to poi_value.  The best-fit point is written to pars[npars].
 * A fit that converges with a free shapesys, staterror or shapefactor
 * gamma on its lower bound is redone once from its point with every such
 * gamma at 1 + 2 sigma of its constraint (1 + 2/sqrt(tau) for shapesys,
 * 3 for shapefactor; halfway to the upper bound where that is past it),
 * and the lower minimum is kept (nevals counts both): a weakly
 * constrained gamma can have a second minimum on that bound.  Every fit
 * of the library (hypothesis tests, toys, limits) follows the same rule.
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
    /* 1 when the test's retries (fits redone from other starting points:
     * a fit that failed, a normfactor or the free fit's POI on a bound)
     * found two minima of the free fit to the data within 1e-6 of
     * twice_nll whose POI values give CLs_obs differing by more than
     * 1e-4: the likelihood cannot tell which CLs is meant (see
     * hf_hypotest_explain.ambiguous, which also redoes the free fit from
     * the other fits' points).  Else 0. */
    int ambiguous;
} hf_cls_result;

/* Asymptotic CLs at POI value mu, as pyhf.infer.hypotest(calctype=
 * "asymptotics", return_tail_probs=True, return_expected_set=True).
 * Where a fit may have stopped in the wrong minimum it is redone from
 * other points, the lowest kept (deterministic, whatever the thread
 * count): a fit that fails or ends with a normfactor other than the POI
 * on a bound, from the model's inits and the other fits' points; the
 * free fit to the data with its POI on a bound, once from the fixed-POI
 * fit's point where the NLL there falls away from it; the free fit again
 * where the fixed-POI fit ends below it.  Every fit also searches the
 * other well of each histosys whose yield is not monotonic in it (see
 * hf_fit_result.twin_poi) and, as hf_fit's, redoes a fit that ends with a
 * shapesys, staterror or shapefactor gamma on its lower bound once with
 * those gammas at 1 + 2 sigma of their constraints, the lower kept.  The free fit to
 * the Asimov data is one evaluation at the point that made them: the
 * data are the expectation there, its global minimum.  The
 * fixed-POI fit to the Asimov data also starts from the model's inits,
 * as pyhf's, and the lower minimum is kept: that descent (the path the
 * fit from the inits would take, or the warm fits' BFGS metric where its
 * first step's decrease is within a factor 2 of the metric's prediction)
 * stops as soon as every parameter is
 * within 0.05 constraint widths of the warm-started fit's minimum, not
 * lower than it (the same basin); elsewhere it is finished and kept where
 * lower.  For
 * HF_TEST_Q0, as pyhf, cls_obs and cls_exp hold the p-values CLsb (the
 * discovery p0 and its expected band) and mu is taken as 0. */
HF_API int hf_cls_asymptotic(const hf_model *m, const double *data, double mu,
                             hf_test_stat ts, const hf_fit_options *opt,
                             hf_cls_result *res, hf_error *err);

/* The fits behind an asymptotic hypothesis test, to check hf against
 * another program (pyhf) fit by fit: twice_nll at the minimum, the POI
 * there, whether it converged and its NLL+gradient evaluations. */
typedef struct hf_fit_summary {
    int done;          /* 0: the test did not need this fit (q0) */
    double twice_nll;
    double poi;
    int converged;
    int nevals;
} hf_fit_summary;

enum {
    HF_FIT_FREE = 0,         /* free fit to the data */
    HF_FIT_FIXED_POI,        /* POI fixed to the tested value, data */
    HF_FIT_BKG_ONLY,         /* POI fixed to 0 (1 for q0): makes the
                                Asimov data */
    HF_FIT_ASIMOV_FREE,      /* free fit to the Asimov data */
    HF_FIT_ASIMOV_FIXED_POI, /* POI fixed to the tested value, Asimov */
    HF_NFITS
};

typedef struct hf_hypotest_explain {
    hf_fit_summary fit[HF_NFITS];
    double q_obs, q_asimov;  /* the test statistics as pyhf defines them */
    /* Optional, owned by the caller (NULL: not filled): every fit's
     * parameters (HF_NFITS * npars, fit k at k * npars) and the Asimov
     * data (ndata: main bins then auxdata, in pyhf's order). */
    double *pars;
    double *asimov_data;
    /* qmu and qmu_tilde: the free fit to the data redone from the
     * background-only and the fixed-POI fits' points.  ambiguous is 1
     * when one of them ends within 1e-6 of the free fit in twice_nll at
     * a POI value that moves CLs_obs by more than 1e-4 (the likelihood
     * cannot tell the two apart; CLs depends on which a minimizer
     * reports): alt_poi and alt_cls_obs are that fit's POI and the
     * CLs_obs it implies.  Else 0, and both NaN. */
    int ambiguous;
    double alt_poi, alt_cls_obs;
} hf_hypotest_explain;

/* hf_cls_asymptotic, and every fit it consists of into *ex.  The fixed-POI
 * fits are done even where the test statistic does not need them (the
 * POI's best fit above the tested value), as pyhf does. */
HF_API int hf_cls_asymptotic_explain(const hf_model *m, const double *data,
                                     double mu, hf_test_stat ts,
                                     const hf_fit_options *opt,
                                     hf_cls_result *res,
                                     hf_hypotest_explain *ex, hf_error *err);

/* Discovery: the asymptotic test of the background-only hypothesis with
 * the q0 statistic, as pyhf.infer.hypotest(0.0, data, model,
 * test_stat="q0", return_expected_set=True).  p0 is the probability of a
 * q0 at least the observed one under background only, p0_exp its
 * expected band under the signal hypothesis mu = 1 (pyhf's order: the
 * -2 sigma entry first), and each Z = Phi^-1(1 - p) its significance
 * (scipy.stats.norm.isf).  Two fits on the data, two on the Asimov data
 * at mu = 1. */
typedef struct hf_significance_result {
    double p0_obs, p0_exp[5];
    double z_obs, z_exp[5];
    double q0_obs, q0_asimov;  /* the test statistics behind them */
    double clb;                /* pyhf's tail probability for q0 */
    int nevals;                /* NLL+gradient evaluations used */
} hf_significance_result;

HF_API int hf_significance(const hf_model *m, const double *data,
                           const hf_fit_options *opt,
                           hf_significance_result *res, hf_error *err);
/* hf_significance, and the fits it consists of into *ex, as
 * hf_cls_asymptotic_explain for q0: "fixed_poi" is the fit at 0 and
 * "bkg_only" (which makes the Asimov data) the fit at 1. */
HF_API int hf_significance_explain(const hf_model *m, const double *data,
                                   const hf_fit_options *opt,
                                   hf_significance_result *res,
                                   hf_hypotest_explain *ex, hf_error *err);
/* The significance of a p-value, Phi^-1(1 - p) (inf for p = 0). */
HF_API double hf_p_to_z(double p);

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
 * (e.g. 0.95), as pyhf.infer.intervals.upper_limits.upper_limit: where
 * each CLs curve crosses 1 - cl.  hf solves the asymptotic formulae with
 * the test statistics interpolated between the hypothesis tests done and
 * tests again at each estimate until it moves by less than 5e-3 relative
 * (the limit's error is then ~1e-5 relative; about 3-4 hypotests'
 * evaluations in all).  A curve where that does not settle takes pyhf's
 * route: the POI bounds halved/doubled until they bracket the level, then
 * the crossing to 1e-6 relative (GSL Brent in place of toms748).  Where
 * the doubling leaves the POI's bounds pyhf stops with an error; hf goes
 * on (the tested POI may exceed its bounds, the free fits stay within). */
HF_API int hf_upper_limit(const hf_model *m, const double *data, double cl,
                          hf_test_stat ts, const hf_fit_options *opt,
                          hf_limit_result *res, hf_error *err);

/* Upper limits from a scan, as pyhf's linear_grid_scan: CLs at each of
 * mu[0..n) (into scan[0..n), which may be NULL) and the limits where the
 * observed and each expected CLs cross 1 - cl, by linear interpolation
 * between scan points (numpy.interp on the reversed scan; outside the
 * scanned CLs range it returns the end point, as pyhf does). */
HF_API int hf_upper_limit_scan(const hf_model *m, const double *data,
                               const double *mu, int n, double cl,
                               hf_test_stat ts, const hf_fit_options *opt,
                               hf_cls_result *scan, hf_limit_result *res,
                               hf_error *err);

/* ------------------------------------------------------------------ toys */

#define HF_TOYS_OPTIONS_VERSION 1

typedef struct hf_toys_options {
    int version;  /* HF_TOYS_OPTIONS_VERSION (set by the _init function) */
    int threads;                /* 0: OpenMP's default (all cores) */
    const hf_fit_options *fit;  /* NULL: defaults */
    /* Optional, ntoys doubles each: every toy's test statistic in toy
     * order, NaN where its fits failed. */
    double *sb_stats, *b_stats;
} hf_toys_options;

HF_API void hf_toys_options_init(hf_toys_options *opt);

typedef struct hf_toys_result {
    double cls_obs, clsb, clb;       /* CLs = CLsb / CLb: NaN/inf as numpy
                                        when no b-only toy reaches q_obs */
    double cls_exp[5];               /* -2, -1, 0, +1, +2 sigma */
    double clsb_exp[5], clb_exp[5];  /* the same percentiles of CLsb, CLb */
    double test_stat;                /* observed q */
    /* Monte Carlo standard errors: binomial for CLsb and CLb, propagated
     * to CLs = CLsb / CLb (for q0: cls_err = clsb_err). */
    double cls_err, clsb_err, clb_err;
    /* The range of CLs_obs when every dropped toy (nfailed_*) is counted
     * on either side of q_obs; cls_lo = cls_hi = cls_obs when none was. */
    double cls_lo, cls_hi;
    int ntoys;                       /* toys per hypothesis, as asked */
    int nfailed_sb, nfailed_b;       /* toys left out: their fits failed
                                        from every start tried */
    int nretried;                    /* toys whose first fits failed and
                                        that were fitted again */
    long nevals;                     /* NLL+gradient evaluations used */
} hf_toys_result;

/* Toy-based CLs at POI value mu, as pyhf.infer.hypotest(calctype=
 * "toybased", ntoys=ntoys, return_tail_probs=True, return_expected_set=
 * True): ntoys pseudo-data sets drawn at the fixed-POI fits to `data` at mu
 * (signal+background) and at 0 (background-only; 1 for q0, as pyhf), the
 * test statistic of each (two fits), p-values as the fractions of toys
 * with q >= q_obs and the expected band as pyhf's percentiles.  Toy i of
 * each hypothesis draws from its own stream of a counter-based generator
 * (Random123's Threefry-4x64), a function of (seed, i) only and disjoint
 * from the stream of every other (seed, i) pair of 64-bit numbers: runs
 * with different seeds can be merged, the first k toys are those of a run
 * of k, and the result never depends on the thread count.  A toy whose fit fails is left out
 * of its distribution and counted in nfailed_*; HF_ERR_FIT if all of one
 * hypothesis fail or a fit on the observed data fails.  For HF_TEST_Q0,
 * cls_obs and cls_exp hold CLsb as in hf_cls_asymptotic. */
HF_API int hf_cls_toys(const hf_model *m, const double *data, double mu,
                       hf_test_stat ts, int ntoys, unsigned long long seed,
                       const hf_toys_options *opt, hf_toys_result *res,
                       hf_error *err);

/* The p-values, expected band, Monte Carlo errors and dropped-toy interval
 * of toys already run: the test statistics of ntoys s+b and ntoys b-only
 * toys (NaN: a dropped toy) and the observed q, as hf_cls_toys computes
 * them (nevals and nretried are 0).  For merging runs that wrote their
 * toys (sb_stats, b_stats) with different seeds. */
HF_API int hf_toys_summary(hf_test_stat ts, double q_obs,
                           const double *sb_stats, const double *b_stats,
                           int ntoys, hf_toys_result *res, hf_error *err);

/* ----------------------------------------------------------------- batch */

/* A signal grid in one call: for every patch, the model of the workspace
 * with that patch applied, then hf_cls_asymptotic (and optionally
 * hf_upper_limit) on its observed data.  Patches run in parallel over
 * OpenMP threads; each patch's numbers depend only on the patch, never on
 * the thread count or on which thread ran it. */

#define HF_BATCH_OPTIONS_VERSION 1

typedef struct hf_batch_options {
    int version;  /* HF_BATCH_OPTIONS_VERSION (set by the _init function) */
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
    /* Non-zero: each item's hypotest as hf_cls_asymptotic_explain, its fits
     * in the item's `explain` (without parameters or Asimov data). */
    int explain;
} hf_batch_options;

HF_API void hf_batch_options_init(hf_batch_options *opt);

typedef struct hf_batch_item {
    int status;             /* HF_OK, or the HF_ERR_* code of err */
    hf_error err;           /* why this patch failed */
    hf_cls_result cls;
    hf_limit_result limit;  /* filled when opt->upper_limit */
    double seconds;         /* wall time spent on this patch */
    hf_hypotest_explain explain; /* filled when opt->explain (pars and
                                    asimov_data NULL) */
} hf_batch_item;

typedef struct hf_batch_result {
    int n;                  /* number of patches */
    int nfailed;            /* items whose status is not HF_OK */
    hf_batch_item *items;   /* n items, in patch order; malloc'd */
} hf_batch_result;

/* Evaluates every patch of `ps`, each model built as hf_model_build_applied
 * builds it (the patch applied to the whole workspace).  A failing patch (a patch that does not
 * apply, a fit that does not converge) only sets its item's status and
 * message: the others still run.  Every free fit (even in a batch of
 * one patch) starts from the fit of `ws` alone (its background; README.md): a
 * result agrees with hf_cls_asymptotic on the patch alone within the
 * fits' tolerance, not bit for bit, whatever the thread count or order.  Returns HF_OK when every patch was
 * tried (see res->nfailed), an error for bad arguments or lack of memory.
 * Release the result with hf_batch_result_free. */
HF_API int hf_batch_cls(const hf_workspace *ws, const hf_patchset *ps,
                        const hf_batch_options *opt, hf_batch_result *res,
                        hf_error *err);
/* The same for a list of patches, each applied alone (as
 * hf_model_build_applied: a patchset's patch to the whole workspace, a
 * plain patch to the model spec). */
HF_API int hf_batch_cls_patches(const hf_workspace *ws,
                                const hf_patch *const *patches, int n,
                                const hf_batch_options *opt,
                                hf_batch_result *res, hf_error *err);
HF_API void hf_batch_result_free(hf_batch_result *res);

/* ---------------------------------------------------- simplified likelihoods */

typedef enum {
    /* The `simplify` tool's: per channel one sample "Bkg" with the post-fit
     * background, one histosys "totalError" shared by all bins whose width
     * is each bin's post-fit uncertainty (bins taken 100% correlated). */
    HF_SIMPLIFY_SIMPLIFY = 0,
    /* Bin-to-bin correlations kept: LINEAR with the normsys/histosys of
     * largest impact under their own names (keep_named, default 50) and
     * every other constrained systematic folded into "totalError_eigK"
     * histosys, the eigenvectors of the pre-fit covariance of the
     * background yields. */
    HF_SIMPLIFY_CORRELATED = 1,
    /* The full model linearised at the best fit: the constrained
     * parameters' effects at their pre-fit widths as histosys of their
     * own names (see keep_named) or "totalError_eigK" around the yields at
     * the constraints' centres; free normfactors and staterrors kept as
     * such on samples "Bkg_NAME"; the data are fitted again as in the
     * full model (no double counting of the post-fit constraint). */
    HF_SIMPLIFY_LINEAR = 2,
    /* For comparison: one histosys "totalError_eigK" per significant
     * eigenvector of the post-fit covariance, around the post-fit yields
     * (refitting the data then counts them twice: less faithful). */
    HF_SIMPLIFY_POSTFIT = 3
} hf_simplify_method;

#define HF_SIMPLIFY_OPTIONS_VERSION 1

typedef struct hf_simplify_options {
    int version;  /* HF_SIMPLIFY_OPTIONS_VERSION (set by the _init function) */
    hf_simplify_method method;
    const char *measurement;        /* NULL: the first */
    const char *const *exclude;     /* samples left out of "Bkg" */
    int nexclude;
    const char *const *fix_names;   /* parameter sets fixed in the fit... */
    const double *fix_values;       /* ...to these values */
    int nfix;
    /* Non-zero: exactly one sample per channel.  Zero (default): zero-yield
     * placeholder samples keep each channel's original sample count, so
     * the original signal patches ("add /channels/0/samples/9") apply. */
    int no_pad;
    /* eigenvalues below this fraction of the largest are dropped; 0: 1e-6 */
    double eig_cut;
    /* LINEAR and CORRELATED: how many normsys/histosys parameters, those
     * of largest impact, stay histosys of their own name (shared with the
     * signal patches' systematics of that name) rather than being folded
     * into the eigenvectors; 0 (default): all for LINEAR, 50 for
     * CORRELATED; -1: none. */
    int keep_named;
    const hf_fit_options *fit;      /* NULL: defaults */
} hf_simplify_options;

HF_API void hf_simplify_options_init(hf_simplify_options *opt);

/* The simplified likelihood of background-only workspace `ws`: a fit of
 * all its channels with no POI, then every channel's background replaced
 * by its post-fit total (excluded samples left out) and the post-fit
 * uncertainties, propagated from the fit covariance with correlations.
 * Channel order and names, observations and the measurement's POI, lumi
 * and signal-only parameter configs are kept.  HF_ERR_FIT when the fit
 * does not converge; HF_ERR_NOTFOUND for an excluded sample or fixed
 * parameter that is not there. */
HF_API int hf_workspace_simplify(const hf_workspace *ws,
                                 const hf_simplify_options *opt,
                                 hf_workspace **out, hf_error *err);

/* ------------------------------------------------------------ recasting */

/* Signals from event scores (e.g. an ML classifier's output), for
 * recasting tools: histogram (score, weight) events into the bins of the
 * signal-region channels, then either write a pyhf signal patch or set the
 * yields directly on a compiled background model and get CLs / limits for
 * many signals in one call, with no JSON in between. */

/* Bin edges per channel: {"SR": [e0, e1, ..., eN]}, bins [e_i, e_i+1). */
typedef struct hf_binning hf_binning;

HF_API int hf_binning_read(const char *path, hf_binning **out, hf_error *err);
HF_API int hf_binning_parse(const char *json, const char *name,
                            hf_binning **out, hf_error *err);
HF_API void hf_binning_free(hf_binning *b);
HF_API int hf_binning_nchannels(const hf_binning *b);
HF_API const char *hf_binning_channel(const hf_binning *b, int i);
HF_API int hf_binning_nbins(const hf_binning *b, int i);
/* nbins + 1 strictly increasing edges, owned by b. */
HF_API const double *hf_binning_edges(const hf_binning *b, int i);
/* Index of channel `name`, or -1. */
HF_API int hf_binning_find(const hf_binning *b, const char *name);
/* Bin of `score` in channel i, or -1 when it is outside every bin (or NaN). */
HF_API int hf_binning_bin(const hf_binning *b, int i, double score);
/* Histograms n events of channel i: event k has score scores[k*stride] and
 * weight weights[k*stride] (weights NULL: 1).  Adds w to sumw[bin] and, if
 * sumw2 is not NULL, w*w to sumw2[bin].  Returns the count of events that
 * fell outside every bin.  stride 1 for plain arrays, 2 for interleaved
 * (score, weight) pairs. */
HF_API size_t hf_binning_fill(const hf_binning *b, int i, const double *scores,
                              const double *weights, size_t stride, size_t n,
                              double *sumw, double *sumw2);

/* Where and how a signal sample goes into a workspace. */
#define HF_SIGNAL_SPEC_VERSION 1

typedef struct hf_signal_spec {
    int version;  /* HF_SIGNAL_SPEC_VERSION (set by the _init function) */
    const char *const *channels; /* the signal-region channels, any order */
    int nchannels;
    const char *sample;      /* sample name; NULL: "signal" */
    const char *poi;         /* its normfactor; NULL: the measurement's POI
                                (hf_signal_patch: the first measurement's),
                                or "mu_SIG" when it names none */
    int lumi;                /* non-zero: a lumi modifier */
    int staterror;           /* non-zero: per-bin uncertainties, as a
                                staterror "staterror_<channel>" (shared
                                with a background's of that name) */
} hf_signal_spec;

HF_API void hf_signal_spec_init(hf_signal_spec *spec);

/* Signal bins are numbered channel after channel in spec order: yields and
 * uncertainties are arrays of hf_signal_nbins() doubles. */

/* The RFC 6902 patch adding the signal sample to `ws` (JSON text, pyhf's
 * layout, in *json: free it with hf_free).  unc (sqrt(sum w^2) per bin) is used when
 * spec->staterror; NULL means zeros. */
HF_API int hf_signal_patch(const hf_workspace *ws, const hf_signal_spec *spec,
                           const double *yields, const double *unc,
                           char **json, hf_error *err);

/* A compiled background with a signal slot: the model of ws plus a signal
 * sample with placeholder yields, built once.  Immutable after
 * hf_signal_build: any number of threads may use one at once. */
typedef struct hf_signal hf_signal;

/* opt: measurement and interpolation codes (its poi is ignored: the POI
 * is the signal's normfactor); NULL for pyhf's defaults.  s keeps a
 * pointer to ws, which must outlive it (hf_signal_model rebuilds from it). */
HF_API int hf_signal_build(const hf_workspace *ws, const hf_signal_spec *spec,
                           const hf_model_options *opt, hf_signal **out,
                           hf_error *err);
HF_API void hf_signal_free(hf_signal *s);
HF_API int hf_signal_nbins(const hf_signal *s);
/* Offset and bin count of spec channel i in the yields vector. */
HF_API int hf_signal_channel_offset(const hf_signal *s, int i);
HF_API int hf_signal_channel_nbins(const hf_signal *s, int i);
/* The template model (placeholder signal yields). */
HF_API const hf_model *hf_signal_template(const hf_signal *s);

/* A stand-alone model with these signal yields (and uncertainties, NULL:
 * zeros), exactly the model hf_signal_patch's patch gives; release it with
 * hf_model_free. */
HF_API int hf_signal_model(const hf_signal *s, const double *yields,
                           const double *unc, hf_model **out, hf_error *err);

/* CLs (and upper limits when opt->upper_limit) for k signals in one call:
 * signal j has yields[j*nbins .. (j+1)*nbins) and, when the spec has a
 * staterror, uncertainties unc[j*nbins ..] (NULL: zeros).  Each signal
 * overwrites the signal block's nominal yields in a per-thread copy of
 * the template's yield arrays and recomputes the staterror sigmas (and
 * fixed flags) from the new total nominal as hf_model_build does (unless
 * the measurement sets them), so the numbers are those of the patched
 * workspace.  Signals run in parallel over opt->threads OpenMP threads
 * (opt->model is ignored); each result depends only on its signal, never
 * on the thread count.  Thread-safety: s is only read, so several calls
 * may share one hf_signal.  A failing signal only sets its item's status.
 * Release res with hf_batch_result_free. */
HF_API int hf_signal_cls_batch(const hf_signal *s, int k, const double *yields,
                               const double *unc, const hf_batch_options *opt,
                               hf_batch_result *res, hf_error *err);

/* ------------------------------------------------- published ML models */

/* A published classifier applied to event features: an ONNX network
 * (evaluated by hf for the operators HEP classifiers use), a TMVA BDT
 * weight file (XML) or an XGBoost model (JSON or binary, through
 * libxgboost).  Loaded once, then immutable: any number of threads may
 * call hf_ml_eval on one model at once. */
typedef struct hf_ml hf_ml;

#define HF_ML_OPTIONS_VERSION 1

typedef struct hf_ml_options {
    int version;               /* HF_ML_OPTIONS_VERSION (set by _init) */
    const char *format;        /* "onnx", "tmva", "xgboost"; NULL: from
                                  the file's name and first bytes */
    /* A JSON file declaring the model's inputs, in input order, when the
     * model file does not carry them: {"features": [{"name": "pt",
     * "offset": 0, "scale": 0.01}, ...], "outputs": ["p_sig"]}; input j is
     * (x_j - offset_j) * scale_j, an optional "index" gives j explicitly.
     * NULL: none (the file's own names, offsets 0, scales 1). */
    const char *preprocessing;
    int threads;               /* hf_ml_eval's OpenMP threads; 0: default */
} hf_ml_options;

HF_API void hf_ml_options_init(hf_ml_options *opt);

/* Reads and compiles a model.  ONNX operators outside the supported set
 * are refused here, naming the node and the operator. */
HF_API int hf_ml_load(const char *path, const hf_ml_options *opt,
                      hf_ml **out, hf_error *err);
HF_API void hf_ml_free(hf_ml *m);
HF_API const char *hf_ml_format(const hf_ml *m);  /* "onnx", "tmva", ... */
HF_API int hf_ml_nfeatures(const hf_ml *m);       /* F */
HF_API int hf_ml_noutputs(const hf_ml *m);        /* K */
/* Name of feature i (preprocessing file, else the model file's), or NULL
 * when neither names it. */
HF_API const char *hf_ml_feature_name(const hf_ml *m, int i);
/* Name of output k: the preprocessing file's, else "score" (K = 1) or
 * "score0", "score1", ... */
HF_API const char *hf_ml_output_name(const hf_ml *m, int k);

/* Evaluates n events: x is n rows of F features (row-major, in the order
 * of hf_ml_feature_name, before preprocessing), out n rows of K outputs.
 * Events run in parallel over OpenMP threads.  A NaN or infinite feature
 * is refused (HF_ERR_NUMERIC naming the event and feature) before
 * anything is computed; so is an ONNX embedding's index (Gather by
 * event-dependent indices) out of its table's range, naming the node and
 * the event (then out's contents are unspecified). */
HF_API int hf_ml_eval(const hf_ml *m, const double *x, size_t n, double *out,
                      hf_error *err);

#ifdef __cplusplus
}
#endif

#endif /* HF_H */
