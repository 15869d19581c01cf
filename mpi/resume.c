/*
 * resume.c - taking up an interrupted scan: which items the partial
 * output already holds.
 *
 * While it runs, hfscan appends each line to the output file as it
 * arrives, in the order the ranks finish them, not in input order; so a
 * line is matched to its item by what it starts with (patch name and
 * values, exactly as this run would write them), never by its position.
 * A run killed in mid-write leaves a last line without its '\n': that one
 * is computed again, like any line that does not parse.  The journal
 * starts with a header line of the options that change the numbers
 * (hfmpi_scan_header), which the finished file, rewritten in order, no
 * longer has: a journal of other options is refused, and so is a file of
 * finished lines without that header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

/* The header line's only key: no output line of hfcls starts so. */
#define HEADER_KEY "hfscan_options"

typedef struct keyed {
    char *prefix;
    int i;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->prefix, y->prefix);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static char *slurp(const char *path, size_t *len, int *missing)
{
    FILE *f = fopen(path, "rb");
    *missing = !f && errno == ENOENT;
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *g = realloc(buf, cap *= 2);
            if (!g) {
                free(buf);
                buf = NULL;
            }
            buf = g;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* The journal's first line (with its '\n'): the options that change a
 * line's numbers, as this run has them (malloc'd, NULL when out of
 * memory).  The lines themselves cannot say (they are hfcls's, byte for
 * byte), and computing one kept line again (hfmpi_scan_resume_check)
 * misses an option that leaves that one line as it was but not others:
 * --interp leaves a signal without normsys or histosys unchanged.
 * --full-hessian changes nothing any more (every fit checks the whole
 * Hessian), --cl counts only with --upper-limit, q0 tests the POI at 0
 * whatever --test-poi says, --no-verify changes no finished line. */
char *hfmpi_scan_header(const scan *s)
{
    cJSON *o = cJSON_CreateObject(), *h = cJSON_AddObjectToObject(o, HEADER_KEY);
    const hf_model_options *mo = &s->mo;
    cJSON_AddStringToObject(h, "test_stat", s->bo.ts == HF_TEST_Q0 ? "q0"
                                            : s->bo.ts == HF_TEST_QMU ? "q"
                                                                      : "qtilde");
    cJSON_AddNumberToObject(h, "test_poi", s->bo.ts == HF_TEST_Q0 ? 0.0 : s->bo.test_poi);
    cJSON_AddBoolToObject(h, "upper_limit", s->bo.upper_limit);
    if (s->bo.upper_limit)
        cJSON_AddNumberToObject(h, "cl", s->bo.cl);
    if (mo->measurement)
        cJSON_AddStringToObject(h, "measurement", mo->measurement);
    cJSON_AddStringToObject(h, "normsys", hfcli_interp_name(mo->normsys_interp));
    cJSON_AddStringToObject(h, "histosys", hfcli_interp_name(mo->histosys_interp));
    char *text = cJSON_PrintUnformatted(o), *line = NULL;
    cJSON_Delete(o);
    if (text && (line = malloc(strlen(text) + 2)) != NULL)
        sprintf(line, "%s\n", text);
    cJSON_free(text);
    return line;
}

/* A header line (without its '\n') of options other than this run's:
 * -1 after the message, else 0. */
static int other_header(const scan *s, const char *path, const char *line)
{
    char *mine = hfmpi_scan_header(s);
    if (!mine) {
        hfcli_msg("out of memory");
        return -1;
    }
    size_t l = strlen(mine) - 1;
    int same = strncmp(line, mine, l) == 0 && line[l] == '\0';
    if (!same)
        hfcli_msg("%s: --resume: its lines were made with other options or "
                   "inputs; the file was begun with\n  %s\nand this run has"
                   "\n  %.*s\nresume with the first run's options and "
                   "inputs, or run without --resume", path, line, (int)l, mine);
    free(mine);
    return same ? 0 : -1;
}

/* A file of finished lines without the journal's header: -1 after the
 * message.  hfscan writes such a file only at a run's end (the finished
 * output), and its lines do not say which options made them: computing
 * one again (hfmpi_scan_resume_check) would pass an option that leaves
 * that line as it was and not the others, and the file's lines would be
 * kept as this run's. */
static int unheaded(const char *path)
{
    hfcli_msg("%s: --resume: no line of hfscan's options (a journal's first "
               "line): a run's finished output, or not hfscan's journal; "
               "nothing says which options made its lines: run without "
               "--resume to compute them again", path);
    return -1;
}

/* The key of this run's result, after the patch name and values: CLs,
 * or with --test-stat q0 the discovery p-value. */
static const char *result_key(const scan *s)
{
    return s->bo.ts == HF_TEST_Q0 ? "p0_obs" : "CLs_obs";
}

/* Whether the line (without its '\n') is a finished result this run
 * would also write: an object with its result key (a CLs line is not a
 * discovery one), no error, and upper limits exactly when asked for. */
static int finished(const char *line, const char *key, int upper_limit)
{
    cJSON *o = cJSON_Parse(line);
    int ok = cJSON_IsObject(o) && cJSON_IsNumber(cJSON_GetObjectItem(o, key)) &&
             !cJSON_GetObjectItem(o, "error") &&
             !cJSON_GetObjectItem(o, "upper_limit") == !upper_limit;
    cJSON_Delete(o);
    return ok;
}

/* The items' line prefixes, sorted, so that a line finds its item by a
 * binary search (NULL after a message when out of memory). */
static keyed *sorted_keys(const scan *s)
{
    keyed *keys = calloc(s->n > 0 ? (size_t)s->n : 1, sizeof *keys);
    int nk = 0;
    for (; keys && nk < s->n; nk++)
        if (!(keys[nk].prefix = hfmpi_scan_prefix(s, nk)))
            break;
        else
            keys[nk].i = nk;
    if (!keys || nk < s->n) {
        for (int k = 0; keys && k < nk; k++)
            free(keys[k].prefix);
        free(keys);
        hfcli_msg("out of memory");
        return NULL;
    }
    qsort(keys, (size_t)nk, sizeof *keys, cmp_keyed);
    return keys;
}

/* The item a finished line (cut at its result key, so p is its prefix)
 * belongs to: the first item with that prefix not yet taken, or -1. */
static int item_of(const keyed *keys, int nk, char *p, char **lines)
{
    keyed probe = {p, -1};
    /* first key >= (prefix, -1), then the first item not yet taken */
    size_t lo = 0, hi = (size_t)nk;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_keyed(&keys[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo < (size_t)nk && strcmp(keys[lo].prefix, p) == 0 &&
           lines[keys[lo].i])
        lo++;
    return lo < (size_t)nk && strcmp(keys[lo].prefix, p) == 0 ? keys[lo].i
                                                               : -1;
}

int hfmpi_scan_resume(const scan *s, const char *path, char **lines)
{
    char mark[32];
    snprintf(mark, sizeof mark, ", \"%s\": ", result_key(s));
    size_t len;
    int missing, taken = 0, dropped = 0, headed = 0;
    char *text = slurp(path, &len, &missing);
    if (!text) {
        if (missing)
            return 0;
        hfcli_msg("%s: cannot read: %s", path,
                   errno ? strerror(errno) : "out of memory");
        return -1;
    }
    keyed *keys = sorted_keys(s);
    if (!keys) {
        free(text);
        return -1;
    }
    /* A '\0' inside the file would end the text early: the lines past it
     * are then computed again, which is safe. */
    for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        *nl = '\0';
        if (strncmp(p, "{\"" HEADER_KEY "\":", strlen(HEADER_KEY) + 4) == 0) {
            if (other_header(s, path, p) < 0) {
                taken = -1;
                break;
            }
            headed = 1;
            continue;
        }
        char *m = strstr(p, mark);
        if (!m || !finished(p, result_key(s), s->bo.upper_limit)) {
            dropped += *p != '\0';
            continue;
        }
        *m = '\0';
        int i = item_of(keys, s->n, p, lines);
        *m = mark[0];
        if (i < 0) {
            dropped++;
            continue;
        }
        size_t l = strlen(p);
        if (!(lines[i] = malloc(l + 2))) {
            hfcli_msg("out of memory");
            taken = -1;
            break;
        }
        memcpy(lines[i], p, l);
        memcpy(lines[i] + l, "\n", 2);
        taken++;
    }
    if (taken > 0 && !headed)
        taken = unheaded(path);
    if (taken >= 0 && dropped > 0)
        hfcli_msg("%s: %d line%s not kept (errors, incomplete, or not "
                   "items of this scan): computed again", path, dropped,
                   dropped == 1 ? "" : "s");
    for (int k = 0; k < s->n; k++)
        free(keys[k].prefix);
    free(keys);
    free(text);
    return taken;
}

/* The kept lines carry no record of the options or inputs that made them
 * (only a journal's header has the options: not a finished file, not the
 * inputs -- the measurement's content, the workspace itself), and
 * a scan's output does not depend on the ranks or threads that computed
 * it (mpi_check.sh holds it byte for byte).  So one kept item computed
 * again must give its line byte for byte, or the file was made with other
 * settings and mixing it with this run's lines would be silently wrong.
 * One hypotest (or limit) on rank 0 is the cost. */
int hfmpi_scan_resume_check(const scan *s, const char *path, char **lines)
{
    int i = 0, nfailed = 0;
    while (i < s->n && !lines[i])
        i++;
    if (i == s->n)
        return 0;
    char *now = hfmpi_scan_compute(s, &i, 1, &nfailed);
    if (!now) {
        hfcli_msg("out of memory");
        return -1;
    }
    int same = strcmp(now, lines[i]) == 0;
    if (!same) {
        size_t l = strlen(now);
        if (l > 0 && now[l - 1] == '\n')
            now[l - 1] = '\0';
        hfcli_msg("%s: --resume: its lines were made with other options or "
                   "inputs; its first finished line, computed again, is now\n"
                   "  %s\nwhere the file has\n  %.*s\nresume with the "
                   "first run's options and inputs, or run without --resume",
                   path, now, (int)strcspn(lines[i], "\n"), lines[i]);
    }
    free(now);
    return same ? 0 : -1;
}
