/*
 * options.h - the options of `hf cls` (with its grid mode and `hf
 * significance`) and `hf fit` as data: the parsers build getopt_long's
 * table from it and `hf completions` writes the shell completions from
 * it, so the two cannot disagree.
 */
#ifndef HF_CLI_OPTIONS_H
#define HF_CLI_OPTIONS_H

#include <getopt.h>

/* What getopt_long returns for each option (short ones return their
 * letter: 'p', 'h'). */
enum {
    O_PNAME = 256, O_MEAS, O_POI, O_TS, O_TAIL, O_UL, O_CL, O_OUT, O_STATS,
    O_CALC, O_NTOYS, O_SEED, O_THREADS, O_SCAN, O_EXPLAIN, O_EXPLAIN_PARS,
    O_ASIMOV_OUT, O_INTERP, O_OPTCONF, O_OPTIMIZER, O_BACKEND, O_FIX,
    O_VALUE
};

typedef struct hf_cli_option {
    const char *name;    /* long name, without "--" */
    int has_arg;         /* no_argument or required_argument */
    int id;              /* getopt_long's return value */
    /* what the value is, for completions: "FILE" (a path), a
     * space-separated list of the values accepted, or NULL (free text) */
    const char *values;
} hf_cli_option;

/* Terminated by an entry with name NULL. */
extern const hf_cli_option hf_cli_cls_options[];
extern const hf_cli_option hf_cli_fit_options[];

/* getopt_long's table for `o` into out, which holds HF_CLI_MAX_OPTIONS
 * entries (the last one zero). */
#define HF_CLI_MAX_OPTIONS 48
void hf_cli_getopt_table(const hf_cli_option *o, struct option *out);

#endif
