/*
 * recast.h - declarations shared by the files of recast/ only.
 */
#ifndef HF_RECAST_H
#define HF_RECAST_H

#include "hf/model.h"
#include "infer/infer.h"

/* One staterror bin a signal bin feeds: the samples carrying that
 * staterror in the bin's channel, in the order hf/build.c sums them
 * (sample name order), with the signal at position spos. */
typedef struct hf_statbin {
    int par;        /* gamma parameter index */
    int aux;        /* its auxdata index */
    int keep_sigma; /* the measurement sets sigmas: never recompute */
    int keep_fixed; /* the measurement sets fixed */
    int n, spos;    /* contributions, signal position */
    size_t c0;      /* first contribution in cnom/cunc */
} hf_statbin;

struct hf_signal {
    const hf_workspace *ws;
    hf_model *model;       /* template: placeholder signal yields */
    char *sample, *poi;
    int lumi, staterror;
    char *measurement;     /* NULL: first */
    hf_model_options mopt;
    int nch, nbins;
    char **chan;           /* spec channel names */
    int *off, *nb;         /* per spec channel: offset in yields, bins */
    int *blk;              /* per spec channel: the signal block */
    hf_statbin *stat;      /* per signal bin, when staterror */
    double *cnom, *cunc;   /* background contributions */
};

/* The patch operations adding the signal (spec order), as a cJSON array.
 * nb_out[i] (if not NULL, nchannels ints) gets each channel's bins and
 * wsidx_out[i] its index in the workspace's channels. */
int hfrecast_signal_ops(const hf_workspace *ws, const hf_signal_spec *spec,
                  const char *measurement, const double *yields,
                  const double *unc, cJSON **ops, int *nb_out, int *wsidx_out,
                  hf_error *err);

/* Sets yields/uncertainties of one signal on a model that is an overlay
 * of s->model (own nominal, sigmas, fixed arrays). */
void hfrecast_signal_apply(const hf_signal *s, hf_model *m, const double *yields,
                     const double *unc);

#endif
