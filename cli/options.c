/*
 * options.c - the option tables of hf cls and hf fit (options.h).
 */
#include <string.h>

#include "cli.h"
#include "options.h"

#define INTERP_VALUES                                                       \
    "normsys=code0 normsys=code1 normsys=code2 normsys=code4 "             \
    "histosys=code0 histosys=code2 histosys=code4p"

const hf_cli_option hf_cli_cls_options[] = {
    {"no-verify", no_argument, HF_OPT_NO_VERIFY, NULL},
    {"patch-name", required_argument, O_PNAME, NULL},
    {"patch", required_argument, 'p', "FILE"},
    {"measurement", required_argument, O_MEAS, NULL},
    {"test-poi", required_argument, O_POI, NULL},
    {"test-stat", required_argument, O_TS, "qtilde q q0"},
    {"tail-probs", no_argument, O_TAIL, NULL},
    {"upper-limit", no_argument, O_UL, NULL},
    {"cl", required_argument, O_CL, NULL},
    {"output-file", required_argument, O_OUT, "FILE"},
    {"stats", no_argument, O_STATS, NULL},
    {"calctype", required_argument, O_CALC, "asymptotics toybased"},
    {"ntoys", required_argument, O_NTOYS, NULL},
    {"seed", required_argument, O_SEED, NULL},
    {"threads", required_argument, O_THREADS, NULL},
    {"scan", required_argument, O_SCAN, NULL},
    {"explain", no_argument, O_EXPLAIN, NULL},
    {"explain-pars", no_argument, O_EXPLAIN_PARS, NULL},
    {"asimov-out", required_argument, O_ASIMOV_OUT, "FILE"},
    {"interp", required_argument, O_INTERP, INTERP_VALUES},
    {"optconf", required_argument, O_OPTCONF, "tolerance= maxiter="},
    {"optimizer", required_argument, O_OPTIMIZER, NULL},
    {"backend", required_argument, O_BACKEND, NULL},
    {"help", no_argument, 'h', NULL},
    {NULL, 0, 0, NULL},
};

const hf_cli_option hf_cli_fit_options[] = {
    {"fix-poi", required_argument, O_FIX, NULL},
    {"no-verify", no_argument, HF_OPT_NO_VERIFY, NULL},
    {"patch-name", required_argument, O_PNAME, NULL},
    {"patch", required_argument, 'p', "FILE"},
    {"measurement", required_argument, O_MEAS, NULL},
    {"output-file", required_argument, O_OUT, "FILE"},
    {"value", no_argument, O_VALUE, NULL},
    {"interp", required_argument, O_INTERP, INTERP_VALUES},
    {"optconf", required_argument, O_OPTCONF, "tolerance= maxiter="},
    {"optimizer", required_argument, O_OPTIMIZER, NULL},
    {"backend", required_argument, O_BACKEND, NULL},
    {"help", no_argument, 'h', NULL},
    {NULL, 0, 0, NULL},
};

void hf_cli_getopt_table(const hf_cli_option *o, struct option *out)
{
    int n = 0;
    for (; o[n].name && n < HF_CLI_MAX_OPTIONS - 1; n++)
        out[n] = (struct option){o[n].name, o[n].has_arg, NULL, o[n].id};
    memset(&out[n], 0, sizeof out[n]);
}
