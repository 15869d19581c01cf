/*
 * signal_batch.c - CLs and upper limits for many signals on one compiled
 * background, parallel over signals.
 *
 * Each thread works on an overlay of the template model (hf/overlay.c):
 * it shares every read-only array with the template and owns those a
 * signal changes.  A signal rewrites all of what it changes from the
 * template's values and its own yields, so what an overlay held before
 * does not leak into the next signal: results depend only on the signal,
 * not on the thread count or on which signals a thread ran before.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recast.h"

/* Signals as a batch source (infer/batch.c runs them): each thread keeps
 * an overlay, each item applies its signal to it. */
typedef struct signal_source {
    const hf_signal *s;
    const double *yields, *unc;
} signal_source;

static void *signal_thread_init(void *ctx)
{
    const signal_source *ss = ctx;
    return hfmodel_overlay_new(ss->s->model);
}

static void signal_thread_free(void *state)
{
    hfmodel_overlay_free(state);
}

static int signal_prepare(void *ctx, void *state, int j, const hf_model **m,
                          hf_error *err)
{
    const signal_source *ss = ctx;
    const hf_signal *s = ss->s;
    hfmodel_overlay *ov = state;
    size_t nb = (size_t)s->nbins;
    const double *y = ss->yields + (size_t)j * nb;
    const double *u = ss->unc ? ss->unc + (size_t)j * nb : NULL;
    *m = hfmodel_overlay_model(ov);
    for (int b = 0; b < s->nbins; b++)
        if (!isfinite(y[b]) || (u && !(isfinite(u[b]) && u[b] >= 0)))
            return hfcore_error_set(err, HF_ERR_ARG,
                                "signal %d bin %d: yield %g, uncertainty %g: yields "
                                "must be finite and uncertainties finite and >= 0",
                                j, b, y[b], u ? u[b] : 0.0);
    hfmodel_overlay_set(ov, s->slot, y, u);
    return HF_OK;
}

int hf_signal_cls_batch(const hf_signal *s, int k, const double *yields,
                        const double *unc, const hf_batch_options *opt,
                        hf_batch_result *res, hf_error *err)
{
    hf_batch_options defaults;
    if (!res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_signal_cls_batch: NULL result");
    memset(res, 0, sizeof *res);
    if (!s || k < 0 || (k > 0 && !yields))
        return hfcore_error_set(err, HF_ERR_ARG, "hf_signal_cls_batch: NULL argument");
    int nthreads, rc = hfinfer_batch_start("hf_signal_cls_batch", &opt, &defaults,
                                      k, res, &nthreads, err);
    if (rc != HF_OK)
        return rc;
    /* without a staterror the uncertainties have nowhere to go */
    signal_source ss = {s, yields, s->staterror ? unc : NULL};
    hf_batch_source src = {&ss, signal_thread_init, signal_thread_free,
                           signal_prepare, NULL, NULL};
    return hfinfer_batch_run(&src, k, nthreads, opt, NULL, res);
}
