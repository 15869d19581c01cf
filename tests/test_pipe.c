/*
 * test_pipe.c - patch files given as pipes (the shell's <(...)): a pipe
 * can be read only once, so the command must not look at its first byte
 * to tell a patchset from a patch and then read it again (it lost that
 * byte and reported "not valid JSON").  Expected: the same output as the
 * same file given as a regular file, and the same digest check.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"

#define DEMO_PS "workspaces/demo/patchset.json"

/* A FIFO in tmpdir fed with the file at `src` by a child process;
 * returns its path (malloc'd) and the child's pid in *pid. */
static char *fifo_of(const char *src, const char *name, pid_t *pid)
{
    char *path = malloc(strlen(tmpdir) + strlen(name) + 2);
    assert_non_null(path);
    sprintf(path, "%s/%s", tmpdir, name);
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    char *text = slurp_path(src);
    assert_non_null(text);
    *pid = fork();
    assert_true(*pid >= 0);
    if (*pid == 0) {
        FILE *f = fopen(path, "w"); /* blocks until the command opens it */
        if (f) {
            fputs(text, f);
            fclose(f);
        }
        _exit(0);
    }
    free(text);
    return path;
}

/* The feeding child, once the command has exited: done, or blocked on a
 * FIFO nobody opened (a command that failed first) and killed, so that a
 * failure never hangs the test. */
static void reap(pid_t pid)
{
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

/* The first patch of the demo patchset, from a pipe and from the file. */
static void test_patchset_pipe(void **state)
{
    (void)state;
    if (!hf_bin)
        skip();
    cJSON *ps = NULL;
    char *text = slurp_path(DEMO_PS);
    assert_non_null(text);
    ps = cJSON_Parse(text);
    free(text);
    assert_non_null(ps);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(ps, "patches"), 0);
    const char *name = cJSON_GetObjectItem(cJSON_GetObjectItem(first, "metadata"),
                                           "name")->valuestring;
    result want = run("cls", RUN_DEMO_WS, "-p", DEMO_PS, "--patch-name", name, NULL);
    assert_int_equal(want.status, 0);
    pid_t pid;
    char *fifo = fifo_of(DEMO_PS, "ps.fifo", &pid);
    result got = run("cls", RUN_DEMO_WS, "-p", fifo, "--patch-name", name, NULL);
    reap(pid);
    assert_int_equal(got.status, 0);
    assert_string_equal(got.out, want.out);
    result_free(&got);
    result_free(&want);
    free(fifo);
    cJSON_Delete(ps);
}

/* A plain patch (the demo patchset's first patch alone) from a pipe. */
static void test_patch_pipe(void **state)
{
    (void)state;
    if (!hf_bin)
        skip();
    char *text = slurp_path(DEMO_PS);
    assert_non_null(text);
    cJSON *ps = cJSON_Parse(text);
    free(text);
    assert_non_null(ps);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(ps, "patches"), 0);
    char *ops = cJSON_PrintUnformatted(cJSON_GetObjectItem(first, "patch"));
    char *file = run_write_temp("patch.json", ops);
    result want = run("cls", RUN_DEMO_WS, "-p", file, NULL);
    assert_int_equal(want.status, 0);
    pid_t pid;
    char *fifo = fifo_of(file, "patch.fifo", &pid);
    result got = run("cls", RUN_DEMO_WS, "-p", fifo, NULL);
    reap(pid);
    assert_int_equal(got.status, 0);
    assert_string_equal(got.out, want.out);
    result_free(&got);
    result_free(&want);
    free(fifo);
    free(file);
    cJSON_free(ops);
    cJSON_Delete(ps);
}

int main(void)
{
    if (run_setup("test_pipe") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patchset_pipe),
        cmocka_unit_test(test_patch_pipe),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_pipe");
    return rc;
}
