/*
 * test_dlmissing.c - libxgboost, libxml2, libgcrypt and cairo are opened
 * on first use (core/dl.c): when they cannot be loaded, `hf score` on an
 * XGBoost model or a TMVA weight file, `hf digest` and `hf plot` fail
 * cleanly (exit 1, a message naming the library and the
 * Debian package, nothing written) instead of crashing on a NULL function.
 *
 * The library is hidden from the command by bind-mounting /dev/null over
 * its file in a mount namespace of its own (unshare -r -m): the machine's
 * file stays as it is.  Where unshare cannot do that (no user namespaces
 * in a container), the tests skip.  test_not_linked checks that hf and
 * libhf.so do not link them at all.
 */
#define _GNU_SOURCE
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
#define READELF "/usr/bin/readelf"

/* The files behind the library's soname, as the dynamic loader's cache
 * names them (`ldconfig -p`; one per architecture installed), at most
 * max; their number.  Not by dlopen in this program: libxgboost's static
 * initialisers allocate what a leak checker then reports. */
static int lib_files(const char *soname, char (*path)[PATH_MAX], int max)
{
    FILE *f = popen("/sbin/ldconfig -p 2>/dev/null", "r");
    char line[PATH_MAX + 128];
    int k = 0;
    size_t n = strlen(soname);
    while (f && k < max && fgets(line, sizeof line, f)) {
        char *p = line + strspn(line, " \t"), *arrow = strstr(p, "=> ");
        if (strncmp(p, soname, n) || p[n] != ' ' || !arrow)
            continue;
        arrow[3 + strcspn(arrow + 3, "\n")] = '\0';
        if (realpath(arrow + 3, path[k]))
            k++;
    }
    if (f)
        pclose(f);
    return k;
}

/* hf's argv (NULL-ended) run with the library `soname` hidden; skips
 * where that cannot be arranged. */
static result run_hidden(const char *soname, const char *const *args)
{
    char lib[4][PATH_MAX], count[16]; /* room for any int: no truncation warning */
    char *probe[] = {UNSHARE, "-r", "-m", "true", NULL};
    int nlib = lib_files(soname, lib, 4);
    if (!nlib || access(UNSHARE, X_OK) != 0)
        skip();
    result r = run_argv(UNSHARE, probe);
    int can = r.status == 0;
    result_free(&r);
    if (!can)
        skip();
    snprintf(count, sizeof count, "%d", nlib);
    /* sh N FILE... COMMAND...: /dev/null over each FILE, then COMMAND */
    char *argv[40] = {UNSHARE, "-r", "-m", "sh", "-c",
                      "n=$1; shift; while [ $n -gt 0 ]; do "
                      "mount --bind /dev/null \"$1\" || exit 97; shift; n=$((n - 1)); "
                      "done; exec \"$@\"",
                      "sh", count};
    int n = 8;
    for (int i = 0; i < nlib; i++)
        argv[n++] = lib[i];
    argv[n++] = (char *)hf_bin;
    for (int i = 0; args[i] && n < 39; i++)
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

static void test_libxml2_missing(void **state)
{
    NEED_BIN();
    char out[300];
    snprintf(out, sizeof out, "%s/scores.csv", tmpdir);
    const char *args[] = {"score", "--model", "tests/ml/tmva_deep.xml", "--features",
                          "tests/ml/deep_events.csv", "-o", out, NULL};
    result r = run_hidden("libxml2.so.2", args);
    assert_failed_cleanly(&r, 1, "tests/ml/tmva_deep.xml: a TMVA weight file needs libxml2");
    assert_non_null(strstr(r.err, "apt install libxml2)"));
    assert_int_equal(access(out, F_OK), -1);
    result_free(&r);
    /* the same file with the library there */
    r = run("score", "--model", "tests/ml/tmva_deep.xml", "--features",
            "tests/ml/deep_events.csv", "-o", out, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(access(out, F_OK), 0);
    result_free(&r);
    unlink(out);
}

/* Without libgcrypt a digest fails cleanly, and a hypotest on a
 * workspace (no patchset: nothing to digest) runs as ever. */
static void test_libgcrypt_missing(void **state)
{
    NEED_BIN();
    const char *digest[] = {"digest", RUN_DEMO_WS, NULL};
    result r = run_hidden("libgcrypt.so.20", digest);
    assert_failed_cleanly(&r, 1, "sha256: a digest needs libgcrypt");
    assert_non_null(strstr(r.err, "apt install libgcrypt20)"));
    result_free(&r);
    char ws[300];
    snprintf(ws, sizeof ws, "%s/one_bin.json", tmpdir);
    FILE *f = fopen(ws, "w");
    assert_non_null(f);
    fputs("{\"channels\": [{\"name\": \"c\", \"samples\": ["
          "{\"name\": \"s\", \"data\": [5.0], \"modifiers\": "
          "[{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]}, "
          "{\"name\": \"b\", \"data\": [50.0], \"modifiers\": []}]}], "
          "\"observations\": [{\"name\": \"c\", \"data\": [52.0]}], "
          "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", "
          "\"parameters\": []}}], \"version\": \"1.0.0\"}", f);
    fclose(f);
    const char *cls[] = {"cls", ws, NULL};
    r = run_hidden("libgcrypt.so.20", cls);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"CLs_obs\""));
    result_free(&r);
    unlink(ws);
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

/* hf and libhf.so do not link the libraries they open on first use (nor
 * libstdc++, which libxml2 and libxgboost brought): loading them cost
 * milliseconds at the start of every command.  From the files' NEEDED
 * entries (readelf -d; binutils comes with the compiler). */
static void test_not_linked(void **state)
{
    NEED_BIN();
    if (access(READELF, X_OK) != 0)
        skip();
    static const char *const opened[] = {"[libxml2", "[libgcrypt", "[libcrypto", "[libxgboost", "[libcairo",
                                         "[libfontconfig", "[libstdc++", "[libicu"};
    char lib[PATH_MAX];
    const char *slash = strrchr(hf_bin, '/');
    int dir = slash ? (int)(slash - hf_bin) : 1;
    snprintf(lib, sizeof lib, "%.*s/libhf.so", dir, slash ? hf_bin : ".");
    const char *files[] = {hf_bin, lib};
    for (int f = 0; f < 2; f++) {
        if (f == 1 && access(lib, R_OK) != 0)
            break; /* the command alone was built */
        char *argv[] = {"readelf", "-d", (char *)files[f], NULL};
        result r = run_argv(READELF, argv);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "(NEEDED)")); /* it did read them */
        for (size_t i = 0; i < sizeof opened / sizeof *opened; i++)
            if (strstr(r.out, opened[i])) {
                fprintf(stderr, "%s links %s (readelf -d):\n%s", files[f], opened[i] + 1, r.out);
                fail();
            }
        result_free(&r);
    }
}

int main(void)
{
    if (run_setup("test_dlmissing") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_linked),
        cmocka_unit_test(test_xgboost_missing),
        cmocka_unit_test(test_libxml2_missing),
        cmocka_unit_test(test_libgcrypt_missing),
        cmocka_unit_test(test_cairo_missing),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_dlmissing");
    return rc;
}
