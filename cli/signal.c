/*
 * signal.c - `hf signal`: a signal patch from event scores.
 *
 * Events (channel, score, weight) are histogrammed into the bins a binning
 * file gives each signal-region channel; the patch adds a sample with the
 * summed weights, a normfactor POI, optionally lumi, and a staterror with
 * sqrt(sum w^2).  Everything is checked and built in memory first: on any
 * error nothing is written.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: hf signal --workspace WS.json --scores EVENTS --binning BINNING.json\n"
    "                 [options] [-o PATCH.json]\n"
    "       hf signal --workspace WS.json --model MODEL --features EVENTS\n"
    "                 --binning BINNING.json [options] [-o PATCH.json]\n"
    "\n"
    "Histograms signal events into the signal-region bins and writes an\n"
    "RFC 6902 patch adding the signal sample to each channel of the binning.\n"
    "\n"
    "EVENTS is CSV with a header naming the columns channel, score and\n"
    "(optionally) weight, default 1; or, with --format f64 --channel NAME,\n"
    "raw little-endian float64 (score, weight) pairs.  BINNING.json maps each\n"
    "channel to its bin edges, {\"SR\": [e0, ..., eN]}, bins [e_i, e_i+1).\n"
    "\n"
    "options:\n"
    "  --poi NAME           the signal's normfactor (default: the measurement's\n"
    "                       POI, else mu_SIG)\n"
    "  --lumi               add a lumi modifier\n"
    "  --no-staterror       no staterror modifier (default: staterror_<channel>\n"
    "                       with sqrt(sum w^2) per bin)\n"
    "  --sample NAME        sample name (default: signal)\n"
    "  --format csv|f64     events format (default: csv)\n"
    "  --channel NAME       only this channel (required with --format f64)\n"
    "  -o, --output-file F  write the patch there instead of stdout\n"
    "\n"
    "With --model, the scores are a published classifier's (see hf score) on the\n"
    "event features in EVENTS (CSV whose header names the features, with optional\n"
    "channel and weight columns; or --format f32|f64 raw rows with --channel):\n"
    "  --model MODEL        ONNX, TMVA BDT (.xml) or XGBoost model\n"
    "  --features EVENTS    the events' features (instead of --scores)\n"
    "  --preprocessing P    feature names, offsets and scales (see hf score)\n"
    "  --model-format F     onnx, tmva or xgboost (default: from the file)\n"
    "  --output-index K     the model output that is binned (needed when it has\n"
    "                       several)\n"
    "  --skip-nonfinite     skip events with a NaN/inf feature, counting them\n"
    "  --threads N          threads for the model (default: all cores)\n"
    "  -h, --help           this help\n"
    "\n"
    "Counts of events outside every bin or in channels without binning are\n"
    "reported on stderr.\n";

typedef struct counts {
    size_t total, outside, unknown;
    char unknown_name[256]; /* the first unknown channel seen */
} counts;

/* Strict number: the whole field, finite. */
static int field_double(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Splits a CSV line (no quoting: channel names and numbers have no commas)
 * into at most max fields; returns the count. */
static int split(char *line, const char **f, size_t *len, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        /* trim spaces */
        while (l && (*p == ' ' || *p == '\t')) {
            p++;
            l--;
        }
        while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
            l--;
        if (n < max) {
            f[n] = p;
            len[n] = l;
        }
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

/* Where the score file's columns are (-1: absent) and how many it has. */
typedef struct csv_cols {
    int ic, is, iw, ncol;
} csv_cols;

/* The header line's columns; an HF_EXIT_* status (the message said). */
static int csv_header(const char *path, long lineno, const char **f,
                      const size_t *fl, int nf, csv_cols *c)
{
    c->ncol = nf;
    for (int i = 0; i < nf && i < 64; i++) {
        if (fl[i] == 7 && !strncmp(f[i], "channel", 7))
            c->ic = i;
        else if (fl[i] == 5 && !strncmp(f[i], "score", 5))
            c->is = i;
        else if (fl[i] == 6 && !strncmp(f[i], "weight", 6))
            c->iw = i;
    }
    if (c->ic >= 0 && c->is >= 0)
        return HF_EXIT_OK;
    hfcli_msg("%s:%ld: the header must name the columns channel and score "
               "(and optionally weight), e.g. 'channel,score,weight'",
               path, lineno);
    return HF_EXIT_INPUT;
}

/* One event's row into the histograms (or the counts of events outside
 * them); an HF_EXIT_* status (the message said). */
static int csv_row(const char *path, long lineno, const char **f,
                   const size_t *fl, int nf, const csv_cols *cc,
                   const hf_binning *b, int only, double *sumw, double *sumw2,
                   const int *off, counts *cnt)
{
    double s, w = 1.0;
    if (nf != cc->ncol) {
        hfcli_msg("%s:%ld: %d fields where the header has %d", path, lineno, nf,
                   cc->ncol);
        return HF_EXIT_INPUT;
    }
    if (field_double(f[cc->is], fl[cc->is], &s)) {
        hfcli_msg("%s:%ld: score '%.*s' is not a finite number", path, lineno,
                   (int)(fl[cc->is] < 40 ? fl[cc->is] : 40), f[cc->is]);
        return HF_EXIT_INPUT;
    }
    if (cc->iw >= 0 && field_double(f[cc->iw], fl[cc->iw], &w)) {
        hfcli_msg("%s:%ld: weight '%.*s' is not a finite number", path, lineno,
                   (int)(fl[cc->iw] < 40 ? fl[cc->iw] : 40), f[cc->iw]);
        return HF_EXIT_INPUT;
    }
    cnt->total++;
    size_t nl = fl[cc->ic];
    char small[256], *name = small;
    if (nl >= sizeof small && !(name = malloc(nl + 1))) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    memcpy(name, f[cc->ic], nl);
    name[nl] = '\0';
    int c = hf_binning_find(b, name);
    if (c < 0 || (only >= 0 && c != only)) {
        if (!cnt->unknown++)
            snprintf(cnt->unknown_name, sizeof cnt->unknown_name, "%s", name);
    } else {
        int j = hf_binning_bin(b, c, s);
        if (j < 0) {
            cnt->outside++;
        } else {
            int o = off[only >= 0 ? 0 : c];
            sumw[o + j] += w;
            sumw2[o + j] += w * w;
        }
    }
    if (name != small)
        free(name);
    return HF_EXIT_OK;
}

static int read_csv(const char *path, const hf_binning *b, int only,
                    double *sumw, double *sumw2, const int *off, counts *cnt)
{
    char *text = NULL;
    hf_error err = {0};
    if (hfcore_file_read(path, &text, NULL, &err))
        return hfcli_lib_error(&err);
    int rc = HF_EXIT_OK;
    csv_cols cc = {-1, -1, -1, 0};
    long lineno = 0;
    char *p = text;
    for (char *next; p && rc == HF_EXIT_OK; p = next) {
        char *nl = strchr(p, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        size_t L = strlen(p);
        if (L && p[L - 1] == '\r')
            p[--L] = '\0';
        const char *f[64];
        size_t fl[64];
        int nf = L ? split(p, f, fl, 64) : 0;
        if (nf == 0)
            continue; /* blank line */
        if (cc.ic < 0 && cc.is < 0)
            rc = csv_header(path, lineno, f, fl, nf, &cc);
        else
            rc = csv_row(path, lineno, f, fl, nf, &cc, b, only, sumw, sumw2,
                         off, cnt);
    }
    if (rc == HF_EXIT_OK && cc.ic < 0) {
        hfcli_msg("%s: no header line (expected e.g. 'channel,score,weight')", path);
        rc = HF_EXIT_INPUT;
    }
    free(text);
    return rc;
}

static int read_f64(const char *path, const hf_binning *b, int c, double *sumw,
                    double *sumw2, counts *cnt)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        hfcli_msg("%s: cannot open: %s", path, strerror(errno));
        return HF_EXIT_INPUT;
    }
    /* little-endian on disk; swap on a big-endian host */
    const uint16_t one = 1;
    int swap = *(const unsigned char *)&one == 0;
    double buf[2 * 4096];
    size_t carry = 0, pos = 0;
    int rc = HF_EXIT_OK;
    for (;;) {
        size_t got = fread((char *)buf + carry, 1, sizeof buf - carry, fp);
        size_t have = carry + got;
        size_t n = have / 16;
        if (swap)
            for (size_t i = 0; i < 2 * n; i++) {
                unsigned char *x = (unsigned char *)&buf[i];
                for (int k = 0; k < 4; k++) {
                    unsigned char t = x[k];
                    x[k] = x[7 - k];
                    x[7 - k] = t;
                }
            }
        for (size_t i = 0; i < n; i++) {
            double s = buf[2 * i], w = buf[2 * i + 1];
            if (!isfinite(s) || !isfinite(w)) {
                hfcli_msg("%s: event %zu (byte offset %zu): score %g, weight %g: not finite",
                           path, pos + i, (pos + i) * 16, s, w);
                rc = HF_EXIT_INPUT;
                goto done;
            }
        }
        cnt->total += n;
        cnt->outside += hf_binning_fill(b, c, buf, buf + 1, 2, n, sumw, sumw2);
        pos += n;
        carry = have - 16 * n;
        if (carry)
            memmove(buf, (char *)buf + 16 * n, carry);
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        hfcli_msg("%s: read error", path);
        rc = HF_EXIT_INPUT;
    } else if (carry) {
        hfcli_msg("%s: %zu bytes: not a whole number of (score, weight) float64 pairs "
                   "(16 bytes each)",
                   path, pos * 16 + carry);
        rc = HF_EXIT_INPUT;
    }
done:
    fclose(fp);
    return rc;
}

/* What --model brings. */
typedef struct model_args {
    hf_cli_ml_args ml;
    const char *format;
    int index;
} model_args;

/* Event i's channel index in the binning, -1 when it has no bins. */
static int event_channel(const hf_cli_events *ev, size_t i, const hf_binning *b, int only)
{
    if (!ev->channel[i])
        return only >= 0 ? only : 0;
    int c = hf_binning_find(b, ev->channel[i]);
    return only >= 0 && c != only ? -1 : c;
}

/* The model's scores of the events, histogrammed as read_csv does. */
static int fill_scores(const hf_cli_events *ev, const double *out, int K, int k,
                       const hf_binning *b, int only, double *sumw, double *sumw2,
                       const int *off, counts *cnt)
{
    for (size_t i = 0; i < ev->n; i++) {
        cnt->total++;
        int c = event_channel(ev, i, b, only);
        if (c < 0) {
            if (!cnt->unknown++)
                snprintf(cnt->unknown_name, sizeof cnt->unknown_name, "%s", ev->channel[i]);
            continue;
        }
        int j = hf_binning_bin(b, c, out[i * (size_t)K + (size_t)k]);
        if (j < 0) {
            cnt->outside++;
            continue;
        }
        double w = ev->weight[i];
        sumw[off[only >= 0 ? 0 : c] + j] += w;
        sumw2[off[only >= 0 ? 0 : c] + j] += w * w;
    }
    return HF_EXIT_OK;
}

static int read_model(const model_args *ma, const char *path, const hf_binning *b, int only,
                      double *sumw, double *sumw2, const int *off, counts *cnt)
{
    hf_ml *m = NULL;
    hf_cli_events ev;
    memset(&ev, 0, sizeof ev);
    double *out = NULL;
    int rc = hfcli_ml_load(&ma->ml, &m);
    int K = m ? hf_ml_noutputs(m) : 0, k = ma->index < 0 && K == 1 ? 0 : ma->index;
    if (!rc && (k < 0 || k >= K)) {
        hfcli_msg("%s: the model has %d outputs: choose the one to bin with --output-index "
                   "0..%d", ma->ml.model, K, K - 1);
        rc = HF_EXIT_USAGE;
    }
    if (!rc)
        rc = hfcli_events_read(path, m, ma->format, 0, ma->ml.skip, &ev);
    if (!rc && !ev.has_channel && only < 0 && hf_binning_nchannels(b) != 1) {
        hfcli_msg("%s: no channel column and the binning has %d channels: give --channel "
                   "NAME", path, hf_binning_nchannels(b));
        rc = HF_EXIT_INPUT;
    }
    if (!rc)
        rc = hfcli_ml_scores(m, &ev, &out);
    if (!rc)
        rc = fill_scores(&ev, out, K, k, b, only, sumw, sumw2, off, cnt);
    if (!rc)
        hfcli_events_skipped(path, &ev);
    free(out);
    hfcli_events_free(&ev);
    hf_ml_free(m);
    return rc;
}

/* The command line of hf signal. */
typedef struct signal_args {
    const char *wsp, *scores, *binp, *outfile, *channel, *format, *features;
    hf_signal_spec spec;
    model_args ma;
    int f64;
} signal_args;

/* Parses argv into a; returns HF_EXIT_OK to go on, -1 after --help, else
 * the exit status of a usage error. */
/* What the options say together: scores or a model with features, the
 * workspace (or one piped in), the binning, and the input format. */
static int signal_args_check(signal_args *a)
{
    if (!a->ma.ml.model != !a->features)
        return hfcli_usage_error("--model and --features go together");
    if (a->features && a->scores)
        return hfcli_usage_error("--scores or --model with --features, not both");
    if (a->features)
        a->scores = a->features;
    if (!a->wsp && a->scores && strcmp(a->scores, "-") != 0)
        a->wsp = hfcli_stdin_workspace(); /* as pyhf: a piped workspace */
    if (!a->wsp || !a->scores || !a->binp)
        return hfcli_usage_error("--workspace (or a workspace on standard "
                                  "input), --scores (or --model and "
                                  "--features) and --binning are required");
    a->ma.format = a->format;
    if (!strcmp(a->format, "f64"))
        a->f64 = 1;
    else if (strcmp(a->format, "csv") && !(a->ma.ml.model && !strcmp(a->format, "f32")))
        return hfcli_usage_error("--format must be csv or f64 (or f32 with --model), not "
                                  "'%s'", a->format);
    if (a->f64 && !a->channel && !a->ma.ml.model)
        return hfcli_usage_error("--format f64 needs --channel NAME");
    return HF_EXIT_OK;
}

static int signal_args_parse(int argc, char **argv, signal_args *a)
{
    enum { O_WS = HF_OPT_VERB_FIRST, O_SCORES, O_BINNING, O_POI, O_LUMI, O_NOSTAT,
           O_SAMPLE, O_FORMAT, O_CHANNEL, O_FEATURES, O_INDEX };
    static const struct option longopts[] = {
        {"workspace", required_argument, NULL, O_WS},
        {"scores", required_argument, NULL, O_SCORES},
        {"binning", required_argument, NULL, O_BINNING},
        {"poi", required_argument, NULL, O_POI},
        {"lumi", no_argument, NULL, O_LUMI},
        {"no-staterror", no_argument, NULL, O_NOSTAT},
        {"sample", required_argument, NULL, O_SAMPLE},
        {"format", required_argument, NULL, O_FORMAT},
        {"channel", required_argument, NULL, O_CHANNEL},
        HF_CLI_ML_LONGOPTS,
        {"features", required_argument, NULL, O_FEATURES},
        {"output-index", required_argument, NULL, O_INDEX},
        {"output-file", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hf_signal_spec_init(&a->spec);
    a->spec.staterror = 1;
    a->ma = (model_args){.index = -1};
    a->format = "csv";
    double idx;
    int c, rc;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return -1;
        case 'o': a->outfile = optarg; break;
        case O_WS: a->wsp = optarg; break;
        case O_SCORES: a->scores = optarg; break;
        case O_BINNING: a->binp = optarg; break;
        case O_POI: a->spec.poi = optarg; break;
        case O_LUMI: a->spec.lumi = 1; break;
        case O_NOSTAT: a->spec.staterror = 0; break;
        case O_SAMPLE: a->spec.sample = optarg; break;
        case O_FORMAT: a->format = optarg; break;
        case O_CHANNEL: a->channel = optarg; break;
        case O_FEATURES: a->features = optarg; break;
        case O_INDEX:
            if (hfcli_double("--output-index", optarg, &idx))
                return HF_EXIT_USAGE;
            if (idx < 0 || idx > 1e6 || idx != floor(idx))
                return hfcli_usage_error("--output-index must be a whole number >= 0");
            a->ma.index = (int)idx;
            break;
        default:
            if ((rc = hfcli_ml_getopt(&a->ma.ml, c, argv)) != HF_EXIT_OK)
                return rc;
        }
    }
    if (optind < argc)
        return hfcli_usage_error("unexpected argument '%s'", argv[optind]);
    return signal_args_check(a);
}

/* Bins of workspace channel `name`, or -1 when ws has no such channel. */
static int ws_channel_nbins(const hf_workspace *ws, const char *name)
{
    int want = -1;
    const cJSON *ch;
    cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(ws->root, "channels")) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(ch, "name");
        if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
            want = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ch, "samples"), 0),
                "data"));
    }
    return want;
}

/* Every binned channel (only that one when only >= 0) must be a workspace
 * channel with that many bins: their names, offsets and the bin total. */
static int signal_channels(const signal_args *a, const hf_workspace *ws, const hf_binning *b,
                           int only, int nch, const char **names, int *off, int *nbins)
{
    *nbins = 0;
    for (int i = 0; i < nch; i++) {
        int bi = only >= 0 ? only : i;
        names[i] = hf_binning_channel(b, bi);
        off[i] = *nbins;
        int want = ws_channel_nbins(ws, names[i]);
        if (want < 0) {
            hfcli_msg("%s: channel '%s' is not a channel of %s", a->binp, names[i], a->wsp);
            return HF_EXIT_INPUT;
        }
        if (want != hf_binning_nbins(b, bi)) {
            hfcli_msg("%s: channel '%s' has %d bins (%d edges) but has %d bins in %s", a->binp,
                       names[i], hf_binning_nbins(b, bi), hf_binning_nbins(b, bi) + 1, want,
                       a->wsp);
            return HF_EXIT_INPUT;
        }
        *nbins += want;
    }
    return HF_EXIT_OK;
}

/* Weights that are finite one by one may still overflow in the sums. */
static int check_sums(const char *scores, const char *const *names, const int *off, int nch,
                      const double *sumw, const double *unc, int nbins)
{
    for (int i = 0, k = 0; i < nbins; i++) {
        while (k + 1 < nch && off[k + 1] <= i)
            k++;
        if (!isfinite(sumw[i]) || !isfinite(unc[i])) {
            hfcli_msg("%s: channel '%s' bin %d: the sum of the weights is %g and "
                       "sqrt(sum w^2) is %g: not finite", scores, names[k], i - off[k],
                       sumw[i], unc[i]);
            return HF_EXIT_INPUT;
        }
    }
    return HF_EXIT_OK;
}

/* pyhf takes the POI from the measurement, which a patch of the channels
 * cannot change: say so rather than let hfcls fail later. */
static void warn_poi(const hf_workspace *ws, const char *poi)
{
    const cJSON *m0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ws->root,
                                                                          "measurements"), 0);
    const cJSON *mp = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(m0, "config"), "poi");
    if (cJSON_IsString(mp) && strcmp(mp->valuestring, poi) != 0)
        hfcli_msg("warning: the measurement's POI is '%s', not '%s': models built "
                   "from this patch test '%s'",
                   mp->valuestring, poi, mp->valuestring);
}

/* The patch text, ended by a newline, to outfile or stdout. */
static int emit_patch(char **text, const char *outfile)
{
    size_t tl = strlen(*text);
    char *t2 = realloc(*text, tl + 2);
    if (!t2) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    *text = t2;
    memcpy(t2 + tl, "\n", 2);
    return hfcli_emit(t2, outfile);
}

/* The signal's histograms (from scores, or a model and its features),
 * their sanity, and the patch written out with the events' summary. */
static int signal_fill_emit(signal_args *a, const hf_workspace *ws,
                            const hf_binning *b, int only, int nch,
                            const char **names, int *off, int nbins)
{
    hf_error err = {0};
    char *text = NULL;
    counts cnt;
    memset(&cnt, 0, sizeof cnt);
    int rc;
    double *sumw = calloc((size_t)nbins, sizeof *sumw);
    double *sumw2 = calloc((size_t)nbins, sizeof *sumw2);
    double *unc = calloc((size_t)nbins, sizeof *unc);
    if (!sumw || !sumw2 || !unc) {
        hfcli_msg("out of memory");
        rc = HF_EXIT_INPUT;
        goto out;
    }
    rc = a->ma.ml.model ? read_model(&a->ma, a->scores, b, only, sumw, sumw2, off, &cnt)
         : a->f64    ? read_f64(a->scores, b, only, sumw, sumw2, &cnt)
                    : read_csv(a->scores, b, only, sumw, sumw2, off, &cnt);
    if (rc != HF_EXIT_OK)
        goto out;
    for (int i = 0; i < nbins; i++)
        unc[i] = sqrt(sumw2[i]);
    if ((rc = check_sums(a->scores, names, off, nch, sumw, unc, nbins)) != HF_EXIT_OK)
        goto out;
    a->spec.channels = names;
    a->spec.nchannels = nch;
    if (a->spec.poi)
        warn_poi(ws, a->spec.poi);
    if (hf_signal_patch(ws, &a->spec, sumw, unc, &text, &err)) {
        rc = hfcli_lib_error(&err);
        goto out;
    }
    rc = emit_patch(&text, a->outfile);
    if (rc == HF_EXIT_OK) {
        hfcli_msg("%zu events: %zu in bins, %zu outside every bin, %zu in channels "
                   "without bins%s%s%s",
                   cnt.total, cnt.total - cnt.outside - cnt.unknown, cnt.outside, cnt.unknown,
                   cnt.unknown ? " (first: '" : "", cnt.unknown ? cnt.unknown_name : "",
                   cnt.unknown ? "')" : "");
    }
out:
    free(text);
    free(sumw);
    free(sumw2);
    free(unc);
    return rc;
}

int hfcli_cmd_signal(int argc, char **argv)
{
    signal_args a = {0};
    int rc = signal_args_parse(argc, argv, &a);
    if (rc != HF_EXIT_OK)
        return rc < 0 ? HF_EXIT_OK : rc;
    hf_workspace *ws = NULL;
    hf_binning *b = NULL;
    hf_error err = {0};
    int *off = NULL;
    const char **names = NULL;
    rc = hfcli_load_workspace(a.wsp, &ws);
    if (rc != HF_EXIT_OK)
        return rc;
    if (hf_binning_read(a.binp, &b, &err)) {
        rc = hfcli_lib_error(&err);
        goto done;
    }
    int nch = hf_binning_nchannels(b), only = -1, nbins = 0;
    if (a.channel) {
        only = hf_binning_find(b, a.channel);
        if (only < 0) {
            hfcli_msg("%s: --channel '%s' has no bin edges in the binning", a.binp, a.channel);
            rc = HF_EXIT_INPUT;
            goto done;
        }
        nch = 1;
    }
    names = calloc((size_t)nch, sizeof *names);
    off = calloc((size_t)nch, sizeof *off);
    if (!names || !off) {
        hfcli_msg("out of memory");
        rc = HF_EXIT_INPUT;
        goto done;
    }
    if ((rc = signal_channels(&a, ws, b, only, nch, names, off, &nbins)) != HF_EXIT_OK)
        goto done;
    rc = signal_fill_emit(&a, ws, b, only, nch, names, off, nbins);
done:
    free(off);
    free(names);
    hf_binning_free(b);
    hf_workspace_free(ws);
    return rc;
}
