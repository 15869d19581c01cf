/*
 * test_textread.c - hfcore_text_read: a file's text mapped or read, always
 * NUL-terminated with no NUL inside, with hfcore_file_read's refusals and
 * messages; and hf_workspace_read on it.
 *
 * The mapping is used only when the kernel's zeros after the end of the
 * file terminate the string (a size that is not a whole number of pages):
 * sizes around page boundaries are read back and compared byte for byte
 * with what the test wrote, and the terminating byte is looked at (a
 * mapping of whole pages would have none: ASan or a fault says so).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

static char dir[] = "/tmp/hf_textread_XXXXXX";

static long page(void)
{
    return sysconf(_SC_PAGESIZE);
}

/* Writes n bytes of a pattern (no NUL) to dir/name; the pattern in *out. */
static char *write_file(const char *name, size_t n, char **out)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + (i * 7 + i / 13) % 26);
    buf[n] = '\0';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    *out = buf;
    return path;
}

static void test_sizes(void **state)
{
    (void)state;
    size_t p = (size_t)page();
    size_t sizes[] = {1, 100, p - 1, p, p + 1, 2 * p, 3 * p - 7, 5 * p + 1};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        char *want, name[32];
        snprintf(name, sizeof name, "s%zu", k);
        const char *path = write_file(name, sizes[k], &want);
        hfcore_text t;
        hf_error err = {0};
        assert_int_equal(hfcore_text_read(path, &t, &err), HF_OK);
        assert_int_equal(t.len, sizes[k]);
        assert_memory_equal(t.p, want, sizes[k]);
        assert_int_equal(t.p[sizes[k]], '\0');
        /* mapped exactly when a zeroed tail ends the text */
        assert_int_equal(t.mapped, sizes[k] % p ? sizes[k] : 0);
        hfcore_text_close(&t);
        free(want);
    }
}

/* hfcore_text_read's status and message equal hfcore_file_read's. */
static void same_fault(const char *path, int want_rc)
{
    hf_error e1 = {0}, e2 = {0};
    char *text = NULL;
    hfcore_text t;
    int rc1 = hfcore_file_read(path, &text, NULL, &e1);
    int rc2 = hfcore_text_read(path, &t, &e2);
    assert_int_equal(rc1, want_rc);
    assert_int_equal(rc2, want_rc);
    assert_string_equal(e2.msg, e1.msg);
    assert_non_null(strstr(e2.msg, path));
    assert_null(t.p);
}

static void test_faults(void **state)
{
    (void)state;
    size_t p = (size_t)page();
    char path[300];
    /* a NUL byte inside, in a mapped size and in a whole page */
    size_t sizes[] = {10, p, p + 3};
    for (size_t k = 0; k < 3; k++) {
        char *want, name[32];
        snprintf(name, sizeof name, "nul%zu", k);
        const char *file = write_file(name, sizes[k], &want);
        snprintf(path, sizeof path, "%s", file);
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        fseek(f, (long)(sizes[k] / 2), SEEK_SET);
        fputc('\0', f);
        fclose(f);
        free(want);
        same_fault(path, HF_ERR_PARSE);
    }
    snprintf(path, sizeof path, "%s/absent.json", dir);
    same_fault(path, HF_ERR_IO);
    same_fault(dir, HF_ERR_IO);
    same_fault("/dev/null", HF_ERR_IO);
    /* above the limit (HF_MAX_INPUT_BYTES): refused, not mapped */
    char *want;
    const char *big = write_file("big", 3000, &want);
    snprintf(path, sizeof path, "%s", big);
    free(want);
    setenv("HF_MAX_INPUT_BYTES", "2K", 1);
    same_fault(path, HF_ERR_IO);
    unsetenv("HF_MAX_INPUT_BYTES");
}

static void test_empty(void **state)
{
    (void)state;
    char *want;
    const char *path = write_file("empty", 0, &want);
    free(want);
    hfcore_text t;
    hf_error err = {0};
    assert_int_equal(hfcore_text_read(path, &t, &err), HF_OK);
    assert_int_equal(t.len, 0);
    assert_int_equal(t.p[0], '\0');
    hfcore_text_close(&t);
}

/* A workspace padded with spaces to `size` bytes. */
static const char *write_ws(const char *name, size_t size)
{
    /* keys in order: its text is digested as it is (core/jcanon.c) */
    static const char ws[] =
        "{\"channels\": [{\"name\": \"SR\", \"samples\": [{\"data\": [5.0, 10], "
        "\"modifiers\": [{\"data\": null, \"name\": \"mu\", \"type\": "
        "\"normfactor\"}], \"name\": \"s\"}]}], \"measurements\": [{\"config\": "
        "{\"parameters\": [], \"poi\": \"mu\"}, \"name\": \"m\"}], "
        "\"observations\": [{\"data\": [6, 11.5], \"name\": \"SR\"}], "
        "\"version\": \"1.0.0\"}";
    static char path[256];
    assert_true(size >= sizeof ws);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(ws, f);
    for (size_t i = sizeof ws - 1; i < size; i++)
        fputc(i + 1 == size ? '\n' : ' ', f);
    fclose(f);
    return path;
}

/* sha256 of the test workspace's pyhf digest text, from Python:
 * hashlib.sha256(json.dumps(json.loads(ws), sort_keys=True,
 * ensure_ascii=False).encode()).hexdigest() */
static const char WS_SHA256[] =
    "abb8cc013191d512db9c2072ae4ed83ec6478acd1fa93ec6b95864740a30ea85";

/* hf_workspace_read of a mapped and of a read text: the digest of the
 * kept text equals the digest of the tree (hf_workspace_parse keeps no
 * text, so its digest is the serialised tree's: another route). */
static void test_workspace(void **state)
{
    (void)state;
    size_t p = (size_t)page();
    size_t sizes[] = {p, p + 1, 2 * p - 1};
    for (size_t k = 0; k < 3; k++) {
        char name[32];
        snprintf(name, sizeof name, "ws%zu.json", k);
        const char *path = write_ws(name, sizes[k]);
        hf_workspace *a = NULL, *b = NULL, *c = NULL;
        hf_error err = {0};
        assert_int_equal(hf_workspace_read(path, &a, &err), HF_OK);
        assert_int_equal(hfpatch_workspace_read_mapped(path, &c, &err), HF_OK);
        char *text;
        assert_int_equal(hfcore_file_read(path, &text, NULL, &err), HF_OK);
        assert_int_equal(hf_workspace_parse(text, path, &b, &err), HF_OK);
        free(text);
        char ha[160], hb[160];
        assert_int_equal(hf_workspace_digest(a, "sha256", ha, sizeof ha, &err),
                         HF_OK);
        assert_int_equal(hf_workspace_digest(b, "sha256", hb, sizeof hb, &err),
                         HF_OK);
        assert_string_equal(ha, hb);
        assert_string_equal(ha, WS_SHA256);
        assert_int_equal(hf_workspace_digest(c, "sha256", ha, sizeof ha, &err),
                         HF_OK);
        assert_string_equal(ha, WS_SHA256);
        hf_workspace_free(c);
        hf_workspace_free(a);
        hf_workspace_free(b);
    }
    /* a fault in a mapped text is reported as from a read one */
    const char *path = write_ws("bad.json", p + 5);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fputc('[', f);
    fclose(f);
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hfpatch_workspace_read_mapped(path, &ws, &err),
                     HF_ERR_PARSE);
    assert_null(ws);
    assert_non_null(strstr(err.msg, "not valid JSON"));
    assert_non_null(strstr(err.msg, path));
}

typedef int (*ws_reader)(const char *, hf_workspace **, hf_error *);

/* A workspace's digest is that of its text as read: its file overwritten
 * (O_TRUNC, then text of the same length with another value) or
 * truncated after the read, the digest stays the original's.  A mapping
 * kept with the workspace would show the new text, or fault. */
static void rewritten(ws_reader reader)
{
    size_t p = (size_t)page();
    const char *path = write_ws("rewritten.json", p + 1);
    /* an old modification time, so that the rewrite's differs even within
     * the clock's tick */
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(reader(path, &ws, &err), HF_OK);
    char *text;
    assert_int_equal(hfcore_file_read(path, &text, NULL, &err), HF_OK);
    char *five = strchr(text, '5');
    assert_non_null(five);
    *five = '7'; /* the same size, another value: 5.0 -> 7.0 */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(text);
    char got[160];
    assert_int_equal(hf_workspace_digest(ws, "sha256", got, sizeof got, &err),
                     HF_OK);
    assert_string_equal(got, WS_SHA256);
    /* truncated: pages of a mapping past the new end would fault */
    assert_int_equal(truncate(path, 10), 0);
    assert_int_equal(hf_workspace_digest(ws, "sha256", got, sizeof got, &err),
                     HF_OK);
    assert_string_equal(got, WS_SHA256);
    hf_workspace_free(ws);
}

static void test_rewritten(void **state)
{
    (void)state;
    rewritten(hf_workspace_read);
    rewritten(hfpatch_workspace_read_mapped);
}

/* A pipe is read through (a FIFO opened and closed to look at it would
 * lose its writer, and the read after would wait for ever: the alarm
 * turns that into a failure). */
static void test_fifo(void **state)
{
    (void)state;
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t w = fork();
    assert_true(w >= 0);
    if (w == 0) {
        int fd = open(fifo, O_WRONLY);
        for (int i = 0; fd >= 0 && i < 100; i++)
            if (write(fd, "[1, 2.5] ", 9) != 9)
                _exit(1);
        _exit(0);
    }
    /* the writer is waiting in its open by now: the case that loses it */
    usleep(200000);
    alarm(20);
    hfcore_text t;
    hf_error err = {0};
    assert_int_equal(hfcore_text_read(fifo, &t, &err), HF_OK);
    alarm(0);
    assert_int_equal(t.len, 900);
    assert_int_equal(t.mapped, 0);
    assert_memory_equal(t.p + 891, "[1, 2.5] ", 9);
    hfcore_text_close(&t);
    int status;
    assert_int_equal(waitpid(w, &status, 0), w);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* SIGALRM in a read that waits for ever: a failure, not a hang. */
static void hung(int sig)
{
    (void)sig;
    static const char msg[] = "test_textread: the read of a FIFO hung (the "
                              "writer gone: opened twice?)\n";
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(2);
    _exit(1);
}

/* A FIFO whose writer opens it once the reader waits in its own open,
 * writes its text in one go and exits: that one open is the reader's only
 * chance.  The writer runs on while the reader is being woken, so it has
 * nearly always closed before the reader runs: a reader that closes its
 * descriptor to look at the FIFO and opens it again (the double open
 * 63369fc removed) has then dropped the text with the last descriptor and
 * waits for a writer that never comes -- the alarm says so. */
static void writer_gone(int (*reader)(const char *, hfcore_text *, hf_error *),
                        const char *name, int round)
{
    static const char text[] = "{\"a\": [1, 2.5]}";
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/%s%d", dir, name, round);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t w = fork();
    assert_true(w >= 0);
    if (w == 0) {
        usleep(50000); /* the reader is blocked in its open by now */
        int fd = open(fifo, O_WRONLY);
        int ok = fd >= 0 && write(fd, text, sizeof text - 1) ==
                                (ssize_t)(sizeof text - 1);
        /* closed at once: _exit would close it later */
        _exit(ok && close(fd) == 0 ? 0 : 1);
    }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = hung;
    sigaction(SIGALRM, &sa, &old);
    alarm(10);
    hfcore_text t;
    hf_error err = {0};
    int rc = reader(fifo, &t, &err);
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    int status;
    assert_int_equal(waitpid(w, &status, 0), w);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(rc, HF_OK);
    assert_int_equal(t.len, sizeof text - 1);
    assert_int_equal(t.mapped, 0);
    assert_string_equal(t.p, text);
    hfcore_text_close(&t);
}

static void test_fifo_writer_gone(void **state)
{
    (void)state;
    /* A double open passed 3 of 20 single rounds here (its reader can
     * win the race), so five rounds each */
    for (int round = 0; round < 5; round++) {
        writer_gone(hfcore_text_open, "gone_open", round);
        writer_gone(hfcore_text_read, "gone_read", round);
    }
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_workspace),
        cmocka_unit_test(test_rewritten),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_fifo_writer_gone),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
