/*
 * batch.c - asymptotic CLs for a whole signal grid in one call, parallel
 * over patches.
 *
 * hfinfer_batch_run is the one loop of every batch: patches here, signal
 * templates (recast/signal_batch.c) through the same hf_batch_source.
 * Each item is one independent task: its model from the source, then the
 * fits.  A task writes only its own item (and its thread's state), so the
 * result does not depend on the thread count or on the order tasks run
 * in.  Dynamic scheduling because fit times vary a lot across a grid
 * (points near the exclusion contour need more iterations).  A grid of
 * patches first fits its workspace alone, once, before the threads: every
 * patch's free fit starts there (share.c), so that a patch's result
 * depends on neither the thread count nor the patches' order; it may
 * differ from the patch's fit alone (from the inits) within the fits'
 * tolerance (bench/RESULTS.md "Session 10: fit").
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "infer.h"

void hf_batch_options_init(hf_batch_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->version = HF_BATCH_OPTIONS_VERSION;
    opt->test_poi = 1.0;
    opt->ts = HF_TEST_QMU_TILDE;
    opt->cl = 0.95;
}

void hf_batch_result_free(hf_batch_result *res)
{
    if (!res)
        return;
    free(res->items);
    memset(res, 0, sizeof *res);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* *opt (NULL: the defaults, put in *defaults) checked as every batch
 * checks it: its version, its model and fit options. */
static int batch_options(const hf_batch_options **opt,
                         hf_batch_options *defaults, hf_error *err)
{
    if (!*opt) {
        hf_batch_options_init(defaults);
        *opt = defaults;
    }
    const hf_batch_options *o = *opt;
    int rc = hfcore_check_version(o->version, HF_BATCH_OPTIONS_VERSION,
                                  "hf_batch_options", err);
    if (rc == HF_OK)
        rc = hfmodel_options_check(o->model, err);
    if (rc == HF_OK)
        rc = hffit_options_check(o->fit, err);
    return rc;
}

int hfinfer_batch_start(const char *fn, const hf_batch_options **opt,
                   hf_batch_options *defaults, int n, hf_batch_result *res,
                   int *nthreads, hf_error *err)
{
    int vrc = batch_options(opt, defaults, err);
    if (vrc != HF_OK)
        return vrc;
    const hf_batch_options *o = *opt;
    if (o->upper_limit && !(o->cl > 0 && o->cl < 1))
        return hfcore_error_set(err, HF_ERR_ARG, "%s: confidence level %g is not "
                            "between 0 and 1", fn, o->cl);
    res->items = calloc(n > 0 ? (size_t)n : 1, sizeof *res->items);
    if (!res->items)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", fn);
    res->n = n;

    int t = o->threads;
#ifdef _OPENMP
    if (t <= 0)
        t = omp_get_max_threads();
#endif
    if (t < 1)
        t = 1;
    if (t > n)
        t = n > 0 ? n : 1;
    *nthreads = t;
    return HF_OK;
}

/* An item's hypotest, its free fit from sh's start where there is one
 * (NULL: from the inits). */
static int item_cls(const hf_model *m, const hf_batch_options *o,
                    const hfinfer_share *sh, hf_batch_item *it)
{
    hfinfer_start st = {NULL, NULL, NULL};
    double *buf = NULL;
    /* out of memory there: the inits, as without sh */
    int shared = sh && sh->have && hfinfer_share_start(sh, m, &st, &buf) == HF_OK;
    int rc = hfinfer_cls_shared(m, hf_model_data(m), o->test_poi, o->ts, o->fit,
                                &it->cls, o->explain ? &it->explain : NULL,
                                shared ? &st : NULL, &it->err);
    free(buf);
    return rc;
}

/* One item: its model from the source, then the hypotest and the limit.
 * Everything it needs is local, the thread's state or read-only. */
static void run_item(const hf_batch_source *src, void *state, int i,
                     const hf_batch_options *o, const hfinfer_share *sh,
                     hf_batch_item *it, int *prepared)
{
    double t0 = now();
    const hf_model *m = NULL;
    it->err.code = HF_OK;
    it->err.msg[0] = '\0';
    it->status = src->prepare(src->ctx, state, i, &m, &it->err);
#pragma omp atomic
    ++*prepared;
    if (it->status == HF_OK)
        it->status = item_cls(m, o, sh, it);
    if (it->status == HF_OK && o->upper_limit)
        it->status = hf_upper_limit(m, hf_model_data(m), o->cl, o->ts, o->fit,
                                    &it->limit, &it->err);
    /* A library error that forgot the code still counts as a failure. */
    if (it->status != HF_OK && it->err.code == HF_OK)
        it->err.code = it->status;
    if (src->release)
        src->release(src->ctx, state, m);
    it->seconds = now() - t0;
}

/* src->drained once *prepared (the items whose prepare has returned)
 * reaches n: the first thread out of the loop waits there for the last
 * prepares the others began, a parse and build at most (1Lbb: ~1 ms),
 * time it would otherwise wait at the loop's end. */
static void drain(const hf_batch_source *src, int n, int *prepared)
{
    for (;;) {
        int k;
#pragma omp atomic read
        k = *prepared;
        if (k >= n)
            break;
        sched_yield();
    }
    src->drained(src->ctx);
}

/* hfinfer_batch_run with hooks' done (NULL: none) called after each
 * item on its thread; hooks' ahead is not read here (sh is the start). */
static int run_loop(const hf_batch_source *src, int n, int nthreads,
                    const hf_batch_options *o, const hfinfer_share *sh,
                    const hfinfer_grid_hooks *hooks, hf_batch_result *res)
{
    int done = 0, prepared = 0;
#pragma omp parallel num_threads(nthreads)
    {
        void *state = src->thread_init ? src->thread_init(src->ctx) : NULL;
        int ok = !src->thread_init || state;
        /* every thread takes part in the loop even without its state (the
         * loop must be met by all), marking its items failed; no barrier
         * after it, so that the first thread out can drain() */
#pragma omp for schedule(dynamic, 1) nowait
        for (int i = 0; i < n; i++) {
            hf_batch_item *it = &res->items[i];
            if (ok) {
                run_item(src, state, i, o, sh, it, &prepared);
            } else {
                it->status = hfcore_error_set(&it->err, HF_ERR_NOMEM,
                                          "out of memory");
#pragma omp atomic
                ++prepared;
            }
            if (hooks && hooks->done)
                hooks->done(hooks->ctx, i, it);
            if (o->progress) {
#pragma omp critical(hf_batch_progress)
                o->progress(o->progress_ctx, ++done, n);
            }
        }
#pragma omp single nowait
        if (src->drained)
            drain(src, n, &prepared);
        if (src->thread_free && state)
            src->thread_free(state);
    }
    for (int i = 0; i < n; i++)
        res->nfailed += res->items[i].status != HF_OK;
    return HF_OK;
}

int hfinfer_batch_run(const hf_batch_source *src, int n, int nthreads,
                 const hf_batch_options *o, const hfinfer_share *sh,
                 hf_batch_result *res)
{
    return run_loop(src, n, nthreads, o, sh, NULL, res);
}

/* Patches as a batch source: each item builds its patched model (the
 * workspace tree is shared read-only, see hf_model_build), a patchset's
 * patch applied to the whole workspace as the hf command does, the
 * samples it leaves alone taken as read once (hfmodel_prep_new). */
typedef struct patch_source {
    const hf_workspace *ws;
    const hfmodel_prep *prep; /* ws's samples, read once for all builds */
    const hf_patch *const *patches;
    const hf_batch_options *o;
    /* a lazily read patchset (hfpatch_patchset_open) instead of patches:
     * each item parses its patch, and marks parsed[i] 0 when it fails */
    const hf_patchset *lazy;
    unsigned char *parsed;
} patch_source;

static int build_patch(const patch_source *ps, const hf_patch *p, const hf_model **out,
                       hf_error *err)
{
    hf_model *m = NULL;
    int rc = hfmodel_build_applied_prep(ps->ws, ps->prep, &p, 1, ps->o->model, &m, err);
    *out = m;
    if (rc == HF_OK && hf_model_poi(m) < 0)
        rc = hfcore_error_set(err, HF_ERR_INVALID,
                          "%s: the patched model has no parameter of "
                          "interest", p->source ? p->source : "patch");
    /* each grid point is pyhf's hypotest, which tests only values within
     * the POI's bounds */
    if (rc == HF_OK && ps->o->ts != HF_TEST_Q0)
        rc = hfinfer_hypo_check_mu(m, ps->o->test_poi, 1, "hypotest", err);
    return rc;
}

static int patch_prepare(void *ctx, void *state, int i, const hf_model **out,
                         hf_error *err)
{
    const patch_source *ps = ctx;
    if (!ps->lazy)
        return build_patch(ps, ps->patches[i], out, err);
    /* parsed here, on the thread that uses it, and freed once built (the
     * model keeps nothing of the patch's tree): one patch's tree at a
     * time per thread instead of the whole patchset's */
    hf_patch *p = NULL;
    *out = NULL;
    int rc = hfpatch_patchset_parse_build(ps->lazy, i, &p, err);
    if (rc != HF_OK)
        return rc;
    ps->parsed[i] = 1;
    rc = build_patch(ps, p, out, err);
    hf_patch_free(p);
    return rc;
}

static void patch_release(void *ctx, void *state, const hf_model *m)
{
    hf_model_free((hf_model *)m);
}

/* Every patch parsed: the lazy patchset's text is read no more.  Its
 * pages (1Lbb: 57 MB, faulted in again by the patches' parses after the
 * scan gave them back) given back here, beside the last points, instead
 * of by the process's exit after them: the grid's exit (exit_group to
 * reaped) 5.2 -> 3.0 ms, resident file pages at exit 65 -> 9.5 MB. */
static void patch_drained(void *ctx)
{
    const patch_source *ps = ctx;
    hfpatch_patchset_drop_text(ps->lazy);
}

/* The start every patch's free fit shares (share.c): the fit of the
 * workspace alone, once, before the threads, so that no patch's result
 * depends on the thread count or on the order of the patches.  Without
 * it (out of memory, a workspace that does not build or fit alone) each
 * patch starts from its inits. */
static void share_fit(const hf_workspace *ws, const hfmodel_prep *prep,
                      const hf_model_options *model, const hf_fit_options *fit,
                      hfinfer_share *share)
{
    hf_model *m = NULL;
    hf_error e;
    hf_model_options mo;
    if (model)
        mo = *model;
    else
        hf_model_options_init(&mo);
    mo.poi = ""; /* the workspace's POI is usually a signal's parameter */
    if (hfmodel_build_applied_prep(ws, prep, NULL, 0, &mo, &m, &e) == HF_OK &&
        hfinfer_share_init(share, m, fit) != HF_OK)
        hfinfer_share_free(share);
    hf_model_free(m);
}

void hfinfer_grid_share(const hf_workspace *ws, const hfmodel_prep *prep,
                        const hf_batch_options *opt, hfinfer_share *share)
{
    memset(share, 0, sizeof *share);
    hf_batch_options defaults;
    /* options the batch refuses: it fails before it would use a start */
    if (!ws || batch_options(&opt, &defaults, NULL) != HF_OK)
        return;
    share_fit(ws, prep, opt->model, opt->fit, share);
}

/* The batch of ps (the patches, or a lazy patchset) on ws, with ps->prep
 * when the caller read it, else read here, and with the caller's hooks
 * (NULL: none): the shared start when the caller worked it out
 * (hfinfer_grid_share), else worked out here. */
static int run_patches(patch_source *ps, int n, const hf_batch_options *opt,
                       const hfinfer_grid_hooks *hooks, hf_batch_result *res,
                       hf_error *err)
{
    hf_batch_options defaults;
    int nthreads, rc = hfinfer_batch_start("hf_batch_cls", &opt, &defaults, n, res,
                                      &nthreads, err);
    if (rc != HF_OK)
        return rc;
    ps->o = opt;
    /* NULL when out of memory: then every build reads the tree */
    hfmodel_prep *prep = ps->prep ? NULL : hfmodel_prep_new(ps->ws);
    if (prep)
        ps->prep = prep;
    hf_batch_source src = {ps, NULL, NULL, patch_prepare, patch_release,
                           ps->lazy ? patch_drained : NULL};
    const hfinfer_share *ahead = hooks ? hooks->ahead : NULL;
    /* every batch, even of one patch: a patch's result must not depend on
     * which patches share its batch (hfscan's ranks compute chunks of
     * any size, its --resume recomputes single lines) */
    hfinfer_share share = {0};
    if (n > 0 && !ahead)
        share_fit(ps->ws, ps->prep, opt->model, opt->fit, &share);
    rc = run_loop(&src, n, nthreads, opt, ahead ? ahead : &share, hooks, res);
    hfinfer_share_free(&share);
    hfmodel_prep_free(prep);
    return rc;
}

/* hf_batch_cls_patches with prep, ws's samples read by the caller (NULL:
 * read here). */
static int cls_patches(const hf_workspace *ws, const hfmodel_prep *prep,
                       const hf_patch *const *patches, int n,
                       const hf_batch_options *opt,
                       const hfinfer_grid_hooks *hooks, hf_batch_result *res,
                       hf_error *err)
{
    if (!res)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_batch_cls: NULL result");
    memset(res, 0, sizeof *res);
    if (!ws || n < 0 || (n > 0 && !patches))
        return hfcore_error_set(err, HF_ERR_ARG, "hf_batch_cls: NULL argument");
    for (int i = 0; i < n; i++)
        if (!patches[i])
            return hfcore_error_set(err, HF_ERR_ARG,
                                "hf_batch_cls: patch %d is NULL", i);
    patch_source ps = {ws, prep, patches, opt, NULL, NULL};
    return run_patches(&ps, n, opt, hooks, res, err);
}

int hf_batch_cls_patches(const hf_workspace *ws,
                         const hf_patch *const *patches, int n,
                         const hf_batch_options *opt, hf_batch_result *res,
                         hf_error *err)
{
    return cls_patches(ws, NULL, patches, n, opt, NULL, res, err);
}

/* A lazily read patchset: a patch that cannot be parsed fails the batch
 * as it would have failed reading the patchset (the first in patch
 * order), not as a failed point. */
static int cls_lazy(const hf_workspace *ws, const hfmodel_prep *prep,
                    const hf_patchset *set, const hf_batch_options *opt,
                    const hfinfer_grid_hooks *hooks, hf_batch_result *res,
                    hf_error *err)
{
    int n = hf_patchset_size(set);
    patch_source ps = {ws, prep, NULL, opt, set, calloc(n > 0 ? (size_t)n : 1, 1)};
    if (!ws || !res || !ps.parsed) {
        free(ps.parsed);
        return hfcore_error_set(err, !ps.parsed ? HF_ERR_NOMEM : HF_ERR_ARG,
                                !ps.parsed ? "hf_batch_cls: out of memory"
                                           : "hf_batch_cls: NULL argument");
    }
    int rc = run_patches(&ps, n, opt, hooks, res, err);
    for (int i = 0; rc == HF_OK && i < n; i++)
        if (!ps.parsed[i]) {
            if (err)
                *err = res->items[i].err;
            rc = res->items[i].err.code != HF_OK ? res->items[i].err.code : HF_ERR_INVALID;
            hf_batch_result_free(res);
        }
    free(ps.parsed);
    return rc;
}

int hfinfer_batch_cls_shared(const hf_workspace *ws, const hfmodel_prep *prep,
                             const hf_patchset *ps, const hf_batch_options *opt,
                             const hfinfer_grid_hooks *hooks,
                             hf_batch_result *res, hf_error *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (!ps)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_batch_cls: NULL patchset");
    if (hfpatch_patchset_lazy(ps))
        return cls_lazy(ws, prep, ps, opt, hooks, res, err);
    int n = hf_patchset_size(ps);
    const hf_patch **list = malloc((n > 0 ? (size_t)n : 1) * sizeof *list);
    if (!list)
        return hfcore_error_set(err, HF_ERR_NOMEM, "hf_batch_cls: out of memory");
    for (int i = 0; i < n; i++)
        list[i] = hf_patchset_patch(ps, i);
    int rc = cls_patches(ws, prep, list, n, opt, hooks, res, err);
    free(list);
    return rc;
}

int hfinfer_batch_cls_prep(const hf_workspace *ws, const hfmodel_prep *prep,
                           const hf_patchset *ps, const hf_batch_options *opt,
                           hf_batch_result *res, hf_error *err)
{
    return hfinfer_batch_cls_shared(ws, prep, ps, opt, NULL, res, err);
}

int hf_batch_cls(const hf_workspace *ws, const hf_patchset *ps,
                 const hf_batch_options *opt, hf_batch_result *res,
                 hf_error *err)
{
    return hfinfer_batch_cls_prep(ws, NULL, ps, opt, res, err);
}
