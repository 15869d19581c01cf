/*
 * test_dl.c - core/dl.h, the shared libraries opened on first use: the
 * table it fills calls the library's own functions; a library that is not
 * there, or lacks a symbol, is reported by name (the message the TMVA
 * reader, the XGBoost reader and `hf plot` give: "PATH: WHAT needs LABEL,
 * which could not be loaded (WHY; on Debian: apt install PKG)"); the
 * library is opened once, from any number of threads at once.
 *
 * Real libraries here are libm's and libc's (always there); the missing
 * one is a name no package has.  test_dlmissing hides the real libxml2,
 * libxgboost and cairo from the command where the machine allows it.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/dl.h"
#include "internal.h"

#define NONE "libhf-test-absent.so.0"

static void test_table(void **state)
{
    static const char *const names[] = {"cos", "sqrt"};
    static void *sym[2];
    static hfcore_dl d = HFCORE_DL("libm.so.6", "libm.so", "libm", names, sym);
    assert_string_equal(hfcore_dl_load(&d), "");
    double (*f)(double) = (double (*)(double))sym[1];
    assert_true(f(2.25) == 1.5); /* exact: libm's sqrt, not a stand-in */
    f = (double (*)(double))sym[0];
    assert_true(f(0.0) == 1.0);
    hf_error err = {0};
    assert_int_equal(hfcore_dl_need(&d, "x", "y", "z", &err), HF_OK);
    assert_int_equal(err.code, 0);
}

static void test_absent(void **state)
{
    static const char *const names[] = {"xmlReadFile"};
    static void *sym[1];
    static hfcore_dl d = HFCORE_DL(NONE, "libhf-test-absent.so", "libxml2", names, sym);
    hf_error err = {0};
    assert_int_equal(hfcore_dl_need(&d, "w.xml", "a TMVA weight file", "libxml2", &err),
                     HF_ERR_IO);
    assert_int_equal(err.code, HF_ERR_IO);
    /* the run-time name's fault (the file the runtime package installs),
     * not the development link's */
    const char *want = "w.xml: a TMVA weight file needs libxml2, which could not be loaded "
                       "(" NONE ": cannot open shared object file";
    assert_memory_equal(err.msg, want, strlen(want));
    assert_non_null(strstr(err.msg, "; on Debian: apt install libxml2)"));
    assert_null(sym[0]);
    /* once: a later call reports the same, without trying again (it
     * would find libm now) */
    char why[256];
    snprintf(why, sizeof why, "%s", hfcore_dl_load(&d));
    assert_memory_equal(why, NONE ": cannot open", strlen(NONE ": cannot open"));
    d.soname = "libm.so.6";
    assert_string_equal(hfcore_dl_load(&d), why);
}

static void test_no_symbol(void **state)
{
    static const char *const names[] = {"cos", "hf_test_no_such_symbol", "also_missing"};
    static void *sym[3];
    static hfcore_dl d = HFCORE_DL("libm.so.6", "libm.so", "libm", names, sym);
    /* the first symbol missing is the one named */
    assert_string_equal(hfcore_dl_load(&d), "libm has no hf_test_no_such_symbol");
    assert_non_null(sym[0]);
    assert_null(sym[1]);
}

static const char *const shared_names[] = {"strlen"};
static void *shared_sym[1];
static hfcore_dl shared = HFCORE_DL("libc.so.6", "libc.so", "libc", shared_names, shared_sym);

static void *load_strlen(void *arg)
{
    const char *why = hfcore_dl_load(&shared);
    size_t (*f)(const char *) = (size_t (*)(const char *))shared_sym[0];
    *(int *)arg = !why[0] && f && f("four") == 4;
    return NULL;
}

/* Eight threads at once: each sees the whole table, whichever opened it. */
static void test_threads(void **state)
{
    pthread_t t[8];
    int ok[8] = {0};
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, load_strlen, &ok[i]), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(ok[i], 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_no_symbol),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
