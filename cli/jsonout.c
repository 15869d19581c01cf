/*
 * jsonout.c - JSON text in the layout Python's json module writes.
 *
 * pyhf prints its results with json.dumps; writing numbers and layout the
 * same way means `diff` between pyhf's and our output shows only real
 * numeric differences.  cJSON builds the trees; its own printer differs
 * (tabs, %.15g/%.17g numbers), hence this small serialiser.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The shortest "%.*e" text of x that reads back as x. */
static void shortest_e(char *buf, size_t len, double x)
{
    for (int prec = 0; prec < 17; prec++) {
        snprintf(buf, len, "%.*e", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
    snprintf(buf, len, "%.16e", x);
}

void hf_json_number(char *buf, double x)
{
    if (!isfinite(x)) {
        strcpy(buf, "null");
        return;
    }
    if (x == 0) {
        strcpy(buf, signbit(x) ? "-0.0" : "0.0");
        return;
    }
    char e[40], digits[24];
    shortest_e(e, sizeof e, x);
    /* e is "[-]d[.ddd]e[+-]XX": split it into sign, digits, exponent. */
    const char *p = e;
    int neg = (*p == '-');
    if (neg)
        p++;
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);

    char *o = buf;
    if (neg)
        *o++ = '-';
    /* repr() switches to exponent form outside 1e-4 <= |x| < 1e16. */
    if (exp10 < -4 || exp10 >= 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, nd - 1);
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
        memcpy(o, digits, nd);
        o += nd;
    } else {
        for (int i = 0; i <= exp10; i++)
            *o++ = i < nd ? digits[i] : '0';
        *o++ = '.';
        if (nd > exp10 + 1) {
            memcpy(o, digits + exp10 + 1, nd - exp10 - 1);
            o += nd - exp10 - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = '\0';
}

cJSON *hf_json_int(long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    return cJSON_CreateRaw(buf);
}

cJSON *hf_json_array(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

/* A growable string. */
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
        size_t cap = b->cap ? b->cap : 256;
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

/* Decodes one UTF-8 sequence; invalid bytes are taken as Latin-1 so that
 * nothing is lost or misread. */
static unsigned long utf8_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    unsigned long c = p[0];
    int n = c >= 0xF0 && c < 0xF8 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (c < 0x80 || (c >= 0x80 && c < 0xC0) || c >= 0xF8)
        n = 0;
    unsigned long v = n == 3 ? c & 7 : n == 2 ? c & 15 : c & 31;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *pp = p + 1;
            return c;
        }
        v = v << 6 | (p[i] & 0x3F);
    }
    *pp = p + 1 + n;
    return n ? v : c;
}

static void sb_quoted(sbuf *b, const char *s)
{
    char u[32];
    sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned long c = utf8_next(&p);
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
            char ch = (char)c;
            sb_put(b, &ch, 1);
        } else if (c < 0x10000) {
            snprintf(u, sizeof u, "\\u%04lx", c);
            sb_str(b, u);
        } else {
            c -= 0x10000;
            snprintf(u, sizeof u, "\\u%04lx\\u%04lx", 0xD800 | (c >> 10),
                     0xDC00 | (c & 0x3FF));
            sb_str(b, u);
        }
    }
    sb_put(b, "\"", 1);
}

static void sb_newline(sbuf *b, int indent, int depth)
{
    sb_put(b, "\n", 1);
    for (int i = 0; i < indent * depth; i++)
        sb_put(b, " ", 1);
}

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

static void dump(sbuf *b, const cJSON *it, int indent, int sort, int depth)
{
    char num[40];
    if (cJSON_IsNull(it) || cJSON_IsInvalid(it)) {
        sb_str(b, "null");
    } else if (cJSON_IsTrue(it)) {
        sb_str(b, "true");
    } else if (cJSON_IsFalse(it)) {
        sb_str(b, "false");
    } else if (cJSON_IsNumber(it)) {
        hf_json_number(num, it->valuedouble);
        sb_str(b, num);
    } else if (cJSON_IsRaw(it)) {
        sb_str(b, it->valuestring);
    } else if (cJSON_IsString(it)) {
        sb_quoted(b, it->valuestring);
    } else {
        int obj = cJSON_IsObject(it), n = cJSON_GetArraySize(it);
        sb_str(b, obj ? "{" : "[");
        if (n > 0) {
            const cJSON **kids = malloc(sizeof *kids * (size_t)n);
            if (!kids) {
                b->oom = 1;
                return;
            }
            int k = 0;
            for (const cJSON *c = it->child; c; c = c->next)
                kids[k++] = c;
            if (obj && sort)
                qsort(kids, (size_t)n, sizeof *kids, cmp_keys);
            for (int i = 0; i < n; i++) {
                if (i > 0)
                    sb_str(b, indent > 0 ? "," : ", ");
                if (indent > 0)
                    sb_newline(b, indent, depth + 1);
                if (obj) {
                    sb_quoted(b, kids[i]->string);
                    sb_str(b, ": ");
                }
                dump(b, kids[i], indent, sort, depth + 1);
            }
            free(kids);
            if (indent > 0)
                sb_newline(b, indent, depth);
        }
        sb_str(b, obj ? "}" : "]");
    }
}

char *hf_json_dump(const cJSON *item, int indent, int sort_keys)
{
    sbuf b = {0};
    dump(&b, item, indent, sort_keys, 0);
    if (b.oom || !b.s) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
