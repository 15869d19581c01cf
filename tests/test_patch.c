/*
 * test_patch.c - RFC 6902 JSON Patch conformance and pyhf patchsets.
 *
 * The RFC's appendix A examples run as written; every failure asserts its
 * status code and the fragment of the message that says what went wrong.
 * Patchset checks use small in-memory patchsets, then (when ../shared is
 * there, i.e. run from the repository root) the real ATLAS ones.
 */
#include <glob.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "oom.h"

#define SHARED "../shared/workspaces/real/"
#define LBB SHARED "1Lbb_ATLAS-SUSY-2019-08/"
#define SBOTTOM SHARED "sbottom_ATLAS-SUSY-2018-31_RegionA/"

#define assert_msg(e, frag)                                                  \
    do {                                                                     \
        if (!strstr((e).msg, (frag)))                                        \
            fail_msg("message \"%s\" lacks \"%s\"", (e).msg, (frag));        \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int have_shared(void)
{
    struct stat st;
    if (stat("../shared", &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    printf("    (skipped: ../shared is absent; run from the repo root)\n");
    return 0;
}

/* Applies patch text to document text.  On success *out is the patched
 * document printed unformatted (caller frees); on failure *out is the
 * document as it stood after the failed attempt. */
static int apply(const char *doc_text, const char *patch_text, char **out,
                 hf_error *err)
{
    cJSON *doc = cJSON_Parse(doc_text);
    assert_non_null(doc);
    hf_patch *p = NULL;
    int rc = hf_patch_parse(patch_text, "patch.json", &p, err);
    if (rc == HF_OK) {
        rc = hfpatch_apply_json(p, &doc, err);
        hf_patch_free(p);
    }
    if (out)
        *out = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return rc;
}

static void assert_same_json(const char *got, const char *want)
{
    cJSON *a = cJSON_Parse(got), *b = cJSON_Parse(want);
    assert_non_null(a);
    assert_non_null(b);
    if (!cJSON_Compare(a, b, 1))
        fail_msg("got %s, expected %s", got, want);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void expect_ok(const char *doc, const char *patch, const char *want)
{
    hf_error err = {0};
    char *got = NULL;
    int rc = apply(doc, patch, &got, &err);
    if (rc != HF_OK)
        fail_msg("patch failed: %s", err.msg);
    assert_same_json(got, want);
    free(got);
}

/* The failure leaves the document as it was. */
static void expect_fail(const char *doc, const char *patch, int code,
                        const char *frag)
{
    hf_error err = {0};
    char *got = NULL;
    int rc = apply(doc, patch, &got, &err);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_msg(err, frag);
    assert_same_json(got, doc);
    free(got);
}

/* ------------------------------------------------- RFC 6902 appendix A */

static void test_rfc_a01_add_member(void **state)
{
    expect_ok("{\"foo\":\"bar\"}",
              "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
              "{\"baz\":\"qux\",\"foo\":\"bar\"}");
}

static void test_rfc_a02_add_element(void **state)
{
    hf_error err;
    char *got;
    assert_int_equal(apply("{\"foo\":[\"bar\",\"baz\"]}",
                           "[{\"op\":\"add\",\"path\":\"/foo/1\","
                           "\"value\":\"qux\"}]", &got, &err), HF_OK);
    assert_string_equal(got, "{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
    free(got);
}

static void test_rfc_a03_remove_member(void **state)
{
    expect_ok("{\"baz\":\"qux\",\"foo\":\"bar\"}",
              "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}");
}

static void test_rfc_a04_remove_element(void **state)
{
    hf_error err;
    char *got;
    assert_int_equal(apply("{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
                           "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", &got,
                           &err), HF_OK);
    assert_string_equal(got, "{\"foo\":[\"bar\",\"baz\"]}");
    free(got);
}

static void test_rfc_a05_replace(void **state)
{
    expect_ok("{\"baz\":\"qux\",\"foo\":\"bar\"}",
              "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
              "{\"baz\":\"boo\",\"foo\":\"bar\"}");
}

static void test_rfc_a06_move_value(void **state)
{
    expect_ok("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},"
              "\"qux\":{\"corge\":\"grault\"}}",
              "[{\"op\":\"move\",\"from\":\"/foo/waldo\","
              "\"path\":\"/qux/thud\"}]",
              "{\"foo\":{\"bar\":\"baz\"},"
              "\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
}

static void test_rfc_a07_move_element(void **state)
{
    hf_error err;
    char *got;
    assert_int_equal(apply("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
                           "[{\"op\":\"move\",\"from\":\"/foo/1\","
                           "\"path\":\"/foo/3\"}]", &got, &err), HF_OK);
    assert_string_equal(got, "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
    free(got);
}

static void test_rfc_a08_test_success(void **state)
{
    expect_ok("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
              "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
              " {\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
              "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}");
}

static void test_rfc_a09_test_error(void **state)
{
    expect_fail("{\"baz\":\"qux\"}",
                "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
                HF_ERR_PATCH,
                "patch.json: op 0 (test /baz): test failed: found \"qux\", "
                "expected \"bar\"");
}

static void test_rfc_a10_nested_member(void **state)
{
    expect_ok("{\"foo\":\"bar\"}",
              "[{\"op\":\"add\",\"path\":\"/child\","
              "\"value\":{\"grandchild\":{}}}]",
              "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}");
}

static void test_rfc_a11_unrecognized_elements(void **state)
{
    expect_ok("{\"foo\":\"bar\"}",
              "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\","
              "\"xyz\":123}]",
              "{\"foo\":\"bar\",\"baz\":\"qux\"}");
}

static void test_rfc_a12_nonexistent_target(void **state)
{
    expect_fail("{\"foo\":\"bar\"}",
                "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]",
                HF_ERR_PATCH,
                "op 0 (add /baz/bat): path not found: no member \"baz\" "
                "at /baz");
}

static void test_rfc_a13_invalid_document(void **state)
{
    hf_error err = {0};
    hf_patch *p = (hf_patch *)1;
    int rc = hf_patch_parse("[{\"op\":\"add\",\"path\":\"/baz\","
                            "\"value\":\"qux\",\"op\":\"remove\"}]",
                            "patch.json", &p, &err);
    assert_int_equal(rc, HF_ERR_INVALID);
    assert_null(p);
    assert_msg(err, "patch.json: op 0");
    assert_msg(err, "member \"op\" appears more than once");
}

static void test_rfc_a14_escape_ordering(void **state)
{
    expect_ok("{\"/\":9,\"~1\":10}",
              "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
              "{\"/\":9,\"~1\":10}");
}

static void test_rfc_a15_string_vs_number(void **state)
{
    expect_fail("{\"/\":9,\"~1\":10}",
                "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]",
                HF_ERR_PATCH, "test failed: found 10, expected \"10\"");
}

static void test_rfc_a16_add_array_value(void **state)
{
    hf_error err;
    char *got;
    assert_int_equal(apply("{\"foo\":[\"bar\"]}",
                           "[{\"op\":\"add\",\"path\":\"/foo/-\","
                           "\"value\":[\"abc\",\"def\"]}]", &got, &err),
                     HF_OK);
    assert_string_equal(got, "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}");
    free(got);
}

/* ---------------------------------------------------- pointers, ops */

static void test_escapes(void **state)
{
    expect_ok("{\"a/b\":1,\"m~n\":2}",
              "[{\"op\":\"replace\",\"path\":\"/a~1b\",\"value\":10},"
              " {\"op\":\"add\",\"path\":\"/m~0n\",\"value\":20},"
              " {\"op\":\"add\",\"path\":\"/x~1~0y\",\"value\":30},"
              " {\"op\":\"test\",\"path\":\"/x~1~0y\",\"value\":30}]",
              "{\"a/b\":10,\"m~n\":20,\"x/~y\":30}");
    /* The empty key is a real key, "/" names it. */
    expect_ok("{\"\":1}", "[{\"op\":\"replace\",\"path\":\"/\",\"value\":2}]",
              "{\"\":2}");
    expect_fail("{\"a\":1}",
                "[{\"op\":\"add\",\"path\":\"/a~2\",\"value\":1}]",
                HF_ERR_INVALID,
                "invalid JSON pointer in \"path\": '~' must be followed by "
                "'0' or '1'");
    expect_fail("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a~\"}]",
                HF_ERR_INVALID, "'~' must be followed");
    expect_fail("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"a\"}]",
                HF_ERR_INVALID, "must be empty or start with '/'");
    expect_fail("{\"a\":1}",
                "[{\"op\":\"copy\",\"from\":\"a\",\"path\":\"/b\"}]",
                HF_ERR_INVALID, "invalid JSON pointer in \"from\"");
}

static void test_array_indices(void **state)
{
    const char *doc = "{\"a\":[10,20,30]}";
    expect_ok(doc, "[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":40}]",
              "{\"a\":[10,20,30,40]}");
    expect_ok(doc, "[{\"op\":\"add\",\"path\":\"/a/3\",\"value\":40}]",
              "{\"a\":[10,20,30,40]}");
    expect_ok(doc, "[{\"op\":\"add\",\"path\":\"/a/0\",\"value\":0}]",
              "{\"a\":[0,10,20,30]}");
    expect_ok(doc, "[{\"op\":\"replace\",\"path\":\"/a/2\",\"value\":3}]",
              "{\"a\":[10,20,3]}");
    expect_ok(doc, "[{\"op\":\"remove\",\"path\":\"/a/2\"},"
                   " {\"op\":\"add\",\"path\":\"/a/-\",\"value\":9}]",
              "{\"a\":[10,20,9]}");
    expect_ok("{\"a\":[]}", "[{\"op\":\"add\",\"path\":\"/a/0\",\"value\":1},"
                            " {\"op\":\"add\",\"path\":\"/a/-\",\"value\":2}]",
              "{\"a\":[1,2]}");
    expect_fail(doc, "[{\"op\":\"add\",\"path\":\"/a/4\",\"value\":1}]",
                HF_ERR_PATCH,
                "path not found: array index 4 out of range (size 3)");
    expect_fail(doc, "[{\"op\":\"replace\",\"path\":\"/a/3\",\"value\":1}]",
                HF_ERR_PATCH, "array index 3 out of range (size 3)");
    expect_fail(doc, "[{\"op\":\"remove\",\"path\":\"/a/3\"}]", HF_ERR_PATCH,
                "array index 3 out of range (size 3)");
    expect_fail(doc, "[{\"op\":\"add\",\"path\":\"/a/01\",\"value\":1}]",
                HF_ERR_PATCH, "invalid array index \"01\"");
    expect_fail(doc, "[{\"op\":\"add\",\"path\":\"/a/-1\",\"value\":1}]",
                HF_ERR_PATCH, "invalid array index \"-1\"");
    expect_fail(doc, "[{\"op\":\"add\",\"path\":\"/a/1e0\",\"value\":1}]",
                HF_ERR_PATCH, "invalid array index \"1e0\"");
    expect_fail(doc, "[{\"op\":\"add\",\"path\":\"/a/\",\"value\":1}]",
                HF_ERR_PATCH, "invalid array index \"\"");
    expect_fail(doc,
                "[{\"op\":\"add\",\"path\":\"/a/99999999999999999999\","
                "\"value\":1}]",
                HF_ERR_PATCH, "array index 99999999999999999999 out of range");
    expect_fail(doc, "[{\"op\":\"replace\",\"path\":\"/a/-\",\"value\":1}]",
                HF_ERR_PATCH, "array index \"-\" (past the end) names no "
                "element");
    expect_fail(doc, "[{\"op\":\"add\",\"path\":\"/a/-/0\",\"value\":1}]",
                HF_ERR_PATCH, "names no element at /a/-");
    expect_fail(doc, "[{\"op\":\"test\",\"path\":\"/a/0/x\",\"value\":1}]",
                HF_ERR_PATCH, "/a/0 is a number, not an object or array");
    expect_fail("3", "[{\"op\":\"add\",\"path\":\"/x\",\"value\":1}]",
                HF_ERR_PATCH,
                "the document root is a number, not an object or array");
}

/* The message format other modules and users rely on. */
static void test_message_format(void **state)
{
    hf_error err = {0};
    int rc = apply("{\"channels\":[{\"samples\":[{\"n\":1},{\"n\":2}]}]}",
                   "[{\"op\":\"test\",\"path\":\"/channels/0/samples/0/n\","
                   "\"value\":1.0},"
                   " {\"op\":\"add\",\"path\":\"/x\",\"value\":1},"
                   " {\"op\":\"remove\",\"path\":\"/x\"},"
                   " {\"op\":\"replace\",\"path\":\"/channels/0/samples/9\","
                   "\"value\":{}}]", NULL, &err);
    assert_int_equal(rc, HF_ERR_PATCH);
    assert_string_equal(err.msg,
                        "patch.json: op 3 (replace /channels/0/samples/9): "
                        "path not found: array index 9 out of range "
                        "(size 2)");
    rc = apply("{\"channels\":[{\"samples\":[]}]}",
               "[{\"op\":\"add\",\"path\":\"/channels/4/samples/0\","
               "\"value\":1}]", NULL, &err);
    assert_int_equal(rc, HF_ERR_PATCH);
    assert_string_equal(err.msg,
                        "patch.json: op 0 (add /channels/4/samples/0): path "
                        "not found: array index 4 out of range (size 1) at "
                        "/channels/4");
}

static void test_op_shapes(void **state)
{
    static const struct {
        const char *patch, *frag;
    } cases[] = {
        {"{\"op\":\"add\"}", "not an RFC 6902 patch: expected an array of "
                             "operations, found an object"},
        {"3", "expected an array of operations, found a number"},
        {"[3]", "patch.json: op 0: expected an object, found a number"},
        {"[{\"path\":\"/a\"}]", "op 0: missing \"op\""},
        {"[{\"op\":1,\"path\":\"/a\"}]", "\"op\" must be a string"},
        {"[{\"op\":\"frob\",\"path\":\"/a\"}]",
         "op 0: unknown op \"frob\" (expected add, remove, replace, move, "
         "copy or test)"},
        {"[{\"op\":\"remove\"}]", "op 0 (remove): missing \"path\""},
        {"[{\"op\":\"remove\",\"path\":[]}]",
         "\"path\" must be a string, found an array"},
        {"[{\"op\":\"add\",\"path\":\"/a\"}]",
         "op 0 (add /a): missing \"value\""},
        {"[{\"op\":\"replace\",\"path\":\"/a\"}]", "missing \"value\""},
        {"[{\"op\":\"test\",\"path\":\"/a\"}]", "missing \"value\""},
        {"[{\"op\":\"move\",\"path\":\"/a\"}]",
         "op 0 (move /a): missing \"from\""},
        {"[{\"op\":\"copy\",\"path\":\"/a\",\"from\":null}]",
         "\"from\" must be a string, found null"},
        {"[{\"op\":\"remove\",\"path\":\"/a\"},{\"op\":\"remove\","
         "\"path\":\"/a\",\"path\":\"/b\"}]",
         "op 1 (remove /a): member \"path\" appears more than once"},
        {"{\"metadata\":{},\"patches\":[],\"version\":\"1.0.0\"}",
         "patch.json: is a pyhf patchset, not an RFC 6902 patch: give a "
         "patch name"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hf_error err = {0};
        hf_patch *p = NULL;
        int rc = hf_patch_parse(cases[k].patch, "patch.json", &p, &err);
        assert_int_equal(rc, HF_ERR_INVALID);
        assert_null(p);
        assert_msg(err, cases[k].frag);
    }
    hf_error err = {0};
    hf_patch *p = NULL;
    assert_int_equal(hf_patch_parse("[{\"op\":", "patch.json", &p, &err),
                     HF_ERR_PARSE);
    assert_msg(err, "patch.json: not valid JSON");
    /* Value may be null or false: present is what counts. */
    assert_int_equal(hf_patch_parse("[{\"op\":\"add\",\"path\":\"/a\","
                                    "\"value\":null}]", "p", &p, &err),
                     HF_OK);
    hf_patch_free(p);
    hf_patch_free(NULL);
}

/* A patch built without hf_patch_parse is still checked in full before
 * its first op runs. */
static void test_checked_before_applying(void **state)
{
    hf_patch p = {cJSON_Parse("[{\"op\":\"add\",\"path\":\"/a\",\"value\":1},"
                              " {\"op\":\"add\",\"path\":\"/b\"}]"),
                  "raw.json", 0};
    cJSON *doc = cJSON_Parse("{}");
    cJSON *before = doc;
    hf_error err = {0};
    assert_int_equal(hfpatch_apply_json(&p, &doc, &err), HF_ERR_INVALID);
    assert_msg(err, "raw.json: op 1 (add /b): missing \"value\"");
    assert_ptr_equal(doc, before);
    assert_null(doc->child);
    cJSON_Delete(doc);
    cJSON_Delete(p.ops);
    assert_int_equal(hfpatch_apply_json(NULL, &doc, &err), HF_ERR_ARG);
}

static void test_root(void **state)
{
    expect_ok("{\"a\":1}",
              "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1,2]}]",
              "[1,2]");
    expect_ok("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":{}}]",
              "{}");
    expect_ok("{\"a\":{\"b\":[1]}}",
              "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"\"}]",
              "{\"b\":[1]}");
    expect_ok("{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"\",\"path\":\"/b\"}]",
              "{\"a\":1,\"b\":{\"a\":1}}");
    expect_ok("{\"a\":1}",
              "[{\"op\":\"test\",\"path\":\"\",\"value\":{\"a\":1.0}},"
              " {\"op\":\"replace\",\"path\":\"\",\"value\":\"s\"},"
              " {\"op\":\"test\",\"path\":\"\",\"value\":\"s\"}]",
              "\"s\"");
    expect_fail("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]",
                HF_ERR_PATCH, "cannot remove the document root");
    expect_fail("{\"a\":1}", "[{\"op\":\"move\",\"from\":\"\",\"path\":\"/b\"}]",
                HF_ERR_PATCH, "cannot move a value into one of its own children");
}

static void test_move_copy(void **state)
{
    const char *doc = "{\"a\":{\"b\":[1,2]},\"ab\":0,\"l\":[\"x\",\"y\",\"z\"]}";
    expect_ok(doc, "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]", doc);
    expect_ok(doc, "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/ab\"}]",
              "{\"ab\":{\"b\":[1,2]},\"l\":[\"x\",\"y\",\"z\"]}");
    expect_ok(doc, "[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"/a/c\"}]",
              "{\"a\":{\"c\":[1,2]},\"ab\":0,\"l\":[\"x\",\"y\",\"z\"]}");
    /* A child may replace its own parent. */
    expect_ok(doc, "[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"/a\"}]",
              "{\"a\":[1,2],\"ab\":0,\"l\":[\"x\",\"y\",\"z\"]}");
    expect_ok(doc, "[{\"op\":\"move\",\"from\":\"/l/2\",\"path\":\"/l/0\"}]",
              "{\"a\":{\"b\":[1,2]},\"ab\":0,\"l\":[\"z\",\"x\",\"y\"]}");
    expect_ok(doc, "[{\"op\":\"move\",\"from\":\"/l/0\",\"path\":\"/l/-\"}]",
              "{\"a\":{\"b\":[1,2]},\"ab\":0,\"l\":[\"y\",\"z\",\"x\"]}");
    expect_ok(doc, "[{\"op\":\"move\",\"from\":\"/ab\",\"path\":\"/l/1\"}]",
              "{\"a\":{\"b\":[1,2]},\"l\":[\"x\",0,\"y\",\"z\"]}");
    expect_ok(doc, "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/a/b/0\"}]",
              "{\"a\":{\"b\":[{\"b\":[1,2]},1,2]},\"ab\":0,"
              "\"l\":[\"x\",\"y\",\"z\"]}");
    expect_ok(doc, "[{\"op\":\"copy\",\"from\":\"/l\",\"path\":\"/ab\"},"
                   " {\"op\":\"remove\",\"path\":\"/l/0\"}]",
              "{\"a\":{\"b\":[1,2]},\"ab\":[\"x\",\"y\",\"z\"],"
              "\"l\":[\"y\",\"z\"]}");
    expect_fail(doc, "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/0\"}]",
                HF_ERR_PATCH, "cannot move a value into one of its own children");
    expect_fail(doc, "[{\"op\":\"move\",\"from\":\"/nope\",\"path\":\"/x\"}]",
                HF_ERR_PATCH,
                "op 0 (move /x from /nope): \"from\" not found: no member "
                "\"nope\"");
    expect_fail(doc, "[{\"op\":\"copy\",\"from\":\"/l/3\",\"path\":\"/x\"}]",
                HF_ERR_PATCH, "\"from\" not found: array index 3 out of range");
    /* A single failing move puts the value back where it was: the
     * document is checked unchanged, member order included. */
    hf_error err = {0};
    char *got;
    assert_int_equal(apply(doc, "[{\"op\":\"move\",\"from\":\"/a\","
                                "\"path\":\"/q/r\"}]", &got, &err),
                     HF_ERR_PATCH);
    assert_msg(err, "path not found: no member \"q\" at /q");
    assert_string_equal(got, doc);
    free(got);
    assert_int_equal(apply(doc, "[{\"op\":\"move\",\"from\":\"/l/1\","
                                "\"path\":\"/l/3\"}]", &got, &err),
                     HF_ERR_PATCH);
    assert_msg(err, "array index 3 out of range (size 2)");
    assert_string_equal(got, doc);
    free(got);
    assert_int_equal(apply(doc, "[{\"op\":\"move\",\"from\":\"/l/0\","
                                "\"path\":\"/l/3\"}]", &got, &err),
                     HF_ERR_PATCH);
    assert_string_equal(got, doc);
    free(got);
}

static void test_add_replaces_member(void **state)
{
    hf_error err;
    char *got;
    assert_int_equal(apply("{\"a\":1,\"b\":2,\"c\":3}",
                           "[{\"op\":\"add\",\"path\":\"/b\",\"value\":[0]}]",
                           &got, &err), HF_OK);
    /* Same key, same place, only one member called "b". */
    assert_string_equal(got, "{\"a\":1,\"b\":[0],\"c\":3}");
    free(got);
}

static void test_equality(void **state)
{
    const char *doc = "{\"o\":{\"x\":1,\"y\":[1,{\"z\":null}]},\"n\":1e2,"
                      "\"t\":true,\"f\":false,\"s\":\"\"}";
    expect_ok(doc, "[{\"op\":\"test\",\"path\":\"/o\","
                   "\"value\":{\"y\":[1.0,{\"z\":null}],\"x\":1}},"
                   " {\"op\":\"test\",\"path\":\"/n\",\"value\":100},"
                   " {\"op\":\"test\",\"path\":\"/t\",\"value\":true},"
                   " {\"op\":\"test\",\"path\":\"/f\",\"value\":false},"
                   " {\"op\":\"test\",\"path\":\"/s\",\"value\":\"\"}]", doc);
    expect_fail(doc, "[{\"op\":\"test\",\"path\":\"/o\","
                     "\"value\":{\"x\":1}}]", HF_ERR_PATCH, "test failed");
    expect_fail(doc, "[{\"op\":\"test\",\"path\":\"/o\","
                     "\"value\":{\"x\":1,\"y\":[1,{\"z\":null}],\"w\":0}}]",
                HF_ERR_PATCH, "test failed");
    expect_fail(doc, "[{\"op\":\"test\",\"path\":\"/o/y\",\"value\":[1]}]",
                HF_ERR_PATCH, "test failed: found [1,{\"z\":null}]");
    expect_fail(doc, "[{\"op\":\"test\",\"path\":\"/t\",\"value\":1}]",
                HF_ERR_PATCH, "found true, expected 1");
    expect_fail(doc, "[{\"op\":\"test\",\"path\":\"/f\",\"value\":null}]",
                HF_ERR_PATCH, "found false, expected null");
    expect_fail(doc, "[{\"op\":\"test\",\"path\":\"/nope\",\"value\":1}]",
                HF_ERR_PATCH, "op 0 (test /nope): path not found: no member "
                "\"nope\"");
}

/* A failing op in the middle leaves the caller's tree untouched (same
 * root, same content), however much came before it. */
static void test_atomic(void **state)
{
    const char *text = "{\"a\":1,\"b\":[1,2],\"c\":{\"d\":\"e\"}}";
    cJSON *doc = cJSON_Parse(text);
    cJSON *root = doc;
    hf_patch *p;
    hf_error err = {0};
    assert_int_equal(hf_patch_parse(
        "[{\"op\":\"add\",\"path\":\"/z\",\"value\":1},"
        " {\"op\":\"remove\",\"path\":\"/b/0\"},"
        " {\"op\":\"replace\",\"path\":\"\",\"value\":[]},"
        " {\"op\":\"replace\",\"path\":\"/0\",\"value\":1}]",
        "mid.json", &p, &err), HF_OK);
    assert_int_equal(hfpatch_apply_json(p, &doc, &err), HF_ERR_PATCH);
    assert_msg(err, "mid.json: op 3 (replace /0): path not found: array index 0 "
                    "out of range (size 0)");
    assert_ptr_equal(doc, root);
    char *got = cJSON_PrintUnformatted(doc);
    assert_string_equal(got, text);
    free(got);
    hf_patch_free(p);

    /* The same patch object applies again, to a fresh document, and the
     * patch itself is never consumed. */
    assert_int_equal(hf_patch_parse(
        "[{\"op\":\"add\",\"path\":\"/z\",\"value\":{\"k\":[1]}},"
        " {\"op\":\"remove\",\"path\":\"/b/0\"}]", "ok.json", &p, &err),
        HF_OK);
    for (int k = 0; k < 2; k++) {
        cJSON *d = cJSON_Parse(text);
        assert_int_equal(hfpatch_apply_json(p, &d, &err), HF_OK);
        got = cJSON_PrintUnformatted(d);
        assert_string_equal(got, "{\"a\":1,\"b\":[2],\"c\":{\"d\":\"e\"},"
                                 "\"z\":{\"k\":[1]}}");
        free(got);
        cJSON_Delete(d);
    }
    hf_patch_free(p);
    cJSON_Delete(doc);
}

/* 10,000 ops on a ~4 MB document: linear, one copy per patch. */
static void test_large_patch(void **state)
{
    enum { NCH = 100, NS = 10, NB = 400, NOPS = 10000 };
    cJSON *doc = cJSON_CreateObject();
    cJSON *chs = cJSON_AddArrayToObject(doc, "channels");
    for (int c = 0; c < NCH; c++) {
        cJSON *ch = cJSON_CreateObject();
        cJSON *ss = cJSON_AddArrayToObject(ch, "samples");
        for (int s = 0; s < NS; s++) {
            cJSON *sm = cJSON_CreateObject();
            double d[NB];
            for (int b = 0; b < NB; b++)
                d[b] = 1000.0 + c + s * 0.001 + b * 1e-6;
            cJSON_AddItemToObject(sm, "data", cJSON_CreateDoubleArray(d, NB));
            cJSON_AddItemToArray(ss, sm);
        }
        cJSON_AddItemToArray(chs, ch);
    }
    char *text = cJSON_PrintUnformatted(doc);
    size_t size = strlen(text);
    assert_true(size > 3500000);
    free(text);

    cJSON *ops = cJSON_CreateArray();
    char path[128];
    for (int k = 0; k < NOPS; k++) {
        /* 1000 arrays of 400 get 10 ops each, all of one kind: an
         * index below 350 stays in range. */
        int c = (k * 37) % NCH, s = (k / NCH) % NS, b = (k * 13) % 350;
        cJSON *op = cJSON_CreateObject();
        snprintf(path, sizeof path, "/channels/%d/samples/%d/data/%d", c, s,
                 b);
        switch (k % 4) {
        case 0:
            cJSON_AddStringToObject(op, "op", "replace");
            cJSON_AddNumberToObject(op, "value", -k);
            break;
        case 1:
            cJSON_AddStringToObject(op, "op", "add");
            cJSON_AddNumberToObject(op, "value", k);
            break;
        case 2:
            cJSON_AddStringToObject(op, "op", "remove");
            break;
        default:
            snprintf(path, sizeof path, "/channels/%d/samples/%d/extra%d", c,
                     s, k);
            cJSON_AddStringToObject(op, "op", "add");
            cJSON_AddNumberToObject(op, "value", k);
        }
        cJSON_AddStringToObject(op, "path", path);
        cJSON_AddItemToArray(ops, op);
    }
    /* The last op checks an effect of an early one. */
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "op", "test");
    cJSON_AddStringToObject(t, "path", "/channels/11/samples/0/extra3");
    cJSON_AddNumberToObject(t, "value", 3);
    cJSON_AddItemToArray(ops, t);
    hf_patch p = {ops, "big.json", 0};
    hf_error err = {0};
    cJSON *root = doc;
    double t0 = now();
    int rc = hfpatch_apply_json(&p, &doc, &err);
    double dt = now() - t0;
    if (rc)
        fail_msg("%s", err.msg);
    printf("    10000 ops on %.1f MB: %.3f s\n", size / 1e6, dt);
    assert_ptr_not_equal(doc, root); /* it ran on the copy */
    /* 2500 adds and 2500 removes of data, 2500 new members. */
    int ndata = 0, nextra = 0;
    for (cJSON *ch = cJSON_GetObjectItem(doc, "channels")->child; ch;
         ch = ch->next)
        for (cJSON *sm = cJSON_GetObjectItem(ch, "samples")->child; sm;
             sm = sm->next) {
            ndata += cJSON_GetArraySize(cJSON_GetObjectItem(sm, "data"));
            nextra += cJSON_GetArraySize(sm) - 1;
        }
    assert_int_equal(ndata, NCH * NS * NB);
    assert_int_equal(nextra, NOPS / 4);

    /* Failing at the very end: everything before is discarded. */
    cJSON_ReplaceItemInObject(t, "value", cJSON_CreateNumber(42));
    root = doc;
    text = cJSON_PrintUnformatted(doc);
    t0 = now();
    assert_int_equal(hfpatch_apply_json(&p, &doc, &err), HF_ERR_PATCH);
    dt = now() - t0;
    assert_msg(err, "big.json: op 10000 (test /channels/11/samples/0/extra3): test "
                    "failed: found 3, expected 42");
    assert_ptr_equal(doc, root);
    char *after = cJSON_PrintUnformatted(doc);
    assert_string_equal(after, text);
    free(after);
    free(text);
    cJSON_Delete(ops);
    cJSON_Delete(doc);
}

/* -------------------------------------------------------- patchsets */

/* A valid patchset; tests edit copies of it through cJSON. */
static const char PSET[] =
    "{\"metadata\": {"
    "   \"references\": {\"hepdata\": \"ins1234567\"},"
    "   \"description\": \"example\","
    "   \"digests\": {\"md5\": \"098f6bcd4621d373cade4e832627b4f6\","
    "                 \"sha256\": \"2563672e1a165384faf49f1431e921d88c9c07"
    "ec10f150d5045576564f98f820\"},"
    "   \"labels\": [\"m1\", \"m2\"]},"
    " \"patches\": ["
    "  {\"metadata\": {\"name\": \"p_2100_800\", \"values\": [2100, 800]},"
    "   \"patch\": [{\"op\": \"add\", \"path\": \"/foo/-\","
    "                \"value\": {\"foo\": [1.0]}}]},"
    "  {\"metadata\": {\"name\": \"p_2100_850\", \"values\": [2100, 850.5],"
    "                  \"extra\": true},"
    "   \"patch\": [{\"op\": \"replace\", \"path\": \"/foo/0\","
    "                \"value\": 7}]},"
    "  {\"metadata\": {\"name\": \"p_str\", \"values\": [\"a\", 3]},"
    "   \"patch\": []}],"
    " \"version\": \"1.0.0\"}";

/* Parses PSET, lets `edit` change it, and loads the result. */
static int load_edited(void (*edit)(cJSON *), hf_patchset **ps,
                       hf_error *err)
{
    cJSON *root = cJSON_Parse(PSET);
    assert_non_null(root);
    if (edit)
        edit(root);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    *ps = NULL;
    int rc = hf_patchset_parse(text, "mem.json", ps, err);
    free(text);
    return rc;
}

static cJSON *md_of(cJSON *root)
{
    return cJSON_GetObjectItem(root, "metadata");
}

static cJSON *patch_md(cJSON *root, int i)
{
    return cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(root, "patches"), i),
        "metadata");
}

static void test_patchset_valid(void **state)
{
    hf_patchset *ps;
    hf_error err = {0};
    int rc = load_edited(NULL, &ps, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(hf_patchset_size(ps), 3);
    assert_string_equal(hf_patchset_patch_name(ps, 1), "p_2100_850");
    assert_null(hf_patchset_patch_name(ps, 3));
    assert_int_equal(hf_patchset_nlabels(ps), 2);
    assert_string_equal(hf_patchset_label(ps, 1), "m2");
    assert_null(hf_patchset_label(ps, 2));
    assert_int_equal(hf_patchset_find(ps, "p_str"), 2);
    assert_int_equal(hf_patchset_find(ps, "p_2100"), -1);
    double v[2] = {2100, 850.5};
    assert_int_equal(hf_patchset_find_values(ps, v, 2), 1);
    v[1] = 800;
    assert_int_equal(hf_patchset_find_values(ps, v, 2), 0);
    assert_int_equal(hf_patchset_find_values(ps, v, 1), -1);
    v[1] = 801;
    assert_int_equal(hf_patchset_find_values(ps, v, 2), -1);
    assert_int_equal(hf_patchset_nvalues(ps, 2), 2);
    assert_int_equal(hf_patchset_nvalues(ps, 9), 0);
    assert_true(hf_patchset_value(ps, 1, 1) == 850.5);
    assert_true(isnan(hf_patchset_value(ps, 2, 0)));
    assert_true(hf_patchset_value(ps, 2, 1) == 3);
    assert_true(isnan(hf_patchset_value(ps, 2, 2)));
    char buf[32];
    assert_int_equal(hf_patchset_value_text(ps, 2, 0, buf, sizeof buf), HF_OK);
    assert_string_equal(buf, "\"a\"");
    assert_int_equal(hf_patchset_value_text(ps, 0, 0, buf, sizeof buf), HF_OK);
    assert_string_equal(buf, "2100");
    assert_int_equal(hf_patchset_value_text(ps, 1, 1, buf, sizeof buf), HF_OK);
    assert_string_equal(buf, "850.5");
    assert_int_equal(hf_patchset_value_text(ps, 1, 1, buf, 3), HF_ERR_ARG);
    assert_int_equal(hf_patchset_value_text(ps, 1, 2, buf, sizeof buf),
                     HF_ERR_ARG);
    assert_string_equal(hf_patchset_digest(ps, "md5"),
                        "098f6bcd4621d373cade4e832627b4f6");
    assert_non_null(hf_patchset_digest(ps, "sha256"));
    assert_null(hf_patchset_digest(ps, "sha1"));

    const hf_patch *p = hf_patchset_patch(ps, 0);
    assert_non_null(p);
    assert_null(hf_patchset_patch(ps, -1));
    assert_string_equal(p->source, "mem.json[p_2100_800]");
    cJSON *doc = cJSON_Parse("{\"foo\":[1]}");
    assert_int_equal(hfpatch_apply_json(p, &doc, &err), HF_OK);
    char *got = cJSON_PrintUnformatted(doc);
    assert_string_equal(got, "{\"foo\":[1,{\"foo\":[1]}]}");
    free(got);
    /* Errors from a patchset's patch name the patch. */
    p = hf_patchset_patch(ps, 1);
    cJSON_Delete(doc);
    doc = cJSON_Parse("{\"foo\":{}}");
    assert_int_equal(hfpatch_apply_json(p, &doc, &err), HF_ERR_PATCH);
    assert_string_equal(err.msg, "mem.json[p_2100_850]: op 0 (replace "
                                 "/foo/0): path not found: no member \"0\"");
    cJSON_Delete(doc);
    hf_patchset_free(ps);
    hf_patchset_free(NULL);
    assert_int_equal(hf_patchset_size(NULL), 0);
    assert_int_equal(hf_patchset_find(NULL, "x"), -1);
}

static void del_references(cJSON *r) { cJSON_DeleteItemFromObject(md_of(r), "references"); }
static void del_digests(cJSON *r) { cJSON_DeleteItemFromObject(md_of(r), "digests"); }
static void del_labels(cJSON *r) { cJSON_DeleteItemFromObject(md_of(r), "labels"); }
static void del_description(cJSON *r) { cJSON_DeleteItemFromObject(md_of(r), "description"); }
static void del_metadata(cJSON *r) { cJSON_DeleteItemFromObject(r, "metadata"); }
static void del_version(cJSON *r) { cJSON_DeleteItemFromObject(r, "version"); }
static void bad_version(cJSON *r)
{
    cJSON_ReplaceItemInObject(r, "version", cJSON_CreateString("1.1.0"));
}
static void extra_top(cJSON *r) { cJSON_AddNullToObject(r, "notes"); }
static void no_patches(cJSON *r)
{
    cJSON_ReplaceItemInObject(r, "patches", cJSON_CreateArray());
}
static void bad_name(cJSON *r)
{
    cJSON_ReplaceItemInObject(patch_md(r, 1), "name",
                              cJSON_CreateString("bad-name"));
}
static void empty_name(cJSON *r)
{
    cJSON_ReplaceItemInObject(patch_md(r, 0), "name", cJSON_CreateString(""));
}
static void dup_name(cJSON *r)
{
    cJSON_ReplaceItemInObject(patch_md(r, 2), "name",
                              cJSON_CreateString("p_2100_800"));
}
static void dup_values(cJSON *r)
{
    /* 2100.0, 800.0 equals 2100, 800 as Python tuples do. */
    double v[2] = {2100.0, 800.0};
    cJSON_ReplaceItemInObject(patch_md(r, 2), "values",
                              cJSON_CreateDoubleArray(v, 2));
}
static void short_values(cJSON *r)
{
    double v[1] = {2100};
    cJSON_ReplaceItemInObject(patch_md(r, 1), "values",
                              cJSON_CreateDoubleArray(v, 1));
}
static void bool_value(cJSON *r)
{
    cJSON_AddItemToArray(cJSON_GetObjectItem(patch_md(r, 0), "values"),
                         cJSON_CreateTrue());
}
static void no_values(cJSON *r) { cJSON_DeleteItemFromObject(patch_md(r, 1), "values"); }
static void bad_hepdata(cJSON *r)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(md_of(r), "references"),
                              "hepdata", cJSON_CreateString("ins123"));
}
static void extra_reference(cJSON *r)
{
    cJSON_AddStringToObject(cJSON_GetObjectItem(md_of(r), "references"),
                            "arxiv", "2001.00001");
}
static void bad_md5(cJSON *r)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(md_of(r), "digests"), "md5",
                              cJSON_CreateString("098F6BCD4621D373CADE4E8326"
                                                 "27B4F6"));
}
static void empty_digests(cJSON *r)
{
    cJSON_ReplaceItemInObject(md_of(r), "digests", cJSON_CreateObject());
}
static void bad_label(cJSON *r)
{
    cJSON_AddItemToArray(cJSON_GetObjectItem(md_of(r), "labels"),
                         cJSON_CreateString("m 3"));
}
static void empty_labels(cJSON *r)
{
    cJSON_ReplaceItemInObject(md_of(r), "labels", cJSON_CreateArray());
}
static void bad_op(cJSON *r)
{
    cJSON *ops = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(r, "patches"), 1), "patch");
    cJSON_DeleteItemFromObject(cJSON_GetArrayItem(ops, 0), "value");
}
static void extra_in_patch(cJSON *r)
{
    cJSON_AddNullToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "patches"),
                                             0), "notes");
}
static void no_patch_ops(cJSON *r)
{
    cJSON_DeleteItemFromObject(
        cJSON_GetArrayItem(cJSON_GetObjectItem(r, "patches"), 0), "patch");
}

static void repeated_key(cJSON *r)
{
    /* cJSON keeps both members; Python's json.load keeps the last */
    cJSON *md = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(r, "patches"), 1), "metadata");
    cJSON_AddStringToObject(md, "name", "p_other");
}

static void test_patchset_invalid(void **state)
{
    static const struct {
        void (*edit)(cJSON *);
        const char *frag;
    } cases[] = {
        {del_references, "mem.json: /metadata: missing required member "
                         "\"references\""},
        {del_digests, "/metadata: missing required member \"digests\""},
        {del_labels, "/metadata: missing required member \"labels\""},
        {del_description, "/metadata: missing required member "
                          "\"description\""},
        {del_metadata, "mem.json: missing required member \"metadata\""},
        {del_version, "missing required member \"version\""},
        {bad_version, "/version: unsupported patchset version \"1.1.0\""},
        {extra_top, "unexpected member \"notes\""},
        {no_patches, "/patches: must hold at least one patch"},
        {bad_name, "/patches/1/metadata/name: \"bad-name\" is not a name"},
        {empty_name, "/patches/0/metadata/name: \"\" is not a name"},
        {dup_name, "/patches/2/metadata/name: duplicate patch name "
                   "\"p_2100_800\" (also /patches/0)"},
        {dup_values, "/patches/2/metadata/values: patch \"p_str\" has the "
                     "same values as patch \"p_2100_800\""},
        {short_values, "/patches/1/metadata/values: patch \"p_2100_850\" has "
                       "1 value but the patchset has 2 labels"},
        {bool_value, "/patches/0/metadata/values/2: expected a number or a "
                     "string, found a boolean"},
        {no_values, "/patches/1/metadata: missing required member "
                    "\"values\""},
        {bad_hepdata, "/metadata/references/hepdata"},
        {extra_reference, "/metadata/references: unexpected member "
                          "\"arxiv\""},
        {bad_md5, "/metadata/digests/md5"},
        {empty_digests, "/metadata/digests: must not be empty"},
        {bad_label, "/metadata/labels/2"},
        {empty_labels, "/metadata/labels: must not be empty"},
        {repeated_key, "mem.json: /patches/1/metadata/name: the key \"name\" appears "
                       "twice in one object"},
        {bad_op, "mem.json[p_2100_850]: op 0 (replace /foo/0): missing "
                 "\"value\""},
        {extra_in_patch, "/patches/0: unexpected member \"notes\""},
        {no_patch_ops, "/patches/0: missing required member \"patch\""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hf_patchset *ps;
        hf_error err = {0};
        int rc = load_edited(cases[k].edit, &ps, &err);
        if (rc != HF_ERR_INVALID)
            fail_msg("case %zu (%s): status %d", k, cases[k].frag, rc);
        assert_null(ps);
        assert_msg(err, cases[k].frag);
    }
    hf_patchset *ps;
    hf_error err = {0};
    assert_int_equal(hf_patchset_parse("[]", "arr.json", &ps, &err),
                     HF_ERR_INVALID);
    assert_msg(err, "arr.json: is an RFC 6902 patch, not a pyhf patchset");
    assert_int_equal(hf_patchset_parse("{", "x.json", &ps, &err),
                     HF_ERR_PARSE);
    assert_int_equal(hf_patchset_read("/nonexistent/ps.json", &ps, &err),
                     HF_ERR_IO);
    assert_msg(err, "/nonexistent/ps.json");
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/hf_test_patch_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_read_any(void **state)
{
    char *ps_path = write_temp(PSET);
    char *p_path = write_temp("[{\"op\":\"remove\",\"path\":\"/a\"}]");
    hf_patch *p = NULL;
    hf_error err = {0};

    assert_int_equal(hf_patch_read_any(ps_path, "p_str", &p, &err), HF_OK);
    char want[128];
    snprintf(want, sizeof want, "%s[p_str]", ps_path);
    assert_string_equal(p->source, want);
    assert_int_equal(cJSON_GetArraySize(p->ops), 0);
    hf_patch_free(p);
    assert_int_equal(hf_patch_read_any(ps_path, "p_2100_850", &p, &err),
                     HF_OK);
    assert_string_equal(cJSON_GetObjectItem(p->ops->child, "op")->valuestring,
                        "replace");
    hf_patch_free(p);

    p = NULL;
    assert_int_equal(hf_patch_read_any(ps_path, NULL, &p, &err), HF_ERR_ARG);
    assert_null(p);
    assert_msg(err, "is a pyhf patchset of 3 patches: give a patch name "
                    "(p_2100_800, p_2100_850, p_str)");
    assert_int_equal(hf_patch_read_any(ps_path, "p_2100_805", &p, &err),
                     HF_ERR_NOTFOUND);
    assert_msg(err, "no patch named \"p_2100_805\" among the 3 patches of "
                    "the patchset (did you mean: p_2100_800, p_2100_850)");
    assert_int_equal(hf_patch_read_any(ps_path, "zzzzzzzzzzzz", &p, &err),
                     HF_ERR_NOTFOUND);
    assert_msg(err, "(they include: p_2100_800, p_2100_850, p_str)");
    /* hf_patch_read refuses a patchset outright. */
    assert_int_equal(hf_patch_read(ps_path, &p, &err), HF_ERR_INVALID);
    assert_msg(err, "is a pyhf patchset, not an RFC 6902 patch: give a "
                    "patch name");

    assert_int_equal(hf_patch_read_any(p_path, NULL, &p, &err), HF_OK);
    assert_string_equal(p->source, p_path);
    hf_patch_free(p);
    assert_int_equal(hf_patch_read(p_path, &p, &err), HF_OK);
    hf_patch_free(p);
    p = NULL;
    assert_int_equal(hf_patch_read_any(p_path, "x", &p, &err), HF_ERR_ARG);
    assert_null(p);
    assert_msg(err, "is an RFC 6902 patch, not a pyhf patchset");
    assert_int_equal(hf_patch_read_any("/nonexistent/p.json", NULL, &p, &err),
                     HF_ERR_IO);

    char *other = write_temp("{\"channels\": []}");
    assert_int_equal(hf_patch_read_any(other, NULL, &p, &err),
                     HF_ERR_INVALID);
    assert_msg(err, "neither an RFC 6902 patch");
    unlink(other);
    free(other);
    unlink(ps_path);
    unlink(p_path);
    free(ps_path);
    free(p_path);
}

/* ------------------------------------------------------- real data */

static cJSON *read_json(const char *path)
{
    char *text;
    hf_error err;
    if (hfcore_file_read(path, &text, NULL, &err))
        fail_msg("%s", err.msg);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

static void test_real_1lbb(void **state)
{
    if (!have_shared())
        return;
    hf_patchset *ps;
    hf_error err = {0};
    double t0 = now();
    int rc = hf_patchset_read(LBB "patchset.json", &ps, &err);
    double dt = now() - t0;
    if (rc)
        fail_msg("%s", err.msg);
    printf("    1Lbb patchset (57 MB): %.3f s\n", dt);
    assert_int_equal(hf_patchset_size(ps), 125);
    assert_int_equal(hf_patchset_nlabels(ps), 2);
    assert_string_equal(hf_patchset_label(ps, 0), "m1");
    assert_string_equal(hf_patchset_digest(ps, "sha256"),
                        "2563672e1a165384faf49f1431e921d88c9c07ec10f150d504"
                        "5576564f98f820");
    int i = hf_patchset_find(ps, "C1N2_Wh_hbb_1000_0");
    assert_true(i >= 0);
    double v[2] = {1000, 0};
    assert_int_equal(hf_patchset_find_values(ps, v, 2), i);
    assert_true(hf_patchset_value(ps, i, 0) == 1000);
    const hf_patch *p = hf_patchset_patch(ps, i);
    assert_string_equal(p->source,
                        LBB "patchset.json[C1N2_Wh_hbb_1000_0]");
    /* Every patch name is found at its own index. */
    for (int k = 0; k < hf_patchset_size(ps); k++)
        assert_int_equal(hf_patchset_find(ps, hf_patchset_patch_name(ps, k)),
                         k);

    /* Applied to the background-only workspace it adds a signal sample
     * to each channel it names. */
    cJSON *ws = read_json(LBB "BkgOnly.json");
    cJSON *ch0 = cJSON_GetArrayItem(cJSON_GetObjectItem(ws, "channels"), 0);
    int before = cJSON_GetArraySize(cJSON_GetObjectItem(ch0, "samples"));
    t0 = now();
    rc = hfpatch_apply_json(p, &ws, &err);
    dt = now() - t0;
    if (rc)
        fail_msg("%s", err.msg);
    printf("    patch on BkgOnly (4.4 MB): %.3f s\n", dt);
    ch0 = cJSON_GetArrayItem(cJSON_GetObjectItem(ws, "channels"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ch0, "samples")),
                     before + 1);
    cJSON_Delete(ws);
    hf_patchset_free(ps);

    hf_patch *one;
    assert_int_equal(hf_patch_read_any(LBB "patchset.json",
                                       "C1N2_Wh_hbb_1000_0", &one, &err),
                     HF_OK);
    assert_int_equal(cJSON_GetArraySize(one->ops), 8);
    hf_patch_free(one);
    assert_int_equal(hf_patch_read_any(LBB "patchset.json",
                                       "C1N2_Wh_hbb_1000_O", &one, &err),
                     HF_ERR_NOTFOUND);
    assert_msg(err, "among the 125 patches of the patchset (did you mean: "
                    "C1N2_Wh_hbb_1000_0");
}

static void test_real_sbottom(void **state)
{
    if (!have_shared())
        return;
    glob_t g;
    assert_int_equal(glob(SBOTTOM "patch.*.json", 0, NULL, &g), 0);
    assert_true(g.gl_pathc > 100);
    cJSON *bkg = read_json(SBOTTOM "BkgOnly.json");
    for (size_t k = 0; k < g.gl_pathc; k++) {
        hf_patch *p;
        hf_error err = {0};
        if (hf_patch_read_any(g.gl_pathv[k], NULL, &p, &err))
            fail_msg("%s", err.msg);
        assert_string_equal(p->source, g.gl_pathv[k]);
        assert_true(cJSON_GetArraySize(p->ops) > 0);
        if (k % 25 == 0) {
            cJSON *ws = cJSON_Duplicate(bkg, 1);
            if (hfpatch_apply_json(p, &ws, &err))
                fail_msg("%s", err.msg);
            assert_false(cJSON_Compare(ws, bkg, 1));
            cJSON_Delete(ws);
        }
        hf_patch_free(p);
    }
    hf_patch *p;
    hf_error err = {0};
    assert_int_equal(hf_patch_read_any(g.gl_pathv[0], "x", &p, &err),
                     HF_ERR_ARG);
    cJSON_Delete(bkg);
    globfree(&g);
}

/* A patched model build (copy-on-write patching, then the check of the
 * patched spec) with every cJSON allocation failing in turn: out of
 * memory is HF_ERR_NOMEM, never a patch or validation error, and nothing
 * is left allocated. */
static void test_build_patched_oom(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    hf_patch *extra = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read("workspaces/demo/BkgOnly.json", &ws, &err), HF_OK);
    assert_int_equal(hf_patchset_read("workspaces/demo/patchset.json", &ps, &err), HF_OK);
    assert_int_equal(hf_patch_parse(
                         "[{\"op\": \"replace\", \"path\": \"/channels/0/samples/0/data/0\", \"value\": 1.5},"
                         " {\"op\": \"move\", \"from\": \"/channels/0/samples/0\", \"path\": \"/channels/0/samples/-\"},"
                         " {\"op\": \"copy\", \"from\": \"/channels/1/samples/0/data\", \"path\": \"/channels/1/samples/0/data\"},"
                         " {\"op\": \"test\", \"path\": \"/channels/1/name\", \"value\": \"SR\"}]",
                         "extra", &extra, &err),
                     HF_OK);
    const hf_patch *patches[2] = {hf_patchset_patch(ps, 0), extra};
    hf_model *m = NULL;
    int want = hf_model_build(ws, patches, 2, NULL, &m, &err);
    assert_int_equal(want, HF_OK);
    hf_model_free(m);
    cJSON_InitHooks(&oom_hooks);
    for (long budget = 0; budget < 100000; budget++) {
        oom_budget = budget;
        oom_live = 0;
        m = NULL;
        err.msg[0] = '\0';
        int rc = hf_model_build(ws, patches, 2, NULL, &m, &err);
        oom_budget = -1;
        hf_model_free(m);
        if ((rc != want && rc != HF_ERR_NOMEM) || oom_live != 0) {
            cJSON_InitHooks(NULL);
            print_error("allocation %ld failing: rc %d (%s), %ld cJSON allocations "
                        "left\n", budget, rc, err.msg, oom_live);
            fail();
        }
        if (rc == want)
            break;
    }
    cJSON_InitHooks(NULL);
    hf_patch_free(extra);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_a01_add_member),
        cmocka_unit_test(test_rfc_a02_add_element),
        cmocka_unit_test(test_rfc_a03_remove_member),
        cmocka_unit_test(test_rfc_a04_remove_element),
        cmocka_unit_test(test_rfc_a05_replace),
        cmocka_unit_test(test_rfc_a06_move_value),
        cmocka_unit_test(test_rfc_a07_move_element),
        cmocka_unit_test(test_rfc_a08_test_success),
        cmocka_unit_test(test_rfc_a09_test_error),
        cmocka_unit_test(test_rfc_a10_nested_member),
        cmocka_unit_test(test_rfc_a11_unrecognized_elements),
        cmocka_unit_test(test_rfc_a12_nonexistent_target),
        cmocka_unit_test(test_rfc_a13_invalid_document),
        cmocka_unit_test(test_rfc_a14_escape_ordering),
        cmocka_unit_test(test_rfc_a15_string_vs_number),
        cmocka_unit_test(test_rfc_a16_add_array_value),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_array_indices),
        cmocka_unit_test(test_message_format),
        cmocka_unit_test(test_op_shapes),
        cmocka_unit_test(test_checked_before_applying),
        cmocka_unit_test(test_root),
        cmocka_unit_test(test_move_copy),
        cmocka_unit_test(test_add_replaces_member),
        cmocka_unit_test(test_equality),
        cmocka_unit_test(test_atomic),
        cmocka_unit_test(test_large_patch),
        cmocka_unit_test(test_patchset_valid),
        cmocka_unit_test(test_patchset_invalid),
        cmocka_unit_test(test_read_any),
        cmocka_unit_test(test_real_1lbb),
        cmocka_unit_test(test_real_sbottom),
        cmocka_unit_test(test_build_patched_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
