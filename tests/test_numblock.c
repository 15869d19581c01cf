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
#include <dirent.h>
#include <math.h>
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
#define SHARED_WS "../shared/workspaces"

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

/* Arrays keyed hi_data or lo_data (cJSON's tree). */
static size_t count_data_arrays(const cJSON *it)
{
    size_t n = 0;
    for (; it; it = it->next) {
        n += cJSON_IsArray(it) && it->string &&
             (strcmp(it->string, "hi_data") == 0 || strcmp(it->string, "lo_data") == 0);
        n += count_data_arrays(it->child);
    }
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
    /* {"hi":1,"hi":2} is cJSON's: the block takes no key twice */
    assert_int_equal(keyed, 7);
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
     * five more), and the keyed arrays of the first five but the fourth
     * (a key twice: the object is cJSON's, its arrays plain ones) */
    assert_int_equal(blocked, 4 + 0 + 1 + 2 + 3 + 2 + 1 + 1 + 1 + 1 + 1);
    assert_int_equal(keyed, 2 + 2 + 1 + 0 + 2);
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

/* text parsed both ways with the modifier objects; the block's items
 * (numbers, the arrays of objects of arrays, members, array items) */
static size_t block_items(const char *text)
{
    size_t blocked = 0, keyed = 0;
    check_text_ex(text, strlen(text), HFPATCH_NUMBERS_MODIFIERS, &blocked, &keyed);
    cJSON *got = NULL;
    hfpatch_numbers *nums = NULL;
    if (hfpatch_numbers_parse_ex(text, strlen(text), HFPATCH_NUMBERS_MODIFIERS, &got, &nums))
        return 0;
    size_t n = hfpatch_numbers_items(nums);
    hfpatch_numbers_delete(got, nums);
    return n;
}

/* Arrays whose every item is a modifier object: their object items in
 * the block too (counts by hand: numbers + data arrays + 3 members a
 * modifier + 1 item a modifier of such an array); any other array's
 * modifiers each their own way; every tree cJSON's. */
static void test_modifier_arrays(void **state)
{
    (void)state;
    const char *nf = "{\"name\":\"a\",\"type\":\"normfactor\",\"data\":null}";
    char t[512];
    /* two modifiers, a normsys's two numbers: 2 + 6 + 2 */
    assert_int_equal(block_items("{\"modifiers\": [{\"name\":\"a\",\"type\":\"normfactor\","
                                 "\"data\":null}, {\"name\":\"b\",\"type\":\"normsys\","
                                 "\"data\":{\"hi\":1.1,\"lo\":0.9}}]}"),
                     2 + 6 + 2);
    /* a histosys's (two arrays, one number each) and a staterror's: 3 + 2 + 6 + 2 */
    assert_int_equal(block_items("[ {\"name\":\"a\",\"type\":\"staterror\",\"data\":[0.5]} ,\n"
                                 " {\"type\":\"h\",\"name\":\"b\",\"data\":{\"hi_data\":[1],"
                                 "\"lo_data\":[2]}}\n]"),
                     3 + 2 + 6 + 2);
    /* one modifier and then not: the first its own way (3), the rest cJSON's */
    snprintf(t, sizeof t, "[%s,{\"name\":\"b\",\"type\":\"t\"}]", nf);
    assert_int_equal(block_items(t), 3);
    snprintf(t, sizeof t, "[%s, 1]", nf);
    assert_int_equal(block_items(t), 3);
    snprintf(t, sizeof t, "[1, %s]", nf);
    assert_int_equal(block_items(t), 3);
    snprintf(t, sizeof t, "[%s, []]", nf);
    assert_int_equal(block_items(t), 3);
    /* arrays of arrays: the inner ones (2 x (3 + 1)) */
    snprintf(t, sizeof t, "[[%s],[ %s ]]", nf, nf);
    assert_int_equal(block_items(t), 8);
    /* empty: a number array's way */
    assert_int_equal(block_items("{\"modifiers\": [ ]}"), 0);
    /* not JSON: both refuse */
    snprintf(t, sizeof t, "[%s,]", nf);
    assert_int_equal(block_items(t), 0);
    snprintf(t, sizeof t, "[%s %s]", nf, nf);
    assert_int_equal(block_items(t), 0);
    snprintf(t, sizeof t, "[%s", nf);
    assert_int_equal(block_items(t), 0);
    snprintf(t, sizeof t, "[%s,%s", nf, nf);
    assert_int_equal(block_items(t), 0);
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
        /* every modifier object built whole: three static keys each;
         * every one an item of a "modifiers" array of the block: the
         * block holds the numbers, the data's arrays, three members and
         * the object itself a modifier */
        size_t nmods = count_modifiers(one->ops);
        assert_true(nmods >= 92);
        assert_true(count_const(built->ops) >= 3 * nmods);
        assert_int_equal(hfpatch_numbers_items(built->numbers),
                         hfpatch_numbers_count(built->numbers) + count_data_arrays(one->ops) +
                             4 * nmods);
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
/* Items keyed "name" by a static key: the modifier objects the block
 * built whole (HFPATCH_NUMBERS_MODIFIERS). */
static size_t count_const_names(const cJSON *it)
{
    size_t n = 0;
    for (; it; it = it->next)
        n += ((it->type & cJSON_StringIsConst) && strcmp(it->string, "name") == 0) +
             count_const_names(it->child);
    return n;
}

static size_t check_ws_mods(const char *text, size_t len, size_t *mods, size_t *all_mods)
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
    *mods = count_const_names(ws->root);
    *all_mods = count_modifiers(root);
    /* the block's items are freed with the workspace: ASan and valgrind
     * see a leak or a bad free here */
    hf_workspace_free(ws);
    cJSON_Delete(root);
    return n;
}

static size_t check_ws(const char *text, size_t len)
{
    size_t mods = 0, all_mods = 0;
    return check_ws_mods(text, len, &mods, &all_mods);
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
    size_t len = 0, mods = 0, all_mods = 0;
    char *orig = slurp(DEMO_WS, &len);
    assert_non_null(orig);
    assert_true(check_ws_mods(orig, len, &mods, &all_mods) >= 20);
    /* its 18 modifiers built whole in the block */
    assert_int_equal(all_mods, 18);
    assert_int_equal(mods, all_mods);
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
    size_t mods = 0, all_mods = 0;
    assert_true(check_ws_mods(t, len, &mods, &all_mods) > 20000);
    /* every one of its 9499 modifiers built whole in the block */
    assert_int_equal(all_mods, 9499);
    assert_int_equal(mods, all_mods);
    free(t);
}

/* A shared workspace file (every BkgOnly.json, every file of the
 * synthetic ones): through the block, cJSON's tree and verdict; in a
 * workspace that validates, every modifier built in the block (none of
 * them has an escape in its name or type).  Returns 1 when it was read. */
static int check_shared(const char *dir, const char *name, size_t *valid)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0, mods = 0, all_mods = 0;
    char *t = slurp(path, &len);
    if (!t)
        return 0;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    int ok = hfpatch_workspace_parse_n(t, len, path, &ws, &err) == HF_OK;
    hf_workspace_free(ws);
    size_t n = check_ws_mods(t, len, &mods, &all_mods);
    if (ok) {
        print_message("%s: %zu numbers, %zu of %zu modifiers in the block\n", path, n, mods,
                      all_mods);
        assert_true(n > 0);
        assert_int_equal(mods, all_mods);
        *valid += 1;
    }
    free(t);
    return 1;
}

static void test_ws_shared(void **state)
{
    (void)state;
    static const char *const kinds[] = {"real", "synthetic"};
    size_t files = 0, valid = 0;
    for (int k = 0; k < 2; k++) {
        char top[256];
        snprintf(top, sizeof top, "%s/%s", SHARED_WS, kinds[k]);
        DIR *d = opendir(top);
        for (struct dirent *e; d && (e = readdir(d));) {
            if (e->d_name[0] == '.')
                continue;
            char dir[512];
            snprintf(dir, sizeof dir, "%s/%s", top, e->d_name);
            if (k == 0) {
                files += check_shared(dir, "BkgOnly.json", &valid);
                continue;
            }
            DIR *s = opendir(dir);
            for (struct dirent *f; s && (f = readdir(s));) {
                size_t l = strlen(f->d_name);
                if (l > 5 && strcmp(f->d_name + l - 5, ".json") == 0)
                    files += check_shared(dir, f->d_name, &valid);
            }
            if (s)
                closedir(s);
        }
        if (d)
            closedir(d);
    }
    if (files == 0) {
        skip();
        return;
    }
    /* 9 real background-only workspaces, 5 synthetic ones (their patchsets
     * are not workspaces: the same refusal) */
    assert_true(valid >= 14);
}

/* ------------------------------------------ operations on such a workspace */

/* Patches into the demo workspace's modifiers (channels CR, SR; samples
 * ttbar, wjets): their names, types and data, whole modifiers replaced,
 * copied, moved and removed; the second and third leave an invalid
 * workspace (then the messages are compared). */
static const char *const ws_patches[] = {
    "[{\"op\": \"test\", \"path\": \"/channels/0/samples/0/modifiers/0/type\", "
    "\"value\": \"normfactor\"},"
    " {\"op\": \"replace\", \"path\": \"/channels/0/samples/0/modifiers/2/name\", "
    "\"value\": \"JES_n\"},"
    " {\"op\": \"replace\", \"path\": \"/channels/0/samples/0/modifiers/2/data/hi\", "
    "\"value\": 1.25},"
    " {\"op\": \"replace\", \"path\": \"/channels/0/samples/0/modifiers/3/data/hi_data/0\", "
    "\"value\": 7},"
    " {\"op\": \"remove\", \"path\": \"/channels/1/samples/1/modifiers/1\"},"
    " {\"op\": \"copy\", \"from\": \"/channels/0/samples/0/modifiers/2\", "
    "\"path\": \"/channels/1/samples/0/modifiers/-\"},"
    " {\"op\": \"add\", \"path\": \"/channels/1/samples/0/modifiers/0\", \"value\": "
    "{\"name\": \"k\", \"type\": \"normsys\", \"data\": {\"hi\": 1.5, \"lo\": 0.5}}}]",
    "[{\"op\": \"move\", \"from\": \"/channels/0/samples/1/modifiers/1/data/hi\", "
    "\"path\": \"/channels/0/samples/1/modifiers/1/data/lo\"}]",
    "[{\"op\": \"replace\", \"path\": \"/channels/1/samples/0/modifiers/0\", \"value\": "
    "{\"name\": \"mu_ttbar\", \"type\": \"normfactor\", \"data\": null}},"
    " {\"op\": \"move\", \"from\": \"/channels/0/samples/1/modifiers/0\", "
    "\"path\": \"/channels/1/samples/1/modifiers/0\"}]",
};
#define WS_NPATCHES (sizeof ws_patches / sizeof *ws_patches)

/* Operation i of the public API that takes a workspace and makes
 * another: sort, prune, rename, combine, a patch applied, simplify. */
static int ws_op(int i, const hf_workspace *w, hf_patch *const *p, hf_workspace **out,
                 hf_error *err)
{
    static const char *const ren[] = {"JES", "JES2", "mu_ttbar", "mu_tt"};
    static const char *const pruned[] = {"wjets_xsec"};
    static const char *const types[] = {"normsys"};
    static const char *const samples[] = {"ttbar", "tt"};
    static const char *const chans[] = {"CR"};
    static const char *const chren[] = {"SR", "SR2"};
    hf_ws_edit e;
    hf_ws_edit_init(&e);
    hf_workspace *tmp = NULL;
    int rc;
    switch (i) {
    case 0:
        return hf_workspace_sorted(w, out, err);
    case 1:
        e.rename_modifiers = ren, e.n_rename_modifiers = 2;
        e.prune_modifiers = pruned, e.n_prune_modifiers = 1;
        return hf_workspace_prune_rename(w, &e, out, err);
    case 2:
        e.prune_modifier_types = types, e.n_prune_modifier_types = 1;
        e.rename_samples = samples, e.n_rename_samples = 1;
        return hf_workspace_prune_rename(w, &e, out, err);
    case 3: /* w with a copy of its SR renamed */
        e.prune_channels = chans, e.n_prune_channels = 1;
        e.rename_channels = chren, e.n_rename_channels = 1;
        rc = hf_workspace_prune_rename(w, &e, &tmp, err);
        if (rc == HF_OK)
            rc = hf_workspace_combine(w, tmp, "outer", 0, out, err);
        hf_workspace_free(tmp);
        return rc;
    case 4:
        return hf_workspace_combine(w, w, "left outer", 1, out, err);
    case 5:
        return hf_workspace_simplify(w, NULL, out, err);
    default:
        return hf_workspace_apply(w, p[i - 6], out, err);
    }
}

/* A model built from w with patch k (copy on write), its NLL at the
 * suggested inits; NAN when the build fails. */
static double model_nll(const hf_workspace *w, const hf_patch *p, int applied)
{
    hf_model *m = NULL;
    hf_error err = {0};
    int rc = applied ? hf_model_build_applied(w, &p, 1, NULL, &m, &err)
                     : hf_model_build(w, &p, 1, NULL, &m, &err);
    if (rc)
        return NAN;
    double *work = malloc(hf_model_work_size(m) * sizeof *work);
    assert_non_null(work);
    double v = hf_model_nll(m, hf_model_inits(m), hf_model_data(m), NULL, work);
    free(work);
    hf_model_free(m);
    return v;
}

/* Every operation on the demo workspace read through the block (its
 * modifiers built whole) gives what it gives on cJSON's own tree of the
 * same text -- status, message, the new workspace's dump, a patched
 * model's NLL -- and leaves the block's tree as it was: nothing frees,
 * unlinks or rewrites its items in place (ASan and valgrind see a bad
 * free here otherwise). */
static void test_ws_ops(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = slurp(DEMO_WS, &len);
    assert_non_null(text);
    hf_workspace *blk = NULL, *plain = NULL;
    hf_error err = {0}, err2 = {0};
    assert_int_equal(hfpatch_workspace_parse_n(text, len, "ws.json", &blk, &err), HF_OK);
    assert_int_equal(count_const_names(blk->root), 18);
    cJSON *root = NULL;
    assert_int_equal(hfcore_json_parse_n_marks(text, len, "ws.json", 1, &root, &err), HF_OK);
    assert_int_equal(hfpatch_workspace_wrap(root, "ws.json", NULL, &plain, &err), HF_OK);
    hf_patch *p[WS_NPATCHES];
    for (size_t k = 0; k < WS_NPATCHES; k++)
        assert_int_equal(hf_patch_parse(ws_patches[k], "p.json", &p[k], &err), HF_OK);
    int ok = 0;
    for (int i = 0; i < 6 + (int)WS_NPATCHES; i++) {
        hf_workspace *a = NULL, *b = NULL;
        int rc = ws_op(i, blk, p, &a, &err), rc2 = ws_op(i, plain, p, &b, &err2);
        assert_int_equal(rc, rc2);
        if (rc) {
            assert_string_equal(err.msg, err2.msg);
            continue;
        }
        char *da = hf_workspace_dump(a, 1), *db = hf_workspace_dump(b, 1);
        assert_non_null(da);
        assert_non_null(db);
        assert_string_equal(da, db);
        hf_free(da);
        hf_free(db);
        hf_workspace_free(a);
        hf_workspace_free(b);
        ok++;
    }
    assert_true(ok >= 7);
    for (size_t k = 0; k < WS_NPATCHES; k++)
        for (int applied = 0; applied < 2; applied++) {
            double x = model_nll(blk, p[k], applied), y = model_nll(plain, p[k], applied);
            assert_true(isnan(x) == isnan(y));
            if (!isnan(x))
                assert_memory_equal(&x, &y, sizeof x);
        }
    char h1[129], h2[129];
    assert_int_equal(hf_workspace_digest(blk, "sha256", h1, sizeof h1, &err), HF_OK);
    assert_int_equal(hf_workspace_digest(plain, "sha256", h2, sizeof h2, &err), HF_OK);
    assert_string_equal(h1, h2);
    /* both trees as they were read */
    cJSON *fresh = NULL;
    assert_int_equal(hfcore_json_parse_n_marks(text, len, "ws.json", 1, &fresh, &err), HF_OK);
    same_tree(blk->root, fresh, cJSON_StringIsConst);
    same_tree(plain->root, fresh, 0);
    cJSON_Delete(fresh);
    for (size_t k = 0; k < WS_NPATCHES; k++)
        hf_patch_free(p[k]);
    hf_workspace_free(blk);
    hf_workspace_free(plain);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_array_objects),
        cmocka_unit_test(test_modifiers),
        cmocka_unit_test(test_modifier_arrays),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_1lbb),
        cmocka_unit_test(test_half_linked),
        cmocka_unit_test(test_ws_demo),
        cmocka_unit_test(test_ws_edges),
        cmocka_unit_test(test_ws_1lbb),
        cmocka_unit_test(test_ws_shared),
        cmocka_unit_test(test_ws_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
