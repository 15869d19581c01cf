/*
 * test_ahead.c - hf cls's read-ahead (cli/load.c, hfcli_settle) when the
 * patch read ahead is not the one the file's check finds: the model is
 * built again from the checked patch and the line computed again (cli/cls.c
 * run()), so the output and the messages are those of a run that checks the
 * whole file first.  A valid file never leads the structural guess astray,
 * so the wrong guess is fed through hfcli_cls_seamed's seam (the command
 * passes none).  The expected output comes from the path without reading
 * ahead; the premise that the guessed patch gives other numbers is checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "run.h"

#define DEMO_PS "workspaces/demo/patchset.json"

typedef struct said {
    int status;
    char *out; /* the --output-file's text, NULL when none was written */
    char *err; /* what went to stderr */
} said;

static void said_free(said *s)
{
    free(s->out);
    free(s->err);
}

/* The patchset cls() reads: DEMO_PS unless a test names another. */
static const char *ps_path = DEMO_PS;

/* `hf cls DEMO_WS DEMO_PS --patch-name NAME [extra] -o FILE` in this
 * process through the seam, its stderr captured. */
static said cls(const char *name, const char *extra, const hfcli_cls_seam *seam)
{
    static int k;
    char out[300], err[300];
    snprintf(out, sizeof out, "%s/out%d.json", tmpdir, k);
    snprintf(err, sizeof err, "%s/err%d.txt", tmpdir, k++);
    char *argv[12];
    int argc = 0;
    argv[argc++] = "cls";
    argv[argc++] = RUN_DEMO_WS;
    argv[argc++] = (char *)ps_path;
    argv[argc++] = "--patch-name";
    argv[argc++] = (char *)name;
    if (extra)
        argv[argc++] = (char *)extra;
    argv[argc++] = "-o";
    argv[argc++] = out;
    argv[argc] = NULL;
    fflush(stderr);
    int saved = dup(2), fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    optind = 0; /* getopt starts afresh */
    said s;
    s.status = hfcli_cls_seamed(argc, argv, seam);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    s.out = slurp_path(out);
    s.err = slurp_path(err);
    assert_non_null(s.err);
    unlink(out);
    return s;
}

static void same(const said *a, const said *b)
{
    if (a->status != b->status)
        fail_msg("status %d (%s), not %d (%s)", a->status, a->err, b->status,
                 b->err);
    assert_true((a->out == NULL) == (b->out == NULL));
    if (a->out)
        assert_string_equal(a->out, b->out);
    assert_string_equal(a->err, b->err);
}

/* sig_300 read ahead as sig_500: the output of the checked sig_300. */
static void test_wrong_guess(void **state)
{
    (void)state;
    static const char *const extras[] = {NULL, "--upper-limit", "--test-stat=q0"};
    const hfcli_cls_seam whole = {1, NULL}, wrong = {0, "sig_500"};
    for (size_t k = 0; k < sizeof extras / sizeof *extras; k++) {
        said want = cls("sig_300", extras[k], &whole);
        said got = cls("sig_300", extras[k], &wrong);
        said plain = cls("sig_300", extras[k], NULL);
        said other = cls("sig_500", extras[k], &whole);
        if (want.status != 0)
            fail_msg("%s", want.err);
        assert_non_null(want.out);
        /* premise: a line computed from the guess would differ */
        assert_non_null(other.out);
        assert_string_not_equal(other.out, want.out);
        same(&got, &want);
        same(&plain, &want);
        said_free(&want);
        said_free(&got);
        said_free(&plain);
        said_free(&other);
    }
}

/* A guess where the check finds no such patch: the check's message,
 * nothing written, although a model was built from the guess. */
static void test_guess_of_none(void **state)
{
    (void)state;
    const hfcli_cls_seam whole = {1, NULL}, wrong = {0, "sig_500"};
    said want = cls("sig_999", NULL, &whole);
    said got = cls("sig_999", NULL, &wrong);
    assert_int_equal(want.status, 1);
    assert_null(want.out);
    assert_non_null(strstr(want.err, "no patch named 'sig_999'"));
    same(&got, &want);
    said_free(&want);
    said_free(&got);
}

/* The last patch (read ahead from the check's scan as it passes it, the
 * main thread fitting while the check goes on): the output of the run
 * that checks the whole file first; so too when the read-ahead finds
 * nothing (a guess of no patch: the check's patch built after it, the
 * workspace's tree at hand). */
static void test_late_patch(void **state)
{
    (void)state;
    const hfcli_cls_seam whole = {1, NULL}, none = {0, "sig_999"};
    said want = cls("sig_500", NULL, &whole);
    said got = cls("sig_500", NULL, NULL);
    said blind = cls("sig_500", NULL, &none);
    if (want.status != 0)
        fail_msg("%s", want.err);
    assert_non_null(want.out);
    same(&got, &want);
    same(&blind, &want);
    said_free(&want);
    said_free(&got);
    said_free(&blind);
}

/* A patchset broken after its last patch, which the scan has told the
 * main thread of before it meets the fault: the whole check's message
 * and status, nothing written, for each fault. */
static void test_broken_after(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to;
    } cases[] = {
        {"\"version\": \"1.0.0\"", "\"version\": \"1.0.0\","},  /* syntax */
        {"\"version\": \"1.0.0\"", "\"version\": \"2.0.0\""},  /* schema */
        {"\"version\": \"1.0.0\"", "\"version\": \"1.0.0\", \"x\": 1"},
        {"\n    ],\n    \"version\"", "\n    ], \"patches\": [],\n    \"version\""},
    };
    const hfcli_cls_seam whole = {1, NULL};
    char *demo = slurp_path(DEMO_PS);
    assert_non_null(demo);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *at = strstr(demo, cases[k].from);
        assert_non_null(at);
        char *text = malloc(strlen(demo) + strlen(cases[k].to) + 1);
        assert_non_null(text);
        sprintf(text, "%.*s%s%s", (int)(at - demo), demo, cases[k].to,
                at + strlen(cases[k].from));
        char *path = run_write_temp("broken_after.json", text);
        ps_path = path;
        said want = cls("sig_500", NULL, &whole);
        said got = cls("sig_500", NULL, NULL);
        ps_path = DEMO_PS;
        if (want.status == 0)
            fail_msg("case %zu: not broken", k);
        assert_null(want.out);
        same(&got, &want);
        said_free(&want);
        said_free(&got);
        free(text);
        free(path);
    }
    free(demo);
}

int main(void)
{
    if (run_setup("test_ahead") != 0)
        return 1;
    hfcli_prog = "hf cls";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_guess),
        cmocka_unit_test(test_guess_of_none),
        cmocka_unit_test(test_late_patch),
        cmocka_unit_test(test_broken_after),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_ahead");
    return rc;
}
