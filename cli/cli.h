/*
 * cli.h - declarations shared by the files of the `hf` command (cli/).
 *
 * Every verb follows one discipline so that scripts can trust the command:
 * results are built in memory and written only once everything succeeded,
 * so on any error stdout stays empty and an --output-file is never created
 * or truncated; messages go to stderr, prefixed by the program name.
 */
#ifndef HF_CLI_H
#define HF_CLI_H

#include <pthread.h>
#include <stdio.h>

#include "hf/hfmodel.h"
#include "options.h"

/* getopt_long value of --no-verify, shared by the verbs taking patches. */
#define HF_OPT_NO_VERIFY 1000
#define HF_HELP_NO_VERIFY \
    "  --no-verify          apply a patchset whose digest is not that of the\n" \
    "                       workspace (verified by default, as pyhf patchset\n" \
    "                       apply does)\n"

/* Exit statuses. */
enum {
    HF_EXIT_OK = 0,
    HF_EXIT_INPUT = 1,  /* bad input file, or a failure computing on it */
    HF_EXIT_USAGE = 2,  /* bad command line */
    HF_EXIT_FIT = 3     /* a fit did not converge */
};

/* Name used in messages: "hf cls", "hfcls", "hf" (cli/msg.c). */
extern const char *hfcli_prog;
/* NULL, or where hfcli_msg and hfcli_usage_error send the formatted
 * message (without the program's name) instead of stderr; usage says
 * which of the two it came from. */
extern void (*hfcli_msg_hook)(const char *text, int usage);

/* Prints "PROG: message" on stderr. */
void hfcli_msg(const char *fmt, ...) HF_PRINTF(1, 2);
/* Prints the message and returns HF_EXIT_USAGE, with a pointer to --help. */
int hfcli_usage_error(const char *fmt, ...) HF_PRINTF(1, 2);
/* Reports a library error and maps its code to an exit status. */
int hfcli_lib_error(const hf_error *err);

/* The verbs: each gets argv with argv[0] the verb name. */
int hfcli_cmd_eval(int argc, char **argv);
int hfcli_cmd_inspect(int argc, char **argv);
int hfcli_cmd_fit(int argc, char **argv);
int hfcli_cmd_cls(int argc, char **argv);
/* For tests only: how `hf cls` reads the one patch of a patchset file it
 * is given (--patch-name).  The command is hfcli_cls_seamed(argc, argv,
 * NULL): the patch read ahead of the file's check (hfcli_load). */
typedef struct hfcli_cls_seam {
    int no_ahead;           /* the file checked first, as the other verbs */
    const char *guess_name; /* read ahead this patch instead: a wrong guess,
                             * which no valid file gives */
} hfcli_cls_seam;
int hfcli_cls_seamed(int argc, char **argv, const hfcli_cls_seam *seam);
int hfcli_cmd_digest(int argc, char **argv);
int hfcli_cmd_patchset(int argc, char **argv);
int hfcli_cmd_sort(int argc, char **argv);
int hfcli_cmd_prune(int argc, char **argv);
int hfcli_cmd_rename(int argc, char **argv);
int hfcli_cmd_combine(int argc, char **argv);
int hfcli_cmd_signal(int argc, char **argv);
int hfcli_cmd_simplify(int argc, char **argv);
int hfcli_cmd_significance(int argc, char **argv);
/* `hf --cite`: BibTeX for hf, pyhf, HistFactory and the asymptotic
 * formulae on stdout (cite.c). */
int hfcli_cite(void);
/* `hf completions bash|zsh` (completions.c). */
int hfcli_cmd_completions(int argc, char **argv);
/* A verb or a subcommand: its name and what runs it (on argv from it). */
typedef struct hf_cli_sub {
    const char *name;
    int (*run)(int argc, char **argv);
} hf_cli_sub;
/* The one of subs[0..n) argv[1] names (subcmd.c); NULL with *rc after the
 * help (no argv[1]: on stderr, a usage error; -h or --help: on stdout) or
 * for another name ("unknown WHAT 'x' (the names)"). */
const hf_cli_sub *hfcli_sub_find(int argc, char **argv, const hf_cli_sub *subs,
                                 size_t n, const char *help, const char *what,
                                 int *rc);
/* Runs s on argv[1..] with messages read "PROG NAME: ...". */
int hfcli_sub_run(const hf_cli_sub *s, int argc, char **argv);
/* The i-th verb of the command's verb table, NULL past the last. */
const char *hfcli_verb_name(int i);
/* significance.c: the q0 hypotest of `hf cls --test-stat q0` printed as
 * p-values and significances (with a's --tail-probs, --stats, --explain,
 * --explain-pars, --asimov-out, --output-file); an HF_EXIT_* status. */
int hfcli_significance(const hf_model *m, const hf_fit_options *fo,
                        const hf_cli_args *a, double t_load);
/* Adds "p0_obs", "p0_exp", "Z_obs", "Z_exp" for these p-values to o. */
void hfcli_add_discovery(cJSON *o, double p0, const double p0_exp[5]);
/* `hf plot brazil|contour|pulls` (plot/, linked into the command only). */
int hfplot_cmd_plot(int argc, char **argv);
/* `hf cls WS PATCHSET` with no --patch-name: every patch (grid.c), with
 * the options `hf cls` parsed and its npos operands.  Returns -1, having
 * done nothing, for a command line that is not that. */
int hfcli_grid(const hf_cli_args *a, int npos, char **pos);
/* Whether `path` holds a pyhf patchset (an object) rather than a plain
 * patch: the first non-blank byte tells, without reading the whole file.
 * *ok, if ok is not NULL, says whether the file could be opened. */
int hfcli_is_patchset(const char *path, int *ok);
/* The lines of the grid (gridline.c), also written by hfscan: the start,
 * {"patch": name, "values": [...]} with patch i's values when ps is not
 * NULL, then the whole line (no '\n') with `it`'s CLs or its error, which
 * frees `o`.  *failed, if failed is not NULL, says whether the line is an
 * error.  NULL when out of memory. */
cJSON *hfcli_grid_head(const char *name, const hf_patchset *ps, int i);
char *hfcli_grid_line(cJSON *o, const hf_batch_item *it, int upper_limit,
                       int *failed);
/* The same for test statistic ts: for q0 the line holds "p0_obs",
 * "p0_exp", "Z_obs" and "Z_exp" in place of the CLs keys.  An item whose
 * explain was filled (hf_batch_options.explain) also gets "explain"
 * (full_hessian as hfcli_explain_json's). */
char *hfcli_grid_line_ts(cJSON *o, const hf_batch_item *it, int upper_limit,
                          hf_test_stat ts, int full_hessian, int *failed);
/* `hf cls --calctype toybased` (cls_toys.c): the toy hypotest on the
 * loaded model and its output; an HF_EXIT_* status. */
int hfcli_cls_toys(const hf_model *m, double mu, hf_test_stat ts, int ntoys,
                    unsigned long long seed, int threads, int tail_probs,
                    int stats, double t_load, const hf_fit_options *fo,
                    const char *outfile, const char *toys_out);
/* Prints a toy result (pyhf's keys, mc_error, dropped) to outfile/stdout. */
int hfcli_toys_emit(const hf_toys_result *r, hf_test_stat ts, int tail_probs,
                     const char *outfile);
/* toys_file.c: --toys-out FILE (every toy's q and what they are toys of)
 * and --merge FILE... (runs of other seeds of the same test combined). */
int hfcli_toys_write(const char *path, const hf_model *m, double mu,
                      hf_test_stat ts, unsigned long long seed, int ntoys,
                      double q_obs, const double *sb, const double *b);
int hfcli_toys_merge(int nfiles, char **files, int tail_probs,
                      const char *outfile);
/* A seed: the decimal digits of a number from 0 to 2^64 - 1 and nothing
 * else, into *seed; 1 if so, else 0. */
int hfcli_seed_parse(const char *text, unsigned long long *seed);
/* Parses --ntoys/--threads (a whole number >= 1 into *n) or, with n NULL,
 * --seed (into *seed); a usage error otherwise. */
int hfcli_toy_option(const char *opt, const char *text, int *n,
                      unsigned long long *seed);

/* Option parsing ------------------------------------------------------- */

/* Strict number parsing for option values; on failure reports a usage
 * error naming the option and returns HF_EXIT_USAGE. */
int hfcli_double(const char *opt, const char *text, double *out);
int hfcli_interp(const char *text, hf_model_options *mo);
/* code's name as --interp takes it ("code4p"), "?" for no code. */
const char *hfcli_interp_name(hf_interp code);
/* --optconf tolerance=X,maxiter=N into fo (maxiter: NLL+gradient
 * evaluations per fit); a usage error naming any other key. */
int hfcli_optconf(const char *text, hf_fit_options *fo);
/* The refusal of pyhf's --optimizer and --backend (opt names which). */
int hfcli_pyhf_only(const char *opt, const char *value);
/* Reports what getopt_long (run with opterr = 0 and a ':' optstring)
 * rejected: c is its return value, optopt_/optind_ its globals. */
int hfcli_getopt_error(int c, int optopt_, char **argv, int optind_);

/* Loading: workspace, patches, model ------------------------------------ */

/* What a verb needs to build its model: the workspace file, patch files
 * applied in order (each a plain RFC 6902 patch or a pyhf patchset),
 * --patch-name for the patchsets among them, and model options. */
typedef struct hf_cli_input {
    const char *ws_path;
    const char **patch_paths;  /* malloc'd by hfcli_input_init */
    int npatches;
    const char *patch_name;
    int no_verify;             /* --no-verify: skip the patchsets' digests */
    int ahead;                 /* a verb that calls hfcli_settle before it
                                * says or writes anything: see hfcli_load */
    const char *guess_name;    /* tests only (hfcli_cls_seamed): the patch
                                * read ahead instead of patch_name, a wrong
                                * guess; NULL in every command */
} hf_cli_input;

/* Fills `in` from what getopt left: argv[optind] is the workspace, an
 * optional argv[optind+1] the first patch, then the -p patches in order.
 * Returns an HF_EXIT_* status; free in->patch_paths afterwards. */
int hfcli_input_init(hf_cli_input *in, int argc, char **argv, int optind_,
                      const char **ps, int nps, const char *patch_name);

typedef struct hf_cli_loaded {
    hf_workspace *ws;
    hf_patch **plain;          /* plain patches we own */
    hf_patchset **sets;        /* patchsets we own (their patches are used) */
    const hf_patch **patches;  /* what is applied, in order */
    int npatches;
    int nslots;                /* length of plain[] and sets[] */
    hf_model *model;
    pthread_t dropper;         /* hfcli_drop_inputs' thread, when dropping */
    int dropping;
    struct hfcli_ahead *ahead; /* checks still running (load.c), or NULL */
    int drop_wanted;           /* hfcli_drop_inputs once settled */
    int redo;                  /* hfcli_settle built another model */
} hf_cli_loaded;

/* Loads everything and builds the model; returns an HF_EXIT_* status
 * after printing any message. `out` is always safe to release.
 * With in->ahead, one patch of a patchset file (--patch-name) may be read
 * ahead of the file's check, which then runs beside what the verb does
 * with the model: the verb must call hfcli_settle before it says or
 * writes anything. */
int hfcli_load(const hf_cli_input *in, const hf_model_options *mo,
                hf_cli_loaded *out);
/* hfcli_input_init and hfcli_load in one, for a verb that took the
 * patch files given with -p into ps[0..nps). */
int hfcli_load_args(int argc, char **argv, int optind_, const char **ps,
                     int nps, const char *patch_name, int no_verify,
                     const hf_model_options *mo, hf_cli_loaded *out);
/* pyhf's PatchSet.verify of patchset `ps` (from file `path`) against the
 * workspace, unless no_verify: an HF_EXIT_* status after any message,
 * which names --no-verify. */
int hfcli_verify(const hf_patchset *ps, const char *path,
                  const hf_workspace *ws, const char *ws_path, int no_verify);
/* "-" when standard input can hold the workspace of a verb given no
 * file, as pyhf reads it; NULL when it is a terminal. */
const char *hfcli_stdin_workspace(void);
/* Reads just the workspace ("-" is standard input). */
int hfcli_load_workspace(const char *path, hf_workspace **ws);
/* The verdict of the checks hfcli_load left running: an HF_EXIT_*
 * status after their message, exactly as hfcli_load would have said it
 * without reading ahead (HF_EXIT_OK at once when none are running).  With
 * l->redo set the model was built again (the patch read ahead was not the
 * one the check found): what was computed from the old one is void. */
int hfcli_settle(hf_cli_loaded *l);
void hfcli_release(hf_cli_loaded *l);
/* Lets go of what the model was built from (workspace, patch files):
 * left to the process's end, or under AddressSanitizer freed on a thread
 * of its own beside what the verb then does with the model.  After it,
 * only l->model may be used until hfcli_release (which joins). */
void hfcli_drop_inputs(hf_cli_loaded *l);
/* Whether the command frees what it read (workspace, patch files) before
 * it ends: only under AddressSanitizer or valgrind, whose leak checks
 * would report them (cli/load.c says why not otherwise). */
int hfcli_frees_inputs(void);

/* The options of a verb that builds one model (eval, fit, plot brazil,
 * plot pulls; plot contour takes the last two): --no-verify, --patch-name,
 * -p/--patch, --measurement and --interp, with the same getopt keys,
 * values and messages wherever they are taken. */
#define HF_CLI_PATCH_LONGOPTS                                         \
    {"no-verify", no_argument, NULL, HF_OPT_NO_VERIFY},               \
    {"patch-name", required_argument, NULL, HF_OPT_PATCH_NAME},       \
    {"patch", required_argument, NULL, HF_OPT_PATCH}
#define HF_CLI_MODEL_LONGOPTS                                         \
    {"measurement", required_argument, NULL, HF_OPT_MEASUREMENT},     \
    {"interp", required_argument, NULL, HF_OPT_INTERP}

typedef struct hf_cli_model_args {
    hf_model_options mo;       /* --measurement, --interp */
    const char *patch_name;    /* --patch-name */
    const char **extra;        /* -p FILE..., in order (room for argc) */
    int nextra;
    int no_verify;             /* --no-verify */
} hf_cli_model_args;

/* Defaults (hf_model_options_init) and room for argc -p files; an
 * HF_EXIT_* status.  hfcli_model_args_free releases it. */
int hfcli_model_args_init(hf_cli_model_args *ma, int argc);
void hfcli_model_args_free(hf_cli_model_args *ma);
/* The default case of a getopt_long loop (opterr = 0, a ':' optstring)
 * over those options and the verb's own: takes c (with optarg) when it is
 * one of those, else reports what getopt rejected (hfcli_getopt_error);
 * an HF_EXIT_* status. */
int hfcli_model_getopt(hf_cli_model_args *ma, int c, char **argv);
/* hfcli_load_args with those options' values. */
int hfcli_model_load(int argc, char **argv, int optind_,
                     const hf_cli_model_args *ma, hf_cli_loaded *l);

/* JSON output ----------------------------------------------------------- */

/* A number as Python's repr(float) writes it (shortest round-trip, "1.0",
 * "1e-05"), so our output diffs cleanly against pyhf's; non-finite values
 * give "null" since JSON has no NaN.  buf needs 32 bytes. */
void hfcli_json_number(char *buf, double x);

/* cJSON holds every number as a double; integers we want printed as such
 * (bin counts) are stored as raw text made by this. */
cJSON *hfcli_json_int(long v);

/* Serialises like Python's json.dumps(ensure_ascii=True): with indent > 0
 * and sort_keys as pyhf writes its files, with indent 0 on one line with
 * ", " and ": " separators.  Returns a malloc'd string or NULL. */
char *hfcli_json_dump(const cJSON *item, int indent, int sort_keys);

/* Emits a finished result: to stdout, or atomically to `path` (a temp
 * file in the same directory renamed over it) when path is not NULL.
 * Returns an HF_EXIT_* status. */
int hfcli_emit(const char *text, const char *path);
/* Emits a result object as one line of JSON (then frees nothing). */
int hfcli_emit_json(const cJSON *obj, const char *path);
/* Emits malloc'd text (NULL: out of memory, said) with a final newline,
 * as hfcli_emit; takes and frees text. */
int hfcli_emit_text_line(char *text, const char *path);

/* Event features for a model (features.c) ------------------------------ */

typedef struct hf_cli_events {
    size_t n;              /* events read (skipped ones not counted) */
    double *x;             /* n x F features, in the model's order */
    double *y;             /* n x K outputs (test vectors), or NULL */
    double *weight;        /* n weights (1 without a weight column) */
    const char **channel;  /* n channel names (into text), NULL entries
                              without a channel column */
    long *line;            /* each event's line (CSV) or index (raw) */
    int has_channel, has_weight;
    size_t skipped;        /* events with a NaN/inf feature, skipped */
    long first_skipped;    /* the first one's line or index */
    char *text;            /* the CSV file */
} hf_cli_events;

/* Reads EVENTS for model m: format "csv" (NULL), "f32" or "f64"; want_y
 * also reads the model's output columns (test vectors); skip skips
 * events with a non-finite feature instead of refusing the file.
 * Returns an HF_EXIT_* status after any message. */
int hfcli_events_read(const char *path, const hf_ml *m, const char *format,
                       int want_y, int skip, hf_cli_events *ev);
void hfcli_events_free(hf_cli_events *ev);
/* "PATH: N events skipped ..." when ev skipped any: the first one's CSV
 * line, or its event index when ev was read from raw rows (no text). */
void hfcli_events_skipped(const char *path, const hf_cli_events *ev);
int hfcli_cmd_score(int argc, char **argv);

/* The options of a published classifier, the same in `hf score` and `hf
 * signal --model` (score.c): --model, --preprocessing (NULL for
 * MODEL.prep.json when it exists), --model-format, --skip-nonfinite and
 * --threads. */
#define HF_CLI_ML_LONGOPTS                                                 \
    {"model", required_argument, NULL, HF_OPT_MODEL},                      \
    {"preprocessing", required_argument, NULL, HF_OPT_PREPROCESSING},      \
    {"model-format", required_argument, NULL, HF_OPT_MODEL_FORMAT},        \
    {"skip-nonfinite", no_argument, NULL, HF_OPT_SKIP_NONFINITE},          \
    {"threads", required_argument, NULL, HF_OPT_THREADS}
typedef struct hf_cli_ml_args {
    const char *model, *prep, *mformat;
    int skip, threads;
} hf_cli_ml_args;
/* The default case of a getopt_long loop over those options and the
 * verb's own, as hfcli_model_getopt. */
int hfcli_ml_getopt(hf_cli_ml_args *a, int c, char **argv);
/* Loads the model those options name; an HF_EXIT_* status. */
int hfcli_ml_load(const hf_cli_ml_args *a, hf_ml **m);
/* m's outputs for the events (ev->n x noutputs) into malloc'd *out; an
 * HF_EXIT_* status after any message. */
int hfcli_ml_scores(const hf_ml *m, const hf_cli_events *ev, double **out);

/* explain.c: the "explain" object of hf cls --explain (each fit's
 * parameters by name when with_pars), and the Asimov data as a JSON array
 * into a file (--asimov-out), nothing written on failure. */
/* With --explain or --asimov-out: a buffer for every fit's parameters and
 * the Asimov data, pointed to by ex (free *buf); an HF_EXIT_* status. */
int hfcli_explain_begin(const hf_model *m, hf_hypotest_explain *ex,
                        double **buf);
/* The end of such a test: "explain" added to out (--explain), the Asimov
 * file written (--asimov-out), then out emitted to a->outfile; nothing
 * left behind when either fails.  An HF_EXIT_* status. */
int hfcli_explain_emit(const hf_model *m, const hf_hypotest_explain *ex,
                       const hf_cli_args *a, cJSON *out);
/* Each fit's "hessian" says what its "converged" checked ("full", or "by
 * construction" for the Asimov free fit).  full_hessian: the options'
 * hf_fit_options.full_hessian, kept for the callers; it changes nothing
 * now that every fit checks the whole Hessian. */
cJSON *hfcli_explain_json(const hf_model *m, const hf_hypotest_explain *ex,
                           int with_pars, int full_hessian);
int hfcli_write_asimov(const char *path, const double *data, int n);

/* scan.c: `hf cls --scan START:STOP:N` */
int hfcli_parse_scan(const char *text, double *lo, double *hi, int *n);
int hfcli_cls_scan(const hf_model *m, double lo, double hi, int n, double cl,
                    hf_test_stat ts, int tail_probs, const hf_fit_options *fo,
                    const char *outfile);
/* Writes `text` to `path` atomically; fills err on failure. */
int hfcli_write_file(const char *path, const char *text, hf_error *err);
/* The same for n bytes of binary data (images). */
int hfcli_write_bytes(const char *path, const void *data, size_t n,
                       hf_error *err);

#endif
