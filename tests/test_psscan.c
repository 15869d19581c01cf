/*
 * test_psscan.c - one patch of a patchset without a tree of the whole
 * (core/jscan.c, patch/psscan.c): the chosen patch is the one a full
 * parse gives, the others are left as text yet a JSON fault anywhere in
 * them is still reported with its line and column, and the metadata and
 * every patch's name and values are still validated.  Expected values
 * are written by hand (the faults' lines and columns counted in the
 * texts below) or come from cJSON's full parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

#define HEAD                                                               \
    "{\"metadata\": {\"description\": \"d\", \"digests\": {\"sha256\": "  \
    "\"0000000000000000000000000000000000000000000000000000000000000000\"" \
    "}, \"labels\": [\"m\"], \"references\": {\"hepdata\": "            \
    "\"ins1234567\"}},\n \"patches\": [\n"
#define PATCH(name, v, ops)                                                \
    "  {\"metadata\": {\"name\": \"" name "\", \"values\": [" v "]}, "    \
    "\"patch\": " ops "}"
#define OPS_A "[{\"op\": \"add\", \"path\": \"/a\", \"value\": [1, 2.5, -3e2]}]"
#define OPS_B "[{\"op\": \"remove\", \"path\": \"/b\"}]"
#define TAIL "\n ],\n \"version\": \"1.0.0\"}\n"

static char path[512];

static void write_file(const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int load(const char *text, const char *only, hf_patchset **ps,
                hf_error *err)
{
    write_file(text);
    *ps = NULL;
    return hfpatch_patchset_load(path, only, ps, err);
}

/* The chosen patch: its operations as a full parse gives them (integer
 * marks included); the others are absent but named, with their values. */
static void test_one_patch(void **state)
{
    (void)state;
    hf_patchset *ps;
    hf_error err = {0};
    const char *text = HEAD PATCH("A", "1", OPS_A) ",\n" PATCH("B", "2", OPS_B) TAIL;
    assert_int_equal(load(text, "B", &ps, &err), HF_OK);
    assert_int_equal(hf_patchset_size(ps), 2);
    assert_null(hf_patchset_patch(ps, 0));
    const hf_patch *b = hf_patchset_patch(ps, 1);
    assert_non_null(b);
    assert_string_equal(hf_patchset_patch_name(ps, 0), "A");
    assert_true(hf_patchset_value(ps, 0, 0) == 1.0);
    char *got = hfcore_json_pydump(b->ops, 0, 0, NULL);
    assert_string_equal(got, "[{\"op\": \"remove\", \"path\": \"/b\"}]");
    free(got);
    hf_patchset_free(ps);

    assert_int_equal(load(text, "A", &ps, &err), HF_OK);
    got = hfcore_json_pydump(hf_patchset_patch(ps, 0)->ops, 0, 0, NULL);
    /* 1 stays an int, 2.5 and -300.0 floats, as Python reads them */
    assert_string_equal(got, "[{\"op\": \"add\", \"path\": \"/a\", "
                             "\"value\": [1, 2.5, -300.0]}]");
    free(got);
    hf_patchset_free(ps);

    /* no such patch: loaded, nothing parsed, the caller says so */
    assert_int_equal(load(text, "C", &ps, &err), HF_OK);
    assert_int_equal(hf_patchset_find(ps, "C"), -1);
    assert_null(hf_patchset_patch(ps, 0));
    hf_patchset_free(ps);
    /* all of them (the grid, hf_patchset_read) */
    assert_int_equal(hf_patchset_read(path, &ps, &err), HF_OK);
    assert_non_null(hf_patchset_patch(ps, 0));
    assert_non_null(hf_patchset_patch(ps, 1));
    hf_patchset_free(ps);
    /* and the public hf_patch_read_any picks it the same way */
    hf_patch *p = NULL;
    assert_int_equal(hf_patch_read_any(path, "B", &p, &err), HF_OK);
    assert_non_null(p);
    hf_patch_free(p);
}

/* A fault in a patch that is not chosen: file, line and column. */
static void test_faults_elsewhere(void **state)
{
    (void)state;
    static const struct {
        const char *ops_a, *want;
    } cases[] = {
        /* line 3 is patch A's; its "value" starts at column 93 */
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": 01}]", "line 3, column 94"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": 1.}]", "line 3, column 93"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": [1,]}]", "line 3, column 96"},
        {"[{\"op\": \"add\" \"path\": \"/a\"}]", "expected ',' or '}'"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": tru}]", "line 3, column 93"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": \"x\\q\"}]", "bad escape"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": \"x\\u0000\"}]", "\\u0000"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": \"x\tx\"}]", "control character"},
        /* past the first sixteen bytes of a string (the scanner takes
         * them sixteen at a time): the fault's column is still exact */
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": \"abcdefghijklmnopqrst\tx\"}]",
         "line 3, column 114"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": \"abcdefghijklmnopqrstuvwxyz0123\\q\"}]",
         "line 3, column 124"},
        /* a number's digits are stepped over sixteen at a time too */
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": 1.234567890123456789012345x}]",
         "line 3, column 119"},
        {"[{\"op\": \"add\", \"path\": \"/a\", \"value\": NaN}]", "line 3, column 93"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char text[4096];
        snprintf(text, sizeof text, HEAD PATCH("A", "1", "%s") ",\n"
                 PATCH("B", "2", OPS_B) TAIL, cases[k].ops_a);
        hf_patchset *ps;
        hf_error err = {0};
        assert_int_equal(load(text, "B", &ps, &err), HF_ERR_PARSE);
        assert_null(ps);
        if (!strstr(err.msg, cases[k].want) || !strstr(err.msg, path))
            fail_msg("case %zu: %s", k, err.msg);
    }
    /* nesting past cJSON's limit in a skipped patch */
    size_t deep = 1200;
    char *text = malloc(4096 + 2 * deep);
    char *o = text + sprintf(text, HEAD "  {\"metadata\": {\"name\": \"A\", "
                             "\"values\": [1]}, \"patch\": [{\"op\": \"add\", "
                             "\"path\": \"/a\", \"value\": ");
    for (size_t i = 0; i < deep; i++)
        *o++ = '[';
    for (size_t i = 0; i < deep; i++)
        *o++ = ']';
    sprintf(o, "}]},\n" PATCH("B", "2", OPS_B) TAIL);
    hf_patchset *ps;
    hf_error err = {0};
    assert_int_equal(load(text, "B", &ps, &err), HF_ERR_PARSE);
    assert_non_null(strstr(err.msg, "nested deeper"));
    free(text);
    /* truncated, and text after the end */
    assert_int_equal(load(HEAD PATCH("A", "1", OPS_A), "A", &ps, &err), HF_ERR_PARSE);
    assert_int_equal(load(HEAD PATCH("A", "1", OPS_A) TAIL "x", "A", &ps, &err),
                     HF_ERR_PARSE);
    assert_non_null(strstr(err.msg, "after the patchset"));
}

/* Names, values, metadata: validated for every patch as before. */
static void test_validated(void **state)
{
    (void)state;
    hf_patchset *ps;
    hf_error err = {0};
    assert_int_equal(load(HEAD PATCH("A", "1", OPS_A) ",\n" PATCH("A", "2", OPS_B) TAIL,
                          "A", &ps, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "duplicate patch name"));
    assert_int_equal(load(HEAD PATCH("A", "1", OPS_A) ",\n" PATCH("B", "1", OPS_B) TAIL,
                          "A", &ps, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "same values"));
    assert_int_equal(load(HEAD PATCH("A", "1", OPS_A) ",\n" PATCH("B b", "2", OPS_B) TAIL,
                          "A", &ps, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "/patches/1/metadata/name"));
    /* a repeated key in the chosen patch's operations */
    assert_int_equal(load(HEAD PATCH("A", "1", "[{\"op\": \"remove\", \"op\": \"add\", \"path\": \"/a\"}]")
                          TAIL, "A", &ps, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "/patches/0/patch/0/op"));
    /* a chosen patch whose operation is bad, named by patch */
    assert_int_equal(load(HEAD PATCH("A", "1", "[{\"op\": \"bogus\", \"path\": \"/a\"}]")
                          TAIL, "A", &ps, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "[A]"));
    /* a "patch" that is not an array: said for every patch, chosen or not */
    assert_int_equal(load(HEAD PATCH("A", "1", "5") ",\n" PATCH("B", "2", OPS_B) TAIL,
                          "B", &ps, &err), HF_ERR_INVALID);
    /* not an object at all: said as before */
    assert_int_equal(load("[]", "A", &ps, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "RFC 6902"));
    /* a key written with an escape is the same key */
    assert_int_equal(load(HEAD PATCH("A", "1", OPS_A) "]\n, \"vers\\u0069on\": \"1.0.0\"}",
                          "A", &ps, &err), HF_OK);
    hf_patchset_free(ps);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/hf_test_psscan_%d.json", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_patch),
        cmocka_unit_test(test_faults_elsewhere),
        cmocka_unit_test(test_validated),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    return rc;
}
