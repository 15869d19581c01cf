/* strmap.h - a small string -> int hash map (open addressing); keys are
 * borrowed, not copied. */
#ifndef HF_STRMAP_H
#define HF_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct hf_strmap {
    const char **keys;
    int *vals;
    size_t cap, n;
} hf_strmap;

/* The map's hash of a string, for other tables of names. */
uint64_t hfcore_strhash(const char *s);

int hfcore_strmap_init(hf_strmap *m, size_t expected);
void hfcore_strmap_free(hf_strmap *m);
/* Value for key, or -1. */
int hfcore_strmap_get(const hf_strmap *m, const char *key);
/* Inserts or overwrites; returns 0, or -1 when out of memory. */
int hfcore_strmap_put(hf_strmap *m, const char *key, int val);

#endif
