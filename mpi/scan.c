/*
 * scan.c - `hfscan`: the CLs of every signal of a scan, over MPI ranks.
 *
 *   mpirun -n 64 hfscan BkgOnly.json patchset.json -o grid.jsonl
 *
 * prints what `hfcls BkgOnly.json patchset.json` prints, the same lines
 * byte for byte and in the same order, whichever rank computed them.  Any
 * number of patchsets and plain patch files may follow the workspace; a
 * plain patch is one signal named after its file.  With -o the lines are
 * also appended to the file as they come, so `--resume` can take up an
 * interrupted run; the finished file is then rewritten in input order,
 * atomically.
 */
#include <getopt.h>
#include <mpi.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan.h"

static int g_rank;
static int g_quiet; /* ranks other than 0 hold messages rank 0 also gives */
static char g_held[1024];

/* The messages of cli/ (hfcli_msg_hook): rank 0 speaks; the others tag
 * theirs with their rank, hold them while rank 0 may say the same, and
 * leave usage errors to rank 0, which parsed the same command line. */
static void rank_msg(const char *text, int usage)
{
    if (g_rank == 0) {
        fprintf(stderr, "%s: %s\n", hfcli_prog, text);
        if (usage)
            fprintf(stderr, "(see '%s --help')\n", hfcli_prog);
    } else if (usage) {
        return;
    } else if (g_quiet) {
        snprintf(g_held, sizeof g_held, "%s: rank %d: %s\n", hfcli_prog,
                 g_rank, text);
    } else {
        fprintf(stderr, "%s: rank %d: %s\n", hfcli_prog, g_rank, text);
    }
}

static const char usage[] =
    "usage: mpirun [-n N] hfscan [options] WS.json PATCHES.json...\n"
    "\n"
    "CLs for every patch of the patchsets (and every plain patch file, a\n"
    "signal named after its file) applied to WS.json, one JSON line each,\n"
    "in input order, as `hfcls WS.json PATCHSET.json` prints them (with\n"
    "--test-stat q0 the discovery p-values and Z, as `hfcls --test-stat q0`).\n"
    "Rank 0 hands out chunks of patches to whichever rank is free; each rank\n"
    "runs OMP_NUM_THREADS fits at once.\n"
    "\n"
    "options:\n";
static const char usage_end[] =
    "\n"
    "Exit status: 0 ok, 1 bad input or some patch failed (its line says\n"
    "why), 2 bad command line.\n";

typedef struct opts {
    const char *out, *list;
    int resume, chunk, dispatch_only, stats, help;
    const char **paths;
    int npaths;
    char *listbuf;
} opts;

/* The options hfscan shares with `hfcls` (cli/options.c) and its own. */
static int parse(int argc, char **argv, opts *o, scan *s)
{
    hf_cli_args a;
    hfcli_args_init(&a);
    int rc = hfcli_parse(HF_CLI_SCAN, argc, argv, &a);
    if (rc != HF_EXIT_OK)
        return rc;
    if (a.help) {
        o->help = 1;
        return HF_EXIT_OK;
    }
    o->out = a.outfile;
    o->resume = a.resume;
    o->list = a.list;
    o->chunk = a.chunk;
    o->dispatch_only = a.dispatch_only;
    o->stats = a.stats;
    s->mo = a.mo;
    s->no_verify = a.no_verify;
    s->bo.test_poi = a.test_poi;
    s->bo.ts = a.ts;
    s->bo.cl = a.cl;
    s->bo.upper_limit = a.upper_limit;
    s->bo.threads = a.threads;
    s->fo = a.fo;
    s->bo.fit = &s->fo;
    /* discovery tests the POI at 0 and sets no limits (as hfcls) */
    if (a.ts == HF_TEST_Q0 && hfcli_given(&a, HF_OPT_TEST_POI) &&
        a.test_poi != 0)
        return hfcli_usage_error("--test-stat q0 tests the POI at 0 (the "
                                  "background-only hypothesis), not at %g: "
                                  "drop --test-poi", a.test_poi);
    if (a.ts == HF_TEST_Q0 && a.upper_limit)
        return hfcli_usage_error("--test-stat q0 gives a discovery p-value, "
                                  "not limits: drop --upper-limit");
    if (argc - optind < 1)
        return hfcli_usage_error("give WS.json and the patch files");
    if (o->resume && !o->out)
        return hfcli_usage_error("--resume needs --output-file");
    return HF_EXIT_OK;
}

/* argv's files after the workspace, then --list's (its buffer is kept:
 * the paths point into it). */
static int gather_paths(int argc, char **argv, opts *o)
{
    size_t cap = (size_t)argc + 1;
    o->paths = malloc(cap * sizeof *o->paths);
    if (!o->paths)
        return hfcli_usage_error("out of memory");
    for (int k = optind + 1; k < argc; k++)
        o->paths[o->npaths++] = argv[k];
    if (!o->list)
        goto check;
    FILE *f = fopen(o->list, "rb");
    if (!f) {
        hfcli_msg("%s: cannot open", o->list);
        return HF_EXIT_INPUT;
    }
    size_t n = 0, bcap = 1 << 16, r;
    o->listbuf = malloc(bcap);
    while (o->listbuf && (r = fread(o->listbuf + n, 1, bcap - n - 1, f)) > 0)
        if ((n += r) + 1 >= bcap) {
            char *g = realloc(o->listbuf, bcap *= 2);
            if (!g)
                free(o->listbuf);
            o->listbuf = g;
        }
    /* a directory opens but does not read: not an empty list */
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        hfcli_msg("%s: cannot read", o->list);
        return HF_EXIT_INPUT;
    }
    if (!o->listbuf) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    o->listbuf[n] = '\0';
    for (char *p = strtok(o->listbuf, "\r\n"); p; p = strtok(NULL, "\r\n")) {
        if ((size_t)o->npaths + 1 >= cap) {
            const char **g = realloc(o->paths, (cap *= 2) * sizeof *g);
            if (!g) {
                hfcli_msg("out of memory");
                return HF_EXIT_INPUT;
            }
            o->paths = g;
        }
        o->paths[o->npaths++] = p;
    }
check:
    if (o->npaths == 0)
        return hfcli_usage_error("no patch files: give patchsets or patches "
                                  "after WS.json, or --list");
    return HF_EXIT_OK;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Rank 0 before the run: the lines already finished (--resume), and the
 * journal the new ones are appended to.  The header of this run's options
 * and the kept lines are first written back in order, so the journal
 * never starts with a torn line. */
static int prepare_output(const scan *s, const opts *o, char **lines,
                          FILE **journal, int *kept)
{
    *kept = 0;
    if (!o->out)
        return HF_EXIT_OK;
    if (o->resume && ((*kept = hfmpi_scan_resume(s, o->out, lines)) < 0 ||
                      hfmpi_scan_resume_check(s, o->out, lines) < 0))
        return HF_EXIT_INPUT;
    char *head = hfmpi_scan_header(s);
    size_t hlen = head ? strlen(head) : 0, len = 1 + hlen;
    for (int i = 0; i < s->n; i++)
        len += lines[i] ? strlen(lines[i]) : 0;
    char *text = head ? malloc(len) : NULL;
    if (!text) {
        free(head);
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    size_t used = hlen;
    memcpy(text, head, used);
    free(head);
    for (int i = 0; i < s->n; i++)
        if (lines[i]) {
            size_t l = strlen(lines[i]);
            memcpy(text + used, lines[i], l);
            used += l;
        }
    text[used] = '\0';
    hf_error err = {0};
    int rc = hfcli_write_file(o->out, text, &err);
    free(text);
    if (rc != HF_OK)
        return hfcli_lib_error(&err);
    if (!(*journal = fopen(o->out, "ab"))) {
        hfcli_msg("%s: cannot append", o->out);
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

static int finish_output(const scan *s, const opts *o, char **lines)
{
    size_t len = 1;
    for (int i = 0; i < s->n; i++)
        len += strlen(lines[i]);
    char *text = malloc(len), *p = text;
    if (!text) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    for (int i = 0; i < s->n; i++) {
        size_t l = strlen(lines[i]);
        memcpy(p, lines[i], l);
        p += l;
    }
    *p = '\0';
    int rc = hfcli_emit(text, o->out);
    free(text);
    return rc;
}

/* Every rank parses the same command line and reaches the same verdict;
 * only rank 0 speaks (the others hold what they would say, rank_msg). */
static int load_inputs(int argc, char **argv, opts *o, scan *s)
{
    int rc = parse(argc, argv, o, s);
    if (rc != HF_EXIT_OK || o->help)
        return rc;
    rc = gather_paths(argc, argv, o);
    if (rc == HF_EXIT_OK) {
        g_quiet = 1;
        rc = hfmpi_scan_open(s, argv[optind], o->paths, o->npaths);
        g_quiet = 0;
    }
    return rc;
}

/* Rank 0 after the run: the output in order, or the reason there is none. */
static int rank0_finish(const scan *s, const opts *o, char **lines, int nfailed)
{
    if (nfailed < 0)
        return HF_EXIT_INPUT; /* the journal keeps what was done */
    int rc = finish_output(s, o, lines);
    /* kept lines never hold errors: count them in the output */
    if (rc == HF_EXIT_OK && nfailed > 0) {
        hfcli_msg("%d of %d patches failed (their lines say why)", nfailed, s->n);
        rc = HF_EXIT_INPUT;
    }
    return rc;
}

/* --stats: t0 start, t1 inputs loaded, t2 run done. */
static void print_stats(const scan *s, int size, int kept, double t0, double t1,
                        double t2)
{
    int t = s->bo.threads > 0 ? s->bo.threads : omp_get_max_threads();
    fprintf(stderr, "%s: stats: %d ranks x %d threads; loaded in "
            "%.3f s; %d patches (%d kept) in %.3f s (%.1f points/s)\n",
            hfcli_prog, size, t, t1 - t0, s->n, kept, t2 - t1,
            (s->n - kept) / (t2 - t1 > 0 ? t2 - t1 : 1e-9));
}

/* Every rank must make the same collective calls (MPI_Allreduce,
 * MPI_Bcast) in the same order, whatever happens on it: main keeps all of
 * them, and the steps it calls make none. */
int main(int argc, char **argv)
{
    int provided, size, rc, all;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    hfcli_prog = "hfscan";
    hfcli_msg_hook = rank_msg;

    scan s;
    opts o;
    memset(&s, 0, sizeof s);
    memset(&o, 0, sizeof o);
    hf_batch_options_init(&s.bo);
    hf_model_options_init(&s.mo);
    char **lines = NULL;
    FILE *journal = NULL;
    double t0 = now(), t1 = t0, t2 = t0;
    int kept = 0, nfailed = 0;

    rc = load_inputs(argc, argv, &o, &s);
    if (rc == HF_EXIT_OK && o.help) {
        if (g_rank == 0) {
            fputs(usage, stdout);
            hfcli_options_help(stdout, HF_CLI_SCAN);
            fputs(usage_end, stdout);
        }
        goto out;
    }
    /* Inputs must load everywhere: a rank that cannot read them says so
     * unless rank 0 could not either (then its message is enough). */
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    int rc0 = rc;
    MPI_Bcast(&rc0, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (g_held[0] && rc0 == HF_EXIT_OK)
        fputs(g_held, stderr);
    if ((rc = all) != HF_EXIT_OK)
        goto out;
    if (g_rank == 0) {
        lines = calloc(s.n > 0 ? (size_t)s.n : 1, sizeof *lines);
        rc = lines ? prepare_output(&s, &o, lines, &journal, &kept)
                   : (hfcli_msg("out of memory"), HF_EXIT_INPUT);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc != HF_EXIT_OK)
        goto out;

    t1 = now();
    nfailed = hfmpi_scan_run(&s, lines, journal, o.chunk, o.dispatch_only);
    t2 = now();
    if (g_rank == 0) {
        if (journal)
            fclose(journal);
        journal = NULL;
        rc = rank0_finish(&s, &o, lines, nfailed);
        if (o.stats)
            print_stats(&s, size, kept, t0, t1, t2);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
out:
    if (journal)
        fclose(journal);
    for (int i = 0; lines && i < s.n; i++)
        free(lines[i]);
    free(lines);
    free(o.paths);
    free(o.listbuf);
    hfmpi_scan_close(&s);
    MPI_Finalize();
    return rc;
}
