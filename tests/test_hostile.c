/*
 * test_hostile.c - hostile input (README "Robustness"): names with NUL,
 * unverified patchsets, special --output-file targets, patchset patches
 * on the whole workspace, workspace problems reported as bad input, POI
 * values outside their bounds, unbounded reads and unclear messages.
 * Each case was first written against the behaviour it fixes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf.h"
#include "run.h"

#define DEMO_WS RUN_DEMO_WS
#define DEMO_PS "workspaces/demo/patchset.json"

/* One channel "c", one bin: sig (normfactor mu) over bkg with two
 * normsys whose names are given as JSON string bodies. */
static char *two_normsys(const char *a, const char *b)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"channels\": [{\"name\": \"c\", \"samples\": ["
             " {\"name\": \"sig\", \"data\": [5.0], \"modifiers\": ["
             "  {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
             " {\"name\": \"bkg\", \"data\": [50.0], \"modifiers\": ["
             "  {\"name\": \"%s\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}},"
             "  {\"name\": \"%s\", \"type\": \"normsys\", \"data\": {\"hi\": 1.2, \"lo\": 0.8}}]}]}],"
             " \"observations\": [{\"name\": \"c\", \"data\": [52]}],"
             " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\","
             "  \"parameters\": []}}], \"version\": \"1.0.0\"}",
             a, b);
    return buf;
}

/* 1. Names that differ only after a NUL are refused, never merged. */
static void test_nul_names(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    int rc = hf_workspace_parse(two_normsys("sys\\u0000A", "sys\\u0000B"),
                                "nul.json", &ws, &err);
    assert_int_not_equal(rc, HF_OK);
    assert_null(ws);
    assert_non_null(strstr(err.msg, "nul.json"));
    assert_non_null(strstr(err.msg, "NUL"));
    /* the same without the NUL is fine: two parameters */
    rc = hf_workspace_parse(two_normsys("sysA", "sysB"), "ok.json", &ws, &err);
    assert_int_equal(rc, HF_OK);
    hf_workspace_free(ws);
    /* "\\u0000" (an escaped backslash, then "u0000") is not a NUL */
    rc = hf_workspace_parse(two_normsys("sys\\\\u0000A", "sysB"), "bs.json",
                            &ws, &err);
    assert_int_equal(rc, HF_OK);
    hf_workspace_free(ws);
    /* patches and patchsets too */
    hf_patch *p = NULL;
    rc = hf_patch_parse("[{\"op\": \"test\", \"path\": \"/a\", \"value\": "
                        "\"x\\u0000y\"}]", "p.json", &p, &err);
    assert_int_not_equal(rc, HF_OK);
    assert_non_null(strstr(err.msg, "NUL"));
}

/* 8. Reads are bounded: devices and directories refused, pipes capped. */
static void test_unbounded_reads(void **state)
{
    NEED_BIN();
    result r = run("inspect", "/dev/zero", NULL);
    assert_failed_cleanly(&r, 1, "/dev/zero: is a device");
    result_free(&r);
    run_fails(1, "is a directory", "inspect", tmpdir, NULL);

    /* a pipe longer than HF_MAX_INPUT_BYTES */
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t w = fork();
    assert_true(w >= 0);
    if (w == 0) {
        signal(SIGPIPE, SIG_DFL);
        int fd = open(fifo, O_WRONLY);
        static char blk[65536];
        memset(blk, ' ', sizeof blk);
        for (int i = 0; fd >= 0 && i < 64; i++)
            if (write(fd, blk, sizeof blk) < 0)
                break;
        _exit(0);
    }
    setenv("HF_MAX_INPUT_BYTES", "1M", 1);
    r = run("inspect", fifo, NULL);
    unsetenv("HF_MAX_INPUT_BYTES");
    assert_failed_cleanly(&r, 1, "HF_MAX_INPUT_BYTES");
    result_free(&r);
    waitpid(w, NULL, 0);
    unlink(fifo);

    /* a regular file over the limit is refused before it is read */
    setenv("HF_MAX_INPUT_BYTES", "100", 1);
    r = run("inspect", DEMO_WS, NULL);
    unsetenv("HF_MAX_INPUT_BYTES");
    assert_failed_cleanly(&r, 1, "larger than 100 bytes");
    result_free(&r);
}


/* One bin: sig (normfactor mu) over bkg (with lumi), the measurement's
 * POI `poi` and parameter configs `params` after lumi's. */
static char *ws_file(const char *name, const char *poi, const char *params)
{
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"channels\": [{\"name\": \"c\", \"samples\": ["
             " {\"name\": \"sig\", \"data\": [5.0], \"modifiers\": ["
             "  {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
             " {\"name\": \"bkg\", \"data\": [50.0], \"modifiers\": ["
             "  {\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}]}]}],"
             " \"observations\": [{\"name\": \"c\", \"data\": [52]}],"
             " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"%s\","
             "  \"parameters\": [{\"name\": \"lumi\", \"auxdata\": [1.0],"
             "   \"sigmas\": [0.02], \"bounds\": [[0.9, 1.1]], \"inits\": [1.0]}%s]}}],"
             " \"version\": \"1.0.0\"}\n", poi, params);
    return run_write_temp(name, buf);
}

/* 5. Problems of the workspace are bad input (exit 1), named by file and
 * JSON path, not a bad command line (2). */
static void test_workspace_problems(void **state)
{
    NEED_BIN();
    static const struct {
        const char *file, *poi, *params, *msg;
    } cases[] = {
        {"init.json", "mu", ", {\"name\": \"mu\", \"inits\": [20], \"bounds\": [[0, 10]]}",
         "init 20 lies outside its bounds [0, 10]"},
        {"fixed.json", "mu", ", {\"name\": \"mu\", \"fixed\": true}", "is fixed"},
        {"b00.json", "mu", ", {\"name\": \"mu\", \"bounds\": [[0, 0]]}",
         "bounds [0, 0]"},
        {"lumipoi.json", "lumi", "", "exclude 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = ws_file(cases[i].file, cases[i].poi, cases[i].params);
        result r = run("cls", path, NULL);
        assert_failed_cleanly(&r, 1, cases[i].msg);
        assert_non_null(strstr(r.err, path));
        assert_non_null(strstr(r.err, "measurements[0].config.parameters"));
        result_free(&r);
        free(path);
    }
    char *path = ws_file("init2.json", "mu",
                         ", {\"name\": \"mu\", \"inits\": [20], \"bounds\": [[0, 10]]}");
    result r = run("fit", path, NULL);
    assert_failed_cleanly(&r, 1, "init 20 lies outside its bounds [0, 10]");
    result_free(&r);
    free(path);
    /* no POI at all: the message names the file */
    path = ws_file("nopoi.json", "", "");
    r = run("cls", path, NULL);
    assert_failed_cleanly(&r, 1, "no parameter of interest");
    assert_non_null(strstr(r.err, path));
    result_free(&r);
    free(path);
}

/* 6. A tested POI value outside the POI's bounds is refused, naming them. */
static void test_test_poi_bounds(void **state)
{
    NEED_BIN();
    char *path = ws_file("ok.json", "mu", "");
    const char *bad[] = {"-1", "1e6", "10.5"};
    for (int i = 0; i < 3; i++) {
        result r = run("cls", path, "--test-poi", bad[i], NULL);
        assert_failed_cleanly(&r, 2, "outside the bounds [0, 10] of the POI mu");
        result_free(&r);
    }
    result r = run("cls", path, "--scan", "0:20:3", NULL);
    assert_failed_cleanly(&r, 2, "outside the bounds [0, 10]");
    result_free(&r);
    run_fails(2, "outside the bounds [0, 10]",
              "cls", path, "--test-poi", "-1", "--calctype", "toybased",
              "--ntoys", "10", NULL);
    /* the edges are fine */
    r = run("cls", path, "--test-poi", "10", NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    /* grid mode: every patch says so */
    r = run("cls", DEMO_WS, DEMO_PS, "--test-poi", "-1", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "outside the bounds [0, 10]"));
    result_free(&r);
    free(path);

    /* the library: below the lower bound is an argument error */
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(DEMO_WS, &ws, &err), HF_OK);
    hf_patch *p = NULL;
    assert_int_equal(hf_patch_read_any(DEMO_PS, "sig_300", &p, &err), HF_OK);
    const hf_patch *pl[1] = {p};
    assert_int_equal(hf_model_build(ws, pl, 1, NULL, &m, &err), HF_OK);
    hf_cls_result c;
    assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), -1,
                                       HF_TEST_QMU_TILDE, NULL, &c, &err),
                     HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "[0, 10]"));
    hf_model_free(m);
    hf_patch_free(p);
    hf_workspace_free(ws);
}

/* 9. Messages say what is wrong. */
static void test_messages(void **state)
{
    NEED_BIN();
    char *deep = malloc(100002);
    assert_non_null(deep);
    memset(deep, '[', 100000);
    deep[100000] = '\n';
    deep[100001] = '\0';
    char *path = run_write_temp("deep.json", deep);
    free(deep);
    result r = run("inspect", path, NULL);
    assert_failed_cleanly(&r, 1, "nested deeper than 1000");
    result_free(&r);
    free(path);

    path = ws_file("okm.json", "mu", "");
    run_fails(2, "underflows", "cls", path, "--test-poi", "5e-324", NULL);
    run_fails(2, "the file name is empty", "cls", path, "--output-file", "", NULL);
    run_fails(2, "'mu': expected a number, got a string",
              "eval", path, "--pars", "{\"mu\": \"2\"}", NULL);
    run_fails(2, "'mu' has 1 component, got a list of 2",
              "eval", path, "--pars", "{\"mu\": [1, 2]}", NULL);
    run_fails(2, "no parameter 'nope'", "eval", path, "--pars", "{\"nope\": 1}", NULL);
    free(path);
}


/* 2. A patchset made for another workspace is refused unless --no-verify. */
static void test_verify_digest(void **state)
{
    NEED_BIN();
    /* the demo workspace with one more event observed */
    char *text = slurp_path(DEMO_WS);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    cJSON *obs = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "observations"), 0);
    cJSON *d0 = cJSON_GetArrayItem(cJSON_GetObjectItem(obs, "data"), 0);
    cJSON_SetNumberValue(d0, d0->valuedouble + 1);
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    char *other = run_write_temp("other.json", out);
    free(out);

    result r = run("cls", other, DEMO_PS, "--patch-name", "sig_300", NULL);
    assert_failed_cleanly(&r, 1, "--no-verify");
    assert_non_null(strstr(r.err, "digest"));
    result_free(&r);
    r = run("cls", other, DEMO_PS, NULL); /* grid mode */
    assert_failed_cleanly(&r, 1, "--no-verify");
    result_free(&r);
    run_fails(1, "--no-verify", "eval", other, DEMO_PS, "--patch-name", "sig_300", NULL);
    run_fails(1, "--no-verify", "fit", other, DEMO_PS, "--patch-name", "sig_300", NULL);

    r = run("cls", other, DEMO_PS, "--patch-name", "sig_300", "--no-verify", NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    r = run("cls", other, DEMO_PS, "--no-verify", NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    /* the workspace it was made for passes */
    r = run("cls", DEMO_WS, DEMO_PS, "--patch-name", "sig_300", NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    free(other);
}


/* 7. NULL inside lists the library is given, and unsorted scans (every
 * NULL argument itself: test_nullargs, generated from hf.h). */
static void test_library_lists(void **state)
{
    (void)state;
    hf_workspace *ws = NULL, *out = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(DEMO_WS, &ws, &err), HF_OK);
    const char *names[2] = {"lumi", NULL};
    hf_ws_edit e;
    hf_ws_edit_init(&e);
    e.prune_modifiers = names;
    e.n_prune_modifiers = 2;
    assert_int_equal(hf_workspace_prune_rename(ws, &e, &out, &err), HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "NULL name"));
    memset(&e, 0, sizeof e);
    e.rename_samples = names;
    e.n_rename_samples = 1;
    assert_int_equal(hf_workspace_prune_rename(ws, &e, &out, &err), HF_ERR_ARG);

    const hf_patch *none[1] = {NULL};
    hf_model *m = NULL;
    assert_int_equal(hf_model_build(ws, none, 1, NULL, &m, &err), HF_ERR_ARG);
    hf_batch_result br;
    memset(&br, 0, sizeof br);
    int rc = hf_batch_cls_patches(ws, none, 1, NULL, &br, &err);
    assert_true(rc == HF_ERR_ARG || (rc == HF_OK && br.nfailed == 1));
    hf_batch_result_free(&br);

    /* upper limit scans: strictly increasing POI values only */
    hf_patch *p = NULL;
    assert_int_equal(hf_patch_read_any(DEMO_PS, "sig_300", &p, &err), HF_OK);
    const hf_patch *pl[1] = {p};
    assert_int_equal(hf_model_build(ws, pl, 1, NULL, &m, &err), HF_OK);
    hf_limit_result lim;
    const double unsorted[3] = {0.5, 2.0, 1.0}, repeated[3] = {0.5, 1.0, 1.0};
    assert_int_equal(hf_upper_limit_scan(m, hf_model_data(m), unsorted, 3, 0.95,
                                         HF_TEST_QMU_TILDE, NULL, NULL, &lim,
                                         &err), HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "increase"));
    assert_int_equal(hf_upper_limit_scan(m, hf_model_data(m), repeated, 3, 0.95,
                                         HF_TEST_QMU_TILDE, NULL, NULL, &lim,
                                         &err), HF_ERR_ARG);
    hf_model_free(m);
    hf_patch_free(p);
    hf_workspace_free(ws);
}

/* 3. --output-file: each kind of target. */
static void test_output_targets(void **state)
{
    NEED_BIN();
    char *ws = ws_file("out_ws.json", "mu", "");
    result want = run("cls", ws, NULL);
    assert_int_equal(want.status, 0);
    char reg[512], link[512], fifo[512];
    snprintf(reg, sizeof reg, "%s/out600.json", tmpdir);
    snprintf(link, sizeof link, "%s/outlink.json", tmpdir);
    snprintf(fifo, sizeof fifo, "%s/outfifo", tmpdir);

    /* a regular file keeps its mode */
    FILE *f = fopen(reg, "w");
    fputs("old", f);
    fclose(f);
    chmod(reg, 0600);
    result r = run("cls", ws, "--output-file", reg, NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    struct stat st;
    assert_int_equal(stat(reg, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_file_holds(reg, want.out);

    /* a symbolic link stays one; its target is written */
    unlink(reg);
    f = fopen(reg, "w");
    fputs("old", f);
    fclose(f);
    unlink(link);
    assert_int_equal(symlink("out600.json", link), 0);
    r = run("cls", ws, "--output-file", link, NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file_holds(reg, want.out);
    unlink(link);
    unlink(reg);

    /* a FIFO is written, not replaced: its reader gets the result */
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char got[512];
    snprintf(got, sizeof got, "%s/fromfifo", tmpdir);
    pid_t rd = fork();
    assert_true(rd >= 0);
    if (rd == 0) {
        int in = open(fifo, O_RDONLY), out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        char b[4096];
        ssize_t k;
        while (in >= 0 && out >= 0 && (k = read(in, b, sizeof b)) > 0)
            if (write(out, b, (size_t)k) != k)
                break;
        _exit(0);
    }
    r = run("cls", ws, "--output-file", fifo, NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    waitpid(rd, NULL, 0);
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_file_holds(got, want.out);
    unlink(fifo);
    unlink(got);

    /* /dev/null stays a device; /dev/stdout is this run's stdout */
    r = run("cls", ws, "--output-file", "/dev/null", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    result_free(&r);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    r = run("cls", ws, "--output-file", "/dev/stdout", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, want.out);
    result_free(&r);

    /* a directory is refused */
    run_fails(1, "is a directory", "cls", ws, "--output-file", tmpdir, NULL);
    result_free(&want);
    free(ws);
}

int main(void)
{
    if (run_setup("test_hostile") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_names),
        cmocka_unit_test(test_unbounded_reads),
        cmocka_unit_test(test_workspace_problems),
        cmocka_unit_test(test_test_poi_bounds),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_verify_digest),
        cmocka_unit_test(test_output_targets),
        cmocka_unit_test(test_library_lists),
    };
    int rc = cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
    run_teardown("test_hostile");
    return rc;
}
