/*
 * test_signal.c - signals from scores (recast/): binning and histogramming,
 * the signal patch, and the in-memory batch, which must give bit for bit
 * the numbers of the model built from the patch, whatever the thread
 * count; then `hf signal` as a user meets it (needs HF_BIN).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

#define DEMO_WS "workspaces/demo/BkgOnly.json"
#define SBOTTOM "../shared/workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json"

static char tmpdir[256];

static void test_binning(void **state)
{
    (void)state;
    hf_binning *b = NULL;
    hf_error err = {0};
    assert_int_equal(hf_binning_parse("{\"SR\": [0, 0.5, 0.8, 1], \"VR\": [1, 2]}", "b.json",
                                      &b, &err), HF_OK);
    assert_int_equal(hf_binning_nchannels(b), 2);
    assert_int_equal(hf_binning_find(b, "VR"), 1);
    assert_int_equal(hf_binning_find(b, "XX"), -1);
    assert_int_equal(hf_binning_nbins(b, 0), 3);
    assert_int_equal(hf_binning_bin(b, 0, 0.0), 0);
    assert_int_equal(hf_binning_bin(b, 0, 0.5), 1);   /* [e_i, e_i+1) */
    assert_int_equal(hf_binning_bin(b, 0, 0.9999), 2);
    assert_int_equal(hf_binning_bin(b, 0, 1.0), -1);
    assert_int_equal(hf_binning_bin(b, 0, -0.1), -1);
    assert_int_equal(hf_binning_bin(b, 0, NAN), -1);
    /* interleaved (score, weight) pairs */
    const double ev[] = {0.1, 2.0, 0.6, 3.0, 0.7, 1.0, 5.0, 9.0};
    double w[3] = {0}, w2[3] = {0};
    assert_int_equal(hf_binning_fill(b, 0, ev, ev + 1, 2, 4, w, w2), 1);
    assert_true(w[0] == 2 && w[1] == 4 && w[2] == 0);
    assert_true(w2[0] == 4 && w2[1] == 10);
    hf_binning_free(b);

    static const char *const bad[] = {
        "[1, 2]", "{}", "{\"SR\": [1]}", "{\"SR\": [1, 1]}", "{\"SR\": [2, 1]}",
        "{\"SR\": [0, \"x\"]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = NULL;
        assert_int_equal(hf_binning_parse(bad[i], "b.json", &b, &err), HF_ERR_INVALID);
        assert_null(b);
        assert_non_null(strstr(err.msg, "b.json"));
    }
}

/* CLs of the model that the patch JSON gives (the reference path). */
static void cls_via_patch(const hf_workspace *ws, const hf_signal_spec *spec,
                          const double *y, const double *u, hf_cls_result *out)
{
    hf_error err = {0};
    char *text = NULL;
    hf_patch *p = NULL;
    hf_model *m = NULL;
    assert_int_equal(hf_signal_patch(ws, spec, y, u, &text, &err), HF_OK);
    assert_int_equal(hf_patch_parse(text, "signal", &p, &err), HF_OK);
    hf_model_options o;
    hf_model_options_init(&o);
    o.poi = spec->poi ? spec->poi : "mu_SIG";
    const hf_patch *pl[] = {p};
    assert_int_equal(hf_model_build(ws, pl, 1, &o, &m, &err), HF_OK);
    assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), 1.0, HF_TEST_QMU_TILDE, NULL, out,
                                       &err), HF_OK);
    hf_model_free(m);
    hf_patch_free(p);
    free(text);
}

static void same_cls(const hf_cls_result *a, const hf_cls_result *b)
{
    if (a->cls_obs != b->cls_obs)
        fprintf(stderr, "cls_obs %.17g != %.17g\n", a->cls_obs, b->cls_obs);
    assert_true(a->cls_obs == b->cls_obs);
    for (int i = 0; i < 5; i++)
        assert_true(a->cls_exp[i] == b->cls_exp[i]);
    assert_true(a->test_stat == b->test_stat);
}

/* Batch == patched model, exactly; 1 thread == 3 threads. */
static void batch_matches(const char *wspath, const char *const *chans, int nch, int lumi,
                          int nsig)
{
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(wspath, &ws, &err), HF_OK);
    hf_signal_spec spec;
    hf_signal_spec_init(&spec);
    spec.channels = chans;
    spec.nchannels = nch;
    spec.lumi = lumi;
    spec.staterror = 1;
    hf_signal *s = NULL;
    assert_int_equal(hf_signal_build(ws, &spec, NULL, &s, &err), HF_OK);
    int nb = hf_signal_nbins(s);
    double *y = malloc(sizeof(double) * (size_t)(nb * nsig));
    double *u = malloc(sizeof(double) * (size_t)(nb * nsig));
    for (int j = 0; j < nsig; j++)
        for (int b = 0; b < nb; b++) {
            y[j * nb + b] = (j == 1 && b == 0) ? 0.0 : 0.5 + 3.0 * j + 0.7 * b;
            u[j * nb + b] = 0.1 * y[j * nb + b] + (j == 2 ? 0.0 : 0.05);
        }
    hf_batch_options bo;
    hf_batch_options_init(&bo);
    hf_batch_result r1, r3;
    bo.threads = 1;
    assert_int_equal(hf_signal_cls_batch(s, nsig, y, u, &bo, &r1, &err), HF_OK);
    bo.threads = 3;
    assert_int_equal(hf_signal_cls_batch(s, nsig, y, u, &bo, &r3, &err), HF_OK);
    assert_int_equal(r1.nfailed, 0);
    for (int j = 0; j < nsig; j++) {
        hf_cls_result ref;
        cls_via_patch(ws, &spec, y + j * nb, u + j * nb, &ref);
        same_cls(&r1.items[j].cls, &ref);
        same_cls(&r3.items[j].cls, &ref);
        /* hf_signal_model: the same model, stand-alone */
        hf_model *m = NULL;
        hf_cls_result c;
        assert_int_equal(hf_signal_model(s, y + j * nb, u + j * nb, &m, &err), HF_OK);
        assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), 1.0, HF_TEST_QMU_TILDE, NULL,
                                           &c, &err), HF_OK);
        same_cls(&c, &ref);
        hf_model_free(m);
    }
    /* a bad signal fails alone */
    y[nb] = NAN;
    bo.threads = 2;
    hf_batch_result_free(&r3);
    assert_int_equal(hf_signal_cls_batch(s, nsig, y, u, &bo, &r3, &err), HF_OK);
    assert_int_equal(r3.nfailed, 1);
    assert_int_equal(r3.items[1].status, HF_ERR_ARG);
    assert_non_null(strstr(r3.items[1].err.msg, "signal 1 bin 0"));
    same_cls(&r3.items[0].cls, &r1.items[0].cls);
    hf_batch_result_free(&r1);
    hf_batch_result_free(&r3);
    free(y);
    free(u);
    hf_signal_free(s);
    hf_workspace_free(ws);
}

static void test_batch_demo(void **state)
{
    (void)state;
    static const char *const two[] = {"SR", "CR"};
    batch_matches(DEMO_WS, two, 1, 1, 4);
    batch_matches(DEMO_WS, two, 2, 0, 3);
}

static void test_batch_sbottom(void **state)
{
    (void)state;
    if (access(SBOTTOM, R_OK) != 0)
        skip();
    static const char *const sr[] = {"SR_meff"};
    batch_matches(SBOTTOM, sr, 1, 1, 3);
}

/* The measurement configures a staterror's widths (SR) and fixes another
 * (CR): the batch must keep what the config sets, as the build does, and
 * recompute only the rest. */
static void test_batch_configured(void **state)
{
    (void)state;
    static const char ws[] =
        "{\"channels\": ["
        "{\"name\": \"SR\", \"samples\": ["
        " {\"name\": \"bkgA\", \"data\": [5.0, 3.0], \"modifiers\": ["
        "  {\"name\": \"staterror_SR\", \"type\": \"staterror\", \"data\": [1.0, 2.0]}]},"
        " {\"name\": \"zbkg\", \"data\": [4.0, 2.5], \"modifiers\": ["
        "  {\"name\": \"staterror_SR\", \"type\": \"staterror\", \"data\": [0.5, 0.1]}]}]},"
        "{\"name\": \"CR\", \"samples\": ["
        " {\"name\": \"bkg\", \"data\": [40.0, 30.0], \"modifiers\": ["
        "  {\"name\": \"staterror_CR\", \"type\": \"staterror\", \"data\": [3.0, 4.0]}]}]}],"
        "\"observations\": [{\"name\": \"SR\", \"data\": [12, 9]},"
        " {\"name\": \"CR\", \"data\": [50, 40]}],"
        "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu_SIG\","
        " \"parameters\": [{\"name\": \"staterror_SR\", \"sigmas\": [0.2, 0.3]},"
        " {\"name\": \"staterror_CR\", \"fixed\": true}]}}],"
        "\"version\": \"1.0.0\"}";
    char path[300];
    snprintf(path, sizeof path, "%s/configured.json", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(ws, f) >= 0);
    assert_int_equal(fclose(f), 0);
    static const char *const chans[] = {"SR", "CR"};
    batch_matches(path, chans, 2, 0, 3);
}

static void test_spec_errors(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(DEMO_WS, &ws, &err), HF_OK);
    hf_signal_spec spec;
    hf_signal_spec_init(&spec);
    hf_signal *s = NULL;
    static const char *const nope[] = {"NOPE"};
    spec.channels = nope;
    spec.nchannels = 1;
    assert_int_equal(hf_signal_build(ws, &spec, NULL, &s, &err), HF_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "'NOPE'"));
    static const char *const sr[] = {"SR"};
    spec.channels = sr;
    spec.sample = "ttbar";
    assert_int_equal(hf_signal_build(ws, &spec, NULL, &s, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "already has a sample named 'ttbar'"));
    assert_null(s);
    hf_workspace_free(ws);
}

/* ------------------------------------------------------------------ CLI */

static int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = calloc(1, 1 << 16);
    size_t n = fread(s, 1, (1 << 16) - 1, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static void put(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* hf signal ... in tmpdir; stderr into tmpdir/err. */
static int run_signal(const char *args)
{
    const char *bin = getenv("HF_BIN");
    char cmd[2048], cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd, "cd %s && %s signal --workspace %s/%s %s 2>err", tmpdir, bin, cwd,
             DEMO_WS, args);
    return sh(cmd);
}

static int has_err(const char *what)
{
    char p[512];
    snprintf(p, sizeof p, "%s/err", tmpdir);
    char *e = slurp(p);
    int ok = e && strstr(e, what);
    if (!ok)
        fprintf(stderr, "stderr lacks '%s': %s\n", what, e ? e : "(none)");
    free(e);
    return ok;
}

/* hf signal ARGS exits with `status`, saying `what` on stderr. */
static void signal_says(const char *args, int status, const char *what)
{
    assert_int_equal(run_signal(args), status);
    assert_true(has_err(what));
}

static int exists(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return access(p, F_OK) == 0;
}

static void test_cli(void **state)
{
    (void)state;
    if (!getenv("HF_BIN"))
        skip();
    put("bin.json", "{\"SR\": [0.0, 0.5, 0.8, 1.0]}");
    put("ev.csv", "channel,score,weight\nSR,0.1,2\nSR,0.6,3\r\nSR,0.7,1\n\nSR,5,1\nCRX,0.1,1\n");
    signal_says("--scores ev.csv --binning bin.json --lumi -o p.json",
                0, "5 events: 3 in bins, 1 outside every bin, 1 in channels without bins");
    char p[512];
    snprintf(p, sizeof p, "%s/p.json", tmpdir);
    char *text = slurp(p);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    const cJSON *op = cJSON_GetArrayItem(j, 0);
    assert_string_equal(cJSON_GetObjectItem(op, "path")->valuestring, "/channels/1/samples/-");
    const cJSON *v = cJSON_GetObjectItem(op, "value");
    const cJSON *d = cJSON_GetObjectItem(v, "data");
    assert_true(cJSON_GetArrayItem(d, 0)->valuedouble == 2 &&
                cJSON_GetArrayItem(d, 1)->valuedouble == 4 &&
                cJSON_GetArrayItem(d, 2)->valuedouble == 0);
    const cJSON *se = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "modifiers"), 2);
    assert_string_equal(cJSON_GetObjectItem(se, "name")->valuestring, "staterror_SR");
    assert_true(fabs(cJSON_GetArrayItem(cJSON_GetObjectItem(se, "data"), 1)->valuedouble -
                     sqrt(10.0)) < 1e-15);
    cJSON_Delete(j);
    /* hfcls takes it */
    char cmd[2048], cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd, "%s cls %s/%s %s/p.json >/dev/null", getenv("HF_BIN"), cwd,
             DEMO_WS, tmpdir);
    assert_int_equal(sh(cmd), 0);

    /* a NUL byte in the CSV: refused, not read up to it, nothing written */
    {
        char np[512];
        snprintf(np, sizeof np, "%s/nul.csv", tmpdir);
        FILE *nf = fopen(np, "wb");
        assert_non_null(nf);
        fwrite("channel,score\nSR,0.1\n\0SR,0.6\n", 1, 29, nf);
        fclose(nf);
        assert_int_not_equal(run_signal("--scores nul.csv --binning bin.json -o pn.json"), 0);
        assert_true(has_err("contains a NUL byte"));
        snprintf(np, sizeof np, "%s/pn.json", tmpdir);
        assert_int_not_equal(access(np, F_OK), 0);
    }

    /* f64 pairs: the same events of SR */
    double ev[] = {0.1, 2, 0.6, 3, 0.7, 1, 5, 1};
    snprintf(p, sizeof p, "%s/ev.f64", tmpdir);
    FILE *f = fopen(p, "wb");
    fwrite(ev, sizeof ev, 1, f);
    fclose(f);
    signal_says("--scores ev.f64 --format f64 --channel SR --binning bin.json --lumi -o p2.json",
                0, "4 events: 3 in bins, 1 outside");
    char *a = slurp(p), *b;
    free(a);
    snprintf(p, sizeof p, "%s/p.json", tmpdir);
    a = slurp(p);
    snprintf(p, sizeof p, "%s/p2.json", tmpdir);
    b = slurp(p);
    assert_string_equal(a, b);
    free(a);
    free(b);

    /* bad input: the message names file and line, nothing is written */
    put("bad.csv", "channel,score,weight\nSR,0.1,1\nSR,zero,1\n");
    signal_says("--scores bad.csv --binning bin.json -o q.json",
                1, "bad.csv:3: score 'zero' is not a finite number");
    put("bad2.csv", "channel,weight\nSR,1\n");
    signal_says("--scores bad2.csv --binning bin.json -o q.json",
                1, "bad2.csv:1: the header must name");
    put("bad3.csv", "channel,score\nSR,0.1,4\n");
    signal_says("--scores bad3.csv --binning bin.json -o q.json",
                1, "bad3.csv:2: 3 fields where the header has 2");
    put("bin4.json", "{\"SR\": [0.0, 0.5, 1.0]}");
    signal_says("--scores ev.csv --binning bin4.json -o q.json",
                1, "bin4.json: channel 'SR' has 2 bins (3 edges) but has 3 bins");
    put("bin5.json", "{\"SRX\": [0.0, 0.5, 1.0]}");
    signal_says("--scores ev.csv --binning bin5.json -o q.json",
                1, "channel 'SRX' is not a channel of");
    put("odd.f64", "0123456789");
    signal_says("--scores odd.f64 --format f64 --channel SR --binning bin.json -o q.json",
                1, "not a whole number of");
    assert_int_equal(run_signal("--scores ev.f64 --format f64 --binning bin.json -o q.json"), 2);
    /* finite weights whose sum is not: bad input (1) naming the file */
    put("big.csv", "channel,score,weight\nSR,0.1,1e308\nSR,0.2,1e308\n");
    signal_says("--scores big.csv --binning bin.json -o q.json",
                1, "big.csv: channel 'SR' bin 0: the sum of the weights is inf");
    assert_false(exists("q.json"));
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hf_test_signal.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return sh(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binning),     cmocka_unit_test(test_batch_demo),
        cmocka_unit_test(test_batch_sbottom), cmocka_unit_test(test_batch_configured),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
