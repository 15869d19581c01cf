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

/* Whitespace: an indented file's newline and indentation (tens of
 * spaces: three quarters of a patchset) are found 64 bytes at a time,
 * without a branch per byte or per 16, where SSE2 is there (every
 * x86-64); \r and \t, rare, byte by byte. */
static const char *skip_ws(const char *p, const char *e)
{
    if (p >= e || !is_ws(*p))
        return p;
#if defined(__SSE2__)
    const __m128i sp = _mm_set1_epi8(' '), nl = _mm_set1_epi8('\n');
    while (e - p >= 64) {
        uint64_t m = 0;
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
            __m128i w = _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, nl));
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(w) << (16 * k);
        }
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

/* A number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *num(hfcore_scan *s, const char *p)
{
    const char *e = s->end, *start = p, *q;
    if (p < e && *p == '-')
        p++;
    if (p < e && *p == '0')
        p++;
    else if ((q = digits(p, e)) > p)
        p = q;
    else
        return fail(s, start, "a malformed number"), NULL;
    if (p < e && *p == '.') {
        if ((q = digits(p + 1, e)) == p + 1)
            return fail(s, start, "a malformed number"), NULL;
        p = q;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if ((q = digits(p, e)) == p)
            return fail(s, start, "a malformed number"), NULL;
        p = q;
    }
    return p;
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

int hfcore_scan_value(hfcore_scan *s)
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
    hfcore_json_mark_ints_n(text + off, len, root);
    *out = root;
    return HF_OK;
}
