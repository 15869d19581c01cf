/*
 * jscan.c - JSON text checked and stepped over without building a tree,
 * and parsed by spans.
 *
 * A patchset is tens of MB of which one use needs one patch: the text is
 * scanned (every byte checked against JSON's grammar, so a fault anywhere
 * is still reported with its line and column) and only the spans that are
 * used are parsed, by cJSON.  The scanner builds nothing, so it is not a
 * parser: it only says where each value ends.  Whitespace, three quarters
 * of an indented patchset, is skipped eight bytes at a time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

#if defined(__SSE2__)
/* The spaces and newlines of p[0, 16), a bit each. */
static inline unsigned ws_mask16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
}
#endif

/* Whitespace: an indented file's newline and indentation (tens of
 * spaces: three quarters of a patchset) are found 64 bytes at a time,
 * without a branch per byte or per 16, where SSE2 is there (every
 * x86-64); \r and \t, rare, byte by byte.  The first 64 bytes are
 * looked at 16 at a time: most runs (the space after a ',' or ':', a
 * newline and its indentation) end within one or two such looks, which
 * cost less than a 64-byte step.  patch/numblock.c meets every run of a
 * patch: with 64-byte steps only, its parse of the 1Lbb patchset took
 * 50M instructions more (callgrind). */
static const char *skip_ws(const char *p, const char *e)
{
    if (p >= e || !is_ws(*p))
        return p;
#if defined(__SSE2__)
    for (int k = 0; k < 4 && e - p >= 16; k++) {
        unsigned m = ws_mask16(p);
        if (m == 0xffffu) {
            p += 16;
            continue;
        }
        p += __builtin_ctz(~m);
        if (*p != '\r' && *p != '\t')
            return p;
        p++;
    }
    while (e - p >= 64) {
        uint64_t m = 0;
        for (int k = 0; k < 4; k++)
            m |= (uint64_t)ws_mask16(p + 16 * k) << (16 * k);
        if (m == ~0ull) {
            p += 64;
            continue;
        }
        p += __builtin_ctzll(~m);
        if (*p != '\r' && *p != '\t')
            return p;
        p++;
    }
#endif
    uint64_t w;
    while (p < e) {
        if (e - p >= 8 && (memcpy(&w, p, 8), w == 0x2020202020202020ull))
            p += 8;
        else if (is_ws(*p))
            p++;
        else
            break;
    }
    return p;
}

void hfcore_scan_ws(hfcore_scan *s)
{
    s->p = skip_ws(s->p, s->end);
}

const char *hfcore_json_ws_end(const char *p, const char *e)
{
    return skip_ws(p, e);
}

static int fail(hfcore_scan *s, const char *at, const char *why)
{
    s->p = at;
    s->why = why;
    return -1;
}

static int hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* A string at p ('"'); returns the position after it, or NULL with
 * s->p/s->why set.  Refuses \u0000 (see hfcore_json_parse). */
/* The first byte at or after p that is '"', '\\' or a control character,
 * sixteen bytes at a time (SSE2), or where fewer than sixteen are left. */
static const char *plain_run(const char *p, const char *e)
{
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1f);
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* c < 0x20 unsigned: min(c, 0x1f) == c */
        __m128i w = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
        unsigned m = (unsigned)_mm_movemask_epi8(w);
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    return p;
}

const char *hfcore_json_string_stop(const char *p, const char *end)
{
    p = plain_run(p, end);
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    return p;
}

static const char *str(hfcore_scan *s, const char *p)
{
    const char *e = s->end;
    for (p++; p < e; p++) {
        p = plain_run(p, e);
        if (p >= e)
            break;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return fail(s, p, "a control character in a string"), NULL;
        if (c != '\\')
            continue;
        if (++p >= e)
            break;
        if (*p == 'u') {
            if (e - p < 5 || !hex(p[1]) || !hex(p[2]) || !hex(p[3]) || !hex(p[4]))
                return fail(s, p - 1, "a bad \\u escape"), NULL;
            if (memcmp(p + 1, "0000", 4) == 0)
                return fail(s, p - 1, "nul"), NULL;
            p += 4;
        } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
            return fail(s, p - 1, "a bad escape in a string"), NULL;
        }
    }
    return fail(s, e, "a string without its closing quote"), NULL;
}

/* A run of digits: the 15-17 of a double's decimals in one or two
 * sixteen-byte steps (SSE2), then byte by byte. */
static const char *digits(const char *p, const char *e)
{
#if defined(__SSE2__)
    const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    while (e - p >= 16) {
        __m128i t = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), zero);
        /* a digit: c - '0' <= 9 unsigned */
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, nine), t));
        if (m != 0xffffu)
            return p + __builtin_ctz(~m);
        p += 16;
    }
#endif
    while (p < e && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* A number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * Its end, or NULL when the text at p is none.  Inlined into the scan's
 * scalar() as well as into hfcore_json_number_end: left to itself the
 * compiler made it a call there, 2.4M instructions more for a byte scan
 * of the 1Lbb patchset (callgrind). */
static inline __attribute__((always_inline)) const char *number_end(const char *p,
                                                                    const char *e)
{
    const char *q;
    if (p < e && *p == '-')
        p++;
    if (p < e && *p == '0')
        p++;
    else if ((q = digits(p, e)) > p)
        p = q;
    else
        return NULL;
    if (p < e && *p == '.') {
        if ((q = digits(p + 1, e)) == p + 1)
            return NULL;
        p = q;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if ((q = digits(p, e)) == p)
            return NULL;
        p = q;
    }
    return p;
}

const char *hfcore_json_number_end(const char *p, const char *e)
{
    return number_end(p, e);
}

static const char *num(hfcore_scan *s, const char *p)
{
    const char *q = number_end(p, s->end);
    return q ? q : (fail(s, p, "a malformed number"), NULL);
}

static const char *scalar(hfcore_scan *s, const char *p)
{
    const char *e = s->end;
    if (*p == '"')
        return str(s, p);
    if (*p == '-' || (*p >= '0' && *p <= '9'))
        return num(s, p);
    static const char *const lit[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(lit[k]);
        if ((size_t)(e - p) >= n && memcmp(p, lit[k], n) == 0)
            return p + n;
    }
    return fail(s, p, p < e ? "an unexpected character" : "the text ends early"),
           NULL;
}

/* After '{' or ',' in an object: a key and its ':'. */
static const char *key(hfcore_scan *s, const char *p)
{
    p = skip_ws(p, s->end);
    if (p >= s->end || *p != '"')
        return fail(s, p, "expected a string key"), NULL;
    if (!(p = str(s, p)))
        return NULL;
    p = skip_ws(p, s->end);
    if (p >= s->end || *p != ':')
        return fail(s, p, "expected ':' after a key"), NULL;
    return p + 1;
}

/* Opens a container at p; returns where its first value starts, or, for
 * an empty one, after it (then *closed is set). */
static const char *open_container(hfcore_scan *s, const char *p, char *stack,
                                  int *depth, int *closed)
{
    char close = *p == '{' ? '}' : ']';
    if (*depth >= CJSON_NESTING_LIMIT)
        return fail(s, p, "nesting"), NULL;
    p = skip_ws(p + 1, s->end);
    *closed = p < s->end && *p == close;
    if (*closed)
        return p + 1;
    stack[(*depth)++] = close;
    return close == '}' ? key(s, p) : p;
}

/* ------------------------------------------- 64 bytes at a time (AVX2)
 *
 * Most of a patchset is the operations of patches nobody asked for: they
 * are checked, not used.  The byte-by-byte scanner above spends most of
 * its time between tokens; here each 64-byte block is classified at once
 * (quotes, whitespace, the six structural characters, control bytes),
 * strings are found from the quotes by a carry-less multiply (prefix
 * XOR), and only the tokens -- structural characters, strings' opening
 * quotes and the first byte of each number or literal -- are visited, by
 * a state machine of JSON's grammar with a stack of open containers.
 * Numbers and literals are checked by the scanner's own num() and
 * scalar().  It only ever says "valid, it ends here" or "not sure": a
 * backslash, any fault, a container nested too deep or a value that is
 * not an array or object sends the value to the byte-by-byte scanner,
 * which then finds the same end or words the fault with its line and
 * column exactly as before. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(HF_NO_FAST_SCAN)
#include <immintrin.h>
#define FAST_TARGET __attribute__((target("avx2,pclmul")))

typedef struct block {
    uint64_t quote, ws, op, odd; /* odd: a backslash or a control byte */
} block;

/* Bit 7 of each byte of lo (bits 0-31) and hi (32-63), in one word (not
 * in two halves stored apart: a 64-bit load of two 32-bit stores is not
 * forwarded and stalls). */
FAST_TARGET static inline uint64_t bits(__m256i lo, __m256i hi)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
}

/* 0xff in the bytes of c without any of `set`'s bits. */
FAST_TARGET static inline __m256i any_of(__m256i c, char set)
{
    return _mm256_cmpeq_epi8(_mm256_and_si256(c, _mm256_set1_epi8(set)),
                             _mm256_setzero_si256());
}

/* The class bits of the 64 bytes at p, bit i for p[i].  A byte's class
 * is the AND of two 16-entry lookups, by its low and by its high nibble
 * (simdjson's trick): bit 0 ' ', bit 1 '\t' '\n' '\r', bit 2 ',', bit 3
 * ':', bit 4 '[' ']' '{' '}', bit 5 '"', bit 6 '\\', bit 7 a control
 * byte (below 0x20).  Bytes from 0x80 look up nothing: string content. */
FAST_TARGET static inline void classify(const char *p, block *b)
{
    const __m256i lo_tab = _mm256_setr_epi8(
        0x81, 0x80, 0xa0, 0x80, 0x80, 0x80, 0x80, 0x80,
        0x80, 0x82, 0x8a, 0x90, 0xc4, 0x92, 0x80, 0x80,
        0x81, 0x80, 0xa0, 0x80, 0x80, 0x80, 0x80, 0x80,
        0x80, 0x82, 0x8a, 0x90, 0xc4, 0x92, 0x80, 0x80);
    const __m256i hi_tab = _mm256_setr_epi8(
        0x82, 0x80, 0x25, 0x08, 0, 0x50, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0,
        0x82, 0x80, 0x25, 0x08, 0, 0x50, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)p),
            x1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    /* a shuffle index with bit 7 set looks up 0 */
    __m256i c0 = _mm256_and_si256(_mm256_shuffle_epi8(lo_tab, x0),
        _mm256_shuffle_epi8(hi_tab, _mm256_and_si256(_mm256_srli_epi16(x0, 4), nib)));
    __m256i c1 = _mm256_and_si256(_mm256_shuffle_epi8(lo_tab, x1),
        _mm256_shuffle_epi8(hi_tab, _mm256_and_si256(_mm256_srli_epi16(x1, 4), nib)));
    b->quote = bits(_mm256_slli_epi16(c0, 2), _mm256_slli_epi16(c1, 2));
    b->odd = bits(_mm256_or_si256(c0, _mm256_slli_epi16(c0, 1)),
                  _mm256_or_si256(c1, _mm256_slli_epi16(c1, 1)));
    b->ws = ~bits(any_of(c0, 0x03), any_of(c1, 0x03));
    b->op = ~bits(any_of(c0, 0x1c), any_of(c1, 0x1c));
}

/* The digits among the 64 bytes at p, bit i for p[i]: only for the
 * blocks with a number (about half of a patchset's). */
FAST_TARGET static inline uint64_t digit_bits(const char *p)
{
    /* c - '0' <= 9 unsigned */
    const __m256i zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
    __m256i d0 = _mm256_sub_epi8(_mm256_loadu_si256((const __m256i *)(const void *)p), zero),
            d1 = _mm256_sub_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)), zero);
    return bits(_mm256_cmpeq_epi8(_mm256_min_epu8(d0, nine), d0),
                _mm256_cmpeq_epi8(_mm256_min_epu8(d1, nine), d1));
}

/* Bit i set when an odd number of m's bits 0..i are set: from a string's
 * opening quote (set) to its closing quote (clear). */
FAST_TARGET static uint64_t prefix_xor(uint64_t m)
{
    __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)m),
                                     _mm_set1_epi8((char)0xFF), 0);
    return (uint64_t)_mm_cvtsi128_si64(r);
}

/* kinds of token: a number or literal (0), then by first byte */
enum { K_SCALAR, K_OPEN_OBJ, K_OPEN_ARR, K_CLOSE_OBJ, K_CLOSE_ARR, K_COMMA,
       K_COLON, K_STRING };

static const unsigned char token_kind[256] = {
    ['{'] = K_OPEN_OBJ, ['['] = K_OPEN_ARR, ['}'] = K_CLOSE_OBJ,
    [']'] = K_CLOSE_ARR, [','] = K_COMMA, [':'] = K_COLON, ['"'] = K_STRING};

/* JSON's grammar, token by token: what may come next (W_*) follows from
 * the last token's kind k1, the one's before it k2 (a string after '{' or
 * an object's ',' is a key) and whether the innermost open container is
 * an object (o). */
enum { W_VALUE, W_VALUE_OR_CLOSE, W_KEY_OR_CLOSE, W_KEY, W_COLON, W_AFTER };
#define G_BIT(k) (1u << (k))
#define G_VALUE (G_BIT(K_SCALAR) | G_BIT(K_OPEN_OBJ) | G_BIT(K_OPEN_ARR) | G_BIT(K_STRING))
#define G_WANT(o, k2, k1)                                                     \
    ((k1) == K_STRING                                                         \
         ? ((k2) == K_OPEN_OBJ || ((k2) == K_COMMA && (o)) ? W_COLON : W_AFTER) \
     : (k1) == K_OPEN_OBJ ? W_KEY_OR_CLOSE                                    \
     : (k1) == K_OPEN_ARR ? W_VALUE_OR_CLOSE                                  \
     : (k1) == K_COMMA ? ((o) ? W_KEY : W_VALUE)                              \
     : (k1) == K_COLON ? W_VALUE                                              \
                       : W_AFTER) /* after a scalar, string or closer */
/* the kinds allowed where w is wanted (none where it cannot be: a key
 * in an array) */
#define G_ALLOWED(w, o)                                                       \
    ((w) == W_VALUE ? G_VALUE                                                 \
     : (w) == W_VALUE_OR_CLOSE ? ((o) ? 0u : G_VALUE | G_BIT(K_CLOSE_ARR))    \
     : (w) == W_KEY_OR_CLOSE ? ((o) ? G_BIT(K_STRING) | G_BIT(K_CLOSE_OBJ) : 0u) \
     : (w) == W_KEY ? ((o) ? G_BIT(K_STRING) : 0u)                            \
     : (w) == W_COLON ? ((o) ? G_BIT(K_COLON) : 0u)                           \
     : G_BIT(K_COMMA) | G_BIT((o) ? K_CLOSE_OBJ : K_CLOSE_ARR))
/* entry i = o << 9 | k2 << 6 | k1 << 3 | k: 1 when k may not come there */
#define G_FAULT(i)                                                            \
    (!((G_ALLOWED(G_WANT((i) >> 9 & 1, (i) >> 6 & 7, (i) >> 3 & 7), (i) >> 9 & 1) \
        >> ((i) & 7)) & 1))
#define G_4(i) G_FAULT(i), G_FAULT((i) + 1), G_FAULT((i) + 2), G_FAULT((i) + 3)
#define G_16(i) G_4(i), G_4((i) + 4), G_4((i) + 8), G_4((i) + 12)
#define G_64(i) G_16(i), G_16((i) + 16), G_16((i) + 32), G_16((i) + 48)
#define G_256(i) G_64(i), G_64((i) + 64), G_64((i) + 128), G_64((i) + 192)
/* the grammar as one table, so that a token costs one look-up */
static const unsigned char grammar_fault[1024] = {G_256(0), G_256(256), G_256(512),
                                                   G_256(768)};

/* The bytes that end a number or literal: whitespace, the structural
 * characters and '"'. */
static int ends_scalar(char c)
{
    return is_ws(c) || token_kind[(unsigned char)c] != K_SCALAR;
}

/* Whether a number or literal starts at t and its run of non-delimiter
 * bytes is exactly it ("1x" and "01" are not). */
static int scalar_whole(const char *t, const char *end)
{
    hfcore_scan tmp = {t, t, end, NULL};
    const char *q = scalar(&tmp, t);
    return q && (q == end || ends_scalar(*q));
}

/* scalar_whole for a number whose run of bytes goes on past its block's
 * end (a third of a patchset's numbers: 80,597 of the 1Lbb patches'
 * 321,548, those of 21 characters), from the digits among the 32 bytes
 * at t: 1 for -?(0|[1-9][0-9]*)(.[0-9]+)? followed by a delimiter, else
 * what scalar_whole says: ~56 instructions each where scalar() took ~92
 * (fast_value 178.9 -> 174.1 million on the 1Lbb patches, callgrind). */
FAST_TARGET __attribute__((noinline)) static int number_whole(const char *t,
                                                              const char *end)
{
    if (end - t < 32)
        return scalar_whole(t, end);
    __m256i d = _mm256_sub_epi8(_mm256_loadu_si256((const __m256i *)(const void *)t),
                                _mm256_set1_epi8('0'));
    /* a digit: c - '0' <= 9 unsigned; bit 32 stops the scans below */
    uint64_t other = ~(uint64_t)(uint32_t)_mm256_movemask_epi8(
                         _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d));
    int s = t[0] == '-';
    int e = __builtin_ctzll(other >> s) + s; /* after the integer part */
    if (e == s || e >= 31 || (t[s] == '0' && e > s + 1))
        return scalar_whole(t, end);
    if (t[e] == '.') {
        int f = __builtin_ctzll(other >> (e + 1)) + e + 1;
        if (f == e + 1 || f >= 31)
            return scalar_whole(t, end);
        e = f;
    }
    return ends_scalar(t[e]) || scalar_whole(t, end);
}

/* The containers open in a value being scanned, and its last two tokens'
 * kinds. */
typedef struct machine {
    unsigned obj;   /* 512 when the innermost container is an object, else 0 */
    unsigned depth;
    unsigned h;     /* the last two tokens' kinds: k2 << 6 | k1 << 3 */
    unsigned char outer[CJSON_NESTING_LIMIT + 1]; /* obj of those around it, 0 or 1 */
} machine;

/* The grammar over one block's tokens (bit i: a token at b[i]); its
 * numbers and literals are checked by the caller.  Each token is checked
 * by one look-up of its kind after the two before it (faults gathered,
 * no branch each; ~21 instructions a token, 35 with the want/key
 * arithmetic done token by token); the bracket stack is the only chain.
 * The offset after the value's closing bracket when it is in this block,
 * 0 to go on, -1 at a fault or a nesting too deep.  Inlined, so that its
 * state stays in registers from block to block (fast_value 200.7 ->
 * 190.1 million instructions on the 1Lbb patches). */
static inline __attribute__((always_inline)) int
grammar_block(machine *m, const char *b, uint64_t tokens)
{
    unsigned obj = m->obj, h = m->h, bad = 0;
    int r = 0;
    while (tokens) {
        int i = __builtin_ctzll(tokens);
        tokens &= tokens - 1;
        unsigned k = token_kind[(unsigned char)b[i]];
        bad |= grammar_fault[obj | h | k];
        h = (h | k) << 3 & 0x1f8; /* k1 becomes k2, k becomes k1 */
        if (k - K_OPEN_OBJ >= 4u) /* not a bracket */
            continue;
        if (k <= K_OPEN_ARR) {
            if (m->depth >= CJSON_NESTING_LIMIT)
                return -1;
            m->outer[m->depth++] = (unsigned char)(obj >> 9);
            obj = k == K_OPEN_OBJ ? 512 : 0;
        } else {
            obj = (unsigned)m->outer[--m->depth] << 9;
            if (m->depth == 0) {
                r = i + 1;
                break;
            }
        }
    }
    m->obj = obj;
    m->h = h;
    return bad ? -1 : r;
}

/* Whether the number at b[i], a run of n bytes of the block (all in it),
 * is one by JSON's grammar when it has the usual form -?int(.digits)?;
 * -1 when it has another (an exponent, a letter: scalar() decides). */
static int plain_number(const char *b, int i, int n, uint64_t digit)
{
    uint64_t run = (n == 64 ? ~0ull : (1ull << n) - 1) << i;
    int neg = b[i] == '-', s = i + neg; /* the integer part's start */
    uint64_t other = run & ~digit & ~(neg ? 1ull << i : 0);
    int dot = other ? __builtin_ctzll(other) : i + n;
    if (other & (other - 1) || (other && b[dot] != '.'))
        return -1;
    /* digits before the dot (no leading zero) and, if a dot, after it */
    return dot > s && (b[s] != '0' || dot == s + 1) && (!other || dot < i + n - 1);
}

/* Whether every number and literal starting at a bit of `starts` (in the
 * block at b, whose number-or-literal bytes are `scal`) is one. */
static int scalars_ok(const char *b, uint64_t starts, uint64_t scal,
                      uint64_t digit, const char *end)
{
    while (starts) {
        int i = __builtin_ctzll(starts);
        starts &= starts - 1;
        uint64_t after = ~scal >> i; /* the run ends at its first bit */
        if (!after) { /* the run goes on into the next block */
            if (!number_whole(b + i, end))
                return 0;
            continue;
        }
        int r = plain_number(b, i, __builtin_ctzll(after), digit);
        if (r == 0 || (r < 0 && !scalar_whole(b + i, end)))
            return 0;
    }
    return 1;
}

/* The end of the array or object at p, or NULL when not sure. */
FAST_TARGET static const char *fast_value(const char *p, const char *end)
{
    machine m;
    m.obj = m.depth = 0;
    m.h = K_COLON << 6 | K_COLON << 3; /* as after ':': a value is expected */
    uint64_t in_string = 0, in_scalar = 0; /* carried from block to block */
    char pad[64];
    for (const char *b = p; b < end; b += 64) {
        const char *bytes = b;
        if (end - b < 64) { /* the last bytes, padded with spaces */
            memset(pad, ' ', sizeof pad);
            memcpy(pad, b, (size_t)(end - b));
            bytes = pad;
        }
        block k;
        classify(bytes, &k);
        uint64_t inside = prefix_xor(k.quote) ^ in_string;
        in_string = (uint64_t)((int64_t)inside >> 63);
        /* escapes and control bytes in strings: the byte-by-byte scanner's
         * job.  `inside` is exact up to a string's first backslash, so
         * that one is seen here; one outside a string is a byte of a
         * number or literal, which the checks below refuse (one mask and
         * one test less a block: fast_value 181.6 -> 178.9 million
         * instructions on the 1Lbb patches, callgrind) */
        if (k.odd & inside)
            return NULL;
        uint64_t outside = ~(inside | k.quote);
        uint64_t scal = outside & ~(k.ws | k.op);
        uint64_t starts = scal & ~(scal << 1 | in_scalar);
        in_scalar = scal >> 63;
        int r = grammar_block(&m, b, (k.op & outside) | (k.quote & inside) | starts);
        if (r < 0)
            return NULL;
        if (r > 0 && r < 64)
            starts &= (1ull << r) - 1; /* what follows is not this value's */
        if (starts && !scalars_ok(b, starts, scal, digit_bits(bytes), end))
            return NULL;
        if (r > 0)
            return b + r;
    }
    return NULL;
}

static int fast_ok(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul");
}

/* The next block's number and literal starts into n->starts. */
FAST_TARGET static void number_block(hfcore_numbers *n)
{
    char pad[64];
    const char *bytes = n->block;
    if (n->end - n->block < 64) {
        memset(pad, ' ', sizeof pad);
        memcpy(pad, n->block, (size_t)(n->end - n->block));
        bytes = pad;
    }
    block k;
    classify(bytes, &k);
    uint64_t inside = prefix_xor(k.quote) ^ n->in_string;
    n->in_string = (uint64_t)((int64_t)inside >> 63);
    uint64_t scal = ~(inside | k.quote | k.ws | k.op);
    n->starts = scal & ~(scal << 1 | n->in_scalar);
    n->in_scalar = scal >> 63;
}
#endif

int hfcore_numbers_init(hfcore_numbers *n, const char *text, size_t len)
{
    memset(n, 0, sizeof *n);
    n->block = text;
    n->end = text + len;
#if defined(FAST_TARGET)
    /* strings are told from the rest by their quotes alone: no escapes */
    if (fast_ok() && !memchr(text, '\\', len)) {
        if (len > 0)
            number_block(n);
        return 1;
    }
#endif
    return 0;
}

const char *hfcore_numbers_next(hfcore_numbers *n)
{
#if defined(FAST_TARGET)
    for (;;) {
        while (n->starts) {
            const char *t = n->block + __builtin_ctzll(n->starts);
            n->starts &= n->starts - 1;
            if (*t == '-' || (*t >= '0' && *t <= '9'))
                return t; /* not true, false or null */
        }
        n->block += 64;
        if (n->block >= n->end)
            return NULL;
        number_block(n);
    }
#else
    (void)n;
    return NULL;
#endif
}

const char *hfcore_scan_fast(const char *p, const char *end)
{
#if defined(FAST_TARGET)
    if (p < end && (*p == '[' || *p == '{') && fast_ok())
        return fast_value(p, end);
#endif
    (void)p;
    (void)end;
    return NULL;
}

int hfcore_scan_value(hfcore_scan *s)
{
    const char *q = hfcore_scan_fast(skip_ws(s->p, s->end), s->end);
    if (q) {
        s->p = q;
        return 0;
    }
    return hfcore_scan_value_bytes(s);
}

int hfcore_scan_value_bytes(hfcore_scan *s)
{
    /* the stack of closers: no recursion, so no depth reaches the C stack */
    char stack[CJSON_NESTING_LIMIT];
    int depth = 0, closed;
    const char *p = s->p, *e = s->end;
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e)
            return fail(s, p, "the text ends early");
        if (*p == '{' || *p == '[') {
            if (!(p = open_container(s, p, stack, &depth, &closed)))
                return -1;
            if (!closed)
                continue; /* to the first value */
        } else if (!(p = scalar(s, p))) {
            return -1;
        }
        /* after a value: ',' then the next, or the closer(s) */
        for (;;) {
            if (depth == 0) {
                s->p = p;
                return 0;
            }
            p = skip_ws(p, e);
            if (p < e && *p == stack[depth - 1]) {
                depth--;
                p++;
                continue;
            }
            if (p >= e || *p != ',')
                return fail(s, p, stack[depth - 1] == '}'
                                      ? "expected ',' or '}'"
                                      : "expected ',' or ']'");
            p++;
            if (stack[depth - 1] == '}' && !(p = key(s, p)))
                return -1;
            break;
        }
    }
}

int hfcore_scan_string(hfcore_scan *s)
{
    if (s->p >= s->end || *s->p != '"')
        return fail(s, s->p, "expected a string");
    const char *q = str(s, s->p);
    if (!q)
        return -1;
    s->p = q;
    return 0;
}

/* Line and column (from 1) of pos in text[0, pos). */
static void line_col(const char *text, const char *pos, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < pos; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int hfcore_scan_error(const hfcore_scan *s, const char *source, hf_error *err)
{
    int line, col;
    line_col(s->text, s->p, &line, &col);
    if (s->why && strcmp(s->why, "nul") == 0)
        return hfcore_error_set(err, HF_ERR_PARSE,
                                "%s: a string holds the NUL character \\u0000 "
                                "(line %d, column %d): refused, since names "
                                "that differ only after it would merge",
                                source, line, col);
    if (s->why && strcmp(s->why, "nesting") == 0)
        return hfcore_nesting_error(err, source, line, col);
    return hfcore_error_set(err, HF_ERR_PARSE,
                            "%s: not valid JSON (near line %d, column %d: %s)",
                            source, line, col, s->why ? s->why : "?");
}

int hfcore_json_parse_span(const char *text, size_t off, size_t len,
                           const char *source, cJSON **out, hf_error *err)
{
    return hfcore_json_parse_span_ex(text, off, len, source, 1, out, err);
}

int hfcore_json_parse_span_ex(const char *text, size_t off, size_t len,
                              const char *source, int marks, cJSON **out,
                              hf_error *err)
{
    const char *end = NULL;
    *out = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text + off, len, &end, 0);
    if (root && end && skip_ws(end, text + off + len) != text + off + len) {
        cJSON_Delete(root);
        root = NULL;
    }
    if (!root) {
        /* the scanner passed the span: only memory or nesting is left */
        hfcore_scan s = {text, text + off, text + off + len, NULL};
        if (hfcore_scan_value(&s) != 0)
            return hfcore_scan_error(&s, source, err);
        int line, col;
        line_col(text, text + off, &line, &col);
        return hfcore_error_set(err, HF_ERR_PARSE, "%s: the JSON value at "
                                "line %d, column %d cannot be parsed (out of "
                                "memory, or a \\u escape of half a "
                                "surrogate pair)", source, line, col);
    }
    if (marks)
        hfcore_json_mark_ints_n(text + off, len, root);
    *out = root;
    return HF_OK;
}
