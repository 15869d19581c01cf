/*
 * main.c - the `hf` command: verb dispatch.
 *
 * Installed (or symlinked) under the name "hfcls" it behaves as `hf cls`,
 * the one verb most users want, so `hfcls WS.json patchset.json ...` works
 * as a command of its own.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: hf VERB [options] ...\n"
    "       hfcls WS.json [PATCH.json] [options]   (the same as hf cls)\n"
    "\n"
    "HistFactory JSON likelihoods with pyhf's semantics.\n"
    "\n"
    "verbs:\n"
    "  eval     log-likelihood and expected yields at given parameter values\n"
    "  inspect  summary of a workspace, as pyhf inspect prints it\n"
    "  fit      maximum-likelihood fit with parameter uncertainties\n"
    "  cls      asymptotic CLs at a POI value, and upper limits\n"
    "  significance  discovery p-value and significance (cls --test-stat q0)\n"
    "  completions   bash or zsh completion script\n"
    "  digest   workspace digests, as pyhf digest\n"
    "  patchset verify, inspect, extract, apply: as pyhf patchset\n"
    "  sort     the workspace sorted, as pyhf sort\n"
    "  prune    the workspace without named components, as pyhf prune\n"
    "  rename   the workspace with components renamed, as pyhf rename\n"
    "  combine  two workspaces combined, as pyhf combine\n"
    "  score    a published classifier (ONNX, TMVA, XGBoost) on event features\n"
    "  signal   a signal patch from event scores (recasting)\n"
    "  simplify a simplified likelihood of a background-only workspace\n"
    "  plot     brazil, contour or pulls plots as PNG, PDF or SVG\n"
    "\n"
    "options:\n"
    "  -h, --help  this help; hf VERB --help tells about a verb\n"
    "  --version   print the version\n"
    "  --cite      BibTeX for hf, pyhf, HistFactory and the asymptotic formulae\n"
    "\n"
    "Results are JSON on stdout; messages go to stderr.  Exit status: 0 ok,\n"
    "1 bad input, 2 bad command line, 3 a fit did not converge.\n";

static const hf_cli_sub verbs[] = {
    {"eval", hfcli_cmd_eval},
    {"inspect", hfcli_cmd_inspect},
    {"fit", hfcli_cmd_fit},
    {"cls", hfcli_cmd_cls},
    {"digest", hfcli_cmd_digest},
    {"patchset", hfcli_cmd_patchset},
    {"sort", hfcli_cmd_sort},
    {"prune", hfcli_cmd_prune},
    {"rename", hfcli_cmd_rename},
    {"combine", hfcli_cmd_combine},
    {"score", hfcli_cmd_score},
    {"signal", hfcli_cmd_signal},
    {"simplify", hfcli_cmd_simplify},
    {"plot", hfplot_cmd_plot},
    {"significance", hfcli_cmd_significance},
    {"completions", hfcli_cmd_completions},
};

const char *hfcli_verb_name(int i)
{
    return i >= 0 && (size_t)i < sizeof verbs / sizeof verbs[0]
               ? verbs[i].name : NULL;
}

/* The command builds its JSON results with cJSON calls whose failures
 * would silently drop a key; rather than check each, an allocation that
 * fails ends the command with a message (results are written only at the
 * end, atomically, so nothing partial is left). */
static void *malloc_or_die(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", hfcli_prog);
        _exit(HF_EXIT_INPUT);
    }
    return p;
}

int main(int argc, char **argv)
{
    cJSON_Hooks hooks = {malloc_or_die, free};
    cJSON_InitHooks(&hooks);
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    base = base ? base + 1 : argc > 0 ? argv[0] : "hf";
    if (strcmp(base, "hfcls") == 0) {
        hfcli_prog = "hfcls";
        if (argc == 2 && strcmp(argv[1], "--version") == 0) {
            printf("hfcls (hf) %s\n", HF_VERSION);
            return HF_EXIT_OK;
        }
        return hfcli_cmd_cls(argc, argv);
    }

    if (argc < 2) {
        fputs(usage, stderr);
        return HF_EXIT_USAGE;
    }
    const char *v = argv[1];
    if (strcmp(v, "-h") == 0 || strcmp(v, "--help") == 0 ||
        strcmp(v, "help") == 0) {
        fputs(usage, stdout);
        return HF_EXIT_OK;
    }
    if (strcmp(v, "--cite") == 0)
        return hfcli_cite();
    if (strcmp(v, "--version") == 0 || strcmp(v, "version") == 0) {
        printf("hf %s\n", HF_VERSION);
        return HF_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(v, verbs[i].name) == 0)
            return hfcli_sub_run(&verbs[i], argc, argv); /* "hf cls: ..." */
    }
    if (v[0] == '-')
        return hfcli_usage_error("unknown option '%s'", v);
    return hfcli_usage_error("unknown verb '%s' (verbs: eval, inspect, fit, "
                              "cls, digest, patchset, sort, prune, rename, "
                              "combine, plot, simplify, score, signal, significance, completions)", v);
}
