/*
 * psscan.c - a patchset's text read into a skeleton: every value parsed
 * by cJSON except the patches' operation arrays, which are checked by the
 * scanner (core/jscan.c) and only located.  The skeleton is what
 * patchset.c validates (metadata, names, values, uniqueness, repeated
 * keys), and a patch's operations are parsed from their span when wanted:
 * one patch of a 57 MB patchset costs a scan, not a tree of the whole.
 */
#include <stdlib.h>
#include <string.h>

#include "patch.h"

typedef struct walk {
    hfcore_scan s;
    hfcore_text *t;     /* for giving back scanned pages, or NULL */
    const char *source;
    hf_error *err;
    hfpatch_span *spans;
    int nspans, cap;
    const hfpatch_seen *seen; /* told of each patch as it is passed, or NULL */
} walk;

static int fault(walk *w)
{
    return hfcore_scan_error(&w->s, w->source, w->err);
}

/* The value at w->s.p, parsed. */
static int parse_value(walk *w, cJSON **out)
{
    hfcore_scan_ws(&w->s);
    const char *start = w->s.p;
    if (hfcore_scan_value(&w->s) != 0)
        return fault(w);
    return hfcore_json_parse_span(w->s.text, (size_t)(start - w->s.text),
                                  (size_t)(w->s.p - start), w->source, out,
                                  w->err);
}

/* A key at w->s.p, decoded (by cJSON when it holds an escape). */
static int scan_key(walk *w, char **key)
{
    const char *k = w->s.p;
    if (hfcore_scan_string(&w->s) != 0)
        return fault(w);
    size_t n = (size_t)(w->s.p - k);
    if (!memchr(k, '\\', n)) {
        *key = malloc(n - 1);
        if (*key) {
            memcpy(*key, k + 1, n - 2);
            (*key)[n - 2] = '\0';
        }
    } else {
        cJSON *js;
        int rc = hfcore_json_parse_span(w->s.text, (size_t)(k - w->s.text), n,
                                        w->source, &js, w->err);
        if (rc)
            return rc;
        *key = strdup(js->valuestring);
        cJSON_Delete(js);
    }
    return *key ? HF_OK : hfcore_error_set(w->err, HF_ERR_NOMEM,
                                           "%s: out of memory", w->source);
}

/* Inside a container closed by `close`, before its first item (*first)
 * or after an item: 1 when another item follows (for an object, its key
 * read into *key and w->s.p at its value), 0 at the end, -1 with *rc. */
static int next_item(walk *w, char close, int *first, char **key, int *rc)
{
    hfcore_scan *s = &w->s;
    hfcore_scan_ws(s);
    if (s->p < s->end && *s->p == close && *first) {
        s->p++;
        return 0;
    }
    if (!*first) {
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        if (s->p >= s->end || *s->p != ',') {
            s->why = close == '}' ? "expected ',' or '}'" : "expected ',' or ']'";
            *rc = fault(w);
            return -1;
        }
        s->p++;
        hfcore_scan_ws(s);
    }
    *first = 0;
    if (close == ']')
        return 1;
    if ((*rc = scan_key(w, key)) != HF_OK)
        return -1;
    hfcore_scan_ws(s);
    if (s->p >= s->end || *s->p != ':') {
        s->why = "expected ':' after a key";
        *rc = fault(w);
        free(*key);
        return -1;
    }
    s->p++;
    hfcore_scan_ws(s);
    return 1;
}

/* Adds item to obj under key (taking both), or to an array (key NULL). */
static int add(walk *w, cJSON *to, char *key, cJSON *item)
{
    int ok = item && (key ? cJSON_AddItemToObject(to, key, item)
                          : cJSON_AddItemToArray(to, item));
    free(key);
    if (ok)
        return HF_OK;
    cJSON_Delete(item);
    return hfcore_error_set(w->err, HF_ERR_NOMEM, "%s: out of memory", w->source);
}

/* Patch i's name and operations' span, once its object is scanned, to
 * w->seen: a reader waiting for one patch has it as soon as the scan has
 * passed it, not when the whole file is checked (the last of 1Lbb's 125
 * patches is ~55 MB into its 57).  Nothing is checked yet: a name that is
 * not a string, or no "patch" array, is not told. */
static void tell_seen(walk *w, int i, const cJSON *obj)
{
    if (!w->seen || !w->spans[i].len)
        return;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
    if (cJSON_IsString(name))
        w->seen->fn(w->seen->arg, i, name->valuestring, w->spans[i]);
}

/* One element of "patches" (index i): an object's "patch" array is only
 * located (a raw placeholder stands in the skeleton), the rest parsed. */
static int scan_patch(walk *w, int i, cJSON **out)
{
    hfcore_scan_ws(&w->s);
    if (w->s.p >= w->s.end || *w->s.p != '{')
        return parse_value(w, out); /* patchset.c says what is wrong */
    w->s.p++;
    cJSON *obj = cJSON_CreateObject();
    if (!obj)
        return hfcore_error_set(w->err, HF_ERR_NOMEM, "%s: out of memory", w->source);
    int first = 1, r, rc = HF_OK;
    char *key = NULL;
    while (rc == HF_OK && (r = next_item(w, '}', &first, &key, &rc)) == 1) {
        cJSON *v = NULL;
        if (strcmp(key, "patch") == 0 && *w->s.p == '[' && w->spans[i].len == 0) {
            const char *start = w->s.p;
            if (hfcore_scan_value(&w->s) != 0) {
                free(key);
                rc = fault(w);
                break;
            }
            w->spans[i].off = (size_t)(start - w->s.text);
            w->spans[i].len = (size_t)(w->s.p - start);
            v = cJSON_CreateRaw("");
        } else if ((rc = parse_value(w, &v)) != HF_OK) {
            free(key);
            break;
        }
        rc = add(w, obj, key, v);
    }
    if (rc != HF_OK) {
        cJSON_Delete(obj);
        return rc;
    }
    tell_seen(w, i, obj);
    *out = obj;
    return HF_OK;
}

static int scan_patches(walk *w, cJSON **out)
{
    w->s.p++; /* '[' */
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return hfcore_error_set(w->err, HF_ERR_NOMEM, "%s: out of memory", w->source);
    int first = 1, r, rc = HF_OK;
    while (rc == HF_OK && (r = next_item(w, ']', &first, NULL, &rc)) == 1) {
        if (w->nspans == w->cap) {
            int cap = w->cap ? 2 * w->cap : 64;
            hfpatch_span *ns = realloc(w->spans, (size_t)cap * sizeof *ns);
            if (!ns) {
                rc = hfcore_error_set(w->err, HF_ERR_NOMEM, "%s: out of memory",
                                      w->source);
                break;
            }
            w->spans = ns;
            w->cap = cap;
        }
        int i = w->nspans++;
        w->spans[i].off = w->spans[i].len = 0;
        cJSON *p = NULL;
        if ((rc = scan_patch(w, i, &p)) == HF_OK)
            rc = add(w, arr, NULL, p);
        if (w->t)
            hfcore_text_release(w->t, (size_t)(w->s.p - w->s.text));
    }
    if (rc != HF_OK) {
        cJSON_Delete(arr);
        return rc;
    }
    *out = arr;
    return HF_OK;
}

int hfpatch_patchset_scan(const char *text, size_t len, hfcore_text *t,
                          const char *source, cJSON **root,
                          hfpatch_span **spans, int *nspans, hf_error *err)
{
    return hfpatch_patchset_scan_seen(text, len, t, NULL, source, root, spans,
                                      nspans, err);
}

int hfpatch_patchset_scan_seen(const char *text, size_t len, hfcore_text *t,
                               const hfpatch_seen *seen, const char *source,
                               cJSON **root, hfpatch_span **spans, int *nspans,
                               hf_error *err)
{
    walk w = {{text, text, text + len, NULL}, t, source, err, NULL, 0, 0, seen};
    *root = NULL;
    *spans = NULL;
    *nspans = 0;
    hfcore_scan_ws(&w.s);
    if (w.s.p >= w.s.end || *w.s.p != '{')
        return HFPATCH_NOT_SCANNED;
    w.s.p++;
    cJSON *obj = cJSON_CreateObject();
    int first = 1, r, rc = obj ? HF_OK
                               : hfcore_error_set(err, HF_ERR_NOMEM,
                                                  "%s: out of memory", source);
    char *key = NULL;
    while (rc == HF_OK && (r = next_item(&w, '}', &first, &key, &rc)) == 1) {
        cJSON *v = NULL;
        if (strcmp(key, "patches") == 0 && *w.s.p == '[' &&
            !cJSON_GetObjectItemCaseSensitive(obj, "patches"))
            rc = scan_patches(&w, &v);
        else
            rc = parse_value(&w, &v);
        if (rc == HF_OK)
            rc = add(&w, obj, key, v);
        else
            free(key);
    }
    if (rc == HF_OK) {
        hfcore_scan_ws(&w.s);
        if (w.s.p != w.s.end) {
            w.s.why = "text after the patchset's closing '}'";
            rc = fault(&w);
        }
    }
    if (rc != HF_OK) {
        cJSON_Delete(obj);
        free(w.spans);
        return rc;
    }
    *root = obj;
    *spans = w.spans;
    *nspans = w.nspans;
    return HF_OK;
}
