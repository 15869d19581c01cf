/*
 * options.c - the one table of the hypotest options (`hf cls`, its grid
 * mode, `hfscan`) and the parser all three use, so that an option means
 * the same, takes the same values and fails with the same message
 * wherever it is given.  Shell completions are generated from the table.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLS HF_CLI_CLS
#define GRID HF_CLI_GRID
#define SCAN HF_CLI_SCAN
#define FIT HF_CLI_FIT
#define INTERP_VALUES                                                       \
    "normsys=code0 normsys=code1 normsys=code2 normsys=code4 "             \
    "histosys=code0 histosys=code2 histosys=code4p"

/* In --help order.  Help lines after the first are indented under it. */
const hf_cli_option hfcli_options[] = {
    {"patch-name", HF_OPT_PATCH_NAME, "NAME", CLS | GRID | FIT,
     "the patch to apply when PATCH.json is a patchset", NULL},
    {"no-verify", HF_OPT_NO_VERIFY, NULL, CLS | GRID | SCAN | FIT,
     "apply a patchset whose digest is not that of the\n"
     "workspace (verified by default, as pyhf patchset\n"
     "apply does)", NULL},
    {"patch", HF_OPT_PATCH, "FILE", CLS | GRID | FIT,
     "a further patch (RFC 6902 or patchset); repeatable,\n"
     "applied in order after PATCH.json", "FILE"},
    {"output-file", HF_OPT_OUTPUT_FILE, "F", SCAN,
     "write the lines to F (appended as they come,\n"
     "rewritten in order at the end)", "FILE"},
    {"resume", HF_OPT_RESUME, NULL, SCAN,
     "take up an interrupted run: keep the finished\nlines already in F", NULL},
    {"list", HF_OPT_LIST, "FILE", SCAN, "more patch files, one path a line", "FILE"},
    {"measurement", HF_OPT_MEASUREMENT, "NAME", CLS | GRID | SCAN | FIT,
     "measurement to use (default: the first)", NULL},
    {"test-poi", HF_OPT_TEST_POI, "X", CLS | GRID | SCAN,
     "POI value tested (default 1.0)", NULL},
    {"test-stat", HF_OPT_TEST_STAT, "q|qtilde|q0", CLS | GRID | SCAN,
     "test statistic (default qtilde); q0 is discovery:\n"
     "the POI tested at 0 (as pyhf hypotest(0, ...,\n"
     "test_stat=\"q0\")), printing the p-value of the\n"
     "background-only hypothesis and its significance:\n"
     "{\"p0_obs\": x, \"p0_exp\": [5], \"Z_obs\": x,\n"
     " \"Z_exp\": [5]}, the expected band at mu = 1 in\n"
     "pyhf's order; Z = Phi^-1(1 - p0) (hf significance)", "qtilde q q0"},
    {"tail-probs", HF_OPT_TAIL_PROBS, NULL, CLS | GRID,
     "also print \"CLsb\" and \"CLb\" (q0: \"CLb\", as pyhf)", NULL},
    {"upper-limit", HF_OPT_UPPER_LIMIT, NULL, CLS | GRID | SCAN,
     "also print \"upper_limit\": {\"obs\": x, \"exp\": [5]}", NULL},
    {"cl", HF_OPT_CL, "X", CLS | GRID | SCAN,
     "confidence level of the upper limit (default 0.95)", NULL},
    {"scan", HF_OPT_SCAN, "START:STOP:N", CLS,
     "CLs at N POI values from START to STOP and the upper\n"
     "limits interpolated from them, as pyhf's\n"
     "linear_grid_scan: {\"scan\": [...], \"CLs_obs\": [...],\n"
     "\"CLs_exp\": [[5]...], \"upper_limit\": {...}}", NULL},
    {"output-file", HF_OPT_OUTPUT_FILE, "FILE", CLS | GRID | FIT,
     "write the JSON there instead of stdout", "FILE"},
    {"interp", HF_OPT_INTERP, "normsys=CODE,histosys=CODE", CLS | GRID | SCAN | FIT,
     "interpolation codes (pyhf's modifier_settings):\n"
     "normsys code0|code1|code2|code4 (default code4),\n"
     "histosys code0|code2|code4p (default code4p);\n"
     "ROOT's HistFactory default is code1/code0", INTERP_VALUES},
    {"optconf", HF_OPT_OPTCONF, "tolerance=X,maxiter=N", CLS | GRID | FIT,
     "the minimiser's relative tolerance on the NLL\n"
     "(default 1e-10) and its NLL+gradient evaluations\n"
     "per fit (default 1000 + 50 per parameter)", "tolerance= maxiter="},
    {"full-hessian", HF_OPT_FULL_HESSIAN, NULL, CLS | GRID | SCAN,
     "accepted for compatibility: every fit now checks\n"
     "the Hessian on all its free parameters, as\n"
     "`hf fit` does (the default)", NULL},
    {"optimizer", HF_OPT_OPTIMIZER, "NAME", CLS | FIT, NULL, NULL},
    {"backend", HF_OPT_BACKEND, "NAME", CLS | FIT, NULL, NULL},
    {"calctype", HF_OPT_CALCTYPE, "asymptotics|toybased", CLS,
     "calculator (default asymptotics); toybased: pyhf's\n"
     "ToyCalculator, with --ntoys N per hypothesis\n"
     "(default 2000), --seed S (default 0) and\n"
     "--threads N (default: all cores); the result\n"
     "depends on the seed, not on the thread count;\n"
     "the output adds \"mc_error\" (binomial errors of\n"
     "CLs_obs, CLsb, CLb), \"dropped\" (toys whose fits\n"
     "failed from every start) and, if any were,\n"
     "\"CLs_obs_interval\" (CLs_obs for any q of those)", "asymptotics toybased"},
    {"toys-out", HF_OPT_TOYS_OUT, "FILE", CLS,
     "toybased: also write every toy's q to FILE", "FILE"},
    {"merge", HF_OPT_MERGE, NULL, CLS,
     "toybased: the arguments are --toys-out files of\n"
     "runs with other seeds (same model, POI value, test\n"
     "statistic), combined into one result", NULL},
    {"ntoys", HF_OPT_NTOYS, "N", CLS, NULL, NULL},
    {"seed", HF_OPT_SEED, "S", CLS, NULL, NULL},
    {"threads", HF_OPT_THREADS, "N", CLS | GRID,
     "grid mode and toys: threads (default: all cores)", NULL},
    {"threads", HF_OPT_THREADS, "N", SCAN,
     "OpenMP threads per rank (default: OMP_NUM_THREADS)", NULL},
    {"chunk", HF_OPT_CHUNK, "N", SCAN,
     "patches per hand-out (default: from the sizes)", NULL},
    {"dispatch-only", HF_OPT_DISPATCH_ONLY, NULL, SCAN,
     "rank 0 hands out work and computes none", NULL},
    {"explain", HF_OPT_EXPLAIN, NULL, CLS | GRID,
     "also print \"explain\": every fit of the test\n"
     "(\"free\", \"fixed_poi\", \"bkg_only\", \"asimov_free\",\n"
     "\"asimov_fixed_poi\": twice_nll, poi, converged,\n"
     "hessian, nevals) and \"q_obs\", \"q_asimov\", to compare\n"
     "with pyhf fit by fit (in every line of a grid)", NULL},
    {"explain-pars", HF_OPT_EXPLAIN_PARS, NULL, CLS,
     "with --explain: each fit's parameters by name", NULL},
    {"asimov-out", HF_OPT_ASIMOV_OUT, "FILE", CLS,
     "write the Asimov data (main bins then auxdata, in\n"
     "pyhf's order) as a JSON array, for pyhf's\n"
     "model.logpdf at hf's points", "FILE"},
    {"stats", HF_OPT_STATS, NULL, CLS | GRID,
     "print evaluation counts and times on stderr", NULL},
    {"stats", HF_OPT_STATS, NULL, SCAN, "print the timing on stderr", NULL},
    {"fix-poi", HF_OPT_FIX_POI, "X", FIT, NULL, NULL},
    {"value", HF_OPT_VALUE, NULL, FIT, NULL, NULL},
    {"data", HF_OPT_DATA, "FILE", FIT, NULL, "FILE"},
    {"help", HF_OPT_HELP, NULL, CLS | GRID | SCAN | FIT, "this help", NULL},
    {NULL, 0, NULL, 0, NULL, NULL},
};

void hfcli_args_init(hf_cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->test_poi = 1.0;
    a->ts = HF_TEST_QMU_TILDE;
    a->cl = 0.95;
    a->ntoys = 2000;
    hf_model_options_init(&a->mo);
    hf_fit_options_init(&a->fo);
}

/* An option's bit in hf_cli_args.seen: the row of its first entry in the
 * table (fewer than 64 rows; test_options checks). */
static unsigned long long key_bit(int key)
{
    int b = 0;
    while (hfcli_options[b].name && hfcli_options[b].key != key)
        b++;
    return b < 64 ? 1ull << b : 0;
}

int hfcli_given(const hf_cli_args *a, int key)
{
    return (a->seen & key_bit(key)) != 0;
}

/* One option's value into *a.  The messages are those `hf cls` has always
 * given. */
static int take(int key, const char *v, hf_cli_args *a)
{
    switch (key) {
    case HF_OPT_PATCH: a->extra[a->nextra++] = v; return HF_EXIT_OK;
    case HF_OPT_PATCH_NAME: a->patch_name = v; return HF_EXIT_OK;
    case HF_OPT_MEASUREMENT: a->mo.measurement = v; return HF_EXIT_OK;
    case HF_OPT_INTERP: return hfcli_interp(v, &a->mo);
    case HF_OPT_OPTCONF: return hfcli_optconf(v, &a->fo);
    case HF_OPT_FULL_HESSIAN: a->fo.full_hessian = 1; return HF_EXIT_OK;
    case HF_OPT_OPTIMIZER: return hfcli_pyhf_only("--optimizer", v);
    case HF_OPT_BACKEND: return hfcli_pyhf_only("--backend", v);
    case HF_OPT_OUTPUT_FILE: a->outfile = v; return HF_EXIT_OK;
    case HF_OPT_ASIMOV_OUT: a->asimov_out = v; return HF_EXIT_OK;
    case HF_OPT_TOYS_OUT: a->toys_out = v; return HF_EXIT_OK;
    case HF_OPT_MERGE: a->merge = 1; return HF_EXIT_OK;
    case HF_OPT_LIST: a->list = v; return HF_EXIT_OK;
    case HF_OPT_TAIL_PROBS: a->tail_probs = 1; return HF_EXIT_OK;
    case HF_OPT_UPPER_LIMIT: a->upper_limit = 1; return HF_EXIT_OK;
    case HF_OPT_STATS: a->stats = 1; return HF_EXIT_OK;
    case HF_OPT_EXPLAIN: a->explain = 1; return HF_EXIT_OK;
    case HF_OPT_EXPLAIN_PARS: a->explain_pars = 1; return HF_EXIT_OK;
    case HF_OPT_RESUME: a->resume = 1; return HF_EXIT_OK;
    case HF_OPT_NO_VERIFY: a->no_verify = 1; return HF_EXIT_OK;
    case HF_OPT_DISPATCH_ONLY: a->dispatch_only = 1; return HF_EXIT_OK;
    case HF_OPT_SCAN:
        return hfcli_parse_scan(v, &a->scan_lo, &a->scan_hi, &a->scan_n);
    case HF_OPT_TEST_POI: return hfcli_double("--test-poi", v, &a->test_poi);
    case HF_OPT_CL: {
        int rc = hfcli_double("--cl", v, &a->cl);
        if (rc == HF_EXIT_OK && !(a->cl > 0 && a->cl < 1))
            rc = hfcli_usage_error("--cl: %s is not between 0 and 1", v);
        return rc;
    }
    case HF_OPT_TEST_STAT:
        if (strcmp(v, "qtilde") == 0)
            a->ts = HF_TEST_QMU_TILDE;
        else if (strcmp(v, "q") == 0)
            a->ts = HF_TEST_QMU;
        else if (strcmp(v, "q0") == 0)
            a->ts = HF_TEST_Q0;
        else
            return hfcli_usage_error("--test-stat: '%s' is not q, qtilde "
                                      "or q0", v);
        return HF_EXIT_OK;
    case HF_OPT_CALCTYPE:
        if (strcmp(v, "toybased") == 0)
            a->toys = 1;
        else if (strcmp(v, "asymptotics") != 0)
            return hfcli_usage_error("--calctype: '%s' is not asymptotics "
                                      "or toybased", v);
        return HF_EXIT_OK;
    case HF_OPT_NTOYS: return hfcli_toy_option("--ntoys", v, &a->ntoys, NULL);
    case HF_OPT_SEED: return hfcli_toy_option("--seed", v, NULL, &a->seed);
    case HF_OPT_THREADS:
        return hfcli_toy_option("--threads", v, &a->threads, NULL);
    case HF_OPT_CHUNK: return hfcli_toy_option("--chunk", v, &a->chunk, NULL);
    }
    return hfcli_usage_error("option %d: not in the table", key);
}

void hfcli_getopt_table(unsigned cmds, struct option *out)
{
    int n = 0;
    for (const hf_cli_option *o = hfcli_options;
         o->name && n < HF_CLI_MAX_OPTIONS - 1; o++)
        if (o->cmds & cmds)
            out[n++] = (struct option){o->name, o->arg ? required_argument
                                                       : no_argument,
                                       NULL, o->key};
    memset(&out[n], 0, sizeof out[n]);
}

/* getopt_long's tables for `cmds`: long options and "h p: o:" letters. */
static struct option *getopt_table(unsigned cmds, char *letters)
{
    size_t n = 0, k = 0, l = 0;
    for (const hf_cli_option *o = hfcli_options; o->name; o++)
        n++;
    struct option *t = calloc(n + 1, sizeof *t);
    if (!t)
        return NULL;
    letters[l++] = ':'; /* a missing value is ':', told apart from '?' */
    for (const hf_cli_option *o = hfcli_options; o->name; o++) {
        if (!(o->cmds & cmds))
            continue;
        t[k++] = (struct option){o->name, o->arg ? required_argument
                                                 : no_argument, NULL, o->key};
        if (o->key < 256) {
            letters[l++] = (char)o->key;
            if (o->arg)
                letters[l++] = ':';
        }
    }
    letters[l] = '\0';
    return t;
}

int hfcli_parse(unsigned cmds, int argc, char **argv, hf_cli_args *a)
{
    char letters[16];
    struct option *t = getopt_table(cmds, letters);
    if (!t) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    int c, rc = HF_EXIT_OK;
    opterr = 0;
    while (rc == HF_EXIT_OK &&
           (c = getopt_long(argc, argv, letters, t, NULL)) != -1) {
        if (c == HF_OPT_HELP) {
            a->help = 1;
            break;
        }
        if (c == ':' || c == '?') {
            rc = hfcli_getopt_error(c, optopt, argv, optind);
            break;
        }
        a->seen |= key_bit(c);
        rc = take(c, optarg, a);
    }
    free(t);
    return rc;
}

void hfcli_options_help(FILE *f, unsigned cmds)
{
    enum { COL = 21 }; /* the help starts 2 + COL characters in */
    for (const hf_cli_option *o = hfcli_options; o->name; o++) {
        if (!(o->cmds & cmds) || !o->help)
            continue;
        char left[64];
        snprintf(left, sizeof left, "%s%s--%s%s%s",
                 o->key < 256 ? (char[]){'-', (char)o->key, '\0'} : "",
                 o->key < 256 ? ", " : "", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        if (strlen(left) < COL)
            fprintf(f, "  %-*s", COL, left);
        else
            fprintf(f, "  %s\n%*s", left, COL + 2, "");
        for (const char *p = o->help; *p;) {
            size_t n = strcspn(p, "\n");
            fprintf(f, "%.*s\n", (int)n, p);
            p += n;
            if (*p == '\n' && *++p)
                fprintf(f, "%*s", COL + 2, "");
        }
    }
}
