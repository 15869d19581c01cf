/*
 * run.h - running the `hf` command from the tests: $HF_BIN (set by `make
 * check`) with arguments, its stdout, stderr and exit status captured;
 * and the temporary files and JSON numbers of the tests that do.
 * Include after <cmocka.h>: failures are cmocka assertions.
 */
#ifndef HF_TEST_RUN_H
#define HF_TEST_RUN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define RUN_DEMO_WS "workspaces/demo/BkgOnly.json"
#define RUN_SHARED "../shared"

/* $HF_BIN, or NULL when the command tests skip. */
extern const char *hf_bin;
/* A directory of the test program's own, for captures and its files. */
extern char tmpdir[256];

/* For main(): sets hf_bin (NULL, saying why on stderr, when HF_BIN is unset
 * or the demo workspace is not reachable from the working directory) and
 * makes tmpdir, named after `name`.  Returns 0, or -1 after a message. */
int run_setup(const char *name);

typedef struct result {
    int status;     /* exit status, or -1 if not exited normally */
    char *out;      /* stdout */
    char *err;      /* stderr */
    size_t outlen;  /* stdout's length (it may hold NUL bytes) */
} result;

/* Writes text to the file at path (a failed assertion if it cannot). */
void run_write_file(const char *path, const char *text);
/* Writes text to tmpdir/name (a failed assertion if it cannot); returns the
 * path, malloc'd.  The file goes with run_teardown. */
char *run_write_temp(const char *name, const char *text);
/* At the end of main(): removes tmpdir and all in it, saying on stderr
 * (as `name`) when it cannot. */
void run_teardown(const char *name);
/* The file at path holds exactly text. */
void assert_file_holds(const char *path, const char *text);
/* o's number `key` (case-sensitive); a failed assertion naming the key
 * when o has no such number. */
double json_number(const cJSON *o, const char *key);

void result_free(result *r);
/* What fd holds from its start, NUL-terminated; its length in *len if len
 * is not NULL. */
char *slurp_fd(int fd, size_t *len);
/* The whole file at path, NUL-terminated (malloc'd), or NULL if it cannot be opened. */
char *slurp_path(const char *path);
/* Runs `prog` with the NULL-terminated argv, stdin from the file `in`
 * (/dev/null when NULL), capturing stdout and stderr in temporary files
 * (no pipe to deadlock). */
result run_argv_in(const char *in, const char *prog, char *const argv[]);
/* run_in(NULL, "eval", RUN_DEMO_WS, NULL): $HF_BIN with those arguments. */
result run_in(const char *in, const char *first, ...);
#define run(...) run_in(NULL, __VA_ARGS__)
#define run_argv(prog, argv) run_argv_in(NULL, prog, argv)

/* run(first, ...) failed cleanly (assert_failed_cleanly: `status`,
 * nothing on stdout, in_msg in stderr). */
void run_fails(int status, const char *in_msg, const char *first, ...);
/* A successful run's stdout parsed as JSON (never NULL). */
cJSON *parse_ok(const result *r);
/* Exit status `status`, nothing on stdout, `in_msg` in stderr. */
void assert_failed_cleanly(const result *r, int status, const char *in_msg);

/* Every test that runs the command starts with one of these. */
#define NEED_BIN()      \
    do {                \
        (void)state;    \
        if (!hf_bin)    \
            skip();     \
    } while (0)

#define NEED_SHARED()                        \
    do {                                     \
        NEED_BIN();                          \
        if (access(RUN_SHARED, R_OK) != 0)   \
            skip();                          \
    } while (0)

#endif
