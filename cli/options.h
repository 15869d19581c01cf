/*
 * options.h - the options of `hf cls` (and `hfcls`), its grid mode and
 * `hfscan` (and `hf fit`, which shares some) as one table of data: their
 * names, values and help texts, from which the getopt tables, the --help
 * lists and `hf completions` are made, and the one parser that reads their
 * values (the same checks and messages in every command).
 */
#ifndef HF_CLI_OPTIONS_H
#define HF_CLI_OPTIONS_H

#include <stdio.h>

#include "hf.h"

/* The commands an option belongs to (hf_cli_option.cmds). */
enum {
    HF_CLI_CLS = 1,   /* hf cls / hfcls on one model */
    HF_CLI_GRID = 2,  /* hf cls WS.json PATCHSET.json: every patch */
    HF_CLI_SCAN = 4,  /* hfscan, the grid over MPI ranks */
    HF_CLI_FIT = 8    /* hf fit (its own parser, this table's getopt) */
};

/* getopt's value for each option: its short letter, one of these, or
 * HF_OPT_NO_VERIFY (cli.h: other verbs take it too). */
enum hf_cli_key {
    HF_OPT_PATCH_NAME = 256, HF_OPT_MEASUREMENT, HF_OPT_TEST_POI,
    HF_OPT_TEST_STAT, HF_OPT_TAIL_PROBS, HF_OPT_UPPER_LIMIT, HF_OPT_CL,
    HF_OPT_SCAN, HF_OPT_CALCTYPE, HF_OPT_NTOYS, HF_OPT_SEED, HF_OPT_THREADS,
    HF_OPT_EXPLAIN, HF_OPT_EXPLAIN_PARS, HF_OPT_ASIMOV_OUT, HF_OPT_STATS,
    HF_OPT_RESUME, HF_OPT_LIST, HF_OPT_CHUNK, HF_OPT_DISPATCH_ONLY,
    HF_OPT_INTERP, HF_OPT_OPTCONF, HF_OPT_OPTIMIZER, HF_OPT_BACKEND,
    HF_OPT_FIX_POI, HF_OPT_VALUE, HF_OPT_TOYS_OUT, HF_OPT_MERGE, HF_OPT_DATA,
    HF_OPT_FULL_HESSIAN,
    /* the options of a published classifier (cli.h), not in the table */
    HF_OPT_MODEL, HF_OPT_PREPROCESSING, HF_OPT_MODEL_FORMAT,
    HF_OPT_SKIP_NONFINITE,
    HF_OPT_VERB_FIRST, /* a verb's own options (getopt keys) start here */
    HF_OPT_OUTPUT_FILE = 'o', HF_OPT_PATCH = 'p', HF_OPT_HELP = 'h'
};

typedef struct hf_cli_option {
    const char *name;  /* long name, without "--" */
    int key;           /* enum hf_cli_key; a letter is also the short name */
    const char *arg;   /* the value's placeholder ("X", "FILE"); NULL: none */
    unsigned cmds;     /* HF_CLI_* the option belongs to */
    const char *help;  /* lines of help, '\n'-separated; NULL: described
                        * under another option (--ntoys under --calctype) */
    const char *values; /* for completions: "FILE" (a path), the values
                         * accepted, space-separated, or NULL (free text) */
} hf_cli_option;

/* The table, ended by an entry whose name is NULL.  A name may appear
 * twice, for different commands, when its help differs between them. */
extern const hf_cli_option hfcli_options[];

/* The values every command reads from those options. */
typedef struct hf_cli_args {
    unsigned long long seen;   /* a bit per option given (its row in the
                                * table), for the checks between options */
    int help;                  /* -h */
    const char *patch_name;    /* --patch-name */
    const char **extra;        /* -p FILE..., in order (caller's array,
                                * room for argc entries) */
    int nextra;
    hf_model_options mo;       /* --measurement, --interp */
    hf_fit_options fo;         /* --optconf */
    double test_poi;           /* --test-poi (1.0) */
    hf_test_stat ts;           /* --test-stat (qtilde) */
    double cl;                 /* --cl (0.95) */
    int tail_probs, upper_limit, stats, explain, explain_pars;
    const char *outfile;       /* --output-file */
    const char *asimov_out;    /* --asimov-out */
    const char *toys_out;      /* --toys-out */
    int merge;                 /* --merge: the arguments are toys files */
    int scan_n;                /* --scan START:STOP:N */
    double scan_lo, scan_hi;
    int toys;                  /* --calctype toybased */
    int ntoys;                 /* --ntoys (2000) */
    unsigned long long seed;   /* --seed (0) */
    int threads;               /* --threads (0: all cores) */
    int no_verify;             /* --no-verify */
    int resume, dispatch_only; /* hfscan: --resume, --dispatch-only */
    const char *list;          /* hfscan: --list FILE */
    int chunk;                 /* hfscan: --chunk N (0: from the sizes) */
} hf_cli_args;

/* Defaults, as pyhf's (hf_model_options_init, hf_fit_options_init). */
void hfcli_args_init(hf_cli_args *a);

/* Whether the long option `key` was given. */
int hfcli_given(const hf_cli_args *a, int key);

/* getopt_long over argv with the options of `cmds`, values checked and
 * stored in *a (stopping at the first error, with its message); leaves
 * optind at the first operand.  -h sets a->help and stops.  Returns an
 * HF_EXIT_* status. */
int hfcli_parse(unsigned cmds, int argc, char **argv, hf_cli_args *a);

/* getopt_long's table of the options of `cmds` into out, which holds
 * HF_CLI_MAX_OPTIONS entries (the last one zero). */
#define HF_CLI_MAX_OPTIONS 48
struct option;
void hfcli_getopt_table(unsigned cmds, struct option *out);

/* The "options:" lines of a --help for `cmds`: "  --name ARG", the help
 * from column 24 (on the next line when the name is too long for it). */
void hfcli_options_help(FILE *f, unsigned cmds);

#endif
