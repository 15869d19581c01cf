/*
 * run.c - running the `hf` command from the tests (run.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"

extern char **environ;

const char *hf_bin;
char tmpdir[256];

int run_setup(const char *name)
{
    hf_bin = getenv("HF_BIN");
    if (hf_bin && !*hf_bin)
        hf_bin = NULL;
    if (!hf_bin)
        fprintf(stderr, "%s: HF_BIN is not set (make check sets it to "
                        "build/hf): skipping\n", name);
    else if (access(RUN_DEMO_WS, R_OK) != 0) {
        fprintf(stderr, "%s: %s not found (run from the repository root): "
                        "skipping\n", name, RUN_DEMO_WS);
        hf_bin = NULL;
    }
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/hf_%s.XXXXXX", t && *t ? t : "/tmp",
             name);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

void run_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

char *run_write_temp(const char *name, const char *text)
{
    char *path = malloc(512);
    assert_non_null(path);
    snprintf(path, 512, "%s/%s", tmpdir, name);
    run_write_file(path, text);
    return path;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void run_teardown(const char *name)
{
    /* depth first, so each directory is empty when its turn comes */
    if (nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "%s: could not remove %s\n", name, tmpdir);
}

void assert_file_holds(const char *path, const char *text)
{
    char *got = slurp_path(path);
    assert_non_null(got);
    assert_string_equal(got, text);
    free(got);
}

double json_number(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(it))
        fail_msg("no number '%s'", key);
    return it->valuedouble;
}

void result_free(result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

char *slurp_fd(int fd, size_t *len)
{
    lseek(fd, 0, SEEK_SET);
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            s = realloc(s, cap);
            assert_non_null(s);
        }
        ssize_t k = read(fd, s + n, cap - n - 1);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

char *slurp_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    char *s = slurp_fd(fd, NULL);
    close(fd);
    return s;
}

/* An unlinked temporary file: it vanishes with its descriptor. */
static int temp_fd(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/capture.XXXXXX", tmpdir);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    return fd;
}

result run_argv_in(const char *in, const char *prog, char *const argv[])
{
    result r = {0};
    int ofd = temp_fd(), efd = temp_fd();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, ofd, 1);
    posix_spawn_file_actions_adddup2(&fa, efd, 2);
    pid_t pid;
    int rc = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        assert_int_equal(errno, EINTR);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp_fd(ofd, &r.outlen);
    r.err = slurp_fd(efd, NULL);
    close(ofd);
    close(efd);
    return r;
}

/* $HF_BIN with first and the rest of ap (NULL-terminated) */
static result run_va(const char *in, const char *first, va_list ap)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)hf_bin;
    for (const char *a = first; a && n < 31; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    argv[n] = NULL;
    return run_argv_in(in, hf_bin, argv);
}

result run_in(const char *in, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    result r = run_va(in, first, ap);
    va_end(ap);
    return r;
}

void run_fails(int status, const char *in_msg, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    result r = run_va(NULL, first, ap);
    va_end(ap);
    assert_failed_cleanly(&r, status, in_msg);
    result_free(&r);
}

cJSON *parse_ok(const result *r)
{
    if (r->status != 0)
        fprintf(stderr, "exit %d, stderr: %s\n", r->status, r->err);
    assert_int_equal(r->status, 0);
    cJSON *j = cJSON_Parse(r->out);
    if (!j)
        fprintf(stderr, "not JSON: %.2000s\n", r->out);
    assert_non_null(j);
    return j;
}

void assert_failed_cleanly(const result *r, int status, const char *in_msg)
{
    if (r->status != status || r->out[0] || !strstr(r->err, in_msg))
        fprintf(stderr, "status %d (want %d)\nstdout: %.500s\nstderr: %s\n"
                        "(want stderr to mention '%s')\n",
                r->status, status, r->out, r->err, in_msg);
    assert_int_equal(r->status, status);
    assert_string_equal(r->out, "");
    assert_non_null(strstr(r->err, in_msg));
}
