/* strmap.c - string -> int map for name lookups while compiling a model. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* Eight bytes a step (the last eight, overlapping, for the tail of a
 * longer key), where FNV-1a took a byte a step: a model build looks up
 * every modifier name a patch adds, ~100k names of ~20 bytes in the 1Lbb
 * grid, and the hash was 2/3 of each lookup's ~165 instructions.  Only
 * probe order depends on it: nothing iterates a map's slots. */
uint64_t hfcore_strhash(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
        return h ^ h >> 29;
    }
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    memcpy(&w, s + n - 8, 8);
    /* MurmurHash3's finalizer: every bit of the last word reaches the
     * low bits the map masks (a name's last bytes are what tells
     * "..._1" from "..._2") */
    h ^= w;
    h = (h ^ h >> 33) * 0xFF51AFD7ED558CCDULL;
    h = (h ^ h >> 33) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ h >> 33;
}

static size_t hash(const char *s)
{
    return (size_t)hfcore_strhash(s);
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
