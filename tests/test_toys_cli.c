/*
 * test_toys_cli.c - `hf cls --calctype toybased` with --toys-out and
 * --merge: runs of different seeds combine into the result their union of
 * toys gives (recounted here from the files), the Monte Carlo errors are
 * the binomial ones, and merges of runs that do not belong together, bad
 * --ntoys and --seed values are refused with nothing on stdout.
 * Skips when HF_BIN is not set (make check sets it).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "models.h"
#include "run.h"

#define DEMO_PS "workspaces/demo/patchset.json"

static char *tpath(const char *name)
{
    static char paths[8][512];
    static int k;
    char *p = paths[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* A toy run of the demo's sig_300 written to `file`; its stdout parsed. */
static cJSON *toy_run(const char *seed, const char *ntoys, const char *file,
                      const char *extra1, const char *extra2)
{
    result r = run("cls", RUN_DEMO_WS, DEMO_PS, "--patch-name", "sig_300",
                   "--calctype", "toybased", "--ntoys", ntoys, "--seed", seed,
                   "--threads", "2", "--tail-probs", "--toys-out", file,
                   extra1, extra2, NULL);
    cJSON *j = parse_ok(&r);
    result_free(&r);
    return j;
}

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    cJSON *j = cJSON_Parse(buf);
    assert_non_null(j);
    return j;
}

/* Tail counts (q >= q_obs) of the files' q_sb and q_b. */
static void recount(const char *const *files, int nf, int *ksb, int *kb,
                    int *n)
{
    *ksb = *kb = *n = 0;
    for (int i = 0; i < nf; i++) {
        cJSON *j = read_json(files[i]);
        double q_obs = json_number(j, "q_obs");
        const cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(j, "q_sb"))
            *ksb += v->valuedouble >= q_obs, ++*n;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(j, "q_b"))
            *kb += v->valuedouble >= q_obs;
        cJSON_Delete(j);
    }
}

static void test_merge(void **state)
{
    NEED_BIN();
    const char *files[3] = {strdup(tpath("s1.json")), strdup(tpath("s2.json")),
                            strdup(tpath("s3.json"))};
    const char *seeds[3] = {"1", "2", "18446744073709551615"};
    for (int i = 0; i < 3; i++)
        cJSON_Delete(toy_run(seeds[i], "60", files[i], NULL, NULL));
    result r = run("cls", "--calctype", "toybased", "--merge", files[0],
                   files[1], files[2], "--tail-probs", NULL);
    cJSON *j = parse_ok(&r);
    int ksb, kb, n;
    recount(files, 3, &ksb, &kb, &n);
    assert_int_equal(n, 180);
    assert_int_equal((int)json_number(j, "ntoys"), 180);
    double psb = (double)ksb / n, pb = (double)kb / n;
    assert_true(json_number(j, "CLsb") == psb);
    assert_true(json_number(j, "CLb") == pb);
    assert_true(fabs(json_number(j, "CLs_obs") - psb / pb) <= 1e-15 * psb / pb);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "mc_error");
    double esb = sqrt(psb * (1 - psb) / n), eb = sqrt(pb * (1 - pb) / n);
    assert_true(fabs(json_number(e, "CLsb") - esb) <= 1e-12);
    assert_true(fabs(json_number(e, "CLb") - eb) <= 1e-12);
    assert_true(fabs(json_number(e, "CLs_obs") -
                     psb / pb * hypot(esb / psb, eb / pb)) <= 1e-12);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "dropped");
    assert_int_equal((int)json_number(d, "sb") + (int)json_number(d, "b"), 0);
    cJSON_Delete(j);
    result_free(&r);

    /* The first 30 toys of seed 1 are those of a 30-toy run. */
    const char *f30 = tpath("s1_30.json");
    cJSON_Delete(toy_run("1", "30", f30, NULL, NULL));
    cJSON *a = read_json(files[0]), *b = read_json(f30);
    const cJSON *qa = cJSON_GetObjectItemCaseSensitive(a, "q_b");
    const cJSON *qb = cJSON_GetObjectItemCaseSensitive(b, "q_b");
    for (int i = 0; i < 30; i++)
        assert_true(cJSON_GetArrayItem(qa, i)->valuedouble ==
                    cJSON_GetArrayItem(qb, i)->valuedouble);
    cJSON_Delete(a);
    cJSON_Delete(b);

    /* Runs that do not belong together. */
    const char *fpoi = strdup(tpath("poi.json")), *fq = strdup(tpath("q.json"));
    const char *fpatch = strdup(tpath("patch.json"));
    cJSON_Delete(toy_run("7", "20", fpoi, "--test-poi", "2"));
    cJSON_Delete(toy_run("8", "20", fq, "--test-stat", "q"));
    result p = run("cls", RUN_DEMO_WS, DEMO_PS, "--patch-name", "sig_400",
                   "--calctype", "toybased", "--ntoys", "20", "--seed", "9",
                   "--toys-out", fpatch, NULL);
    assert_int_equal(p.status, 0);
    result_free(&p);
    struct { const char *other, *msg; } bad[] = {
        {files[0], "same seed"}, {fpoi, "POI values"},
        {fq, "test statistics"}, {fpatch, "different models"},
        {RUN_DEMO_WS, "not a toys file"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = run("cls", "--calctype", "toybased", "--merge", files[0],
                bad[i].other, NULL);
        assert_failed_cleanly(&r, 1, bad[i].msg);
        result_free(&r);
    }
    for (int i = 0; i < 3; i++)
        unlink(files[i]), free((void *)files[i]);
    unlink(f30);
    unlink(fpoi), unlink(fq), unlink(fpatch);
    free((void *)fpoi), free((void *)fq), free((void *)fpatch);
}

static void write_json(const char *path, const cJSON *j)
{
    char *text = cJSON_Print(j);
    FILE *f = fopen(path, "w");
    assert_non_null(text);
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(text);
}

/* files[1] (seed 2) edited: its "seed" set to `seed`, or with `seed` NULL
 * its first background-only toy made dropped (null); to `path`. */
static void edited(const char *from, const char *path, const char *seed)
{
    cJSON *j = read_json(from);
    if (seed)
        cJSON_ReplaceItemInObjectCaseSensitive(j, "seed",
                                               cJSON_CreateString(seed));
    else
        cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(j, "q_b"),
                                 0, cJSON_CreateNull());
    write_json(path, j);
    cJSON_Delete(j);
}

/* Merges of files that a user (or another program) edited or made
 * elsewhere: a seed written as "01" is seed 1 (refused next to seed 1), a
 * seed that is no 64-bit number and a run of another workspace are
 * refused; a dropped toy (null) is counted in "dropped" and spans
 * "CLs_obs_interval": with kb of the 2N - 1 kept background-only toys at
 * q >= q_obs and ksb of the 2N signal+background ones, counting the
 * dropped toy below or above q_obs gives CLb = kb / 2N or (kb + 1) / 2N,
 * so CLs_obs in [ksb / (kb + 1), ksb / kb]. */
static void test_merge_edited(void **state)
{
    NEED_BIN();
    enum { N = 40 };
    const char *f1 = strdup(tpath("e1.json")), *f2 = strdup(tpath("e2.json"));
    const char *fe = strdup(tpath("edited.json"));
    cJSON_Delete(toy_run("1", "40", f1, NULL, NULL));
    cJSON_Delete(toy_run("2", "40", f2, NULL, NULL));
    struct { const char *seed, *msg; } bad[] = {
        {"01", "same seed"}, {"-1", "\"seed\" is missing or not valid"},
        {"18446744073709551616", "\"seed\" is missing or not valid"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        edited(f2, fe, bad[i].seed);
        result r = run("cls", "--calctype", "toybased", "--merge", f1, fe,
                       NULL);
        assert_failed_cleanly(&r, 1, bad[i].msg);
        result_free(&r);
    }

    /* another workspace altogether */
    const char *ws = strdup(tpath("simple.json"));
    FILE *w = fopen(ws, "w");
    assert_non_null(w);
    fputs(SIMPLE_WS, w);
    fclose(w);
    result r = run("cls", ws, "--calctype", "toybased", "--ntoys", "20",
                   "--seed", "5", "--toys-out", fe, NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    r = run("cls", "--calctype", "toybased", "--merge", f1, fe, NULL);
    assert_failed_cleanly(&r, 1, "different models");
    result_free(&r);

    edited(f2, fe, NULL);
    r = run("cls", "--calctype", "toybased", "--merge", f1, fe, NULL);
    cJSON *j = parse_ok(&r);
    const char *files[2] = {f1, fe};
    int ksb, kb, n;
    recount(files, 2, &ksb, &kb, &n);
    assert_int_equal(n, 2 * N);
    assert_true(kb > 0 && ksb > 0);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "dropped");
    assert_int_equal((int)json_number(d, "sb"), 0);
    assert_int_equal((int)json_number(d, "b"), 1);
    const cJSON *iv = cJSON_GetObjectItemCaseSensitive(j, "CLs_obs_interval");
    assert_true(cJSON_IsArray(iv) && cJSON_GetArraySize(iv) == 2);
    double lo = cJSON_GetArrayItem(iv, 0)->valuedouble;
    double hi = cJSON_GetArrayItem(iv, 1)->valuedouble;
    assert_true(fabs(lo - (double)ksb / (kb + 1)) <= 1e-15 * lo);
    assert_true(fabs(hi - (double)ksb / kb) <= 1e-15 * hi);
    double cls = json_number(j, "CLs_obs");
    assert_true(lo <= cls && cls <= hi);
    cJSON_Delete(j);
    result_free(&r);
    unlink(f1), unlink(f2), unlink(fe), unlink(ws);
    free((void *)f1), free((void *)f2), free((void *)fe), free((void *)ws);
}

static void test_bad_arguments(void **state)
{
    NEED_BIN();
    static const char *cases[][2] = {
        {"--ntoys", "0"}, {"--ntoys", "-5"}, {"--ntoys", "1.5"},
        {"--seed", "-1"}, {"--seed", "18446744073709551616"},
        {"--seed", "abc"}, {"--seed", ""},
        /* strtoull would read " -1" as 2^64 - 1 and "0x10" with base 0
         * as 16: a seed is decimal digits and nothing else */
        {"--seed", " -1"}, {"--seed", "+5"}, {"--seed", "0x10"},
        {"--seed", "1e3"}, {"--ntoys", " 5"}, {"--ntoys", "2147483648"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        result r = run("cls", RUN_DEMO_WS, DEMO_PS, "--patch-name", "sig_300",
                       "--calctype", "toybased", cases[i][0], cases[i][1],
                       NULL);
        assert_failed_cleanly(&r, 2, cases[i][0]);
        result_free(&r);
    }
    /* --toys-out and --merge belong to the toy calculator; --merge takes
     * everything from its files. */
    result r = run("cls", RUN_DEMO_WS, "--toys-out", tpath("x.json"), NULL);
    assert_failed_cleanly(&r, 2, "--toys-out");
    result_free(&r);
    assert_true(access(tpath("x.json"), F_OK) != 0);
    r = run("cls", "--calctype", "toybased", "--merge", "a.json", "--seed",
            "3", NULL);
    assert_failed_cleanly(&r, 2, "--merge");
    result_free(&r);
}

int main(void)
{
    if (run_setup("test_toys_cli") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_merge_edited),
        cmocka_unit_test(test_bad_arguments),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_toys_cli");
    return rc;
}
