/*
 * test_jcanon.c - pyhf's digest text made from a document's source text
 * (core/jcanon.c) instead of its tree.
 *
 * Expected values: the literal table was made with Python 3's
 * json.dumps(json.loads(LITERAL)) (Debian's /usr/bin/python3); the
 * structure cases against the tree's serialiser, whose texts and digests
 * test_digest.c checks against pyhf; the random literals against
 * hfcore_json_py_float, checked against Python's repr for 400,000 random
 * doubles when it was written; the shared workspaces against the sha256
 * digests pyhf wrote into their patchsets.  Tests that need ../shared
 * skip when it is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static int sink(void *ctx, const char *s, size_t n)
{
    buf *b = ctx;
    if (b->n + n + 1 > b->cap) {
        b->cap = 2 * (b->n + n + 1);
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

/* The canonical text of `text` (NULL when not canonical). */
static char *canon(const char *text)
{
    buf b = {0};
    int rc = hfcore_json_canon(text, strlen(text), sink, &b);
    if (rc == HFCORE_NOT_CANONICAL) {
        free(b.s);
        return NULL;
    }
    assert_int_equal(rc, 0);
    return b.s ? b.s : strdup("");
}

/* The canonical text of text[0, len) made in steps of `step` bytes, or
 * of `first` bytes and then the rest (step 0), NULL when not canonical. */
static char *canon_steps(const char *text, size_t len, size_t first, size_t step)
{
    buf b = {0};
    hfcore_canon *c = hfcore_json_canon_begin(text, len, sink, &b);
    assert_non_null(c);
    int rc = hfcore_json_canon_step(c, first);
    for (size_t done = first; step && done < len && rc == 0; done += step)
        rc = hfcore_json_canon_step(c, step);
    int end = hfcore_json_canon_end(c);
    assert_true(rc == 0 || rc == end); /* a step's verdict stands */
    if (end == HFCORE_NOT_CANONICAL) {
        free(b.s);
        return NULL;
    }
    assert_int_equal(end, 0);
    return b.s ? b.s : strdup("");
}

/* What the tree's serialiser writes for text. */
static char *tree(const char *text)
{
    cJSON *root = NULL;
    hf_error err = {0};
    assert_int_equal(hfcore_json_parse(text, "case", &root, &err), HF_OK);
    char *s = hfcore_json_pydump(root, 0, 0, NULL);
    cJSON_Delete(root);
    assert_non_null(s);
    return s;
}

/* literal, json.dumps(json.loads(literal)) */
static const char *const literals[][2] = {
    {"1.50", "1.5"}, {"1e5", "100000.0"}, {"1E-5", "1e-05"},
    {"0.1000000000000000055511151231257827", "0.1"},
    {"45.811683654785156", "45.811683654785156"},
    {"45.81168365478515", "45.81168365478515"},
    {"-0.0", "-0.0"}, {"0.0", "0.0"}, {"0.00", "0.0"}, {"-0", "0"},
    {"0e5", "0.0"}, {"-0.0e-3", "-0.0"}, {"-0.00", "-0.0"}, {"0E-400", "0.0"},
    {"-0e400", "-0.0"}, {"-0.0e0", "-0.0"},
    /* a literal seen again (number()'s table): rewritten each time, or
     * (an exact decimal is_repr leaves to the slow path) kept each time */
    {"0.07926359772682190, 0.07926359772682190", "0.0792635977268219, 0.0792635977268219"},
    {"1.8014398509481992e+16, 1.8014398509481992e+16",
     "1.801439850948199e+16, 1.801439850948199e+16"},
    {"572.5431518554688, 572.5431518554688, 0.0, -0.0, 0.0",
     "572.5431518554688, 572.5431518554688, 0.0, -0.0, 0.0"},
    {"1e400", "Infinity"}, {"-1e400", "-Infinity"},
    {"2.2250738585072014e-308", "2.2250738585072014e-308"}, {"5e-324", "5e-324"},
    {"9007199254740993", "9007199254740993"},
    {"1.7976931348623157e308", "1.7976931348623157e+308"},
    {"123456789012345678901234567890.0", "1.2345678901234568e+29"},
    {"0.30000000000000004", "0.30000000000000004"},
    {"0.3000000000000000444", "0.30000000000000004"},
    {"1e16", "1e+16"}, {"1e15", "1000000000000000.0"}, {"9999999999999999.0", "1e+16"},
    {"0.0001", "0.0001"}, {"0.00001", "1e-05"}, {"1.0e-4", "0.0001"},
    {"100.0", "100.0"}, {"1e2", "100.0"}, {"2.5e-05", "2.5e-05"},
    {"8.985161781311035", "8.985161781311035"},
    {"0.0792635977268219", "0.0792635977268219"},
    {"0.07926359772682190", "0.0792635977268219"},
    {"7.450580596923828e-09", "7.450580596923828e-09"},
    {"1.00000000000000005", "1.0"}, {"0.1e1", "1.0"}, {"-12.5e-1", "-1.25"},
    {"3.0000000000000004e+20", "3.0000000000000007e+20"},
    {"123456789012345680000.0", "1.2345678901234568e+20"},
    {"1e22", "1e+22"}, {"1e23", "1e+23"}, {"4.35", "4.35"},
    {"4.3499999999999996", "4.35"}, {"9.5367431640625e-07", "9.5367431640625e-07"},
    /* the 16-digit decimal below (a) or above (b) the 17 digits lies
     * exactly on the midpoint to the next double, whose mantissa is even
     * (the tie reads back as this double: not the shortest) or odd */
    {"1.8014398509481992e+16", "1.801439850948199e+16"},   /* a, even */
    {"1.8014398509482032e+16", "1.801439850948203e+16"},   /* a, even */
    {"1.8014398509482012e+16", "1.8014398509482012e+16"},  /* a, odd */
    {"1.8014398509482052e+16", "1.8014398509482052e+16"},  /* a, odd */
    {"1.8014398509482008e+16", "1.801439850948201e+16"},   /* b, even */
    {"1.8014398509482048e+16", "1.801439850948205e+16"},   /* b, even */
    {"1.8014398509481988e+16", "1.8014398509481988e+16"},  /* b, odd */
    {"1.8014398509482028e+16", "1.8014398509482028e+16"},  /* b, odd */
};

static void test_literals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++) {
        char in[128], want[128];
        snprintf(in, sizeof in, "[%s]", literals[i][0]);
        snprintf(want, sizeof want, "[%s]", literals[i][1]);
        char *got = canon(in);
        assert_non_null(got);
        if (strcmp(got, want) != 0)
            fail_msg("%s: %s, Python %s", literals[i][0], got, want);
        free(got);
    }
}

/* Random doubles written with 15, 16 and 17 digits and as repr: the text
 * path (which keeps a literal that is repr's own) agrees with repr of the
 * value read back, for every one. */
static void test_random_literals(void **state)
{
    (void)state;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    int kept = 0, total = 0;
    for (int i = 0; i < 20000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t bits = s >> 1;
        /* exponents where data live, and now and then anywhere */
        if (i % 4)
            bits = (bits & 0x800fffffffffffffull) | ((uint64_t)(1023 - 40 + (s >> 58) % 60) << 52);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (x != x || x - x != 0)
            continue;
        char lit[4][48];
        snprintf(lit[0], sizeof lit[0], "%.14e", x);
        snprintf(lit[1], sizeof lit[1], "%.15e", x);
        snprintf(lit[2], sizeof lit[2], "%.16e", x);
        hfcore_json_py_float(lit[3], x);
        for (int k = 0; k < 4; k++) {
            char in[128], want[128], py[40];
            hfcore_json_py_float(py, strtod(lit[k], NULL));
            snprintf(in, sizeof in, "[%.48s]", lit[k]);
            snprintf(want, sizeof want, "[%.40s]", py);
            char *got = canon(in);
            assert_non_null(got);
            if (strcmp(got, want) != 0)
                fail_msg("%s: %s, repr %s", lit[k], got, want);
            kept += strcmp(lit[k], py) == 0;
            total++;
            free(got);
        }
    }
    /* a quarter of them are repr's text already (lit[3]) */
    assert_true(kept >= total / 4);
}

/* hfcore_json_number_exact agrees bit for bit with strtod (glibc's,
 * correctly rounded) wherever it answers: random doubles written with 1
 * to 17 significant digits and in fixed notation, random digit strings
 * with exponents, and the edges of its fast path (2^53 and the integers
 * next to it, 10^22 and 10^23, the first digits past 2^53 with a
 * decimal point); and it answers for most data-like literals. */
static void check_exact(const char *lit, int *answered)
{
    double v, w = strtod(lit, NULL);
    if (hfcore_json_number_exact(lit, strlen(lit), &v)) {
        (*answered)++;
        if (memcmp(&v, &w, sizeof v) != 0)
            fail_msg("%s: %.17g, strtod %.17g", lit, v, w);
    }
}

static void test_number_exact(void **state)
{
    (void)state;
    static const char *const edges[] = {
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
        "900719925474099.3", "900719925474099.5", "90071992547409.95", "9.007199254740993e-7",
        "18014398509481985.0", "1e22", "1e23", "-1e22", "9007199254740993e-22",
        "1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324", "-0.0", "0",
        "123456789012345678", "0.30000000000000004", "1.00000000000000005"};
    int answered = 0, total = 0;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++, total++)
        check_exact(edges[i], &answered);
    uint64_t s = 0x2545F4914F6CDD1Dull;
    for (int i = 0; i < 20000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t bits = (s >> 1 & 0x800fffffffffffffull) | ((uint64_t)(1023 - 40 + (s >> 58) % 60) << 52);
        double x;
        memcpy(&x, &bits, sizeof x);
        char lit[64];
        for (int p = 1; p <= 17; p++, total += 2) {
            snprintf(lit, sizeof lit, "%.*g", p, x);
            check_exact(lit, &answered);
            snprintf(lit, sizeof lit, "%.*f", p % 12, x);
            check_exact(lit, &answered);
        }
        /* 1 to 20 random digits, a point now and then, an exponent */
        int n = 1 + (int)(s >> 40) % 20, o = 0;
        lit[o++] = (char)('1' + (s >> 20) % 9);
        for (int k = 1; k < n; k++)
            lit[o++] = (char)('0' + (s >> (k % 50)) % 10);
        if (s & 1)
            lit[o++] = '.', lit[o++] = (char)('0' + (s >> 7) % 10);
        snprintf(lit + o, sizeof lit - (size_t)o, "e%d", (int)((s >> 30) % 70) - 35);
        check_exact(lit, &answered);
        total++;
    }
    assert_true(answered > total / 2);
}

static void test_structure(void **state)
{
    (void)state;
    static const char *const same[] = {
        "{\"a\": {}, \"b\": [], \"c\": [1, 2.50, {\"x\": null, \"y\": true}], \"d\": false}",
        "{\"a\": \"tab\\there \\\"q\\\" back\\\\slash \\n\\r\\b\\f\", \"ab\": \"caf\303\251\"}",
        "[\"\", {}, [[]], -0, 1E+2]",
        "{\"B\": 1, \"a\": 2, \"\303\251\": 3}",
        "  \"only a string\"  ",
        /* leading zeros, which cJSON lets through */
        "[01, -00, 007, -0012, 0000000000000000012, -0000000000000000000, 01.50]",
        /* the same length and last eight bytes, the first repr's, the
         * second not (it reads as 2.0): a float that stood as it is is
         * remembered by its whole text */
        "[1.0000000000000002, 2.0000000000000002, 1.0000000000000002, 2.0000000000000002]",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char *got = canon(same[i]), *want = tree(same[i]);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
    /* what sort_keys would change, or escapes Python writes otherwise */
    static const char *const not_canonical[] = {
        "{\"b\": 1, \"a\": 2}", "{\"a\": 1, \"a\": 2}", "[{\"y\": 1, \"x\": 2}]",
        "{\"ab\": 1, \"a\": 2}", "[\"a\\/b\"]", "[\"\\u00e9\"]", "{\"\\n\": 1}",
        "[\"a\tb\"]", "[\"a\001b\"]", /* raw controls: cJSON takes them */
    };
    for (size_t i = 0; i < sizeof not_canonical / sizeof not_canonical[0]; i++)
        assert_null(canon(not_canonical[i]));

    /* a string longer than the writer's buffer */
    size_t n = 200000;
    char *big = malloc(n + 16);
    assert_non_null(big);
    strcpy(big, "{\"k\": [\"");
    memset(big + 8, 'x', n);
    strcpy(big + 8 + n, "\", 1]}");
    char *got = canon(big), *want = tree(big);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(big);
}

/* Whitespace of every length up to 40 between every two tokens (the
 * skip is inline, sixteen bytes at a time, with a path of its own for one
 * space), with a tab or a carriage return at each place of the run, and at
 * the text's end: the tree's text every time. */
static void test_whitespace(void **state)
{
    (void)state;
    static const char *const tokens[] = {"{", "\"a\"", ":", "[", "1", ",", "2.5e-3", ",",
                                         "true", "]", ",", "\"b\"", ":", "null", "}"};
    const size_t ntok = sizeof tokens / sizeof tokens[0];
    char *want = tree("{\"a\": [1, 2.5e-3, true], \"b\": null}");
    for (size_t run = 1; run <= 40; run++) {
        for (size_t odd = 0; odd <= 2 * run; odd++) {
            char text[2048], ws[64];
            memset(ws, ' ', run);
            ws[0] = '\n';
            if (odd > 0) /* a tab, then a carriage return, at each place */
                ws[(odd - 1) % run] = odd <= run ? '\t' : '\r';
            ws[run] = '\0';
            text[0] = '\0';
            for (size_t t = 0; t < ntok; t++) {
                strcat(text, tokens[t]);
                strcat(text, ws); /* after the last token too */
            }
            char *got = canon(text);
            if (!got || strcmp(got, want) != 0)
                fail_msg("run %zu, odd %zu: %s", run, odd, got ? got : "(not canonical)");
            free(got);
        }
    }
    free(want);
}

/* Many short tokens, the canonical text far past the writer's 64 kB
 * buffer: its flushes fall between and within tokens of every kind (the
 * short ones are copied sixteen bytes at a time), and the text's last
 * token is at its very end (no sixteen bytes to read after it). */
static void test_long(void **state)
{
    (void)state;
    size_t cap = 1 << 20, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)sprintf(text, "[");
    for (int i = 0; i < 9000; i++)
        n += (size_t)sprintf(text + n, "{\"k%d\": [%d, \"s\", true, null, %d.5, []]},\n ",
                             i % 7, i, i % 100);
    n += (size_t)sprintf(text + n, "0]");
    char *got = canon(text), *want = tree(text);
    assert_non_null(got);
    assert_true(strlen(want) > 3 * 65536);
    assert_string_equal(got, want);
    free(got);
    /* in steps: the writer's buffer is carried from one to the next */
    got = canon_steps(text, n, n / 3, 0);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    got = canon_steps(text, n, 0, 4099);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(text);
}

/* A text made in steps (a digest's first part on one thread, the rest
 * on another: cli/load.c) is the same text, with the same verdict, for a
 * break at every byte and for steps of every size up to 70: each step
 * goes on from where the last stopped (inside the writer's buffer, the
 * open objects' previous keys, a key or a value next). */
static void test_steps(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{\"a\": {}, \"b\": [], \"c\": [1, 2.50, {\"x\": null, \"y\": true}], \"d\": false}",
        "{\n  \"a\": [\n    1.5,\n    \"s\"\n  ],\n  \"b\": {\"c\": 1, \"d\": [[]]}\n}\n",
        "[\"\", {}, [[]], -0, 1E+2, 01.50, \"x\\\"y\"]",
        /* not canonical: the order broken across a break, and a key with
         * an escape where a value may have one */
        "{\"a\": {\"b\": 1, \"c\": 2}, \"b\": {\"x\": 1}, \"a\": 3}",
        "{\"k\": \"v\\n\", \"m\": [\"\\t\"], \"n\\t\": 1}",
        "[{\"y\": 1}, {\"x\": 2, \"w\": 3}]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t len = strlen(docs[i]);
        char *whole = canon(docs[i]);
        for (size_t k = 0; k <= len + 1; k++) {
            for (int by = 0; by < 2; by++) {
                char *got = by ? canon_steps(docs[i], len, 0, k + 1)
                               : canon_steps(docs[i], len, k, 0);
                if (!got != !whole || (got && strcmp(got, whole) != 0))
                    fail_msg("doc %zu, %s %zu: %s", i, by ? "steps of" : "break at", by ? k + 1 : k,
                             got ? got : "(not canonical)");
                free(got);
            }
        }
        free(whole);
    }
}

#define REAL "../shared/workspaces/real/"

/* pyhf digest -a md5 -a sha256 of the shared real workspaces (the table of
 * test_digest.c). */
static const struct {
    const char *dir, *md5, *sha256;
} real[] = {
    {"1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json", "6cd3fdcd0673ef2e9029f5bc6a474838",
     "2563672e1a165384faf49f1431e921d88c9c07ec10f150d5045576564f98f820"},
    {"2Ljets_ATLAS-SUSY-2018-05_ewk_DR_High/BkgOnly.json", "acaad938bec6b2f64202d8668915f018",
     "390733adcecb7e802b5949d707d0a2349f2dba729bfd0e27c99106aa696a0294"},
    {"3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json", "d5829e23a1fbf0d9ef99d92280bf0ff0",
     "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695"},
    {"DVmuon_ins1788448_SRMET/BkgOnly.json", "e95022c452fc07b0c094321204f13daf",
     "ad98d6f2047a142f481b0efaf1bdd0e83e39b522ebf1406664b0d5cf9908ed18"},
    {"SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json", "1ade84282de14f02679a391106d0172a",
     "440752325824a508610abf7629f204282099b27f91822006b398f0b75b3d45d0"},
    {"sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json", "c62c23c87d1c9b735c75cf0830f0ad84",
     "516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58"},
    {"simplified_1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json", "017f89ce4e20ba33d5f8c4d17f77805e",
     "ab4134e4a2e0ff7598c4251a572949a6e271ac5d7e72a8ac3f1e0343d87059ad"},
    {"simplified_sbottom_ATLAS-SUSY-2018-31_SRA/BkgOnly.json", "487483a55fc2fc712e110a90b0f53b9a",
     "886d4e4833d62e667997af353cb717742fc8fa084b7da21380afdcf6bf6bf875"},
    {"staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json", "17b947cb0887c3d41cfbb3960ed43f11",
     "956aef2f8ba24ff49ac328757e1689c03be73c0ef846744555257eb98e894d10"},
};

typedef struct digest_rest {
    hfcore_text_digest *d;
    char hex[129];
    int rc;
} digest_rest;

static void *finish_digest(void *arg)
{
    digest_rest *r = arg;
    hf_error err = {0};
    r->rc = hfcore_json_text_digest_end(r->d, r->hex, sizeof r->hex, &err);
    return NULL;
}

/* The digest's first third worked out here, the rest on another thread,
 * as the command does (cli/load.c): rc, and the hex into hex[129]. */
static int digest_two_threads(const char *text, size_t len, char *hex)
{
    digest_rest r = {0};
    hf_error err = {0};
    pthread_t tid;
    int rc = hfcore_json_text_digest_begin(text, len, "sha256", &r.d, &err);
    if (rc != HF_OK)
        return rc;
    hfcore_json_text_digest_step(r.d, len / 3);
    assert_int_equal(pthread_create(&tid, NULL, finish_digest, &r), 0);
    assert_int_equal(pthread_join(tid, NULL), 0);
    memcpy(hex, r.hex, sizeof r.hex);
    return r.rc;
}

/* The digests from the texts are pyhf's, and the text path is taken for
 * the workspaces written with sorted keys (all but 3LRJ); so they are
 * when worked out on two threads one after the other. */
static void test_shared(void **state)
{
    (void)state;
    if (access(REAL, R_OK) != 0)
        skip();
    int canonical = 0;
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        char path[512], *text = NULL, hex[129];
        size_t len = 0;
        hf_error err = {0};
        snprintf(path, sizeof path, REAL "%s", real[i].dir);
        assert_int_equal(hfcore_file_read(path, &text, &len, &err), HF_OK);
        int rc = hfcore_json_text_digest(text, len, "sha256", hex, sizeof hex, &err);
        if (rc != HFCORE_NOT_CANONICAL) {
            assert_int_equal(rc, HF_OK);
            if (strcmp(hex, real[i].sha256) != 0)
                fail_msg("%s: %s, pyhf %s", path, hex, real[i].sha256);
            assert_int_equal(hfcore_json_text_digest(text, len, "md5", hex, sizeof hex, &err),
                             HF_OK);
            assert_string_equal(hex, real[i].md5);
            assert_int_equal(digest_two_threads(text, len, hex), HF_OK);
            assert_string_equal(hex, real[i].sha256);
            canonical++;
        }
        free(text);
    }
    assert_true(canonical >= 6);
}

/* The command digests a workspace's text while it is still being parsed
 * (cli/load.c), so the text may not be JSON at all: every one-byte change
 * and every truncation of a document gives an answer (its digest, "not
 * canonical" or an error) without reading outside the text, which the
 * address sanitizer (make check-asan) would report; and the changes that
 * leave the text valid JSON still give the tree's digest. */
static void test_not_json(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"a\": [1, -2.5e-3, \"x\\\"y\", true, null], \"b\": {\"c\": {}, \"d\": []}}";
    static const char subst[] = "\"\\{}[],: 0-.e\x01";
    size_t n = strlen(doc);
    for (size_t i = 0; i <= n; i++) {
        for (size_t k = 0; k <= sizeof subst - 1; k++) {
            /* a copy of exactly the text's length (no NUL after it) */
            size_t len = k < sizeof subst - 1 ? n : i;
            char *t = malloc(len ? len : 1);
            assert_non_null(t);
            memcpy(t, doc, len);
            if (k < sizeof subst - 1 && i < n)
                t[i] = subst[k];
            char hex[160], want[160];
            hf_error err = {0};
            int rc = hfcore_json_text_digest(t, len, "sha256", hex, sizeof hex, &err);
            char *z = malloc(len + 1);
            assert_non_null(z);
            memcpy(z, t, len);
            z[len] = '\0';
            cJSON *root;
            if (rc == HF_OK && hfcore_json_parse(z, "t", &root, &err) == HF_OK) {
                assert_int_equal(hfcore_json_digest(root, "sha256", want, sizeof want, &err), HF_OK);
                assert_string_equal(hex, want);
                cJSON_Delete(root);
            }
            free(z);
            free(t);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_random_literals),
        cmocka_unit_test(test_number_exact),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_shared),
        cmocka_unit_test(test_not_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
