/*
 * test_cli.c - the `hf` command as a user meets it: run $HF_BIN (set by
 * `make check`) on the demo workspace and on bad inputs.
 *
 * What is checked is the contract scripts rely on: JSON on stdout with the
 * documented keys, numbers that agree with pyhf and with the library,
 * nothing on stdout and a message naming the file on error, exit statuses
 * (1 bad input, 2 bad usage), and --output-file written only on success.
 * Runs from the repository root (make check does), where workspaces/demo
 * lives.  Skips every test when HF_BIN is not set.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "run.h"

#define DEMO_WS RUN_DEMO_WS
#define DEMO_PS "workspaces/demo/patchset.json"

/* pyhf 0.7.6 (numpy, SciPy SLSQP) on the demo with patch sig_300:
 * hypotest(1.0, qtilde) and upper_limit at 95% CL. */
static const double PYHF_CLS_OBS = 0.08739655508401552;
static const double PYHF_CLS_EXP[5] = {
    0.0007081689482364677, 0.0050206402614938654, 0.030992670585025493,
    0.14691018264941005, 0.4477429081670945};
static const double PYHF_CLSB = 0.06456869532324344, PYHF_CLB = 0.7388013779395842;
static const double PYHF_UL_OBS = 1.144452945512941;
static const double PYHF_UL_EXP[5] = {0.45092304531892136, 0.6201268181280774,
                                      0.8952148770866781, 1.3220001453736936,
                                      1.9137973565045319};
static const double PYHF_FIT_TWICE_NLL = 3.8106526707789783;

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want) + 1e-12)) {
        fprintf(stderr, "got %.17g, want %.17g (rel %.1e)\n", got, want, rel);
        fail();
    }
}

/* The demo model as the library builds it, for cross-checks. */
static hf_model *demo_model(const char *patch_name)
{
    hf_workspace *ws = NULL;
    hf_patch *p = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(DEMO_WS, &ws, &err), HF_OK);
    assert_int_equal(hf_patch_read_any(DEMO_PS, patch_name, &p, &err), HF_OK);
    const hf_patch *ps[1] = {p};
    assert_int_equal(hf_model_build(ws, ps, 1, NULL, &m, &err), HF_OK);
    hf_patch_free(p);
    hf_workspace_free(ws);
    return m;
}

/* ----------------------------------------------------------------- tests */

static void test_help_version(void **state)
{
    NEED_BIN();
    result r = run("--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: hf"));
    result_free(&r);
    r = run("--version", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, HF_VERSION));
    result_free(&r);
    const char *verbs[] = {"eval", "inspect", "fit", "cls"};
    for (int i = 0; i < 4; i++) {
        r = run(verbs[i], "--help", NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, verbs[i]));
        result_free(&r);
    }
}

static void test_usage_errors(void **state)
{
    NEED_BIN();
    run_fails(2, "frobnicate", "frobnicate", DEMO_WS, NULL);
    result r = run(NULL);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    result_free(&r);
    run_fails(2, "--bogus",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--bogus", NULL);
    run_fails(2, "--test-poi",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--test-poi", "1.0x", NULL);
    /* an underflowing number is refused alike for one patch and a grid */
    run_fails(2, "--test-poi: '1e-400' is too small (it underflows a double)",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--test-poi", "1e-400", NULL);
    run_fails(2, "--test-poi: '1e-400' is too small (it underflows a double)",
              "cls", DEMO_WS, DEMO_PS, "--test-poi", "1e-400", NULL);
    run_fails(2, "--patch-name", "cls", DEMO_WS, DEMO_PS, "--patch-name", NULL);
    run_fails(2, "code7", "eval", DEMO_WS, "--interp", "normsys=code7", NULL);
    r = run("inspect", NULL);
    assert_int_equal(r.status, 2);
    result_free(&r);
}

static void test_eval_demo(void **state)
{
    NEED_BIN();
    hf_model *m = demo_model("sig_300");
    int np = hf_model_npars(m), nmain = hf_model_nmain(m);

    result r = run("eval", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", NULL);
    cJSON *j = parse_ok(&r);
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(j, "parameters");
    assert_true(cJSON_IsArray(names));
    assert_int_equal(cJSON_GetArraySize(names), np);
    for (int i = 0; i < np; i++)
        assert_string_equal(cJSON_GetArrayItem(names, i)->valuestring,
                            hf_model_par_name(m, i));
    double logpdf = json_number(j, "logpdf");
    assert_true(isfinite(logpdf));
    assert_close(json_number(j, "twice_nll"), -2 * logpdf, 1e-15);
    const cJSON *em = cJSON_GetObjectItemCaseSensitive(j, "expected_main");
    assert_int_equal(cJSON_GetArraySize(em), nmain);

    /* The same point through the library: the output must round-trip. */
    double *work = malloc(sizeof *work * (hf_model_work_size(m) + 1));
    double *pars = malloc(sizeof *pars * (size_t)np);
    memcpy(pars, hf_model_inits(m), sizeof *pars * (size_t)np);
    assert_true(hf_model_logpdf(m, pars, hf_model_data(m), work) == logpdf);
    cJSON_Delete(j);
    result_free(&r);

    /* --pars: a scalar as a number, a vector as a list. */
    r = run("eval", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--pars",
            "{\"mu_SIG\": 2.5, \"staterror_SR\": [1.1, 1.0, 0.9]}", NULL);
    j = parse_ok(&r);
    hf_parset ps;
    pars[hf_model_poi(m)] = 2.5;
    assert_int_equal(hf_model_parset(m, hf_model_find_parset(m, "staterror_SR"),
                                     &ps), HF_OK);
    pars[ps.offset] = 1.1;
    pars[ps.offset + 1] = 1.0;
    pars[ps.offset + 2] = 0.9;
    assert_true(json_number(j, "logpdf") ==
                hf_model_logpdf(m, pars, hf_model_data(m), work));
    cJSON_Delete(j);
    result_free(&r);

    /* Where pyhf's logpdf is NaN (negative yields) hf prints null. */
    r = run("eval", DEMO_WS, "--pars", "{\"mu_ttbar\": -5}", NULL);
    j = parse_ok(&r);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "logpdf")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "twice_nll")));
    cJSON_Delete(j);
    result_free(&r);

    /* Unknown parameter names are errors, not ignored. */
    r = run("eval", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--pars",
            "{\"no_such_par\": 1}", NULL);
    assert_failed_cleanly(&r, 2, "no_such_par"); /* a bad command line */
    result_free(&r);
    /* Values JSON reads as infinite are refused, not evaluated to null. */
    run_fails(2, "'lumi' is not a finite number",
              "eval", DEMO_WS, "--pars", "{\"lumi\": 1e999}", NULL);
    run_fails(2, "'staterror_SR'[1] is not a finite number",
              "eval", DEMO_WS, "--pars", "{\"staterror_SR\": [1, -1e999, 1]}", NULL);

    /* The background-only workspace evaluates although its POI is absent. */
    r = run("eval", DEMO_WS, "--interp", "normsys=code1,histosys=code0", NULL);
    j = parse_ok(&r);
    assert_true(isfinite(json_number(j, "logpdf")));
    cJSON_Delete(j);
    result_free(&r);
    free(work);
    free(pars);
    hf_model_free(m);
}

static void check_cls_object(const cJSON *j)
{
    double obs = json_number(j, "CLs_obs");
    assert_true(obs >= 0 && obs <= 1);
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "CLs_exp");
    assert_int_equal(cJSON_GetArraySize(exp), 5);
    double prev = 0;
    for (int i = 0; i < 5; i++) {
        double v = cJSON_GetArrayItem(exp, i)->valuedouble;
        assert_true(v >= prev && v <= 1);
        prev = v;
    }
}

static void test_cls_demo(void **state)
{
    NEED_BIN();
    result r = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300",
                   "--tail-probs", "--upper-limit", NULL);
    cJSON *j = parse_ok(&r);
    check_cls_object(j);
    /* Agreement with pyhf; its optimiser stops at ~1e-6 relative. */
    assert_close(json_number(j, "CLs_obs"), PYHF_CLS_OBS, 1e-4);
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "CLs_exp");
    for (int i = 0; i < 5; i++)
        assert_close(cJSON_GetArrayItem(exp, i)->valuedouble, PYHF_CLS_EXP[i],
                     1e-4);
    assert_close(json_number(j, "CLsb"), PYHF_CLSB, 1e-4);
    assert_close(json_number(j, "CLb"), PYHF_CLB, 1e-4);
    const cJSON *ul = cJSON_GetObjectItemCaseSensitive(j, "upper_limit");
    assert_true(cJSON_IsObject(ul));
    assert_close(json_number(ul, "obs"), PYHF_UL_OBS, 1e-4);
    const cJSON *ue = cJSON_GetObjectItemCaseSensitive(ul, "exp");
    assert_int_equal(cJSON_GetArraySize(ue), 5);
    for (int i = 0; i < 5; i++)
        assert_close(cJSON_GetArrayItem(ue, i)->valuedouble, PYHF_UL_EXP[i],
                     1e-4);
    cJSON_Delete(j);
    result_free(&r);

    /* Without the flags only the two pyhf keys. */
    r = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_400", "--test-stat",
            "q", "--test-poi", "0.5", NULL);
    j = parse_ok(&r);
    check_cls_object(j);
    assert_int_equal(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
    result_free(&r);

    /* --seed is decimal: "010" is ten (not octal eight), "09" is nine. */
    result t[3];
    const char *seeds[3] = {"010", "10", "09"};
    for (int i = 0; i < 3; i++) {
        t[i] = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--calctype",
                   "toybased", "--ntoys", "20", "--threads", "1", "--seed", seeds[i],
                   NULL);
        assert_int_equal(t[i].status, 0);
    }
    assert_string_equal(t[0].out, t[1].out);
    for (int i = 0; i < 3; i++)
        result_free(&t[i]);
}

/* --scan: pyhf's linear_grid_scan limits (test_cls.c has the numbers and
 * the pyhf command), the grid as numpy.linspace, and its usage errors. */
static void test_cls_scan(void **state)
{
    NEED_BIN();
    result r = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--scan", "0:3:31",
                   "--tail-probs", NULL);
    cJSON *j = parse_ok(&r);
    const cJSON *scan = cJSON_GetObjectItemCaseSensitive(j, "scan");
    assert_int_equal(cJSON_GetArraySize(scan), 31);
    assert_close(cJSON_GetArrayItem(scan, 10)->valuedouble, 1.0, 1e-15);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "CLs_obs")), 31);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "CLsb")), 31);
    assert_close(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "CLs_obs"), 10)->valuedouble,
                 PYHF_CLS_OBS, 1e-4);
    const cJSON *ul = cJSON_GetObjectItemCaseSensitive(j, "upper_limit");
    assert_close(json_number(ul, "obs"), 1.148862927736644, 1e-3);
    cJSON_Delete(j);
    result_free(&r);

    run_fails(2, "--scan: '3:0:31' is not START:STOP:N",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--scan", "3:0:31", NULL);
    run_fails(2, "--scan gives its own upper limits",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--scan", "0:3:31",
              "--upper-limit", NULL);
    /* options that would be silently ignored are refused */
    run_fails(2, "drop --test-poi",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--scan", "0:3:31",
              "--test-poi", "2", NULL);
    run_fails(2, "drop --stats",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--scan", "0:3:31",
              "--stats", NULL);
    run_fails(2, "--cl is the level of the upper limits",
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--cl", "0.9", NULL);
    run_fails(2, "--cl is the level of the upper limits",
              "cls", DEMO_WS, DEMO_PS, "--cl", "0.9", NULL);
    run_fails(2, "--tail-probs: not for a whole patchset",
              "cls", DEMO_WS, DEMO_PS, "--tail-probs", NULL);
}

static void test_hfcls_name(void **state)
{
    NEED_BIN();
    /* build/hfcls is a symlink to build/hf: the name selects the verb. */
    char path[1024];
    snprintf(path, sizeof path, "%s", hf_bin);
    char *slash = strrchr(path, '/');
    snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
             "hfcls");
    if (access(path, X_OK) != 0)
        skip();
    char *argv[] = {path, DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--stats",
                    NULL};
    result a = run_argv(path, argv);
    result b = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", NULL);
    assert_int_equal(a.status, 0);
    assert_string_equal(a.out, b.out);
    /* --stats reports on stderr, never on stdout. */
    assert_non_null(strstr(a.err, "evaluations"));
    result_free(&a);
    result_free(&b);
}

static void test_fit_demo(void **state)
{
    NEED_BIN();
    hf_model *m = demo_model("sig_300");
    result r = run("fit", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", NULL);
    cJSON *j = parse_ok(&r);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "converged")));
    assert_true(json_number(j, "twice_nll") <= PYHF_FIT_TWICE_NLL + 1e-6);
    const cJSON *mle = cJSON_GetObjectItemCaseSensitive(j, "mle_parameters");
    const cJSON *unc = cJSON_GetObjectItemCaseSensitive(j, "uncertainties");
    assert_int_equal(cJSON_GetArraySize(mle), hf_model_nparsets(m));
    assert_int_equal(cJSON_GetArraySize(unc), hf_model_nparsets(m));
    /* Parameter sets in the model's order, with their sizes. */
    int k = 0;
    for (const cJSON *it = mle->child; it; it = it->next, k++) {
        hf_parset ps;
        assert_int_equal(hf_model_parset(m, k, &ps), HF_OK);
        assert_string_equal(it->string, ps.name);
        assert_int_equal(cJSON_GetArraySize(it), ps.n);
    }
    cJSON_Delete(j);
    result_free(&r);

    r = run("fit", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", "--fix-poi",
            "1.0", NULL);
    j = parse_ok(&r);
    mle = cJSON_GetObjectItemCaseSensitive(j, "mle_parameters");
    const cJSON *mu = cJSON_GetObjectItemCaseSensitive(mle, "mu_SIG");
    assert_true(cJSON_GetArrayItem(mu, 0)->valuedouble == 1.0);
    cJSON_Delete(j);
    result_free(&r);
    hf_model_free(m);
}

static void test_inspect_demo(void **state)
{
    NEED_BIN();
    char *out = malloc(512);
    snprintf(out, 512, "%s/inspect.json", tmpdir);
    result r = run("inspect", DEMO_WS, "--output-file", out, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Summary"));
    assert_non_null(strstr(r.out, "staterror_SR  constrained_by_normal"));
    assert_non_null(strstr(r.out, "(*) NormalMeasurement"));
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    assert_non_null(j);
    const char *keys[] = {"channels", "measurements", "modifiers",
                          "parameters", "samples", "systematics"};
    for (int i = 0; i < 6; i++)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, keys[i]));
    /* nbins is an integer, as pyhf writes it. */
    assert_non_null(strstr(buf, "\"CR\",\n            2\n"));
    cJSON_Delete(j);
    result_free(&r);
    unlink(out);
    free(out);
}

static void test_bad_files(void **state)
{
    NEED_BIN();
    run_fails(1, "/no/such/dir/ws.json", "cls", "/no/such/dir/ws.json", NULL);

    char *notjson = run_write_temp("notjson.json", "{\"channels\": [\n");
    run_fails(1, notjson, "eval", notjson, NULL);

    /* a fit that cannot start: the message names the workspace and the
     * bin, and nothing is printed */
    char *zero = run_write_temp("zero.json",
        "{\"version\": \"1.0.0\", \"channels\": [{\"name\": \"SR\", \"samples\": ["
        "{\"name\": \"sig\", \"data\": [5.0], \"modifiers\": [{\"name\": \"mu\", "
        "\"type\": \"normfactor\", \"data\": null}]}, {\"name\": \"bkg\", \"data\": [0.0], "
        "\"modifiers\": []}]}], \"observations\": [{\"name\": \"SR\", \"data\": [3.0]}], "
        "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", "
        "\"parameters\": []}}]}\n");
    result r = run("cls", zero, NULL);
    assert_failed_cleanly(&r, 1, "channel 'SR' bin 0 expects 0 events and has 3 observed");
    assert_non_null(strstr(r.err, zero));
    result_free(&r);

    char *notws = run_write_temp("notws.json", "{\"channels\": []}\n");
    run_fails(1, notws, "fit", notws, NULL);

    run_fails(1, notws, "inspect", notws, NULL);

    /* A bad patch file is named too. */
    run_fails(1, notjson, "cls", DEMO_WS, notjson, NULL);

    /* A patchset without --patch-name is a grid: one line per patch (see
     * test_batch.c); an unknown name is named. */
    r = run("cls", DEMO_WS, DEMO_PS, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "{\"patch\": \"sig_300\""));
    assert_non_null(strstr(r.out, "\"CLs_exp\": ["));
    result_free(&r);
    run_fails(1, "sig_999", "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_999", NULL);
    free(notjson);
    free(zero);
    free(notws);
}

static void test_output_file(void **state)
{
    NEED_BIN();
    char out[512], bad[512];
    snprintf(out, sizeof out, "%s/cls.json", tmpdir);
    unlink(out);

    /* On error: not created ... */
    char *notjson = run_write_temp("broken.json", "[1, 2");
    result r = run("cls", notjson, "--output-file", out, NULL);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_int_equal(access(out, F_OK), -1);
    result_free(&r);

    /* ... and an existing file is left as it was. */
    FILE *f = fopen(out, "w");
    fputs("old", f);
    fclose(f);
    r = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "nope", "--output-file",
            out, NULL);
    assert_int_not_equal(r.status, 0);
    char buf[4096];
    f = fopen(out, "r");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_string_equal(buf, "old");
    result_free(&r);

    /* On success: the file holds what stdout would, stdout is empty. */
    r = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_500", "--output-file",
            out, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    result s = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_500", NULL);
    f = fopen(out, "r");
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_string_equal(buf, s.out);
    result_free(&r);
    result_free(&s);

    /* An unwritable destination is an error with nothing on stdout. */
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.json", tmpdir);
    run_fails(1, bad,
              "cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_500", "--output-file", bad, NULL);
    unlink(out);
    free(notjson);
}

int main(void)
{
    if (run_setup("test_cli") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_version),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_eval_demo),
        cmocka_unit_test(test_cls_demo),
        cmocka_unit_test(test_cls_scan),
        cmocka_unit_test(test_hfcls_name),
        cmocka_unit_test(test_fit_demo),
        cmocka_unit_test(test_inspect_demo),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_output_file),
    };
    int rc = cmocka_run_group_tests_name("cli", tests, NULL, NULL);
    run_teardown("test_cli");
    return rc;
}
