/* strmap.c - string -> int map for name lookups while compiling a model. */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int hfcore_strmap_init(hf_strmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < 2 * expected + 1)
        cap *= 2;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    m->cap = cap;
    m->n = 0;
    if (!m->keys || !m->vals) {
        hfcore_strmap_free(m);
        return -1;
    }
    return 0;
}

void hfcore_strmap_free(hf_strmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}

int hfcore_strmap_get(const hf_strmap *m, const char *key)
{
    if (!m->cap)
        return -1;
    for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return -1;
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
    }
}

static int grow(hf_strmap *m)
{
    hf_strmap bigger;
    if (hfcore_strmap_init(&bigger, m->cap))
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            hfcore_strmap_put(&bigger, m->keys[i], m->vals[i]);
    hfcore_strmap_free(m);
    *m = bigger;
    return 0;
}

int hfcore_strmap_put(hf_strmap *m, const char *key, int val)
{
    if (2 * (m->n + 1) > m->cap && grow(m))
        return -1;
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
    return 0;
}
