/*
 * hfmodel.h - what the layers above the model (fit/, infer/, simplify/,
 * recast/, cli/) may use of it besides include/hf.h.  The model's struct
 * definitions (model.h) are for hf/ alone.
 */
#ifndef HF_HFMODEL_H
#define HF_HFMODEL_H

#include "patch/patch.h"

/* The file(s) a model was built from ("BkgOnly.json + patch.json"). */
const char *hfmodel_source(const hf_model *m);

/* HF_OK for NULL (the defaults) or options set up by
 * hf_model_options_init; HF_ERR_ARG for a version this library does not
 * know. */
int hfmodel_options_check(const hf_model_options *opt, hf_error *err);
/* The JSON path of the measurement's parameter configs the model was
 * built with ("measurements[0].config.parameters"), for messages about a
 * parameter's inits, bounds or fixed flag. */
const char *hfmodel_params_path(const hf_model *m);

/* Flags (flag[npars]) the histosys parameters that make some yield
 * non-monotonic, so that the likelihood may have a minimum on each side
 * of them; returns how many. */
int hfmodel_twowell(const hf_model *m, unsigned char *flag);
/* Flags (flag[npars]) the parameters whose interpolation changes slope at
 * alpha = 0 (normsys code0/code1, histosys code0): the likelihood is
 * smooth on each side and may have a minimum on each; returns how many. */
int hfmodel_kinked(const hf_model *m, unsigned char *flag);
/* Sides (side[npars]) of the one-sided histosys parameters: code4p
 * histosys is their only modifier and one of its variations equals the
 * nominal yields in every bin (side -1: lo_data = nominal, +1: hi_data =
 * nominal), so on that half the yields dip and come back, flat beyond
 * |alpha| = 1, and the likelihood may have two minima along it
 * (infer/toys.c looks for the other); 0 for the others.  Returns how many
 * are one-sided. */
int hfmodel_onesided(const hf_model *m, signed char *side);
/* The same model with pyhf's smooth counterparts of the kinked codes
 * (normsys code1 -> code4, code0 -> code4p, histosys code0 -> code4p),
 * whose minimum a fit of the kinked model starts from; NULL when nothing
 * is kinked (or out of memory).  It shares m's arrays: free it with
 * hfmodel_smooth_free (never hf_model_free), before m. */
hf_model *hfmodel_smooth(const hf_model *m);
void hfmodel_smooth_free(hf_model *t);

/* ---- many models of one workspace (a signal grid) ----
 *
 * A workspace's samples read once: the name, data and modifiers of each,
 * with the numbers of their data, as every build reads them.  A build
 * from it (hfmodel_build_applied_prep) takes the samples its patched
 * document still shares with the workspace from here instead of walking
 * the tree again (which costs more than the rest of a build: a patch adds
 * one sample to a workspace of dozens); the model is the same, bit for
 * bit.  ws must stay alive and unchanged while prep is used; prep is only
 * read by builds, which may run in parallel.  NULL when out of memory. */
typedef struct hfmodel_prep hfmodel_prep;
hfmodel_prep *hfmodel_prep_new(const hf_workspace *ws);
void hfmodel_prep_free(hfmodel_prep *p);
/* hf_model_build_applied with prep (NULL: without) of the same ws. */
int hfmodel_build_applied_prep(const hf_workspace *ws, const hfmodel_prep *prep,
                               const hf_patch *const *patches, int npatches,
                               const hf_model_options *opt, hf_model **out,
                               hf_error *err);
/* The name of the first array (or count) where the compiled models a and
 * b differ, byte for byte, or NULL when they are the same: a build from
 * prep's compiled samples is the build modifier by modifier
 * (tests/test_prep.c). */
const char *hfmodel_differs(const hf_model *a, const hf_model *b);

/* The Poisson rate factors tau of the constraint terms, in auxdata order
 * (0 for Gaussian terms). */
const double *hfmodel_factors(const hf_model *m);

/* ---- a sample whose yields change after the build (overlay.c) ----
 *
 * A slot is where one sample lives in a compiled model: its blocks in some
 * channels, and the staterror gammas whose widths it shares with the other
 * samples of a bin.  An overlay is a model that shares every array of a
 * template except those a sample's yields determine (nominal yields,
 * constraint widths, fixed flags); setting a slot's yields on it redoes
 * exactly what the build does with them, so the overlay equals, bit for
 * bit, the model built with those yields in the JSON.  recast/ puts a
 * signal on a compiled background this way. */
typedef struct hfmodel_slot hfmodel_slot;
typedef struct hfmodel_overlay hfmodel_overlay;

/* The slot of sample `sample` in channels chans[0 .. nch) of m.  Its bins
 * are numbered channel after channel in that order.  Fails for a sample
 * whose yields feed more than the nominals and staterror widths (a
 * histosys or shapesys on it). */
int hfmodel_slot_new(const hf_model *m, const char *sample,
                     const char *const *chans, int nch, hfmodel_slot **out,
                     hf_error *err);
int hfmodel_slot_nbins(const hfmodel_slot *s);
void hfmodel_slot_free(hfmodel_slot *s);

/* An overlay of t (which must outlive it); NULL when out of memory. */
hfmodel_overlay *hfmodel_overlay_new(const hf_model *t);
void hfmodel_overlay_free(hfmodel_overlay *o);
/* The overlay as a model, valid until hfmodel_overlay_free. */
const hf_model *hfmodel_overlay_model(const hfmodel_overlay *o);
/* Sets the slot's yields and staterror uncertainties (unc NULL: zeros),
 * hfmodel_slot_nbins() each; every entry it touches is recomputed from
 * the template, so nothing of an earlier call stays. */
void hfmodel_overlay_set(hfmodel_overlay *o, const hfmodel_slot *s,
                         const double *yields, const double *unc);

/* Non-zero when some main bin's expected yield, as the last
 * hf_model_nll or hf_model_expected on `work` left it, is negative.  A
 * Poisson mean below zero is outside the model: pyhf's logpdf is NaN
 * there for an observed count n > 0, but for n = 0 it is -lam, finite
 * and unbounded, so a fit that may go there runs away (fit/ keeps its
 * fits where every yield is >= 0). */
int hfmodel_yield_negative(const hf_model *m, const double *work);
/* The exact Hessian of the NLL (hf_model_nll's, data: main bins then
 * auxdata) over every parameter at pars into H (npars * npars, row-major,
 * symmetric), hf/hessian.c.  work: hfmodel_hessian_work_size(m) doubles
 * (the caller's, so that a fit that checks every minimum does not map and
 * unmap a buffer each time).  Not an NLL evaluation (no fit counts it as
 * one); costs about ten gradients on 1Lbb.  HF_OK, or HF_ERR_ARG (a NULL
 * argument); entries are not finite where the NLL's second derivatives
 * are not (an expected yield of 0 with a count). */
size_t hfmodel_hessian_work_size(const hf_model *m);
int hfmodel_hessian(const hf_model *m, const double *pars, const double *data,
                    double *H, double *work);
/* hfmodel_hessian's lower triangle only (H[p][q], q <= p; the entries
 * above the diagonal are not set): the same values, without the pass
 * that mirrors them (fit/converge.c's check reads each pair once). */
int hfmodel_hessian_lower(const hf_model *m, const double *pars,
                          const double *data, double *H, double *work);
/* The gradient of the NLL (grad[npars]) at the point of the last
 * hf_model_nll(m, pars, data, NULL, work) on the same work: bit for bit
 * the one hf_model_nll(m, pars, data, grad, work) returns, for a caller
 * that needs the value first and the gradient only at some points
 * (fit/bfgs.c's line search: none at a rejected trial). */
void hfmodel_nll_gradient(const hf_model *m, const double *pars,
                          const double *data, double *grad, double *work);
/* hf_model_nll's value and its gradient's component p alone (*gp), bit
 * for bit those hf_model_nll returns, without the rest of the backward
 * pass (fit/mle.c well_line's first point reads one component).  NAN
 * (and *gp NAN) where p is a per-bin factor's parameter. */
double hfmodel_nll_one(const hf_model *m, const double *pars,
                       const double *data, int p, double *gp, double *work);
/* The NLL along one parameter p alone from a point: hfmodel_line_at
 * makes a forward pass at pars on work (the caller's hf_model_work_size
 * buffer, which it must leave alone while it asks for points of lines);
 * hfmodel_line_nll(l, p, t, &gp) is then the NLL with p at t instead of
 * pars[p] minus the NLL at pars, and *gp its derivative in t, from the
 * bins p touches alone (the same function as hf_model_nll's up to
 * rounding: other parameters' factors and yields kept from the pass).
 * INFINITY where a yield is undefined; NAN (and *gp NAN) where the line
 * cannot follow p (a scalar factor of it zero at pars[p], a Poisson
 * constraint on it).  p must not be a per-bin factor's parameter (those
 * factors are kept): fit/mle.c asks for histosys parameters only.  pars
 * and data must stay alive and unchanged meanwhile.  have_pass: work
 * already holds that pass (hf_model_nll's or hfmodel_forward's at these
 * pars, bit for bit: the line reads none of what the gradient writes),
 * none is made.  hfmodel_line_new: NULL when out of memory. */
typedef struct hfmodel_line hfmodel_line;
/* hfmodel_line's maps of m (hf_model's line_maps, malloc'ed), or NULL
 * when out of memory. */
int *hfmodel_line_maps(const hf_model *m);
hfmodel_line *hfmodel_line_new(const hf_model *m);
void hfmodel_line_free(hfmodel_line *l);
void hfmodel_line_at(hfmodel_line *l, const double *pars, const double *data,
                     double *work, int have_pass);
double hfmodel_line_nll(hfmodel_line *l, int p, double t, double *gp);
/* The gradient of main bin `bin`'s expected yield over every parameter
 * (grad[npars]) at pars; the yields are in work[0 .. nmain) after. */
void hfmodel_yield_gradient(const hf_model *m, const double *pars, int bin,
                            double *grad, double *work);

#endif
