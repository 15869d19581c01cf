/*
 * grid.c - `hfcls WS.json PATCHSET.json` without --patch-name: every patch
 * of the patchset, in parallel, one JSON object per line:
 *
 *   {"patch": name, "values": [...], "CLs_obs": x, "CLs_exp": [5]}
 *
 * plus "upper_limit" with --upper-limit, or "error" for a patch that
 * failed (the others still run; the exit status then says so).  Lines
 * come in patchset order whatever the thread count, and are written once
 * all are done, so an --output-file is complete or untouched.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "infer/infer.h"

typedef struct grid_args {
    hf_batch_options bo;
    hf_model_options mo;
    hf_fit_options fo;
    int stats, threads_given, tail_probs, cl_given, no_verify;
    const char *outfile;
    const char *pos[2];
} grid_args;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Progress on a terminal: done/total, rate and time left, redrawn at most
 * ten times a second. */
typedef struct progress {
    double start, last;
} progress;

static void show_progress(void *ctx, int done, int total)
{
    progress *p = ctx;
    double t = now();
    if (done < total && t - p->last < 0.1)
        return;
    p->last = t;
    double el = t - p->start, rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    enum { W = 30 };
    char bar[W + 1];
    int fill = total > 0 ? (int)((long)W * done / total) : W;
    for (int k = 0; k < W; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[W] = '\0';
    fprintf(stderr, "\r%s: [%s] %d/%d  %.1f points/s  ETA %.0fs   ",
            hfcli_prog, bar, done, total, rate, eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* The patchset read on a thread of its own while the workspace is read:
 * neither needs the other until the digest check. */
typedef struct ps_job {
    const char *path;
    hf_patchset *ps;
    hf_error err;
    int rc;
    atomic_int done; /* set by the thread when it has read the patchset */
} ps_job;

static void *read_patchset(void *arg)
{
    ps_job *j = arg;
    /* scanned and validated; each patch is parsed by the worker that
     * computes its point (hf_batch_cls) */
    j->rc = hfpatch_patchset_open_ex(j->path, 1, &j->ps, &j->err);
    atomic_store(&j->done, 1);
    return NULL;
}

/* Reading the patchset whole would have failed on the first patch that
 * cannot be parsed, before anything else was checked: before the grid
 * stops for another reason, that patch is looked for. */
static int unparsable(const hf_patchset *ps)
{
    int n = hfpatch_patchset_lazy(ps) ? hf_patchset_size(ps) : 0;
    for (int i = 0; i < n; i++) {
        hf_patch *p = NULL;
        hf_error err = {0};
        if (hfpatch_patchset_parse_one(ps, i, &p, &err) != HF_OK)
            return hfcli_lib_error(&err);
        hf_patch_free(p);
    }
    return HF_EXIT_OK;
}

/* The workspace's sha256 digest, which pyhf's patchsets list, worked out
 * on a thread of its own from when the workspace is read: it is the
 * longest part of the load (127M of the 286M instructions on the thread
 * that reads the 1Lbb workspace, while the patchset's scan takes 192M),
 * and only the check needs it, so the points need not wait for it.
 * sha256[0] stays '\0' when it cannot be had: the check then works it
 * out and words any failure. */
typedef struct digest_job {
    const hf_workspace *ws;
    char sha256[2 * 64 + 1];
    pthread_t tid;
    int threaded; /* tid runs; else the digest is worked out when checked */
} digest_job;

static void *digest_run(void *arg)
{
    digest_job *d = arg;
    hf_error derr = {0};
    if (hfpatch_workspace_digest(d->ws, "sha256", d->sha256, sizeof d->sha256, &derr) != HF_OK)
        d->sha256[0] = '\0';
    return NULL;
}

static void digest_start(digest_job *d, const hf_workspace *ws, int no_verify)
{
    memset(d, 0, sizeof *d);
    d->ws = ws;
    if (!no_verify)
        d->threaded = pthread_create(&d->tid, NULL, digest_run, d) == 0;
}

/* The digest's thread done (the workspace may be freed after this). */
static void digest_join(digest_job *d)
{
    if (d->threaded)
        pthread_join(d->tid, NULL);
    d->threaded = 0;
}

/* The patchset checked against the workspace (unless --no-verify): an
 * HF_EXIT_* status, with the messages of a failed check.  Reading the
 * patchset whole would have failed on the first patch that cannot be
 * parsed, before anything else was checked: that patch is looked for
 * first. */
static int grid_verify(const grid_args *g, const hf_workspace *ws, const hf_patchset *ps,
                       digest_job *d)
{
    digest_join(d);
    hf_error verr = {0};
    if (g->no_verify ||
        hfpatch_patchset_verify_with(ps, ws, d->sha256[0] ? d->sha256 : NULL, &verr) == HF_OK)
        return HF_EXIT_OK;
    int rc = unparsable(ps);
    if (rc == HF_EXIT_OK) /* the digests' message */
        rc = hfcli_verify(ps, g->pos[1], ws, g->pos[0], g->no_verify);
    return rc;
}

/* The options of g's batch (its progress aside). */
static hf_batch_options grid_options(const grid_args *g)
{
    hf_batch_options bo = g->bo;
    bo.model = &g->mo;
    bo.fit = &g->fo;
    return bo;
}

/* The batch's shared start (the fit of the workspace alone, infer/
 * batch.c) worked out while the patchset's scan still runs on its thread:
 * it needs only the workspace and prep, and this thread would wait in the
 * join meanwhile, where the batch works it out alone before its threads
 * start (1Lbb: ~12M instructions, the scan ~183M, the read and prep
 * ~71M).  *ahead 0, *sh left as it is, when the scan is done already (a
 * small patchset): the batch then works it out as before. */
static void grid_share_ahead(const grid_args *g, const hf_workspace *ws,
                             const hfmodel_prep *prep, ps_job *job,
                             hfinfer_share *sh, int *ahead)
{
    *ahead = prep && !atomic_load(&job->done);
    if (*ahead) {
        hf_batch_options bo = grid_options(g);
        hfinfer_grid_share(ws, prep, &bo, sh);
    }
}

/* The workspace and the patchset, the workspace's digest started (*d),
 * its samples read for the builds in *prep and, when the patchset's scan
 * left the time, the batch's shared start in *sh (*ahead 1); an HF_EXIT_*
 * status, nothing to free (nor any thread running) on failure.  The
 * workspace's problem is reported first, as when they were read one after
 * the other.  The check against the digest is the caller's
 * (grid_verify). */
static int grid_load(const grid_args *g, hf_workspace **ws, hf_patchset **ps,
                     hfmodel_prep **prep, digest_job *d, hfinfer_share *sh,
                     int *ahead)
{
    ps_job job = {g->pos[1], NULL, {0}, HF_OK, 0};
    *ahead = 0;
    memset(sh, 0, sizeof *sh);
    pthread_t tid;
    /* the scan is the longer of the two (1Lbb: ~30 ms of CPU, the
     * workspace's read, prep and shared start ~20): begun now on the
     * other processor, not when the scheduler next moves it there */
    int threaded = hfcore_thread_start(&tid, read_patchset, &job) == 0;
    int rc = hfcli_load_workspace(g->pos[0], ws);
    digest_start(d, rc == HF_EXIT_OK ? *ws : NULL, g->no_verify || rc != HF_EXIT_OK);
    /* NULL: the batch reads them */
    *prep = rc == HF_EXIT_OK ? hfmodel_prep_new(*ws) : NULL;
    if (threaded && rc == HF_EXIT_OK)
        grid_share_ahead(g, *ws, *prep, &job, sh, ahead);
    if (!threaded && rc == HF_EXIT_OK)
        read_patchset(&job);
    if (threaded)
        pthread_join(tid, NULL);
    if (rc != HF_EXIT_OK) {
        hf_patchset_free(job.ps);
        return rc;
    }
    if (job.rc != HF_OK) {
        digest_join(d);
        hfinfer_share_free(sh);
        *ahead = 0;
        hfmodel_prep_free(*prep);
        hf_workspace_free(*ws);
        return hfcli_lib_error(&job.err);
    }
    *ps = job.ps;
    return HF_EXIT_OK;
}

/* Patch i's line (without its '\n'); NULL when out of memory. */
static char *grid_line(const hf_patchset *ps, int i, const hf_batch_item *it,
                       const hf_batch_options *bo)
{
    cJSON *head = hfcli_grid_head(hf_patchset_patch_name(ps, i), ps, i);
    return head ? hfcli_grid_line_ts(head, it, bo->upper_limit, bo->ts,
                                     bo->fit && bo->fit->full_hessian, NULL)
                : NULL;
}

/* The lines formatted by the batch's threads as each point is done
 * (grid_line_done), beside the points still running, where they were
 * formatted one after the other once all were done: ~11M instructions
 * for the 1Lbb grid (--threads 1: 9.8M in hfcli_grid_line_ts, 1.2M in
 * hfcli_grid_head), which the other thread spent waiting. */
typedef struct grid_lines {
    const hf_patchset *ps;
    const hf_batch_options *bo;
    char **line; /* one a patch; NULL: not formatted (grid_text does it) */
} grid_lines;

static void grid_line_done(void *ctx, int i, const hf_batch_item *it)
{
    grid_lines *gl = ctx;
    gl->line[i] = grid_line(gl->ps, i, it, gl->bo);
}

static void grid_lines_free(grid_lines *gl, int n)
{
    for (int i = 0; gl->line && i < n; i++)
        free(gl->line[i]);
    free(gl->line);
    gl->line = NULL;
}

/* Every patch's line, '\n'-terminated, in patchset order (lines are
 * short: gathered, then written once), each taken from lines (NULL, or a
 * NULL entry: formatted here); NULL when out of memory. */
static char *grid_text(const hf_patchset *ps, const hf_batch_result *res,
                       const hf_batch_options *bo, char *const *lines)
{
    int n = hf_patchset_size(ps);
    size_t cap = 4096, used = 0;
    char *text = malloc(cap);
    if (text)
        text[0] = '\0';
    for (int i = 0; text && i < n; i++) {
        char *s = lines && lines[i] ? lines[i] : grid_line(ps, i, &res->items[i], bo);
        size_t l = s ? strlen(s) : 0;
        if (!s || (used + l + 2 > cap &&
                   !(text = realloc(text, cap = 2 * (used + l + 2))))) {
            if (!lines || s != lines[i])
                free(s);
            free(text);
            return NULL;
        }
        memcpy(text + used, s, l);
        used += l;
        text[used++] = '\n';
        text[used] = '\0';
        if (!lines || s != lines[i])
            free(s);
    }
    return text;
}

/* The failed patches' messages and the ambiguous ones' warnings on
 * stderr; rc, or HF_EXIT_INPUT when the lines were written but some patch
 * failed. */
static int grid_report(const hf_patchset *ps, const hf_batch_result *res,
                       int rc)
{
    int n = hf_patchset_size(ps);
    for (int i = 0; i < n; i++) {
        if (res->items[i].status != HF_OK)
            hfcli_msg("%s: %s", hf_patchset_patch_name(ps, i),
                       res->items[i].err.msg);
        else if (res->items[i].cls.ambiguous) /* as hf cls's warning */
            hfcli_msg("%s: warning: the result is ambiguous: the free fit "
                      "to the data has two minima within 1e-6 in twice_nll "
                      "whose POI values give CLs_obs differing by more than "
                      "1e-4 (its line says \"ambiguous\": true; --explain "
                      "shows both)", hf_patchset_patch_name(ps, i));
    }
    if (rc == HF_EXIT_OK && res->nfailed > 0) {
        hfcli_msg("%d of %d patches failed", res->nfailed, n);
        rc = HF_EXIT_INPUT;
    }
    return rc;
}

/* Options a grid cannot honour: said rather than dropped (CLsb/CLb are not
 * part of the grid lines, and --cl only sets the limits' level). */
static int grid_refuses(const grid_args *g)
{
    return g->tail_probs || (g->cl_given && !g->bo.upper_limit);
}

static int grid_refused(const grid_args *g)
{
    if (g->tail_probs)
        return hfcli_usage_error("--tail-probs: not for a whole patchset "
                                  "(give --patch-name for one patch)");
    if (g->cl_given && !g->bo.upper_limit)
        return hfcli_usage_error("--cl is the level of the upper limits: "
                                  "give --upper-limit, or drop --cl");
    return HF_EXIT_OK;
}

#if defined(__GLIBC__) && defined(M_ARENA_MAX) && defined(MADV_HUGEPAGE)
/* The heap in 2 MB pages (transparent huge pages, which this machine
 * gives to memory that asks for them): the first touch of a 4 kB page
 * is a fault, and the grid's heap (~14 MB: the workspace's tree, every
 * point's model and fits) took ~3,100 of the 1Lbb grid's 4,510 faults
 * (--threads 2; perf: 1.75% of the cycles in the fault path), its pages
 * then torn down one by one at exit.  In 2 MB pages: 1,250-1,450 faults,
 * peak memory +1.5-2 MB, CPU 0.976 of before (31 pairs at load 4:
 * noisy).  glibc asks for them only with GLIBC_TUNABLES set before the
 * program starts, so the main heap is grown by RESERVE here (the break
 * moved, no page touched: freed, the top is kept, grid_heap) and that
 * range marked; the batch's threads share this heap (one arena), where
 * each would have mapped an arena of its own without the mark.  A heap
 * that outgrows RESERVE goes on in 4 kB pages. */
static void grid_huge_heap(void)
{
    enum { RESERVE = 24 << 20, HUGE = 2 << 20 };
    mallopt(M_ARENA_MAX, 1);
    char *lo = sbrk(0);
    void *p = malloc(RESERVE);
    char *hi = sbrk(0);
    free(p);
    uintptr_t a = ((uintptr_t)lo + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    if (p && (uintptr_t)hi > a + HUGE)
        madvise((void *)a, ((uintptr_t)hi - a) & ~(uintptr_t)(HUGE - 1),
                MADV_HUGEPAGE);
}
#endif

/* Every point builds its model and fits it, ~2-3 MB of blocks malloc'd
 * and freed again per point and thread.  glibc gives the heap's top back
 * to the kernel once it is free past its trim threshold (2 x the largest
 * block it mapped on its own, ~2 MB here), and the next point's blocks
 * fault their pages in again, each fault a trap and a page to zero: with
 * some heap layouts after every point (48,929 page faults instead of
 * 5,984 for the 1Lbb grid at --threads 1, perf stat).  The grid keeps its
 * heap instead: blocks up to 32 MB from the heap (glibc's largest such
 * threshold), and a top of up to 64 MB kept.  Pages are only kept once a
 * point has touched them, so the peak memory is the same.  The command
 * ends when the grid does; a library would not do this. */
static void grid_heap(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20))
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
#if defined(__GLIBC__) && defined(M_ARENA_MAX) && defined(MADV_HUGEPAGE)
    grid_huge_heap();
#endif
}

/* The points, the check (unless made before: verified), then every line
 * written and the failures reported; an HF_EXIT_* status.  A failed check
 * is reported instead of anything the points gave. */
static int grid_points(const grid_args *g, const hf_workspace *ws, const hf_patchset *ps,
                       const hfmodel_prep *prep, const hfinfer_share *ahead,
                       digest_job *d, int verified, const double t[2])
{
    hf_error err = {0};
    hf_batch_options bo = grid_options(g);
    progress pr = {now(), 0};
    if (isatty(STDERR_FILENO)) {
        bo.progress = show_progress;
        bo.progress_ctx = &pr;
    }
    hf_batch_result res;
    int n = hf_patchset_size(ps);
    /* NULL when out of memory: grid_text formats every line */
    grid_lines gl = {ps, &bo, calloc(n > 0 ? (size_t)n : 1, sizeof *gl.line)};
    hfinfer_grid_hooks hooks = {ahead, gl.line ? grid_line_done : NULL, &gl};
    int rc = hfinfer_batch_cls_shared(ws, prep, ps, &bo, &hooks, &res, &err);
    int vrc = verified ? HF_EXIT_OK : grid_verify(g, ws, ps, d);
    if (vrc != HF_EXIT_OK || rc != HF_OK) {
        if (rc == HF_OK)
            hf_batch_result_free(&res);
        grid_lines_free(&gl, n);
        return vrc != HF_EXIT_OK ? vrc : hfcli_lib_error(&err);
    }
    double t2 = now();
    char *text = grid_text(ps, &res, &bo, gl.line);
    grid_lines_free(&gl, n);
    if (!text) {
        hfcli_msg("out of memory");
        rc = HF_EXIT_INPUT;
    } else {
        rc = hfcli_emit(text, g->outfile);
    }
    free(text);
    rc = grid_report(ps, &res, rc);
    if (g->stats)
        fprintf(stderr, "%s: stats: loaded in %.3f ms; %d patches in %.3f s "
                        "(%.1f points/s)\n", hfcli_prog, 1e3 * (t[1] - t[0]), n,
                t2 - t[1], n / (t2 - t[1] > 0 ? t2 - t[1] : 1e-9));
    hf_batch_result_free(&res);
    return rc;
}

static int run(const grid_args *g)
{
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    hfmodel_prep *prep = NULL;
    digest_job d;
    hfinfer_share sh;
    int ahead;
    double t[2] = {now(), 0};
    grid_heap();
    int rc = grid_load(g, &ws, &ps, &prep, &d, &sh, &ahead);
    if (rc != HF_EXIT_OK)
        return rc;
    t[1] = now();
    /* one patch is unambiguous: plain `hf cls` output, as before */
    int plain = hf_patchset_size(ps) == 1 && !g->threads_given;
    /* A failed check is reported before anything else.  Where the grid
     * stops before its points (one patch, a refused option), or shows
     * their progress on a terminal, the check comes first; otherwise the
     * points start beside the digest's thread and the check follows them
     * (a failed check throws their results away). */
    int early = plain || grid_refuses(g) || isatty(STDERR_FILENO);
    rc = early ? grid_verify(g, ws, ps, &d) : HF_EXIT_OK;
    if (rc == HF_EXIT_OK)
        rc = plain || grid_refuses(g) ? unparsable(ps) : HF_EXIT_OK;
    if (rc == HF_EXIT_OK)
        rc = plain ? -1 : grid_refused(g);
    if (rc == HF_EXIT_OK)
        rc = grid_points(g, ws, ps, prep, ahead ? &sh : NULL, &d, early, t);
    digest_join(&d);
    hfinfer_share_free(&sh);
    hfmodel_prep_free(prep);
    /* the workspace and patchset read: left to the process's end, as the
     * one-patch way leaves them */
    if (hfcli_frees_inputs()) {
        hf_patchset_free(ps);
        hf_workspace_free(ws);
    }
    return rc;
}

int hfcli_grid(const hf_cli_args *a, int npos, char **pos)
{
    int threads_given = hfcli_given(a, HF_OPT_THREADS);
    if (a->patch_name || a->nextra || npos != 2) {
        if (threads_given)
            return hfcli_usage_error("--threads applies to a whole "
                                      "patchset: give WS.json PATCHSET.json "
                                      "without --patch-name or -p");
        return -1;
    }
    /* A pipe (the shell's <(...)) can be read only once: looking at its
     * first byte here would take that byte from the loader.  It goes the
     * one-patch way, which reads it whole once and tells a patchset from
     * a patch by that text (cli/load.c); a grid needs a regular file. */
    struct stat st;
    if (stat(pos[1], &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        if (threads_given)
            return hfcli_usage_error("--threads: %s is not a regular file "
                                      "(a whole patchset is read from a file)",
                                      pos[1]);
        return -1;
    }
    if (!hfcli_is_patchset(pos[1], NULL)) {
        if (threads_given)
            return hfcli_usage_error("--threads: %s is not a patchset",
                                      pos[1]);
        return -1;
    }
    grid_args g;
    memset(&g, 0, sizeof g);
    hf_batch_options_init(&g.bo);
    hf_model_options_init(&g.mo);
    g.mo = a->mo;
    g.fo = a->fo;
    g.bo.test_poi = a->test_poi;
    g.bo.ts = a->ts;
    g.bo.cl = a->cl;
    g.bo.upper_limit = a->upper_limit;
    g.bo.threads = a->threads;
    g.bo.explain = a->explain;
    g.stats = a->stats;
    g.threads_given = threads_given;
    g.tail_probs = a->tail_probs;
    g.cl_given = hfcli_given(a, HF_OPT_CL);
    g.outfile = a->outfile;
    g.no_verify = a->no_verify;
    g.pos[0] = pos[0];
    g.pos[1] = pos[1];
    return run(&g);
}
