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
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"

typedef struct grid_args {
    hf_batch_options bo;
    hf_model_options mo;
    hf_fit_options fo;
    int stats, nextra, threads_given, tail_probs, cl_given, poi_given,
        no_verify;
    const char *pname, *outfile;
    int npos;
    const char *pos[3];
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
            hf_cli_prog, bar, done, total, rate, eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Parses the options `hf cls` takes plus --threads.  Returns an HF_EXIT_*
 * status; -1 when the line is not one for the grid (cls then handles it,
 * errors included). */
/* Like hf_cli_double but silent: cls reports what we reject. */
static int quiet_double(const char *text, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    /* the same numbers hf_cli_double accepts: no underflow to 0 */
    return !*text || *end || errno == ERANGE || !isfinite(*out);
}

static int parse(int argc, char **argv, grid_args *g)
{
    struct option longopts[HF_CLI_MAX_OPTIONS];
    hf_cli_getopt_table(hf_cli_cls_options, longopts);
    int c, rc = HF_EXIT_OK, bad = 0;
    double x;
    /* getopt permutes what it parses: work on a copy so cls, if it gets
     * the line after all, sees it as the user wrote it. */
    char **av = malloc(((size_t)argc + 1) * sizeof *av);
    if (!av) {
        hf_cli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    memcpy(av, argv, (size_t)argc * sizeof *av);
    av[argc] = NULL;
    argv = av;
    opterr = 0;
    optind = 0; /* full re-initialisation (glibc) */
    while ((c = getopt_long(argc, argv, ":hp:", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': g->nextra++; break;
        case HF_OPT_NO_VERIFY: g->no_verify = 1; break;
        case O_PNAME: g->pname = optarg; break;
        case O_MEAS: g->mo.measurement = optarg; break;
        case O_OUT: g->outfile = optarg; break;
        case O_TAIL: g->tail_probs = 1; break; /* refused in run() */
        case O_UL: g->bo.upper_limit = 1; break;
        case O_STATS: g->stats = 1; break;
        case O_POI:
            g->poi_given = 1;
            if (quiet_double(optarg, &g->bo.test_poi))
                bad = 1;
            break;
        case O_CL:
            g->cl_given = 1;
            if (quiet_double(optarg, &g->bo.cl) ||
                !(g->bo.cl > 0 && g->bo.cl < 1))
                bad = 1;
            break;
        case O_TS:
            if (strcmp(optarg, "qtilde") == 0)
                g->bo.ts = HF_TEST_QMU_TILDE;
            else if (strcmp(optarg, "q") == 0)
                g->bo.ts = HF_TEST_QMU;
            else if (strcmp(optarg, "q0") == 0)
                g->bo.ts = HF_TEST_Q0;
            else
                bad = 1;
            break;
        case O_INTERP: rc = hf_cli_interp(optarg, &g->mo); break;
        case O_OPTCONF: rc = hf_cli_optconf(optarg, &g->fo); break;
        case O_THREADS:
            g->threads_given = 1;
            if (hf_cli_double("--threads", optarg, &x))
                rc = HF_EXIT_USAGE;
            else if (!(x >= 1 && x <= 4096 && x == floor(x)))
                rc = hf_cli_usage_error("--threads: %s is not a whole number "
                                        "from 1 to 4096", optarg);
            else
                g->bo.threads = (int)x;
            break;
        default:
            bad = 1; /* -h, unknown options: hf cls says what it thinks */
        }
        if (rc != HF_EXIT_OK)
            break;
    }
    for (int k = optind; rc == HF_EXIT_OK && k < argc; k++)
        if (g->npos < 3)
            g->pos[g->npos++] = argv[k];
    optind = 0; /* leave getopt fresh for cls */
    free(av);   /* pos[] points at the strings, not into av */
    if (rc != HF_EXIT_OK)
        return rc;
    /* q0 tests the POI at 0 and sets no limits: cls says so */
    if (g->bo.ts == HF_TEST_Q0 &&
        ((g->poi_given && g->bo.test_poi != 0) || g->bo.upper_limit))
        bad = 1;
    if (bad || g->pname || g->nextra || g->npos != 2) {
        if (g->threads_given && !bad)
            return hf_cli_usage_error("--threads applies to a whole "
                                      "patchset: give WS.json PATCHSET.json "
                                      "without --patch-name or -p");
        return -1;
    }
    return HF_EXIT_OK;
}

static int run(const grid_args *g)
{
    hf_error err = {0};
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    double t0 = now();
    int rc = hf_cli_load_workspace(g->pos[0], &ws);
    if (rc != HF_EXIT_OK)
        return rc;
    if (hf_patchset_read(g->pos[1], &ps, &err) != HF_OK) {
        hf_workspace_free(ws);
        return hf_cli_lib_error(&err);
    }
    rc = hf_cli_verify(ps, g->pos[1], ws, g->pos[0], g->no_verify);
    if (rc != HF_EXIT_OK) {
        hf_patchset_free(ps);
        hf_workspace_free(ws);
        return rc;
    }
    double t1 = now();
    int n = hf_patchset_size(ps);
    if (n == 1 && !g->threads_given) {
        /* one patch is unambiguous: plain `hf cls` output, as before */
        hf_patchset_free(ps);
        hf_workspace_free(ws);
        return -1;
    }

    /* CLsb/CLb are not part of the grid lines, and --cl only sets the
     * limits' level: say so rather than drop the option */
    if (g->tail_probs || (g->cl_given && !g->bo.upper_limit)) {
        hf_patchset_free(ps);
        hf_workspace_free(ws);
        if (g->tail_probs)
            return hf_cli_usage_error("--tail-probs: not for a whole patchset "
                                      "(give --patch-name for one patch)");
        return hf_cli_usage_error("--cl is the level of the upper limits: "
                                  "give --upper-limit, or drop --cl");
    }
    hf_batch_options bo = g->bo;
    bo.model = &g->mo;
    bo.fit = &g->fo;
    progress pr = {now(), 0};
    if (isatty(STDERR_FILENO)) {
        bo.progress = show_progress;
        bo.progress_ctx = &pr;
    }
    hf_batch_result res;
    if (hf_batch_cls(ws, ps, &bo, &res, &err) != HF_OK) {
        hf_patchset_free(ps);
        hf_workspace_free(ws);
        return hf_cli_lib_error(&err);
    }
    double t2 = now();

    /* Lines are short: gather them and write once. */
    size_t cap = 4096, used = 0;
    char *text = malloc(cap);
    for (int i = 0; text && i < n; i++) {
        cJSON *head = hf_cli_grid_head(hf_patchset_patch_name(ps, i), ps, i);
        char *s = head ? hf_cli_grid_line_ts(head, &res.items[i],
                                             bo.upper_limit, bo.ts, NULL)
                       : NULL;
        size_t l = s ? strlen(s) : 0;
        if (!s || (used + l + 2 > cap &&
                   !(text = realloc(text, cap = 2 * (used + l + 2))))) {
            free(s);
            free(text);
            text = NULL;
            break;
        }
        memcpy(text + used, s, l);
        used += l;
        text[used++] = '\n';
        text[used] = '\0';
        free(s);
    }
    if (!text) {
        hf_cli_msg("out of memory");
        rc = HF_EXIT_INPUT;
    } else {
        if (n == 0)
            text[0] = '\0';
        rc = hf_cli_emit(text, g->outfile);
    }
    free(text);

    for (int i = 0; i < n; i++)
        if (res.items[i].status != HF_OK)
            hf_cli_msg("%s: %s", hf_patchset_patch_name(ps, i),
                       res.items[i].err.msg);
    if (rc == HF_EXIT_OK && res.nfailed > 0) {
        hf_cli_msg("%d of %d patches failed", res.nfailed, n);
        rc = HF_EXIT_INPUT;
    }
    if (g->stats)
        fprintf(stderr, "%s: stats: loaded in %.3f ms; %d patches in %.3f s "
                        "(%.1f points/s)\n", hf_cli_prog, 1e3 * (t1 - t0), n,
                t2 - t1, n / (t2 - t1 > 0 ? t2 - t1 : 1e-9));
    hf_batch_result_free(&res);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return rc;
}

int hf_cli_grid(int argc, char **argv)
{
    grid_args g;
    memset(&g, 0, sizeof g);
    hf_batch_options_init(&g.bo);
    hf_model_options_init(&g.mo);
    hf_fit_options_init(&g.fo);
    int rc = parse(argc, argv, &g);
    if (rc != HF_EXIT_OK)
        return rc;
    if (!hf_cli_is_patchset(g.pos[1], NULL)) {
        if (g.threads_given)
            return hf_cli_usage_error("--threads: %s is not a patchset",
                                      g.pos[1]);
        return -1;
    }
    return run(&g);
}
