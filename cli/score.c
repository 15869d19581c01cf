/*
 * score.c - `hf score`: a published classifier (ONNX, TMVA BDT, XGBoost)
 * applied to event features, the scores written as CSV that `hf signal
 * --scores` reads; or, with --check, the model's outputs compared with
 * published test vectors.  Everything is computed in memory first: on any
 * error nothing is written.
 */
#include <math.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: hf score --model MODEL --features EVENTS [options] [--output SCORES.csv]\n"
    "       hf score --model MODEL --check TESTVECTORS.csv [--tolerance T]\n"
    "\n"
    "Evaluates a published classifier on event features and writes its scores as\n"
    "CSV (stdout by default): the channel and weight columns of EVENTS when it has\n"
    "them, then one column per model output (\"score\" for a single output), ready\n"
    "for `hf signal --scores`.\n"
    "\n"
    "MODEL is an ONNX network (.onnx), a TMVA BDT weight file (.xml) or an XGBoost\n"
    "model (.json, .ubj, binary).  EVENTS is CSV whose header names the model's\n"
    "features (a model that names none takes the columns other than channel and\n"
    "weight, in order), or raw little-endian rows with --format f32|f64.\n"
    "\n"
    "options:\n"
    "  --preprocessing P.json  feature names, offsets and scales of the model's\n"
    "                          inputs: {\"features\": [{\"name\": \"pt\", \"offset\": 0,\n"
    "                          \"scale\": 0.01}, ...], \"outputs\": [\"p_sig\"]}\n"
    "                          (default: MODEL's name ending .prep.json instead\n"
    "                          of its extension, when that file exists)\n"
    "  --model-format F        onnx, tmva or xgboost (default: from the file)\n"
    "  --format csv|f32|f64    EVENTS format (default: csv)\n"
    "  --skip-nonfinite        skip events with a NaN or infinite feature, counting\n"
    "                          them (default: refuse the file)\n"
    "  --threads N             threads (default: all cores)\n"
    "  --check VECTORS.csv     compare with published inputs and outputs (columns\n"
    "                          named as the features and outputs); prints the\n"
    "                          largest deviation, exit 1 beyond the tolerance\n"
    "  --tolerance T           relative tolerance of --check (absolute below 1e-6;\n"
    "                          default 1e-5)\n"
    "  -o, --output FILE       write the scores there instead of stdout\n"
    "  -h, --help              this help\n";

typedef struct score_args {
    hf_cli_ml_args ml;
    const char *features, *format, *check, *output;
    double tol;
} score_args;

/* The preprocessing file: given, else the model's name with its
 * extension replaced by .prep.json (mlp.onnx: mlp.prep.json) if it exists. */
static const char *prep_path(const char *model, const char *given, char *buf, size_t len)
{
    if (given)
        return given;
    const char *slash = strrchr(model, '/'), *dot = strrchr(model, '.');
    int stem = dot && (!slash || dot > slash) ? (int)(dot - model) : (int)strlen(model);
    if ((size_t)snprintf(buf, len, "%.*s.prep.json", stem, model) >= len)
        return NULL;
    FILE *f = fopen(buf, "r");
    if (!f)
        return NULL;
    fclose(f);
    return buf;
}

/* Takes c when it is one of those options: an HF_EXIT_* status, or -1
 * when c is another option. */
static int ml_option(hf_cli_ml_args *a, int c, const char *arg)
{
    switch (c) {
    case HF_OPT_MODEL: a->model = arg; return HF_EXIT_OK;
    case HF_OPT_PREPROCESSING: a->prep = arg; return HF_EXIT_OK;
    case HF_OPT_MODEL_FORMAT: a->mformat = arg; return HF_EXIT_OK;
    case HF_OPT_SKIP_NONFINITE: a->skip = 1; return HF_EXIT_OK;
    case HF_OPT_THREADS: return hfcli_toy_option("--threads", arg, &a->threads, NULL);
    default: return -1;
    }
}

int hfcli_ml_getopt(hf_cli_ml_args *a, int c, char **argv)
{
    int rc = ml_option(a, c, optarg);
    return rc >= 0 ? rc : hfcli_getopt_error(c, optopt, argv, optind);
}

int hfcli_ml_load(const hf_cli_ml_args *a, hf_ml **m)
{
    char buf[4096];
    hf_ml_options opt;
    hf_ml_options_init(&opt);
    opt.format = a->mformat;
    opt.preprocessing = prep_path(a->model, a->prep, buf, sizeof buf);
    opt.threads = a->threads;
    hf_error err = {0};
    if (hf_ml_load(a->model, &opt, m, &err))
        return hfcli_lib_error(&err);
    return HF_EXIT_OK;
}

int hfcli_ml_scores(const hf_ml *m, const hf_cli_events *ev, double **out)
{
    size_t K = (size_t)hf_ml_noutputs(m);
    hf_error err = {0};
    if (!(*out = malloc((ev->n * K + 1) * sizeof **out))) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    if (hf_ml_eval(m, ev->x, ev->n, *out, &err))
        return hfcli_lib_error(&err);
    return HF_EXIT_OK;
}

/* Appends printf output to a growing buffer; -1 when out of memory. */
static int put(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t l = strlen(s);
    if (*len + l + 1 > *cap) {
        size_t c = (*cap + l + 1) * 2;
        char *nb = realloc(*buf, c);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = c;
    }
    memcpy(*buf + *len, s, l + 1);
    *len += l;
    return 0;
}

static char *format_scores(const hf_ml *m, const hf_cli_events *ev, const double *out)
{
    int K = hf_ml_noutputs(m), bad = 0;
    char *buf = NULL, cell[64];
    size_t len = 0, cap = 0;
    if (ev->has_channel)
        bad |= put(&buf, &len, &cap, "channel,");
    if (ev->has_weight)
        bad |= put(&buf, &len, &cap, "weight,");
    for (int k = 0; k < K; k++) {
        bad |= put(&buf, &len, &cap, hf_ml_output_name(m, k));
        bad |= put(&buf, &len, &cap, k + 1 < K ? "," : "\n");
    }
    for (size_t i = 0; i < ev->n && !bad; i++) {
        if (ev->has_channel) {
            bad |= put(&buf, &len, &cap, ev->channel[i]);
            bad |= put(&buf, &len, &cap, ",");
        }
        if (ev->has_weight) {
            hfcore_json_py_float(cell, ev->weight[i]);
            bad |= put(&buf, &len, &cap, cell);
            bad |= put(&buf, &len, &cap, ",");
        }
        for (int k = 0; k < K; k++) {
            snprintf(cell, sizeof cell, "%.9g%s", out[i * (size_t)K + (size_t)k],
                     k + 1 < K ? "," : "\n");
            bad |= put(&buf, &len, &cap, cell);
        }
    }
    if (bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Largest deviation of out from the vectors' outputs; exit 1 past tol. */
static int check(const hf_ml *m, const hf_cli_events *ev, const double *out,
                 const score_args *a)
{
    int K = hf_ml_noutputs(m), worst_k = 0;
    double worst = -1;
    size_t worst_i = 0;
    for (size_t i = 0; i < ev->n * (size_t)K; i++) {
        double want = ev->y[i], d = fabs(out[i] - want) / fmax(fabs(want), 1e-6);
        if (d > worst) {
            worst = d;
            worst_i = i / (size_t)K;
            worst_k = (int)(i % (size_t)K);
        }
    }
    if (ev->n == 0) {
        hfcli_msg("%s: no test vectors", a->check);
        return HF_EXIT_INPUT;
    }
    size_t at = worst_i * (size_t)K + (size_t)worst_k;
    if (worst > a->tol) {
        hfcli_msg("%s:%ld: output '%s' is %.9g where the test vector says %.9g (relative "
                   "deviation %.3g > tolerance %g): the model does not reproduce its "
                   "published outputs", a->check, ev->line[worst_i],
                   hf_ml_output_name(m, worst_k), out[at], ev->y[at], worst, a->tol);
        return HF_EXIT_INPUT;
    }
    char text[512];
    snprintf(text, sizeof text,
             "{\"vectors\": %zu, \"max_deviation\": %.6g, \"line\": %ld, \"output\": \"%s\", "
             "\"tolerance\": %g}\n", ev->n, worst, ev->line[worst_i],
             hf_ml_output_name(m, worst_k), a->tol);
    return hfcli_emit(text, a->output);
}

static int run_score(const score_args *a)
{
    hf_ml *m = NULL;
    hf_cli_events ev;
    memset(&ev, 0, sizeof ev);
    double *out = NULL;
    char *text = NULL;
    const char *src = a->check ? a->check : a->features;
    int rc = hfcli_ml_load(&a->ml, &m);
    if (!rc)
        rc = hfcli_events_read(src, m, a->check ? "csv" : a->format, a->check != NULL,
                                a->ml.skip, &ev);
    if (!rc)
        rc = hfcli_ml_scores(m, &ev, &out);
    if (!rc && a->check)
        rc = check(m, &ev, out, a);
    else if (!rc && !(text = format_scores(m, &ev, out))) {
        hfcli_msg("out of memory");
        rc = HF_EXIT_INPUT;
    } else if (!rc)
        rc = hfcli_emit(text, a->output);
    if (!rc)
        hfcli_events_skipped(src, &ev);
    free(text);
    free(out);
    hfcli_events_free(&ev);
    hf_ml_free(m);
    return rc;
}

int hfcli_cmd_score(int argc, char **argv)
{
    enum { O_FEATURES = HF_OPT_VERB_FIRST, O_FORMAT, O_CHECK, O_TOL };
    static const struct option longopts[] = {
        HF_CLI_ML_LONGOPTS,
        {"features", required_argument, NULL, O_FEATURES},
        {"format", required_argument, NULL, O_FORMAT},
        {"check", required_argument, NULL, O_CHECK},
        {"tolerance", required_argument, NULL, O_TOL},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    score_args a = {.format = "csv", .tol = 1e-5};
    int c, rc;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return HF_EXIT_OK;
        case 'o': a.output = optarg; break;
        case O_FEATURES: a.features = optarg; break;
        case O_FORMAT: a.format = optarg; break;
        case O_CHECK: a.check = optarg; break;
        case O_TOL:
            if (hfcli_double("--tolerance", optarg, &a.tol))
                return HF_EXIT_USAGE;
            if (!(a.tol >= 0))
                return hfcli_usage_error("--tolerance must be >= 0");
            break;
        default:
            if ((rc = hfcli_ml_getopt(&a.ml, c, argv)) != HF_EXIT_OK)
                return rc;
        }
    }
    if (optind < argc)
        return hfcli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!a.ml.model || (!a.features == !a.check))
        return hfcli_usage_error("--model and one of --features or --check are required");
    if (strcmp(a.format, "csv") && strcmp(a.format, "f32") && strcmp(a.format, "f64"))
        return hfcli_usage_error("--format must be csv, f32 or f64, not '%s'", a.format);
    return run_score(&a);
}
