/*
 * test_dlmissing.c - libxgboost and cairo are opened on first use
 * (core/dl.c): when they cannot be loaded, `hf score` on an XGBoost model
 * and `hf plot` fail cleanly (exit 1, a message naming the library and the
 * Debian package, nothing written) instead of crashing on a NULL function.
 *
 * The library is hidden from the command by bind-mounting /dev/null over
 * its file in a mount namespace of its own (unshare -r -m): the machine's
 * file stays as it is.  Where unshare cannot do that (no user namespaces
 * in a container), the tests skip.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"

#define UNSHARE "/usr/bin/unshare"

/* The file behind the library's soname, as the dynamic loader finds it
 * (the test program is not linked with it: dlopen resolves the same way
 * the command will); 0 when it is not installed. */
static int lib_file(const char *soname, char *path)
{
    void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    struct link_map *lm = NULL;
    int ok = h && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm &&
             realpath(lm->l_name, path) != NULL;
    if (h)
        dlclose(h);
    return ok;
}

/* hf's argv (NULL-ended) run with the library `soname` hidden; skips
 * where that cannot be arranged. */
static result run_hidden(const char *soname, const char *const *args)
{
    char lib[PATH_MAX];
    char *probe[] = {UNSHARE, "-r", "-m", "true", NULL};
    if (!lib_file(soname, lib) || access(UNSHARE, X_OK) != 0)
        skip();
    result r = run_argv(UNSHARE, probe);
    int can = r.status == 0;
    result_free(&r);
    if (!can)
        skip();
    char *argv[32] = {UNSHARE, "-r", "-m", "sh", "-c",
                      "mount --bind /dev/null \"$1\" && shift && exec \"$@\"",
                      "sh", lib, (char *)hf_bin};
    int n = 9;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    return run_argv(UNSHARE, argv);
}

static void test_xgboost_missing(void **state)
{
    NEED_BIN();
    char out[300];
    snprintf(out, sizeof out, "%s/scores.csv", tmpdir);
    const char *args[] = {"score", "--model", "tests/ml/xgb.json", "--features",
                          "tests/ml/events.csv", "-o", out, NULL};
    result r = run_hidden("libxgboost.so.0", args);
    assert_failed_cleanly(&r, 1, "tests/ml/xgb.json: an XGBoost model needs libxgboost");
    assert_non_null(strstr(r.err, "apt install libxgboost0"));
    assert_int_equal(access(out, F_OK), -1);
    result_free(&r);
    /* the same model with the library there: the failure above was the
     * hiding, not the model */
    r = run("score", "--model", "tests/ml/xgb.json", "--features", "tests/ml/events.csv",
            "-o", out, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(access(out, F_OK), 0);
    result_free(&r);
    unlink(out);
}

static void test_cairo_missing(void **state)
{
    NEED_BIN();
    char out[300];
    snprintf(out, sizeof out, "%s/pulls.png", tmpdir);
    const char *args[] = {"plot", "pulls", RUN_DEMO_WS, "-o", out, NULL};
    result r = run_hidden("libcairo.so.2", args);
    assert_failed_cleanly(&r, 1, "plots need libcairo and libfontconfig");
    assert_non_null(strstr(r.err, "apt install libcairo2"));
    assert_int_equal(access(out, F_OK), -1);
    result_free(&r);
}

int main(void)
{
    if (run_setup("test_dlmissing") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xgboost_missing),
        cmocka_unit_test(test_cairo_missing),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(tmpdir);
    return rc;
}
