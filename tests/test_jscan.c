/*
 * test_jscan.c - the 64-byte-block scanner (hfcore_scan_fast, core/jscan.c)
 * against the byte-by-byte one (hfcore_scan_value_bytes), which is the
 * reference: whenever the block scanner says a value is valid, the byte
 * scanner must agree and end at the same byte, and hfcore_scan_value must
 * give exactly what the byte scanner gives (result, position, wording) on
 * every text, valid or not.  The texts are a patchset-like operation array
 * and every one-byte change of it (and shifts of it across block
 * boundaries), so every token kind meets every fault at every offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* An indented operation array like a real patchset's (numbers of 1 to 21
 * characters, every literal, empty containers, nesting, a non-ASCII
 * name, an array of strings), longer than two 64-byte blocks. */
static const char OPS[] =
    "[\n    {\n        \"op\": \"add\",\n        \"path\": \"/channels/0/samples/9\",\n"
    "        \"value\": {\n            \"data\": [\n                0.0036645717918872833,\n"
    "                -12,\n                0,\n                1e-05,\n                2.5E+3\n"
    "            ],\n            \"modifiers\": [\n                {\"data\": null, \"name\": "
    "\"lumi\", \"type\": \"lumi\"},\n                {\"data\": {\"hi\": 1.1, \"lo\": 0.9},"
    " \"name\": \"syst_\xc3\xa9\", \"type\": \"normsys\"},\n                {\"f\": false, "
    "\"t\": true, \"e\": [], \"o\": {}, \"n\": [[[-0.5]]], \"s\": [\"x\", \"y\"]}\n            ]\n        }\n    }\n]";

typedef struct outcome {
    int rc;
    long at;
    const char *why;
} outcome;

static outcome bytewise(const char *text, size_t len)
{
    hfcore_scan s = {text, text, text + len, NULL};
    int rc = hfcore_scan_value_bytes(&s);
    return (outcome){rc, (long)(s.p - text), s.why};
}

static outcome dispatched(const char *text, size_t len)
{
    hfcore_scan s = {text, text, text + len, NULL};
    int rc = hfcore_scan_value(&s);
    return (outcome){rc, (long)(s.p - text), s.why};
}

/* Checks one text; returns whether the block scanner accepted it. */
static int check_text(const char *text, size_t len)
{
    outcome ref = bytewise(text, len), got = dispatched(text, len);
    if (got.rc != ref.rc || got.at != ref.at ||
        (ref.why != got.why && (!ref.why || !got.why || strcmp(ref.why, got.why))))
        fail_msg("hfcore_scan_value differs from the byte scanner on <%.*s>: "
                 "rc %d at %ld (%s) vs rc %d at %ld (%s)", (int)len, text,
                 got.rc, got.at, got.why ? got.why : "-", ref.rc, ref.at,
                 ref.why ? ref.why : "-");
    size_t ws = strspn(text, " \n\t\r");
    const char *q = hfcore_scan_fast(text + ws, text + len);
    if (q) {
        if (ref.rc != 0 || q - text != ref.at)
            fail_msg("the block scanner accepts <%.*s> up to %ld, the byte "
                     "scanner says rc %d at %ld (%s)", (int)len, text,
                     (long)(q - text), ref.rc, ref.at, ref.why ? ref.why : "-");
        return 1;
    }
    return 0;
}

/* OPS into buf with `shift` spaces after its opening '[' (OPS's length
 * plus shift bytes, no NUL). */
static void shifted(char *buf, int shift)
{
    buf[0] = OPS[0];
    memset(buf + 1, ' ', (size_t)shift);
    memcpy(buf + 1 + shift, OPS + 1, strlen(OPS) - 1);
}

static int fast_available(void)
{
    const char *t = "[1]";
    return hfcore_scan_fast(t, t + 3) != NULL;
}

/* The text with 0-63 spaces after its '[' (blocks start at the value's
 * first byte: spaces before it would move no token), so that each token
 * meets each block boundary, and followed by more text (the value ends
 * before it). */
static void test_valid_shifted(void **state)
{
    (void)state;
    if (!fast_available())
        skip(); /* no AVX2: hfcore_scan_value is the byte scanner */
    size_t n = strlen(OPS);
    char *buf = malloc(n + 200);
    assert_non_null(buf);
    for (int shift = 0; shift < 64; shift++) {
        shifted(buf, shift);
        assert_true(check_text(buf, (size_t)shift + n));
        memcpy(buf + shift + n, ",\n  {\"next\": 1}]", 16);
        assert_true(check_text(buf, (size_t)shift + n + 16));
    }
    free(buf);
}

/* Every byte of the text replaced by each of these, at two shifts: the
 * block scanner never accepts what the byte scanner refuses, and the
 * dispatch always words a fault as the byte scanner does. */
static void test_one_byte_changes(void **state)
{
    (void)state;
    static const char subst[] = "\"\\{}[],: \n\t\x01\x7f" "0195-+.eEnx";
    size_t n = strlen(OPS);
    char *buf = malloc(n + 64);
    assert_non_null(buf);
    long accepted = 0, tried = 0;
    for (int shift = 0; shift < 64; shift += 37) {
        for (size_t i = 0; i < n + (size_t)shift; i++) {
            if (i >= 1 && i <= (size_t)shift)
                continue; /* the added spaces */
            for (size_t k = 0; k < sizeof subst - 1; k++) {
                shifted(buf, shift);
                if (buf[i] == subst[k])
                    continue;
                buf[i] = subst[k];
                accepted += check_text(buf, (size_t)shift + n);
                tried++;
            }
            /* and the text cut short there */
            shifted(buf, shift);
            check_text(buf, i);
        }
    }
    /* some changes keep it valid (digits for digits, spaces for spaces):
     * the block scanner must have taken those itself */
    if (fast_available())
        assert_true(accepted > tried / 20);
    free(buf);
}

/* Numbers that run past a block's end (number_whole, from the 32 bytes
 * at the number): an array of numbers of 1-31 characters and longer,
 * its items after 0-63 spaces (blocks start at the value's '[', so
 * spaces before it would move nothing), so that each number meets each
 * block boundary, whole and with every byte changed to each of these;
 * the block scanner must accept the valid ones itself. */
static void test_numbers_across_blocks(void **state)
{
    (void)state;
    static const char NUMS[] = "0.0036645717918872833, -12.5, 0, -0.25, 1e-05, 7,\n"
                               " 1234567890123456789012345678901, -0.000000000000000000000000000001,"
                               " 12345678901234567890123456789012345, true, null]";
    static const char subst[] = "\"\\]}, :\n01-.eEx";
    size_t n = strlen(NUMS);
    char *buf = malloc(n + 65);
    assert_non_null(buf);
    long accepted = 0;
    for (int shift = 0; shift < 64; shift++) {
        buf[0] = '[';
        memset(buf + 1, ' ', (size_t)shift);
        char *items = buf + 1 + shift;
        memcpy(items, NUMS, n);
        accepted += check_text(buf, (size_t)shift + 1 + n);
        for (size_t i = 0; i + 1 < n; i++)
            for (size_t k = 0; k < sizeof subst - 1; k++) {
                memcpy(items, NUMS, n);
                if (items[i] == subst[k])
                    continue;
                items[i] = subst[k];
                check_text(buf, (size_t)shift + 1 + n);
            }
    }
    if (fast_available())
        assert_int_equal(accepted, 64);
    free(buf);
}

/* Nesting at cJSON's limit and one past it, strings holding control
 * bytes and escapes, and literals cut short: the byte scanner's verdicts. */
static void test_edges(void **state)
{
    (void)state;
    enum { D = CJSON_NESTING_LIMIT };
    char *deep = malloc(2 * D + 8);
    assert_non_null(deep);
    for (int extra = 0; extra <= 1; extra++) {
        int d = D + extra;
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        check_text(deep, 2 * (size_t)d);
        outcome o = dispatched(deep, 2 * (size_t)d);
        assert_int_equal(o.rc, extra ? -1 : 0);
    }
    free(deep);
    static const char *const texts[] = {
        "[\"a\tb\"]", "[\"a\\\"b\", 1]", "[\"\\u0000\"]", "[\"\\u00e9\"]",
        "{\"a\":tru}", "{\"a\":nul}", "[fals]", "[true1]", "[01]", "[-]",
        "[1.]", "[.5]", "[1e]", "[1e+]", "[-0.0e-0]", "{\"a\" 1}", "{1:2}",
        "{\"a\":1,}", "[1,]", "[,1]", "[1 2]", "[\"a\" \"b\"]", "{\"a\":1 \"b\":2}",
        "[}", "{]", "[[]", "[]]", "{\"a\":[}]}", "[\"unclosed", "[1", "{\"k\"",
        "[\x80\x81]", "[\"\x80\xff\"]", "[1]x", "[\x01]"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        check_text(texts[i], strlen(texts[i]));
}

/* The numbers of a tree in document order: 'i' for those marked as
 * integer literals, 'f' for the others, into out. */
static void int_marks(const cJSON *it, char *out, size_t *n)
{
    for (; it; it = it->next) {
        if (cJSON_IsNumber(it))
            out[(*n)++] = it->type & HF_JSON_INT ? 'i' : 'f';
        int_marks(it->child, out, n);
    }
}

/* Integer literals are told from floats by a second look at the text
 * (core/json.c), 64 bytes at a time when it has no backslash: numbers
 * and number-like strings at every offset of a block, a string longer
 * than a block, and the same text with an escape (byte by byte). */
static void test_int_marks(void **state)
{
    (void)state;
    static const char body[] =
        "{\"a1\": [1, 2.0, -3, \"4\", \"x-5 6 7.0\", 6e1, -0, 7.25, true, null,"
        " \"8\"], \"b\": {\"9\": 10, \"0123456789012345678901234567890123456789"
        "0123456789012345678901234567890123456789\": [-1.5E-3, 12345678901234567890]}}";
    static const char want[] = "ififififi"; /* 1 2.0 -3 6e1 -0 7.25 10 -1.5E-3 1234... */
    char buf[512], got[32];
    for (int esc = 0; esc <= 1; esc++) {
        for (int shift = 0; shift < 64; shift++) {
            memset(buf, ' ', (size_t)shift);
            strcpy(buf + shift, body);
            if (esc)
                memcpy(strstr(buf, "x-5"), "\\t5", 3);
            cJSON *root;
            hf_error err = {0};
            assert_int_equal(hfcore_json_parse(buf, "t", &root, &err), HF_OK);
            size_t n = 0;
            int_marks(root, got, &n);
            got[n] = '\0';
            assert_string_equal(got, want);
            cJSON_Delete(root);
        }
    }
}

/* hfcore_json_number_end against RFC 8259's number grammar, by hand:
 * where each literal ends (what follows is the caller's to judge), or -1
 * where no number starts.  Each is also tried with the text ending right
 * after the literal; then long runs of digits (past the 16-byte steps). */
static void test_number_end(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int end;
    } cases[] = {
        {"0", 1}, {"-0", 2}, {"7,", 1}, {"123]", 3}, {"0.5}", 3}, {"-1.25e+3 ", 8},
        {"1E9", 3}, {"2e-07x", 5}, {"01", 1}, {"-01", 2}, {"1.5.2", 3}, {"1e5e5", 3},
        {"0x1", 1}, {"-", -1}, {"+1", -1}, {".5", -1}, {"1.", -1}, {"1.e3", -1},
        {"1e", -1}, {"1e+", -1}, {"-e1", -1}, {"", -1}, {"a", -1}, {"--1", -1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *t = cases[k].text;
        const char *q = hfcore_json_number_end(t, t + strlen(t));
        assert_int_equal(q ? (int)(q - t) : -1, cases[k].end);
        if (cases[k].end > 0) { /* the literal alone: it ends at the end */
            q = hfcore_json_number_end(t, t + cases[k].end);
            assert_ptr_equal(q, t + cases[k].end);
        }
    }
    /* a long run of digits in each part, past 16-byte steps */
    static const char *const longs[] = {"-123456789012345678901234567890",
                                        "0.123456789012345678901234567890",
                                        "1e123456789012345678901234567890"};
    for (size_t k = 0; k < 3; k++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s, 1", longs[k]);
        const char *q = hfcore_json_number_end(buf, buf + strlen(buf));
        assert_int_equal(q - buf, (int)strlen(longs[k]));
    }
}

/* hfcore_json_ws_end: runs of every length to past two 64-byte steps,
 * mostly spaces with a newline, tab or return at each position in turn,
 * at every offset of a 16-byte block; the run ends at a non-space byte
 * or at the text's end. */
static void test_ws_end(void **state)
{
    (void)state;
    static const char other[] = {'\n', '\t', '\r', ' '};
    char buf[256];
    for (int len = 0; len <= 150; len++)
        for (int at = 0; at < len || at == 0; at += 7)
            for (int k = 0; k < 4; k++)
                for (int off = 0; off < 16; off += 5) {
                    memset(buf, 'x', sizeof buf);
                    memset(buf + off, ' ', (size_t)len);
                    if (at < len)
                        buf[off + at] = other[k];
                    const char *p = buf + off;
                    assert_ptr_equal(hfcore_json_ws_end(p, buf + sizeof buf), p + len);
                    assert_ptr_equal(hfcore_json_ws_end(p, p + len), p + len);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_shifted),
        cmocka_unit_test(test_one_byte_changes),
        cmocka_unit_test(test_numbers_across_blocks),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_int_marks),
        cmocka_unit_test(test_number_end),
        cmocka_unit_test(test_ws_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
