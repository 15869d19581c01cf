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
#include <time.h>
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
        /* a reader that closes early must not kill the feeder before it
         * has answered a second opening (below) */
        signal(SIGPIPE, SIG_IGN);
        FILE *f = fopen(path, "w"); /* blocks until the command opens it */
        if (f) {
            fputs(text, f);
            fclose(f);
        }
        /* A command that opens the pipe again (the fault tested here)
         * gets an empty text and fails, instead of waiting for a writer
         * for ever.  Opened again and again, every 1 ms: a writer's open
         * returns at once while a reader holds the pipe, so one reader's
         * open can take many; a right command never opens it again, and
         * reap() ends the loop. */
        for (;;) {
            f = fopen(path, "w");
            if (f)
                fclose(f);
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        }
    }
    free(text);
    return path;
}

/* The feeding child, once the command has exited: killed, wherever it
 * is in its loop (or blocked on its first opening, for a command that
 * failed before it), so that a failure never hangs the test. */
static void reap(pid_t pid)
{
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

/* `hf cls` on the demo workspace with the file at path: as -p PATH when
 * flag, else as the positional second argument; with --patch-name when
 * name. */
static result cls_with(const char *path, const char *flag, const char *name)
{
    if (name)
        return run("cls", RUN_DEMO_WS, flag, path, "--patch-name", name, NULL);
    if (flag)
        return run("cls", RUN_DEMO_WS, flag, path, NULL);
    return run("cls", RUN_DEMO_WS, path, NULL);
}

/* The file through a FIFO gives the file's own output. */
static void same_through_fifo(const char *file, const char *fifo_name,
                              const char *flag, const char *name)
{
    result want = cls_with(file, flag, name);
    assert_int_equal(want.status, 0);
    pid_t pid;
    char *fifo = fifo_of(file, fifo_name, &pid);
    result got = cls_with(fifo, flag, name);
    reap(pid);
    assert_int_equal(got.status, 0);
    assert_string_equal(got.out, want.out);
    result_free(&got);
    result_free(&want);
    free(fifo);
}

/* The first patch of the demo patchset, from a pipe and from the file. */
static void test_patchset_pipe(void **state)
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
    const char *name = cJSON_GetObjectItem(cJSON_GetObjectItem(first, "metadata"),
                                           "name")->valuestring;
    same_through_fifo(DEMO_PS, "ps.fifo", "-p", name);
    cJSON_Delete(ps);
}

/* The demo patchset's first patch alone, as a file in tmpdir. */
static char *first_patch_file(void)
{
    char *text = slurp_path(DEMO_PS);
    assert_non_null(text);
    cJSON *ps = cJSON_Parse(text);
    free(text);
    assert_non_null(ps);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(ps, "patches"), 0);
    char *ops = cJSON_PrintUnformatted(cJSON_GetObjectItem(first, "patch"));
    char *file = run_write_temp("patch.json", ops);
    cJSON_free(ops);
    cJSON_Delete(ps);
    return file;
}

/* A plain patch (the demo patchset's first patch alone) from a pipe. */
static void test_patch_pipe(void **state)
{
    (void)state;
    if (!hf_bin)
        skip();
    char *file = first_patch_file();
    same_through_fifo(file, "patch.fifo", "-p", NULL);
    free(file);
}

/* The same patch as the positional second argument (no -p): the grid
 * check must not take the pipe's first byte either. */
static void test_positional_pipe(void **state)
{
    (void)state;
    if (!hf_bin)
        skip();
    char *file = first_patch_file();
    same_through_fifo(file, "pos.fifo", NULL, NULL);
    free(file);
}

int main(void)
{
    if (run_setup("test_pipe") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patchset_pipe),
        cmocka_unit_test(test_patch_pipe),
        cmocka_unit_test(test_positional_pipe),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_pipe");
    return rc;
}
