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

static char *temps[32];
static int ntemps;

static char *write_temp(const char *name, const char *text)
{
    char *path = malloc(512);
    assert_non_null(path);
    snprintf(path, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    if (ntemps < 32)
        temps[ntemps++] = strdup(path);
    return path;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

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
    r = run("inspect", tmpdir, NULL);
    assert_failed_cleanly(&r, 1, "is a directory");
    result_free(&r);

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

/* 9. Messages say what is wrong. */
static void test_messages(void **state)
{
    NEED_BIN();
    char *deep = malloc(100002);
    assert_non_null(deep);
    memset(deep, '[', 100000);
    deep[100000] = '\n';
    deep[100001] = '\0';
    char *path = write_temp("deep.json", deep);
    free(deep);
    result r = run("inspect", path, NULL);
    assert_failed_cleanly(&r, 1, "nested deeper than 1000");
    result_free(&r);
    free(path);
}

int main(void)
{
    if (run_setup("test_hostile") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_names),
        cmocka_unit_test(test_unbounded_reads),
        cmocka_unit_test(test_messages),
    };
    int rc = cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
    for (int i = 0; i < ntemps; i++) {
        unlink(temps[i]);
        free(temps[i]);
    }
    if (rmdir(tmpdir) != 0)
        fprintf(stderr, "test_hostile: could not remove %s\n", tmpdir);
    return rc;
}
