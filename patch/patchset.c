/*
 * patchset.c - pyhf patchsets (schema 1.0.0): named RFC 6902 patches with
 * the values of the signal point each one describes.
 *
 * Validation follows pyhf: the JSON schema (patchset.json/defs.json) first,
 * then PatchSet.__init__'s checks, patch by patch, of unique names, unique
 * values and as many values as labels.  Real patchsets are tens of MB, so
 * nothing is copied: each patch's operation array is detached from the
 * parsed tree and the rest of the tree is kept for the metadata.
 */
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "patch.h"

typedef struct {
    struct hf_patch patch;  /* ops detached from the document */
    const char *name;       /* strings and arrays below live in root */
    const cJSON *values;
    int nvalues;
    hfpatch_span span;      /* its operations in the text, when scanned */
} entry;

struct hf_patchset {
    cJSON *root;
    char *source;
    int n;
    entry *e;
    int nlabels;
    const char **labels;
    const cJSON *digests;
    /* opened by hfpatch_patchset_open: the text, kept for
     * hfpatch_patchset_parse_one (no patch's operations are parsed) */
    hfcore_text text;
    int lazy;
};

static int bad(hf_error *err, const char *source, const char *fmt, ...)
    HF_PRINTF(3, 4);

static int bad(hf_error *err, const char *source, const char *fmt, ...)
{
    char detail[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return hfcore_error_set(err, HF_ERR_INVALID, "%s: %s", source, detail);
}

/* ^[a-zA-Z0-9_]+$ */
static int word_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= '0' && *s <= '9') ||
              (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

/* Exactly n characters from `set` ("0-9a-f" style ranges spelled out). */
static int chars_ok(const char *s, size_t n, const char *set)
{
    return strlen(s) == n && strspn(s, set) == n;
}

static int count(const cJSON *c)
{
    int n = 0;
    for (; c; c = c->next)
        n++;
    return n;
}

/* The members of obj not named in `allowed` (a NULL-terminated list). */
static const cJSON *stray_member(const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = m->string && strcmp(m->string, *a) == 0;
        if (!ok)
            return m;
    }
    return NULL;
}

static int check_metadata(const cJSON *md, const char *source, hf_error *err)
{
    static const char *const required[] = {"references", "digests", "labels",
                                           "description"};
    if (!cJSON_IsObject(md))
        return bad(err, source, "/metadata: expected an object, found %s",
                   hfpatch_json_a_type(md));
    for (size_t k = 0; k < sizeof required / sizeof *required; k++)
        if (!cJSON_GetObjectItemCaseSensitive(md, required[k]))
            return bad(err, source,
                       "/metadata: missing required member \"%s\"",
                       required[k]);

    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(md, "references");
    static const char *const ref_keys[] = {"hepdata", NULL};
    if (!cJSON_IsObject(refs))
        return bad(err, source,
                   "/metadata/references: expected an object, found %s",
                   hfpatch_json_a_type(refs));
    if (!refs->child)
        return bad(err, source, "/metadata/references: must not be empty");
    const cJSON *m = stray_member(refs, ref_keys);
    if (m)
        return bad(err, source,
                   "/metadata/references: unexpected member \"%s\" (only "
                   "\"hepdata\" is allowed)", m->string);
    const cJSON *hep = cJSON_GetObjectItemCaseSensitive(refs, "hepdata");
    if (!cJSON_IsString(hep) ||
        !(strncmp(hep->valuestring, "ins", 3) == 0 &&
          chars_ok(hep->valuestring + 3, 7, "0123456789")))
        return bad(err, source,
                   "/metadata/references/hepdata: expected a string like "
                   "\"ins1234567\"");

    const cJSON *dig = cJSON_GetObjectItemCaseSensitive(md, "digests");
    static const char *const dig_keys[] = {"md5", "sha256", NULL};
    if (!cJSON_IsObject(dig))
        return bad(err, source,
                   "/metadata/digests: expected an object, found %s",
                   hfpatch_json_a_type(dig));
    if (!dig->child)
        return bad(err, source, "/metadata/digests: must not be empty");
    m = stray_member(dig, dig_keys);
    if (m)
        return bad(err, source,
                   "/metadata/digests: unexpected member \"%s\" (only "
                   "\"md5\" and \"sha256\" are allowed)", m->string);
    const cJSON *md5 = cJSON_GetObjectItemCaseSensitive(dig, "md5");
    if (md5 && !(cJSON_IsString(md5) &&
                 chars_ok(md5->valuestring, 32, "0123456789abcdef")))
        return bad(err, source, "/metadata/digests/md5: expected 32 "
                   "lowercase hexadecimal digits");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(dig, "sha256");
    if (sha && !(cJSON_IsString(sha) &&
                 chars_ok(sha->valuestring, 64,
                          "0123456789abcdefABCDEF")))
        return bad(err, source, "/metadata/digests/sha256: expected 64 "
                   "hexadecimal digits");

    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
    if (!cJSON_IsArray(labels))
        return bad(err, source,
                   "/metadata/labels: expected an array, found %s",
                   hfpatch_json_a_type(labels));
    if (!labels->child)
        return bad(err, source, "/metadata/labels: must not be empty");
    int j = 0;
    for (const cJSON *l = labels->child; l; l = l->next, j++)
        if (!cJSON_IsString(l) || !word_ok(l->valuestring))
            return bad(err, source,
                       "/metadata/labels/%d: expected a name of letters, "
                       "digits and '_'", j);

    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(md, "description");
    if (!cJSON_IsString(desc))
        return bad(err, source,
                   "/metadata/description: expected a string, found %s",
                   hfpatch_json_a_type(desc));
    return HF_OK;
}

/* Schema checks of patches[i]; fills e's name and values. */
static int check_patch(const cJSON *p, int i, const char *source, entry *e,
                       hf_error *err)
{
    static const char *const keys[] = {"metadata", "patch", NULL};
    if (!cJSON_IsObject(p))
        return bad(err, source, "/patches/%d: expected an object, found %s",
                   i, hfpatch_json_a_type(p));
    const cJSON *m = stray_member(p, keys);
    if (m)
        return bad(err, source,
                   "/patches/%d: unexpected member \"%s\" (a patch has "
                   "only \"metadata\" and \"patch\")", i, m->string);
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(p, "metadata");
    if (!md)
        return bad(err, source,
                   "/patches/%d: missing required member \"metadata\"", i);
    if (!cJSON_GetObjectItemCaseSensitive(p, "patch"))
        return bad(err, source,
                   "/patches/%d: missing required member \"patch\"", i);
    if (!cJSON_IsObject(md))
        return bad(err, source,
                   "/patches/%d/metadata: expected an object, found %s", i,
                   hfpatch_json_a_type(md));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(md, "values");
    if (!name)
        return bad(err, source,
                   "/patches/%d/metadata: missing required member \"name\"",
                   i);
    if (!values)
        return bad(err, source,
                   "/patches/%d/metadata: missing required member "
                   "\"values\"", i);
    if (!cJSON_IsString(name))
        return bad(err, source,
                   "/patches/%d/metadata/name: expected a string, found %s",
                   i, hfpatch_json_a_type(name));
    if (!word_ok(name->valuestring))
        return bad(err, source,
                   "/patches/%d/metadata/name: \"%s\" is not a name of "
                   "letters, digits and '_'", i, name->valuestring);
    if (!cJSON_IsArray(values))
        return bad(err, source,
                   "/patches/%d/metadata/values: expected an array, found "
                   "%s", i, hfpatch_json_a_type(values));
    int j = 0;
    for (const cJSON *v = values->child; v; v = v->next, j++)
        if (!cJSON_IsNumber(v) && !cJSON_IsString(v))
            return bad(err, source,
                       "/patches/%d/metadata/values/%d: expected a number "
                       "or a string, found %s", i, j, hfpatch_json_a_type(v));
    e->name = name->valuestring;
    e->values = values;
    e->nvalues = j;
    return HF_OK;
}

/* Value tuples compare as Python tuples do for equality: numbers by
 * value, strings by content, a number never equal to a string.  The
 * order is arbitrary but total, so sorting brings equal tuples together. */
static int values_cmp(const entry *a, const entry *b)
{
    if (a->nvalues != b->nvalues)
        return a->nvalues < b->nvalues ? -1 : 1;
    const cJSON *x = a->values->child, *y = b->values->child;
    for (; x && y; x = x->next, y = y->next) {
        int xs = cJSON_IsString(x), ys = cJSON_IsString(y);
        if (xs != ys)
            return xs - ys;
        if (xs) {
            int c = strcmp(x->valuestring, y->valuestring);
            if (c)
                return c;
        } else if (x->valuedouble != y->valuedouble) {
            return x->valuedouble < y->valuedouble ? -1 : 1;
        }
    }
    return 0;
}

static int by_name(const void *pa, const void *pb)
{
    const entry *a = *(const entry *const *)pa, *b = *(const entry *const *)pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a < b ? -1 : a > b);
}

static int by_values(const void *pa, const void *pb)
{
    const entry *a = *(const entry *const *)pa, *b = *(const entry *const *)pb;
    int c = values_cmp(a, b);
    return c ? c : (a < b ? -1 : a > b);
}

/* first[i] = index of the earliest entry equal to entry i under cmp (i
 * itself when it is the first), in O(n log n). */
static void earliest_equal(entry *e, int n, entry **tmp, int *first,
                           int (*cmp)(const void *, const void *),
                           int (*eq)(const entry *, const entry *))
{
    for (int i = 0; i < n; i++)
        tmp[i] = &e[i];
    qsort(tmp, (size_t)n, sizeof *tmp, cmp);
    for (int k = 0, g = 0; k < n; k++) {
        if (k > 0 && !eq(tmp[k - 1], tmp[k]))
            g = k;
        first[tmp[k] - e] = (int)(tmp[g] - e);
    }
}

static int same_name(const entry *a, const entry *b)
{
    return strcmp(a->name, b->name) == 0;
}

static int same_values(const entry *a, const entry *b)
{
    return values_cmp(a, b) == 0;
}

/* PatchSet.__init__'s checks, in its order: per patch, name, values, then
 * the number of values. */
static int check_unique(entry *e, int n, int nlabels, const char *source,
                        hf_error *err)
{
    entry **tmp = malloc((size_t)n * sizeof *tmp);
    int *fname = malloc((size_t)n * sizeof *fname);
    int *fvals = malloc((size_t)n * sizeof *fvals);
    int rc = HF_OK;
    if (!tmp || !fname || !fvals) {
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
        goto done;
    }
    earliest_equal(e, n, tmp, fname, by_name, same_name);
    earliest_equal(e, n, tmp, fvals, by_values, same_values);
    for (int i = 0; i < n && !rc; i++) {
        if (fname[i] != i)
            rc = bad(err, source,
                     "/patches/%d/metadata/name: duplicate patch name \"%s\" "
                     "(also /patches/%d)", i, e[i].name, fname[i]);
        else if (fvals[i] != i)
            rc = bad(err, source,
                     "/patches/%d/metadata/values: patch \"%s\" has the same "
                     "values as patch \"%s\" (/patches/%d)", i, e[i].name,
                     e[fvals[i]].name, fvals[i]);
        else if (e[i].nvalues != nlabels)
            rc = bad(err, source,
                     "/patches/%d/metadata/values: patch \"%s\" has %d "
                     "value%s but the patchset has %d label%s", i, e[i].name,
                     e[i].nvalues, e[i].nvalues == 1 ? "" : "s", nlabels,
                     nlabels == 1 ? "" : "s");
    }
done:
    free(tmp);
    free(fname);
    free(fvals);
    return rc;
}

/* The first object member whose key its object already has, searched
 * depth first as repeated_key does, without its path.  The type tests
 * are cJSON_IsObject's and cJSON_IsArray's written out: as calls into the
 * library, two or three for each of a grid patch's ~8k nodes, they were a
 * third of this walk's instructions.  A container whose items are in
 * nums' block (which has no key twice below it) is not walked: a 1Lbb
 * patch's 930 modifiers were 23M instructions over the grid's 125
 * patches (callgrind). */
static const cJSON *first_repeated(const cJSON *node, const hfpatch_numbers *nums)
{
    if (node && hfpatch_numbers_holds(nums, node->child))
        return NULL;
    int object = node && (node->type & 0xFF) == cJSON_Object;
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
        /* a patch's keys mostly differ in their first byte (data, name,
         * type; hi_data, lo_data): strcmp only when it is the same */
        if (object)
            for (const cJSON *d = node->child; d != c; d = d->next)
                if (d->string[0] == c->string[0] && strcmp(d->string, c->string) == 0)
                    return c;
        int t = c->type & 0xFF;
        const cJSON *r = t == cJSON_Object || t == cJSON_Array ? first_repeated(c, nums) : NULL;
        if (r)
            return r;
    }
    return NULL;
}

static const cJSON *repeated_key_at(const cJSON *node, char *path, size_t len,
                                    size_t used);

/* The first object member whose key its object already has, searched
 * depth first; its JSON pointer into path.  pyhf's json.load keeps the
 * last of repeated keys and cJSON the first: both readings must agree.
 * The path is made only when there is such a member (a path per
 * container cost a grid's patches 6% of their parse and build).  nums:
 * the block node's items may be in, or NULL. */
static const cJSON *repeated_key(const cJSON *node, const hfpatch_numbers *nums, char *path,
                                 size_t len, size_t used)
{
    return first_repeated(node, nums) ? repeated_key_at(node, path, len, used) : NULL;
}

static const cJSON *repeated_key_at(const cJSON *node, char *path, size_t len,
                                    size_t used)
{
    int i = 0;
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next, i++) {
        if (cJSON_IsObject(node))
            for (const cJSON *d = node->child; d != c; d = d->next)
                if (strcmp(d->string, c->string) == 0) {
                    snprintf(path + used, len - used, "/%s", c->string);
                    return c;
                }
        if (!cJSON_IsObject(c) && !cJSON_IsArray(c))
            continue;
        int w = cJSON_IsObject(node) ? snprintf(path + used, len - used, "/%s", c->string)
                                     : snprintf(path + used, len - used, "/%d", i);
        size_t u = w > 0 && used + (size_t)w < len ? used + (size_t)w : used;
        const cJSON *r = repeated_key_at(c, path, len, u);
        if (r)
            return r;
        path[used] = '\0';
    }
    return NULL;
}

static int validate(const cJSON *root, const char *source, entry *e,
                    hf_error *err)
{
    char where[512] = "";
    const cJSON *dup = repeated_key(root, NULL, where, sizeof where, 0);
    if (dup)
        return bad(err, source, "%s: the key \"%s\" appears twice in one object (pyhf "
                   "would take the last, hf the first)", where, dup->string);
    static const char *const keys[] = {"metadata", "patches", "version",
                                       NULL};
    const cJSON *m = stray_member(root, keys);
    if (m)
        return bad(err, source,
                   "unexpected member \"%s\" (a patchset has only "
                   "\"metadata\", \"patches\" and \"version\")", m->string);
    for (const char *const *k = keys; *k; k++)
        if (!cJSON_GetObjectItemCaseSensitive(root, *k))
            return bad(err, source, "missing required member \"%s\"", *k);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsString(version) || strcmp(version->valuestring, "1.0.0"))
        return bad(err, source,
                   "/version: unsupported patchset version%s%s%s (expected "
                   "\"1.0.0\")", cJSON_IsString(version) ? " \"" : "",
                   cJSON_IsString(version) ? version->valuestring : "",
                   cJSON_IsString(version) ? "\"" : "");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    int rc = check_metadata(md, source, err);
    if (rc)
        return rc;

    const cJSON *patches = cJSON_GetObjectItemCaseSensitive(root, "patches");
    if (!cJSON_IsArray(patches))
        return bad(err, source, "/patches: expected an array, found %s",
                   hfpatch_json_a_type(patches));
    if (!patches->child)
        return bad(err, source, "/patches: must hold at least one patch");
    int i = 0;
    for (const cJSON *p = patches->child; p; p = p->next, i++) {
        rc = check_patch(p, i, source, &e[i], err);
        if (rc)
            return rc;
        /* a raw placeholder: the operations are still text (psscan.c),
         * checked when parsed */
        const cJSON *ops = cJSON_GetObjectItemCaseSensitive(p, "patch");
        char where[512];
        snprintf(where, sizeof where, "%s[%s]", source, e[i].name);
        rc = cJSON_IsRaw(ops) ? HF_OK : hfpatch_check(ops, where, err);
        if (rc)
            return rc;
    }
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
    return check_unique(e, i, count(labels->child), source, err);
}

void hf_patchset_free(hf_patchset *ps)
{
    if (!ps)
        return;
    for (int i = 0; i < ps->n; i++) {
        hfpatch_numbers_delete(ps->e[i].patch.ops, ps->e[i].patch.numbers);
        free(ps->e[i].patch.source);
    }
    free(ps->e);
    free(ps->labels);
    cJSON_Delete(ps->root);
    free(ps->source);
    if (ps->lazy)
        hfcore_text_close(&ps->text);
    free(ps);
}

/* A validated patchset of root (taken whatever the outcome), its
 * patches' sources set; their operations are still in root. */
static int patchset_new(cJSON *root, const char *source, hf_patchset **out,
                        hf_error *err)
{
    int rc;
    *out = NULL;
    if (!cJSON_IsObject(root)) {
        rc = cJSON_IsArray(root)
                 ? bad(err, source,
                       "is an RFC 6902 patch, not a pyhf patchset")
                 : bad(err, source,
                       "not a pyhf patchset: expected an object, found %s",
                       hfpatch_json_a_type(root));
        cJSON_Delete(root);
        return rc;
    }
    hf_patchset *ps = calloc(1, sizeof *ps);
    const cJSON *patches = cJSON_GetObjectItemCaseSensitive(root, "patches");
    int n = cJSON_IsArray(patches) ? count(patches->child) : 0;
    if (ps) {
        ps->root = root;
        ps->source = strdup(source);
        ps->e = calloc(n > 0 ? (size_t)n : 1, sizeof *ps->e);
    }
    if (!ps || !ps->source || !ps->e) {
        if (ps)
            hf_patchset_free(ps);
        else
            cJSON_Delete(root);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
    }
    rc = validate(root, source, ps->e, err);
    if (rc) {
        hf_patchset_free(ps);
        return rc;
    }

    const cJSON *md = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
    ps->digests = cJSON_GetObjectItemCaseSensitive(md, "digests");
    ps->nlabels = count(labels->child);
    ps->labels = malloc((size_t)ps->nlabels * sizeof *ps->labels);
    if (!ps->labels) {
        hf_patchset_free(ps);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
    }
    int j = 0;
    for (const cJSON *l = labels->child; l; l = l->next)
        ps->labels[j++] = l->valuestring;

    size_t slen = strlen(source);
    for (int i = 0; i < n; i++) {
        entry *e = &ps->e[i];
        char *where = malloc(slen + strlen(e->name) + 3);
        if (!where) {
            hf_patchset_free(ps);
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                                source);
        }
        sprintf(where, "%s[%s]", source, e->name);
        e->patch.source = where;
        e->patch.whole = 1;
        ps->n = i + 1;
    }
    *out = ps;
    return HF_OK;
}

int hfpatch_patchset_from_json(cJSON *root, const char *source, hf_patchset **out,
                          hf_error *err)
{
    hf_patchset *ps;
    int rc = patchset_new(root, source, &ps, err);
    if (rc)
        return rc;
    /* Detach, don't duplicate: the patches are most of the document. */
    cJSON *p = cJSON_GetObjectItemCaseSensitive(ps->root, "patches")->child;
    for (int i = 0; i < ps->n; i++, p = p->next)
        ps->e[i].patch.ops = cJSON_DetachItemViaPointer(
            p, cJSON_GetObjectItemCaseSensitive(p, "patch"));
    *out = ps;
    return HF_OK;
}

/* Parses the operations of patches[i] (the text's span, from file
 * `source`; `where` names the patch) into *out and checks them as
 * validate() checks a parsed patchset's; with the integer marks unless
 * marks is 0 (hfcore_json_parse_span_ex). */
static int parse_checked_nums(const char *text, hfpatch_span span, int i,
                              const char *source, const char *where_patch,
                              int marks, cJSON **out, hfpatch_numbers **nums,
                              hf_error *err)
{
    cJSON *ops = NULL;
    hfpatch_numbers *blk = NULL;
    /* without marks (a grid's build) the numbers' block may do; it
     * declines anything it is not sure of, and the text is parsed as ever */
    int rc = nums && !marks && hfpatch_numbers_parse_ex(text + span.off, span.len,
                                                        HFPATCH_NUMBERS_MODIFIERS, &ops,
                                                        &blk) == 0
                 ? HF_OK
                 : hfcore_json_parse_span_ex(text, span.off, span.len, source,
                                             marks, &ops, err);
    if (rc)
        return rc;
    char where[512];
    int used = snprintf(where, sizeof where, "/patches/%d/patch", i);
    const cJSON *dup = repeated_key(ops, blk, where, sizeof where, (size_t)used);
    if (dup)
        rc = bad(err, source, "%s: the key \"%s\" appears twice in one "
                 "object (pyhf would take the last, hf the first)", where,
                 dup->string);
    if (!rc)
        rc = hfpatch_check(ops, where_patch, err);
    if (rc) {
        hfpatch_numbers_delete(ops, blk);
        return rc;
    }
    *out = ops;
    if (nums)
        *nums = blk;
    return HF_OK;
}

static int parse_checked(const char *text, hfpatch_span span, int i,
                         const char *source, const char *where_patch,
                         int marks, cJSON **out, hf_error *err)
{
    return parse_checked_nums(text, span, i, source, where_patch, marks, out,
                              NULL, err);
}

/* Parses patch i's operations from the text into its entry and checks
 * them as validate() checks a parsed patchset's. */
static int parse_ops(hf_patchset *ps, int i, const char *text, hf_error *err)
{
    entry *e = &ps->e[i];
    return parse_checked(text, e->span, i, ps->source, e->patch.source, 1,
                         &e->patch.ops, err);
}

/* Work shared by the threads of parse_spans. */
typedef struct parse_job {
    hf_patchset *ps;
    const char *text;
    hf_error *errs;
    int n, next, first;
    pthread_mutex_t lock;
} parse_job;

static void *parse_worker(void *arg)
{
    parse_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int i = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->n)
            return NULL;
        if (j->ps->e[i].span.len == 0 ||
            parse_ops(j->ps, i, j->text, &j->errs[i]) == HF_OK)
            continue;
        pthread_mutex_lock(&j->lock);
        if (i < j->first)
            j->first = i;
        pthread_mutex_unlock(&j->lock);
    }
}

/* Parses the operations of every patch (only < 0) or of patch `only`;
 * every patch on as many threads as OpenMP would use (plain threads,
 * joined before returning: an OpenMP pool left behind would hang an
 * OpenMP region in a child the host program forks).  The first error in
 * patch order is reported. */
static int parse_spans(hf_patchset *ps, const char *text, int only,
                       hf_error *err)
{
    if (only >= 0)
        return only < ps->n && ps->e[only].span.len
                   ? parse_ops(ps, only, text, err) : HF_OK;
    parse_job j = {ps, text, NULL, ps->n, 0, ps->n, PTHREAD_MUTEX_INITIALIZER};
    j.errs = calloc(ps->n > 0 ? (size_t)ps->n : 1, sizeof *j.errs);
    if (!j.errs)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                                ps->source);
    enum { MAXT = 64 };
    pthread_t tid[MAXT];
    int nt = omp_get_max_threads(), started = 0;
    if (nt > ps->n / 4)
        nt = ps->n / 4; /* a few patches each, or not worth a thread */
    if (nt > MAXT)
        nt = MAXT;
    for (; started < nt - 1; started++)
        if (pthread_create(&tid[started], NULL, parse_worker, &j) != 0)
            break;
    parse_worker(&j); /* this thread too (alone when none started) */
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    int rc = HF_OK;
    if (j.first < ps->n) {
        rc = j.errs[j.first].code;
        if (err)
            *err = j.errs[j.first];
    }
    free(j.errs);
    return rc;
}

/* `only` for load_text: no patch is parsed (hfpatch_patchset_open). */
static const char NO_PATCH[] = "";

static int load_text_seen(const char *text, size_t len, hfcore_text *t,
                          const hfpatch_seen *seen, const char *source,
                          const char *only, hf_patchset **out, hf_error *err)
{
    cJSON *root;
    hfpatch_span *spans;
    int nspans;
    *out = NULL;
    int rc = hfpatch_patchset_scan_seen(text, len, t, seen, source, &root, &spans,
                                        &nspans, err);
    if (rc == HFPATCH_NOT_SCANNED) {
        /* not an object: parsed whole for validation to name what it is */
        char *copy = malloc(len + 1);
        if (!copy)
            return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
        memcpy(copy, text, len);
        copy[len] = '\0';
        rc = hfcore_json_parse(copy, source, &root, err);
        free(copy);
        return rc ? rc : hfpatch_patchset_from_json(root, source, out, err);
    }
    if (rc)
        return rc;
    hf_patchset *ps;
    rc = patchset_new(root, source, &ps, err);
    for (int i = 0; rc == HF_OK && i < ps->n && i < nspans; i++)
        ps->e[i].span = spans[i];
    free(spans);
    if (rc)
        return rc;
    int pick = -1;
    if (only == NO_PATCH)
        pick = ps->n;
    else if (only && (pick = hf_patchset_find(ps, only)) < 0)
        pick = ps->n; /* none: the caller says it is not there */
    if ((rc = parse_spans(ps, text, pick, err)) != HF_OK) {
        hf_patchset_free(ps);
        return rc;
    }
    *out = ps;
    return HF_OK;
}

static int load_text(const char *text, size_t len, hfcore_text *t,
                     const char *source, const char *only, hf_patchset **out,
                     hf_error *err)
{
    return load_text_seen(text, len, t, NULL, source, only, out, err);
}

int hf_patchset_parse(const char *json, const char *name, hf_patchset **out,
                      hf_error *err)
{
    if (!name)
        name = "<patchset>";
    if (!json || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "%s: NULL argument", name);
    return load_text(json, strlen(json), NULL, name, NULL, out, err);
}

int hfpatch_patchset_parse_only(const char *json, const char *source,
                                const char *only, hf_patchset **out,
                                hf_error *err)
{
    return load_text(json, strlen(json), NULL, source, only, out, err);
}

int hfpatch_patchset_load(const char *path, const char *only,
                          hf_patchset **out, hf_error *err)
{
    hfcore_text t;
    *out = NULL;
    int rc = hfcore_text_open(path, &t, err);
    if (rc)
        return rc;
    rc = load_text(t.p, t.len, only ? &t : NULL, path, only, out, err);
    hfcore_text_close(&t);
    return rc;
}

int hfpatch_patchset_open(const char *path, hf_patchset **out, hf_error *err)
{
    return hfpatch_patchset_open_ex(path, 0, out, err);
}

static int open_seen(const char *path, int keep, const hfpatch_seen *seen,
                     hf_patchset **out, hf_error *err)
{
    hfcore_text t;
    *out = NULL;
    int rc = hfcore_text_open(path, &t, err);
    if (rc)
        return rc;
    /* the scan gives back the pages it passed, unless they are kept;
     * parse_one reads them again */
    rc = load_text_seen(t.p, t.len, keep ? NULL : &t, seen, path, NO_PATCH, out, err);
    if (rc == HF_OK && *out && (*out)->n > 0 && !(*out)->e[0].patch.ops) {
        (*out)->text = t;
        (*out)->lazy = 1;
        return HF_OK;
    }
    /* not scanned (then parsed whole: every patch is there) or empty */
    hfcore_text_close(&t);
    return rc;
}

int hfpatch_patchset_open_ex(const char *path, int keep, hf_patchset **out,
                             hf_error *err)
{
    return open_seen(path, keep, NULL, out, err);
}

int hfpatch_patchset_lazy(const hf_patchset *ps)
{
    return ps && ps->lazy;
}

static int parse_one(const hf_patchset *ps, int i, int marks, hf_patch **out,
                     hf_error *err)
{
    *out = NULL;
    if (!ps || i < 0 || i >= ps->n)
        return hfcore_error_set(err, HF_ERR_ARG, "no patch %d to parse", i);
    const entry *e = &ps->e[i];
    hf_patch *p = calloc(1, sizeof *p);
    char *source = strdup(e->patch.source);
    int rc = p && source ? HF_OK
                         : hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", ps->source);
    /* a patch without a span has no operations, as parse_spans leaves it */
    /* without marks (a grid's build) the numbers may go into a block */
    if (rc == HF_OK && ps->lazy && e->span.len)
        rc = parse_checked_nums(ps->text.p, e->span, i, ps->source, e->patch.source,
                                marks, &p->ops, marks ? NULL : &p->numbers, err);
    if (rc) {
        free(p);
        free(source);
        return rc;
    }
    p->source = source;
    p->whole = 1;
    *out = p;
    return HF_OK;
}

int hfpatch_patchset_parse_one(const hf_patchset *ps, int i, hf_patch **out,
                               hf_error *err)
{
    return parse_one(ps, i, 1, out, err);
}

int hfpatch_patchset_parse_build(const hf_patchset *ps, int i, hf_patch **out,
                                 hf_error *err)
{
    return parse_one(ps, i, 0, out, err);
}

void hfpatch_patchset_drop_text(const hf_patchset *ps)
{
    if (ps && ps->lazy)
        hfcore_text_drop(&ps->text);
}

/* The guess being taken from the check's scan: open_guessing's. */
typedef struct guessing {
    const char *name;
    hfpatch_guess *g;
    void (*found)(void *);
    void *arg;
} guessing;

/* The first patch the scan passes that is named q->name: g's (as
 * the check will locate it), then found. */
static void guess_seen(void *arg, int i, const char *name, hfpatch_span span)
{
    guessing *q = arg;
    if (q->g->located || strcmp(name, q->name) != 0)
        return;
    q->g->span = span;
    q->g->index = i;
    q->g->located = 1;
    q->found(q->arg);
}

int hfpatch_patchset_open_guessing(const char *path, const char *name,
                                   hfpatch_guess *g, void (*found)(void *),
                                   void *arg, hf_patchset **out, hf_error *err)
{
    hf_error gerr = {0};
    memset(g, 0, sizeof *g);
    guessing q = {name, g, found, arg};
    hfpatch_seen seen = {guess_seen, &q};
    /* the guess's own mapping of the file: the check's gives back the
     * pages it has passed */
    int guess = name && hfcore_text_open(path, &g->text, &gerr) == HF_OK;
    return open_seen(path, 0, guess ? &seen : NULL, out, err);
}

int hfpatch_patchset_guess_parse(const char *path, const char *name,
                                 hfpatch_guess *g)
{
    hf_error err = {0};
    if (!g->located || g->patch)
        return g->patch != NULL;
    cJSON *ops = NULL;
    hfpatch_numbers *nums = NULL;
    char *source = malloc(strlen(path) + strlen(name) + 3);
    if (source) {
        sprintf(source, "%s[%s]", path, name);
        g->patch = calloc(1, sizeof *g->patch);
        /* for a model's build, as a grid's patches (parse_one without
         * marks): its numbers and modifiers in a block (1Lbb: ~14M -> ~8M
         * instructions on the command's main thread) */
        if (g->patch && parse_checked_nums(g->text.p, g->span, g->index, path, source, 0,
                                           &ops, &nums, &err) == HF_OK) {
            g->patch->ops = ops;
            g->patch->numbers = nums;
            g->patch->source = source;
            g->patch->whole = 1;
            source = NULL;
        } else {
            free(g->patch);
            g->patch = NULL;
        }
    }
    free(source);
    hfcore_text_close(&g->text);
    return g->patch != NULL;
}

int hfpatch_patchset_settle(hf_patchset *ps, const char *name, hfpatch_guess *g,
                            hf_error *err)
{
    int i = hf_patchset_find(ps, name);
    if (i < 0 || !ps->lazy || ps->e[i].patch.ops)
        return HF_OK; /* no such patch (the caller says so), or parsed */
    const entry *e = &ps->e[i];
    /* the same bytes as the check located: the same operations, which
     * passed the same checks */
    /* (the index enters only the messages of a parse that failed, and
     * then nothing was adopted) */
    if (g && g->patch && (g->index == i || g->index < 0) && g->span.off == e->span.off &&
        g->span.len == e->span.len) {
        ps->e[i].patch.ops = g->patch->ops;
        ps->e[i].patch.numbers = g->patch->numbers;
        g->patch->ops = NULL;
        g->patch->numbers = NULL;
        g->adopted = 1;
        return HF_OK;
    }
    return e->span.len ? parse_ops(ps, i, ps->text.p, err) : HF_OK;
}

void hfpatch_guess_free(hfpatch_guess *g)
{
    hf_patch_free(g->patch);
    g->patch = NULL;
    hfcore_text_close(&g->text);
}

int hf_patchset_read(const char *path, hf_patchset **out, hf_error *err)
{
    if (!path || !out)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hf_patchset_read: NULL argument");
    return hfpatch_patchset_load(path, NULL, out, err);
}

int hfpatch_patchset_take(hf_patchset *ps, int i, hf_patch **out, hf_error *err)
{
    if (!ps || i < 0 || i >= ps->n || !ps->e[i].patch.ops)
        return hfcore_error_set(err, HF_ERR_ARG, "no patch %d to take", i);
    hf_patch *p = malloc(sizeof *p);
    if (!p)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                            ps->source);
    *p = ps->e[i].patch;
    ps->e[i].patch.ops = NULL;
    ps->e[i].patch.numbers = NULL;
    ps->e[i].patch.source = NULL;
    *out = p;
    return HF_OK;
}

int hf_patchset_size(const hf_patchset *ps)
{
    return ps ? ps->n : 0;
}

const char *hf_patchset_patch_name(const hf_patchset *ps, int i)
{
    return ps && i >= 0 && i < ps->n ? ps->e[i].name : NULL;
}

int hf_patchset_find(const hf_patchset *ps, const char *name)
{
    if (!ps || !name)
        return -1;
    for (int i = 0; i < ps->n; i++)
        if (strcmp(ps->e[i].name, name) == 0)
            return i;
    return -1;
}

int hf_patchset_find_values(const hf_patchset *ps, const double *values,
                            int n)
{
    if (!ps || n < 0 || (n > 0 && !values))
        return -1;
    for (int i = 0; i < ps->n; i++) {
        if (ps->e[i].nvalues != n)
            continue;
        const cJSON *v = ps->e[i].values->child;
        int j = 0;
        for (; j < n && cJSON_IsNumber(v) && v->valuedouble == values[j];
             j++, v = v->next)
            ;
        if (j == n)
            return i;
    }
    return -1;
}

int hf_patchset_nlabels(const hf_patchset *ps)
{
    return ps ? ps->nlabels : 0;
}

const char *hf_patchset_label(const hf_patchset *ps, int j)
{
    return ps && j >= 0 && j < ps->nlabels ? ps->labels[j] : NULL;
}

int hf_patchset_nvalues(const hf_patchset *ps, int i)
{
    return ps && i >= 0 && i < ps->n ? ps->e[i].nvalues : 0;
}

static const cJSON *value_at(const hf_patchset *ps, int i, int j)
{
    if (!ps || i < 0 || i >= ps->n || j < 0 || j >= ps->e[i].nvalues)
        return NULL;
    const cJSON *v = ps->e[i].values->child;
    while (j-- > 0)
        v = v->next;
    return v;
}

double hf_patchset_value(const hf_patchset *ps, int i, int j)
{
    const cJSON *v = value_at(ps, i, j);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* HF_OK, or HF_ERR_ARG for a bad index or a buffer too small (which then
 * holds as much of the text as fits). */
int hf_patchset_value_text(const hf_patchset *ps, int i, int j, char *buf,
                           size_t len)
{
    if (!buf || len == 0)
        return HF_ERR_ARG;
    buf[0] = '\0';
    const cJSON *v = value_at(ps, i, j);
    if (!v)
        return HF_ERR_ARG;
    char *s = cJSON_PrintUnformatted(v);
    if (!s)
        return HF_ERR_NOMEM;
    size_t n = strlen(s);
    snprintf(buf, len, "%s", s);
    cJSON_free(s);
    return n < len ? HF_OK : HF_ERR_ARG;
}

const hf_patch *hf_patchset_patch(const hf_patchset *ps, int i)
{
    /* NULL too for a patch left unparsed by hfpatch_patchset_load */
    return ps && i >= 0 && i < ps->n && ps->e[i].patch.ops ? &ps->e[i].patch
                                                           : NULL;
}

const char *hf_patchset_digest(const hf_patchset *ps, const char *algorithm)
{
    if (!ps || !algorithm)
        return NULL;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(ps->digests, algorithm);
    return cJSON_IsString(d) ? d->valuestring : NULL;
}

int hf_patchset_ndigests(const hf_patchset *ps)
{
    return ps ? cJSON_GetArraySize(ps->digests) : 0;
}

const char *hf_patchset_digest_name(const hf_patchset *ps, int i)
{
    const cJSON *d = ps ? cJSON_GetArrayItem(ps->digests, i) : NULL;
    return d ? d->string : NULL;
}

int hfpatch_patchset_verify_with(const hf_patchset *ps, const hf_workspace *ws,
                                 const char *sha256, hf_error *err)
{
    int n = hf_patchset_ndigests(ps);
    for (int i = 0; i < n; i++) {
        const char *alg = hf_patchset_digest_name(ps, i);
        const char *want = hf_patchset_digest(ps, alg);
        char got[2 * HFCORE_DIGEST_MAX + 1];
        if (sha256 && strcmp(alg, "sha256") == 0) {
            snprintf(got, sizeof got, "%s", sha256);
        } else {
            int rc = hfpatch_workspace_digest(ws, alg, got, sizeof got, err);
            if (rc)
                return rc;
        }
        if (!want || strcmp(want, got) != 0)
            return hfcore_error_set(err, HF_ERR_INVALID,
                                "The digest verification failed for hash "
                                "algorithm '%s'. Expected: %s. Got: %s", alg,
                                want ? want : "(not a string)", got);
    }
    return HF_OK;
}

const cJSON *hfpatch_patchset_json(const hf_patchset *ps)
{
    return ps ? ps->root : NULL;
}
