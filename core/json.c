/*
 * json.c - JSON text exactly as Python's json module writes it, from which
 * pyhf computes workspace digests (core/digest.c).  The command
 * (cli/jsonout.c) writes its results with the same serialiser.
 *
 * pyhf's digest is hashlib.<alg>(json.dumps(ws, sort_keys=True,
 * ensure_ascii=False).encode("utf8")).hexdigest(), so a digest is only
 * right when every byte of that text is: keys in code-point order, ", "
 * and ": " separators, Python's string escapes and numbers as Python
 * prints them.  The last needs care: json.load makes "1" an int (printed
 * "1") and "1.0" a float (printed "1.0"), while cJSON keeps both as the
 * same double.  hfcore_json_mark_ints_n() therefore re-reads the source text
 * after parsing and marks each number that was written as an integer
 * literal (HF_JSON_INT in its type; cJSON ignores bits above 0xFF and
 * keeps them through cJSON_Duplicate).  Integers too long for a double to
 * hold exactly keep their literal in valuestring, which cJSON frees and
 * duplicates with the item.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* ------------------------------------------------- integer literal marks */

/* Where number tokens are looked for: 64 bytes at a time when the
 * text allows (hfcore_numbers), else byte by byte from p. */
typedef struct numtext {
    const char *p, *end;
    int blocks;
    hfcore_numbers it;
} numtext;

/* The number token at s: its length in *len and in *isint whether it has
 * no fraction or exponent; returns s. */
static const char *number_at(const char *s, const char *end, size_t *len,
                             int *isint)
{
    const char *p = s + 1;
    int in = 1;
    /* runs of digits in a tight loop (most of a token), the other
     * characters of a number one at a time */
    for (;;) {
        while (p < end && (unsigned char)(*p - '0') < 10)
            p++;
        if (p == end)
            break;
        if (*p == '.' || *p == 'e' || *p == 'E')
            in = 0;
        else if (*p != '+' && *p != '-')
            break;
        p++;
    }
    *len = (size_t)(p - s);
    *isint = in;
    return s;
}

/* The next number token of the text (skipping strings), or NULL at the
 * end; *len and *isint as number_at's. */
static const char *next_number(numtext *t, size_t *len, int *isint)
{
    if (t->blocks) {
        const char *s = hfcore_numbers_next(&t->it);
        return s ? number_at(s, t->end, len, isint) : NULL;
    }
    const char *p = t->p, *end = t->end;
    for (;;) {
        if (p >= end || *p == '\0') {
            t->p = p;
            return NULL;
        }
        char c = *p;
        if (c == ' ') {
            /* indentation, most of an indented file: sixteen at a time */
            hfcore_scan s = {p, p, end, NULL};
            hfcore_scan_ws(&s);
            p = s.p;
            continue;
        }
        if (c == '"') {
            /* to the closing quote: the next quote not escaped */
            for (p++;;) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q) {
                    p = end;
                    break;
                }
                size_t bs = 0;
                while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
                    bs++;
                p = q + 1;
                if (bs % 2 == 0)
                    break;
            }
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            number_at(p, end, len, isint);
            t->p = p + *len;
            return p;
        }
        p++;
    }
}

/* Walks the tree in document order, pairing each number item with the
 * next number token.  Returns -1 if the text runs out (cannot happen for
 * the text the tree was parsed from). */
static int mark(cJSON *it, numtext *t)
{
    /* the type tests inline (cJSON_IsNumber & co. are calls into the
     * shared library, one per item of a tree of a million) */
    for (; it; it = it->next) {
        int type = it->type & 0xFF;
        if (type == cJSON_Number) {
            size_t len;
            int isint;
            const char *s = next_number(t, &len, &isint);
            if (!s)
                return -1;
            if (isint) {
                it->type |= HF_JSON_INT;
                /* A double holds every integer of up to 15 digits. */
                size_t digits = len - (s[0] == '-');
                if (digits > 15 && !it->valuestring) {
                    char *lit = malloc(len + 1);
                    if (lit) {
                        memcpy(lit, s, len);
                        lit[len] = '\0';
                        it->valuestring = lit;
                    }
                }
            }
        } else if (type == cJSON_Array || type == cJSON_Object) {
            if (mark(it->child, t))
                return -1;
        }
    }
    return 0;
}

void hfcore_json_mark_ints_n(const char *text, size_t len, cJSON *root)
{
    if (!text || !root)
        return;
    numtext t = {text, text + len, 0, {0}};
    t.blocks = hfcore_numbers_init(&t.it, text, len);
    /* The root itself (its siblings are NULL). */
    mark(root, &t);
}

/* ------------------------------------------------------ Python's dumps() */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

/* The 17 significant digits of |x| (x finite, not 0) rounded to p of
 * them, into out (p digits), the decimal exponent of the first in *e10.
 * Rounding the 17-digit text again is rounding x itself except when the
 * dropped digits are exactly 5000...: then printf rounds x. */
static void round_digits(const char *d17, int e17, int p, double ax, char *out,
                         int *e10)
{
    memcpy(out, d17, (size_t)p);
    *e10 = e17;
    if (p == 17)
        return;
    int up = d17[p] > '5', half = d17[p] == '5';
    for (int i = p + 1; half && i < 17; i++)
        if (d17[i] != '0')
            up = 1, half = 0;
    if (half) {
        char e[40];
        snprintf(e, sizeof e, "%.*e", p - 1, ax);
        int k = 0;
        const char *q = e;
        for (; *q && *q != 'e'; q++)
            if (*q >= '0' && *q <= '9' && k < p)
                out[k++] = *q;
        *e10 = atoi(q + 1);
        return;
    }
    int i = p - 1;
    for (; up && i >= 0; i--) {
        if (out[i] != '9') {
            out[i]++;
            up = 0;
        } else {
            out[i] = '0';
        }
    }
    if (up) { /* 99..9 became 100..0 */
        out[0] = '1';
        (*e10)++;
    }
}

/* Whether the p digits with first-digit exponent e10 read back as ax:
 * written as an integer mantissa and an exponent, so that no decimal
 * point (the locale's) is involved. */
static int reads_back(const char *digits, int p, int e10, double ax)
{
    char buf[48];
    memcpy(buf, digits, (size_t)p);
    snprintf(buf + p, sizeof buf - (size_t)p, "e%d", e10 - (p - 1));
    return strtod(buf, NULL) == ax;
}

/* The shortest digits of |x| that read back as x, as Python's repr finds
 * them (of equal lengths the closest, i.e. the correctly rounded one),
 * and the decimal exponent of the first.  If p digits read back, so do
 * p + 1 (the closest (p+1)-digit decimal is at least as close as the
 * p-digit one with a 0 appended), so the length is found by bisection:
 * one printf and four or five strtod instead of up to seventeen printf
 * and strtod pairs (most of the time of a workspace's digest was here). */
static int shortest_digits(double x, char *digits, int *e10)
{
    double ax = fabs(x);
    char e[40], d17[17];
    snprintf(e, sizeof e, "%.16e", ax);
    int k = 0;
    const char *q = e;
    for (; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9' && k < 17)
            d17[k++] = *q;
    int e17 = atoi(q + 1), lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2, me;
        round_digits(d17, e17, mid, ax, digits, &me);
        if (reads_back(digits, mid, me, ax))
            hi = mid;
        else
            lo = mid + 1;
    }
    round_digits(d17, e17, lo, ax, digits, e10);
    return lo;
}

cJSON *hfcore_json_array(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

void hfcore_json_py_format(char *buf, int neg, const char *digits, int nd,
                           int exp10)
{
    char *o = buf;
    if (neg)
        *o++ = '-';
    /* repr() switches to exponent form outside 1e-4 <= |x| < 1e16. */
    if (exp10 < -4 || exp10 >= 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    if (exp10 < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -exp10 - 1; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o += nd;
    } else {
        for (int i = 0; i <= exp10; i++)
            *o++ = i < nd ? digits[i] : '0';
        *o++ = '.';
        if (nd > exp10 + 1) {
            memcpy(o, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
            o += nd - exp10 - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = '\0';
}

void hfcore_json_py_float(char *buf, double x)
{
    if (isnan(x)) {
        strcpy(buf, "NaN");
        return;
    }
    if (isinf(x)) {
        strcpy(buf, x < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (x == 0) {
        strcpy(buf, signbit(x) ? "-0.0" : "0.0");
        return;
    }
    char digits[24];
    int exp10;
    int nd = shortest_digits(x, digits, &exp10);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    hfcore_json_py_format(buf, x < 0, digits, nd, exp10);
}

static void put_number(sbuf *b, const cJSON *it, unsigned flags)
{
    char num[48];
    if (!(flags & HF_JSON_PY_NUMBERS)) {
        /* JSON has no NaN: results print it as null. */
        if (isfinite(it->valuedouble))
            hfcore_json_py_float(num, it->valuedouble);
        else
            strcpy(num, "null");
        sb_str(b, num);
        return;
    }
    if (it->type & HF_JSON_INT) {
        if (it->valuestring) {
            /* "-0" is int 0. */
            const char *s = it->valuestring;
            sb_str(b, strspn(s, "-0") == strlen(s) ? "0" : s);
            return;
        }
        double v = it->valuedouble;
        if (isfinite(v)) {
            snprintf(num, sizeof num, "%.0f", v == 0 ? 0.0 : v);
            sb_str(b, num);
            return;
        }
    }
    hfcore_json_py_float(num, it->valuedouble);
    sb_str(b, num);
}

/* Decodes one UTF-8 sequence; a byte that starts no valid sequence is
 * taken alone (as Latin-1), so nothing is lost. */
static unsigned long utf8_next(const unsigned char **pp, int *len)
{
    const unsigned char *p = *pp;
    unsigned long c = p[0];
    int n = c >= 0xF8 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    unsigned long v = n == 3 ? c & 7 : n == 2 ? c & 15 : c & 31;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            n = 0;
            break;
        }
        v = v << 6 | (p[i] & 0x3F);
    }
    *len = 1 + n;
    *pp = p + 1 + n;
    return n ? v : c;
}

static void put_string(sbuf *b, const char *s, int ascii)
{
    char u[32];
    sb_put(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* Runs of plain characters in one go. */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q != '"' && *q != '\\' && (!ascii || *q < 0x7F))
            q++;
        if (q > p) {
            sb_put(b, (const char *)p, (size_t)(q - p));
            p = q;
            continue;
        }
        const unsigned char *start = p;
        int len;
        unsigned long c = utf8_next(&p, &len);
        switch (c) {
        case '"': sb_str(b, "\\\""); continue;
        case '\\': sb_str(b, "\\\\"); continue;
        case '\n': sb_str(b, "\\n"); continue;
        case '\r': sb_str(b, "\\r"); continue;
        case '\t': sb_str(b, "\\t"); continue;
        case '\b': sb_str(b, "\\b"); continue;
        case '\f': sb_str(b, "\\f"); continue;
        }
        if (c >= 0x20 && c < 0x7F) {
            /* An overlong encoding of a printable character. */
            char ch = (char)c;
            sb_put(b, &ch, 1);
        } else if (c < 0x20 || (ascii && c < 0x10000)) {
            snprintf(u, sizeof u, "\\u%04lx", c);
            sb_str(b, u);
        } else if (ascii) {
            c -= 0x10000;
            snprintf(u, sizeof u, "\\u%04lx\\u%04lx", 0xD800 | (c >> 10),
                     0xDC00 | (c & 0x3FF));
            sb_str(b, u);
        } else {
            sb_put(b, (const char *)start, (size_t)len);
        }
    }
    sb_put(b, "\"", 1);
}

static void newline(sbuf *b, int indent, int depth)
{
    sb_put(b, "\n", 1);
    for (int i = 0; i < indent * depth; i++)
        sb_put(b, " ", 1);
}

typedef struct {
    const cJSON *item;
    int order;
} kid;

static int cmp_kids(const void *a, const void *b)
{
    const kid *x = a, *y = b;
    int c = strcmp(x->item->string, y->item->string);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void dump(sbuf *b, const cJSON *it, int indent, unsigned flags,
                 int depth)
{
    if (b->oom)
        return;
    if (cJSON_IsNull(it) || cJSON_IsInvalid(it)) {
        sb_str(b, "null");
    } else if (cJSON_IsTrue(it)) {
        sb_str(b, "true");
    } else if (cJSON_IsFalse(it)) {
        sb_str(b, "false");
    } else if (cJSON_IsNumber(it)) {
        put_number(b, it, flags);
    } else if (cJSON_IsRaw(it)) {
        sb_str(b, it->valuestring);
    } else if (cJSON_IsString(it)) {
        put_string(b, it->valuestring, flags & HF_JSON_ASCII);
    } else {
        int obj = cJSON_IsObject(it), n = 0;
        for (const cJSON *c = it->child; c; c = c->next)
            n++;
        sb_str(b, obj ? "{" : "[");
        if (n == 0) {
            sb_str(b, obj ? "}" : "]");
            return;
        }
        kid *kids = malloc(sizeof *kids * (size_t)n);
        if (!kids) {
            b->oom = 1;
            return;
        }
        int k = 0;
        for (const cJSON *c = it->child; c; c = c->next, k++) {
            kids[k].item = c;
            kids[k].order = k;
        }
        int sort = obj && (flags & HF_JSON_SORT_KEYS);
        if (sort)
            qsort(kids, (size_t)n, sizeof *kids, cmp_kids);
        int first = 1;
        for (int i = 0; i < n; i++) {
            /* A repeated key: Python's dict keeps the last value. */
            if (sort && i + 1 < n &&
                strcmp(kids[i].item->string, kids[i + 1].item->string) == 0)
                continue;
            if (!first)
                sb_str(b, indent > 0 ? "," : ", ");
            first = 0;
            if (indent > 0)
                newline(b, indent, depth + 1);
            if (obj) {
                put_string(b, kids[i].item->string, flags & HF_JSON_ASCII);
                sb_str(b, ": ");
            }
            dump(b, kids[i].item, indent, flags, depth + 1);
        }
        free(kids);
        if (indent > 0)
            newline(b, indent, depth);
        sb_str(b, obj ? "}" : "]");
    }
}

char *hfcore_json_write(const cJSON *item, int indent, unsigned flags,
                    size_t *len)
{
    sbuf b = {0};
    dump(&b, item, indent, flags, 0);
    if (b.oom || !b.s) {
        free(b.s);
        return NULL;
    }
    if (len)
        *len = b.n;
    return b.s;
}

char *hfcore_json_pydump(const cJSON *item, int indent, int ensure_ascii,
                     size_t *len)
{
    return hfcore_json_write(item, indent,
                         HF_JSON_SORT_KEYS | HF_JSON_PY_NUMBERS |
                             (ensure_ascii ? HF_JSON_ASCII : 0u),
                         len);
}
