/*
 * test_patchset_apply.c - one semantics for a patchset's patches, pyhf's
 * PatchSet.apply: applied to the whole workspace (observations and
 * measurements too) by every verb, while a plain patch, and
 * hf_model_build (pyhf's Workspace.model(patches=...)), stay on the model
 * spec {"channels", "parameters"}.  Written against the behaviour it
 * fixes: hfcls refused a patchset patch on /observations or
 * /measurements and accepted one on /parameters.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf.h"
#include "run.h"

#define DEMO_PS "workspaces/demo/patchset.json"

static char psfile[512], wsfile_obs[512];

/* The demo patchset with three patches: sig_300's operations plus one
 * more, on /observations, /measurements or /parameters. */
static void write_patchset(void)
{
    char *text = slurp_path(DEMO_PS);
    assert_non_null(text);
    cJSON *ps = cJSON_Parse(text);
    free(text);
    assert_non_null(ps);
    cJSON *patches = cJSON_GetObjectItem(ps, "patches");
    cJSON *first = cJSON_GetArrayItem(patches, 0);
    static const char *const extra[][2] = {
        {"obs", "{\"op\": \"replace\", \"path\": \"/observations/1/data/0\", "
                "\"value\": 25.0}"},
        {"meas", "{\"op\": \"replace\", \"path\": "
                 "\"/measurements/0/config/parameters/2/bounds\", "
                 "\"value\": [[0.0, 5.0]]}"},
        {"par", "{\"op\": \"replace\", \"path\": \"/parameters/2/bounds\", "
                "\"value\": [[0.0, 5.0]]}"}};
    cJSON *list = cJSON_CreateArray();
    for (int k = 0; k < 3; k++) {
        cJSON *p = cJSON_Duplicate(first, 1);
        cJSON *md = cJSON_GetObjectItem(p, "metadata");
        cJSON_ReplaceItemInObject(md, "name", cJSON_CreateString(extra[k][0]));
        cJSON *vals = cJSON_CreateArray();
        cJSON_AddItemToArray(vals, cJSON_CreateNumber(k + 1));
        cJSON_ReplaceItemInObject(md, "values", vals);
        cJSON_AddItemToArray(cJSON_GetObjectItem(p, "patch"),
                             cJSON_Parse(extra[k][1]));
        cJSON_AddItemToArray(list, p);
    }
    cJSON_ReplaceItemInObject(ps, "patches", list);
    char *out = cJSON_Print(ps);
    cJSON_Delete(ps);
    snprintf(psfile, sizeof psfile, "%s/ps.json", tmpdir);
    FILE *f = fopen(psfile, "w");
    assert_non_null(f);
    fputs(out, f);
    fclose(f);
    free(out);
}

static hf_patchset *load_ps(void)
{
    hf_patchset *ps = NULL;
    hf_error err = {0};
    assert_int_equal(hf_patchset_read(psfile, &ps, &err), HF_OK);
    return ps;
}

/* The library: hf_model_build_applied sees the patched observation and
 * bounds; hf_model_build (Workspace.model) keeps pyhf's model-spec
 * reading of the same patches. */
static void test_library(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(RUN_DEMO_WS, &ws, &err), HF_OK);
    hf_patchset *ps = load_ps();
    const hf_patch *obs = hf_patchset_patch(ps, 0);
    const hf_patch *meas = hf_patchset_patch(ps, 1);
    const hf_patch *par = hf_patchset_patch(ps, 2);
    hf_model *m = NULL;

    /* SR's first bin is main bin 2 (CR has 2 bins): 19 observed, 25 after */
    assert_int_equal(hf_model_build_applied(ws, &obs, 1, NULL, &m, &err), HF_OK);
    assert_true(hf_model_data(m)[2] == 25.0);
    hf_model_free(m);
    assert_int_equal(hf_model_build_applied(ws, &meas, 1, NULL, &m, &err), HF_OK);
    int poi = hf_model_poi(m);
    assert_true(poi >= 0 && hf_model_upper(m)[poi] == 5.0);
    hf_model_free(m);
    assert_int_not_equal(hf_model_build_applied(ws, &par, 1, NULL, &m, &err), HF_OK);
    assert_null(m);
    assert_non_null(strstr(err.msg, "/parameters"));

    /* pyhf's Workspace.model(patches=[patchset["par"]]) patches the spec */
    assert_int_equal(hf_model_build(ws, &par, 1, NULL, &m, &err), HF_OK);
    poi = hf_model_poi(m);
    assert_true(hf_model_upper(m)[poi] == 5.0);
    assert_true(hf_model_data(m)[2] == 19.0);
    hf_model_free(m);
    assert_int_not_equal(hf_model_build(ws, &obs, 1, NULL, &m, &err), HF_OK);

    /* the same as patchset apply, then the model of the result */
    hf_workspace *applied = NULL;
    assert_int_equal(hf_workspace_apply(ws, obs, &applied, &err), HF_OK);
    assert_int_equal(hf_model_build(applied, NULL, 0, NULL, &m, &err), HF_OK);
    assert_true(hf_model_data(m)[2] == 25.0);
    hf_model_free(m);
    hf_workspace_free(applied);
    /* the batch core (the grid) reads patchset patches the same way */
    hf_batch_result res;
    assert_int_equal(hf_batch_cls(ws, ps, NULL, &res, &err), HF_OK);
    assert_int_equal(res.n, 3);
    assert_int_equal(res.items[0].status, HF_OK);
    assert_int_equal(res.items[1].status, HF_OK);
    assert_int_not_equal(res.items[2].status, HF_OK);
    hf_batch_result_free(&res);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
}

/* The command: hfcls on a patchset patch prints what `hf patchset apply`
 * then hfcls on the result print, for each verb; /parameters fails. */
static void test_command(void **state)
{
    NEED_BIN();
    const char *names[] = {"obs", "meas"};
    for (int k = 0; k < 2; k++) {
        result a = run("patchset", "apply", RUN_DEMO_WS, psfile, "--name",
                       names[k], "--output-file", wsfile_obs, NULL);
        assert_int_equal(a.status, 0);
        result_free(&a);
        const char *verbs[] = {"cls", "eval", "fit"};
        for (int v = 0; v < 3; v++) {
            result r = run(verbs[v], RUN_DEMO_WS, psfile, "--patch-name",
                           names[k], NULL);
            result s = run(verbs[v], wsfile_obs, NULL);
            if (r.status != 0)
                fprintf(stderr, "%s %s: %s", verbs[v], names[k], r.err);
            assert_int_equal(r.status, 0);
            assert_int_equal(s.status, 0);
            assert_string_equal(r.out, s.out);
            result_free(&r);
            result_free(&s);
        }
    }
    result r = run("cls", RUN_DEMO_WS, psfile, "--patch-name", "par", NULL);
    assert_failed_cleanly(&r, 1, "/parameters");
    result_free(&r);
    /* grid mode: the obs point equals the applied workspace's CLs */
    r = run("cls", RUN_DEMO_WS, psfile, NULL);
    assert_int_not_equal(r.status, 0); /* "par" fails: status says so */
    assert_non_null(strstr(r.err, "par"));
    result_free(&r);
}

int main(void)
{
    if (run_setup("test_patchset_apply") != 0)
        return 1;
    write_patchset();
    snprintf(wsfile_obs, sizeof wsfile_obs, "%s/applied.json", tmpdir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library),
        cmocka_unit_test(test_command),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_patchset_apply");
    return rc;
}
