/*
 * build.c - compiles a validated model spec ({channels, parameters}) into
 * the flat arrays of model.h, reproducing pyhf's choices exactly:
 *
 *  - channels, samples and (name, type) modifier pairs are each sorted;
 *  - parameter sets are ordered by modifier type in pyhf's histfactory_set
 *    order (histosys, lumi, normfactor, normsys, shapefactor, shapesys,
 *    staterror) and, within a type, by first appearance walking channels x
 *    samples x modifiers in sorted order (staterror: sorted by name);
 *  - a name shared by several modifier types must describe the same
 *    parameter (in practice: histosys with normsys);
 *  - measurement parameter configs override the modifiers' defaults;
 *  - auxdata follow the parameter order, constrained sets only.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "core/strmap.h"

const char *const hfmodel_modtype_names[HF_MOD_NTYPES] = {
    "histosys", "lumi", "normfactor", "normsys",
    "shapefactor", "shapesys", "staterror"};

int hfmodel_modtype_from_name(const char *name)
{
    /* the first letter rules out most types without a call (every
     * modifier of every patch's build comes here) */
    for (int t = 0; t < HF_MOD_NTYPES; t++)
        if (name[0] == hfmodel_modtype_names[t][0] && strcmp(name, hfmodel_modtype_names[t]) == 0)
            return t;
    return -1;
}

typedef struct modref {
    const char *name;
    int type;
    /* name id: a prepared sample's is the name's index in hfmodel_prep
     * (the same in every build), a walked sample's that or the next id
     * after the prepared names (builder.nbase) */
    int nid;
    int idx; /* index in the sample's modifiers array */
    int rank; /* a walked sample's: the name's rank in strcmp order */
    /* the numbers of its "data" the build reads (mod_values): normsys lo,
     * hi; histosys lo_data then hi_data, nb each; staterror and shapesys
     * their nv <= nb values */
    const double *v;
    int nv;
    const hf_sfac *sf4; /* a prepared normsys's factor for code4, or NULL */
    /* a prepared histosys's entries (compile_histosys), or hscoef NULL:
     * hsn of them, bin hsbin[e], coefficients hscoef[2e], hscoef[2e+1] */
    const int *hsbin;
    const double *hscoef;
    int hsn;
} modref;

typedef struct blockref {
    const char *name;
    int chan;    /* sorted channel index */
    int ci, si;  /* indices in the spec, for error paths */
    int nb, bin0;
    /* sorted by (name, type): a prepared sample's (sorted, shared by
     * every build and read only) or ownmods */
    const modref *mods;
    modref *ownmods; /* a walked sample's, owned */
    int nmods;
    /* mods by type (type_index): those of type t are mods[tidx[T1 + k]]
     * for k in tidx[t] .. tidx[t + 1], in their order in mods */
    const int *tidx;
    int *owntidx; /* a walked sample's, owned */
    int sorted;   /* mods are a prepared sample's */
    const struct prep_sample *ps; /* that prepared sample, or NULL */
    /* a prepared sample's: the mods that make entries at the default
     * histosys code (prep_sample.live), or NULL */
    const int *live;
    int nlive;
    const double *nom; /* the sample's data, nb values */
    double *own;       /* nom and the v of mods when read here, not prepared */
} blockref;

typedef struct chanref {
    const char *name;
    const cJSON *json;
    int ci, nb, off;
} chanref;

/* A parameter set being assembled: defaults from the first modifier that
 * needs it, then the user's measurement config on top. */
typedef struct preq {
    const char *name;
    int type, n, constrained; /* constrained: 0 no, 1 normal, 2 poisson */
    double *init, *lo, *hi, *aux, *sig, *fac;
    unsigned char *fixed;
    int blk, mod;              /* first occurrence */
    int *bins;                 /* staterror: the global bins it covers */
    int occ0, nocc;            /* staterror: its run in builder.st */
    int offset, aux_offset;
    unsigned char config;      /* HFMODEL_CFG_*: what the config sets */
} preq;

typedef struct builder {
    const char *src;
    hf_error *err;
    const hfmodel_prep *prep; /* or NULL */
    int nchan, nblk, nreq, capreq;
    chanref *chans;
    blockref *blks;
    preq *reqs;
    hf_strmap parmap;
    /* the distinct modifier names by id: ids below nbase are the prepared
     * names (prep->names), the others names[id - nbase] in first-seen
     * order (namemap gives the id); rank[id] is the name's rank in strcmp
     * order among all of them, name_req[id] its parameter set or -1 (a
     * lookup by integer, not by hash and strcmp, in every later step),
     * name_type[id] that set's type or NO_SET (register_parameters reads
     * it for every modifier: a byte, not the set's scattered preq) */
    int nbase;
    hf_strmap namemap;
    const char **names;
    int nnames, capnames;
    int *rank;
    int *name_req;
    unsigned char *name_type;
    int nmain;
    /* staterror occurrences sorted by (name rank, walk order), each set's
     * run at preq.occ0; and bin-sized scratch that staterror_defaults
     * leaves zeroed, so that many staterror sets cost no more than one
     * pass */
    struct stocc { int rank, b, j; } *st;
    double *st_nomsum, *st_rel2;
    /* [nsfac]: which scalar factors are code4 (fill_blocks, for
     * group_code4) */
    unsigned char *c4;
} builder;

static int cmp_chan(const void *a, const void *b)
{
    return strcmp(((const chanref *)a)->name, ((const chanref *)b)->name);
}

static int cmp_blk(const void *a, const void *b)
{
    const blockref *x = a, *y = b;
    if (x->chan != y->chan)
        return x->chan - y->chan;
    return strcmp(x->name, y->name);
}

/* A walked sample's modifiers sorted by (name, type) as strcmp orders
 * them: rank is the name's rank in strcmp order (equal names, equal
 * ranks) and hfmodel_modtype_names is in strcmp order, so the key rank *
 * NTYPES + type orders them as the strcmp of the names, then of the type
 * names, would.  A stable natural merge sort of the keys (equal keys keep
 * their walk order; the qsort this replaced gave the same permutation on
 * glibc's merge-sort path, which the C standard does not promise), then
 * one copy of each 72-byte modref into a new array: qsort sorted
 * them through pointers with a call per comparison, 25M instructions of
 * the 1Lbb grid's builds (913 walked samples of ~115 modifiers, which
 * come in 6 ascending runs: 3 merge passes, not 7). */
typedef struct modkey {
    uint64_t key;
    int j;
} modkey;

static void merge_keys(const modkey *a, size_t na, const modkey *b, size_t nb, modkey *out)
{
    size_t i = 0, k = 0;
    while (i < na && k < nb)
        *out++ = b[k].key < a[i].key ? b[k++] : a[i++];
    while (i < na)
        *out++ = a[i++];
    while (k < nb)
        *out++ = b[k++];
}

/* Merges the runs of src (run r is bound[r] .. bound[r+1]) two by two
 * into dst; bound then holds the merged runs, whose number it returns. */
static int merge_runs(const modkey *src, modkey *dst, int *bound, int nrun)
{
    int out = 0;
    for (int r = 0; r < nrun; r += 2) {
        int lo = bound[r], mid = bound[r + 1], hi = r + 2 <= nrun ? bound[r + 2] : mid;
        merge_keys(src + lo, (size_t)(mid - lo), src + mid, (size_t)(hi - mid), dst + lo);
        bound[out++] = lo;
    }
    bound[out] = bound[nrun];
    return out;
}

/* r's own modifiers in that order (a new array); -1 when out of memory. */
static int sort_mods(blockref *r)
{
    int n = r->nmods;
    modkey *keys = malloc(2 * sizeof *keys * (size_t)(n ? n : 1));
    int *bound = malloc(sizeof(int) * ((size_t)n + 2));
    modref *sorted = malloc(sizeof *sorted * (size_t)(n ? n : 1));
    if (!keys || !bound || !sorted) {
        free(keys);
        free(bound);
        free(sorted);
        return -1;
    }
    modkey *src = keys, *dst = keys + n;
    int nrun = 0;
    bound[0] = 0;
    for (int j = 0; j < n; j++) {
        const modref *mr = &r->ownmods[j];
        src[j] = (modkey){(uint64_t)mr->rank * HF_MOD_NTYPES + (uint64_t)mr->type, j};
        if (j > 0 && src[j].key < src[j - 1].key)
            bound[++nrun] = j;
    }
    bound[++nrun] = n;
    while (nrun > 1) {
        nrun = merge_runs(src, dst, bound, nrun);
        modkey *t = src;
        src = dst;
        dst = t;
    }
    for (int j = 0; j < n; j++)
        sorted[j] = r->ownmods[src[j].j];
    free(r->ownmods);
    r->mods = r->ownmods = sorted;
    free(keys);
    free(bound);
    return 0;
}

/* By (name rank, walk order), as sort_mods. */
static int cmp_stocc(const void *a, const void *b)
{
    const struct stocc *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->b != y->b ? (x->b < y->b ? -1 : 1) : x->j - y->j;
}

typedef struct nameid {
    const char *name;
    int id;
} nameid;

static int cmp_nameid(const void *a, const void *b)
{
    return strcmp(((const nameid *)a)->name, ((const nameid *)b)->name);
}

static int nomem(builder *B)
{
    return hfcore_error_set(B->err, HF_ERR_NOMEM, "%s: out of memory", B->src);
}

/* The model's arrays are indexed by int: a count past INT_MAX (a
 * workspace of more than 2^31 bins x samples, say) is refused, not
 * wrapped. */
static int too_large(builder *B, const char *what, size_t n)
{
    return hfcore_error_set(B->err, HF_ERR_INVALID,
                            "%s: the model would have %zu %s, more than the %d it can index",
                            B->src, n, what, INT_MAX);
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Path of a modifier for error messages. */
static const char *modpath(const builder *B, int blk, int mod, char *buf,
                           size_t len)
{
    const blockref *r = &B->blks[blk];
    snprintf(buf, len, "channels[%d].samples[%d].modifiers[%d]", r->ci, r->si,
             r->mods[mod].idx);
    return buf;
}

/* ------------------------------------------------------------ structure */

static int prep_name(const hfmodel_prep *p, const char *name);

/* The id of a modifier name, the next one if it is new. */
static int name_id(builder *B, const char *name)
{
    int id = B->prep ? prep_name(B->prep, name) : -1;
    if (id >= 0)
        return id;
    id = hfcore_strmap_get(&B->namemap, name);
    if (id >= 0)
        return B->nbase + id;
    if (B->nnames == B->capnames) {
        int cap = B->capnames ? 2 * B->capnames : 256;
        const char **nn = realloc(B->names, sizeof *nn * (size_t)cap);
        if (!nn)
            return -1;
        B->names = nn;
        B->capnames = cap;
    }
    if (hfcore_strmap_put(&B->namemap, name, B->nnames))
        return -1;
    B->names[B->nnames] = name;
    return B->nbase + B->nnames++;
}

/* Whether member key s is k: the first letter tells most keys apart
 * without a call (every modifier a patch adds is walked by a build), and
 * so does k being the very string (patch/numblock.c's static keys, where
 * the linker merged the literals: 346k strcmp calls on the 1Lbb grid). */
static int key_is(const char *s, const char *k)
{
    return s == k || (s[0] == k[0] && strcmp(s, k) == 0);
}

/* The members of a modifier's data called klo and khi (the first of each,
 * as cJSON's lookup finds), in one walk of the object rather than two. */
static void data_members(const cJSON *data, const char *klo, const char *khi,
                         const cJSON **lo, const cJSON **hi)
{
    const cJSON *kv;
    *lo = *hi = NULL;
    cJSON_ArrayForEach(kv, data) {
        if (!kv->string)
            continue;
        if (!*lo && key_is(kv->string, klo))
            *lo = kv;
        else if (!*hi && key_is(kv->string, khi))
            *hi = kv;
    }
}

/* How many numbers of a modifier's data the build reads (modref.v). */
static size_t mod_nvals(int type, int nb)
{
    switch (type) {
    case HF_MOD_NORMSYS:
        return 2;
    case HF_MOD_HISTOSYS:
        return 2 * (size_t)nb;
    case HF_MOD_STATERROR:
    case HF_MOD_SHAPESYS:
        return (size_t)nb;
    }
    return 0;
}

/* The numbers of a modifier's data into v, as the steps below read them
 * from the tree: a missing normsys or histosys number is NaN (refused,
 * or carried as pyhf would), staterror and shapesys values are those
 * present (nv of them, at most nb). */
static int mod_values(const cJSON *data, int type, int nb, double *v)
{
    const cJSON *lo, *hi, *x;
    int i = 0;
    switch (type) {
    case HF_MOD_NORMSYS:
        data_members(data, "lo", "hi", &lo, &hi);
        v[0] = cJSON_IsNumber(lo) ? lo->valuedouble : NAN;
        v[1] = cJSON_IsNumber(hi) ? hi->valuedouble : NAN;
        return 2;
    case HF_MOD_HISTOSYS:
        data_members(data, "lo_data", "hi_data", &lo, &hi);
        lo = lo ? lo->child : NULL;
        hi = hi ? hi->child : NULL;
        for (i = 0; i < nb; i++) {
            v[i] = lo ? lo->valuedouble : NAN;
            v[nb + i] = hi ? hi->valuedouble : NAN;
            lo = lo ? lo->next : NULL;
            hi = hi ? hi->next : NULL;
        }
        return 2 * nb;
    case HF_MOD_STATERROR:
    case HF_MOD_SHAPESYS:
        cJSON_ArrayForEach(x, data) {
            if (i == nb)
                break;
            v[i++] = x->valuedouble;
        }
        return i;
    }
    return 0;
}

/* A sample of a channel of nb bins as the build reads it: its name, its
 * data (nb values, 0 past the end) and its modifiers' names, types and
 * numbers, each object's members found in one walk (the first of a key,
 * as cJSON's lookup finds).  *vals holds the data, then the modifiers'
 * numbers.  Returns -1 when out of memory; *bad gets the index of the
 * first modifier without a name or a known type (the walk stops there),
 * or -1. */
static int walk_sample(const cJSON *s, int nb, const char **name, modref **mods,
                       int *nmods, double **vals, int *bad)
{
    const cJSON *jname = NULL, *jdata = NULL, *jmods = NULL, *kv, *mj;
    *bad = -1;
    cJSON_ArrayForEach(kv, s) {
        if (!kv->string)
            continue;
        if (!jname && key_is(kv->string, "name"))
            jname = kv;
        else if (!jdata && key_is(kv->string, "data"))
            jdata = kv;
        else if (!jmods && key_is(kv->string, "modifiers"))
            jmods = kv;
    }
    *name = cJSON_IsString(jname) ? jname->valuestring : NULL;
    int nm = cJSON_GetArraySize(jmods);
    size_t most = nb > 1 ? 2 * (size_t)nb : 2;
    *nmods = nm;
    /* each written whole below: a calloc's zeroing of 1Lbb's walked
     * samples (72 bytes a modifier) was 7.9M instructions of its grid */
    *mods = malloc((nm ? (size_t)nm : 1) * sizeof **mods);
    *vals = malloc(sizeof(double) * ((size_t)nb + (size_t)nm * most + 1));
    if (!*mods || !*vals)
        return -1;
    double *v = *vals;
    int i = 0;
    cJSON_ArrayForEach(mj, jdata) {
        if (i == nb)
            break;
        v[i++] = mj->valuedouble;
    }
    for (; i < nb; i++)
        v[i] = 0;
    v += nb;
    int mi = 0;
    cJSON_ArrayForEach(mj, jmods) {
        modref *mr = &(*mods)[mi];
        const cJSON *mname = NULL, *type = NULL, *data = NULL;
        cJSON_ArrayForEach(kv, mj) {
            if (!kv->string)
                continue;
            if (!mname && key_is(kv->string, "name"))
                mname = kv;
            else if (!type && key_is(kv->string, "type"))
                type = kv;
            else if (!data && key_is(kv->string, "data"))
                data = kv;
        }
        *mr = (modref){.idx = mi++};
        mr->name = cJSON_IsString(mname) ? mname->valuestring : NULL;
        mr->type = cJSON_IsString(type) ? hfmodel_modtype_from_name(type->valuestring) : -1;
        if (mr->type < 0 || !mr->name) {
            *bad = mr->idx;
            return 0;
        }
        mr->v = v;
        mr->nv = mod_values(data, mr->type, nb, v);
        v += mod_nvals(mr->type, nb);
    }
    return 0;
}

/* The modifiers of a sample (their name ids set) by type, a counting
 * sort: [0, T1) the start of each type's run (and its end), then the
 * runs of indices into mods, each in mods' order, which is the walk's,
 * then the same runs' name ids (what registering the parameters reads of
 * most modifiers, here in one compact array).  NULL when out of memory. */
enum { T1 = HF_MOD_NTYPES + 1 };

/* builder.name_type of a name without a parameter set */
enum { NO_SET = 0xFF };

static int *type_index(const modref *mods, int n)
{
    int *x = calloc(T1 + 2 * (size_t)n, sizeof(int));
    if (!x)
        return NULL;
    for (int j = 0; j < n; j++)
        x[mods[j].type + 1]++;
    for (int t = 0; t < HF_MOD_NTYPES; t++)
        x[t + 1] += x[t];
    int at[HF_MOD_NTYPES];
    memcpy(at, x, sizeof at);
    for (int j = 0; j < n; j++) {
        int k = at[mods[j].type]++;
        x[T1 + k] = j;
        x[T1 + n + k] = mods[j].nid;
    }
    return x;
}

/* ------------------------------------------------ prepared workspaces */

/* A sample of the workspace read once (walk_sample) for every build. */
typedef struct prep_sample {
    const cJSON *key; /* its first member, which every shared copy has */
    const char *name;
    int nb, nmods;
    modref *mods;  /* sorted by (name, type) as collect sorts, nid set */
    double *vals;
    hf_sfac *sf4;  /* per modifier: a normsys's code4 factor (sf4 of mods) */
    int *tidx;     /* type_index of mods */
    int *hsbin;    /* its histosys's entries (modref.hsbin, hscoef) */
    double *hscoef;
    /* the indices of the mods that compile_modifier makes entries for at
     * the default histosys code: all but the histosys without entries
     * (hsn 0: 4034 of 1Lbb's 5464, whose every build walked them) */
    int *live;
    int nlive;
    /* The block the sample compiles into at the default codes (normsys
     * code4, histosys code4p), made once (prep_image) and copied by every
     * build in runs (image_block) with the parameters looked up by name
     * id, where compile_modifier read a 72-byte modref, a normsys's
     * numbers and its 88-byte factor per modifier (1Lbb: 6.4k a build,
     * memory-bound).  img: the image exists (no normsys it could not
     * make); then isf are the scalar factors in mods order with .par the
     * name id, isf4 which of them are code4 (their polynomial rows are
     * made from the copies: stored here, they were ~350 kB more to read
     * per 1Lbb build); ihcnt[i] the histosys entries of bin i,
     * whose name ids ihnid and coefficients ihcoef come bin by bin (the
     * model's block-bin order, each bin's in mods order); ibf the mods
     * that make per-bin factor rows, compiled as before. */
    int img, nisf, nihs, nibf;
    /* Its place in a build's block order of the workspace's samples
     * (channel name, then sample name), and its fresh modifiers: fresh[t]
     * .. fresh[t + 1] index fresh[T1 + k], the mods of type t whose name
     * no sample before it in that order has with type t (prep_fresh) */
    const char *chan;
    int wsrank;
    int *fresh;
    hf_sfac *isf;
    unsigned char *isf4;
    int *ihcnt, *ihnid, *ibf;
    double *ihcoef;
} prep_sample;

struct hfmodel_prep {
    prep_sample *s;
    int ns;
    int *slot;  /* open addressing on key: an index into s, or -1 */
    size_t cap;
    const char **names; /* the distinct modifier names, by id */
    int nnames;
    hf_strmap map;      /* name -> id */
    int *order;         /* the ids in strcmp order of their names */
};

/* The id of a prepared name, or -1. */
static int prep_name(const hfmodel_prep *p, const char *name)
{
    return hfcore_strmap_get(&p->map, name);
}

static size_t prep_hash(const void *key, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)key;
    x ^= x >> 29;
    x *= 0x9E3779B97F4A7C15ULL;
    return (size_t)(x >> 32) & (cap - 1);
}

static const prep_sample *prep_find(const hfmodel_prep *p, const cJSON *key)
{
    for (size_t j = prep_hash(key, p->cap); p->slot[j] >= 0; j = (j + 1) & (p->cap - 1))
        if (p->s[p->slot[j]].key == key)
            return &p->s[p->slot[j]];
    return NULL;
}

static void prep_sample_free(prep_sample *ps)
{
    free(ps->mods);
    free(ps->vals);
    free(ps->sf4);
    free(ps->tidx);
    free(ps->hsbin);
    free(ps->hscoef);
    free(ps->live);
    free(ps->isf);
    free(ps->isf4);
    free(ps->ihcnt);
    free(ps->ihnid);
    free(ps->ihcoef);
    free(ps->ibf);
    free(ps->fresh);
}

void hfmodel_prep_free(hfmodel_prep *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ns; i++)
        prep_sample_free(&p->s[i]);
    free(p->s);
    free(p->slot);
    free(p->names);
    free(p->order);
    hfcore_strmap_free(&p->map);
    free(p);
}

/* By (name, type) as strcmp orders them: sort_mods' order (whose name
 * ranks are strcmp's), without the ranks, which depend on every name of
 * a build. */
static int cmp_mod_names(const void *a, const void *b)
{
    const modref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->type - y->type;
}

/* The entries compile_histosys makes of each histosys of ps, made once:
 * its coefficients depend only on the sample's own numbers (not on the
 * interpolation code, see interp.c).  -1 when out of memory. */
static int prep_histosys(prep_sample *ps)
{
    const int *x = ps->tidx, t = HF_MOD_HISTOSYS;
    size_t n = (size_t)(x[t + 1] - x[t]) * (size_t)ps->nb, e = 0;
    ps->hsbin = malloc(sizeof(int) * (n ? n : 1));
    ps->hscoef = malloc(2 * sizeof(double) * (n ? n : 1));
    if (!ps->hsbin || !ps->hscoef)
        return -1;
    for (int k = x[t]; k < x[t + 1]; k++) {
        modref *mr = &ps->mods[x[T1 + k]];
        mr->hsbin = ps->hsbin + e;
        mr->hscoef = ps->hscoef + 2 * e;
        for (int i = 0; i < ps->nb; i++) {
            double *c = ps->hscoef + 2 * e;
            hfmodel_interp_histosys_init(c, HF_INTERP_CODE4P, mr->v[i], ps->vals[i],
                                         mr->v[ps->nb + i]);
            if (c[0] == 0 && c[1] == 0)
                continue;
            ps->hsbin[e++] = i;
            mr->hsn++;
        }
    }
    return 0;
}

/* Factor f as column k of the polynomial rows (model.h sf_poly: row[j]
 * is row j): code4's coefficients; identity c = 0, a1 = 1; another code
 * c = 1, recomputed by the evaluation. */
static inline void sf_rows(const hf_sfac *f, double *const row[11], size_t k)
{
    if (f->code == HF_INTERP_CODE4) {
        /* written out: gcc keeps a loop here (half of soa_normsys's
         * instructions) */
        row[0][k] = 1.0;
        row[1][k] = f->p[4];
        row[2][k] = f->p[5];
        row[3][k] = f->p[6];
        row[4][k] = f->p[7];
        row[5][k] = f->p[8];
        row[6][k] = f->p[9];
        /* the derivative's coefficients 2 a2 .. 5 a5, the very products
         * the evaluation formed on every call (so the same doubles) */
        row[7][k] = 2.0 * f->p[5];
        row[8][k] = 3.0 * f->p[6];
        row[9][k] = 4.0 * f->p[7];
        row[10][k] = 5.0 * f->p[8];
        return;
    }
    row[0][k] = f->code < 0 ? 0.0 : 1.0;
    row[1][k] = f->code < 0 ? 1.0 : 0.0;
    for (int j = 2; j < 11; j++)
        row[j][k] = 0.0;
}

/* ps's scalar factors and per-bin factor mods into its image. */
static void image_factors(prep_sample *ps)
{
    int k = 0, f = 0;
    for (int j = 0; j < ps->nmods; j++) {
        const modref *mr = &ps->mods[j];
        int t = mr->type;
        if (t == HF_MOD_SHAPEFACTOR || t == HF_MOD_SHAPESYS || t == HF_MOD_STATERROR)
            ps->ibf[f++] = j;
        if (t != HF_MOD_NORMSYS && t != HF_MOD_NORMFACTOR && t != HF_MOD_LUMI)
            continue;
        ps->isf[k] = t == HF_MOD_NORMSYS ? *mr->sf4 : (hf_sfac){.code = -1};
        ps->isf[k].par = mr->nid;
        ps->isf4[k] = ps->isf[k].code == HF_INTERP_CODE4;
        k++;
    }
}

/* ps's histosys entries into its image bin by bin (a counting sort by
 * bin, stable: each bin's in mods order); -1 when out of memory. */
static int image_histosys(prep_sample *ps)
{
    int *at = malloc(sizeof(int) * (size_t)(ps->nb ? ps->nb : 1));
    if (!at)
        return -1;
    for (int j = 0; j < ps->nmods; j++)
        for (int e = 0; ps->mods[j].type == HF_MOD_HISTOSYS && e < ps->mods[j].hsn; e++)
            ps->ihcnt[ps->mods[j].hsbin[e]]++;
    for (int i = 0, n = 0; i < ps->nb; i++) {
        at[i] = n;
        n += ps->ihcnt[i];
    }
    for (int j = 0; j < ps->nmods; j++) {
        const modref *mr = &ps->mods[j];
        for (int e = 0; mr->type == HF_MOD_HISTOSYS && e < mr->hsn; e++) {
            int q = at[mr->hsbin[e]]++;
            ps->ihnid[q] = mr->nid;
            ps->ihcoef[2 * q] = mr->hscoef[2 * e];
            ps->ihcoef[2 * q + 1] = mr->hscoef[2 * e + 1];
        }
    }
    free(at);
    return 0;
}

/* ps's image (prep_sample.img), made after its sort and its histosys
 * entries; none when a normsys has no code4 factor (its builds report
 * it).  -1 when out of memory. */
static int prep_image(prep_sample *ps)
{
    int nsf = 0, nhs = 0, nbf = 0;
    for (int j = 0; j < ps->nmods; j++) {
        const modref *mr = &ps->mods[j];
        if (mr->type == HF_MOD_NORMSYS && !mr->sf4)
            return 0;
        nsf += mr->type == HF_MOD_NORMSYS || mr->type == HF_MOD_NORMFACTOR ||
               mr->type == HF_MOD_LUMI;
        nhs += mr->type == HF_MOD_HISTOSYS ? mr->hsn : 0;
        nbf += mr->type == HF_MOD_SHAPEFACTOR || mr->type == HF_MOD_SHAPESYS ||
               mr->type == HF_MOD_STATERROR;
    }
    size_t ks = nsf ? (size_t)nsf : 1, kh = nhs ? (size_t)nhs : 1;
    ps->isf = malloc(sizeof *ps->isf * ks);
    ps->isf4 = malloc(ks);
    ps->ihcnt = calloc(ps->nb ? (size_t)ps->nb : 1, sizeof(int));
    ps->ihnid = malloc(sizeof(int) * kh);
    ps->ihcoef = malloc(2 * sizeof(double) * kh);
    ps->ibf = malloc(sizeof(int) * (nbf ? (size_t)nbf : 1));
    if (!ps->isf || !ps->isf4 || !ps->ihcnt || !ps->ihnid || !ps->ihcoef || !ps->ibf)
        return -1;
    ps->nisf = nsf;
    ps->nihs = nhs;
    ps->nibf = nbf;
    image_factors(ps);
    if (image_histosys(ps))
        return -1;
    ps->img = 1;
    return 0;
}

/* What the build does once per sample and could do once per workspace:
 * its modifiers sorted (a validated sample has no two of the same name
 * and type, so the sorted order is the only one), each normsys's code4
 * factor (the default interpolation) computed.  -1 when out of memory. */
static int prep_sample_finish(prep_sample *ps)
{
    ps->sf4 = calloc(ps->nmods ? (size_t)ps->nmods : 1, sizeof *ps->sf4);
    if (!ps->sf4)
        return -1;
    for (int j = 0; j < ps->nmods; j++) {
        modref *mr = &ps->mods[j];
        if (mr->type == HF_MOD_NORMSYS &&
            hfmodel_interp_normsys_init(&ps->sf4[j], HF_INTERP_CODE4, mr->v[0], mr->v[1]) == HF_OK)
            mr->sf4 = &ps->sf4[j];
    }
    qsort(ps->mods, (size_t)ps->nmods, sizeof *ps->mods, cmp_mod_names);
    ps->tidx = type_index(ps->mods, ps->nmods);
    if (!ps->tidx || prep_histosys(ps))
        return -1;
    ps->live = malloc(sizeof(int) * (size_t)(ps->nmods ? ps->nmods : 1));
    if (!ps->live)
        return -1;
    for (int j = 0; j < ps->nmods; j++)
        if (ps->mods[j].type != HF_MOD_HISTOSYS || ps->mods[j].hsn > 0)
            ps->live[ps->nlive++] = j;
    return prep_image(ps);
}

/* Reads sample s into p->s[p->ns] (a sample with a bad modifier is left
 * to the builds, which report it); -1 when out of memory. */
static int prep_add(hfmodel_prep *p, const cJSON *s, int nb, const char *chan)
{
    prep_sample *ps = &p->s[p->ns];
    int bad;
    memset(ps, 0, sizeof *ps);
    ps->nb = nb;
    ps->chan = chan ? chan : "";
    if (!s->child || walk_sample(s, nb, &ps->name, &ps->mods, &ps->nmods, &ps->vals, &bad) ||
        bad >= 0 || !ps->name) {
        int rc = s->child && (!ps->mods || !ps->vals) ? -1 : 0;
        free(ps->mods);
        free(ps->vals);
        return rc;
    }
    int rc = 0;
    for (int j = 0; rc == 0 && j < ps->nmods; j++) {
        modref *mr = &ps->mods[j];
        int k = hfcore_strmap_get(&p->map, mr->name);
        if (k < 0) {
            k = p->nnames++;
            p->names[k] = mr->name;
            rc = hfcore_strmap_put(&p->map, mr->name, k);
        }
        mr->nid = k;
    }
    if (rc == 0)
        rc = prep_sample_finish(ps);
    if (rc) {
        prep_sample_free(ps);
        return -1;
    }
    ps->key = s->child;
    size_t j = prep_hash(ps->key, p->cap);
    while (p->slot[j] >= 0)
        j = (j + 1) & (p->cap - 1);
    p->slot[j] = p->ns++;
    return 0;
}

/* Sizes p for the samples and modifiers of channels; -1 when out of
 * memory. */
static int prep_alloc(hfmodel_prep *p, const cJSON *channels)
{
    size_t ns = 0, nm = 0;
    const cJSON *c, *s;
    cJSON_ArrayForEach(c, channels)
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(c, "samples")) {
            ns++;
            nm += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "modifiers"));
        }
    if (ns > INT_MAX / 4 || nm > INT_MAX)
        return -1;
    for (p->cap = 16; p->cap < 2 * ns; p->cap *= 2)
        ;
    p->s = calloc(ns ? ns : 1, sizeof *p->s);
    p->slot = malloc(sizeof(int) * p->cap);
    p->names = malloc(sizeof(char *) * (nm ? nm : 1));
    if (!p->s || !p->slot || !p->names)
        return -1;
    for (size_t j = 0; j < p->cap; j++)
        p->slot[j] = -1;
    return 0;
}

/* The prepared names' ids in strcmp order (a build ranks its own new
 * names among them, rank_names); -1 when out of memory. */
static int prep_order(hfmodel_prep *p)
{
    nameid *v = malloc(sizeof *v * (size_t)(p->nnames ? p->nnames : 1));
    p->order = malloc(sizeof(int) * (size_t)(p->nnames ? p->nnames : 1));
    if (!v || !p->order) {
        free(v);
        return -1;
    }
    for (int i = 0; i < p->nnames; i++)
        v[i] = (nameid){p->names[i], i};
    qsort(v, (size_t)p->nnames, sizeof *v, cmp_nameid);
    for (int i = 0; i < p->nnames; i++)
        p->order[i] = v[i].id;
    free(v);
    return 0;
}

/* By channel name, then sample name: collect's block order. */
static int cmp_ws_order(const void *a, const void *b)
{
    const prep_sample *x = *(const prep_sample *const *)a, *y = *(const prep_sample *const *)b;
    int c = strcmp(x->chan, y->chan);
    return c ? c : strcmp(x->name, y->name);
}

/* Each sample's wsrank and fresh modifiers (prep_sample); -1 when out of
 * memory. */
static int prep_fresh(hfmodel_prep *p)
{
    const prep_sample **ord = malloc(sizeof *ord * (size_t)(p->ns ? p->ns : 1));
    unsigned char *seen = calloc((size_t)(p->nnames ? p->nnames : 1), HF_MOD_NTYPES);
    int rc = ord && seen ? 0 : -1;
    for (int i = 0; rc == 0 && i < p->ns; i++)
        ord[i] = &p->s[i];
    if (rc == 0)
        qsort(ord, (size_t)p->ns, sizeof *ord, cmp_ws_order);
    for (int r = 0; rc == 0 && r < p->ns; r++) {
        prep_sample *ps = (prep_sample *)ord[r];
        const int *x = ps->tidx;
        ps->wsrank = r;
        if (!(ps->fresh = malloc(sizeof(int) * (T1 + (size_t)ps->nmods)))) {
            rc = -1;
            break;
        }
        int n = 0;
        for (int t = 0; t < HF_MOD_NTYPES; t++) {
            ps->fresh[t] = n;
            for (int k = x[t]; k < x[t + 1]; k++) {
                unsigned char *sn = &seen[(size_t)ps->mods[x[T1 + k]].nid * HF_MOD_NTYPES + t];
                if (!*sn)
                    ps->fresh[T1 + n++] = x[T1 + k];
                *sn = 1;
            }
        }
        ps->fresh[HF_MOD_NTYPES] = n;
    }
    free(ord);
    free(seen);
    return rc;
}

hfmodel_prep *hfmodel_prep_new(const hf_workspace *ws)
{
    const cJSON *channels = ws ? cJSON_GetObjectItemCaseSensitive(ws->root, "channels") : NULL;
    hfmodel_prep *p = calloc(1, sizeof *p);
    int rc = !p || prep_alloc(p, channels) || hfcore_strmap_init(&p->map, 256) ? -1 : 0;
    const cJSON *c, *s;
    cJSON_ArrayForEach(c, channels) {
        const cJSON *samples = cJSON_GetObjectItemCaseSensitive(c, "samples");
        /* the channel's bins, as collect counts them */
        int nb = cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(samples, 0), "data"));
        cJSON_ArrayForEach(s, samples)
            if (rc == 0)
                rc = prep_add(p, s, nb, jstr(c, "name"));
    }
    if (rc == 0)
        rc = prep_order(p);
    if (rc == 0)
        rc = prep_fresh(p);
    if (rc) {
        hfmodel_prep_free(p);
        return NULL;
    }
    return p;
}

/* Sample s from the prepared workspace when it is one of its samples (or
 * a shared copy of one), unchanged: 1 (its modifiers are the prepared
 * ones, with the prepared names' ids), or 0 when it is not. */
static int collect_prepared(builder *B, blockref *r, const cJSON *s)
{
    const prep_sample *ps = s->child ? prep_find(B->prep, s->child) : NULL;
    if (!ps || ps->nb != r->nb)
        return 0;
    r->mods = ps->mods;
    r->nmods = ps->nmods;
    r->tidx = ps->tidx;
    r->sorted = 1;
    r->name = ps->name;
    r->nom = ps->vals;
    r->live = ps->live;
    r->nlive = ps->nlive;
    r->ps = ps;
    return 1;
}

/* Sample s of block r: its name, data and modifiers with their name ids. */
static int collect_sample(builder *B, blockref *r, const cJSON *s)
{
    int bad;
    if (B->prep && collect_prepared(B, r, s))
        return HF_OK;
    if (walk_sample(s, r->nb, &r->name, &r->ownmods, &r->nmods, &r->own, &bad))
        return nomem(B);
    r->mods = r->ownmods;
    r->nom = r->own;
    if (bad >= 0) {
        char p[128];
        snprintf(p, sizeof p, "channels[%d].samples[%d].modifiers[%d]", r->ci, r->si, bad);
        return hfcore_error_set(B->err, HF_ERR_INVALID, "%s: %s: unknown modifier type",
                                B->src, p);
    }
    for (int j = 0; j < r->nmods; j++)
        if ((r->ownmods[j].nid = name_id(B, r->ownmods[j].name)) < 0)
            return nomem(B);
    return HF_OK;
}

/* How many prepared names sort before name (a binary search of their
 * strcmp order). */
static int prep_position(const hfmodel_prep *p, const char *name)
{
    int lo = 0, hi = p->nnames;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(p->names[p->order[mid]], name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Every name's rank in strcmp order (B->rank, by id), then integer
 * comparisons in the sorts of modifiers and staterror occurrences; and
 * an empty name_req.  The prepared names come in order: only the build's
 * new names are sorted, each placed among them by a binary search (the
 * i-th new name, with pos prepared names before it, has rank pos + i; a
 * prepared name at position q, q plus the new names placed at or before
 * q), not every name sorted in every build. */
static int rank_names(builder *B)
{
    int nb = B->nbase, n = B->nnames, nt = nb + n;
    nameid *v = malloc(sizeof *v * (size_t)(n ? n : 1));
    B->rank = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    B->name_req = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    B->name_type = malloc((size_t)(nt ? nt : 1));
    if (!v || !B->rank || !B->name_req || !B->name_type) {
        free(v);
        return nomem(B);
    }
    for (int i = 0; i < n; i++)
        v[i] = (nameid){B->names[i], nb + i};
    qsort(v, n, sizeof *v, cmp_nameid);
    int q = 0;
    for (int i = 0; i < n; i++) {
        int pos = nb ? prep_position(B->prep, v[i].name) : 0;
        for (; q < pos; q++)
            B->rank[B->prep->order[q]] = q + i;
        B->rank[v[i].id] = pos + i;
    }
    for (; q < nb; q++)
        B->rank[B->prep->order[q]] = q + n;
    for (int i = 0; i < nt; i++)
        B->name_req[i] = -1;
    memset(B->name_type, NO_SET, (size_t)nt);
    for (int b = 0; b < B->nblk; b++)
        for (int j = 0; !B->blks[b].sorted && j < B->blks[b].nmods; j++)
            B->blks[b].ownmods[j].rank = B->rank[B->blks[b].ownmods[j].nid];
    free(v);
    return HF_OK;
}

static int collect(builder *B, const cJSON *channels)
{
    B->nchan = cJSON_GetArraySize(channels);
    B->chans = calloc(B->nchan ? B->nchan : 1, sizeof *B->chans);
    /* with a prep, only the names a patch adds (1Lbb: 1 to 5; the map
     * grows when needed): at 256, its 12 kB were zeroed in every build */
    if (!B->chans || hfcore_strmap_init(&B->namemap, B->prep ? 16 : 256))
        return nomem(B);
    int nblk = 0, ci = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, channels) {
        chanref *ch = &B->chans[ci];
        ch->name = jstr(c, "name");
        ch->json = c;
        ch->ci = ci++;
        const cJSON *samples = cJSON_GetObjectItemCaseSensitive(c, "samples");
        ch->nb = cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(samples, 0), "data"));
        nblk += cJSON_GetArraySize(samples);
    }
    qsort(B->chans, B->nchan, sizeof *B->chans, cmp_chan);
    size_t nmain = 0;
    for (int i = 0; i < B->nchan; i++) {
        B->chans[i].off = (int)nmain;
        nmain += (size_t)B->chans[i].nb;
        if (nmain > INT_MAX)
            return too_large(B, "main bins", nmain);
    }
    B->nmain = (int)nmain;

    B->blks = calloc(nblk ? nblk : 1, sizeof *B->blks);
    if (!B->blks)
        return nomem(B);
    for (int k = 0; k < B->nchan; k++) {
        const cJSON *s;
        int si = 0;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(B->chans[k].json, "samples")) {
            blockref *r = &B->blks[B->nblk++];
            r->chan = k;
            r->ci = B->chans[k].ci;
            r->si = si++;
            r->nb = B->chans[k].nb;
            r->bin0 = B->chans[k].off;
            int rc = collect_sample(B, r, s);
            if (rc)
                return rc;
        }
    }
    int rc = rank_names(B);
    if (rc)
        return rc;
    for (int b = 0; b < B->nblk; b++) {
        blockref *r = &B->blks[b];
        if (r->sorted)
            continue;
        if (sort_mods(r) ||
            !(r->tidx = r->owntidx = type_index(r->ownmods, r->nmods)))
            return nomem(B);
    }
    qsort(B->blks, B->nblk, sizeof *B->blks, cmp_blk);
    return HF_OK;
}

/* ----------------------------------------------------------- parameters */

static double *dalloc(size_t n, double v)
{
    double *p = malloc(sizeof(double) * (n ? n : 1));
    if (p)
        for (size_t i = 0; i < n; i++)
            p[i] = v;
    return p;
}

/* The set's per-component arrays, zeroed, in one block (init first: it
 * is what req_free frees); -1 when out of memory. */
static int req_alloc(preq *r, int n)
{
    size_t k = n ? (size_t)n : 1;
    double *d = calloc(6 * k * sizeof(double) + k, 1);
    r->n = n;
    if (!d)
        return -1;
    r->init = d;
    r->lo = d + k;
    r->hi = d + 2 * k;
    r->aux = d + 3 * k;
    r->sig = d + 4 * k;
    r->fac = d + 5 * k;
    r->fixed = (unsigned char *)(d + 6 * k);
    return 0;
}

static void req_free(preq *r)
{
    free(r->init);
    free(r->bins);
}

static void req_fill(preq *r, double init, double lo, double hi, double aux,
                     double sig)
{
    for (int i = 0; i < r->n; i++) {
        r->init[i] = init;
        r->lo[i] = lo;
        r->hi[i] = hi;
        r->aux[i] = aux;
        r->sig[i] = sig;
    }
}

/* Registers the parameter set `name` needed by modifier (blk, mod). */
static int need(builder *B, int blk, int mod)
{
    const modref *mr = &B->blks[blk].mods[mod];
    int k = B->name_req[mr->nid];
    if (k >= 0) {
        int t0 = B->reqs[k].type, t1 = mr->type;
        int same = t0 == t1 ||
                   (t0 == HF_MOD_HISTOSYS && t1 == HF_MOD_NORMSYS) ||
                   (t0 == HF_MOD_NORMSYS && t1 == HF_MOD_HISTOSYS);
        if (!same) {
            char p[160];
            return hfcore_error_set(B->err, HF_ERR_INVALID,
                                "%s: %s: parameter '%s' is used by a %s modifier and by a %s "
                                "modifier, which need different parameters; use unique "
                                "modifier names",
                                B->src, modpath(B, blk, mod, p, sizeof p), mr->name,
                                hfmodel_modtype_names[t0], hfmodel_modtype_names[t1]);
        }
        return HF_OK;
    }
    if (B->nreq == B->capreq) {
        int cap = B->capreq ? 2 * B->capreq : 64;
        preq *nr = realloc(B->reqs, sizeof *nr * cap);
        if (!nr)
            return nomem(B);
        B->reqs = nr;
        B->capreq = cap;
    }
    preq *r = &B->reqs[B->nreq];
    memset(r, 0, sizeof *r);
    r->name = mr->name;
    r->type = mr->type;
    r->blk = blk;
    r->mod = mod;
    r->aux_offset = -1;
    /* the map serves the measurement config and the POI, by name */
    if (hfcore_strmap_put(&B->parmap, mr->name, B->nreq))
        return nomem(B);
    B->name_type[mr->nid] = (unsigned char)mr->type;
    B->name_req[mr->nid] = B->nreq++;
    return HF_OK;
}

/* pyhf creates every staterror set at the first channel x sample
 * visited, so they come in name order.  One sort of all occurrences by
 * (name, walk order) gives each set's first occurrence and its whole run
 * (a scan per name would be quadratic in the channels of a large
 * workspace). */
static int register_staterror(builder *B)
{
    const int t = HF_MOD_STATERROR;
    size_t cnt = 0;
    for (int b = 0; b < B->nblk; b++)
        cnt += (size_t)(B->blks[b].tidx[t + 1] - B->blks[b].tidx[t]);
    B->st = malloc(sizeof *B->st * (cnt ? cnt : 1));
    B->st_nomsum = calloc(B->nmain ? B->nmain : 1, sizeof(double));
    B->st_rel2 = calloc(B->nmain ? B->nmain : 1, sizeof(double));
    if (!B->st || !B->st_nomsum || !B->st_rel2)
        return nomem(B);
    size_t n = 0;
    for (int b = 0; b < B->nblk; b++) {
        const blockref *br = &B->blks[b];
        for (int k = br->tidx[t]; k < br->tidx[t + 1]; k++) {
            int j = br->tidx[T1 + k];
            B->st[n++] = (struct stocc){B->rank[br->mods[j].nid], b, j};
        }
    }
    qsort(B->st, cnt, sizeof *B->st, cmp_stocc);
    for (size_t i = 0, e; i < cnt; i = e) {
        for (e = i + 1; e < cnt && B->st[e].rank == B->st[i].rank; e++)
            ;
        int rc = need(B, B->st[i].b, B->st[i].j);
        if (rc)
            return rc;
        B->reqs[B->nreq - 1].occ0 = (int)i;
        B->reqs[B->nreq - 1].nocc = (int)(e - i);
    }
    return HF_OK;
}

/* shapesys parameters belong to one sample: pyhf refuses to share. */
static int shapesys_own(builder *B)
{
    const int t = HF_MOD_SHAPESYS;
    for (int b = 0; b < B->nblk; b++) {
        const blockref *br = &B->blks[b];
        for (int k = br->tidx[t]; k < br->tidx[t + 1]; k++) {
            int j = br->tidx[T1 + k];
            const modref *mr = &br->mods[j];
            const preq *r = &B->reqs[B->name_req[mr->nid]];
            if (r->type == HF_MOD_SHAPESYS && (r->blk != b || r->mod != j)) {
                char p[160];
                return hfcore_error_set(B->err, HF_ERR_INVALID,
                                        "%s: %s: shapesys '%s' on sample '%s' is already used by "
                                        "another sample; shapesys parameters cannot be shared",
                                        B->src, modpath(B, b, j, p, sizeof p), mr->name,
                                        br->name);
            }
        }
    }
    return HF_OK;
}

/* The sets of block b's modifiers of type t.  Most meet a set of their
 * type made before (or a histosys's set for a normsys of the same name):
 * need() would do nothing more than this test (1Lbb: ~10.4k modifiers a
 * build; read through name_req and the sets, 24M of the grid's 439M
 * build instructions). */
static int register_block(builder *B, int b, int t)
{
    const int alt = t == HF_MOD_NORMSYS ? HF_MOD_HISTOSYS : t;
    const unsigned char *st = B->name_type;
    const int *x = B->blks[b].tidx, *nid = x + T1 + B->blks[b].nmods;
    for (int k = x[t]; k < x[t + 1]; k++) {
        int s = st[nid[k]], rc;
        if (s != t && s != alt && (rc = need(B, b, x[T1 + k])))
            return rc;
    }
    return HF_OK;
}

/* The same for a prepared block when every prepared sample is in the
 * build in prep_fresh's order: only its fresh modifiers, the others' (name,
 * type) having been met in a block before it, whose test made the set or
 * found one (1Lbb: 10.4k tests a build, 11.6M of the grid's
 * instructions, become ~300). */
static int register_fresh(builder *B, int b, int t)
{
    const int alt = t == HF_MOD_NORMSYS ? HF_MOD_HISTOSYS : t;
    const unsigned char *st = B->name_type;
    const blockref *br = &B->blks[b];
    const int *f = br->ps->fresh;
    for (int k = f[t]; k < f[t + 1]; k++) {
        int j = f[T1 + k], s = st[br->mods[j].nid], rc;
        if (s != t && s != alt && (rc = need(B, b, j)))
            return rc;
    }
    return HF_OK;
}

/* Whether the build's prepared blocks are all the prepared samples, in
 * prep_fresh's order (a patch that changed or removed a sample, or copied
 * one, leaves another sequence: then every modifier is tested). */
static int prep_in_order(const builder *B)
{
    int q = 0;
    for (int b = 0; B->prep && b < B->nblk; b++)
        if (B->blks[b].ps && B->blks[b].ps->wsrank != q++)
            return 0;
    return B->prep && q == B->prep->ns;
}

/* The parameter sets in pyhf's order: by modifier type, then as first
 * met in the walk (staterror: by name); each type's modifiers come from
 * the blocks' type indices, in walk order. */
static int register_parameters(builder *B)
{
    const int ordered = prep_in_order(B);
    /* a set per distinct name at most (1Lbb: 116 names, 12 kB zeroed
     * per build at the 256 it was) */
    if (hfcore_strmap_init(&B->parmap, (size_t)(B->nbase + B->nnames)))
        return nomem(B);
    int rc = HF_OK;
    for (int t = 0; rc == HF_OK && t < HF_MOD_NTYPES; t++) {
        if (t == HF_MOD_STATERROR) {
            rc = register_staterror(B);
            continue;
        }
        for (int b = 0; rc == HF_OK && b < B->nblk; b++)
            rc = ordered && B->blks[b].ps ? register_fresh(B, b, t) : register_block(B, b, t);
    }
    return rc == HF_OK ? shapesys_own(B) : rc;
}

static const double *sample_data(const blockref *r, double *buf)
{
    memcpy(buf, r->nom, sizeof(double) * (size_t)r->nb);
    return buf;
}

/* The channels where staterror r is used (increasing) into chans, their
 * count and largest bin count; fails unless every sample carrying it
 * carries it in all of them (pyhf asserts one mask for all). */
static int staterror_channels(builder *B, const preq *r, int *chans, int *nch_out,
                              int *maxnb)
{
    const struct stocc *occ = B->st + r->occ0;
    const int nocc = r->nocc;
    hf_strmap per_sample = {0};
    int rc = HF_OK, nch = 0;
    if (hfcore_strmap_init(&per_sample, (size_t)nocc))
        return nomem(B);
    for (int o = 0; o < nocc && rc == HF_OK; o++) {
        const blockref *br = &B->blks[occ[o].b];
        if (!nch || chans[nch - 1] != br->chan)
            chans[nch++] = br->chan;
        if (br->nb > *maxnb)
            *maxnb = br->nb;
        int c = hfcore_strmap_get(&per_sample, br->name);
        if (hfcore_strmap_put(&per_sample, br->name, c < 0 ? 1 : c + 1))
            rc = nomem(B);
    }
    for (int a = 0; a < nocc && rc == HF_OK; a++) {
        const blockref *ba = &B->blks[occ[a].b];
        int n = hfcore_strmap_get(&per_sample, ba->name);
        if (n != nch) {
            char p[160];
            rc = hfcore_error_set(B->err, HF_ERR_INVALID,
                              "%s: %s: staterror '%s' is on sample '%s' in %d of the %d "
                              "channels where it is used; pyhf needs every sample carrying it "
                              "to carry it in the same channels",
                              B->src, modpath(B, occ[a].b, occ[a].j, p, sizeof p),
                              r->name, ba->name, n, nch);
        }
    }
    hfcore_strmap_free(&per_sample);
    *nch_out = nch;
    return rc;
}

static int staterror_defaults(builder *B, preq *r)
{
    /* the blocks carrying it, in walk order: its run of B->st, whose
     * channels therefore come in increasing (sorted) order */
    const struct stocc *occ = B->st + r->occ0;
    const int nocc = r->nocc;
    double *nomsum = B->st_nomsum, *rel2 = B->st_rel2;
    int *chans = malloc(sizeof(int) * (size_t)(nocc ? nocc : 1));
    double *buf = NULL;
    int rc = HF_OK, nch = 0, maxnb = 1;
    if (!chans) {
        rc = nomem(B);
        goto done;
    }
    if ((rc = staterror_channels(B, r, chans, &nch, &maxnb)))
        goto done;
    if (!(buf = malloc(sizeof(double) * (size_t)maxnb))) {
        rc = nomem(B);
        goto done;
    }
    for (int o = 0; o < nocc; o++) {
        const blockref *br = &B->blks[occ[o].b];
        sample_data(br, buf);
        for (int i = 0; i < br->nb; i++)
            nomsum[br->bin0 + i] += buf[i];
    }
    for (int o = 0; o < nocc; o++) {
        const blockref *br = &B->blks[occ[o].b];
        const modref *mr = &br->mods[occ[o].j];
        for (int i = 0; i < mr->nv; i++) {
            double ns = nomsum[br->bin0 + i];
            if (ns > 0) {
                double q = mr->v[i] / ns;
                rel2[br->bin0 + i] += q * q;
            }
        }
    }
    int n = 0;
    for (int c = 0; c < nch; c++)
        n += B->chans[chans[c]].nb;
    if (req_alloc(r, n) || !(r->bins = malloc(sizeof(int) * (n ? n : 1)))) {
        rc = nomem(B);
        goto done;
    }
    req_fill(r, 1.0, 1e-10, 10.0, 1.0, 1.0);
    r->constrained = 1;
    int k = 0;
    for (int c = 0; c < nch; c++) {
        const chanref *ch = &B->chans[chans[c]];
        for (int i = 0; i < ch->nb; i++, k++) {
            int g = ch->off + i;
            double sd = sqrt(rel2[g]);
            r->bins[k] = g;
            r->fixed[k] = sd == 0;
            r->sig[k] = sd == 0 ? 1.0 : sd;
        }
    }
done:
    /* leave the scratch zeroed for the next set */
    for (int c = 0; c < nch; c++) {
        const chanref *ch = &B->chans[chans[c]];
        memset(nomsum + ch->off, 0, sizeof(double) * (size_t)ch->nb);
        memset(rel2 + ch->off, 0, sizeof(double) * (size_t)ch->nb);
    }
    free(chans);
    free(buf);
    return rc;
}

static int defaults(builder *B, preq *r)
{
    const blockref *br = &B->blks[r->blk];
    const modref *mr = &br->mods[r->mod];
    switch (r->type) {
    case HF_MOD_HISTOSYS:
    case HF_MOD_NORMSYS:
        if (req_alloc(r, 1))
            return nomem(B);
        req_fill(r, 0.0, -5.0, 5.0, 0.0, 1.0);
        r->constrained = 1;
        return HF_OK;
    case HF_MOD_LUMI:
        /* everything comes from the measurement config; NaN marks unset */
        if (req_alloc(r, 1))
            return nomem(B);
        req_fill(r, NAN, NAN, NAN, NAN, NAN);
        r->constrained = 1;
        return HF_OK;
    case HF_MOD_NORMFACTOR:
        if (req_alloc(r, 1))
            return nomem(B);
        req_fill(r, 1.0, 0.0, 10.0, 0.0, 0.0);
        return HF_OK;
    case HF_MOD_SHAPEFACTOR:
        if (req_alloc(r, br->nb))
            return nomem(B);
        req_fill(r, 1.0, 0.0, 10.0, 0.0, 0.0);
        return HF_OK;
    case HF_MOD_SHAPESYS: {
        if (req_alloc(r, br->nb))
            return nomem(B);
        req_fill(r, 1.0, 1e-10, 10.0, 0.0, 0.0);
        r->constrained = 2;
        double *nom = dalloc(br->nb, 0);
        if (!nom)
            return nomem(B);
        sample_data(br, nom);
        for (int i = 0; i < mr->nv; i++) {
            double unc = mr->v[i];
            int valid = nom[i] > 0 && unc > 0;
            double tau = valid ? (nom[i] * nom[i]) / (unc * unc) : 1.0;
            r->fac[i] = r->aux[i] = tau;
            r->fixed[i] = !valid;
        }
        free(nom);
        return HF_OK;
    }
    case HF_MOD_STATERROR:
        return staterror_defaults(B, r);
    }
    return HF_ERR_INVALID;
}

/* Which measurement-config keys a parameter of each type accepts (pyhf:
 * "X does not use the K attribute"). */
static int uses_key(int type, const char *key)
{
    if (!strcmp(key, "inits") || !strcmp(key, "bounds") || !strcmp(key, "fixed"))
        return 1;
    if (!strcmp(key, "auxdata"))
        return type != HF_MOD_NORMFACTOR && type != HF_MOD_SHAPEFACTOR;
    if (!strcmp(key, "sigmas"))
        return type == HF_MOD_LUMI || type == HF_MOD_STATERROR;
    if (!strcmp(key, "factors"))
        return type == HF_MOD_SHAPESYS;
    return 0;
}

/* What the config must leave complete: lumi's values (it has no defaults)
 * and positive widths and Poisson factors. */
static int check_config(builder *B, const char *ppath)
{
    /* lumi has no defaults: pyhf fails with a bare TypeError without them */
    for (int k = 0; k < B->nreq; k++) {
        preq *r = &B->reqs[k];
        if (r->type != HF_MOD_LUMI)
            continue;
        const char *missing = isnan(r->init[0]) ? "inits"
                              : isnan(r->lo[0]) ? "bounds"
                              : isnan(r->aux[0]) ? "auxdata"
                              : isnan(r->sig[0]) ? "sigmas" : NULL;
        if (missing) {
            char p[160];
            modpath(B, r->blk, r->mod, p, sizeof p);
            /* nothing configured at all: the common case of a signal patch
             * adding lumi to a workspace whose measurement has no lumi */
            if (isnan(r->init[0]) && isnan(r->lo[0]) && isnan(r->aux[0]) && isnan(r->sig[0]))
                return hfcore_error_set(B->err, HF_ERR_INVALID,
                                    "%s: %s: sample '%s' has a lumi modifier but the measurement "
                                    "configures no 'lumi' parameter, which has no defaults: add "
                                    "{\"name\": \"lumi\", \"inits\": [1.0], \"bounds\": "
                                    "[[0.5, 1.5]], \"auxdata\": [1.0], \"sigmas\": [...]} to the measurement's "
                                    "config.parameters (pyhf fails here with a bare TypeError)",
                                    B->src, p, B->blks[r->blk].name);
            return hfcore_error_set(B->err, HF_ERR_INVALID,
                                "%s: %s: sample '%s' has a lumi modifier but the measurement's "
                                "'lumi' parameter has no '%s' (lumi has no defaults: it needs "
                                "inits, bounds, auxdata and sigmas in %s)",
                                B->src, p, B->blks[r->blk].name, missing, ppath);
        }
    }
    for (int k = 0; k < B->nreq; k++) {
        const preq *r = &B->reqs[k];
        for (int i = 0; i < r->n; i++) {
            if (r->constrained == 1 && !(r->sig[i] > 0))
                return hfcore_error_set(B->err, HF_ERR_INVALID,
                                    "%s: %s: parameter '%s' has a non-positive constraint width %g",
                                    B->src, ppath, r->name, r->sig[i]);
            if (r->constrained == 2 && !(r->fac[i] > 0))
                return hfcore_error_set(B->err, HF_ERR_INVALID,
                                    "%s: %s: parameter '%s' has a non-positive Poisson factor %g",
                                    B->src, ppath, r->name, r->fac[i]);
        }
    }
    return HF_OK;
}

static int apply_config(builder *B, const cJSON *params, const char *ppath)
{
    const cJSON *pc;
    int j = 0;
    cJSON_ArrayForEach(pc, params) {
        const char *name = jstr(pc, "name");
        int k = name ? hfcore_strmap_get(&B->parmap, name) : -1;
        /* a config for a parameter the model lacks is ignored, as pyhf */
        if (k < 0) {
            j++;
            continue;
        }
        preq *r = &B->reqs[k];
        const cJSON *kv;
        cJSON_ArrayForEach(kv, pc) {
            const char *key = kv->string;
            if (!strcmp(key, "name"))
                continue;
            if (!uses_key(r->type, key)) {
                if (cJSON_IsFalse(kv))
                    continue;
                return hfcore_error_set(B->err, HF_ERR_INVALID,
                                    "%s: %s[%d].%s: parameter '%s' (%s) does not use the %s "
                                    "attribute",
                                    B->src, ppath, j, key, name, hfmodel_modtype_names[r->type], key);
            }
            if (!strcmp(key, "sigmas"))
                r->config |= HFMODEL_CFG_SIGMAS;
            if (!strcmp(key, "fixed")) {
                r->config |= HFMODEL_CFG_FIXED;
                for (int i = 0; i < r->n; i++)
                    r->fixed[i] = cJSON_IsTrue(kv);
                continue;
            }
            int len = cJSON_GetArraySize(kv);
            if (len != r->n)
                return hfcore_error_set(B->err, HF_ERR_INVALID,
                                    "%s: %s[%d].%s: %d values configured for parameter '%s', "
                                    "which has %d",
                                    B->src, ppath, j, key, len, name, r->n);
            int i = 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, kv) {
                if (!strcmp(key, "bounds")) {
                    r->lo[i] = cJSON_GetArrayItem(x, 0)->valuedouble;
                    r->hi[i] = cJSON_GetArrayItem(x, 1)->valuedouble;
                } else if (!strcmp(key, "inits")) {
                    r->init[i] = x->valuedouble;
                } else if (!strcmp(key, "auxdata")) {
                    r->aux[i] = x->valuedouble;
                } else if (!strcmp(key, "sigmas")) {
                    r->sig[i] = x->valuedouble;
                } else if (!strcmp(key, "factors")) {
                    r->fac[i] = x->valuedouble;
                }
                i++;
            }
        }
        j++;
    }
    return check_config(B, ppath);
}

/* -------------------------------------------------------------- compile */

/* The scalar factors' arrays (model.h), each written whole by the block
 * loop (fill_blocks) but sf_code4 and its starts (group_code4); -1 when
 * out of memory. */
static int alloc_scalars(hf_model *m)
{
    size_t n = (size_t)m->nsfac;
    m->sf_poly = malloc(11 * sizeof(double) * (n ? n : 1));
    m->sf_par = malloc(sizeof(int) * (n ? n : 1));
    m->sf_code4 = malloc(sizeof(int) * (n ? n : 1));
    m->sf_other = malloc(sizeof(int) * (n ? n : 1));
    /* code4 factors grouped by parameter: those of parameter p are
     * sf_code4[sf_code4_start[p] .. sf_code4_start[p+1]) */
    m->sf_code4_start = malloc(sizeof(int) * ((size_t)m->npars + 1));
    m->nsf_code4 = m->nsf_other = 0;
    return m->sf_poly && m->sf_par && m->sf_code4 && m->sf_other && m->sf_code4_start ? 0 : -1;
}

/* The polynomial rows of factors [k0, k1) (a block compiled modifier by
 * modifier), their parameters and code4 flags (c4). */
static void soa_normsys(hf_model *m, int k0, int k1, unsigned char *c4)
{
    double *row[11];
    for (int j = 0; j < 11; j++)
        row[j] = m->sf_poly + (size_t)j * (size_t)m->nsfac;
    for (int k = k0; k < k1; k++) {
        const hf_sfac *f = &m->sfac[k];
        sf_rows(f, row, (size_t)k);
        m->sf_par[k] = f->par;
        c4[k] = f->code == HF_INTERP_CODE4;
        if (!c4[k] && f->code >= 0)
            m->sf_other[m->nsf_other++] = k;
    }
}

/* sf_code4: the code4 factors (c4) by parameter, each parameter's in
 * increasing k, taken from the grouping of all factors by parameter
 * (hfmodel_group_scalars) instead of a counting sort of its own, whose
 * scattered increments (in the block loop and here) were ~7M of the 1Lbb
 * grid's instructions. */
static void group_code4(hf_model *m, const unsigned char *c4)
{
    int n = 0, g = 0;
    for (int p = 0; p < m->npars; p++) {
        m->sf_code4_start[p] = n;
        if (g == m->nsf_pars || m->sf_gpar[g] != p)
            continue;
        for (int i = m->sf_gstart[g]; i < m->sf_gstart[g + 1]; i++)
            if (c4[m->sf_gk[i]])
                m->sf_code4[n++] = m->sf_gk[i];
        g++;
    }
    m->sf_code4_start[m->npars] = n;
    m->nsf_code4 = n;
}

/* Orders the histosys entries by parameter (a counting sort, stable) for
 * the gradient pass, from their block-bin order (hs_sstart, hs_spar,
 * hs_scoef, which the block loop wrote): the build order of the entries
 * of one parameter is their block-bin order (one modifier of a parameter
 * per block, its bins in order), so this is the order the counting sort
 * of the build order made. */
static int group_histosys(builder *B, hf_model *m)
{
    int np = m->npars, n = m->nhs;
    int *count = calloc((size_t)np + 1, sizeof(int));
    m->hs_gslot = malloc(sizeof(int) * (n ? n : 1));
    m->hs_gcoef = malloc(sizeof(double) * 2 * (n ? n : 1));
    m->hs_gpar = malloc(sizeof(int) * (np ? np : 1));
    m->hs_gstart = malloc(sizeof(int) * ((size_t)np + 1));
    if (!count || !m->hs_gslot || !m->hs_gcoef || !m->hs_gpar || !m->hs_gstart) {
        free(count);
        return nomem(B);
    }
    for (int e = 0; e < n; e++)
        count[m->hs_spar[e] + 1]++;
    for (int p = 0; p < np; p++)
        count[p + 1] += count[p];
    m->nhs_pars = 0;
    for (int p = 0; p < np; p++)
        if (count[p + 1] > count[p]) {
            m->hs_gpar[m->nhs_pars] = p;
            m->hs_gstart[m->nhs_pars++] = count[p];
        }
    m->hs_gstart[m->nhs_pars] = n;
    for (size_t s = 0; s < m->nbb; s++)
        for (int e = m->hs_sstart[s]; e < m->hs_sstart[s + 1]; e++) {
            int k = count[m->hs_spar[e]]++;
            m->hs_gslot[k] = (int)s;
            m->hs_gcoef[2 * k] = m->hs_scoef[2 * e];
            m->hs_gcoef[2 * k + 1] = m->hs_scoef[2 * e + 1];
        }
    free(count);
    return HF_OK;
}

/* The sample name of each block (hfmodel_sample_block finds a sample by
 * its name, not by where the sort above put it). */
static int block_names(builder *B, hf_model *m)
{
    size_t len = 0;
    for (int b = 0; b < B->nblk; b++)
        len += strlen(B->blks[b].name) + 1;
    m->blk_sample = malloc(sizeof(char *) * (size_t)(B->nblk ? B->nblk : 1));
    char *buf = malloc(len ? len : 1);
    if (!m->blk_sample || !buf || B->nblk == 0) {
        free(buf);
        return m->blk_sample ? HF_OK : nomem(B);
    }
    for (int b = 0; b < B->nblk; b++) {
        size_t n = strlen(B->blks[b].name) + 1;
        memcpy(buf, B->blks[b].name, n);
        m->blk_sample[b] = buf;
        buf += n;
    }
    return HF_OK;
}

/* Parameters (pyhf order) and constraint terms (auxdata order). */
static int fill_parameters(builder *B, hf_model *m)
{
    m->nparsets = B->nreq;
    m->parsets = calloc(B->nreq ? B->nreq : 1, sizeof *m->parsets);
    if (!m->parsets)
        return nomem(B);
    size_t npar = 0, naux = 0;
    for (int k = 0; k < B->nreq; k++) {
        preq *r = &B->reqs[k];
        r->offset = (int)npar;
        npar += (size_t)r->n;
        if (r->constrained) {
            r->aux_offset = (int)naux;
            naux += (size_t)r->n;
        }
        /* data holds the main bins and then the auxdata */
        if (npar > INT_MAX || naux > (size_t)INT_MAX - (size_t)B->nmain)
            return too_large(B, npar > INT_MAX ? "parameters" : "data",
                             npar > INT_MAX ? npar : naux + (size_t)B->nmain);
    }
    int np = (int)npar, na = (int)naux;
    m->npars = np;
    m->naux = na;
    m->init = dalloc(np, 0);
    m->lo = dalloc(np, 0);
    m->hi = dalloc(np, 0);
    m->fixed = calloc(np ? np : 1, 1);
    m->par_names = calloc(np ? np : 1, sizeof(char *));
    m->auxdata = dalloc(na, 0);
    m->sigmas = dalloc(na, 0);
    m->factors = dalloc(na, 0);
    m->aux_par = malloc(sizeof(int) * (na ? na : 1));
    m->ps_config = calloc(B->nreq ? B->nreq : 1, 1);
    if (!m->init || !m->lo || !m->hi || !m->fixed || !m->par_names || !m->auxdata ||
        !m->sigmas || !m->factors || !m->aux_par || !m->ps_config)
        return nomem(B);
    for (int k = 0; k < B->nreq; k++) {
        const preq *r = &B->reqs[k];
        hf_parset *ps = &m->parsets[k];
        ps->name = strdup(r->name);
        if (!ps->name)
            return nomem(B);
        ps->type = hfmodel_modtype_names[r->type];
        ps->offset = r->offset;
        ps->n = r->n;
        ps->constrained = r->constrained;
        ps->aux_offset = r->aux_offset;
        m->ps_config[k] = r->config;
        /* pyhf's is_scalar: normfactor, normsys, histosys, lumi */
        int scalar = r->type == HF_MOD_NORMFACTOR || r->type == HF_MOD_NORMSYS ||
                     r->type == HF_MOD_HISTOSYS || r->type == HF_MOD_LUMI;
        for (int i = 0; i < r->n; i++) {
            int p = r->offset + i;
            m->init[p] = r->init[i];
            m->lo[p] = r->lo[i];
            m->hi[p] = r->hi[i];
            m->fixed[p] = r->fixed[i];
            size_t len = strlen(r->name) + 16;
            m->par_names[p] = malloc(len);
            if (!m->par_names[p])
                return nomem(B);
            if (scalar)
                memcpy(m->par_names[p], r->name, len - 15);
            else
                snprintf(m->par_names[p], len, "%s[%d]", r->name, i);
            if (r->constrained) {
                int a = r->aux_offset + i;
                m->auxdata[a] = r->aux[i];
                m->aux_par[a] = p;
                m->sigmas[a] = r->constrained == 1 ? r->sig[i] : 0;
                m->factors[a] = r->constrained == 2 ? r->fac[i] : 0;
            }
        }
    }
    return HF_OK;
}

/* Channels and the observed data (main bins, then the auxdata). */
static int fill_channels(builder *B, hf_model *m, const cJSON *observations)
{
    m->nchan = B->nchan;
    m->nmain = B->nmain;
    m->chan_names = calloc(B->nchan ? B->nchan : 1, sizeof(char *));
    m->chan_off = malloc(sizeof(int) * (B->nchan ? B->nchan : 1));
    m->chan_nb = malloc(sizeof(int) * (B->nchan ? B->nchan : 1));
    m->data = dalloc(B->nmain + m->naux, 0);
    if (!m->chan_names || !m->chan_off || !m->chan_nb || !m->data)
        return nomem(B);
    /* observation of each name (the last one, as a scan would find): a
     * map, since a scan per channel is quadratic in large workspaces */
    int nobs = cJSON_GetArraySize(observations), oi = 0;
    const cJSON **obsv = malloc(sizeof *obsv * (size_t)(nobs ? nobs : 1)), *o;
    hf_strmap obsmap = {0};
    if (!obsv || hfcore_strmap_init(&obsmap, (size_t)nobs)) {
        free(obsv);
        return nomem(B);
    }
    cJSON_ArrayForEach(o, observations) {
        const char *on = jstr(o, "name");
        obsv[oi] = o;
        if (on && hfcore_strmap_put(&obsmap, on, oi)) {
            free(obsv);
            hfcore_strmap_free(&obsmap);
            return nomem(B);
        }
        oi++;
    }
    int rc = HF_OK;
    for (int c = 0; c < B->nchan && rc == HF_OK; c++) {
        m->chan_names[c] = strdup(B->chans[c].name);
        m->chan_off[c] = B->chans[c].off;
        m->chan_nb[c] = B->chans[c].nb;
        int found = hfcore_strmap_get(&obsmap, B->chans[c].name);
        const cJSON *obs = found >= 0 ? obsv[found] : NULL;
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(obs, "data"), *x;
        if (!m->chan_names[c])
            rc = nomem(B);
        else if (!obs)
            rc = hfcore_error_set(B->err, HF_ERR_INVALID,
                              "%s: observations: no observation for channel '%s'", B->src,
                              B->chans[c].name);
        else if (cJSON_GetArraySize(d) != B->chans[c].nb)
            rc = hfcore_error_set(B->err, HF_ERR_INVALID,
                              "%s: observations[%d].data: %d observed bins for channel '%s', "
                              "which has %d",
                              B->src, found, cJSON_GetArraySize(d), B->chans[c].name,
                              B->chans[c].nb);
        int i = 0;
        if (rc == HF_OK)
            cJSON_ArrayForEach(x, d) m->data[B->chans[c].off + i++] = x->valuedouble;
    }
    free(obsv);
    hfcore_strmap_free(&obsmap);
    if (rc)
        return rc;
    memcpy(m->data + B->nmain, m->auxdata, sizeof(double) * m->naux);
    return HF_OK;
}

/* Where the block loop writes next: scalar factors, histosys entries,
 * per-bin factor rows and their parameter indices. */
typedef struct cursor {
    int sfi, hsi, bfi;
    size_t bfoff;
    /* [name id]: the offset of the name's parameter set (a compact array
     * read for every modifier, where the sets themselves are large and
     * scattered) */
    const int *off;
    /* the histosys entries in block-bin order so far (hs_spar, hs_scoef;
     * hsi counts a block's entries in build order, in hs_par, hs_slot and
     * hs_coef, before they go there) */
    int hss;
    unsigned char *c4; /* [nsfac] code4 flags (group_code4) */
    int *bincnt;       /* [largest nb + 1] scratch (block_histosys) */
} cursor;

/* Sizes the block arrays and the evaluation's scratch (model.h). */
static int alloc_blocks(builder *B, hf_model *m, const hf_model_options *opt)
{
    size_t nsf = 0, nhs = 0, nbfpar = 0, nomlen = 0, blkhs = 0;
    for (int b = 0; b < B->nblk; b++) {
        const int *x = B->blks[b].tidx;
        size_t nb = (size_t)B->blks[b].nb;
#define TCOUNT(t) (size_t)(x[(t) + 1] - x[t])
        nsf += TCOUNT(HF_MOD_NORMFACTOR) + TCOUNT(HF_MOD_LUMI) + TCOUNT(HF_MOD_NORMSYS);
        nhs += TCOUNT(HF_MOD_HISTOSYS) * nb;
        if (TCOUNT(HF_MOD_HISTOSYS) * nb > blkhs)
            blkhs = TCOUNT(HF_MOD_HISTOSYS) * nb;
        nbfpar += (TCOUNT(HF_MOD_SHAPEFACTOR) + TCOUNT(HF_MOD_SHAPESYS) +
                   TCOUNT(HF_MOD_STATERROR)) * nb;
#undef TCOUNT
    }
    for (int b = 0; b < B->nblk; b++)
        nomlen += (size_t)B->blks[b].nb;
    /* int indices: scalar factors, histosys entries, per-bin factor
     * entries and block-bins (hs_slot, hs_sstart) */
    if (nsf > INT_MAX || nhs > INT_MAX || nbfpar > INT_MAX || nomlen > INT_MAX)
        return too_large(B, nomlen > INT_MAX ? "block bins (bins x samples)"
                            : nhs > INT_MAX   ? "histosys bins"
                            : nbfpar > INT_MAX ? "per-bin factor entries"
                                               : "scalar factors",
                         nomlen > INT_MAX ? nomlen : nhs > INT_MAX ? nhs
                         : nbfpar > INT_MAX ? nbfpar : nsf);
    m->nblocks = B->nblk;
    m->blocks = calloc((size_t)(B->nblk > 0 ? B->nblk : 1), sizeof *m->blocks);
    /* not zeroed: fill_blocks writes every block's nominals and every
     * histosys entry up to the count it keeps (nhs here is the most
     * there can be; 1Lbb's 2 * nhs coefficients are ~128 kB a build,
     * whose zeroing was 21M of the grid's 504M build instructions) */
    m->nominal = malloc(sizeof(double) * (nomlen ? nomlen : 1));
    /* every factor is written whole by compile_modifier */
    m->sfac = malloc(sizeof *m->sfac * (nsf ? nsf : 1));
    m->bf_par = malloc(sizeof(int) * (nbfpar ? nbfpar : 1));
    m->bf_unc = dalloc(nbfpar, 0); /* shapesys, shapefactor: 0 */
    /* one block's entries in build order (block_histosys), then the
     * entries by block-bin */
    m->hs_par = malloc(sizeof(int) * (blkhs ? blkhs : 1));
    m->hs_slot = malloc(sizeof(int) * (blkhs ? blkhs : 1));
    m->hs_coef = malloc(2 * sizeof(double) * (blkhs ? blkhs : 1));
    m->hs_sstart = malloc(sizeof(int) * (nomlen + 1));
    m->hs_spar = malloc(sizeof(int) * (nhs ? nhs : 1));
    m->hs_scoef = malloc(2 * sizeof(double) * (nhs ? nhs : 1));
    if (!m->blocks || !m->nominal || !m->sfac || !m->bf_par || !m->bf_unc || !m->hs_par ||
        !m->hs_slot || !m->hs_coef || !m->hs_sstart || !m->hs_spar || !m->hs_scoef)
        return nomem(B);
    m->nsfac = (int)nsf;
    m->nhs = (int)nhs;
    m->nbb = nomlen;
    if (alloc_scalars(m))
        return nomem(B);
    m->work_sf = 2 * (size_t)m->nmain;
    m->work_par = m->work_sf + 3 * (size_t)nsf;
    m->histosys_code = opt->histosys_interp;
    m->work_bb = m->work_par + 4 * (size_t)m->npars;
    m->work_size = m->work_bb + 3 * nomlen + (size_t)m->nblocks;
    return HF_OK;
}

/* A histosys's coefficients, one entry per bin that it moves. */
static void compile_histosys(hf_model *m, const hf_model_options *opt, const hf_block *K,
                             int par, const modref *mr, cursor *at)
{
    /* made by hfmodel_prep_new as below (with the default code, although
     * the coefficients do not depend on it today) */
    if (mr->hscoef && opt->histosys_interp == HF_INTERP_CODE4P) {
        for (int e = 0; e < mr->hsn; e++, at->hsi++) {
            m->hs_coef[2 * (size_t)at->hsi] = mr->hscoef[2 * e];
            m->hs_coef[2 * (size_t)at->hsi + 1] = mr->hscoef[2 * e + 1];
            m->hs_par[at->hsi] = par;
            m->hs_slot[at->hsi] = (int)K->nom + mr->hsbin[e];
        }
        return;
    }
    for (int i = 0; i < K->nb; i++) {
        double *c = m->hs_coef + 2 * (size_t)at->hsi;
        hfmodel_interp_histosys_init(c, opt->histosys_interp, mr->v[i],
                                m->nominal[K->nom + i], mr->v[K->nb + i]);
        /* hi = lo = nominal in this bin: the shift is exactly 0
         * for every alpha, so the entry would only cost time
         * (ATLAS workspaces are full of these: 57% of 1Lbb's
         * histosys bins, 98% of staus') */
        if (c[0] == 0 && c[1] == 0)
            continue;
        m->hs_par[at->hsi] = par;
        m->hs_slot[at->hsi] = (int)K->nom + i;
        at->hsi++;
    }
}

/* Modifier mr = j of block br = b (K in the model) into the model's
 * arrays at c.  The caller's pointers, not B's and m's arrays indexed
 * again: the stores below may alias those arrays, so every modifier
 * reloaded them (1Lbb: ~10.4k modifiers a build, ~8 instructions each).
 * Inlined into compile_block's loop: called from image_block too, gcc
 * made it a call per modifier (the single 1Lbb patch's build, every
 * modifier walked: 9.87M -> 10.23M instructions). */
static inline __attribute__((always_inline)) int
compile_modifier(builder *B, hf_model *m, const hf_model_options *opt,
                            const blockref *br, const hf_block *K, const modref *mr,
                            int b, int j, cursor *c)
{
    const int off = c->off[mr->nid];
    char p[160];
    /* tested before the switch: 58% of 1Lbb's modifiers, and the
     * switch's jump cost ~8 instructions each */
    if (mr->type == HF_MOD_HISTOSYS) {
        compile_histosys(m, opt, K, off, mr, c);
        return HF_OK;
    }
    switch (mr->type) {
    case HF_MOD_NORMFACTOR:
    case HF_MOD_LUMI:
        m->sfac[c->sfi++] = (hf_sfac){.par = off, .code = -1};
        break;
    case HF_MOD_NORMSYS: {
        double lo = mr->v[0], hi = mr->v[1];
        if (mr->sf4 && opt->normsys_interp == HF_INTERP_CODE4) {
            /* computed from the same lo and hi by hfmodel_prep_new */
            m->sfac[c->sfi] = *mr->sf4;
            m->sfac[c->sfi++].par = off;
            break;
        }
        /* the init leaves the constants its code does not use: zeros */
        m->sfac[c->sfi] = (hf_sfac){.par = off};
        if (hfmodel_interp_normsys_init(&m->sfac[c->sfi++], opt->normsys_interp, lo, hi))
            return hfcore_error_set(B->err, HF_ERR_INVALID,
                                "%s: %s.data: normsys '%s' has lo=%g, hi=%g: "
                                "code1/code4 interpolation needs lo > 0 and hi > 0 "
                                "(pyhf would give NaN)",
                                B->src, modpath(B, b, j, p, sizeof p), mr->name, lo, hi);
        break;
    }
    case HF_MOD_HISTOSYS:
        compile_histosys(m, opt, K, off, mr, c);
        break;
    case HF_MOD_SHAPEFACTOR:
    case HF_MOD_SHAPESYS: {
        const preq *r = &B->reqs[B->name_req[mr->nid]];
        if (br->nb > r->n)
            return hfcore_error_set(B->err, HF_ERR_INVALID,
                                "%s: %s: %s '%s' has %d parameters (from its first "
                                "channel) but channel '%s' has %d bins",
                                B->src, modpath(B, b, j, p, sizeof p),
                                hfmodel_modtype_names[mr->type], mr->name, r->n,
                                B->chans[br->chan].name, br->nb);
        for (int i = 0; i < br->nb; i++)
            m->bf_par[c->bfoff + i] = off + i;
        c->bfoff += br->nb;
        c->bfi++;
        break;
    }
    case HF_MOD_STATERROR: {
        const preq *r = &B->reqs[B->name_req[mr->nid]];
        int k = 0;
        while (k < r->n && r->bins[k] != br->bin0)
            k++;
        for (int i = 0; i < br->nb; i++) {
            m->bf_par[c->bfoff + i] = off + k + i;
            m->bf_unc[c->bfoff + i] = i < mr->nv ? mr->v[i] : 0;
        }
        c->bfoff += br->nb;
        c->bfi++;
        break;
    }
    }
    return HF_OK;
}

/* The modifiers of block br = b (K in the model) into the model's arrays
 * at c: of a prepared sample at the default histosys code, only those
 * that make entries (a histosys without entries makes none: the same
 * arrays, ~4k fewer modifiers walked per 1Lbb build). */
static int compile_block(builder *B, hf_model *m, const hf_model_options *opt,
                         const blockref *br, const hf_block *K, int b, cursor *c)
{
    const int *live = opt->histosys_interp == HF_INTERP_CODE4P ? br->live : NULL;
    const int n = live ? br->nlive : br->nmods;
    for (int i = 0; i < n; i++) {
        int j = live ? live[i] : i;
        int rc = compile_modifier(B, m, opt, br, K, &br->mods[j], b, j, c);
        if (rc)
            return rc;
    }
    return HF_OK;
}

/* cursor.off: each name id's parameter offset (-1: no set, a name of
 * this build's prepared names that none of its samples uses); NULL when
 * out of memory. */
static int *name_offsets(const builder *B)
{
    int nt = B->nbase + B->nnames;
    int *off = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    for (int i = 0; off && i < nt; i++)
        off[i] = B->name_req[i] >= 0 ? B->reqs[B->name_req[i]].offset : -1;
    return off;
}

/* The histosys entries block K made in build order (hs_par, hs_slot,
 * hs_coef: c->hsi of them) after those before it in block-bin order: a
 * counting sort by bin, stable. */
static void block_histosys(hf_model *m, const hf_block *K, cursor *c)
{
    int *cnt = c->bincnt;
    memset(cnt, 0, sizeof(int) * ((size_t)K->nb + 1));
    for (int e = 0; e < c->hsi; e++)
        cnt[m->hs_slot[e] - (int)K->nom + 1]++;
    cnt[0] = c->hss;
    for (int i = 0; i < K->nb; i++) {
        cnt[i + 1] += cnt[i];
        m->hs_sstart[K->nom + i] = cnt[i];
    }
    for (int e = 0; e < c->hsi; e++) {
        int k = cnt[m->hs_slot[e] - (int)K->nom]++;
        m->hs_spar[k] = m->hs_par[e];
        m->hs_scoef[2 * k] = m->hs_coef[2 * e];
        m->hs_scoef[2 * k + 1] = m->hs_coef[2 * e + 1];
    }
    c->hss += c->hsi;
    c->hsi = 0;
}

/* Block br = b (K) from its prepared sample's image: the factors and the
 * histosys entries copied in runs, each parameter looked up by name id
 * (the patch's parameter order differs from the workspace's: 112 of
 * 1Lbb's 125 patches put its parameters in another order), the factors'
 * polynomial rows made from the copies; the per-bin factor rows as
 * compile_modifier makes them. */
static int image_block(builder *B, hf_model *m, const hf_model_options *opt,
                       const blockref *br, const hf_block *K, int b, cursor *c)
{
    const prep_sample *ps = br->ps;
    const int *off = c->off, n = ps->nisf, k0 = c->sfi;
    double *row[11];
    for (int j = 0; j < 11; j++)
        row[j] = m->sf_poly + (size_t)j * (size_t)m->nsfac;
    memcpy(m->sfac + k0, ps->isf, sizeof *ps->isf * (size_t)n);
    for (int k = 0; k < n; k++) {
        int p = off[ps->isf[k].par];
        m->sfac[k0 + k].par = m->sf_par[k0 + k] = p;
        c->c4[k0 + k] = ps->isf4[k];
        sf_rows(&m->sfac[k0 + k], row, (size_t)(k0 + k));
    }
    c->sfi += n;
    for (int i = 0, e = c->hss; i < K->nb; i++) {
        m->hs_sstart[K->nom + i] = e;
        e += ps->ihcnt[i];
    }
    for (int e = 0; e < ps->nihs; e++)
        m->hs_spar[c->hss + e] = off[ps->ihnid[e]];
    memcpy(m->hs_scoef + 2 * (size_t)c->hss, ps->ihcoef, 2 * sizeof(double) * (size_t)ps->nihs);
    c->hss += ps->nihs;
    for (int i = 0; i < ps->nibf; i++) {
        int j = ps->ibf[i], rc = compile_modifier(B, m, opt, br, K, &br->mods[j], b, j, c);
        if (rc)
            return rc;
    }
    return HF_OK;
}

/* Block br = b (K) modifier by modifier, then its factors' rows and its
 * histosys entries in block-bin order. */
static int modifier_block(builder *B, hf_model *m, const hf_model_options *opt,
                          const blockref *br, const hf_block *K, int b, cursor *c)
{
    int k0 = c->sfi, rc = compile_block(B, m, opt, br, K, b, c);
    if (rc)
        return rc;
    soa_normsys(m, k0, c->sfi, c->c4);
    block_histosys(m, K, c);
    return HF_OK;
}

/* The blocks (channel x sample) and their modifiers: a prepared sample's
 * from its image at the default codes (image_block), the others
 * modifier by modifier. */
static int fill_blocks(builder *B, hf_model *m, const hf_model_options *opt)
{
    int rc = alloc_blocks(B, m, opt), maxnb = 0;
    if (rc)
        return rc;
    for (int b = 0; b < B->nblk; b++)
        maxnb = B->blks[b].nb > maxnb ? B->blks[b].nb : maxnb;
    int img = opt->normsys_interp == HF_INTERP_CODE4 && opt->histosys_interp == HF_INTERP_CODE4P;
    cursor c = {0, 0, 0, 0, name_offsets(B), 0, malloc(m->nsfac ? (size_t)m->nsfac : 1),
                malloc(sizeof(int) * ((size_t)maxnb + 1))};
    size_t nomoff = 0;
    if (!c.off || !c.c4 || !c.bincnt)
        rc = nomem(B);
    for (int b = 0; rc == HF_OK && b < B->nblk; b++) {
        const blockref *br = &B->blks[b];
        hf_block *K = &m->blocks[b];
        K->bin0 = br->bin0;
        K->nb = br->nb;
        K->nom = nomoff;
        sample_data(br, m->nominal + nomoff);
        nomoff += br->nb;
        K->sf0 = c.sfi;
        K->bf0 = c.bfi;
        K->bfpar = c.bfoff;
        rc = img && br->ps && br->ps->img ? image_block(B, m, opt, br, K, b, &c)
                                          : modifier_block(B, m, opt, br, K, b, &c);
        K->nsf = c.sfi - K->sf0;
        K->nbf = c.bfi - K->bf0;
    }
    if (rc == HF_OK) {
        m->hs_sstart[m->nbb] = c.hss;
        m->nhs = c.hss;
    }
    free((int *)c.off);
    B->c4 = c.c4;
    free(c.bincnt);
    /* the build order served only to sort each block's entries */
    free(m->hs_par);
    free(m->hs_slot);
    free(m->hs_coef);
    m->hs_par = m->hs_slot = NULL;
    m->hs_coef = NULL;
    return rc;
}

static int fill_model(builder *B, hf_model *m, const hf_model_options *opt,
                      const cJSON *observations)
{
    int rc = fill_parameters(B, m);
    if (!rc)
        rc = fill_channels(B, m, observations);
    if (!rc)
        rc = fill_blocks(B, m, opt);
    if (!rc)
        rc = block_names(B, m);
    if (rc)
        return rc;
    if (hfmodel_group_scalars(m))
        return nomem(B);
    group_code4(m, B->c4);
    return group_histosys(B, m);
}

static void builder_free(builder *B)
{
    for (int b = 0; b < B->nblk; b++) {
        free(B->blks[b].ownmods);
        free(B->blks[b].owntidx);
        free(B->blks[b].own);
    }
    free(B->blks);
    free(B->rank);
    free(B->chans);
    for (int k = 0; k < B->nreq; k++)
        req_free(&B->reqs[k]);
    free(B->reqs);
    hfcore_strmap_free(&B->parmap);
    hfcore_strmap_free(&B->namemap);
    free(B->names);
    free(B->name_req);
    free(B->name_type);
    free(B->st);
    free(B->st_nomsum);
    free(B->st_rel2);
    free(B->c4);
}

static int same_bytes(const void *x, const void *y, size_t n)
{
    return x == y || (x && y && memcmp(x, y, n) == 0) || n == 0;
}

/* The counts, then the arrays in model.h's order (the names are compared
 * by tests/test_prep.c). */
const char *hfmodel_differs(const hf_model *a, const hf_model *b)
{
#define SAME(f, n) \
    if (!same_bytes(a->f, b->f, (size_t)(n) * sizeof *a->f)) \
        return #f
#define COUNT(f) \
    if (a->f != b->f) \
        return #f
    COUNT(npars); COUNT(nparsets); COUNT(poi); COUNT(naux); COUNT(nchan); COUNT(nmain);
    COUNT(nblocks); COUNT(nsfac); COUNT(nsf_code4); COUNT(nsf_other); COUNT(nsf_pars);
    COUNT(nhs); COUNT(nhs_pars); COUNT(nbb); COUNT(work_sf); COUNT(work_par); COUNT(work_bb);
    COUNT(work_size); COUNT(histosys_code); COUNT(ntwowell); COUNT(nkinked); COUNT(nonesided);
    size_t np = (size_t)a->npars, nsf = (size_t)a->nsfac, nhs = (size_t)a->nhs, nbf = 0;
    if (a->nblocks > 0) {
        const hf_block *K = &a->blocks[a->nblocks - 1];
        nbf = K->bfpar + (size_t)K->nbf * (size_t)K->nb;
    }
    SAME(init, np); SAME(lo, np); SAME(hi, np); SAME(fixed, np);
    SAME(auxdata, a->naux); SAME(sigmas, a->naux); SAME(factors, a->naux);
    SAME(aux_par, a->naux); SAME(chan_off, a->nchan); SAME(chan_nb, a->nchan);
    SAME(data, a->nmain + a->naux); SAME(blocks, a->nblocks); SAME(nominal, a->nbb);
    SAME(sfac, nsf); SAME(sf_poly, 11 * nsf); SAME(sf_par, nsf);
    SAME(sf_code4, a->nsf_code4); SAME(sf_code4_start, np + 1); SAME(sf_other, a->nsf_other);
    SAME(sf_gpar, a->nsf_pars); SAME(sf_gstart, a->nsf_pars + 1); SAME(sf_gk, nsf);
    SAME(bf_par, nbf); SAME(bf_unc, nbf); SAME(ps_config, a->nparsets);
    SAME(hs_par, nhs); SAME(hs_slot, nhs); SAME(hs_coef, 2 * nhs);
    SAME(hs_sstart, a->nbb + 1); SAME(hs_spar, nhs); SAME(hs_scoef, 2 * nhs);
    SAME(hs_gpar, a->nhs_pars); SAME(hs_gstart, a->nhs_pars + 1); SAME(hs_gslot, nhs);
    SAME(hs_gcoef, 2 * nhs); SAME(twowell, np); SAME(kinked, np); SAME(onesided, np);
    SAME(line_maps, a->nbb + nsf + 3 * np); /* hfmodel_line_maps' length */
#undef SAME
#undef COUNT
    return NULL;
}

/* The interpolation codes pyhf defines for each modifier type; any other
 * value would be evaluated as code4p (histosys) or refused later with a
 * message about lo and hi (normsys), so it is refused here by name. */
static int check_interp_codes(const hf_model_options *opt, hf_error *err)
{
    if (opt->histosys_interp == HF_INTERP_CODE1 || opt->histosys_interp == HF_INTERP_CODE4)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "histosys interpolation must be code0, code2 or code4p "
                            "(pyhf defines no additive code1/code4)");
    if (opt->histosys_interp != HF_INTERP_CODE0 && opt->histosys_interp != HF_INTERP_CODE2 &&
        opt->histosys_interp != HF_INTERP_CODE4P)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "histosys interpolation code %d is not one of code0, code2 "
                            "or code4p", (int)opt->histosys_interp);
    if (opt->normsys_interp != HF_INTERP_CODE0 && opt->normsys_interp != HF_INTERP_CODE1 &&
        opt->normsys_interp != HF_INTERP_CODE2 && opt->normsys_interp != HF_INTERP_CODE4 &&
        opt->normsys_interp != HF_INTERP_CODE4P)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "normsys interpolation code %d is not one of code0, code1, "
                            "code2, code4 or code4p", (int)opt->normsys_interp);
    return HF_OK;
}

/* m->poi: the offset of the scalar parameter named opt->poi, or -1 when
 * no POI is asked for. */
static int set_poi(const builder *B, hf_model *m, const hf_model_options *opt,
                   const char *params_path)
{
    m->poi = -1;
    if (!opt->poi || !opt->poi[0])
        return HF_OK;
    int k = hfcore_strmap_get(&B->parmap, opt->poi);
    if (k < 0)
        return hfcore_error_set(B->err, HF_ERR_INVALID,
                            "%s: %s: the POI '%s' is not a parameter of the model", B->src,
                            params_path, opt->poi);
    if (B->reqs[k].n != 1)
        return hfcore_error_set(B->err, HF_ERR_INVALID,
                            "%s: %s: the POI '%s' has %d components; a POI must be scalar",
                            B->src, params_path, opt->poi, B->reqs[k].n);
    m->poi = B->reqs[k].offset;
    return HF_OK;
}

/* The parameter scans the fitter needs, done once per model here rather
 * than in every fit: fit/mle.c other_wells (twowell) and other_sides
 * (kinked); infer/toys.c (onesided). Returns 0 when out of memory. */
static int scan_parameters(hf_model *m)
{
    size_t n = m->npars ? (size_t)m->npars : 1;
    m->twowell = malloc(n);
    if (m->twowell)
        m->ntwowell = hfmodel_twowell_scan(m, m->twowell);
    m->kinked = malloc(n);
    if (m->kinked)
        m->nkinked = hfmodel_kinked_scan(m, m->kinked);
    m->onesided = malloc(n);
    if (m->onesided)
        m->nonesided = hfmodel_onesided_scan(m, m->onesided);
    /* only where a fit may look at other wells (an overlay that comes to
     * have two-well parameters: each line model makes its own) */
    if (m->twowell && m->ntwowell > 0 && !(m->line_maps = hfmodel_line_maps(m)))
        return 0;
    return m->twowell && m->kinked && m->onesided;
}

/* The steps run in pyhf's order: channels are collected, parameters
 * registered (which fixes the parameter order), given their defaults,
 * then the measurement's config applied and the flat arrays filled. */
int hfmodel_compile(const cJSON *channels, const cJSON *params,
                     const char *params_path, const cJSON *observations,
                     const hf_model_options *opt, const hfmodel_prep *prep,
                     const char *source, hf_model **out, hf_error *err)
{
    builder B;
    memset(&B, 0, sizeof B);
    B.src = source;
    B.err = err;
    *out = NULL;
    B.prep = prep;
    B.nbase = prep ? prep->nnames : 0;
    int rc = check_interp_codes(opt, err);
    if (rc)
        return rc;
    hf_model *m = calloc(1, sizeof *m);
    if (!m)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    rc = collect(&B, channels);
    if (!rc)
        rc = register_parameters(&B);
    for (int k = 0; !rc && k < B.nreq; k++)
        rc = defaults(&B, &B.reqs[k]);
    if (!rc && B.nreq == 0)
        rc = hfcore_error_set(err, HF_ERR_INVALID, "%s: channels: the model has no parameters",
                          source);
    if (!rc)
        rc = apply_config(&B, params, params_path);
    if (!rc)
        rc = fill_model(&B, m, opt, observations);
    if (!rc)
        rc = set_poi(&B, m, opt, params_path);
    builder_free(&B);
    if (rc) {
        hf_model_free(m);
        return rc;
    }
    m->source = strdup(source ? source : "");
    m->params_path = strdup(params_path ? params_path : "parameters");
    if (!scan_parameters(m) || !m->source || !m->params_path) {
        hf_model_free(m);
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    }
    *out = m;
    return HF_OK;
}
