/*
 * load.c - from file names on the command line to a built model.
 *
 * A patch file is either an RFC 6902 patch (a JSON array) or a pyhf
 * patchset (an object); the first character tells which.  Of a patchset
 * only the patch asked for is parsed.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int hfcli_load_workspace(const char *path, hf_workspace **ws)
{
    hf_error err = {0};
    int rc;
    if (strcmp(path, "-") == 0) {
        char *text = NULL;
        size_t len = 0;
        rc = hfcore_file_read("/dev/stdin", &text, &len, &err);
        if (rc == HF_OK && text[strspn(text, " \t\r\n")] == '\0') {
            /* nothing piped in (e.g. /dev/null): the workspace is missing */
            free(text);
            return hfcli_usage_error("no workspace: standard input is "
                                      "empty (give a workspace file or pipe "
                                      "one in)");
        }
        if (rc == HF_OK)
            rc = hf_workspace_parse(text, "<stdin>", ws, &err);
        free(text);
    } else {
        /* mapped, not copied (~4 ms less CPU on 1Lbb's 4.4 MB): a
         * command holds it only while it runs */
        rc = hfpatch_workspace_read_mapped(path, ws, &err);
    }
    return rc == HF_OK ? HF_EXIT_OK : hfcli_lib_error(&err);
}

static int not_its_patchset(const char *path, const char *ws_path,
                            const hf_error *err)
{
    /* pyhf patchset apply refuses it too; a patchset made for another
     * background (a simplified likelihood of it, say) needs --no-verify */
    hfcli_msg("%s: not the patchset of %s: %s (give --no-verify to apply "
               "it all the same)", path, ws_path, err->msg);
    return HF_EXIT_INPUT;
}

int hfcli_verify(const hf_patchset *ps, const char *path,
                  const hf_workspace *ws, const char *ws_path, int no_verify)
{
    hf_error err = {0};
    if (no_verify || hf_patchset_verify(ps, ws, &err) == HF_OK)
        return HF_EXIT_OK;
    return not_its_patchset(path, ws_path, &err);
}

const char *hfcli_stdin_workspace(void)
{
    /* pyhf reads a workspace from standard input when none is named; a
     * terminal (or /dev/null, any device) there means the user forgot the
     * file, not that they will type JSON: only a pipe or a file counts */
    struct stat st;
    if (fstat(STDIN_FILENO, &st) != 0 ||
        !(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode)))
        return NULL;
    return "-";
}

int hfcli_input_init(hf_cli_input *in, int argc, char **argv, int optind_,
                      const char **ps, int nps, const char *patch_name)
{
    memset(in, 0, sizeof *in);
    int npos = argc - optind_;
    const char *ws_path = npos >= 1 ? argv[optind_] : hfcli_stdin_workspace();
    if (!ws_path)
        return hfcli_usage_error("give a workspace file (or pipe one into "
                                  "standard input)");
    if (npos > 2)
        return hfcli_usage_error("too many arguments: '%s'",
                                  argv[optind_ + 2]);
    in->patch_paths = calloc((size_t)nps + 2, sizeof *in->patch_paths);
    if (!in->patch_paths) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    in->ws_path = ws_path;
    if (npos == 2)
        in->patch_paths[in->npatches++] = argv[optind_ + 1];
    for (int i = 0; i < nps; i++)
        in->patch_paths[in->npatches++] = ps[i];
    in->patch_name = patch_name;
    return HF_EXIT_OK;
}

/* Lists up to a few patch names for an error message. */
static void some_names(const hf_patchset *ps, char *buf, size_t len)
{
    int n = hf_patchset_size(ps);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && i < 5 && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                 hf_patchset_patch_name(ps, i));
    if (n > 5 && used < len)
        snprintf(buf + used, len - used, ", ...");
}

/* Picks the patch of a patchset the command line asks for. */
static int pick(const hf_patchset *ps, const char *path, const char *name,
                const hf_patch **out)
{
    int n = hf_patchset_size(ps);
    char names[256];
    some_names(ps, names, sizeof names);
    if (!name) {
        /* A patchset of one patch is unambiguous. */
        if (n == 1) {
            *out = hf_patchset_patch(ps, 0);
            return HF_EXIT_OK;
        }
        return hfcli_usage_error("%s: patchset has %d patches: give "
                                  "--patch-name (%s)", path, n, names);
    }
    int i = hf_patchset_find(ps, name);
    if (i < 0) {
        hfcli_msg("%s: no patch named '%s' in the patchset (%d patches: %s)",
                   path, name, n, names);
        return HF_EXIT_INPUT;
    }
    *out = hf_patchset_patch(ps, i);
    return HF_EXIT_OK;
}

/* The patch files, read on a thread of their own while the workspace is
 * parsed (the two are independent until the digests are compared): on
 * 1Lbb the scan of the 57 MB patchset then costs no wall time. */
typedef struct patch_job {
    const hf_cli_input *in;
    hf_cli_loaded *out;
    hf_error err;
    int rc; /* HF_OK, or the first file's failure */
} patch_job;

/* A patch file that is not a regular file (a pipe, such as the shell's
 * <(...) gives) can be read only once: read whole, its first character
 * says whether it is a patchset (hfcli_is_patchset would take it away). */
static int load_unseekable(patch_job *j, int k)
{
    const char *path = j->in->patch_paths[k];
    char *text;
    int rc = hfcore_file_read(path, &text, NULL, &j->err);
    if (rc)
        return rc;
    if (text[strspn(text, " \t\r\n")] == '{')
        rc = hfpatch_patchset_parse_only(text, path, j->in->patch_name,
                                         &j->out->sets[k], &j->err);
    else
        rc = hf_patch_parse(text, path, &j->out->plain[k], &j->err);
    free(text);
    return rc;
}

static void *load_patches(void *arg)
{
    patch_job *j = arg;
    for (int k = 0; k < j->in->npatches && j->rc == HF_OK; k++) {
        const char *path = j->in->patch_paths[k];
        struct stat st;
        /* with --patch-name only that patch of a patchset is parsed; the
         * rest of its tens of MB is scanned, not built into a tree */
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
            j->rc = load_unseekable(j, k);
        else if (hfcli_is_patchset(path, NULL))
            j->rc = hfpatch_patchset_load(path, j->in->patch_name,
                                          &j->out->sets[k], &j->err);
        else
            j->rc = hf_patch_read(path, &j->out->plain[k], &j->err);
    }
    return NULL;
}

/* The workspace's sha256 digest from its text (core/jcanon.c, ~8 ms on
 * 1Lbb), worked out on a thread of its own from the moment the file is
 * read, beside the workspace's parse and the patchset's scan, instead of
 * after both.  It is used only once the text has parsed (before that the
 * text may be anything: the digest of text that does not parse is never
 * looked at); the digest checks take it from here. */
typedef struct digest_job {
    hfcore_text held; /* the workspace file's (hfcore_text_read), ours */
    const char *text; /* held's text and length */
    size_t len;
    pthread_t tid;
    int started; /* a thread to join */
    int rc;      /* HF_OK: hex holds the digest */
    char hex[160];
    hfcore_text_digest *steps; /* begun, its steps by either thread */
} digest_job;

static void *digest_text(void *arg)
{
    digest_job *d = arg;
    hf_error err = {0};
    if (d->steps)
        d->rc = hfcore_json_text_digest_end(d->steps, d->hex, sizeof d->hex, &err);
    else
        d->rc = hfcore_json_text_digest(d->text, d->len, "sha256", d->hex,
                                        sizeof d->hex, &err);
    d->steps = NULL;
    return NULL;
}

/* The digest once its thread is joined, or NULL (none was started, or it
 * could not be had from the text: the checks then work it out from the
 * tree, and word any failure, as before). */
static const char *digest_done(digest_job *d)
{
    if (d->started)
        pthread_join(d->tid, NULL);
    d->started = 0;
    return d->rc == HF_OK ? d->hex : NULL;
}

/* Whether path is a regular file holding a patchset (a pipe is never
 * looked into: its first byte would be gone for the reader). */
static int regular_patchset(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           hfcli_is_patchset(path, NULL);
}

/* Whether one of the patch files is a regular file holding a patchset
 * (a pipe is read once, by load_patches, and never looked into here). */
static int some_patchset_file(const hf_cli_input *in)
{
    for (int k = 0; k < in->npatches; k++)
        if (regular_patchset(in->patch_paths[k]))
            return 1;
    return 0;
}

/* hfcli_load_workspace of a file with its digest started as soon as its
 * text is read (hf_workspace_read reads and parses the same way). */
static int load_workspace_digesting(const char *path, hf_workspace **ws,
                                    digest_job *d)
{
    hf_error err = {0};
    int rc = hfcore_text_read(path, &d->held, &err);
    if (rc == HF_OK) {
        d->text = d->held.p;
        d->len = d->held.len;
        d->started = pthread_create(&d->tid, NULL, digest_text, d) == 0;
        rc = hfpatch_workspace_parse_n(d->text, d->len, path, ws, &err);
    }
    return rc == HF_OK ? HF_EXIT_OK : hfcli_lib_error(&err);
}

/* The patchsets' digest checks against the workspace, on a thread of
 * their own beside the model's build (both only read the workspace):
 * rc[k] and err[k] per file. */
typedef struct verify_job {
    const hf_cli_loaded *out;
    int n;
    int *rc;
    hf_error *err;
    digest_job *digest;
} verify_job;

static void *verify_sets(void *arg)
{
    verify_job *j = arg;
    for (int k = 0; k < j->n; k++)
        if (j->out->sets[k])
            j->rc[k] = hfpatch_patchset_verify_with(j->out->sets[k], j->out->ws,
                                                    digest_done(j->digest),
                                                    &j->err[k]);
    return NULL;
}

/* Whether pick() would succeed, without its messages. */
static const hf_patch *pick_quiet(const hf_patchset *ps, const char *name)
{
    if (!name)
        return hf_patchset_size(ps) == 1 ? hf_patchset_patch(ps, 0) : NULL;
    int i = hf_patchset_find(ps, name);
    return i < 0 ? NULL : hf_patchset_patch(ps, i);
}

/* The patches to apply in order into out->patches: 1, or 0 when one
 * cannot be had (then apply_checked says why, in the order the files
 * were given). */
static int patches_quiet(const hf_cli_input *in, hf_cli_loaded *out)
{
    int nsets = 0;
    for (int k = 0; k < in->npatches; k++) {
        out->patches[k] = out->sets[k] ? pick_quiet(out->sets[k], in->patch_name)
                                       : out->plain[k];
        nsets += out->sets[k] != NULL;
        if (!out->patches[k])
            return 0;
    }
    return !(in->patch_name && nsets == 0);
}

/* The digest checks' and the picks' verdicts, file by file as when they
 * ran one after the other: the first failure's message and status. */
static int apply_checked(const hf_cli_input *in, hf_cli_loaded *out,
                         const int *vrc, const hf_error *verr)
{
    int rc, nsets = 0;
    for (int k = 0; k < in->npatches; k++) {
        const char *path = in->patch_paths[k];
        if (out->sets[k]) {
            nsets++;
            if (!in->no_verify && vrc[k] != HF_OK)
                return not_its_patchset(path, in->ws_path, &verr[k]);
            if ((rc = pick(out->sets[k], path, in->patch_name,
                           &out->patches[k])) != HF_EXIT_OK)
                return rc;
        } else {
            out->patches[k] = out->plain[k];
        }
        out->npatches = k + 1;
    }
    if (in->patch_name && nsets == 0)
        return hfcli_usage_error("--patch-name %s: no patchset given (%s)",
                                  in->patch_name,
                                  in->npatches ? "the patch files are plain patches"
                                               : "no patch file given");
    return HF_EXIT_OK;
}

/* The model, built while the digests are checked (on 1Lbb each takes
 * ~10 ms); what the checks say comes first, as before. */
static int build_checked(const hf_cli_input *in, const hf_model_options *mo,
                         hf_cli_loaded *out, digest_job *digest)
{
    int n = in->npatches;
    int *vrc = calloc((size_t)n + 1, sizeof *vrc);
    hf_error *verr = calloc((size_t)n + 1, sizeof *verr);
    if (!vrc || !verr) {
        free(vrc);
        free(verr);
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    verify_job vj = {out, in->no_verify ? 0 : n, vrc, verr, digest};
    pthread_t tid;
    int threaded = vj.n > 0 && pthread_create(&tid, NULL, verify_sets, &vj) == 0;
    if (vj.n > 0 && !threaded)
        verify_sets(&vj);
    hf_error err = {0};
    int brc = patches_quiet(in, out)
                  ? hf_model_build_applied(out->ws, (const hf_patch *const *)out->patches,
                                           n, mo, &out->model, &err)
                  : HF_OK;
    if (threaded)
        pthread_join(tid, NULL);
    int rc = apply_checked(in, out, vrc, verr);
    free(vrc);
    free(verr);
    if (rc == HF_EXIT_OK && brc != HF_OK)
        rc = hfcli_lib_error(&err);
    return rc;
}

/* Reading ahead: of one patch of a patchset file, hf cls's line, the
 * patch is located by the check's scan as it passes it or by the main
 * thread's search for its name, whichever is first, and parsed (~3 ms on
 * 1Lbb: hfpatch_patchset_open_guessing, search_late, _guess_parse), and
 * the model is built and fitted from
 * it while the full check of the file (every byte's grammar, names,
 * values, repeated keys: ~21 ms of 57 MB) runs on a thread of its own;
 * the workspace's digest is worked out by whichever of the two threads has
 * the time (digest_fill).
 * Nothing is said or written before hfcli_settle has the check's verdict
 * and has said what a load without reading ahead would have said, in the
 * same order; the patch is used only when the check found it at the same
 * place (else the model is built again from the checked one). */
struct hfcli_ahead {
    hf_cli_input in;           /* a copy, with its one path below */
    const char *path[1];
    hf_model_options mo;
    const hf_model_options *mop; /* &mo, or NULL as given */
    hfpatch_guess guess;       /* the worker's, from the check's scan */
    hfpatch_guess search;      /* the main thread's (search_late) */
    int searched;              /* search is the one parsed and built */
    pthread_t tid;             /* the worker: ahead_work */
    int threaded;
    pthread_mutex_t lock;      /* for the two below */
    pthread_cond_t cond;
    int located;               /* the worker's locate is done */
    int text_read;             /* the workspace's text is in digest */
    int digest_taken;          /* a thread has taken the digest on */
    int digest_busy;           /* the main thread works out a part of it */
    size_t digest_upto;        /* the bytes of text the main thread has asked for */
    hf_patchset *ps;           /* the check's: hfpatch_patchset_open */
    int check_rc;
    hf_error check_err;
    digest_job digest;
    int unmarked;              /* the workspace's tree has no integer marks */
    int built;                 /* a model was built from the guess */
    int build_rc;
    hf_error build_err;
};

/* Whether the line is one to read ahead: --patch-name and one patch
 * file, a regular file holding a patchset. */
static int ahead_fits(const hf_cli_input *in)
{
    return in->ahead && in->patch_name && in->npatches == 1 &&
           regular_patchset(in->patch_paths[0]);
}

/* Whether the caller is the one to work out the workspace's digest
 * (not yet taken on by another thread), once its text is read. */
static int take_digest(struct hfcli_ahead *a)
{
    pthread_mutex_lock(&a->lock);
    while (!a->text_read)
        pthread_cond_wait(&a->cond, &a->lock);
    int mine = a->digest.text && !a->digest_taken;
    a->digest_taken = 1;
    while (a->digest_busy)
        pthread_cond_wait(&a->cond, &a->lock);
    pthread_mutex_unlock(&a->lock);
    return mine;
}

/* The digest's thread: the rest once the main thread's part is done. */
static void *ahead_digest(void *arg)
{
    struct hfcli_ahead *a = arg;
    pthread_mutex_lock(&a->lock);
    while (a->digest_busy)
        pthread_cond_wait(&a->cond, &a->lock);
    pthread_mutex_unlock(&a->lock);
    return digest_text(&a->digest);
}

/* The digest started on a thread of its own (a->lock held); taken on
 * only when the thread starts, else the worker works it out after the
 * check (take_digest). */
static void digest_thread(struct hfcli_ahead *a)
{
    a->digest_taken = a->digest.started =
        pthread_create(&a->digest.tid, NULL, ahead_digest, a) == 0;
}

/* The digest begun on the main thread before the workspace's parse
 * (libgcrypt opened there), its steps left for digest_fill: not when the
 * digest has a thread of its own already. */
static void digest_ahead(struct hfcli_ahead *a)
{
    digest_job *d = &a->digest;
    pthread_mutex_lock(&a->lock);
    int mine = a->digest_busy = d->text && !a->digest_taken;
    pthread_mutex_unlock(&a->lock);
    if (!mine)
        return;
    hf_error err = {0};
    hfcore_json_text_digest_begin(d->text, d->len, "sha256", &d->steps, &err);
    pthread_mutex_lock(&a->lock);
    a->digest_busy = 0;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

/* The bytes of text a digest step of digest_fill works out: ~0.15 ms,
 * the longest the worker waits for it once its check is done. */
#define DIGEST_FILL_STEP ((size_t)64 << 10)

/* One step of the digest on the main thread (a->lock held, let go of
 * during the step): 0 when there is none left for it. */
static int digest_step(struct hfcli_ahead *a)
{
    digest_job *d = &a->digest;
    if (a->digest_taken || !d->steps || a->digest_upto >= d->len)
        return 0;
    a->digest_busy = 1;
    pthread_mutex_unlock(&a->lock);
    hfcore_json_text_digest_step(d->steps, DIGEST_FILL_STEP);
    pthread_mutex_lock(&a->lock);
    a->digest_upto += DIGEST_FILL_STEP;
    a->digest_busy = 0;
    pthread_cond_broadcast(&a->cond);
    return 1;
}

/* The digest's steps worked out on the main thread once its hypotest is
 * done, while the worker still checks the patchset; the worker takes the
 * rest on when its check is done (take_digest), after the step in hand.
 * So the digest goes to whichever thread has the time, and neither waits
 * for the other while there is digest left: with a fixed share (nine
 * tenths on the main thread before the workspace's parse) the main
 * thread waited 3.2 ms in settle for the worker's check and its tenth of
 * the digest (1Lbb, medians of 41 runs on a quiet machine: hypotest done
 * at 33.7 ms, check at 35.6, digest at 36.8). */
static void digest_fill(struct hfcli_ahead *a)
{
    pthread_mutex_lock(&a->lock);
    while (digest_step(a))
        ;
    pthread_mutex_unlock(&a->lock);
}

/* The patch to read ahead: --patch-name's, or a test's wrong guess. */
static const char *guess_name(const struct hfcli_ahead *a)
{
    return a->in.guess_name ? a->in.guess_name : a->in.patch_name;
}

/* The check's scan has passed the patch to read ahead (on the worker),
 * or the check is over: the main thread goes on. */
static void ahead_located(void *arg)
{
    struct hfcli_ahead *a = arg;
    pthread_mutex_lock(&a->lock);
    a->located = 1;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

/* The worker's jobs one after the other on one thread: the check, which
 * tells the main thread where the patch is as soon as its scan has passed
 * it (the main thread waits for that once the workspace is parsed, then
 * parses the patch, builds and fits on the other core), then what the
 * main thread has not worked out of the workspace's digest (digest_fill,
 * wait_located).  A locate of its own (a structure pass) went no further
 * than 8 MB, ~20 of 1Lbb's 125 patches: for the others it cost
 * the worker ~7 ms before the check began and the main thread waited for
 * the whole check (the last patch: 61 ms wall against the first's 40). */
static void *ahead_work(void *arg)
{
    struct hfcli_ahead *a = arg;
    a->check_rc = hfpatch_patchset_open_guessing(a->path[0], guess_name(a),
                                                 &a->guess, ahead_located, a,
                                                 &a->ps, &a->check_err);
    ahead_located(a); /* none met: settle says why */
    if (take_digest(a))
        digest_text(&a->digest);
    return NULL;
}

/* Whether the worker's scan has passed the patch (or the check is over). */
static int is_located(struct hfcli_ahead *a)
{
    pthread_mutex_lock(&a->lock);
    int done = a->located;
    pthread_mutex_unlock(&a->lock);
    return done;
}

/* The bytes of the patchset search_late looks through between two looks
 * at the worker's scan: ~0.15 ms of memmem. */
#define SEARCH_STEP ((size_t)1 << 20)

/* The patch searched for by its name on the main thread while the
 * worker's scan has not passed it, a mapping of the file's own from its
 * end backwards, a step at a time (locate_in): 1 with a->search located.
 * The scan passes a patch at ~40% of the file by the time the workspace
 * is parsed (1Lbb: parsed at 15.5 ms, the scan at the last patch at 38.6,
 * medians of 15 runs); from the end (memmem: ~9 ms over the 57 MB) the
 * last patch is found at once and the middle one after ~4.5 ms, about when
 * the scan gets there.  Paired with main 9b6e6d4 (load ~2.3): the last
 * patch 59 -> 37 ms wall, the middle one 59 -> 39, the first 38 -> 36
 * (already located when the search begins: it ends at once). */
static int search_late(struct hfcli_ahead *a)
{
    hfpatch_guess *g = &a->search;
    hf_error err = {0};
    memset(g, 0, sizeof *g);
    if (hfcore_text_open(a->path[0], &g->text, &err) != HF_OK)
        return 0;
    for (size_t to = g->text.len; to > 0 && !is_located(a);) {
        size_t from = (to - 1) / SEARCH_STEP * SEARCH_STEP;
        if (hfpatch_patchset_locate_in(g->text.p, g->text.len, from, to,
                                       guess_name(a), &g->span)) {
            g->index = -1;
            return g->located = 1;
        }
        /* its pages given back as it goes, as the check's scan gives back
         * its own: kept, a middle patch's search held ~28 MB of the file
         * (peak 33.8 MiB median, 48.7 max, against 24.8 before) */
        madvise((char *)g->text.p + from, to - from, MADV_DONTNEED);
        to = from;
    }
    hfcore_text_close(&g->text);
    return 0;
}

/* The main thread's wait for the worker's scan to pass the patch: first
 * a search of its own for it (search_late), then, when that found nothing
 * before the scan had it, spent on the workspace's digest (digest_fill's
 * steps) while there is digest left. */
static void wait_located(struct hfcli_ahead *a)
{
    if (a->threaded && (a->searched = search_late(a)))
        return;
    pthread_mutex_lock(&a->lock);
    while (!a->located)
        if (!digest_step(a))
            pthread_cond_wait(&a->cond, &a->lock);
    pthread_mutex_unlock(&a->lock);
}

/* The workspace file's text read (for the worker's digest, then kept for
 * settle_ws), or not to be: either way the worker is told. */
static void text_read(struct hfcli_ahead *a, const hfcore_text *t)
{
    pthread_mutex_lock(&a->lock);
    if (t) {
        a->digest.held = *t;
        a->digest.text = t->p;
        a->digest.len = t->len;
    }
    /* with cores to spare the digest need not wait for the check */
    if (t && sysconf(_SC_NPROCESSORS_ONLN) > 2)
        digest_thread(a);
    a->text_read = 1;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

/* The main thread's heap grown and its pages made present in one go by
 * about what the workspace's tree, its checks and the model will take
 * (1Lbb: the heap's top reaches 2.01-2.05 times its 4.4 MB of text, 5
 * patches by mallinfo2 without this; 2.36 before the block reader built
 * the modifiers, 2.82 before its copy of the stripped text was sized to
 * it; each MB made present and not used is ~0.25 ms of zeroing): one
 * madvise instead of
 * ~3000 page faults while they are built, each a trap into the kernel
 * (single patch CPU 70.2 -> 65.9 ms, perf stat, 11 alternating runs).
 * malloc keeps what is freed here for them: it is told to map no block
 * of that size on its own and not to give the heap's top back.  The
 * command ends soon after; a library would not do this. */
static void heap_ahead(size_t text_len)
{
#if defined(MADV_POPULATE_WRITE) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    size_t n = text_len / 10 * 21, page = 4096;
    /* small: few faults to save; above 32 MB (a workspace of ~10 MB)
     * glibc takes no such threshold, and the block would be mapped and
     * unmapped, its pages with it */
    if (n < ((size_t)1 << 20) || n + page > ((size_t)32 << 20) ||
        !mallopt(M_MMAP_THRESHOLD, (int)(n + page)) ||
        !mallopt(M_TRIM_THRESHOLD, (int)(2 * n)))
        return;
    char *q = malloc(n);
    if (q) {
        char *from = (char *)(((uintptr_t)q + page - 1) & ~(uintptr_t)(page - 1));
#if defined(MADV_HUGEPAGE)
        /* in 2 MB pages where the block holds them whole: fewer page
         * table entries to fill, fewer TLB misses in the walks of the tree
         * that follow (CPU 67.6 -> 63.8 ms, 15 alternating runs); the
         * kernel falls back to 4 kB pages itself */
        const uintptr_t huge = (uintptr_t)2 << 20;
        char *h = (char *)(((uintptr_t)q + huge - 1) & ~(huge - 1));
        if (h + huge <= q + n)
            madvise(h, (size_t)(q + n - h) & ~(size_t)(huge - 1), MADV_HUGEPAGE);
#endif
        madvise(from, (size_t)(q + n - from) & ~(page - 1), MADV_POPULATE_WRITE);
    }
    free(q); /* back to the heap's top, its pages kept */
#else
    (void)text_len;
#endif
}

/* The workspace as hfcli_load_workspace reads it, its text handed to
 * the worker for its digest when the digests are checked. */
static int ahead_workspace(struct hfcli_ahead *a, hf_workspace **ws)
{
    if (a->in.no_verify || strcmp(a->in.ws_path, "-") == 0) {
        text_read(a, NULL);
        return hfcli_load_workspace(a->in.ws_path, ws);
    }
    hf_error err = {0};
    hfcore_text t;
    int rc = hfcore_text_read(a->in.ws_path, &t, &err);
    text_read(a, rc == HF_OK ? &t : NULL);
    if (rc == HF_OK) {
        /* libgcrypt opened here (~0.45 ms), not on a thread that works
         * out the digest on its own */
        hfcore_digest_ready("sha256");
        digest_ahead(a);
        heap_ahead(t.len);
        /* the tree is only built from (and freed beside the fits): its
         * integer marks, for writing it out, are made when a digest of
         * it is needed after all (settled_model) */
        rc = hfpatch_workspace_parse_unmarked_n(t.p, t.len, a->in.ws_path, ws, &err);
        a->unmarked = rc == HF_OK;
    }
    return rc == HF_OK ? HF_EXIT_OK : hfcli_lib_error(&err);
}

/* The worker joined and everything freed but the check's patchset. */
static void ahead_end(hf_cli_loaded *out)
{
    struct hfcli_ahead *a = out->ahead;
    if (!a)
        return;
    if (a->threaded)
        pthread_join(a->tid, NULL);
    digest_done(&a->digest);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->cond);
    hfcore_text_close(&a->digest.held);
    hfpatch_guess_free(&a->guess);
    hfpatch_guess_free(&a->search);
    hf_patchset_free(a->ps);
    free(a);
    out->ahead = NULL;
}

static int load_ahead(const hf_cli_input *in, const hf_model_options *mo,
                      hf_cli_loaded *out)
{
    struct hfcli_ahead *a = calloc(1, sizeof *a);
    if (!a) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    a->in = *in;
    a->path[0] = in->patch_paths[0];
    a->in.patch_paths = a->path;
    if (mo)
        a->mo = *mo;
    a->mop = mo ? &a->mo : NULL;
    a->digest.rc = HF_ERR_ARG;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    out->ahead = a;
    /* the check of the patchset is the longer chain (1Lbb: ~30 ms of CPU):
     * begun now on the other processor (core/thread.c) */
    a->threaded = hfcore_thread_start(&a->tid, ahead_work, a) == 0;
    int rc = ahead_workspace(a, &out->ws);
    if (!a->threaded)
        ahead_work(a); /* no thread: all of it here, in the same order */
    wait_located(a);
    if (rc != HF_EXIT_OK) { /* the workspace's problem first, as before */
        ahead_end(out);
        return rc;
    }
    hfpatch_guess *g = a->searched ? &a->search : &a->guess;
    if (hfpatch_patchset_guess_parse(a->path[0], guess_name(a), g)) {
        const hf_patch *p = g->patch;
        a->built = 1;
        a->build_rc = hf_model_build_applied(out->ws, &p, 1, mo, &out->model,
                                             &a->build_err);
    }
    /* without a model to go on with, the checks come first */
    return out->model ? HF_EXIT_OK : hfcli_settle(out);
}

/* The workspace's tree for what still needs it at hfcli_settle (rare: a
 * digest other than the text's sha256, a model to build again): out->ws,
 * or when hfcli_drop_inputs has let it go, the same tree parsed again from
 * the text it was parsed from (*own, to free). */
static int settle_ws(hf_cli_loaded *out, struct hfcli_ahead *a, hf_workspace **ws,
                     hf_workspace **own)
{
    hf_error err = {0};
    /* the tree parsed by an earlier call (the digests' check, then the
     * model built again) serves again */
    *ws = out->ws ? out->ws : *own;
    if (*ws)
        return HF_EXIT_OK;
    if (hfpatch_workspace_parse_n(a->digest.text, a->digest.len, a->in.ws_path, own,
                                  &err) != HF_OK)
        return hfcli_lib_error(&err);
    *ws = *own;
    return HF_EXIT_OK;
}

/* Whether the digest checks need the workspace's tree: a digest other
 * than sha256, or no sha256 from the text. */
static int verify_needs_tree(const hf_patchset *ps, const char *sha256)
{
    int n = hf_patchset_ndigests(ps);
    for (int i = 0; i < n; i++)
        if (!sha256 || strcmp(hf_patchset_digest_name(ps, i), "sha256") != 0)
            return 1;
    return 0;
}

/* Once the check has passed: the digests, the pick and the build, in
 * build_checked's order. */
static int settled_model(hf_cli_loaded *out, struct hfcli_ahead *a,
                         hf_workspace **own)
{
    hf_error verr = {0}, err = {0};
    hf_workspace *ws = out->ws;
    const char *sha = digest_done(&a->digest);
    int rc, vrc = HF_OK;
    if (!a->in.no_verify) {
        if (verify_needs_tree(out->sets[0], sha) &&
            (rc = settle_ws(out, a, &ws, own)) != HF_EXIT_OK)
            return rc;
        if (ws && ws == out->ws && a->unmarked) {
            hfpatch_workspace_mark_ints(ws, a->digest.text, a->digest.len);
            a->unmarked = 0;
        }
        vrc = hfpatch_patchset_verify_with(out->sets[0], ws, sha, &verr);
    }
    if ((rc = apply_checked(&a->in, out, &vrc, &verr)) != HF_EXIT_OK)
        return rc;
    if (a->built && (a->searched ? a->search : a->guess).adopted)
        return a->build_rc == HF_OK ? HF_EXIT_OK : hfcli_lib_error(&a->build_err);
    out->redo = out->model != NULL; /* handed out: what it gave is void */
    hf_model_free(out->model);
    out->model = NULL;
    if ((rc = settle_ws(out, a, &ws, own)) != HF_EXIT_OK)
        return rc;
    if (hf_model_build_applied(ws, (const hf_patch *const *)out->patches, 1,
                               a->mop, &out->model, &err) != HF_OK)
        return hfcli_lib_error(&err);
    return HF_EXIT_OK;
}

int hfcli_settle(hf_cli_loaded *out)
{
    struct hfcli_ahead *a = out->ahead;
    if (!a)
        return HF_EXIT_OK;
    if (a->threaded) {
        digest_fill(a);
        pthread_join(a->tid, NULL);
    }
    a->threaded = 0;
    int rc;
    hf_error err = {0};
    out->sets[0] = a->ps;
    a->ps = NULL;
    if (a->check_rc != HF_OK)
        rc = hfcli_lib_error(&a->check_err);
    else if (hfpatch_patchset_settle(out->sets[0], a->in.patch_name,
                                     a->searched ? &a->search : &a->guess,
                                     &err) != HF_OK)
        rc = hfcli_lib_error(&err);
    else {
        hf_workspace *own = NULL;
        rc = settled_model(out, a, &own);
        hf_workspace_free(own);
    }
    ahead_end(out);
    if (rc != HF_EXIT_OK) {
        hf_model_free(out->model);
        out->model = NULL;
    } else if (out->drop_wanted) {
        hfcli_drop_inputs(out);
    }
    return rc;
}

int hfcli_load(const hf_cli_input *in, const hf_model_options *mo,
                hf_cli_loaded *out)
{
    int rc;
    memset(out, 0, sizeof *out);

    int n = in->npatches;
    if (n > 0) {
        out->plain = calloc((size_t)n, sizeof *out->plain);
        out->sets = calloc((size_t)n, sizeof *out->sets);
        out->patches = calloc((size_t)n, sizeof *out->patches);
        if (!out->plain || !out->sets || !out->patches) {
            hfcli_msg("out of memory");
            return HF_EXIT_INPUT;
        }
        out->nslots = n;
    }
    if (ahead_fits(in))
        return load_ahead(in, mo, out);
    patch_job job = {in, out, {0}, HF_OK};
    digest_job digest;
    memset(&digest, 0, sizeof digest);
    digest.rc = HF_ERR_ARG;
    int early = !in->no_verify && strcmp(in->ws_path, "-") != 0 &&
                some_patchset_file(in);
    pthread_t tid;
    int threaded = n > 0 && pthread_create(&tid, NULL, load_patches, &job) == 0;
    if (n > 0 && !threaded)
        load_patches(&job);
    rc = early ? load_workspace_digesting(in->ws_path, &out->ws, &digest)
               : hfcli_load_workspace(in->ws_path, &out->ws);
    if (threaded)
        pthread_join(tid, NULL);
    /* the workspace's problem first, as when read one after the other */
    if (rc == HF_EXIT_OK && job.rc != HF_OK)
        rc = hfcli_lib_error(&job.err);
    /* a patchset's patch goes to the whole workspace (pyhf's PatchSet.apply),
     * a plain patch to the model spec (pyhf cls --patch) */
    if (rc == HF_EXIT_OK)
        rc = build_checked(in, mo, out, &digest);
    digest_done(&digest); /* joined before its text is freed */
    hfcore_text_close(&digest.held);
    return rc;
}

int hfcli_load_args(int argc, char **argv, int optind_, const char **ps,
                     int nps, const char *patch_name, int no_verify,
                     const hf_model_options *mo, hf_cli_loaded *out)
{
    hf_cli_input in;
    memset(out, 0, sizeof *out);
    int rc = hfcli_input_init(&in, argc, argv, optind_, ps, nps, patch_name);
    in.no_verify = no_verify;
    if (rc == HF_EXIT_OK)
        rc = hfcli_load(&in, mo, out);
    free(in.patch_paths);
    return rc;
}

/* The workspace and patch files, freed (and their slots cleared). */
static void free_inputs(hf_cli_loaded *l)
{
    /* Every slot, not just the applied ones: a file that failed half-way
     * (a patchset without the asked-for patch) still holds its object. */
    for (int k = 0; k < l->nslots; k++) {
        hf_patch_free(l->plain[k]);
        hf_patchset_free(l->sets[k]);
        l->plain[k] = NULL;
        l->sets[k] = NULL;
    }
    hf_workspace_free(l->ws);
    l->ws = NULL;
}

static void *drop_inputs(void *arg)
{
    free_inputs(arg);
    return NULL;
}

static void *free_workspace(void *ws)
{
    hf_workspace_free(ws);
    return NULL;
}

/* Whether the command frees its inputs or leaves them to the process's
 * end: one rule for hfcli_drop_inputs here and the grid (cli/grid.c).
 * The command ends once its result is out and the kernel takes the
 * pages back at once; freeing the 1Lbb workspace's tree (76k
 * nodes) cost ~2.5 ms CPU beside the fits, and the chunks it gave back
 * (malloc's fastbins) were then consolidated by the fits' first large
 * free on the main thread (~3 ms more): the single patch's CPU fell from
 * 74.3 to 68.8 ms (perf stat, 15 alternating pairs) without it.  Built
 * with AddressSanitizer, LeakSanitizer would report what is left: there
 * they are freed as before. */
#if defined(__SANITIZE_ADDRESS__)
#define HFCLI_FREE_INPUTS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HFCLI_FREE_INPUTS 1
#endif
#endif
#ifndef HFCLI_FREE_INPUTS
#define HFCLI_FREE_INPUTS 0
#endif
/* Under valgrind too (its memcheck would call them lost; a no-op test
 * natively), where its header is there to say so. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HFCLI_ON_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef HFCLI_ON_VALGRIND
#define HFCLI_ON_VALGRIND() 0
#endif

int hfcli_frees_inputs(void)
{
    return HFCLI_FREE_INPUTS || HFCLI_ON_VALGRIND();
}

/* The workspace and patch files let go of, unfreed (the slots cleared). */
static void leave_inputs(hf_cli_loaded *l)
{
    for (int k = 0; k < l->nslots; k++) {
        l->plain[k] = NULL;
        l->sets[k] = NULL;
    }
    l->ws = NULL;
}

void hfcli_drop_inputs(hf_cli_loaded *l)
{
    if (l->ahead) {
        /* the rest once settled (the checks still read them); the
         * workspace's tree now, if it can be parsed again from its kept
         * text where the checks need it (settle_ws) */
        l->drop_wanted = 1;
        if (!l->ahead->digest.text || l->dropping)
            return;
        if (!hfcli_frees_inputs())
            l->ws = NULL;
        else if ((l->dropping = pthread_create(&l->dropper, NULL, free_workspace,
                                               l->ws) == 0))
            l->ws = NULL; /* freed beside the fits, not after them */
        return;
    }
    /* the model holds copies of what it needs */
    if (!hfcli_frees_inputs())
        leave_inputs(l);
    else if (!l->dropping)
        l->dropping = pthread_create(&l->dropper, NULL, drop_inputs, l) == 0;
}

void hfcli_release(hf_cli_loaded *l)
{
    ahead_end(l);
    if (l->dropping)
        pthread_join(l->dropper, NULL);
    hf_model_free(l->model);
    free_inputs(l);
    free(l->plain);
    free(l->sets);
    free(l->patches);
    memset(l, 0, sizeof *l);
}
