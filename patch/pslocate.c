/*
 * pslocate.c - where one named patch's operations are in a patchset's
 * text, found from a hit of its name (memmem) and the structure around it
 * (core/jskip.c), checking nothing.
 *
 * The full check (psscan.c + patchset.c's validation) of a 57 MB
 * patchset takes ~25 ms; hf cls (cli/load.c) takes its guess from the
 * check's own scan as it passes the patch (hfpatch_patchset_open_guessing)
 * or from this search for the patch's name from the file's end,
 * whichever has it first, and builds the model from it while the check
 * runs.  What it finds is a guess: used only once the check has passed
 * and located the same span (hfpatch_patchset_settle).  Any doubt (an
 * escape in the name, a text not shaped like a published patchset) is
 * "not found", and the caller then waits for the scan as before.
 * (The structure pass from the file's start that located patches within
 * its first 8 MB went when the check's scan took its place: session 13.)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "patch.h"

typedef struct cursor {
    const char *p, *end;
} cursor;

static void ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' ||
                             *c->p == '\t'))
        c->p++;
}

/* A string without escapes at c->p: its content in [*s, *s + *n), c->p
 * after it; 0 when it is not one. */
static int plain_string(cursor *c, const char **s, size_t *n)
{
    if (c->p >= c->end || *c->p != '"')
        return 0;
    const char *q = c->p + 1;
    while (q < c->end && *q != '"' && *q != '\\')
        q++;
    if (q >= c->end || *q != '"')
        return 0;
    *s = c->p + 1;
    *n = (size_t)(q - *s);
    c->p = q + 1;
    return 1;
}

/* Steps over any value (strings may hold escapes here); 0 when unsure. */
static int step(cursor *c)
{
    ws(c);
    if (c->p >= c->end)
        return 0;
    if (*c->p == '[' || *c->p == '{')
        return (c->p = hfcore_json_skip(c->p, c->end)) != NULL;
    if (*c->p == '"') {
        const char *q = c->p + 1;
        while (q < c->end && *q != '"')
            q += *q == '\\' ? 2 : 1;
        c->p = q + 1;
        return q < c->end;
    }
    while (c->p < c->end && !strchr(",]} \n\r\t", *c->p))
        c->p++;
    return 1;
}

static int is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* The next member of an object (c->p inside it, after '{' or a value):
 * its key, c->p at its value; 0 at the object's end or when unsure. */
static int member(cursor *c, int first, const char **k, size_t *n)
{
    ws(c);
    if (c->p < c->end && *c->p == '}')
        return 0;
    if (!first) {
        if (c->p >= c->end || *c->p != ',')
            return 0;
        c->p++;
        ws(c);
    }
    if (!plain_string(c, k, n))
        return 0;
    ws(c);
    if (c->p >= c->end || *c->p != ':')
        return 0;
    c->p++;
    ws(c);
    return c->p < c->end;
}

/* Whether the string at text[at] is the value of a "name" key: `"name"`,
 * ':' and white space before it. */
static int after_name_key(const char *text, size_t at)
{
    size_t q = at;
    while (q > 0 && strchr(" \n\r\t", text[q - 1]) && text[q - 1])
        q--;
    if (q == 0 || text[q - 1] != ':')
        return 0;
    q--;
    while (q > 0 && strchr(" \n\r\t", text[q - 1]) && text[q - 1])
        q--;
    return q >= 6 && memcmp(text + q - 6, "\"name\"", 6) == 0;
}

/* From the string at text[at], the value of a metadata's "name": the rest
 * of that object, then a "patch" array right after it (the layout of
 * every published patchset; another is left to the check's scan). */
static int span_after_hit(const char *text, size_t len, size_t at,
                          const char *name, hfpatch_span *span)
{
    cursor c = {text + at, text + len};
    const char *k, *v;
    size_t n;
    if (!after_name_key(text, at) || !plain_string(&c, &v, &n) || !is(v, n, name))
        return 0;
    while (member(&c, 0, &k, &n))
        if (!step(&c))
            return 0;
    ws(&c);
    if (c.p >= c.end || *c.p != '}')
        return 0;
    c.p++;
    if (!member(&c, 0, &k, &n) || !is(k, n, "patch") || *c.p != '[')
        return 0;
    v = c.p;
    if (!step(&c))
        return 0;
    span->off = (size_t)(v - text);
    span->len = (size_t)(c.p - v);
    return 1;
}

int hfpatch_patchset_locate_in(const char *text, size_t len, size_t from,
                               size_t to, const char *name, hfpatch_span *span)
{
    char needle[256];
    int nn = snprintf(needle, sizeof needle, "\"%s\"", name);
    if (nn < 0 || (size_t)nn >= sizeof needle || from >= to || to > len)
        return 0;
    /* a hit may begin before `to` and end after it */
    size_t end = to + (size_t)nn - 1 < len ? to + (size_t)nn - 1 : len;
    const char *p = text + from;
    while ((p = memmem(p, (size_t)(text + end - p), needle, (size_t)nn)) != NULL) {
        if (span_after_hit(text, len, (size_t)(p - text), name, span))
            return 1;
        p++;
    }
    return 0;
}
