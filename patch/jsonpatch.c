/*
 * jsonpatch.c - RFC 6902 JSON Patch on cJSON trees, addressed by RFC 6901
 * JSON Pointers.
 *
 * A patch is atomic.  Every op is checked for shape before anything is
 * applied, and each op checks its target before it changes the tree, so a
 * failing op leaves the tree as it found it.  What remains is a failure
 * after an earlier op changed something: only then do the ops run on one
 * copy of the document, which replaces it on success.  One copy per patch
 * (not per op) keeps a long patch on a large document linear.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"

enum { OP_ADD, OP_REMOVE, OP_REPLACE, OP_MOVE, OP_COPY, OP_TEST, NOPS };

static const char *const op_names[NOPS] = {"add",  "remove", "replace",
                                           "move", "copy",   "test"};

typedef struct {
    int code;          /* OP_*, or -1 while still unknown */
    const char *path;
    const char *from;  /* move and copy only */
    const cJSON *value;
} op_t;

/* Where a pointer leads: the target and the container holding it. */
typedef struct {
    cJSON *parent;    /* NULL when the pointer is the root */
    cJSON *item;      /* NULL when absent: a new member, or past the end */
    const char *key;  /* last reference token, unescaped */
} loc_t;

/* How locate() resolves a pointer; COW may be or-ed with either. */
enum { MUST_EXIST = 0, FOR_ADD = 1, COW = 2 };

const char *hfpatch_json_a_type(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_False:
    case cJSON_True: return "a boolean";
    case cJSON_NULL: return "null";
    case cJSON_Number: return "a number";
    case cJSON_String: return "a string";
    case cJSON_Array: return "an array";
    case cJSON_Object: return "an object";
    default: return "an invalid value";
    }
}

static int op_code(const char *s)
{
    for (int k = 0; k < NOPS; k++)
        if (strcmp(s, op_names[k]) == 0)
            return k;
    return -1;
}

/* Formats "SOURCE: op I (OP PATH [from FROM]): DETAIL". */
static int op_fail(hf_error *err, int code, const char *source, int i,
                   const op_t *op, const char *fmt, ...) HF_PRINTF(6, 7);

static int op_fail(hf_error *err, int code, const char *source, int i,
                   const op_t *op, const char *fmt, ...)
{
    char detail[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (op->code < 0)
        return hfcore_error_set(err, code, "%s: op %d: %s", source, i, detail);
    if (!op->path)
        return hfcore_error_set(err, code, "%s: op %d (%s): %s", source, i,
                            op_names[op->code], detail);
    if (op->from)
        return hfcore_error_set(err, code, "%s: op %d (%s %s from %s): %s",
                            source, i, op_names[op->code], op->path,
                            op->from, detail);
    return hfcore_error_set(err, code, "%s: op %d (%s %s): %s", source, i,
                        op_names[op->code], op->path, detail);
}

static const char *pointer_problem(const char *ptr)
{
    if (*ptr && *ptr != '/')
        return "must be empty or start with '/'";
    for (const char *s = ptr; *s; s++)
        if (*s == '~' && s[1] != '0' && s[1] != '1')
            return "'~' must be followed by '0' or '1'";
    return NULL;
}

/* The member called `name`, or NULL.  Sets *dup when it appears twice:
 * RFC 6902 (A.13) makes such an operation invalid rather than letting one
 * of them win silently. */
static const cJSON *member(const cJSON *obj, const char *name, int *dup)
{
    const cJSON *found = NULL;
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (m->string && strcmp(m->string, name) == 0) {
            if (found) {
                *dup = 1;
                return found;
            }
            found = m;
        }
    }
    return found;
}

static int decode(const cJSON *o, int i, const char *source, op_t *op,
                  hf_error *err)
{
    op->code = -1;
    op->path = op->from = NULL;
    op->value = NULL;
    if (!cJSON_IsObject(o))
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "expected an object, found %s", hfpatch_json_a_type(o));
    int dop = 0, dpath = 0, dvalue = 0, dfrom = 0;
    const cJSON *jop = member(o, "op", &dop);
    const cJSON *jpath = member(o, "path", &dpath);
    const cJSON *jvalue = member(o, "value", &dvalue);
    const cJSON *jfrom = member(o, "from", &dfrom);
    if (!jop)
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "missing \"op\"");
    if (!cJSON_IsString(jop))
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "\"op\" must be a string, found %s", hfpatch_json_a_type(jop));
    if (dop)
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "member \"op\" appears more than once");
    op->code = op_code(jop->valuestring);
    if (op->code < 0)
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "unknown op \"%s\" (expected add, remove, replace, "
                       "move, copy or test)", jop->valuestring);
    if (!jpath)
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "missing \"path\"");
    if (!cJSON_IsString(jpath))
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "\"path\" must be a string, found %s", hfpatch_json_a_type(jpath));
    op->path = jpath->valuestring;
    const char *why = pointer_problem(op->path);
    if (why)
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "invalid JSON pointer in \"path\": %s", why);
    if (dpath)
        return op_fail(err, HF_ERR_INVALID, source, i, op,
                       "member \"path\" appears more than once");
    switch (op->code) {
    case OP_ADD:
    case OP_REPLACE:
    case OP_TEST:
        if (!jvalue)
            return op_fail(err, HF_ERR_INVALID, source, i, op,
                           "missing \"value\"");
        if (dvalue)
            return op_fail(err, HF_ERR_INVALID, source, i, op,
                           "member \"value\" appears more than once");
        op->value = jvalue;
        break;
    case OP_MOVE:
    case OP_COPY:
        if (!jfrom)
            return op_fail(err, HF_ERR_INVALID, source, i, op,
                           "missing \"from\"");
        if (!cJSON_IsString(jfrom))
            return op_fail(err, HF_ERR_INVALID, source, i, op,
                           "\"from\" must be a string, found %s",
                           hfpatch_json_a_type(jfrom));
        op->from = jfrom->valuestring;
        why = pointer_problem(op->from);
        if (why)
            return op_fail(err, HF_ERR_INVALID, source, i, op,
                           "invalid JSON pointer in \"from\": %s", why);
        if (dfrom)
            return op_fail(err, HF_ERR_INVALID, source, i, op,
                           "member \"from\" appears more than once");
        break;
    default:
        break;
    }
    return HF_OK;
}

/* Decodes every op into ops[] (if not NULL). */
static int check_all(const cJSON *arr, const char *source, op_t *ops,
                     hf_error *err)
{
    if (!arr)
        return hfcore_error_set(err, HF_ERR_ARG, "%s: no patch", source);
    if (!cJSON_IsArray(arr)) {
        if (cJSON_IsObject(arr) &&
            cJSON_GetObjectItemCaseSensitive(arr, "patches"))
            return hfcore_error_set(err, HF_ERR_INVALID,
                                "%s: is a pyhf patchset, not an RFC 6902 "
                                "patch: give a patch name", source);
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "%s: not an RFC 6902 patch: expected an array "
                            "of operations, found %s", source, hfpatch_json_a_type(arr));
    }
    int i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        op_t tmp;
        int rc = decode(o, i, source, ops ? &ops[i] : &tmp, err);
        if (rc)
            return rc;
    }
    return HF_OK;
}

int hfpatch_check(const cJSON *ops, const char *source, hf_error *err)
{
    return check_all(ops, source, NULL, err);
}

/* ------------------------------------------------------------ pointers */

/* Copies the reference token at *p (just past its '/') to buf, undoing
 * ~1 before ~0 as RFC 6901 requires, and leaves *p at the next '/' or the
 * end. */
static void token(const char **p, char *buf)
{
    const char *s = *p;
    while (*s && *s != '/') {
        if (s[0] == '~' && (s[1] == '0' || s[1] == '1')) {
            *buf++ = s[1] == '1' ? '/' : '~';
            s += 2;
        } else {
            *buf++ = *s++;
        }
    }
    *buf = '\0';
    *p = s;
}

/* An RFC 6901 array index: "0" or digits without a leading zero.  -1 if
 * malformed; values past INT_MAX are clamped, no array being that long. */
static long long parse_index(const char *t)
{
    if (!*t || (t[0] == '0' && t[1]))
        return -1;
    long long v = 0;
    for (; *t; t++) {
        if (*t < '0' || *t > '9')
            return -1;
        if (v <= INT_MAX)
            v = v * 10 + (*t - '0');
    }
    return v > INT_MAX ? INT_MAX : v;
}

static int count(const cJSON *c)
{
    int n = 0;
    for (; c; c = c->next)
        n++;
    return n;
}

static cJSON *unshare(cJSON *parent, cJSON *ref);

/* Resolves ptr in root.  `scratch` holds strlen(ptr)+1 bytes and keeps the
 * last token for at->key.  On failure says why in `why` and returns -1, or
 * -2 when a copy on write ran out of memory. */
static int locate(cJSON *root, const char *ptr, int mode, char *scratch,
                  loc_t *at, char *why, size_t wlen)
{
    at->parent = NULL;
    at->item = root;
    at->key = NULL;
    const char *p = ptr;
    cJSON *cur = root;
    while (*p) {
        const char *start = p++;
        token(&p, scratch);
        int last = *p == '\0';
        int adding = last && (mode & FOR_ADD);
        /* Where a failure deeper than the last token happened. */
        const char *at_s = last ? "" : " at ";
        int at_n = last ? 0 : (int)(p - ptr);
        cJSON *next = NULL;
        if (cJSON_IsObject(cur)) {
            next = cJSON_GetObjectItemCaseSensitive(cur, scratch);
            if (!next && !adding) {
                snprintf(why, wlen, "no member \"%s\"%s%.*s", scratch, at_s,
                         at_n, ptr);
                return -1;
            }
        } else if (cJSON_IsArray(cur)) {
            if (strcmp(scratch, "-") == 0) {
                if (!adding) {
                    snprintf(why, wlen,
                             "array index \"-\" (past the end) names no "
                             "element%s%.*s", at_s, at_n, ptr);
                    return -1;
                }
            } else {
                long long k = parse_index(scratch);
                if (k < 0) {
                    snprintf(why, wlen, "invalid array index \"%s\"%s%.*s",
                             scratch, at_s, at_n, ptr);
                    return -1;
                }
                long long n = 0;
                next = cur->child;
                while (next && n < k) {
                    next = next->next;
                    n++;
                }
                /* Adding may address the slot just past the end. */
                if (!next && !(adding && k == n)) {
                    snprintf(why, wlen,
                             "array index %s out of range (size %d)%s%.*s",
                             scratch, count(cur->child), at_s, at_n, ptr);
                    return -1;
                }
            }
        } else {
            if (start == ptr)
                snprintf(why, wlen,
                         "the document root is %s, not an object or array",
                         hfpatch_json_a_type(cur));
            else
                snprintf(why, wlen, "%.*s is %s, not an object or array",
                         (int)(start - ptr), ptr, hfpatch_json_a_type(cur));
            return -1;
        }
        /* Copy on write: a container we step into may have a member
         * changed, so it must be ours, not the shared tree's.  The last
         * token's target is only replaced or unlinked, never written. */
        if ((mode & COW) && !last && next && (next->type & cJSON_IsReference)) {
            next = unshare(cur, next);
            if (!next) {
                snprintf(why, wlen, "out of memory");
                return -2;
            }
        }
        at->parent = cur;
        at->item = next;
        at->key = scratch;
        cur = next;
    }
    return 0;
}

/* ------------------------------------------------------------ the tree */

static void set_name(cJSON *v, char *name)
{
    if (v->string && !(v->type & cJSON_StringIsConst))
        cJSON_free(v->string);
    v->string = name;
    v->type &= ~cJSON_StringIsConst;
}

/* Links a detached item in before `next`, or at the end when next is
 * NULL; the same list surgery as cJSON_InsertItemInArray without walking
 * the list again.  The first child's prev is the last child. */
static void link_before(cJSON *parent, cJSON *item, cJSON *next)
{
    if (!next) {
        cJSON_AddItemToArray(parent, item);
        return;
    }
    item->next = next;
    item->prev = next->prev;
    if (next == parent->child)
        parent->child = item;
    else
        item->prev->next = item;
    next->prev = item;
}

cJSON *hfpatch_json_share(const cJSON *s, int mark)
{
    cJSON *r;
    if (cJSON_IsArray(s))
        r = cJSON_CreateArrayReference(s->child);
    else if (cJSON_IsObject(s))
        r = cJSON_CreateObjectReference(s->child);
    else
        return cJSON_Duplicate(s, 0);
    if (r)
        r->type |= mark;
    if (r && s->string) {
        size_t n = strlen(s->string) + 1;
        char *name = cJSON_malloc(n);
        if (!name) {
            cJSON_Delete(r);
            return NULL;
        }
        memcpy(name, s->string, n);
        r->string = name;
    }
    return r;
}

/* Replaces the reference container `ref`, a member of the owned `parent`,
 * by an owned container of the same name whose members hfpatch_json_share the
 * shared ones: one level of a path copy.  Returns it, or NULL (and
 * changes nothing) when out of memory. */
static cJSON *unshare(cJSON *parent, cJSON *ref)
{
    cJSON *own = cJSON_IsArray(ref) ? cJSON_CreateArray() : cJSON_CreateObject();
    if (!own)
        return NULL;
    int mark = ref->type & HFPATCH_JSON_VALIDATED;
    for (const cJSON *s = ref->child; s; s = s->next) {
        cJSON *m = hfpatch_json_share(s, mark);
        if (!m) {
            cJSON_Delete(own);
            return NULL;
        }
        cJSON_AddItemToArray(own, m);  /* keeps m->string: objects too */
    }
    own->string = ref->string;  /* the name moves over with the slot */
    own->type |= ref->type & cJSON_StringIsConst;
    ref->string = NULL;
    cJSON *next = ref->next;
    cJSON_Delete(cJSON_DetachItemViaPointer(parent, ref));
    link_before(parent, own, next);
    return own;
}

/* Puts v (detached, owned) at `at`: over the target for a replace or an
 * existing object member, before it for an array add, else at the end.
 * Fails only for lack of memory, and then changes nothing. */
static int place(cJSON **doc, const loc_t *at, cJSON *v, int replace)
{
    if (!at->parent) {
        set_name(v, NULL);
        cJSON_Delete(*doc);
        *doc = v;
        return 0;
    }
    char *name = NULL;
    int object = cJSON_IsObject(at->parent);
    if (object) {
        size_t n = strlen(at->key) + 1;
        name = cJSON_malloc(n);
        if (!name)
            return -1;
        memcpy(name, at->key, n);
    }
    set_name(v, name);
    if (at->item && (replace || object)) {
        cJSON *next = at->item->next;
        cJSON_Delete(cJSON_DetachItemViaPointer(at->parent, at->item));
        link_before(at->parent, v, next);
    } else {
        link_before(at->parent, v, at->item);
    }
    return 0;
}

/* JSON equality as RFC 6902 "test" defines it: numbers by value, objects
 * regardless of member order. */
static int json_equal(const cJSON *a, const cJSON *b)
{
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return 0;
    switch (a->type & 0xFF) {
    case cJSON_Number:
        return a->valuedouble == b->valuedouble;
    case cJSON_String:
        return strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!json_equal(x, y))
                return 0;
        return !x && !y;
    }
    case cJSON_Object:
        if (count(a->child) != count(b->child))
            return 0;
        for (const cJSON *x = a->child; x; x = x->next) {
            const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
            if (!y || !json_equal(x, y))
                return 0;
        }
        return 1;
    default:
        return 1;
    }
}

/* The item an add or replace puts at `at`: copying on write, a container
 * is referred to where it is in the patch, not copied (a signal patch's
 * samples are most of it; the patch outlives the document, see
 * hfpatch_apply_cow); an op writing into it later copies the containers
 * on its path as for the workspace's.  The root is copied: locate()
 * writes into it without copying. */
static cJSON *placed_value(const cJSON *v, int cow, const loc_t *at)
{
    if (cow && at->parent && cJSON_IsArray(v))
        return cJSON_CreateArrayReference(v->child);
    if (cow && at->parent && cJSON_IsObject(v))
        return cJSON_CreateObjectReference(v->child);
    return cJSON_Duplicate(v, 1);
}

static void snippet(const cJSON *v, char *buf, size_t len)
{
    char *s = cJSON_PrintUnformatted(v);
    if (!s) {
        snprintf(buf, len, "%s", hfpatch_json_a_type(v));
        return;
    }
    if (strlen(s) > 60)
        snprintf(buf, len, "%.57s...", s);
    else
        snprintf(buf, len, "%s", s);
    cJSON_free(s);
}

static int own_child(const char *from, const char *path)
{
    size_t n = strlen(from);
    return strncmp(path, from, n) == 0 && path[n] == '/';
}

/* The error of a failed locate() (r): the pointer `what` not found, or
 * out of memory. */
static int not_found(hf_error *err, int r, const char *source, int i,
                     const op_t *op, const char *what, const char *why)
{
    if (r == -2)
        return op_fail(err, HF_ERR_NOMEM, source, i, op, "out of memory");
    return op_fail(err, HF_ERR_PATCH, source, i, op, "%s not found: %s", what,
                   why);
}

/* The tail of copy and move: v added at op->path. If that fails, v is
 * given back: linked again before next in parent (move: the value returns
 * where it was), or deleted when parent is NULL (copy: v was a copy). */
static int place_at_path(cJSON **doc, const op_t *op, int i, const char *source,
                         char *scratch, int cow, cJSON *v, cJSON *parent,
                         cJSON *next, hf_error *err)
{
    char why[512];
    loc_t at;
    int r = locate(*doc, op->path, FOR_ADD | cow, scratch, &at, why, sizeof why);
    if (r || place(doc, &at, v, 0)) {
        if (parent)
            link_before(parent, v, next);
        else
            cJSON_Delete(v);
        return r ? not_found(err, r, source, i, op, "path", why)
                 : op_fail(err, HF_ERR_NOMEM, source, i, op, "out of memory");
    }
    return HF_OK;
}

static int op_copy(cJSON **doc, const op_t *op, int i, const char *source,
                   char *scratch, int cow, hf_error *err)
{
    int r;
    char why[512];
    loc_t src;
    cJSON *v;
    if ((r = locate(*doc, op->from, MUST_EXIST | cow, scratch, &src, why, sizeof why)))
        return not_found(err, r, source, i, op, "\"from\"", why);
    v = cJSON_Duplicate(src.item, 1);
    if (!v)
        return op_fail(err, HF_ERR_NOMEM, source, i, op, "out of memory");
    return place_at_path(doc, op, i, source, scratch, cow, v, NULL, NULL, err);
}

static int op_move(cJSON **doc, const op_t *op, int i, const char *source,
                   char *scratch, int cow, hf_error *err)
{
    int r;
    char why[512];
    loc_t src;
    cJSON *v;
    if ((r = locate(*doc, op->from, MUST_EXIST | cow, scratch, &src, why, sizeof why)))
        return not_found(err, r, source, i, op, "\"from\"", why);
    if (strcmp(op->from, op->path) == 0)
        return HF_OK;
    if (own_child(op->from, op->path))
        return op_fail(err, HF_ERR_PATCH, source, i, op,
                       "cannot move a value into one of its own "
                       "children");
    /* The target is resolved after the removal, as RFC 6902 says;
     * if that fails the value goes back where it was. */
    cJSON *next = src.item->next;
    v = cJSON_DetachItemViaPointer(src.parent, src.item);
    return place_at_path(doc, op, i, source, scratch, cow, v, src.parent, next, err);
}

static int apply_op(cJSON **doc, const op_t *op, int i, const char *source,
                    char *scratch, int cow, hf_error *err)
{
    int r;
    char why[512];
    loc_t at;
    cJSON *v;

    switch (op->code) {
    case OP_TEST: {
        if ((r = locate(*doc, op->path, MUST_EXIST | cow, scratch, &at, why, sizeof why)))
            return not_found(err, r, source, i, op, "path", why);
        if (json_equal(at.item, op->value))
            return HF_OK;
        char found[64], want[64];
        snippet(at.item, found, sizeof found);
        snippet(op->value, want, sizeof want);
        return op_fail(err, HF_ERR_PATCH, source, i, op,
                       "test failed: found %s, expected %s", found, want);
    }
    case OP_ADD:
    case OP_REPLACE:
        if ((r = locate(*doc, op->path, (op->code == OP_ADD ? FOR_ADD : MUST_EXIST) | cow,
                        scratch, &at, why, sizeof why)))
            return not_found(err, r, source, i, op, "path", why);
        v = placed_value(op->value, cow, &at);
        if (!v || place(doc, &at, v, op->code == OP_REPLACE)) {
            cJSON_Delete(v);
            return op_fail(err, HF_ERR_NOMEM, source, i, op, "out of memory");
        }
        return HF_OK;
    case OP_REMOVE:
        if ((r = locate(*doc, op->path, MUST_EXIST | cow, scratch, &at, why, sizeof why)))
            return not_found(err, r, source, i, op, "path", why);
        if (!at.parent)
            return op_fail(err, HF_ERR_PATCH, source, i, op,
                           "cannot remove the document root");
        cJSON_Delete(cJSON_DetachItemViaPointer(at.parent, at.item));
        return HF_OK;
    case OP_COPY:
        return op_copy(doc, op, i, source, scratch, cow, err);
    case OP_MOVE:
        return op_move(doc, op, i, source, scratch, cow, err);
    default:
        return op_fail(err, HF_ERR_INVALID, source, i, op, "unknown op");
    }
}

static int apply(const hf_patch *p, cJSON **doc, int cow, hf_error *err)
{
    if (!p || !doc || !*doc)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "hfpatch_apply_json: NULL patch or document");
    const char *source = p->source ? p->source : "patch";
    if (!cJSON_IsArray(p->ops))
        return check_all(p->ops, source, NULL, err);
    int n = count(p->ops->child);
    if (n == 0)
        return HF_OK;
    op_t *ops = malloc((size_t)n * sizeof *ops);
    if (!ops)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
    int rc = check_all(p->ops, source, ops, err);
    if (rc) {
        free(ops);
        return rc;
    }

    size_t longest = 0;
    int first_change = n;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(ops[i].path);
        if (l > longest)
            longest = l;
        if (ops[i].from && (l = strlen(ops[i].from)) > longest)
            longest = l;
        if (ops[i].code != OP_TEST && i < first_change)
            first_change = i;
    }
    char *scratch = malloc(longest + 1);
    /* A copy is needed only if some op can fail after a change, and the
     * caller of a copy-on-write apply discards a failed document anyway. */
    int copy = !cow && first_change < n - 1;
    cJSON *work = copy ? cJSON_Duplicate(*doc, 1) : *doc;
    if (!scratch || !work) {
        if (copy)
            cJSON_Delete(work);
        free(scratch);
        free(ops);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
    }
    for (int i = 0; i < n && rc == HF_OK; i++)
        rc = apply_op(&work, &ops[i], i, source, scratch, cow, err);
    free(scratch);
    free(ops);
    if (rc) {
        /* Without a copy, an earlier root op ("path": "") may have freed
         * *doc already: hand back what is left, half-patched, so the
         * caller deletes that and not the freed root (found by fuzzing). */
        if (copy)
            cJSON_Delete(work);
        else
            *doc = work;
        return rc;
    }
    if (copy)
        cJSON_Delete(*doc);
    *doc = work;
    return HF_OK;
}

int hfpatch_apply_json(const hf_patch *p, cJSON **doc, hf_error *err)
{
    return apply(p, doc, 0, err);
}

int hfpatch_apply_cow(const hf_patch *p, cJSON **doc, hf_error *err)
{
    return apply(p, doc, COW, err);
}
