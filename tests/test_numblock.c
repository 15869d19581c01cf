/*
 * test_numblock.c - hfpatch_numbers_parse (a grid's patch parsed with its
 * number arrays read into one block) gives cJSON's own tree, item for
 * item: types, keys, strings, every double's bits, valueint, and cJSON's
 * links (first->prev is the last); and declines (nonzero) every text
 * cJSON cannot parse.  The one difference allowed: a number keyed "hi" or
 * "lo", or an array keyed "hi_data" or "lo_data", has a static key
 * (cJSON_StringIsConst).  The expected trees are cJSON_ParseWithLength's of
 * the same text, not anything of ours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"
#include "tests/internal.h"

#define LBB "../shared/workspaces/real/1Lbb_ATLAS-SUSY-2019-08/patchset.json"
#define LBB_WS "../shared/workspaces/real/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json"
#define DEMO_WS "workspaces/demo/BkgOnly.json"

/* Strict equality of two cJSON trees (mask: type bits ignored). */
static void same_tree(const cJSON *a, const cJSON *b, int mask)
{
    assert_int_equal(a->type & ~mask, b->type & ~mask);
    assert_int_equal(a->string != NULL, b->string != NULL);
    if (a->string)
        assert_string_equal(a->string, b->string);
    assert_int_equal(a->valuestring != NULL, b->valuestring != NULL);
    if (a->valuestring)
        assert_string_equal(a->valuestring, b->valuestring);
    assert_memory_equal(&a->valuedouble, &b->valuedouble, sizeof a->valuedouble);
    assert_int_equal(a->valueint, b->valueint);
    const cJSON *x = a->child, *y = b->child;
    if (x)
        assert_non_null(x->prev);
    for (; x && y; x = x->next, y = y->next) {
        same_tree(x, y, mask);
        if (x->next)
            assert_ptr_equal(x->next->prev, x);
        else
            assert_ptr_equal(a->child->prev, x); /* cJSON's first->prev */
    }
    assert_true(x == NULL && y == NULL);
}

/* Items keyed by a static key (the block's objects of numbers). */
static size_t count_const(const cJSON *it)
{
    size_t n = 0;
    for (; it; it = it->next)
        n += ((it->type & cJSON_StringIsConst) != 0) + count_const(it->child);
    return n;
}

/* Objects of exactly the members name, type and data (cJSON's tree). */
static size_t count_modifiers(const cJSON *it)
{
    size_t n = 0;
    for (; it; it = it->next) {
        n += cJSON_IsObject(it) && cJSON_GetArraySize(it) == 3 &&
             cJSON_GetObjectItemCaseSensitive(it, "name") &&
             cJSON_GetObjectItemCaseSensitive(it, "type") &&
             cJSON_GetObjectItemCaseSensitive(it, "data");
        n += count_modifiers(it->child);
    }
    return n;
}

/* Parsed both ways (the block's with flags): the same tree, or both
 * refuse; the block's numbers counted into *blocked, its items with a
 * static key into *keyed. */
static void check_text_ex(const char *text, size_t len, int flags, size_t *blocked,
                          size_t *keyed)
{
    /* cJSON, with what follows the value only whitespace, as
     * hfcore_json_parse_span_ex takes a span */
    const char *end = NULL;
    cJSON *want = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    while (want && end < text + len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (want && end != text + len) {
        cJSON_Delete(want);
        want = NULL;
    }
    cJSON *got = NULL;
    hfpatch_numbers *nums = NULL;
    int rc = hfpatch_numbers_parse_ex(text, len, flags, &got, &nums);
    if ((rc == 0) != (want != NULL))
        print_message("parsed by %s only: %.*s\n", rc == 0 ? "the block" : "cJSON",
                      (int)len, text);
    if (!want) {
        assert_int_not_equal(rc, 0);
        assert_null(got);
        return;
    }
    assert_int_equal(rc, 0);
    same_tree(got, want, cJSON_StringIsConst);
    *blocked += hfpatch_numbers_count(nums);
    *keyed += count_const(got);
    hfpatch_numbers_delete(got, nums);
    cJSON_Delete(want);
}

/* check_text_ex without and with the modifier objects: a text whose tree
 * has none is the same either way. */
static void check_text(const char *text, size_t len, size_t *blocked, size_t *keyed)
{
    size_t b = 0, k = 0;
    check_text_ex(text, len, HFPATCH_NUMBERS_MODIFIERS, &b, &k);
    check_text_ex(text, len, 0, blocked, keyed);
}

static void test_literals(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[{\"op\":\"add\",\"path\":\"/a\",\"value\":{\"data\":[1, 2.5, -0, -0.0, "
        "1e3, 1E-3, 2e+2, 2147483647, 2147483648, -2147483648, -2147483649, "
        "1e400, -1e400, 4.9e-324, 2e-330, 0.1000000000000000055511151231257827, "
        "12345678901234567890, 0.0036645717918872833]}}]",
        /* brackets and quotes inside strings */
        "[\"[1,2]\", \"a\\\"[3]\\\"\", {\"k\\\\\": [4], \"[5]\": \"]\"}, \"\\\\\"]",
        /* empty, nested, mixed arrays */
        "[[], [ ], [[1],[2,3]], [1,\"x\"], [1, [2]], [true], [null, 1], [[[]]], {}]",
        /* whitespace of every kind */
        "\t[\r\n  [ 1 ,\t2\n] ,\r\n {\"a\" :\n [ 3 ] }\n]\n",
        /* the same literals again (the cache) and near ones */
        "[[0.5],[0.5],[0.25],[0.5,0.25],[0.50],[5e-1],[0.5],[-0.5]]",
        /* what cJSON reads although JSON does not: left to cJSON */
        "[[01], [1.], [-01.5], [1, 2]]",
        /* a literal longer than cJSON's buffer, alone and after numbers */
        "[[1, 1234567890123456789012345678901234567890123456789012345678901234567890]]",
        "[[1.25, 12345678901234567890123456789012345678901234567890123456789012]]",
        /* objects of numbers (a normsys's data) and near ones */
        "[{\"data\": {\"hi\": 1.02, \"lo\": 0.98}}, { }, {\"hi\":1,\"hi\":2}, "
        "{\"lo\": 1, \"x\": 2}, {\"hi\": [1]}, {\"hi\": \"1\"}, {\"h\\u0069\": 3}, "
        "{\"hi\": 1e400, \"lo\": -0}, {\"hi\": {\"lo\": 5}}, {\"hi \": 1}, {\"lo\": 01}]",
        "{\"hi\" : 0.5 , \"lo\" :\n 0.25 }",
        /* not JSON: both refuse */
        "[1 2]", "[1,]", "[.5]", "[-]", "[1e]", "{\"a\":[1,2}", "[[1]", "[1]]", "",
        "[\"abc]", "[1, 2", "[0x10]", "[Infinity]", "[NaN]", "{\"hi\": 1,}",
        "{\"hi\" 1}", "{\"hi\": 1", "{\"hi\": 1 \"lo\": 2}", "{hi: 1}",
        "7", "[7]", "{\"a\": []}", "[[1,2],[3,4]] ",
    };
    size_t blocked = 0, keyed = 0;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        check_text(texts[i], strlen(texts[i]), &blocked, &keyed);
    assert_true(blocked >= 40);
    assert_int_equal(keyed, 9);
}

/* Objects of number arrays (a histosys's data: its arrays, keyed by a
 * static "hi_data" or "lo_data", in the block too) and near ones, which
 * stay cJSON's. */
static void test_array_objects(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[{\"data\": {\"hi_data\": [1, 2.5], \"lo_data\": [0.5, 3]}}]",
        "{\"hi_data\":[],\"lo_data\":[ ]}",
        "{ \"lo_data\" :\n [1] }",
        "{\"hi_data\":[1],\"hi_data\":[2]}",
        "[{\"hi_data\":[1e400, -0], \"lo_data\":[12345678901234567890]}, {}]",
        /* near ones: cJSON's */
        "{\"hi_data\":[1],\"x\":[2]}", "{\"hi_data\":[1,\"a\"]}", "{\"hi_data\":1}",
        "{\"hi_data\":[[1]]}", "{\"hi_data\":[01]}", "{\"hi_dat\\u0061\":[1]}",
        "{\"hi\":1,\"lo_data\":[2]}", "{\"lo_data\":[2],\"hi\":1}", "{\"hi_data \":[1]}",
        /* not JSON: both refuse */
        "{\"hi_data\":[1], }", "{\"hi_data\":[1] \"lo_data\":[2]}",
        "{\"hi_data\":[1],\"lo_data\":[2]", "{\"hi_data\":[1,],\"lo_data\":[2]}",
        "{\"hi_data\" [1]}", "{\"hi_data\":[1]]",
    };
    size_t blocked = 0, keyed = 0;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        check_text(texts[i], strlen(texts[i]), &blocked, &keyed);
    /* by hand: the numbers of the first five, then those of the near
     * ones' plain number arrays ([1] and [2] in the first, one number in
     * five more), and the keyed arrays of the first five */
    assert_int_equal(blocked, 4 + 0 + 1 + 2 + 3 + 2 + 1 + 1 + 1 + 1 + 1);
    assert_int_equal(keyed, 2 + 2 + 1 + 2 + 2);
}

/* Modifier objects built whole (HFPATCH_NUMBERS_MODIFIERS): every kind
 * of data, the members in any order, and the near ones left to cJSON
 * (escapes, a repeated, missing or extra member, other data). */
static void test_modifiers(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]",
        "{\"data\":{\"hi\":1.1,\"lo\":0.9},\"name\":\"n1\",\"type\":\"normsys\"}",
        "{\"type\":\"histosys\",\"data\":{\"hi_data\":[1,2],\"lo_data\":[0.5,3]},\"name\":\"h\"}",
        "{\"name\":\"s\",\"data\":[0.1, 0.2, 3e-3],\"type\":\"staterror\"}",
        "{ \"name\" : \"\" ,\n \"type\" :\"x\", \"data\" : [ ] }",
        "[{\"name\":\"a\",\"type\":\"t\",\"data\":{}},{\"name\":\"b\",\"type\":\"t\","
        "\"data\":{\"hi_data\":[],\"lo_data\":[1]}}]",
        /* near ones: cJSON's (their numbers still in the block where they can be) */
        "{\"name\":\"a\\\"b\",\"type\":\"t\",\"data\":null}",
        "{\"name\":\"a\",\"type\":\"t\\u0041\",\"data\":[1]}",
        "{\"na\\u006de\":\"a\",\"type\":\"t\",\"data\":null}",
        "{\"name\":\"a\",\"name\":\"b\",\"type\":\"t\",\"data\":null}",
        "{\"name\":\"a\",\"type\":\"t\"}",
        "{\"name\":\"a\",\"name\":\"b\",\"type\":\"t\"}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":null,\"x\":1}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":\"d\"}",
        "{\"name\":1,\"type\":\"t\",\"data\":null}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":[1,\"x\"]}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":{\"hi\":1,\"x\":2}}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":true}",
        /* not JSON: both refuse */
        "{\"name\":\"a\",\"type\":\"t\",\"data\":nul}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":nullx}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":null,}",
        "{\"name\":\"a\" \"type\":\"t\",\"data\":null}",
        "{\"name\":\"a,\"type\":\"t\",\"data\":null}",
        "{\"name\":\"a\",\"type\":\"t\",\"data\":[1]",
    };
    size_t blocked = 0, keyed = 0;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        check_text_ex(texts[i], strlen(texts[i]), HFPATCH_NUMBERS_MODIFIERS, &blocked, &keyed);
    /* by hand: the numbers of the first six (2 + 4 + 3 + 0 + 0 + 1), then the
     * near ones' plain number array ([1] once); the static keys: three a
     * modifier (7 of them), hi and lo, hi_data and lo_data twice; the near
     * ones' {"hi": 1, "x": 2} is cJSON's (an "x" key) */
    assert_int_equal(blocked, 2 + 4 + 3 + 0 + 0 + 1 + 1);
    assert_int_equal(keyed, 3 * 7 + 2 + 2 + 2);
}

static uint32_t next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void emit(char *buf, size_t *n, size_t cap, const char *s)
{
    size_t l = strlen(s);
    if (*n + l < cap) {
        memcpy(buf + *n, s, l);
        *n += l;
    }
}

/* A random value: number arrays of JSON literals (and near-JSON ones),
 * strings with brackets and escapes, objects, whitespace. */
static void random_value(char *buf, size_t *n, size_t cap, uint32_t *s, int depth)
{
    static const char *const lits[] = {"0", "-0", "1", "0.5", "-2.25e-3", "1E+2",
                                       "0.0036645717918872833", "3.0000000000000004",
                                       "2147483648", "-2147483649", "1e400", "01",
                                       "1.", "12345678901234567890"};
    static const char *const strs[] = {"\"a\"", "\"[1]\"", "\"x\\\"]\"", "\"\\\\\"",
                                       "\"\\u005b\"", "\"\"", "\"hi\"", "\"lo\""};
    static const char *const ws[] = {"", " ", "\n    ", "\t", "\r\n"};
    emit(buf, n, cap, ws[next(s) % 5]);
    uint32_t k = depth > 4 ? 3 + next(s) % 2 : next(s) % 5;
    if (k == 0 || k == 1) {
        emit(buf, n, cap, k == 0 ? "[" : "{");
        int m = (int)(next(s) % 4);
        for (int i = 0; i < m; i++) {
            if (i)
                emit(buf, n, cap, ",");
            if (k == 1) {
                emit(buf, n, cap, strs[next(s) % 8]);
                emit(buf, n, cap, ":");
            }
            random_value(buf, n, cap, s, depth + 1);
        }
        emit(buf, n, cap, k == 0 ? "]" : "}");
    } else if (k == 2) {
        emit(buf, n, cap, strs[next(s) % 8]);
    } else if (k == 4) {
        /* an object of numbers, mostly under "hi" and "lo" */
        emit(buf, n, cap, "{");
        int m = (int)(next(s) % 4);
        for (int i = 0; i < m; i++) {
            if (i)
                emit(buf, n, cap, next(s) % 2 ? "," : " ,\n");
            emit(buf, n, cap, strs[6 + next(s) % 2 - (next(s) % 8 == 0)]);
            emit(buf, n, cap, next(s) % 2 ? ":" : " : ");
            emit(buf, n, cap, lits[next(s) % 14]);
        }
        emit(buf, n, cap, "}");
    } else {
        emit(buf, n, cap, "[");
        int m = (int)(next(s) % 4);
        for (int i = 0; i < m; i++) {
            if (i)
                emit(buf, n, cap, next(s) % 2 ? "," : " , ");
            emit(buf, n, cap, lits[next(s) % 14]);
        }
        emit(buf, n, cap, "]");
    }
    emit(buf, n, cap, ws[next(s) % 5]);
}

/* 3000 random texts, a third of them with one byte changed. */
static void test_random(void **state)
{
    (void)state;
    uint32_t s = 12345;
    static char buf[1 << 14];
    size_t blocked = 0, keyed = 0;
    for (int t = 0; t < 3000; t++) {
        size_t n = 0;
        random_value(buf, &n, sizeof buf - 1, &s, 0);
        if (t % 3 == 2 && n > 0)
            buf[next(&s) % n] = "[]{},:\"\\ 0-.e"[next(&s) % 14]; /* [13]: NUL */
        buf[n] = '\0';
        check_text(buf, n, &blocked, &keyed);
    }
    assert_true(blocked >= 1000);
    assert_true(keyed >= 200);
}

/* A text without whitespace strips to most of its length, past the
 * stripped copy's first size (a quarter of the text and a page): the
 * copy grows, in steps of one to a few bytes and by a string longer than
 * it was (ASan, in make check-asan, sees any write past it). */
static void test_compact(void **state)
{
    (void)state;
    size_t cap = 1 << 18, n = 0, blocked = 0, keyed = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    emit(buf, &n, cap, "[");
    for (int i = 0; i < 2000; i++)
        emit(buf, &n, cap, i % 3 ? "\"a string of a few words\",[1,2.5]," : "{\"hi\":1,\"lo\":0.5},true,");
    emit(buf, &n, cap, "\"");
    for (int i = 0; i < 60000; i++)
        buf[n++] = (char)('a' + i % 26);
    emit(buf, &n, cap, "\",{\"k\":[3]}]");
    buf[n] = '\0';
    check_text(buf, n, &blocked, &keyed);
    assert_true(blocked >= 2000);
    free(buf);
}

/* Every 1Lbb patch (skipped without ../shared): parsed for a build, its
 * operations are the patchset read's, and the block was used. */
static void test_1lbb(void **state)
{
    (void)state;
    FILE *f = fopen(LBB, "rb");
    if (!f) {
        skip();
        return;
    }
    fclose(f);
    hf_patchset *lazy = NULL;
    hf_error err = {0};
    assert_int_equal(hfpatch_patchset_open(LBB, &lazy, &err), HF_OK);
    int n = hf_patchset_size(lazy);
    assert_int_equal(n, 125);
    for (int i = 0; i < n; i++) {
        hf_patch *one = NULL, *built = NULL;
        assert_int_equal(hfpatch_patchset_parse_one(lazy, i, &one, &err), HF_OK);
        assert_int_equal(hfpatch_patchset_parse_build(lazy, i, &built, &err), HF_OK);
        assert_true(hfpatch_numbers_count(built->numbers) > 500);
        /* every modifier object built whole: three static keys each */
        size_t nmods = count_modifiers(one->ops);
        assert_true(nmods >= 92);
        assert_true(count_const(built->ops) >= 3 * nmods);
        assert_null(one->numbers);
        same_tree(built->ops, one->ops, HF_JSON_INT | cJSON_StringIsConst);
        hf_patch_free(one);
        hf_patch_free(built);
    }
    hf_patchset_free(lazy);
}

/* Found by fuzz/fuzz_numblock.c: linking that fails half way (a control
 * byte that cJSON skips between brackets, here 0x16) leaves the rest of
 * the block unwritten, and the free of the items' literals must stop at
 * what was linked. */
static void test_half_linked(void **state)
{
    (void)state;
    static const char text[] =
    "[[], [ \026\026\026\026\026\026\026\026\026\026\026\026\026\026\026"
    "\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026"
    "\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026"
    "\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026"
    "\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026"
    "\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026"
    "\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026\026"
    "\026\026\026\026\026\026\026\026\026], [1, \"x\"], [[1],[2,3]], {\""
    "hi\": 0, \"hi\": 2}, {\"\334\024\012\000\340a\000\000lo\": 01}, \""
    "[1]\", \"a\\\"[2]\\\"\", [2147483648, -2147483649, 1e400\000\000\000"
    "\000\000\000\000\000\000\000, -0], {}]";
    assert_int_equal(sizeof text - 1, 269);
    cJSON *want = cJSON_ParseWithLength(text, sizeof text - 1);
    assert_non_null(want); /* cJSON takes it; the block declines it */
    cJSON_Delete(want);
    cJSON *got = NULL;
    hfpatch_numbers *nums = NULL;
    assert_int_not_equal(hfpatch_numbers_parse(text, sizeof text - 1, &got, &nums), 0);
    assert_null(got);
    assert_null(nums);
}

/* ------------------------------------------------------- workspaces */

/* A workspace parsed (patch/workspace.c, through the block when it can)
 * and the same text by cJSON alone (hfcore_json_parse_n_marks) then
 * validated: the same status and message, or the same tree -- integer
 * marks and the literals of long integers too.  Returns the number of
 * block items (0: not through the block). */
static size_t check_ws(const char *text, size_t len)
{
    hf_workspace *ws = NULL;
    hf_error got = {0}, want = {0};
    int rc = hfpatch_workspace_parse_n(text, len, "ws.json", &ws, &got);
    cJSON *root = NULL;
    int rc0 = hfcore_json_parse_n_marks(text, len, "ws.json", 1, &root, &want);
    if (rc0 == HF_OK && (rc0 = hfpatch_workspace_validate(root, "ws.json", &want)))
        cJSON_Delete(root);
    assert_int_equal(rc, rc0);
    if (rc) {
        assert_string_equal(got.msg, want.msg);
        assert_null(ws);
        return 0;
    }
    same_tree(ws->root, root, cJSON_StringIsConst);
    size_t n = hfpatch_numbers_count(ws->numbers);
    /* the block's items are freed with the workspace: ASan and valgrind
     * see a leak or a bad free here */
    hf_workspace_free(ws);
    cJSON_Delete(root);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *t = malloc((size_t)n + 1);
    assert_non_null(t);
    assert_int_equal(fread(t, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    t[n] = '\0';
    *len = (size_t)n;
    return t;
}

/* The demo workspace, and it with every byte changed in turn (syntax
 * errors at every line, validation errors, numbers cJSON reads but JSON
 * does not) and cut short every 7 bytes. */
static void test_ws_demo(void **state)
{
    (void)state;
    size_t len = 0;
    char *orig = slurp(DEMO_WS, &len);
    assert_non_null(orig);
    assert_true(check_ws(orig, len) >= 20);
    char *t = malloc(len + 1);
    assert_non_null(t);
    static const char subst[] = "[]{},:\"\\ 0-.e\x01";
    size_t blocked = 0, refused = 0;
    for (size_t i = 0; i < len; i++) {
        memcpy(t, orig, len + 1);
        t[i] = subst[i % (sizeof subst - 1)];
        size_t n = check_ws(t, len);
        blocked += n > 0;
        if (i % 7 == 0) {
            memcpy(t, orig, i);
            t[i] = '\0';
            refused += check_ws(t, i) == 0;
        }
    }
    /* 470 of the 3253 changes leave a valid workspace (a digit for a
     * digit, a space for a space); no text cut short is one */
    assert_true(blocked >= 300);
    assert_int_equal(refused, (len + 6) / 7);
    free(t);
    free(orig);
}

/* Texts the block must take as cJSON does, or leave to it. */
static void test_ws_edges(void **state)
{
    (void)state;
    static const char *const texts[] = {
        /* a long integer: its literal is kept (marks) and freed */
        "{\"channels\": [{\"name\": \"c\", \"samples\": [{\"name\": \"s\", "
        "\"data\": [12345678901234567, 2, 3.5], \"modifiers\": [{\"name\": \"n\", "
        "\"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 12345678901234567890}}]}]}], "
        "\"observations\": [{\"name\": \"c\", \"data\": [1, 2, 3]}], "
        "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"n\", "
        "\"parameters\": []}}], \"version\": \"1.0.0\"}",
        /* \\u0000 in a name: refused with its line */
        "{\"channels\": [{\"name\": \"c\\u0000\", \"samples\": [{\"name\": \"s\", "
        "\"data\": [1], \"modifiers\": []}]}], \"observations\": [], "
        "\"measurements\": [], \"version\": \"1.0.0\"}",
        /* a control byte cJSON skips as whitespace, inside and outside a
         * number array; a number cJSON reads but JSON does not */
        "{\"channels\":\x01[{\"name\": \"c\", \"samples\": [{\"name\": \"s\", "
        "\"data\": [\x01 1, 01.5], \"modifiers\": []}]}], \"observations\": "
        "[{\"name\": \"c\", \"data\": [1, 2]}], \"measurements\": [], \"version\": \"1.0.0\"}",
        /* what follows the value */
        "{} x", "{}\x01", "[1, 2]", "", "   ",
    };
    size_t blocked = 0;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        blocked += check_ws(texts[i], strlen(texts[i]));
    assert_true(blocked >= 5);
}

/* The 1Lbb background (skipped without ../shared), read as the command
 * reads it: cJSON's tree, through the block. */
static void test_ws_1lbb(void **state)
{
    (void)state;
    size_t len = 0;
    char *t = slurp(LBB_WS, &len);
    if (!t) {
        skip();
        return;
    }
    assert_true(check_ws(t, len) > 20000);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_array_objects),
        cmocka_unit_test(test_modifiers),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_1lbb),
        cmocka_unit_test(test_half_linked),
        cmocka_unit_test(test_ws_demo),
        cmocka_unit_test(test_ws_edges),
        cmocka_unit_test(test_ws_1lbb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
