/*
 * simplify.c - `hf simplify`: a simplified likelihood of a background-only
 * workspace (hf_workspace_simplify), written as pyhf writes a workspace.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help_text[] =
    "usage: hf simplify BkgOnly.json [-o OUT.json] [options]\n"
    "\n"
    "Fits the background-only workspace to its observed data and writes a\n"
    "simplified likelihood: per channel a sample \"Bkg\" holding the post-fit\n"
    "background, histosys modifiers carrying its uncertainty.  Channels,\n"
    "observations, the POI and lumi are kept, so the original signal\n"
    "patches apply to it (hfcls OUT.json patchset.json --no-verify ...).\n"
    "\n"
    "options:\n"
    "  -o, --output-file F  write there (atomically) instead of stdout\n"
    "  --method M           simplify (default): as the simplify tool, one\n"
    "                       histosys \"totalError\" shared by all bins with\n"
    "                       each bin's post-fit uncertainty;\n"
    "                       correlated: as linear, but all except the 50\n"
    "                       largest systematics folded into the eigenvectors\n"
    "                       of their pre-fit covariance (bin-to-bin\n"
    "                       correlations kept, \"totalError_eigK\");\n"
    "                       linear: the full model linearised at the best\n"
    "                       fit (pre-fit widths, free normfactors and\n"
    "                       staterrors kept, the data fitted again): the\n"
    "                       most faithful;\n"
    "                       postfit: the post-fit covariance of all bins,\n"
    "                       one histosys per significant eigenvector (the\n"
    "                       data then count twice; for comparison)\n"
    "  --exclude SAMPLE     leave SAMPLE out of \"Bkg\" (it is still\n"
    "                       fitted); repeatable\n"
    "  --fix PAR=VALUE      fix parameter set PAR to VALUE in the fit;\n"
    "                       repeatable\n"
    "  --keep-named N|all|none\n"
    "                       linear and correlated: how many normsys/histosys\n"
    "                       parameters, those of largest impact, stay\n"
    "                       histosys of their own name, shared with the\n"
    "                       signal patches' systematics (default: all for\n"
    "                       linear, 50 for correlated); the others are\n"
    "                       folded into eigenvectors\n"
    "  --no-pad             exactly one sample per channel (original patches\n"
    "                       that add at /channels/N/samples/K>1 then fail)\n"
    "  --measurement NAME   measurement to use (default: the first)\n"
    "  -h, --help           this help\n";

enum { O_METHOD = 256, O_EXCL, O_FIX, O_NOPAD, O_MEAS, O_KEEP };

/* hf simplify's options, and the arrays behind so's exclude and fix. */
typedef struct simp_args {
    hf_simplify_options so;
    const char *outfile;
    const char **excl, **fixn;
    char **fixbuf;
    double *fixv;
    int nexcl, nfix, keep_given;
} simp_args;

/* One option (getopt's c, its optarg) into a. */
static int simplify_option(int c, simp_args *a)
{
    int rc = HF_EXIT_OK;
    switch (c) {
    case O_METHOD:
        if (strcmp(optarg, "simplify") == 0)
            a->so.method = HF_SIMPLIFY_SIMPLIFY;
        else if (strcmp(optarg, "correlated") == 0)
            a->so.method = HF_SIMPLIFY_CORRELATED;
        else if (strcmp(optarg, "linear") == 0)
            a->so.method = HF_SIMPLIFY_LINEAR;
        else if (strcmp(optarg, "postfit") == 0)
            a->so.method = HF_SIMPLIFY_POSTFIT;
        else {
            return hfcli_usage_error("--method: unknown method '%s' "
                                      "(simplify, correlated, linear or "
                                      "postfit)",
                                      optarg);
        }
        break;
    case O_EXCL: a->excl[a->nexcl++] = optarg; break;
    case O_FIX: {
        const char *eq = strrchr(optarg, '=');
        if (!eq || eq == optarg) {
            return hfcli_usage_error("--fix: '%s' is not PAR=VALUE", optarg);
        }
        if ((rc = hfcli_double("--fix", eq + 1, &a->fixv[a->nfix])) !=
            HF_EXIT_OK)
            return rc;
        a->fixbuf[a->nfix] = strndup(optarg, (size_t)(eq - optarg));
        if (!a->fixbuf[a->nfix]) {
            hfcli_msg("out of memory");
            return HF_EXIT_INPUT;
        }
        a->fixn[a->nfix] = a->fixbuf[a->nfix];
        a->nfix++;
        break;
    }
    case O_NOPAD: a->so.no_pad = 1; break;
    case O_KEEP: {
        double v;
        a->keep_given = 1;
        if (strcmp(optarg, "all") == 0)
            a->so.keep_named = INT_MAX; /* 0 is correlated's default */
        else if (strcmp(optarg, "none") == 0)
            a->so.keep_named = -1;
        else if ((rc = hfcli_double("--keep-named", optarg, &v)) !=
                 HF_EXIT_OK)
            return rc;
        else if (v < 0 || v != (int)v || v > 1e9) {
            return hfcli_usage_error("--keep-named: '%s' is not a count, "
                                      "'all' or 'none'", optarg);
        } else
            a->so.keep_named = v == 0 ? -1 : (int)v;
        break;
    }
    case O_MEAS: a->so.measurement = optarg; break;
    }
    return rc;
}

/* The simplified workspace as pyhf and the simplify tool write one
 * (indent 4, sorted), ended by a newline. */
static int emit_workspace(const hf_workspace *out, const char *outfile)
{
    return hfcli_emit_text_line(hf_workspace_dump(out, 4), outfile);
}

/* The command line into *a and the workspace's path (a file, or NULL for
 * one piped into standard input); *help when --help was given. */
static int simplify_parse(int argc, char **argv, simp_args *a,
                          const char **ws_path, int *help)
{
    static const struct option longopts[] = {
        {"output-file", required_argument, NULL, 'o'},
        {"method", required_argument, NULL, O_METHOD},
        {"exclude", required_argument, NULL, O_EXCL},
        {"fix", required_argument, NULL, O_FIX},
        {"no-pad", no_argument, NULL, O_NOPAD},
        {"keep-named", required_argument, NULL, O_KEEP},
        {"measurement", required_argument, NULL, O_MEAS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = HF_EXIT_OK;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        if (c == 'h') {
            *help = 1;
            return HF_EXIT_OK;
        }
        if (c == 'o')
            a->outfile = optarg;
        else if (c < O_METHOD || c > O_KEEP)
            rc = hfcli_getopt_error(c, optopt, argv, optind);
        else
            rc = simplify_option(c, a);
        if (rc != HF_EXIT_OK)
            return rc;
    }
    *ws_path = optind == argc - 1 ? argv[optind] : hfcli_stdin_workspace();
    if (optind < argc - 1 || !*ws_path)
        return hfcli_usage_error(optind >= argc ? "a workspace is needed (a "
                                                  "file, or piped into "
                                                  "standard input)"
                                                : "one workspace only");
    if (a->keep_given && a->so.method != HF_SIMPLIFY_LINEAR &&
        a->so.method != HF_SIMPLIFY_CORRELATED)
        return hfcli_usage_error("--keep-named applies to --method linear "
                                  "and correlated only");
    a->so.exclude = a->excl;
    a->so.nexclude = a->nexcl;
    a->so.fix_names = a->fixn;
    a->so.fix_values = a->fixv;
    a->so.nfix = a->nfix;
    return HF_EXIT_OK;
}

int hfcli_cmd_simplify(int argc, char **argv)
{
    simp_args a = {0};
    hf_simplify_options_init(&a.so);
    size_t na = (size_t)argc + 1;
    a.excl = calloc(na, sizeof *a.excl);
    a.fixn = calloc(na, sizeof *a.fixn);
    a.fixbuf = calloc(na, sizeof *a.fixbuf);
    a.fixv = calloc(na, sizeof *a.fixv);
    int rc, help = 0;
    const char *ws_path = NULL;
    hf_workspace *ws = NULL, *out = NULL;
    if (!a.excl || !a.fixn || !a.fixbuf || !a.fixv) {
        hfcli_msg("out of memory");
        rc = HF_EXIT_INPUT;
        goto done;
    }
    rc = simplify_parse(argc, argv, &a, &ws_path, &help);
    if (rc != HF_EXIT_OK || help) {
        if (help)
            fputs(help_text, stdout);
        goto done;
    }
    if ((rc = hfcli_load_workspace(ws_path, &ws)) != HF_EXIT_OK)
        goto done;
    hf_error err = {0};
    if (hf_workspace_simplify(ws, &a.so, &out, &err) != HF_OK) {
        rc = hfcli_lib_error(&err);
        goto done;
    }
    rc = emit_workspace(out, a.outfile);
done:
    for (int i = 0; a.fixbuf && i < a.nfix; i++)
        free(a.fixbuf[i]);
    free(a.fixbuf);
    free(a.fixn);
    free(a.fixv);
    free(a.excl);
    hf_workspace_free(ws);
    hf_workspace_free(out);
    return rc;
}
