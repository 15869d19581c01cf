/*
 * test_hygiene.c - what a host program relies on: the runtime version
 * agrees with the header, hf_free takes what the library allocates, and a
 * GSL error after hf has been used is a status, not abort() (GSL's
 * default handler), while a handler the host installed first is kept.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_hf_free),
        cmocka_unit_test(test_gsl_error_is_a_status),
        cmocka_unit_test(test_host_handler_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
