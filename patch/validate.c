/*
 * validate.c - checks a workspace document against pyhf's workspace schema
 * (1.0.0, defs.json) and against the structural rules pyhf enforces when it
 * builds a workspace and a model (mixins.py _check_for_duplicates, pdf.py),
 * so that the model builder can walk the tree without re-checking shapes.
 *
 * The first fault in document order is reported as
 * "SOURCE: JSON_PATH: problem".  One pass over the tree; names go into a
 * hash set so that duplicate checks stay linear on large workspaces.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"
#include "core/strmap.h"

/* ------------------------------------------------------------- name set */

/* Names are keyed by (tag, scope, string): tag says what kind of name it
 * is, scope which parent it belongs to, so one table serves every
 * uniqueness rule. */
enum {
    TAG_CHANNEL,
    TAG_SAMPLE,
    TAG_MEASUREMENT,
    TAG_PARAMETER,
    TAG_OBSERVATION,
    TAG_MODIFIER /* + modifier type index */
};

typedef struct nsent {
    const char *name; /* NULL: empty slot; points into the cJSON tree */
    uint64_t hash;
    unsigned scope;
    int tag;
    int index;
} nsent;

typedef struct nameset {
    nsent *slot;
    size_t cap, n;
} nameset;

/* hfcore_strhash takes 8 bytes a step, where the FNV-1a here took one
 * (1Lbb grid: ~126k modifier names hashed by its builds' validation,
 * 13M instructions) */
static uint64_t ns_hash(const char *s, unsigned scope, int tag)
{
    uint64_t h = hfcore_strhash(s);
    h ^= ((uint64_t)scope << 8 | (uint64_t)tag) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 31;
    return h;
}

/* calloc(n, size) with every page written once.  calloc leaves fresh
 * pages untouched; a probe's read would then map the shared zero page
 * and the first insert's write copy it, a TLB flush each, and with a
 * second thread running (the CLI scans a patchset beside) an interrupt
 * to the other CPU each: ~10 ms on 1Lbb.  A write first maps a page. */
static void *zeroed_pages(size_t n, size_t size)
{
    volatile char *p = calloc(n, size);
    for (size_t off = 0; p && off < n * size; off += 4096)
        p[off] = 0;
    return (void *)p;
}

/* The set's table at cap slots (a power of 2 above twice its names). */
static int ns_resize(nameset *ns, size_t cap)
{
    nsent *slot = zeroed_pages(cap, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < ns->cap; i++) {
        if (!ns->slot[i].name)
            continue;
        size_t j = ns->slot[i].hash & (cap - 1);
        while (slot[j].name)
            j = (j + 1) & (cap - 1);
        slot[j] = ns->slot[i];
    }
    free(ns->slot);
    ns->slot = slot;
    ns->cap = cap;
    return 0;
}

static int ns_grow(nameset *ns)
{
    return ns_resize(ns, ns->cap ? ns->cap * 2 : 256);
}

/* Room for about n names in one table (each growth allocates, zeroes and
 * rehashes). */
static int ns_reserve(nameset *ns, size_t n)
{
    size_t cap = ns->cap ? ns->cap : 256;
    while (2 * (n + 1) > cap)
        cap *= 2;
    return cap > ns->cap ? ns_resize(ns, cap) : 0;
}

static nsent *ns_lookup(const nameset *ns, const char *name, uint64_t h,
                        unsigned scope, int tag)
{
    if (!ns->cap)
        return NULL;
    size_t j = h & (ns->cap - 1);
    for (; ns->slot[j].name; j = (j + 1) & (ns->cap - 1)) {
        nsent *e = &ns->slot[j];
        if (e->hash == h && e->scope == scope && e->tag == tag &&
            strcmp(e->name, name) == 0)
            return e;
    }
    return &ns->slot[j];
}

/* Index recorded for an equal key if there is one; otherwise records
 * `index` and returns -1.  -2: out of memory. */
static int ns_add(nameset *ns, const char *name, unsigned scope, int tag,
                  int index)
{
    if (2 * (ns->n + 1) > ns->cap && ns_grow(ns) != 0)
        return -2;
    uint64_t h = ns_hash(name, scope, tag);
    nsent *e = ns_lookup(ns, name, h, scope, tag);
    if (e->name)
        return e->index;
    *e = (nsent){name, h, scope, tag, index};
    ns->n++;
    return -1;
}

static int ns_find(const nameset *ns, const char *name, unsigned scope,
                   int tag)
{
    nsent *e = ns_lookup(ns, name, ns_hash(name, scope, tag), scope, tag);
    return e && e->name ? e->index : -1;
}

/* Modifier names are unique within their sample only, so they have a
 * table of their own, sized for one sample: an entry of an earlier
 * sample (another scope) counts as an empty slot, so the table is never
 * cleared, and it is replaced, not rehashed, when a sample needs more
 * room.  (In the one table of all names, a 1Lbb patch's 924 modifiers
 * made it 4096 slots, 160 kB zeroed per build: 12.5M of the grid's 133M
 * instructions of patching and validation.)  An entry probed past is
 * the current sample's: entries are never removed, so a lookup stops at
 * the same slot an insert did. */
static int mods_reserve(nameset *ns, const cJSON *mods)
{
    size_t n = 0, cap = ns->cap ? ns->cap : 64;
    for (const cJSON *m = mods ? mods->child : NULL; m; m = m->next)
        n++;
    while (2 * (n + 1) > cap)
        cap *= 2;
    if (cap == ns->cap)
        return 0;
    nsent *slot = zeroed_pages(cap, sizeof *slot);
    if (!slot)
        return -1;
    free(ns->slot);
    ns->slot = slot;
    ns->cap = cap;
    return 0;
}

/* As ns_add, in the table of mods_reserve, which has room. */
static int mods_add(nameset *ns, const char *name, unsigned scope, int tag,
                    int index)
{
    uint64_t h = ns_hash(name, scope, tag);
    size_t j = h & (ns->cap - 1);
    for (; ns->slot[j].name && ns->slot[j].scope == scope; j = (j + 1) & (ns->cap - 1)) {
        const nsent *e = &ns->slot[j];
        if (e->hash == h && e->tag == tag && strcmp(e->name, name) == 0)
            return e->index;
    }
    ns->slot[j] = (nsent){name, h, scope, tag, index};
    return -1;
}

/* --------------------------------------------------------- walk context */

/* The path is a stack of segments rendered only when a fault is reported,
 * which keeps the walk free of string formatting. */
#define MAX_DEPTH 16

typedef struct seg {
    const char *key; /* NULL: array index */
    int index;
} seg;

typedef struct vctx {
    const char *source;
    hf_error *err;
    seg path[MAX_DEPTH];
    int depth;
    nameset names;
    nameset mods;          /* modifier names, one sample's (mods_add) */
    int nchannels;
    int *nbins;            /* per channel: length of samples[0].data */
    unsigned char *seen;   /* per channel: an observation was found */
    unsigned nsamples;     /* samples so far, the scope of modifier names */
    /* a sample that is a cJSON reference is part of a validated workspace
     * (hfpatch_workspace_validate_patched): its modifiers are not walked */
    int trust_shared;
} vctx;

static void enter_key(vctx *c, const char *key)
{
    if (c->depth < MAX_DEPTH)
        c->path[c->depth] = (seg){key, 0};
    c->depth++;
}

static void enter_index(vctx *c, int i)
{
    if (c->depth < MAX_DEPTH)
        c->path[c->depth] = (seg){NULL, i};
    c->depth++;
}

static void leave(vctx *c)
{
    c->depth--;
}

static void render_path(const vctx *c, char *buf, size_t len)
{
    size_t n = 0;
    int depth = c->depth < MAX_DEPTH ? c->depth : MAX_DEPTH;
    buf[0] = '\0';
    for (int i = 0; i < depth && n < len; i++) {
        const seg *s = &c->path[i];
        int k = s->key ? snprintf(buf + n, len - n, "%s%s", n ? "." : "",
                                  s->key)
                       : snprintf(buf + n, len - n, "[%d]", s->index);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    if (n == 0)
        snprintf(buf, len, "(root)");
}

/* Reports a fault at the current path; `label`, when not NULL, is the name
 * of the object there and is shown after the path. */
static int failv(vctx *c, const char *label, const char *fmt, va_list ap)
{
    char path[384], what[512];
    render_path(c, path, sizeof path);
    vsnprintf(what, sizeof what, fmt, ap);
    if (label)
        return hfcore_error_set(c->err, HF_ERR_INVALID, "%s: %s ('%s'): %s",
                            c->source, path, label, what);
    return hfcore_error_set(c->err, HF_ERR_INVALID, "%s: %s: %s", c->source, path,
                        what);
}

static int fail(vctx *c, const char *fmt, ...) HF_PRINTF(2, 3);
static int fail(vctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = failv(c, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

static int fail_named(vctx *c, const char *label, const char *fmt, ...)
    HF_PRINTF(3, 4);
static int fail_named(vctx *c, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = failv(c, label, fmt, ap);
    va_end(ap);
    return rc;
}

static int nomem(vctx *c)
{
    return hfcore_error_set(c->err, HF_ERR_NOMEM, "%s: out of memory", c->source);
}

/* ------------------------------------------------------ generic checks */

/* cJSON_IsObject, IsArray, IsString, IsNumber and IsNull written out:
 * as calls into the library, one or more for every node a walk checks
 * (a 1Lbb patch's ~900 modifiers, their data and numbers), they were
 * ~9M of the 1Lbb grid's 112M instructions of validation. */
static int of_type(const cJSON *v, int type)
{
    return v && (v->type & 0xFF) == type;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "an invalid value";
}

static int expect_object(vctx *c, const cJSON *v)
{
    if (!of_type(v, cJSON_Object))
        return fail(c, "expected an object, got %s", type_name(v));
    return HF_OK;
}

static int expect_string(vctx *c, const cJSON *v)
{
    if (!of_type(v, cJSON_String) || !v->valuestring)
        return fail(c, "expected a string, got %s", type_name(v));
    return HF_OK;
}

/* Checks a member that must be a string; reports at obj.key. */
static int member_string(vctx *c, const cJSON *v, const char *key)
{
    enter_key(c, key);
    int rc = expect_string(c, v);
    leave(c);
    return rc;
}

static int expect_array(vctx *c, const cJSON *v, int min_items)
{
    if (!of_type(v, cJSON_Array))
        return fail(c, "expected an array, got %s", type_name(v));
    if (min_items > 0 && !v->child)
        return fail(c, "must not be empty");
    return HF_OK;
}

/* cJSON turns out-of-range literals such as 1e999 into inf; pyhf would
 * carry them into the likelihood, so they are refused here. */
static int expect_number(vctx *c, const cJSON *v)
{
    if (!of_type(v, cJSON_Number))
        return fail(c, "expected a number, got %s", type_name(v));
    if (!isfinite(v->valuedouble))
        return fail(c, "number is not finite (out of double range, e.g. "
                       "1e999)");
    return HF_OK;
}

enum { NUM_ANY, NUM_COUNT, NUM_UNCERTAINTY };

/* An array of finite numbers with at least one element; *n gets its length.
 * `kind` adds the sign rule of observed counts and of uncertainties. */
static int expect_numbers(vctx *c, const cJSON *v, int kind, int *n)
{
    int rc = expect_array(c, v, 1);
    if (rc)
        return rc;
    int i = 0;
    for (const cJSON *x = v->child; x; x = x->next, i++) {
        if (of_type(x, cJSON_Number) && isfinite(x->valuedouble) &&
            (kind == NUM_ANY || x->valuedouble >= 0))
            continue;
        enter_index(c, i);
        if ((rc = expect_number(c, x)))
            return rc;
        if (kind == NUM_COUNT)
            return fail(c, "observed count must be >= 0 (got %.15g)",
                        x->valuedouble);
        return fail(c, "uncertainty must be >= 0 (got %.15g)",
                    x->valuedouble);
    }
    if (n)
        *n = i;
    return HF_OK;
}

static int member_numbers(vctx *c, const cJSON *v, const char *key, int kind,
                          int *n)
{
    enter_key(c, key);
    int rc = expect_numbers(c, v, kind, n);
    leave(c);
    return rc;
}

/* Collects the members of `obj` named keys[0..nkeys): slot[i] gets the
 * member called keys[i], or NULL.  The first `nreq` keys are required.
 * Unknown keys are refused (the schema forbids additional properties
 * everywhere in a workspace), and so are repeated ones: pyhf's json.load
 * keeps the last of them while cJSON finds the first, so accepting them
 * would silently disagree with pyhf. */
static int members(vctx *c, const cJSON *obj, const char *const *keys,
                   int nkeys, int nreq, const cJSON **slot)
{
    int rc = expect_object(c, obj);
    if (rc)
        return rc;
    for (int i = 0; i < nkeys; i++)
        slot[i] = NULL;
    for (const cJSON *m = obj->child; m; m = m->next) {
        int i = 0;
        /* the first letter rules out most keys without a call (this runs
         * for every modifier of every patched workspace of a grid); a key
         * that is the very string (numblock.c's static keys, where the
         * linker merged the two files' literals) needs none either */
        while (i < nkeys && keys[i] != m->string &&
               (keys[i][0] != m->string[0] || strcmp(keys[i], m->string) != 0))
            i++;
        if (i == nkeys) {
            char allowed[256];
            size_t n = 0;
            allowed[0] = '\0';
            for (int k = 0; k < nkeys && n < sizeof allowed; k++) {
                int w = snprintf(allowed + n, sizeof allowed - n, "%s%s",
                                 k ? ", " : "", keys[k]);
                if (w < 0)
                    break;
                n += (size_t)w;
            }
            return fail(c, "unexpected key '%s' (allowed: %s)", m->string,
                        allowed);
        }
        if (slot[i])
            return fail(c, "duplicate key '%s'", m->string);
        slot[i] = m;
    }
    for (int i = 0; i < nreq; i++)
        if (!slot[i])
            return fail(c, "missing required key '%s'", keys[i]);
    return HF_OK;
}

/* Registers a name that must be unique within (tag, scope); *prev gets
 * the index of an earlier holder of the name, or -1.  The caller words
 * the fault, since pyhf's messages differ per kind of name. */
static int unique(vctx *c, const char *name, unsigned scope, int tag,
                  int index, int *prev)
{
    int p = ns_add(&c->names, name, scope, tag, index);
    if (p == -2)
        return nomem(c);
    *prev = p;
    return HF_OK;
}

/* ------------------------------------------------------------ modifiers */

static const char *const modifier_types[] = {
    "histosys", "lumi", "normfactor", "normsys",
    "shapefactor", "shapesys", "staterror"};
enum { M_HISTOSYS, M_LUMI, M_NORMFACTOR, M_NORMSYS, M_SHAPEFACTOR,
       M_SHAPESYS, M_STATERROR, M_NTYPES };

/* A per-bin modifier array must match the sample it modifies. */
static int same_bins(vctx *c, int n, int nbins)
{
    if (n != nbins)
        return fail(c, "has %d bin%s but the sample has %d", n,
                    n == 1 ? "" : "s", nbins);
    return HF_OK;
}

static int check_modifier_data(vctx *c, int type, const cJSON *data,
                               int nbins)
{
    int rc, n;
    enter_key(c, "data");
    switch (type) {
    case M_LUMI:
    case M_NORMFACTOR:
    case M_SHAPEFACTOR:
        if (!of_type(data, cJSON_NULL))
            return fail(c, "a %s modifier's data must be null, got %s",
                        modifier_types[type], type_name(data));
        break;
    case M_NORMSYS: {
        static const char *const keys[] = {"hi", "lo"};
        const cJSON *m[2];
        if ((rc = members(c, data, keys, 2, 2, m)))
            return rc;
        for (int i = 0; i < 2; i++) {
            enter_key(c, keys[i]);
            if ((rc = expect_number(c, m[i])))
                return rc;
            leave(c);
        }
        break;
    }
    case M_HISTOSYS: {
        static const char *const keys[] = {"hi_data", "lo_data"};
        const cJSON *m[2];
        if ((rc = members(c, data, keys, 2, 2, m)))
            return rc;
        for (int i = 0; i < 2; i++) {
            enter_key(c, keys[i]);
            if ((rc = expect_numbers(c, m[i], NUM_ANY, &n)) ||
                (rc = same_bins(c, n, nbins)))
                return rc;
            leave(c);
        }
        break;
    }
    case M_SHAPESYS:
    case M_STATERROR:
        if ((rc = expect_numbers(c, data, NUM_UNCERTAINTY, &n)) ||
            (rc = same_bins(c, n, nbins)))
            return rc;
        break;
    }
    leave(c);
    return HF_OK;
}

static int check_modifier(vctx *c, const cJSON *mod, int k, int nbins,
                          const char *channel, const char *sample)
{
    static const char *const keys[] = {"name", "type", "data"};
    const cJSON *m[3];
    int rc, type = 0, prev;
    if ((rc = members(c, mod, keys, 3, 3, m)))
        return rc;
    enter_key(c, "type");
    if ((rc = expect_string(c, m[1])))
        return rc;
    while (type < M_NTYPES && (m[1]->valuestring[0] != modifier_types[type][0] ||
                               strcmp(m[1]->valuestring, modifier_types[type])))
        type++;
    if (type == M_NTYPES)
        return fail(c, "unknown modifier type '%s' (expected histosys, lumi, "
                       "normfactor, normsys, shapefactor, shapesys or "
                       "staterror)", m[1]->valuestring);
    leave(c);
    if ((rc = member_string(c, m[0], "name")))
        return rc;
    const char *name = m[0]->valuestring;
    if (type == M_LUMI && strcmp(name, "lumi") != 0) {
        enter_key(c, "name");
        return fail(c, "a lumi modifier must be named 'lumi', not '%s'", name);
    }
    if ((rc = check_modifier_data(c, type, m[2], nbins)))
        return rc;
    prev = mods_add(&c->mods, name, c->nsamples, TAG_MODIFIER + type, k);
    if (prev >= 0)
        return fail_named(c, name, "duplicate modifier '%s' of type '%s' in "
                          "sample '%s' of channel '%s' (first at "
                          "modifiers[%d])", name, modifier_types[type],
                          sample, channel, prev);
    return HF_OK;
}

/* ------------------------------------------------------------- channels */

/* A container of the validated workspace, shared by reference into a
 * patched document (hfpatch_workspace_validate_patched; a reference
 * without the mark is a patch's value: checked).  Copy on write never
 * writes a shared container: everything under it is the workspace's. */
static int validated_ref(const vctx *c, const cJSON *v)
{
    return c->trust_shared && (v->type & cJSON_IsReference) &&
           (v->type & HFPATCH_JSON_VALIDATED);
}

/* shared: the sample is part of a validated shared channel */
static int check_sample(vctx *c, const cJSON *s, int ci, int si,
                        const char *channel, int shared)
{
    static const char *const keys[] = {"name", "data", "modifiers"};
    const cJSON *m[3];
    int rc, n, prev;
    if ((rc = members(c, s, keys, 3, 3, m)) ||
        (rc = member_string(c, m[0], "name")))
        return rc;
    const char *name = m[0]->valuestring;
    if ((rc = unique(c, name, (unsigned)ci, TAG_SAMPLE, si, &prev)))
        return rc;
    if (prev >= 0)
        return fail_named(c, name, "duplicate sample name '%s' in channel "
                          "'%s' (first at samples[%d])", name, channel, prev);
    if ((rc = member_numbers(c, m[1], "data", NUM_ANY, &n)))
        return rc;
    /* pyhf takes a channel's bin count from its first sample. */
    if (si == 0) {
        c->nbins[ci] = n;
    } else if (n != c->nbins[ci]) {
        enter_key(c, "data");
        return fail(c, "has %d bin%s but channel '%s' has %d (the length of "
                    "samples[0].data)", n, n == 1 ? "" : "s", channel,
                    c->nbins[ci]);
    }
    enter_key(c, "modifiers");
    if ((rc = expect_array(c, m[2], 0)))
        return rc;
    /* a shared sample (or one of a shared channel: a patch that adds no
     * sample to a channel leaves it shared whole) is the validated
     * workspace's, under the same keys: its modifiers passed there, and
     * their rules (types, data shapes against the sample's own bins,
     * unique names within the sample) do not look beyond the sample */
    if (shared || validated_ref(c, s)) {
        leave(c);
        c->nsamples++;
        return HF_OK;
    }
    if (mods_reserve(&c->mods, m[2]))
        return nomem(c);
    int k = 0;
    for (const cJSON *mod = m[2]->child; mod; mod = mod->next, k++) {
        enter_index(c, k);
        if ((rc = check_modifier(c, mod, k, n, channel, name)))
            return rc;
        leave(c);
    }
    leave(c);
    c->nsamples++;
    return HF_OK;
}

static int check_channel(vctx *c, const cJSON *ch, int ci)
{
    static const char *const keys[] = {"name", "samples"};
    const cJSON *m[2];
    int rc, prev;
    if ((rc = members(c, ch, keys, 2, 2, m)) ||
        (rc = member_string(c, m[0], "name")))
        return rc;
    const char *name = m[0]->valuestring;
    if ((rc = unique(c, name, 0, TAG_CHANNEL, ci, &prev)))
        return rc;
    if (prev >= 0)
        return fail_named(c, name, "duplicate channel name '%s' (first at "
                          "channels[%d])", name, prev);
    enter_key(c, "samples");
    if ((rc = expect_array(c, m[1], 1)))
        return rc;
    int si = 0, shared = validated_ref(c, ch);
    for (const cJSON *s = m[1]->child; s; s = s->next, si++) {
        enter_index(c, si);
        if ((rc = check_sample(c, s, ci, si, name, shared)))
            return rc;
        leave(c);
    }
    leave(c);
    return HF_OK;
}

static int check_channels(vctx *c, const cJSON *channels)
{
    int rc;
    enter_key(c, "channels");
    if ((rc = expect_array(c, channels, 1)))
        return rc;
    c->nchannels = cJSON_GetArraySize(channels);
    c->nbins = calloc((size_t)c->nchannels, sizeof *c->nbins);
    c->seen = calloc((size_t)c->nchannels, 1);
    if (!c->nbins || !c->seen)
        return nomem(c);
    int ci = 0;
    for (const cJSON *ch = channels->child; ch; ch = ch->next, ci++) {
        enter_index(c, ci);
        if ((rc = check_channel(c, ch, ci)))
            return rc;
        leave(c);
    }
    leave(c);
    return HF_OK;
}

/* --------------------------------------------------------- measurements */

/* bounds: a list of [lo, hi] pairs.  The schema's minItems/maxItems sit on
 * the numbers, where they constrain nothing; a pair is what pyhf indexes. */
static int check_bounds(vctx *c, const cJSON *bounds)
{
    int rc = expect_array(c, bounds, 1);
    if (rc)
        return rc;
    int i = 0;
    for (const cJSON *b = bounds->child; b; b = b->next, i++) {
        int n = 0;
        enter_index(c, i);
        if ((rc = expect_numbers(c, b, NUM_ANY, &n)))
            return rc;
        if (n != 2)
            return fail(c, "a bound must be a [lo, hi] pair, got %d number%s",
                        n, n == 1 ? "" : "s");
        double lo = b->child->valuedouble, hi = b->child->next->valuedouble;
        if (lo > hi)
            return fail(c, "lower bound %.15g is above upper bound %.15g", lo,
                        hi);
        leave(c);
    }
    return HF_OK;
}

static int check_parameter(vctx *c, const cJSON *p, int mi, int pi)
{
    static const char *const keys[] = {"name", "inits", "bounds", "auxdata",
                                       "factors", "sigmas", "fixed"};
    const cJSON *m[7];
    int rc, prev;
    if ((rc = members(c, p, keys, 7, 1, m)) ||
        (rc = member_string(c, m[0], "name")))
        return rc;
    const char *name = m[0]->valuestring;
    if ((rc = unique(c, name, (unsigned)mi, TAG_PARAMETER, pi, &prev)))
        return rc;
    if (prev >= 0)
        return fail_named(c, name, "Multiple parameter configurations for %s "
                          "were found (first at parameters[%d])", name, prev);
    for (int i = 1; i < 6; i++) {
        if (!m[i])
            continue;
        if (i == 2) {
            enter_key(c, keys[i]);
            if ((rc = check_bounds(c, m[i])))
                return rc;
            leave(c);
        } else if ((rc = member_numbers(c, m[i], keys[i], NUM_ANY, NULL))) {
            return rc;
        }
    }
    if (m[6] && !cJSON_IsBool(m[6])) {
        enter_key(c, "fixed");
        return fail(c, "expected a boolean, got %s", type_name(m[6]));
    }
    return HF_OK;
}

static int check_measurement(vctx *c, const cJSON *meas, int mi)
{
    static const char *const keys[] = {"name", "config"};
    static const char *const ckeys[] = {"poi", "parameters"};
    const cJSON *m[2], *cm[2];
    int rc, prev;
    if ((rc = members(c, meas, keys, 2, 2, m)) ||
        (rc = member_string(c, m[0], "name")))
        return rc;
    const char *name = m[0]->valuestring;
    if ((rc = unique(c, name, 0, TAG_MEASUREMENT, mi, &prev)))
        return rc;
    if (prev >= 0)
        return fail_named(c, name, "duplicate measurement name '%s' (first at "
                          "measurements[%d])", name, prev);
    enter_key(c, "config");
    if ((rc = members(c, m[1], ckeys, 2, 2, cm)) ||
        (rc = member_string(c, cm[0], "poi")))
        return rc;
    enter_key(c, "parameters");
    if ((rc = expect_array(c, cm[1], 0)))
        return rc;
    int pi = 0;
    for (const cJSON *p = cm[1]->child; p; p = p->next, pi++) {
        enter_index(c, pi);
        if ((rc = check_parameter(c, p, mi, pi)))
            return rc;
        leave(c);
    }
    leave(c);
    leave(c);
    return HF_OK;
}

static int check_measurements(vctx *c, const cJSON *measurements)
{
    int rc;
    enter_key(c, "measurements");
    if ((rc = expect_array(c, measurements, 1)))
        return rc;
    int mi = 0;
    for (const cJSON *ms = measurements->child; ms; ms = ms->next, mi++) {
        enter_index(c, mi);
        if ((rc = check_measurement(c, ms, mi)))
            return rc;
        leave(c);
    }
    leave(c);
    return HF_OK;
}

/* --------------------------------------------------------- observations */

static int check_observation(vctx *c, const cJSON *obs, int oi)
{
    static const char *const keys[] = {"name", "data"};
    const cJSON *m[2];
    int rc, n, prev;
    if ((rc = members(c, obs, keys, 2, 2, m)) ||
        (rc = member_string(c, m[0], "name")))
        return rc;
    const char *name = m[0]->valuestring;
    if ((rc = unique(c, name, 0, TAG_OBSERVATION, oi, &prev)))
        return rc;
    if (prev >= 0)
        return fail_named(c, name, "duplicate observation name '%s' (first at "
                          "observations[%d])", name, prev);
    /* Negative counts make pyhf's Poisson terms NaN. */
    if ((rc = member_numbers(c, m[1], "data", NUM_COUNT, &n)))
        return rc;
    /* An observation that matches no channel is ignored by pyhf. */
    int ci = ns_find(&c->names, name, 0, TAG_CHANNEL);
    if (ci >= 0) {
        if (n != c->nbins[ci]) {
            enter_key(c, "data");
            return fail(c, "has %d bin%s but channel '%s' (channels[%d]) has "
                        "%d", n, n == 1 ? "" : "s", name, ci, c->nbins[ci]);
        }
        c->seen[ci] = 1;
    }
    return HF_OK;
}

static int check_observations(vctx *c, const cJSON *observations,
                              const cJSON *channels)
{
    int rc;
    enter_key(c, "observations");
    if ((rc = expect_array(c, observations, 1)))
        return rc;
    int oi = 0;
    for (const cJSON *o = observations->child; o; o = o->next, oi++) {
        enter_index(c, oi);
        if ((rc = check_observation(c, o, oi)))
            return rc;
        leave(c);
    }
    /* pyhf's Workspace.data() needs observed data for every channel. */
    int ci = 0;
    for (const cJSON *ch = channels->child; ch; ch = ch->next, ci++)
        if (!c->seen[ci])
            return fail(c, "no observation for channel '%s' (channels[%d])",
                        cJSON_GetObjectItemCaseSensitive(ch, "name")
                            ->valuestring, ci);
    leave(c);
    return HF_OK;
}

/* ------------------------------------------------------------------ root */

static int check_root(vctx *c, const cJSON *root)
{
    static const char *const keys[] = {"channels", "measurements",
                                       "observations", "version"};
    const cJSON *m[4];
    int rc;
    if ((rc = members(c, root, keys, 4, 4, m)))
        return rc;
    enter_key(c, "version");
    if ((rc = expect_string(c, m[3])))
        return rc;
    if (strcmp(m[3]->valuestring, "1.0.0") != 0)
        return fail(c, "unsupported workspace version '%s' (expected "
                    "'1.0.0')", m[3]->valuestring);
    leave(c);
    if ((rc = check_channels(c, m[0])) ||
        (rc = check_measurements(c, m[1])) ||
        (rc = check_observations(c, m[2], m[0])))
        return rc;
    return HF_OK;
}

/* About how many names the walk registers: the channels, the samples,
 * the measurements' parameters and a few more (the modifiers' go to their
 * own table), read from whatever shape the document has (it is not
 * validated yet), so the name set is sized once; *most_mods gets the
 * most modifiers of a sample it walks (mods_reserve's table, sized once
 * too: grown sample by sample, 4 tables a 1Lbb patch build). */
static size_t names_expected(const cJSON *root, int trust_shared, const cJSON **most_mods)
{
    size_t n = 64;
    int most = -1;
    const cJSON *ch, *s, *ms;
    const int mark = cJSON_IsReference | HFPATCH_JSON_VALIDATED;
    *most_mods = NULL;
    cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(root, "channels")) {
        n++;
        int shared = trust_shared && (ch->type & mark) == mark;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(ch, "samples")) {
            n++;
            if (shared || (trust_shared && (s->type & mark) == mark))
                continue;
            const cJSON *mods = cJSON_GetObjectItemCaseSensitive(s, "modifiers");
            int k = cJSON_GetArraySize(mods);
            if (k > most) {
                most = k;
                *most_mods = mods;
            }
        }
    }
    cJSON_ArrayForEach(ms, cJSON_GetObjectItemCaseSensitive(root, "measurements")) {
        const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(ms, "config");
        n += 1 + (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cfg, "parameters"));
    }
    return n;
}

static int validate(const cJSON *root, const char *source, int trust_shared,
                    hf_error *err)
{
    if (!source)
        source = "<workspace>";
    if (!root)
        return hfcore_error_set(err, HF_ERR_ARG, "%s: no JSON document", source);
    vctx c;
    memset(&c, 0, sizeof c);
    c.source = source;
    c.err = err;
    c.trust_shared = trust_shared;
    /* without the memory the set grows as it goes, as before */
    const cJSON *most_mods;
    ns_reserve(&c.names, names_expected(root, trust_shared, &most_mods));
    mods_reserve(&c.mods, most_mods);
    int rc = check_root(&c, root);
    free(c.names.slot);
    free(c.mods.slot);
    free(c.nbins);
    free(c.seen);
    return rc;
}

int hfpatch_workspace_validate(const cJSON *root, const char *source,
                               hf_error *err)
{
    return validate(root, source, 0, err);
}

int hfpatch_workspace_validate_patched(const cJSON *root, const char *source,
                                       hf_error *err)
{
    return validate(root, source, 1, err);
}
