/*
 * signal_batch.c - CLs and upper limits for many signals on one compiled
 * background, parallel over signals.
 *
 * Each thread works on an overlay of the template model: a struct copy
 * that shares every read-only array with the template but owns the three
 * arrays a signal changes (nominal yields, constraint widths, fixed
 * flags).  A signal rewrites all of what it changes (hf_signal_apply
 * recomputes every entry it touches from the template's values and its
 * own yields), so what an overlay held before does not leak into the next
 * signal: results depend only on the signal, not on the thread count or
 * on which signals a thread ran before.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recast.h"

typedef struct overlay {
    hf_model m;
    double *nominal, *sigmas;
    unsigned char *fixed;
} overlay;

static int overlay_init(overlay *o, const hf_model *t)
{
    o->m = *t;
    o->nominal = malloc(sizeof(double) * (t->nbb ? t->nbb : 1));
    o->sigmas = malloc(sizeof(double) * (size_t)(t->naux ? t->naux : 1));
    o->fixed = malloc((size_t)(t->npars ? t->npars : 1));
    if (!o->nominal || !o->sigmas || !o->fixed)
        return -1;
    memcpy(o->nominal, t->nominal, sizeof(double) * t->nbb);
    memcpy(o->sigmas, t->sigmas, sizeof(double) * (size_t)t->naux);
    memcpy(o->fixed, t->fixed, (size_t)t->npars);
    o->m.nominal = o->nominal;
    o->m.sigmas = o->sigmas;
    o->m.fixed = o->fixed;
    return 0;
}

static void overlay_free(overlay *o)
{
    free(o->nominal);
    free(o->sigmas);
    free(o->fixed);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void run_one(const hf_signal *s, overlay *ov, int j, const double *y,
                    const double *u, const hf_batch_options *o, hf_batch_item *it)
{
    double t0 = now();
    it->err.code = HF_OK;
    it->err.msg[0] = '\0';
    it->status = HF_OK;
    for (int b = 0; b < s->nbins && it->status == HF_OK; b++)
        if (!isfinite(y[b]) || (u && !(isfinite(u[b]) && u[b] >= 0)))
            it->status = hf_error_set(&it->err, HF_ERR_ARG,
                                      "signal %d bin %d: yield %g, uncertainty %g: yields "
                                      "must be finite and uncertainties finite and >= 0",
                                      j, b, y[b], u ? u[b] : 0.0);
    if (it->status == HF_OK) {
        hf_signal_apply(s, &ov->m, y, u);
        it->status = hf_cls_asymptotic(&ov->m, ov->m.data, o->test_poi, o->ts, o->fit,
                                       &it->cls, &it->err);
    }
    if (it->status == HF_OK && o->upper_limit)
        it->status = hf_upper_limit(&ov->m, ov->m.data, o->cl, o->ts, o->fit, &it->limit,
                                    &it->err);
    if (it->status != HF_OK && it->err.code == HF_OK)
        it->err.code = it->status;
    it->seconds = now() - t0;
}

int hf_signal_cls_batch(const hf_signal *s, int k, const double *yields,
                        const double *unc, const hf_batch_options *opt,
                        hf_batch_result *res, hf_error *err)
{
    hf_batch_options defaults;
    if (!res)
        return hf_error_set(err, HF_ERR_ARG, "hf_signal_cls_batch: NULL result");
    memset(res, 0, sizeof *res);
    if (!s || k < 0 || (k > 0 && !yields))
        return hf_error_set(err, HF_ERR_ARG, "hf_signal_cls_batch: NULL argument");
    int nthreads, rc = hf_batch_start("hf_signal_cls_batch", &opt, &defaults,
                                      k, res, &nthreads, err);
    if (rc != HF_OK)
        return rc;
    /* without a staterror the uncertainties have nowhere to go */
    if (!s->staterror)
        unc = NULL;

    int done = 0;
    size_t nb = (size_t)s->nbins;
#pragma omp parallel num_threads(nthreads)
    {
        overlay ov;
        int ok = overlay_init(&ov, s->model) == 0;
        /* every thread takes part in the loop even without its overlay
         * (the loop must be met by all), marking its signals failed */
#pragma omp for schedule(dynamic, 1)
        for (int j = 0; j < k; j++) {
            hf_batch_item *it = &res->items[j];
            if (!ok) {
                it->status = hf_error_set(&it->err, HF_ERR_NOMEM, "out of memory");
                continue;
            }
            run_one(s, &ov, j, yields + (size_t)j * nb, unc ? unc + (size_t)j * nb : NULL,
                    opt, it);
            if (opt->progress) {
#pragma omp critical(hf_signal_progress)
                opt->progress(opt->progress_ctx, ++done, k);
            }
        }
        overlay_free(&ov);
    }
    for (int j = 0; j < k; j++)
        res->nfailed += res->items[j].status != HF_OK;
    return HF_OK;
}
