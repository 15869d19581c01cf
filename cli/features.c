/*
 * features.c - event features for a model (`hf score`, `hf signal
 * --model`): CSV with a header naming the columns, or raw little-endian
 * float32/float64 rows of the model's inputs.  Columns are found by the
 * model's feature names; a model without names takes the CSV's columns
 * other than channel, weight and its outputs, in file order.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A line for what was read as CSV (its text is kept), an event index for
 * raw rows: keyed on the reading, not on --format (--check reads CSV
 * whatever --format says). */
void hfcli_events_skipped(const char *path, const hf_cli_events *ev)
{
    if (ev->skipped)
        hfcli_msg("%s: %zu events skipped for a NaN or infinite feature (the first at %s "
                   "%ld)", path, ev->skipped, ev->text ? "line" : "event", ev->first_skipped);
}

void hfcli_events_free(hf_cli_events *ev)
{
    free(ev->x);
    free(ev->y);
    free(ev->weight);
    free(ev->channel);
    free(ev->line);
    free(ev->text);
    memset(ev, 0, sizeof *ev);
}

/* Splits line (modified) at commas, fields trimmed; returns the count. */
static int fields(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;; n++) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        size_t l = strlen(p);
        while (l && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r'))
            p[--l] = '\0';
        if (n < max)
            f[n] = p;
        if (!c)
            return n + 1;
        p = c + 1;
    }
}

/* Strict number: the whole field; NaN and infinities parse (and are
 * then refused or skipped by the caller). */
static int number(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return !*s || *end || (errno == ERANGE && isfinite(*out) && *out != 0) ? -1 : 0;
}

typedef struct cols {
    int *feat, *out;   /* column of each feature / output */
    int channel, weight, ncol;
} cols;

static int find(char **f, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(f[i], name))
            return i;
    return -1;
}

static int is_output(const hf_ml *m, const char *name)
{
    for (int k = 0; k < hf_ml_noutputs(m); k++)
        if (!strcmp(hf_ml_output_name(m, k), name))
            return 1;
    return 0;
}

/* Maps the header's columns to features (and outputs when want_y). */
static int header(const char *path, char **f, int nf, const hf_ml *m, int want_y, cols *c)
{
    int F = hf_ml_nfeatures(m), K = hf_ml_noutputs(m);
    c->ncol = nf;
    c->channel = find(f, nf, "channel");
    c->weight = find(f, nf, "weight");
    for (int k = 0; want_y && k < K; k++)
        if ((c->out[k] = find(f, nf, hf_ml_output_name(m, k))) < 0) {
            hfcli_msg("%s:1: no column '%s' (the model's output %d)", path,
                       hf_ml_output_name(m, k), k);
            return HF_EXIT_INPUT;
        }
    if (hf_ml_feature_name(m, 0)) {
        for (int j = 0; j < F; j++)
            if ((c->feat[j] = find(f, nf, hf_ml_feature_name(m, j))) < 0) {
                hfcli_msg("%s:1: no column '%s' (the model's feature %d)", path,
                           hf_ml_feature_name(m, j), j);
                return HF_EXIT_INPUT;
            }
        return HF_EXIT_OK;
    }
    int j = 0;
    for (int i = 0; i < nf; i++)
        if (i != c->channel && i != c->weight && !(want_y && is_output(m, f[i]))) {
            if (j < F)
                c->feat[j] = i;
            j++;
        }
    if (j != F) {
        hfcli_msg("%s:1: %d feature columns but the model takes %d inputs and names none "
                   "(give --preprocessing with their names)", path, j, F);
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

static int grow(hf_cli_events *ev, size_t *cap, int F, int K)
{
    if (ev->n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 1024;
    double *x = realloc(ev->x, c * (size_t)F * sizeof *x);
    if (x)
        ev->x = x;
    double *y = K ? realloc(ev->y, c * (size_t)K * sizeof *y) : NULL;
    if (y)
        ev->y = y;
    double *w = realloc(ev->weight, c * sizeof *w);
    if (w)
        ev->weight = w;
    const char **ch = realloc(ev->channel, c * sizeof *ch);
    if (ch)
        ev->channel = ch;
    long *ln = realloc(ev->line, c * sizeof *ln);
    if (ln)
        ev->line = ln;
    if (!x || (K && !y) || !w || !ch || !ln)
        return -1;
    *cap = c;
    return 0;
}

/* One data line into event ev->n; 1 when skipped (non-finite feature). */
static int row(const char *path, long ln, char **f, const cols *c, const hf_ml *m,
               int want_y, int skip, hf_cli_events *ev)
{
    int F = hf_ml_nfeatures(m), K = want_y ? hf_ml_noutputs(m) : 0;
    double *x = ev->x + ev->n * (size_t)F, *y = K ? ev->y + ev->n * (size_t)K : NULL;
    for (int j = 0; j < F + K; j++) {
        int col = j < F ? c->feat[j] : c->out[j - F];
        double *dst = j < F ? &x[j] : &y[j - F];
        const char *what = j < F ? "feature" : "output";
        const char *name = j < F ? hf_ml_feature_name(m, j) : hf_ml_output_name(m, j - F);
        if (number(f[col], dst)) {
            hfcli_msg("%s:%ld: %s '%s': '%.40s' is not a number", path, ln, what,
                       name ? name : "", f[col]);
            return -1;
        }
        if (!isfinite(*dst)) {
            if (skip && j < F) {
                if (!ev->skipped++)
                    ev->first_skipped = ln;
                return 1;
            }
            hfcli_msg("%s:%ld: %s '%s' is %s%s", path, ln, what, name ? name : "", f[col],
                       j < F ? " (--skip-nonfinite skips such events, counting them)" : "");
            return -1;
        }
    }
    ev->weight[ev->n] = 1.0;
    if (c->weight >= 0 && (number(f[c->weight], &ev->weight[ev->n]) ||
                           !isfinite(ev->weight[ev->n]))) {
        hfcli_msg("%s:%ld: weight '%.40s' is not a finite number", path, ln, f[c->weight]);
        return -1;
    }
    ev->channel[ev->n] = c->channel >= 0 ? f[c->channel] : NULL;
    ev->line[ev->n] = ln;
    ev->n++;
    return 0;
}

static int read_lines(const char *path, char *p, const hf_ml *m, int want_y, int skip,
                      cols *c, hf_cli_events *ev)
{
    int F = hf_ml_nfeatures(m), K = want_y ? hf_ml_noutputs(m) : 0, have_header = 0;
    size_t cap = 0;
    char *f[1024];
    for (long ln = 1; p; ln++) {
        char *nl = strchr(p, '\n'), *line = p;
        if (nl)
            *nl = '\0';
        p = nl ? nl + 1 : NULL;
        if (!line[strspn(line, " \t\r")])
            continue;
        int nf = fields(line, f, 1024);
        if (nf > 1024) {
            hfcli_msg("%s:%ld: more than 1024 columns", path, ln);
            return HF_EXIT_INPUT;
        }
        if (!have_header++) {
            if (header(path, f, nf, m, want_y, c))
                return HF_EXIT_INPUT;
            continue;
        }
        if (nf != c->ncol) {
            hfcli_msg("%s:%ld: %d fields where the header has %d", path, ln, nf, c->ncol);
            return HF_EXIT_INPUT;
        }
        if (grow(ev, &cap, F, K)) {
            hfcli_msg("%s: out of memory", path);
            return HF_EXIT_INPUT;
        }
        if (row(path, ln, f, c, m, want_y, skip, ev) < 0)
            return HF_EXIT_INPUT;
    }
    if (!have_header) {
        hfcli_msg("%s: empty: expected a header line naming the columns", path);
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

static int read_csv(const char *path, const hf_ml *m, int want_y, int skip, hf_cli_events *ev)
{
    hf_error err = {0};
    if (hfcore_file_read(path, &ev->text, NULL, &err))
        return hfcli_lib_error(&err);
    int F = hf_ml_nfeatures(m), K = hf_ml_noutputs(m);
    cols c = {calloc((size_t)F, sizeof(int)), calloc((size_t)K, sizeof(int)), -1, -1, 0};
    int rc = !c.feat || !c.out ? (hfcli_msg("out of memory"), HF_EXIT_INPUT)
                               : read_lines(path, ev->text, m, want_y, skip, &c, ev);
    ev->has_channel = c.channel >= 0;
    ev->has_weight = c.weight >= 0;
    free(c.feat);
    free(c.out);
    return rc;
}

/* Raw rows of F little-endian float32 (size 4) or float64 (size 8). */
static int read_raw(const char *path, const hf_ml *m, int size, int skip, hf_cli_events *ev)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        hfcli_msg("%s: cannot open: %s", path, strerror(errno));
        return HF_EXIT_INPUT;
    }
    size_t F = (size_t)hf_ml_nfeatures(m), cap = 0, rowb = F * (size_t)size;
    unsigned char *buf = malloc(rowb);
    const uint16_t one = 1;
    int swap = *(const unsigned char *)&one == 0, rc = HF_EXIT_OK;
    size_t got;
    for (long r = 0; buf && (got = fread(buf, 1, rowb, fp)) > 0; r++) {
        if (got < rowb) {
            hfcli_msg("%s: %zu bytes after %ld whole events: not a whole event of %zu "
                       "float%d features", path, got, r, F, size * 8);
            rc = HF_EXIT_INPUT;
            break;
        }
        if (grow(ev, &cap, (int)F, 0)) {
            rc = HF_EXIT_INPUT;
            break;
        }
        double *x = ev->x + ev->n * F;
        for (size_t j = 0; j < F; j++) {
            unsigned char b[8];
            for (int q = 0; q < size; q++)
                b[q] = buf[j * (size_t)size + (size_t)(swap ? size - 1 - q : q)];
            float f32;
            if (size == 4)
                memcpy(&f32, b, 4);
            else
                memcpy(&x[j], b, 8);
            if (size == 4)
                x[j] = f32;
        }
        size_t bad = 0;
        while (bad < F && isfinite(x[bad]))
            bad++;
        if (bad < F && skip) {
            if (!ev->skipped++)
                ev->first_skipped = r;
            continue;
        }
        if (bad < F) {
            const char *name = hf_ml_feature_name(m, (int)bad);
            hfcli_msg("%s: event %ld (byte offset %zu): feature %zu%s%s%s is %g (--skip-"
                       "nonfinite skips such events, counting them)", path, r,
                       (size_t)r * rowb, bad, name ? " '" : "", name ? name : "",
                       name ? "'" : "", x[bad]);
            rc = HF_EXIT_INPUT;
            break;
        }
        ev->weight[ev->n] = 1.0;
        ev->channel[ev->n] = NULL;
        ev->line[ev->n] = r;
        ev->n++;
    }
    if (!buf || (rc == HF_EXIT_OK && ferror(fp))) {
        hfcli_msg("%s: %s", path, buf ? "read error" : "out of memory");
        rc = HF_EXIT_INPUT;
    }
    free(buf);
    fclose(fp);
    return rc;
}

int hfcli_events_read(const char *path, const hf_ml *m, const char *format, int want_y,
                       int skip, hf_cli_events *ev)
{
    memset(ev, 0, sizeof *ev);
    int rc;
    if (!format || !strcmp(format, "csv"))
        rc = read_csv(path, m, want_y, skip, ev);
    else
        rc = read_raw(path, m, !strcmp(format, "f32") ? 4 : 8, skip, ev);
    if (rc)
        hfcli_events_free(ev);
    return rc;
}
