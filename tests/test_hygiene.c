/*
 * test_hygiene.c - what a host program relies on: the runtime version
 * agrees with the header, hf_free takes what the library allocates, and a
 * GSL error after hf has been used is a status, not abort() (GSL's
 * default handler), while a handler the host installed first is kept.
 * Option structs carry a version: one never set up by its _init (version
 * 0) or from a newer header is refused, naming the struct, before any
 * of its other fields is read.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "hf.h"

static const char ws_json[] =
    "{\"channels\": [{\"name\": \"c\", \"samples\": [{\"name\": \"s\", "
    "\"data\": [1.0], \"modifiers\": [{\"name\": \"mu\", \"type\": "
    "\"normfactor\", \"data\": null}]}, {\"name\": \"b\", \"data\": [5.0], "
    "\"modifiers\": []}]}], \"observations\": [{\"name\": \"c\", \"data\": "
    "[5.0]}], \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": "
    "\"mu\", \"parameters\": []}}], \"version\": \"1.0.0\"}";

static void build_a_model(void)
{
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(ws_json, "ws", &ws, &err), HF_OK);
    assert_int_equal(hf_model_build(ws, NULL, 0, NULL, &m, &err), HF_OK);
    hf_model_free(m);
    hf_workspace_free(ws);
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(hf_version(), HF_VERSION);
    assert_int_equal(hf_version_number(), HF_VERSION_NUMBER);
    int a, b, c;
    assert_int_equal(sscanf(HF_VERSION, "%d.%d.%d", &a, &b, &c), 3);
    assert_int_equal(HF_VERSION_NUMBER, a * 10000 + b * 100 + c);
}

static void test_hf_free(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(ws_json, "ws", &ws, &err), HF_OK);
    char *text = hf_workspace_dump(ws, 0);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"normfactor\""));
    hf_free(text);
    hf_free(NULL);
    hf_workspace_free(ws);
}

/* A GSL error: the Cholesky decomposition of a matrix that is not
 * square, which GSL reports through its handler (GSL_ENOTSQR). */
static int gsl_failure(void)
{
    gsl_matrix *m = gsl_matrix_calloc(2, 3);
    int rc = m ? gsl_linalg_cholesky_decomp1(m) : -1;
    gsl_matrix_free(m);
    return rc;
}

/* In a child: after hf has built a model, a GSL error returns its status
 * instead of aborting. */
static void test_gsl_error_is_a_status(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        build_a_model();
        _exit(gsl_failure() == GSL_ENOTSQR ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st)); /* not killed by SIGABRT */
    assert_int_equal(WEXITSTATUS(st), 0);
}

static int host_calls;
static void host_handler(const char *reason, const char *file, int line,
                         int gsl_errno)
{
    (void)reason, (void)file, (void)line, (void)gsl_errno;
    host_calls++;
}

/* A host's own handler, installed before hf is first used, stays. */
static void test_host_handler_kept(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        gsl_set_error_handler(host_handler);
        build_a_model();
        _exit(gsl_failure() == GSL_ENOTSQR && host_calls == 1 ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* err must name the struct and its _init, and the call must fail with
 * HF_ERR_ARG (not crash on the garbage fields around the version). */
static void assert_refused(int rc, const hf_error *err, const char *type)
{
    assert_int_equal(rc, HF_ERR_ARG);
    assert_non_null(strstr(err->msg, type));
    char init[64];
    snprintf(init, sizeof init, "%s_init", type);
    assert_non_null(strstr(err->msg, init));
}

static void test_option_versions(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(ws_json, "ws", &ws, &err), HF_OK);
    for (int bad = 0; bad < 2; bad++) {
        /* bad 0: never initialised; 1: a version from a future header */
        hf_model_options mo;
        hf_model_options_init(&mo);
        mo.version = bad ? HF_MODEL_OPTIONS_VERSION + 1 : 0;
        assert_refused(hf_model_build(ws, NULL, 0, &mo, &m, &err), &err,
                       "hf_model_options");
        assert_null(m);
    }
    assert_int_equal(hf_model_build(ws, NULL, 0, NULL, &m, &err), HF_OK);
    const double *data = hf_model_data(m);
    double pars[8];
    hf_fit_result fr;
    hf_fit_options fo;
    memset(&fo, 0, sizeof fo);
    assert_refused(hf_fit(m, data, NULL, 0, 0, &fo, pars, &fr, &err), &err,
                   "hf_fit_options");
    hf_cls_result cr;
    assert_refused(hf_cls_asymptotic(m, data, 1.0, HF_TEST_QMU_TILDE, &fo,
                                     &cr, &err), &err, "hf_fit_options");
    hf_toys_options to;
    memset(&to, 0, sizeof to);
    hf_toys_result tr;
    assert_refused(hf_cls_toys(m, data, 1.0, HF_TEST_QMU_TILDE, 10, 1, &to,
                               &tr, &err), &err, "hf_toys_options");
    hf_toys_options_init(&to);
    to.fit = &fo; /* a valid struct pointing at an invalid one */
    assert_refused(hf_cls_toys(m, data, 1.0, HF_TEST_QMU_TILDE, 10, 1, &to,
                               &tr, &err), &err, "hf_fit_options");
    hf_fit_options_init(&fo);
    assert_int_equal(hf_fit(m, data, NULL, 0, 0, &fo, pars, &fr, &err), HF_OK);

    hf_batch_options bo;
    memset(&bo, 0, sizeof bo);
    hf_batch_result br;
    assert_refused(hf_batch_cls_patches(ws, NULL, 0, &bo, &br, &err), &err,
                   "hf_batch_options");
    hf_batch_result_free(&br);
    hf_ws_edit e;
    memset(&e, 0, sizeof e);
    hf_workspace *out = NULL;
    assert_refused(hf_workspace_prune_rename(ws, &e, &out, &err), &err,
                   "hf_ws_edit");
    hf_simplify_options so;
    memset(&so, 0, sizeof so);
    assert_refused(hf_workspace_simplify(ws, &so, &out, &err), &err,
                   "hf_simplify_options");
    assert_null(out);
    hf_signal_spec sp;
    memset(&sp, 0, sizeof sp);
    const char *chan[] = {"c"};
    sp.channels = chan;
    sp.nchannels = 1;
    double y = 1.0;
    char *patch = NULL;
    assert_refused(hf_signal_patch(ws, &sp, &y, NULL, &patch, &err), &err,
                   "hf_signal_spec");
    assert_null(patch);
    hf_model_free(m);
    hf_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_hf_free),
        cmocka_unit_test(test_gsl_error_is_a_status),
        cmocka_unit_test(test_host_handler_kept),
        cmocka_unit_test(test_option_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
