/*
 * jskip.c - the end of a JSON array or object found by its brackets and
 * strings alone, checking nothing else.
 *
 * It is the cheap half of reading one patch of a large patchset: the
 * patch is located with this (quotes, backslashes and brackets, 64 bytes
 * at a time) while the full check of the text (jscan.c) runs beside it,
 * and whatever is located is used only once that check has passed and
 * found the same place.  So the answer must be right for valid JSON only;
 * for other text any answer (or NULL) will do.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core.h"

/* Where a skip stands between blocks. */
typedef struct skip {
    size_t depth;   /* brackets open */
    int in_string;
    int escaped;    /* the next byte is escaped (a string's backslash) */
} skip;

/* Bytes [b, e) one at a time; the offset after the closing bracket that
 * brings the depth to 0, or -1 to go on. */
static long bytes(skip *s, const char *b, const char *e)
{
    for (const char *p = b; p < e; p++) {
        char c = *p;
        if (s->in_string) {
            if (s->escaped)
                s->escaped = 0;
            else if (c == '\\')
                s->escaped = 1;
            else if (c == '"')
                s->in_string = 0;
        } else if (c == '"') {
            s->in_string = 1;
        } else if (c == '[' || c == '{') {
            s->depth++;
        } else if ((c == ']' || c == '}') && --s->depth == 0) {
            return p + 1 - b;
        }
    }
    return -1;
}

#if defined(__SSE2__)
/* Bit i set where b[i] == c, for 64 bytes. */
static uint64_t eq64(const char *b, char c)
{
    const __m128i v = _mm_set1_epi8(c);
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, v)) << (16 * k);
    }
    return m;
}

/* Bit i set when an odd number of m's bits 0..i are: inside a string
 * from its opening quote to before its closing one. */
static uint64_t prefix_xor(uint64_t m)
{
    for (int k = 1; k < 64; k *= 2)
        m ^= m << k;
    return m;
}

/* One block of 64 bytes without a backslash: as bytes() does. */
static long block(skip *s, const char *b)
{
    uint64_t inside = prefix_xor(eq64(b, '"')) ^ (s->in_string ? ~0ull : 0);
    s->in_string = (int)(inside >> 63);
    uint64_t open = (eq64(b, '[') | eq64(b, '{')) & ~inside;
    uint64_t close = (eq64(b, ']') | eq64(b, '}')) & ~inside;
    size_t nclose = (size_t)__builtin_popcountll(close);
    if (nclose < s->depth) { /* the depth cannot reach 0 here */
        s->depth += (size_t)__builtin_popcountll(open) - nclose;
        return -1;
    }
    for (uint64_t m = open | close; m; m &= m - 1) {
        int i = __builtin_ctzll(m);
        if (open >> i & 1)
            s->depth++;
        else if (--s->depth == 0)
            return i + 1;
    }
    return -1;
}
#endif

const char *hfcore_json_skip(const char *p, const char *end)
{
    if (p >= end || (*p != '[' && *p != '{'))
        return NULL;
    skip s = {0, 0, 0};
    const char *b = p;
#if defined(__SSE2__)
    /* a block with a backslash, or after one, goes byte by byte: escapes
     * are rare in patchsets and this way need no carry rules */
    for (; end - b >= 64; b += 64) {
        long r = s.escaped || eq64(b, '\\') ? bytes(&s, b, b + 64) : block(&s, b);
        if (r >= 0)
            return b + r;
    }
#endif
    long r = bytes(&s, b, end);
    return r >= 0 ? b + r : NULL;
}
