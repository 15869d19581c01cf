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
/* Flags (flag[npars]) the parameters whose every modifier is even about
 * 0 (normsys hi = lo, histosys hi_data = lo_data) with some effect: their
 * gradient at 0 is exactly zero whatever the data; returns how many. */
int hfmodel_symmetric(const hf_model *m, unsigned char *flag);

#endif
