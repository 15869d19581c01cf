/*
 * recast.h - declarations shared by the files of recast/ only.
 */
#ifndef HF_RECAST_H
#define HF_RECAST_H

#include "hf/hfmodel.h"
#include "infer/infer.h"

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
    hfmodel_slot *slot;    /* where the signal lives in the template */
};

/* The patch operations adding the signal (spec order), as a cJSON array.
 * nb_out[i] (if not NULL, nchannels ints) gets each channel's bins and
 * wsidx_out[i] its index in the workspace's channels. */
int hfrecast_signal_ops(const hf_workspace *ws, const hf_signal_spec *spec,
                  const char *measurement, const double *yields,
                  const double *unc, cJSON **ops, int *nb_out, int *wsidx_out,
                  hf_error *err);

#endif
