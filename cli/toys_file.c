/*
 * toys_file.c - `hf cls --calctype toybased --toys-out FILE` and
 * `hf cls --calctype toybased --merge A.json B.json ...`: a run's toy test
 * statistics written out, and runs of different seeds combined.
 *
 * A toys file says what the toys are toys of, so that a merge can refuse
 * runs that do not belong together:
 *   {"format": "hf-toys-1", "model_sha256": hex, "poi": name,
 *    "test_poi": mu, "test_stat": "qtilde"|"q", "seed": "S", "ntoys": N,
 *    "q_obs": q, "q_sb": [N], "q_b": [N]}
 * model_sha256 digests the model as built (parameter names, bounds, inits
 * and fixed flags, the observed data, the expected data at the inits): any
 * other workspace, patch or measurement changes it.  The seed is a string
 * because JSON numbers are doubles, which do not hold every 64-bit seed.
 * A dropped toy's q is null.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/cryptoapi.h"

enum { MAX_FILES = 4096 };

static void digest_doubles(gcry_md_hd_t h, const double *v, size_t n)
{
    gcry_md_write(h, v, n * sizeof *v);
}

/* The model's identity as 64 hex digits into hex[65]; HF_EXIT_* status. */
static int model_sha256(const hf_model *m, char hex[65])
{
    hf_error err = {0};
    if (hfcore_crypto_need("model_sha256", &err)) {
        hfcli_msg("%s", err.msg);
        return HF_EXIT_INPUT;
    }
    int np = hf_model_npars(m), nd = hf_model_ndata(m);
    double *buf = malloc(((size_t)nd + hf_model_work_size(m) + 1) *
                         sizeof *buf);
    gcry_md_hd_t h = NULL;
    const unsigned char *md = NULL;
    int ok = buf && gcry_md_open(&h, GCRY_MD_SHA256, 0) == 0;
    if (ok) {
        for (int i = 0; i < np; i++) {
            const char *name = hf_model_par_name(m, i);
            gcry_md_write(h, name, strlen(name) + 1);
        }
        gcry_md_write(h, hf_model_fixed(m), (size_t)np);
        digest_doubles(h, hf_model_lower(m), np);
        digest_doubles(h, hf_model_upper(m), np);
        digest_doubles(h, hf_model_inits(m), np);
        digest_doubles(h, hf_model_data(m), nd);
        hf_model_expected_data(m, hf_model_inits(m), buf, buf + nd);
        digest_doubles(h, buf, nd);
        ok = (md = gcry_md_read(h, GCRY_MD_SHA256)) != NULL;
    }
    for (unsigned i = 0; ok && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (h)
        gcry_md_close(h);
    free(buf);
    if (!ok) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

static const char *ts_name(hf_test_stat ts)
{
    return ts == HF_TEST_QMU ? "q" : ts == HF_TEST_Q0 ? "q0" : "qtilde";
}

int hfcli_toys_write(const char *path, const hf_model *m, double mu,
                      hf_test_stat ts, unsigned long long seed, int ntoys,
                      double q_obs, const double *sb, const double *b)
{
    char hex[65], seedtext[32];
    int rc = model_sha256(m, hex);
    if (rc != HF_EXIT_OK)
        return rc;
    snprintf(seedtext, sizeof seedtext, "%llu", seed);
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "format", "hf-toys-1") &&
             cJSON_AddStringToObject(o, "model_sha256", hex) &&
             cJSON_AddStringToObject(o, "poi",
                                     hf_model_par_name(m, hf_model_poi(m))) &&
             cJSON_AddNumberToObject(o, "test_poi", mu) &&
             cJSON_AddStringToObject(o, "test_stat", ts_name(ts)) &&
             cJSON_AddStringToObject(o, "seed", seedtext) &&
             cJSON_AddItemToObject(o, "ntoys", hfcli_json_int(ntoys)) &&
             cJSON_AddNumberToObject(o, "q_obs", q_obs) &&
             cJSON_AddItemToObject(o, "q_sb", hfcore_json_array(sb, ntoys)) &&
             cJSON_AddItemToObject(o, "q_b", hfcore_json_array(b, ntoys));
    char *text = ok ? hfcli_json_dump(o, 0, 0) : NULL;
    cJSON_Delete(o);
    char *line = text ? realloc(text, strlen(text) + 2) : NULL;
    if (!line) {
        free(text);
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    strcat(line, "\n");
    hf_error err = {0};
    rc = hfcli_write_file(path, line, &err);
    free(line);
    return rc == HF_OK ? HF_EXIT_OK : hfcli_lib_error(&err);
}

/* One toys file, read and checked. */
typedef struct toys_file {
    const char *path;
    cJSON *root;
    const char *model, *poi, *ts, *seed;
    unsigned long long seed_value;
    double mu, q_obs;
    int ntoys;
    const cJSON *q_sb, *q_b;
} toys_file;

static const char *str_field(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int num_field(const cJSON *o, const char *key, double *x)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        return 0;
    *x = v->valuedouble;
    return 1;
}

/* A q array of n entries: numbers (q >= 0) or null (dropped). */
static const cJSON *q_array(const cJSON *o, const char *key, int n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return NULL;
    const cJSON *v;
    cJSON_ArrayForEach(v, a)
        if (!cJSON_IsNull(v) && !(cJSON_IsNumber(v) && v->valuedouble >= 0))
            return NULL;
    return a;
}

static int read_toys_file(const char *path, toys_file *f)
{
    hf_error err = {0};
    char *text = NULL;
    size_t len;
    memset(f, 0, sizeof *f);
    f->path = path;
    if (hfcore_file_read(path, &text, &len, &err) != HF_OK ||
        hfcore_json_parse(text, path, &f->root, &err) != HF_OK) {
        free(text);
        return hfcli_lib_error(&err);
    }
    free(text);
    const cJSON *o = f->root;
    double n = 0;
    const char *fmt = str_field(o, "format");
    if (!fmt || strcmp(fmt, "hf-toys-1") != 0) {
        hfcli_msg("%s: not a toys file of hf cls --toys-out (no \"format\": "
                   "\"hf-toys-1\")", path);
        return HF_EXIT_INPUT;
    }
    f->model = str_field(o, "model_sha256");
    f->poi = str_field(o, "poi");
    f->ts = str_field(o, "test_stat");
    f->seed = str_field(o, "seed");
    const char *bad = !f->model ? "model_sha256" : !f->poi ? "poi"
                      : !f->ts ? "test_stat"
                      : !f->seed || !hfcli_seed_parse(f->seed, &f->seed_value)
                      ? "seed"
                      : !num_field(o, "test_poi", &f->mu) ? "test_poi"
                      : !num_field(o, "q_obs", &f->q_obs) ? "q_obs"
                      : !num_field(o, "ntoys", &n) || n < 1 || n > INT_MAX ||
                        n != floor(n) ? "ntoys" : NULL;
    if (!bad) {
        f->ntoys = (int)n;
        f->q_sb = q_array(o, "q_sb", f->ntoys);
        f->q_b = q_array(o, "q_b", f->ntoys);
        bad = !f->q_sb ? "q_sb" : !f->q_b ? "q_b" : NULL;
    }
    if (bad) {
        hfcli_msg("%s: \"%s\" is missing or not valid%s", path, bad,
                   bad[0] == 'q' && bad[1] == '_'
                       ? " (an array of ntoys numbers >= 0 or null)" : "");
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

/* Why file g cannot be merged with file f (the first), or NULL. */
static const char *mismatch(const toys_file *f, const toys_file *g)
{
    if (strcmp(f->model, g->model) != 0)
        return "were run on different models (another workspace, patch or "
               "measurement)";
    if (strcmp(f->poi, g->poi) != 0)
        return "test different POIs";
    if (f->mu != g->mu)
        return "test different POI values";
    if (strcmp(f->ts, g->ts) != 0)
        return "use different test statistics";
    if (f->q_obs != g->q_obs)
        return "have different observed test statistics";
    if (f->seed_value == g->seed_value)
        return "were run with the same seed: their toys are the same toys";
    return NULL;
}

/* The files' toys, concatenated in file order, into sb and b. */
static void gather(const toys_file *f, int nf, double *sb, double *b)
{
    size_t k = 0;
    for (int i = 0; i < nf; i++) {
        const cJSON *u = f[i].q_sb->child, *v = f[i].q_b->child;
        for (; u && v; u = u->next, v = v->next, k++) {
            sb[k] = cJSON_IsNumber(u) ? u->valuedouble : NAN;
            b[k] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        }
    }
}

static int merge_checked(toys_file *f, int nf, int tail_probs,
                         const char *outfile)
{
    long long total = 0;
    for (int i = 0; i < nf; i++) {
        for (int j = 0; j < i; j++) {
            const char *why = mismatch(&f[j], &f[i]);
            if (why) {
                hfcli_msg("--merge: %s and %s %s; nothing merged", f[j].path,
                           f[i].path, why);
                return HF_EXIT_INPUT;
            }
        }
        total += f[i].ntoys;
    }
    if (total > INT_MAX) {
        hfcli_msg("--merge: %lld toys per hypothesis, more than %d",
                   total, INT_MAX);
        return HF_EXIT_INPUT;
    }
    hf_test_stat ts = strcmp(f[0].ts, "q") == 0    ? HF_TEST_QMU
                      : strcmp(f[0].ts, "q0") == 0 ? HF_TEST_Q0
                                                   : HF_TEST_QMU_TILDE;
    double *sb = malloc(2 * (size_t)total * sizeof *sb);
    if (!sb) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    gather(f, nf, sb, sb + total);
    hf_toys_result r;
    hf_error err = {0};
    int rc = hf_toys_summary(ts, f[0].q_obs, sb, sb + total, (int)total, &r,
                             &err) == HF_OK
                 ? hfcli_toys_emit(&r, ts, tail_probs, outfile)
                 : hfcli_lib_error(&err);
    free(sb);
    return rc;
}

int hfcli_toys_merge(int nfiles, char **files, int tail_probs,
                      const char *outfile)
{
    if (nfiles < 1 || nfiles > MAX_FILES)
        return hfcli_usage_error("--merge takes 1 to %d toys files written "
                                  "by --toys-out, not %d", MAX_FILES, nfiles);
    toys_file *f = calloc((size_t)nfiles, sizeof *f);
    if (!f) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    int rc = HF_EXIT_OK, nread = 0;
    for (; nread < nfiles && rc == HF_EXIT_OK; nread++)
        rc = read_toys_file(files[nread], &f[nread]);
    if (rc == HF_EXIT_OK)
        rc = merge_checked(f, nfiles, tail_probs, outfile);
    for (int i = 0; i < nread; i++)
        cJSON_Delete(f[i].root);
    free(f);
    return rc;
}
