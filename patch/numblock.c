/*
 * numblock.c - a patch's operations parsed by cJSON, the numbers of its
 * flat number arrays read here into one block of items.
 *
 * Why: a grid's patch (1Lbb) is ~7.8k cJSON items, 2.8k of them numbers
 * in short arrays (a histosys's hi_data and lo_data, mostly one to three
 * bins).  cJSON gives each number a malloc, a memset, a copy into its
 * buffer, a locale look-up and a strtod, and hf_patch_free a free: more
 * than a third of the patch's parse.  Here the text is copied without its
 * whitespace (most of an indented patch's bytes, each one a step of
 * cJSON's skip), every array holding only numbers goes to cJSON as [],
 * every object holding only numbers under "hi" and "lo" (a normsys's
 * data) or only arrays of numbers under "hi_data" and "lo_data" (a
 * histosys's: five more items, five mallocs and frees, for each of 1Lbb's
 * ~600 histosys a patch) as {}, and their numbers are read with strtod once per distinct
 * literal (the same values recur: hi_data == lo_data == the sample's
 * data) into one block, linked into the tree as cJSON links a
 * container's items.  For a grid's patch and a workspace
 * (HFPATCH_NUMBERS_MODIFIERS) also
 * each modifier object {"name": S, "type": S, "data": D} goes to cJSON as
 * {} and its three members are made in the block, keyed statically, their
 * strings in one pool: the 924 modifiers a 1Lbb patch adds were ~8.3k of
 * its ~8.5k remaining cJSON items, a malloc and a free each (with the
 * heap's consolidation of them, a twelfth of the grid's instructions).
 * Everything else, and the grammar, is still cJSON's.
 *
 * The same for a workspace (patch/workspace.c: 1Lbb's is 4.4 MB, 26.6k
 * of its numbers and its 9.5k modifiers go to the block).  Any doubt
 * (a literal cJSON would cut, another locale's decimal point, cJSON
 * failing, a count that does not match, a control byte that cJSON would
 * skip as whitespace between brackets) returns nonzero and the caller
 * parses the text as before, so values and messages are those of cJSON
 * (tests/test_numblock.c, fuzz/fuzz_numblock.c).
 */
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "patch.h"

/* cJSON copies at most 63 characters of a number (parse_number's
 * buffer); longer literals stay cJSON's, which reads them its way. */
#define NB_LITERAL_MAX 63
#define NB_CACHE 256
#define NB_ARRAYS ((size_t)1 << (sizeof(size_t) * CHAR_BIT - 1))
#define NB_MODIFIER (NB_ARRAYS >> 1)
/* in nb_work.arrs: an array of modifier objects, NB_MODARRAY | its length */
#define NB_MODARRAY NB_ARRAYS

struct hfpatch_numbers {
    cJSON *block;    /* the number items, in text order, then the arrays
                      * of the objects of arrays, in text order, the
                      * modifiers' members (three each), the modifier
                      * objects of the arrays of modifiers */
    size_t n;        /* numbers */
    size_t nblock;   /* all of them */
    size_t linked;   /* block[0, linked) written (the rest is not, when
                      * linking failed half way) */
    cJSON **owners;  /* the containers whose items are in block */
    size_t nowners;
    char *pool;      /* the modifiers' name and type strings */
};

/* Per [] or {} written, how many numbers it had (0: it was empty); an
 * object of arrays: NB_ARRAYS | its member count, each member's entry in
 * nb_work.subs (count << 1 | index of its key in nb_array_keys). */
typedef struct nb_list {
    size_t *n;
    size_t len, cap;
} nb_list;

/* A modifier object {"name": S, "type": S, "data": D} taken whole
 * (HFPATCH_NUMBERS_MODIFIERS): its strings' text (without escapes), its
 * members' keys in text order (indices in nb_mod_keys), and its data:
 * null, an array or a {"hi", "lo"} object of count numbers, or an object
 * of count arrays ({"hi_data", "lo_data"}). */
typedef struct nb_mod {
    const char *str[2];
    size_t len[2];
    unsigned char order[3];
    unsigned char kind;
    size_t count;
} nb_mod;

enum { NB_DATA_NULL, NB_DATA_ARRAY, NB_DATA_OBJECT, NB_DATA_ARRAYS };

typedef struct nb_cache_entry {
    const char *lit; /* into the original text */
    size_t len;
    double v;
} nb_cache_entry;

/* The copy handed to cJSON and what was taken out of it. */
typedef struct nb_work {
    char *out;
    size_t used, cap;
    double *vals;        /* the numbers taken out, in text order */
    const char **keys;   /* per number, its key (an object's) or NULL */
    size_t nvals, capv;
    nb_list arrs, objs;  /* the [] and {} written */
    nb_list subs;        /* the arrays of the objects of arrays */
    int mods_on;         /* HFPATCH_NUMBERS_MODIFIERS */
    nb_mod *mods;        /* the modifier objects taken whole, in text order */
    size_t nmods, capm;
    /* the arrays of modifier objects (NB_MODARRAY in arrs): per array its
     * first modifier's index in mods; and their modifiers in all */
    nb_list marr;
    size_t narrmods;
    size_t pool;         /* their strings' bytes, with a NUL each */
    int oom;
    nb_cache_entry cache[NB_CACHE];
} nb_work;

static int is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

#if defined(__SSE2__)
/* The spaces and newlines of p[0, 16), a bit each (core/jscan.c's). */
static inline uint64_t ws_mask16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
}
#endif

/* The end of the whitespace at p, as hfcore_json_ws_end finds it.  A
 * patch's runs are handled here inline: none at all (before a key's ':'
 * or a value's ','), the one space of json.dumps's ": ", and a newline
 * with its indentation (25 to 45 bytes in a 1Lbb patch's modifiers) in
 * one look at 48 bytes; anything else (a longer run, \r or \t, the
 * text's end near) goes to hfcore_json_ws_end.  Its 3.15M calls over the
 * 1Lbb grid's patches, one per run, took 124M instructions, 65 for each
 * newline run (callgrind). */
static inline const char *ws_end(const char *p, const char *e)
{
    if (p < e && (unsigned char)*p > ' ')
        return p;
    if (e - p >= 2 && p[0] == ' ' && (unsigned char)p[1] > ' ')
        return p + 1;
#if defined(__SSE2__)
    if (e - p >= 48) {
        uint64_t m = ws_mask16(p) | ws_mask16(p + 16) << 16 | ws_mask16(p + 32) << 32;
        const char *q = p + __builtin_ctzll(~m);
        if (q < p + 48 && (unsigned char)*q > ' ')
            return q;
    }
#endif
    return hfcore_json_ws_end(p, e);
}

/* A character of a literal (number, true, false, null). */
static int is_word(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-' || c == '+' || c == '.';
}

/* The cache slot of a literal: its first and last 8 bytes and its length
 * mixed (a byte loop over ~20 digits cost as much as a third of a
 * strtod); literals alike but in their middle share a slot, which costs
 * only a strtod again. */
static size_t literal_slot(const char *lit, size_t len)
{
    uint64_t a = 0, b = 0;
    memcpy(&a, lit, len < 8 ? len : 8);
    if (len > 8)
        memcpy(&b, lit + len - 8, 8);
    uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ len;
    return (size_t)((h * 0x9E3779B97F4A7C15ull) >> 56) % NB_CACHE;
}

/* The literal's value as cJSON's parse_number reads it (strtod of the
 * literal alone), from the cache when the same literal came before. */
static int literal_value(nb_work *w, const char *lit, size_t len, double *v)
{
    nb_cache_entry *c = &w->cache[literal_slot(lit, len)];
    if (c->lit && c->len == len && memcmp(c->lit, lit, len) == 0) {
        *v = c->v;
        return 0;
    }
    char buf[NB_LITERAL_MAX + 1];
    char *end = NULL;
    if (!hfcore_json_number_exact(lit, len, v)) {
        memcpy(buf, lit, len);
        buf[len] = '\0';
        *v = strtod(buf, &end);
        if (end != buf + len)
            return -1;
    }
    c->lit = lit;
    c->len = len;
    c->v = *v;
    return 0;
}

static int push_value(nb_work *w, double v, const char *key)
{
    if (w->nvals == w->capv) {
        size_t cap = w->capv ? 2 * w->capv : 1024;
        double *nv = realloc(w->vals, cap * sizeof *nv);
        if (nv)
            w->vals = nv;
        const char **nk = nv ? realloc(w->keys, cap * sizeof *nk) : NULL;
        if (!nk)
            return w->oom = -1;
        w->keys = nk;
        w->capv = cap;
    }
    w->keys[w->nvals] = key;
    w->vals[w->nvals++] = v;
    return 0;
}

static int push_count(nb_work *w, nb_list *l, size_t n)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 512;
        size_t *nn = realloc(l->n, cap * sizeof *nn);
        if (!nn)
            return w->oom = -1;
        l->n = nn;
        l->cap = cap;
    }
    l->n[l->len++] = n;
    return 0;
}

/* The keys an object of numbers may have here: a normsys's data.  Static,
 * so that items keyed by them (cJSON_StringIsConst) never own their key,
 * and a copy of such an item (cJSON_Duplicate keeps a const key) can
 * outlive the patch. */
static const char *const nb_keys[] = {"hi", "lo"};
/* The keys an object of number arrays may have: a histosys's data. */
static const char *const nb_array_keys[] = {"hi_data", "lo_data"};

/* The index in keys[0, 2) (both l bytes long) of the key at p (its
 * opening quote), spelt without escapes, its end in *end; -1 when none.
 * l is a constant at each call: the compares are then inline, not a
 * strlen and a memcmp call per key (a third of a million of each over
 * the 1Lbb grid's patches). */
static inline int key_index(const char *const *keys, size_t l, const char *p, const char *e,
                            const char **end)
{
    if ((size_t)(e - p) < l + 2 || p[0] != '"' || p[l + 1] != '"')
        return -1;
    for (int i = 0; i < 2; i++)
        if (memcmp(p + 1, keys[i], l) == 0) {
            *end = p + l + 2;
            return i;
        }
    return -1;
}

/* p just after a '[' (close ']', keyed 0) or a '{' (close '}', keyed 1):
 * when the container holds only numbers -- in an object, each under one
 * of nb_keys, none twice -- or nothing, their values pushed, their count
 * into l and the container's end returned; else NULL with nothing pushed.
 * One loop for both, so that arrays and objects read their numbers
 * alike. */
static const char *number_list(nb_work *w, const char *p, const char *e,
                               char close, int keyed, nb_list *l)
{
    size_t first = w->nvals;
    int seen = 0;
    p = ws_end(p, e);
    if (p < e && *p == close)
        return push_count(w, l, 0) ? NULL : p + 1;
    for (;;) {
        const char *q = NULL, *key = NULL;
        if (keyed) {
            int i = key_index(nb_keys, 2, p, e, &q);
            if (i < 0 || (seen >> i & 1))
                break;
            seen |= 1 << i;
            key = nb_keys[i];
            p = ws_end(q, e);
            if (p >= e || *p != ':')
                break;
            p = ws_end(p + 1, e);
        }
        q = hfcore_json_number_end(p, e);
        double v;
        if (!q || (size_t)(q - p) > NB_LITERAL_MAX - 1 ||
            literal_value(w, p, (size_t)(q - p), &v) || push_value(w, v, key))
            break;
        p = ws_end(q, e);
        if (p < e && *p == ',') {
            p = ws_end(p + 1, e);
            continue;
        }
        if (p < e && *p == close && !push_count(w, l, w->nvals - first))
            return p + 1;
        break;
    }
    w->nvals = first;
    return NULL;
}

/* p just after a '{': when the object holds only arrays of numbers (or
 * empty ones), each under one of nb_array_keys, none twice, their numbers
 * pushed, NB_ARRAYS | their count into l, each one's entry into w->subs
 * and the object's end returned; else NULL with nothing pushed.  (No key
 * twice, here and in number_list: patch/patchset.c's repeated-key walk
 * skips the block's containers, hfpatch_numbers_holds.) */
static const char *array_object(nb_work *w, const char *p, const char *e, nb_list *l)
{
    size_t first = w->nvals, sub0 = w->subs.len;
    int seen = 0;
    for (p = ws_end(p, e);;) {
        const char *q = NULL;
        int k = key_index(nb_array_keys, 7, p, e, &q);
        if (k < 0 || (seen >> k & 1))
            break;
        seen |= 1 << k;
        p = ws_end(q, e);
        if (p >= e || *p != ':')
            break;
        p = ws_end(p + 1, e);
        if (p >= e || *p != '[' || !(p = number_list(w, p + 1, e, ']', 0, &w->subs)))
            break;
        size_t *ent = &w->subs.n[w->subs.len - 1];
        *ent = *ent << 1 | (size_t)k;
        p = ws_end(p, e);
        if (p < e && *p == ',') {
            p = ws_end(p + 1, e);
            continue;
        }
        if (p < e && *p == '}' && !push_count(w, l, NB_ARRAYS | (w->subs.len - sub0)))
            return p + 1;
        break;
    }
    w->nvals = first;
    w->subs.len = sub0;
    return NULL;
}

/* The end of the string at p (its opening quote), or NULL. */
static const char *string_end(const char *p, const char *e)
{
    /* most strings have no escape: the quote found by memchr */
    const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
    if (q && !memchr(p + 1, '\\', (size_t)(q - p - 1)))
        return q + 1;
    for (p++; p < e; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\')
            p++;
    }
    return NULL;
}

/* The keys of a modifier object taken whole. */
static const char *const nb_mod_keys[] = {"name", "type", "data"};

static int mod_key(const char *p, const char *e, const char **end)
{
    for (int i = 0; i < 3; i++)
        if (e - p >= 6 && p[0] == '"' && memcmp(p + 1, nb_mod_keys[i], 4) == 0 && p[5] == '"') {
            *end = p + 6;
            return i;
        }
    return -1;
}

/* A modifier's data at p into m (its numbers pushed as a container's of
 * the block's); its end, or NULL with nothing pushed. */
static const char *mod_data(nb_work *w, const char *p, const char *e, nb_mod *m)
{
    size_t n = 0;
    nb_list one = {&n, 0, 1}; /* the count, where number_list puts it */
    if (e - p >= 4 && memcmp(p, "null", 4) == 0) {
        m->kind = NB_DATA_NULL;
        return p + 4;
    }
    const char *q = NULL;
    if (p < e && *p == '[' && (q = number_list(w, p + 1, e, ']', 0, &one)))
        m->kind = NB_DATA_ARRAY;
    else if (p < e && *p == '{' && (q = number_list(w, p + 1, e, '}', 1, &one)))
        m->kind = NB_DATA_OBJECT;
    else if (p < e && *p == '{' && !w->oom && (q = array_object(w, p + 1, e, &one)))
        m->kind = NB_DATA_ARRAYS, n &= ~NB_ARRAYS;
    m->count = n;
    return q;
}

/* m into w->mods; listed: as the next {} written (an object of the
 * tree), else an item of an array of modifiers (modifier_array). */
static int push_mod(nb_work *w, const nb_mod *m, int listed)
{
    if (w->nmods == w->capm) {
        size_t cap = w->capm ? 2 * w->capm : 256;
        nb_mod *nm = realloc(w->mods, cap * sizeof *nm);
        if (!nm)
            return w->oom = -1;
        w->mods = nm;
        w->capm = cap;
    }
    w->pool += m->len[0] + m->len[1] + 2;
    w->mods[w->nmods] = *m;
    return listed ? push_count(w, &w->objs, NB_MODIFIER | w->nmods++) : (w->nmods++, 0);
}

/* p just after a '{': when the object is a modifier -- the members name
 * and type (strings without escapes) and data (mod_data's), once each, in
 * any order -- it goes into w->mods whole, its numbers pushed, and its end
 * is returned; else NULL with nothing pushed.  A 1Lbb patch's 924 such
 * objects were ~8.3k of its ~8.5k cJSON items outside the block (the
 * object, three keyed members, three keys and two strings each): a
 * malloc and a free apiece. */
static const char *modifier_object(nb_work *w, const char *p, const char *e, int listed)
{
    size_t first = w->nvals, sub0 = w->subs.len;
    nb_mod m = {0};
    int seen = 0;
    p = ws_end(p, e);
    for (int k = 0; k < 3; k++) {
        const char *q = NULL;
        int key = mod_key(p, e, &q);
        if (key < 0 || (seen >> key & 1))
            break;
        seen |= 1 << key;
        m.order[k] = (unsigned char)key;
        p = ws_end(q, e);
        if (p >= e || *p != ':')
            break;
        p = ws_end(p + 1, e);
        if (key < 2) {
            if (p >= e || *p != '"' || !(q = memchr(p + 1, '"', (size_t)(e - p - 1))) ||
                memchr(p + 1, '\\', (size_t)(q - p - 1)))
                break;
            m.str[key] = p + 1;
            m.len[key] = (size_t)(q - p - 1);
            p = q + 1;
        } else if (!(p = mod_data(w, p, e, &m))) {
            break;
        }
        p = ws_end(p, e);
        if (p < e && *p == ',' && k < 2) {
            p = ws_end(p + 1, e);
            continue;
        }
        if (p < e && *p == '}' && k == 2 && !push_mod(w, &m, listed))
            return p + 1;
        break;
    }
    w->nvals = first;
    w->subs.len = sub0;
    return NULL;
}

/* p just after a '[': when every item of the array is a modifier object
 * (modifier_object's; at least one), they go into w->mods whole, the
 * array is listed as NB_MODARRAY | their count with its first one's index
 * in w->marr, and its end is returned; else NULL with nothing pushed
 * (each object then goes its own way).  The array's object items are
 * then made in the block too: a 1Lbb patch's 924 and its workspace's
 * 9.5k were cJSON's last items outside the block, a malloc and a free
 * each. */
static const char *modifier_array(nb_work *w, const char *p, const char *e)
{
    size_t nvals = w->nvals, subs = w->subs.len, first = w->nmods, pool = w->pool, n = 0;
    p = ws_end(p, e);
    while (p < e && *p == '{') {
        const char *q = modifier_object(w, p + 1, e, 0);
        if (!q)
            break;
        n++;
        p = ws_end(q, e);
        if (p < e && *p == ',') {
            p = ws_end(p + 1, e);
            continue;
        }
        if (p < e && *p == ']' && !push_count(w, &w->marr, first) &&
            !push_count(w, &w->arrs, NB_MODARRAY | n)) {
            w->narrmods += n;
            return p + 1;
        }
        break;
    }
    w->nvals = nvals;
    w->subs.len = subs;
    w->nmods = first;
    w->pool = pool;
    return NULL;
}

/* Room for a text's numbers, modifiers and containers, guessed from its
 * length: a 1Lbb patch (~500 kB: 2.6k numbers, 930 modifiers, 1.2k arrays
 * in objects of arrays) grew them from 1024, 256 and 512 by doubling,
 * ~11 reallocs a patch copying what they held (9.5M instructions over
 * the grid's 125 patches, callgrind).  Only a guess: a denser text grows
 * them as before, and an allocation that fails leaves it to do so. */
static void reserve(nb_work *w, size_t len)
{
    size_t nv = len / 128 + 1024, nm = len / 384 + 256, nl = len / 256 + 512;
    nb_list *lists[] = {&w->arrs, &w->objs, &w->subs};
    if ((w->vals = malloc(nv * sizeof *w->vals)) && (w->keys = malloc(nv * sizeof *w->keys)))
        w->capv = nv;
    if ((w->mods = malloc(nm * sizeof *w->mods)))
        w->capm = nm;
    for (int i = 0; i < 3; i++)
        if ((lists[i]->n = malloc(nl * sizeof *lists[i]->n)))
            lists[i]->cap = nl;
}

/* Room in w->out for n more bytes and the closing NUL: its first size
 * is a quarter of the text and a page (an indented text strips to less:
 * 1Lbb's 4.4 MB workspace to 0.55 MB), so that the unwritten rest of a
 * text-sized buffer is not counted into the heap the command makes
 * present ahead (cli/load.c heap_ahead); a compact text grows it. */
static int room(nb_work *w, size_t n)
{
    if (w->used + n < w->cap)
        return 0;
    size_t cap = 2 * w->cap + n + 1;
    char *o = realloc(w->out, cap);
    if (!o)
        return w->oom = -1;
    w->out = o;
    w->cap = cap;
    return 0;
}

/* text[0, len) into w->out without whitespace, number arrays as [] and
 * number objects (and modifier objects, when w->mods_on) as {}. */
static int strip(nb_work *w, const char *p, const char *e)
{
    while (p < e) {
        char c = *p;
        if (room(w, 2))
            return -1;
        if (is_ws(c)) {
            p = ws_end(p, e);
            /* "1 2" is not "12": a space kept between two literals' chars */
            if (w->used && p < e && is_word(w->out[w->used - 1]) && is_word(*p))
                w->out[w->used++] = ' ';
        } else if (c == '"') {
            const char *q = string_end(p, e);
            if (!q || room(w, (size_t)(q - p)))
                return -1;
            memcpy(w->out + w->used, p, (size_t)(q - p));
            w->used += (size_t)(q - p);
            p = q;
        } else if ((c == '[' || c == '{') && (p + 1 < e)) {
            const char *q = !w->mods_on ? NULL
                            : c == '{' ? modifier_object(w, p + 1, e, 1)
                                       : modifier_array(w, p + 1, e);
            if (!q && !w->oom)
                q = c == '[' ? number_list(w, p + 1, e, ']', 0, &w->arrs)
                             : number_list(w, p + 1, e, '}', 1, &w->objs);
            if (!q && c == '{' && !w->oom)
                q = array_object(w, p + 1, e, &w->objs);
            if (w->oom)
                return -1;
            w->out[w->used++] = c;
            if (q) {
                w->out[w->used++] = c == '[' ? ']' : '}';
                p = q;
            } else {
                p++;
            }
        } else {
            w->out[w->used++] = c;
            p++;
        }
    }
    w->out[w->used] = '\0';
    return 0;
}

/* cJSON's own linking of a container's items: first->prev is the last. */
static void link_items(cJSON *array, cJSON *items, const double *vals,
                       const char *const *keys, size_t n)
{
    /* every member written (the block is not zeroed first) */
    for (size_t i = 0; i < n; i++) {
        double v = vals[i];
        items[i] = (cJSON){
            .next = i + 1 < n ? &items[i + 1] : NULL,
            .prev = i > 0 ? &items[i - 1] : &items[n - 1],
            .type = cJSON_Number | (keys[i] ? cJSON_StringIsConst : 0),
            /* cJSON's saturation of valueint (parse_number) */
            .valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v,
            .valuedouble = v,
            .string = (char *)keys[i],
        };
    }
    array->child = items;
}

typedef struct nb_attach {
    const nb_work *w;
    struct hfpatch_numbers *nums;
    size_t ka, ko, v; /* next [] count, next {} count, next value */
    size_t ks;        /* next array of an object of arrays */
    size_t km, ki;    /* next array of modifiers, next of its items */
    char *pool;       /* the next modifier string's place */
} nb_attach;

/* obj's m arrays (an object of arrays) from the block's tail, each with
 * its numbers, linked as cJSON links an object's members. */
static int attach_arrays(cJSON *obj, nb_attach *a, size_t m)
{
    const nb_work *w = a->w;
    if (m == 0 || a->ks + m > w->subs.len)
        return -1;
    cJSON *arr = a->nums->block + w->nvals + a->ks;
    for (size_t j = 0; j < m; j++) {
        size_t ent = w->subs.n[a->ks + j], n = ent >> 1;
        if (a->v + n > w->nvals)
            return -1;
        /* every member written (the block is not zeroed first) */
        arr[j] = (cJSON){
            .next = j + 1 < m ? &arr[j + 1] : NULL,
            .prev = j > 0 ? &arr[j - 1] : &arr[m - 1],
            .type = cJSON_Array | cJSON_StringIsConst,
            .string = (char *)nb_array_keys[ent & 1],
        };
        if (n)
            link_items(&arr[j], a->nums->block + a->v, w->vals + a->v, w->keys + a->v, n);
        a->v += n;
        a->nums->linked = a->v;
    }
    a->ks += m;
    obj->child = arr;
    a->nums->owners[a->nums->nowners++] = obj;
    return 0;
}

/* The numbers of a container c (an array, or an object keyed hi/lo)
 * linked in: n of them from the block's next. */
static int attach_numbers(cJSON *c, nb_attach *a, size_t n)
{
    if (n == 0)
        return 0;
    if (a->v + n > a->w->nvals)
        return -1;
    link_items(c, a->nums->block + a->v, a->w->vals + a->v, a->w->keys + a->v, n);
    a->v += n;
    a->nums->linked = a->v;
    return 0;
}

/* Modifier object i (w->mods[i]) into obj, an empty object: its three
 * members from the block's tail, keyed and linked as cJSON links an
 * object's members, its strings copied into the pool. */
static int modifier_members(cJSON *obj, nb_attach *a, size_t i)
{
    const nb_work *w = a->w;
    if (i >= w->nmods)
        return -1;
    const nb_mod *m = &w->mods[i];
    cJSON *it = a->nums->block + w->nvals + w->subs.len + 3 * i;
    for (int k = 0; k < 3; k++) {
        int key = m->order[k];
        cJSON *c = &it[k];
        /* every member written (the block is not zeroed first) */
        *c = (cJSON){
            .next = k < 2 ? &it[k + 1] : NULL,
            .prev = k > 0 ? &it[k - 1] : &it[2],
            .type = cJSON_StringIsConst,
            .string = (char *)nb_mod_keys[key],
        };
        if (key < 2) {
            memcpy(a->pool, m->str[key], m->len[key]);
            a->pool[m->len[key]] = '\0';
            c->type |= cJSON_String;
            c->valuestring = a->pool;
            a->pool += m->len[key] + 1;
        } else if (m->kind == NB_DATA_NULL) {
            c->type |= cJSON_NULL;
        } else if (m->kind == NB_DATA_ARRAYS) {
            c->type |= cJSON_Object;
            if (attach_arrays(c, a, m->count))
                return -1;
        } else {
            c->type |= m->kind == NB_DATA_ARRAY ? cJSON_Array : cJSON_Object;
            if (attach_numbers(c, a, m->count))
                return -1;
        }
    }
    obj->child = it;
    return 0;
}

/* modifier_members into obj, an empty object of the tree (whose items
 * cJSON_Delete must then not free). */
static int attach_modifier(cJSON *obj, nb_attach *a, size_t i)
{
    if (modifier_members(obj, a, i))
        return -1;
    a->nums->owners[a->nums->nowners++] = obj;
    return 0;
}

/* arr, an empty array of the tree, given n modifier objects made in the
 * block (after the members), each linked as cJSON links an array's
 * items, with its members. */
static int attach_modarray(cJSON *arr, nb_attach *a, size_t n)
{
    const nb_work *w = a->w;
    if (n == 0 || a->km >= w->marr.len || a->ki + n > w->narrmods)
        return -1;
    size_t first = w->marr.n[a->km++];
    if (first + n > w->nmods)
        return -1;
    cJSON *it = a->nums->block + w->nvals + w->subs.len + 3 * w->nmods + a->ki;
    for (size_t j = 0; j < n; j++) {
        /* every member written (the block is not zeroed first) */
        it[j] = (cJSON){
            .next = j + 1 < n ? &it[j + 1] : NULL,
            .prev = j > 0 ? &it[j - 1] : &it[n - 1],
            .type = cJSON_Object,
        };
        if (modifier_members(&it[j], a, first + j))
            return -1;
    }
    a->ki += n;
    arr->child = it;
    a->nums->owners[a->nums->nowners++] = arr;
    return 0;
}

/* Depth first in text order, as the empty containers were written: each
 * one takes its count's items. */
static int attach(cJSON *node, nb_attach *a)
{
    /* the type tests inline: cJSON_IsArray & co. are calls into the
     * shared library, two per item */
    int arr = (node->type & 0xFF) == cJSON_Array;
    if ((arr || (node->type & 0xFF) == cJSON_Object) && !node->child) {
        const nb_list *l = arr ? &a->w->arrs : &a->w->objs;
        size_t *k = arr ? &a->ka : &a->ko;
        if (*k >= l->len)
            return -1;
        size_t n = l->n[(*k)++];
        if (arr && (n & NB_MODARRAY))
            return attach_modarray(node, a, n & ~NB_MODARRAY);
        if (!arr && (n & NB_ARRAYS))
            return attach_arrays(node, a, n & ~NB_ARRAYS);
        if (!arr && (n & NB_MODIFIER))
            return attach_modifier(node, a, n & ~NB_MODIFIER);
        if (n == 0)
            return 0;
        if (a->v + n > a->w->nvals)
            return -1;
        link_items(node, a->nums->block + a->v, a->w->vals + a->v, a->w->keys + a->v, n);
        a->nums->owners[a->nums->nowners++] = node;
        a->v += n;
        a->nums->linked = a->v;
        return 0;
    }
    for (cJSON *c = node->child; c; c = c->next)
        if (((c->type & 0xFF) == cJSON_Array || (c->type & 0xFF) == cJSON_Object) &&
            attach(c, a))
            return -1;
    return 0;
}

static struct hfpatch_numbers *numbers_new(const nb_work *w)
{
    struct hfpatch_numbers *nums = calloc(1, sizeof *nums);
    if (!nums)
        return NULL;
    size_t nblock = w->nvals + w->subs.len + 3 * w->nmods + w->narrmods;
    nums->block = malloc((nblock ? nblock : 1) * sizeof *nums->block);
    /* a modifier's data of arrays is an owner too */
    nums->owners = malloc((w->arrs.len + w->objs.len + w->nmods + 1) * sizeof *nums->owners);
    nums->pool = malloc(w->pool ? w->pool : 1);
    if (!nums->block || !nums->owners || !nums->pool) {
        hfpatch_numbers_delete(NULL, nums);
        return NULL;
    }
    nums->n = w->nvals;
    nums->nblock = nblock;
    return nums;
}

/* The tree of the stripped text with the numbers linked in, or NULL. */
static cJSON *tree(const nb_work *w, struct hfpatch_numbers **out)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(w->out, w->used, &end, 0);
    struct hfpatch_numbers *nums = root && end == w->out + w->used ? numbers_new(w) : NULL;
    if (!nums) {
        cJSON_Delete(root);
        return NULL;
    }
    nb_attach a = {w, nums, 0, 0, 0, 0, 0, 0, nums->pool};
    if (attach(root, &a) || a.ka != w->arrs.len || a.ko != w->objs.len || a.v != w->nvals ||
        a.ks != w->subs.len || a.km != w->marr.len || a.ki != w->narrmods) {
        hfpatch_numbers_delete(root, nums);
        return NULL;
    }
    *out = nums;
    return root;
}

int hfpatch_numbers_parse(const char *text, size_t len, cJSON **out,
                          hfpatch_numbers **nums)
{
    return hfpatch_numbers_parse_ex(text, len, 0, out, nums);
}

int hfpatch_numbers_parse_ex(const char *text, size_t len, int flags, cJSON **out,
                             hfpatch_numbers **nums)
{
    *out = NULL;
    *nums = NULL;
    /* cJSON swaps '.' for the locale's decimal point before its strtod;
     * the strtod here reads the literal as it is */
    const struct lconv *lc = localeconv();
    if (!lc || !lc->decimal_point || strcmp(lc->decimal_point, ".") != 0)
        return -1;
    nb_work *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->mods_on = (flags & HFPATCH_NUMBERS_MODIFIERS) != 0;
    w->cap = len / 4 + 4096;
    w->out = malloc(w->cap);
    reserve(w, len);
    int rc = w->out ? strip(w, text, text + len) : -1;
    if (rc == 0) {
        *out = tree(w, nums);
        rc = *out ? 0 : -1;
    }
    free(w->out);
    free(w->vals);
    free(w->keys);
    free(w->arrs.n);
    free(w->objs.n);
    free(w->subs.n);
    free(w->mods);
    free(w->marr.n);
    free(w);
    return rc;
}

size_t hfpatch_numbers_count(const hfpatch_numbers *nums)
{
    return nums ? nums->n : 0;
}

size_t hfpatch_numbers_items(const hfpatch_numbers *nums)
{
    return nums ? nums->nblock : 0;
}

int hfpatch_numbers_holds(const hfpatch_numbers *nums, const cJSON *item)
{
    return nums && item >= nums->block && item < nums->block + nums->nblock;
}

void hfpatch_numbers_delete(cJSON *root, hfpatch_numbers *nums)
{
    if (nums) {
        /* a literal kept by hfcore_json_mark_ints_n (an integer of more
         * than 15 digits) is the only valuestring a number item has */
        for (size_t i = 0; i < nums->linked; i++)
            free(nums->block[i].valuestring);
        /* the items are one block: cJSON_Delete must not free them */
        for (size_t i = 0; i < nums->nowners; i++) {
            cJSON *o = nums->owners[i];
            if (o->child >= nums->block && o->child < nums->block + nums->nblock)
                o->child = NULL;
        }
        free(nums->block);
        free(nums->owners);
        free(nums->pool);
        free(nums);
    }
    cJSON_Delete(root);
}
