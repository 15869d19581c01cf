/*
 * jcanon.c - the text json.dumps(doc, sort_keys=True) writes, made from
 * the source text of doc instead of from its tree.
 *
 * A workspace's digest (pyhf.utils.digest) hashes that text.  Published
 * workspaces are written by Python with sorted keys, so their text already
 * is the digest's text but for whitespace and ", " / ": " separators: a
 * pass over the source that checks this and rewrites the separators
 * replaces a serialisation of the whole tree (most of the cost of checking
 * a patchset against a 4 MB workspace).  Numbers are the part that needs
 * care: the literal stands for itself only when it is exactly what
 * Python's repr prints for its value (see canonical_float); any other
 * literal is written as the tree's serialiser would write it.  Keys out of
 * order, repeated keys and escapes other than the short ones make the text
 * unusable (HFCORE_NOT_CANONICAL): the caller then serialises the tree.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core.h"

/* ------------------------------------------------------------ numbers */

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 u128;

static int bitlen(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if (hi)
        return 128 - __builtin_clzll(hi);
    return lo ? 64 - __builtin_clzll(lo) : 0;
}

/* Sign of X*2^a - Y*2^b, X and Y below 2^124, exactly. */
static int cmp_shifted(u128 X, int a, u128 Y, int b)
{
    int e = a - b;
    if (e < 0)
        return -cmp_shifted(Y, b, X, a);
    if (X == 0)
        return Y ? -1 : 0;
    if (e > 124 || bitlen(X) + e > 127)
        return 1; /* X*2^e >= 2^127 > Y */
    X <<= e;
    return X < Y ? -1 : X > Y;
}

/* Sign of N*10^Q - A*2^F (N below 2^60, A below 2^56), or 2 when |Q| is
 * too large for 128 bits (then the caller takes the slow path). */
static int cmp_dec_bin(uint64_t N, int Q, uint64_t A, int F)
{
    static const uint64_t pow5[28] = {
        1ull, 5ull, 25ull, 125ull, 625ull, 3125ull, 15625ull, 78125ull,
        390625ull, 1953125ull, 9765625ull, 48828125ull, 244140625ull,
        1220703125ull, 6103515625ull, 30517578125ull, 152587890625ull,
        762939453125ull, 3814697265625ull, 19073486328125ull,
        95367431640625ull, 476837158203125ull, 2384185791015625ull,
        11920928955078125ull, 59604644775390625ull, 298023223876953125ull,
        1490116119384765625ull, 7450580596923828125ull};
    if (Q > 27 || Q < -27)
        return 2;
    u128 p5 = pow5[Q < 0 ? -Q : Q];
    /* N*10^Q = N*5^Q*2^Q; for Q < 0 move 5^-Q to the other side */
    if (Q >= 0)
        return cmp_shifted((u128)N * p5, Q, (u128)A, F);
    return cmp_shifted((u128)N, Q, (u128)A * p5, F);
}

/* Sign of N*10^Q against the midpoint between the double M*2^E (M the
 * mantissa with its hidden bit, a normal number) and the one below it
 * (nearer below a power of two), or above it; 2: unknown. */
static int vs_low_mid(uint64_t N, int Q, uint64_t M, int E)
{
    return M == (1ull << 52) ? cmp_dec_bin(N, Q, 4 * M - 1, E - 2)
                             : cmp_dec_bin(N, Q, 2 * M - 1, E - 1);
}

static int vs_high_mid(uint64_t N, int Q, uint64_t M, int E)
{
    return cmp_dec_bin(N, Q, 2 * M + 1, E - 1);
}

/* Whether the decimal N*10^Q reads back as the double M*2^E: it lies
 * between the midpoints to the neighbouring doubles, or on one with M
 * even (ties go to even).  2: unknown. */
static int reads_as(uint64_t N, int Q, uint64_t M, int E)
{
    int lo = vs_low_mid(N, Q, M, E), hi = vs_high_mid(N, Q, M, E);
    if (lo == 2 || hi == 2)
        return 2;
    if (lo < 0 || hi > 0)
        return 0;
    if (lo == 0 || hi == 0)
        return (M & 1) == 0;
    return 1;
}

/* The double nearest D*10^K (ties to even) when D*10^K is normal and
 * its exactness can be decided here: a candidate within an ulp or two
 * (two roundings), checked exactly and moved by an ulp if need be.
 * 0 when unknown (then strtod decides). */
static double nearest(uint64_t D, int K)
{
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (K < -22 || K > 22 || D == 0)
        return 0;
    double x = K < 0 ? (double)D / p10[-K] : (double)D * p10[K];
#if FLT_EVAL_METHOD == 0
    /* D and 10^|K| are doubles exactly: one operation, rounded once, is
     * the nearest (Clinger's fast path; most literals of 15 or 16 digits) */
    if (D <= (1ull << 53))
        return x;
#endif
    for (int step = 0; step < 3; step++) {
        uint64_t bits;
        memcpy(&bits, &x, sizeof bits);
        int ex = (int)((bits >> 52) & 0x7ff);
        if (ex == 0 || ex == 0x7ff)
            return 0;
        uint64_t M = (bits & ((1ull << 52) - 1)) | (1ull << 52);
        int E = ex - 1075;
        if (reads_as(D, K, M, E) == 1)
            return x;
        /* which side: D*10^K against x itself */
        int c = cmp_dec_bin(D, K, M, E);
        if (c == 2 || c == 0)
            return 0;
        x = nextafter(x, c > 0 ? INFINITY : 0.0);
    }
    return 0;
}

/* Whether the literal's digits D (n of them, the last not 0, the last at
 * 10^K) are repr's for x: the shortest that read back as x and, of those,
 * the closest to x.  1 yes, 0 no, 2 unknown. */
static int is_repr(uint64_t D, int n, int K, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int ex = (int)((bits >> 52) & 0x7ff);
    if (ex == 0 || ex == 0x7ff)
        return 2; /* subnormal, infinite: the slow path */
    uint64_t M = (bits & ((1ull << 52) - 1)) | (1ull << 52);
    int E = ex - 1075;
    /* shortest: no (n-1)-digit decimal reads back; the two around D are
     * enough (one of them lies between x and D if any does).  D*10^K
     * reads back as x (x is its nearest double) and its last digit is not
     * 0, so the one below D can only fall out of x's interval at its low
     * end and the one above only at its high end: a comparison each */
    if (n > 1) {
        int a = vs_low_mid(D / 10, K + 1, M, E), b = vs_high_mid(D / 10 + 1, K + 1, M, E);
        int even = (M & 1) == 0;
        if (a == 2 || b == 2)
            return 2;
        if (a > 0 || b < 0 || (even && (a == 0 || b == 0)))
            return 0;
    }
    /* closest: x strictly within half a unit of the last digit (a tie
     * is left to the slow path) */
    int lo = cmp_dec_bin(2 * D - 1, K, M, E + 1), hi = cmp_dec_bin(2 * D + 1, K, M, E + 1);
    if (lo == 2 || hi == 2 || lo == 0 || hi == 0)
        return 2;
    return lo < 0 && hi > 0;
}
#else
static int is_repr(uint64_t D, int n, int K, double x)
{
    (void)D, (void)n, (void)K, (void)x;
    return 2;
}

static double nearest(uint64_t D, int K)
{
    (void)D, (void)K;
    return 0;
}
#endif

/* The exponent [+-]digits at s[0, n), read within n (the text need not
 * end in a NUL: strtol could read on), held below 10^8 in size: far past
 * any double's range, where the value is 0 or infinite either way. */
static long exponent(const char *s, size_t n)
{
    size_t i = 0;
    int neg = n > 0 && s[0] == '-';
    if (n > 0 && (s[0] == '-' || s[0] == '+'))
        i++;
    long e = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        if (e < 10000000)
            e = e * 10 + (s[i] - '0');
    return neg ? -e : e;
}

/* The significant digits of a float literal s[0, len) (JSON's grammar:
 * -int.frac e exp) without leading and trailing zeros: their count (0 for
 * zero, -1 for more than 17), their value in *D, the power of ten of the
 * last in *K and the decimal exponent of the first in *e10. */
static int sig_digits(const char *s, size_t len, char *digits, uint64_t *D, int *K,
                      int *e10)
{
    int n = 0, point = -1, pos = 0, first = -1;
    size_t i = s[0] == '-';
    long exp = 0;
    *D = 0;
    for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.') {
            point = pos;
            continue;
        }
        if (s[i] != '0' || first >= 0) {
            if (first < 0)
                first = pos;
            if (n == 17)
                return -1;
            digits[n++] = s[i];
            *D = *D * 10 + (uint64_t)(s[i] - '0');
        }
        pos++;
    }
    if (i < len)
        exp = exponent(s + i + 1, len - i - 1);
    if (point < 0)
        point = pos;
    while (n > 0 && digits[n - 1] == '0') {
        n--;
        *D /= 10;
    }
    if (n == 0)
        return 0;
    *e10 = (int)(exp + point - first - 1);
    *K = *e10 - (n - 1);
    return n;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HF_EIGHT_DIGITS 1
/* Whether the eight bytes x of a text (the first in its lowest byte) are
 * all digits, and their value: three multiplications instead of eight
 * steps of a loop. */
static int eight_digits(uint64_t x)
{
    return ((x & 0xF0F0F0F0F0F0F0F0ull) |
            (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ==
           0x3333333333333333ull;
}

static uint64_t eight_value(uint64_t x)
{
    x -= 0x3030303030303030ull;
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;   /* pairs */
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFull; /* fours */
    return (x * 10000 + (x >> 32)) & 0xFFFFFFFFull;
}
#endif

/* The end of the run of digits at p. */
static const char *digit_run(const char *p, const char *e)
{
#ifdef HF_EIGHT_DIGITS
    uint64_t x;
    while (e - p >= 8 && (memcpy(&x, p, 8), eight_digits(x)))
        p += 8;
#endif
    while (p < e && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* The value of the n digits at p (n <= 19). */
static uint64_t run_value(const char *p, ptrdiff_t n)
{
    uint64_t D = 0;
#ifdef HF_EIGHT_DIGITS
    for (uint64_t x; n >= 8; n -= 8, p += 8) {
        memcpy(&x, p, 8);
        D = D * 100000000u + eight_value(x);
    }
#endif
    for (; n > 0; n--)
        D = D * 10 + (uint64_t)(*p++ - '0');
    return D;
}

/* sig_digits' n, D and K for a literal without an exponent, -?I(.F)?
 * (I and F runs of digits), read in runs of eight digits; -2 for any
 * other literal (sig_digits reads it).  A 1Lbb patch's literals are of
 * this shape, 16 to 17 significant digits most of them: sig_digits took
 * 384 instructions for each (54M over the grid's patches, callgrind). */
static int sig_plain(const char *s, size_t len, uint64_t *D, int *K)
{
    static const uint64_t p10[18] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull,
        10000000000000000ull, 100000000000000000ull};
    const char *p = s + (len > 0 && s[0] == '-'), *e = s + len;
    const char *i1 = digit_run(p, e), *f0 = i1, *f1 = i1;
    if (i1 == p)
        return -2;
    if (i1 < e) {
        if (*i1 != '.' || (f1 = digit_run(f0 = i1 + 1, e)) != e || f1 == f0)
            return -2;
    }
    /* the digits are I then F: the first significant one at a, their
     * last not 0 just before b */
    const char *a = p;
    while (a < i1 && *a == '0')
        a++;
    int a_in_i = a < i1;
    if (!a_in_i)
        for (a = f0; a < f1 && *a == '0'; a++)
            ;
    if (a == f1)
        return 0;
    ptrdiff_t count = a_in_i ? (i1 - a) + (f1 - f0) : f1 - a;
    if (count > 17)
        return -1;
    const char *b = f1;
    while (b > f0 && b[-1] == '0')
        b--;
    int b_in_f = b > f0;
    if (!b_in_f)
        for (b = i1; b[-1] == '0'; b--)
            ;
    ptrdiff_t first = a_in_i ? a - p : (i1 - p) + (a - f0), n;
    if (a_in_i && b_in_f) {
        n = (i1 - a) + (b - f0);
        *D = run_value(a, i1 - a) * p10[b - f0] + run_value(f0, b - f0);
    } else {
        n = b - a;
        *D = run_value(a, n);
    }
    *K = (int)((i1 - p) - first - 1 - (n - 1));
    return (int)n;
}

/* The double json.load (and cJSON, through strtod) makes of a float
 * literal: found exactly from its digits where that is quick (nearest),
 * otherwise by strtod of the literal rewritten as digits and an exponent,
 * so that it does not depend on the locale's decimal point. */
static double literal_value(const char *s, size_t len, uint64_t D, int n, int K)
{
    double v = n > 0 ? nearest(D, K) : 0;
    if (v != 0)
        return s[0] == '-' ? -v : v;
    char lit[80];
    size_t o = 0, i = 0;
    long frac = 0, exp = 0;
    int after_point = 0;
    for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.')
            after_point = 1;
        else {
            lit[o++] = s[i];
            frac += after_point && s[i] != '-';
        }
    }
    if (i < len)
        exp = exponent(s + i + 1, len - i - 1);
    snprintf(lit + o, sizeof lit - o, "e%ld", exp - frac);
    return strtod(lit, NULL);
}

int hfcore_json_number_exact(const char *s, size_t len, double *v)
{
    char digits[24];
    uint64_t D = 0;
    int K = 0, e10 = 0;
    int n = sig_plain(s, len, &D, &K);
    if (n == -2)
        n = sig_digits(s, len, digits, &D, &K, &e10);
    double x = n > 0 ? nearest(D, K) : 0;
    if (x == 0)
        return 0;
    *v = s[0] == '-' ? -x : x;
    return 1;
}

/* A float literal (it has a '.' or an exponent) as the tree's serialiser
 * writes its value, into out (64 bytes): repr(float(literal)); 1 when
 * that is the literal itself. */
static int canonical_float(const char *s, size_t len, char *out)
{
    char digits[24];
    uint64_t D = 0;
    int K = 0, e10 = 0;
    int n = sig_digits(s, len, digits, &D, &K, &e10);
    if (n == 0) {
        /* zero, signed as written: repr's text is 0.0 or -0.0, without
         * literal_value's snprintf and strtod and hfcore_json_py_float
         * below (~7k instructions each, for 639 "0.0" in the 1Lbb
         * workspace) */
        const char *z = s[0] == '-' ? "-0.0" : "0.0";
        strcpy(out, z);
        return len == strlen(z) && memcmp(s, z, len) == 0;
    }
    double x = literal_value(s, len, D, n, K);
    if (n > 0 && e10 > -300 && e10 < 300) {
        /* the literal is repr's text when its digits are repr's digits and
         * it is laid out as repr lays them out */
        hfcore_json_py_format(out, s[0] == '-', digits, n, e10);
        if (strncmp(out, s, len) == 0 && out[len] == '\0' && is_repr(D, n, K, x) == 1)
            return 1;
    }
    hfcore_json_py_float(out, x);
    return 0;
}

/* An integer literal as the tree's serialiser writes it (core/json.c):
 * up to 15 digits its value ("%.0f", so "-0" is 0 and the leading zeros
 * cJSON lets through go), past that the literal itself. */
static void canonical_int(const char *s, size_t len, char *out)
{
    size_t neg = s[0] == '-', i = neg;
    if (len - neg > 15) {
        int zero = strspn(s, "-0") >= len;
        memcpy(out, zero ? "0" : s, zero ? 1 : len);
        out[zero ? 1 : len] = '\0';
        return;
    }
    while (i + 1 < len && s[i] == '0')
        i++;
    size_t o = 0;
    if (neg && !(len - i == 1 && s[i] == '0'))
        out[o++] = '-';
    memcpy(out + o, s + i, len - i);
    out[o + len - i] = '\0';
}

/* A number token as Python's json.dumps writes what json.load made of it
 * (isfloat: it has a '.' or an exponent): s itself, most often, or out. */
static const char *canonical_number(const char *s, size_t len, int isfloat, char *out)
{
    if (isfloat && canonical_float(s, len, out))
        return s;
    if (!isfloat)
        canonical_int(s, len, out);
    return out;
}

/* ---------------------------------------------------------------- text */

/* A float literal found to stand as it is (see number()). */
typedef struct seen {
    unsigned char len;
    char lit[31];
} seen;

/* The previous key of each open object, for the order check. */
typedef struct level {
    char obj;
    const char *key;
    size_t klen;
} level;

/* A pass over a text, held between steps (hfcore_json_canon_step). */
typedef struct hfcore_canon {
    const char *p, *end;
    hfcore_sink sink;
    void *ctx;
    char buf[1 << 16];
    size_t n;
    int failed; /* the sink said stop */
    int rc;     /* 0, or the pass's verdict once it stopped */
    int depth, want_key;
    level stack[CJSON_NESTING_LIMIT];
    seen lits[64];
} canon;

/* What the buffer holds, to the sink. */
static void flush(canon *c)
{
    if (c->sink(c->ctx, c->buf, c->n) != 0)
        c->failed = 1;
    c->n = 0;
}

static void put(canon *c, const char *s, size_t n);

/* Up to two bytes of the canonical text's own (a bracket; ", ", ": "). */
static void put2(canon *c, char a, char b, size_t n)
{
    if (c->n + 2 > sizeof c->buf)
        flush(c);
    c->buf[c->n] = a;
    c->buf[c->n + 1] = b;
    c->n += n;
}

/* A token of the source text, s[0, n): most are a few bytes (keys, names,
 * numbers), copied sixteen at a time where the text has them. */
static void put_text(canon *c, const char *s, size_t n)
{
#if defined(__SSE2__)
    if (n <= 16 && c->end - s >= 16 && c->n + 16 <= sizeof c->buf) {
        _mm_storeu_si128((__m128i *)(void *)(c->buf + c->n),
                         _mm_loadu_si128((const __m128i *)(const void *)s));
        c->n += n;
        return;
    }
#endif
    put(c, s, n);
}

static void put(canon *c, const char *s, size_t n)
{
    if (c->n + n > sizeof c->buf)
        flush(c);
    if (n > sizeof c->buf) {
        if (c->sink(c->ctx, s, n) != 0)
            c->failed = 1;
        return;
    }
    memcpy(c->buf + c->n, s, n);
    c->n += n;
}

static int is_ws(char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

/* Whitespace, inline: it comes between most tokens of an indented text
 * (153k runs in the 1Lbb workspace: one space after a ':', or a newline
 * and 24-40 spaces), too short for a call to pay. */
static void skip_ws(canon *c)
{
    const char *p = c->p, *e = c->end;
    if (p >= e || !is_ws(*p))
        return; /* most tokens follow one another */
    if (e - p >= 2 && !is_ws(p[1])) {
        c->p = p + 1;
        return;
    }
#if defined(__SSE2__)
    const __m128i sp = _mm_set1_epi8(' '), nl = _mm_set1_epi8('\n');
    for (; e - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, nl)));
        if (m != 0xffffu) {
            p += __builtin_ctz(~m);
            if (*p != '\r' && *p != '\t') {
                c->p = p;
                return;
            }
            break;
        }
    }
#endif
    hfcore_scan s = {p, p, e, NULL};
    hfcore_scan_ws(&s); /* \r, \t and the last bytes */
    c->p = s.p;
}

/* The characters of numbers and of true, false and null (1), and of
 * those the ones of a float (2). */
static const unsigned char bare_class[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
    ['7'] = 1, ['8'] = 1, ['9'] = 1, ['-'] = 1, ['+'] = 1, ['.'] = 3, ['E'] = 3,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 3, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

/* A string at c->p (its '"'): its raw text up to the closing quote in
 * [*s, *s + *len); -1 when it holds an escape Python would write
 * otherwise (\/, \u) or a raw control character, 0 when it is plain, 1
 * when it holds short escapes (\" \\ \n \r \t \b \f, written alike). */
static int string(canon *c, const char **s, size_t *len)
{
    const char *p = c->p + 1;
    int esc = 0;
    *s = p;
    for (;;) {
        /* to the next quote, backslash or raw control character (JSON
         * has none, cJSON lets them through: written escaped from the
         * tree) */
        p = hfcore_json_string_stop(p, c->end);
        if (p >= c->end || (unsigned char)*p < 0x20)
            return -1;
        if (*p == '"')
            break;
        if (p + 1 >= c->end || !strchr("\"\\nrtbf", p[1]) || !p[1])
            return -1;
        esc = 1;
        p += 2;
    }
    *len = (size_t)(p - *s);
    c->p = p + 1;
    return esc;
}

/* Where a float literal of n bytes (8 to 31) is looked for in c->lits:
 * by its length and its last eight bytes. */
static unsigned seen_slot(const char *s, size_t n)
{
    uint64_t w;
    memcpy(&w, s + n - 8, 8);
    return (unsigned)(((w ^ (w >> 29) ^ n) * 0x9E3779B97F4A7C15ull) >> 58);
}

/* A number token s[0, n) written as json.dumps writes its value.  Its
 * check against repr (~900 instructions a float) is the costliest part
 * of the text, and data repeat their numbers (26,583 floats in the 1Lbb
 * workspace, 10,945 of them distinct, half of them seen again within the
 * last 64): the floats that stand as they are are remembered, by their
 * text, in a small table of the pass's own. */
static void number(canon *c, const char *s, size_t n, int isfloat)
{
    char out[64];
    seen *slot = isfloat && n >= 8 && n < sizeof slot->lit ? &c->lits[seen_slot(s, n)]
                                                          : NULL;
    if (slot && slot->len == n && memcmp(slot->lit, s, n) == 0) {
        put_text(c, s, n);
        return;
    }
    const char *t = canonical_number(s, n, isfloat, out);
    /* the slow path's text may be the literal itself (a float that is an
     * exact decimal, where is_repr cannot tell: 310 of them in the 1Lbb
     * workspace, two values): remembered too */
    size_t tn = t == s ? n : strlen(t);
    int same = t == s || (tn == n && memcmp(t, s, n) == 0);
    if (same && slot) {
        slot->len = (unsigned char)n;
        memcpy(slot->lit, s, n);
    }
    if (same)
        put_text(c, s, n);
    else
        put(c, t, tn);
}

/* Keys must come in strictly increasing code-point order (UTF-8 bytes
 * compare so; no escapes): what sort_keys would leave in place, with no
 * repeats (json.load would keep only the last of those). */
static int key_in_order(level *L, const char *k, size_t n)
{
    if (L->key) {
        size_t m = L->klen < n ? L->klen : n;
        int d = memcmp(L->key, k, m);
        if (d > 0 || (d == 0 && L->klen >= n))
            return 0;
    }
    L->key = k;
    L->klen = n;
    return 1;
}

/* One token at c->p; 0, or HFCORE_NOT_CANONICAL. */
static int token(canon *c, level *stack, int *depth, int *want_key)
{
    char ch = *c->p;
    const char *s;
    size_t n;
    switch (ch) {
    case '{':
    case '[':
        if (*depth >= CJSON_NESTING_LIMIT)
            return HFCORE_NOT_CANONICAL;
        stack[(*depth)++] = (level){ch == '{', NULL, 0};
        *want_key = ch == '{';
        c->p++;
        put2(c, ch, 0, 1);
        return 0;
    case '}':
    case ']':
        if (*depth == 0)
            return HFCORE_NOT_CANONICAL;
        (*depth)--;
        *want_key = 0;
        c->p++;
        put2(c, ch, 0, 1);
        return 0;
    case ',':
        *want_key = *depth > 0 && stack[*depth - 1].obj;
        c->p++;
        put2(c, ',', ' ', 2);
        return 0;
    case ':':
        c->p++;
        put2(c, ':', ' ', 2);
        return 0;
    case '"': {
        int esc = string(c, &s, &n);
        if (esc < 0 || (*want_key && (esc || !key_in_order(&stack[*depth - 1], s, n))))
            return HFCORE_NOT_CANONICAL;
        *want_key = 0;
        put_text(c, s - 1, n + 2);
        return 0;
    }
    }
    s = c->p;
    unsigned cls = 0;
    while (c->p < c->end && (bare_class[(unsigned char)*c->p] & 1))
        cls |= bare_class[(unsigned char)*c->p++];
    n = (size_t)(c->p - s);
    if (n == 0 || n >= 64) /* no number is that long but by its zeros */
        return HFCORE_NOT_CANONICAL;
    if (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
        number(c, s, n, (cls & 2) != 0);
    } else {
        put_text(c, s, n); /* true, false, null (the text was parsed already) */
    }
    return 0;
}

hfcore_canon *hfcore_json_canon_begin(const char *text, size_t len, hfcore_sink sink,
                                      void *ctx)
{
    canon *c = malloc(sizeof *c);
    if (c) {
        c->p = text;
        c->end = text + len;
        c->sink = sink;
        c->ctx = ctx;
        c->n = 0;
        c->failed = 0;
        c->rc = 0;
        c->depth = c->want_key = 0;
        memset(c->lits, 0, sizeof c->lits);
    }
    return c;
}

int hfcore_json_canon_step(hfcore_canon *c, size_t n)
{
    const char *stop = (size_t)(c->end - c->p) > n ? c->p + n : c->end;
    while (c->rc == 0 && (skip_ws(c), c->p < stop))
        c->rc = token(c, c->stack, &c->depth, &c->want_key);
    return c->rc;
}

int hfcore_json_canon_end(hfcore_canon *c)
{
    if (!c)
        return HF_ERR_NOMEM;
    int rc = hfcore_json_canon_step(c, (size_t)(c->end - c->p));
    if (rc == 0 && c->n && c->sink(c->ctx, c->buf, c->n) != 0)
        c->failed = 1;
    if (rc == 0 && c->failed)
        rc = HF_ERR_NOMEM;
    free(c);
    return rc;
}

int hfcore_json_canon(const char *text, size_t len, hfcore_sink sink, void *ctx)
{
    return hfcore_json_canon_end(hfcore_json_canon_begin(text, len, sink, ctx));
}
