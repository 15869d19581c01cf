/*
 * wsops.c - pyhf's Workspace operations that return a new workspace:
 * sorted() so far (prune, rename and combine are still to come).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"

typedef struct {
    cJSON *item;
    const char *k1, *k2;
    int order;
} sort_kid;

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(s) ? s->valuestring : "";
}

static int cmp_sort_kid(const void *a, const void *b)
{
    const sort_kid *x = a, *y = b;
    int c = strcmp(x->k1, y->k1);
    if (!c && x->k2)
        c = strcmp(x->k2, y->k2);
    /* Python's sort is stable. */
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Sorts the members of array `a` by their "name" (then `key2`), stably.
 * Returns -1 when out of memory. */
static int sort_by(cJSON *a, const char *key2)
{
    if (!cJSON_IsArray(a))
        return 0;
    int n = cJSON_GetArraySize(a);
    if (n < 2)
        return 0;
    sort_kid *k = malloc(sizeof *k * (size_t)n);
    if (!k)
        return -1;
    int i = 0;
    for (cJSON *c = a->child; c; c = c->next, i++) {
        k[i].item = c;
        k[i].k1 = str_of(c, "name");
        k[i].k2 = key2 ? str_of(c, key2) : NULL;
        k[i].order = i;
    }
    qsort(k, (size_t)n, sizeof *k, cmp_sort_kid);
    /* Relink in the new order. */
    a->child = k[0].item;
    for (i = 0; i < n; i++) {
        k[i].item->prev = i > 0 ? k[i - 1].item : k[n - 1].item;
        k[i].item->next = i + 1 < n ? k[i + 1].item : NULL;
    }
    free(k);
    return 0;
}

int hf_workspace_sorted(const hf_workspace *ws, hf_workspace **out,
                        hf_error *err)
{
    if (out)
        *out = NULL;
    if (!ws || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_sorted: NULL "
                                             "argument");
    cJSON *doc = cJSON_Duplicate(ws->root, 1);
    hf_workspace *w = calloc(1, sizeof *w);
    char *src = strdup(ws->source);
    int bad = !doc || !w || !src;
    cJSON *chans = cJSON_GetObjectItemCaseSensitive(doc, "channels");
    bad = bad || sort_by(chans, NULL);
    for (cJSON *c = chans ? chans->child : NULL; !bad && c; c = c->next) {
        cJSON *samples = cJSON_GetObjectItemCaseSensitive(c, "samples");
        bad = sort_by(samples, NULL);
        for (cJSON *s = samples ? samples->child : NULL; !bad && s; s = s->next)
            bad = sort_by(cJSON_GetObjectItemCaseSensitive(s, "modifiers"),
                          "type");
    }
    cJSON *meas = cJSON_GetObjectItemCaseSensitive(doc, "measurements");
    bad = bad || sort_by(meas, NULL);
    for (cJSON *m = meas ? meas->child : NULL; !bad && m; m = m->next)
        bad = sort_by(cJSON_GetObjectItemCaseSensitive(
                          cJSON_GetObjectItemCaseSensitive(m, "config"),
                          "parameters"),
                      NULL);
    bad = bad || sort_by(cJSON_GetObjectItemCaseSensitive(doc, "observations"),
                         NULL);
    if (bad) {
        cJSON_Delete(doc);
        free(w);
        free(src);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                            ws->source);
    }
    w->root = doc;
    w->source = src;
    *out = w;
    return HF_OK;
}

/* ------------------------------------------------------- prune and rename */

static int in_list(const char *const *v, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* dict(pairs).get(s, s): the last pair whose old name is s wins. */
static const char *renamed(const char *const *pairs, int n, const char *s)
{
    const char *r = s;
    for (int i = 0; i < n; i++)
        if (strcmp(pairs[2 * i], s) == 0)
            r = pairs[2 * i + 1];
    return r;
}

/* Each of names[0..n) must satisfy `has`; pyhf's message otherwise. */
static int check_names(const char *const *names, int n, int stride,
                       const cJSON *root, int (*has)(const cJSON *, const char *),
                       const char *what, hf_error *err)
{
    if (n > 0 && !names)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_prune_rename: %d "
                            "%s given but their list is NULL", n, what);
    for (int i = 0; i < n * stride; i++)
        if (!names[i])
            return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_prune_rename: "
                                "a NULL name in the list of %s (entry %d)",
                                what, i);
    for (int i = 0; i < n; i++)
        if (!has(root, names[i * stride]))
            return hfcore_error_set(err, HF_ERR_NOTFOUND,
                                "%s is not one of the %s in this workspace.",
                                names[i * stride], what);
    return HF_OK;
}

#define FOR_EACH(it, arr) \
    for (const cJSON *it = (arr) ? (arr)->child : NULL; it; it = it->next)

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int has_channel(const cJSON *root, const char *s)
{
    FOR_EACH(c, get(root, "channels"))
        if (strcmp(str_of(c, "name"), s) == 0)
            return 1;
    return 0;
}

static int has_sample(const cJSON *root, const char *s)
{
    FOR_EACH(c, get(root, "channels"))
        FOR_EACH(x, get(c, "samples"))
            if (strcmp(str_of(x, "name"), s) == 0)
                return 1;
    return 0;
}

static int has_modifier(const cJSON *root, const char *s)
{
    FOR_EACH(c, get(root, "channels"))
        FOR_EACH(x, get(c, "samples"))
            FOR_EACH(m, get(x, "modifiers"))
                if (strcmp(str_of(m, "name"), s) == 0)
                    return 1;
    return 0;
}

/* `t in dict(sorted(set((name, type), ...))).values()`: for each modifier
 * name only its greatest type counts. */
static int has_modifier_type(const cJSON *root, const char *t)
{
    FOR_EACH(c, get(root, "channels"))
        FOR_EACH(x, get(c, "samples"))
            FOR_EACH(m, get(x, "modifiers")) {
                if (strcmp(str_of(m, "type"), t) != 0)
                    continue;
                /* Is there a greater type under the same name? */
                const char *name = str_of(m, "name");
                int shadowed = 0;
                FOR_EACH(c2, get(root, "channels"))
                    FOR_EACH(x2, get(c2, "samples"))
                        FOR_EACH(m2, get(x2, "modifiers"))
                            if (strcmp(str_of(m2, "name"), name) == 0 &&
                                strcmp(str_of(m2, "type"), t) > 0)
                                shadowed = 1;
                if (!shadowed)
                    return 1;
            }
    return 0;
}

static int has_measurement(const cJSON *root, const char *s)
{
    FOR_EACH(m, get(root, "measurements"))
        if (strcmp(str_of(m, "name"), s) == 0)
            return 1;
    return 0;
}

/* dict(obj, name=new): a copy of obj with its "name" replaced. */
static cJSON *with_name(const cJSON *obj, const char *name)
{
    cJSON *o = cJSON_Duplicate(obj, 1);
    cJSON *s = cJSON_CreateString(name);
    if (!o || !s) {
        cJSON_Delete(o);
        cJSON_Delete(s);
        return NULL;
    }
    /* Both copy the key and fail, leaving s ours, when that fails. */
    if (get(o, "name") ? !cJSON_ReplaceItemInObjectCaseSensitive(o, "name", s)
                       : !cJSON_AddItemToObject(o, "name", s)) {
        cJSON_Delete(o);
        cJSON_Delete(s);
        return NULL;
    }
    return o;
}

static int add(cJSON *parent, const char *key, cJSON *item)
{
    if (!item)
        return -1;
    if (key ? !cJSON_AddItemToObject(parent, key, item)
            : !cJSON_AddItemToArray(parent, item)) {
        cJSON_Delete(item);
        return -1;
    }
    return 0;
}

void hf_ws_edit_init(hf_ws_edit *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    e->version = HF_WS_EDIT_VERSION;
}

/* Every name the edit lists must be in the workspace (pyhf's check, its
 * message). */
static int check_edit(const hf_ws_edit *e, const cJSON *root, hf_error *err)
{
    int rc;
    if ((rc = check_names(e->prune_modifier_types, e->n_prune_modifier_types, 1,
                          root, has_modifier_type, "modifier types", err)) ||
        (rc = check_names(e->prune_modifiers, e->n_prune_modifiers, 1, root,
                          has_modifier, "modifiers", err)) ||
        (rc = check_names(e->rename_modifiers, e->n_rename_modifiers, 2, root,
                          has_modifier, "modifiers", err)) ||
        (rc = check_names(e->prune_samples, e->n_prune_samples, 1, root,
                          has_sample, "samples", err)) ||
        (rc = check_names(e->rename_samples, e->n_rename_samples, 2, root,
                          has_sample, "samples", err)) ||
        (rc = check_names(e->prune_channels, e->n_prune_channels, 1, root,
                          has_channel, "channels", err)) ||
        (rc = check_names(e->rename_channels, e->n_rename_channels, 2, root,
                          has_channel, "channels", err)) ||
        (rc = check_names(e->prune_measurements, e->n_prune_measurements, 1,
                          root, has_measurement, "measurements", err)) ||
        (rc = check_names(e->rename_measurements, e->n_rename_measurements, 2,
                          root, has_measurement, "measurements", err)))
        return rc;
    return HF_OK;
}

/* One sample as the edit leaves it, added to `samples`; non-zero when out
 * of memory.  Each container is created as it is added, so that none is
 * left behind when an earlier allocation fails. */
static int edit_sample(const hf_ws_edit *e, const cJSON *x, cJSON *samples)
{
    const char *sn = str_of(x, "name");
    if (in_list(e->prune_samples, e->n_prune_samples, sn))
        return 0;
    cJSON *ns = cJSON_CreateObject(), *mods = NULL;
    int bad = add(samples, NULL, ns) ||
              add(ns, "name", cJSON_CreateString(
                                  renamed(e->rename_samples,
                                          e->n_rename_samples, sn))) ||
              add(ns, "data", cJSON_Duplicate(get(x, "data"), 1)) ||
              add(ns, "modifiers", mods = cJSON_CreateArray());
    FOR_EACH(m, get(x, "modifiers")) {
        if (bad)
            break;
        const char *mn = str_of(m, "name");
        if (in_list(e->prune_modifiers, e->n_prune_modifiers, mn) ||
            in_list(e->prune_modifier_types, e->n_prune_modifier_types,
                    str_of(m, "type")))
            continue;
        bad = add(mods, NULL,
                  with_name(m, renamed(e->rename_modifiers,
                                       e->n_rename_modifiers, mn)));
    }
    return bad;
}

static int edit_channels(const hf_ws_edit *e, const cJSON *root, cJSON *doc)
{
    cJSON *chans = NULL;
    int bad = add(doc, "channels", chans = cJSON_CreateArray());
    FOR_EACH(c, get(root, "channels")) {
        if (bad)
            break;
        const char *cn = str_of(c, "name");
        if (in_list(e->prune_channels, e->n_prune_channels, cn))
            continue;
        cJSON *nc = cJSON_CreateObject(), *samples = NULL;
        bad = add(chans, NULL, nc) ||
              add(nc, "name", cJSON_CreateString(
                                  renamed(e->rename_channels,
                                          e->n_rename_channels, cn))) ||
              add(nc, "samples", samples = cJSON_CreateArray());
        FOR_EACH(x, get(c, "samples")) {
            if (bad)
                break;
            bad = edit_sample(e, x, samples);
        }
    }
    return bad;
}

static int edit_measurements(const hf_ws_edit *e, const cJSON *root,
                             cJSON *doc)
{
    cJSON *meas = NULL;
    int bad = add(doc, "measurements", meas = cJSON_CreateArray());
    FOR_EACH(m, get(root, "measurements")) {
        if (bad)
            break;
        const char *mn = str_of(m, "name");
        if (in_list(e->prune_measurements, e->n_prune_measurements, mn))
            continue;
        const cJSON *cfg = get(m, "config");
        cJSON *nm = cJSON_CreateObject(), *ncfg = NULL, *pars = NULL;
        bad = add(meas, NULL, nm) ||
              add(nm, "name", cJSON_CreateString(
                                  renamed(e->rename_measurements,
                                          e->n_rename_measurements, mn))) ||
              add(nm, "config", ncfg = cJSON_CreateObject()) ||
              add(ncfg, "parameters", pars = cJSON_CreateArray()) ||
              add(ncfg, "poi", cJSON_CreateString(
                                   renamed(e->rename_modifiers,
                                           e->n_rename_modifiers,
                                           str_of(cfg, "poi"))));
        FOR_EACH(p, get(cfg, "parameters")) {
            if (bad)
                break;
            const char *pn = str_of(p, "name");
            if (in_list(e->prune_modifiers, e->n_prune_modifiers, pn))
                continue;
            bad = add(pars, NULL,
                      with_name(p, renamed(e->rename_modifiers,
                                           e->n_rename_modifiers, pn)));
        }
    }
    return bad;
}

static int edit_observations(const hf_ws_edit *e, const cJSON *root,
                             cJSON *doc)
{
    cJSON *obs = NULL;
    int bad = add(doc, "observations", obs = cJSON_CreateArray());
    FOR_EACH(o, get(root, "observations")) {
        if (bad)
            break;
        const char *on = str_of(o, "name");
        if (in_list(e->prune_channels, e->n_prune_channels, on))
            continue;
        bad = add(obs, NULL,
                  with_name(o, renamed(e->rename_channels,
                                       e->n_rename_channels, on)));
    }
    return bad;
}

/* A validated workspace owning doc (freed on failure), named as ws. */
static int wrap_workspace(cJSON *doc, const hf_workspace *ws,
                          hf_workspace **out, hf_error *err)
{
    /* As pyhf's Workspace(newspec): the result must be a valid workspace. */
    int rc = hfpatch_workspace_validate(doc, ws->source, err);
    if (rc != HF_OK) {
        cJSON_Delete(doc);
        return rc;
    }
    return hfpatch_workspace_wrap(doc, ws->source, ws->source, out, err);
}

int hf_workspace_prune_rename(const hf_workspace *ws, const hf_ws_edit *e,
                              hf_workspace **out, hf_error *err)
{
    if (out)
        *out = NULL;
    if (!ws || !e || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_prune_rename: "
                                             "NULL argument");
    int rc = hfcore_check_version(e->version, HF_WS_EDIT_VERSION,
                                  "hf_ws_edit", err);
    if (rc == HF_OK)
        rc = check_edit(e, ws->root, err);
    if (rc != HF_OK)
        return rc;
    const cJSON *root = ws->root;
    cJSON *doc = cJSON_CreateObject();
    int bad = !doc || edit_channels(e, root, doc) ||
              edit_measurements(e, root, doc) ||
              edit_observations(e, root, doc) ||
              add(doc, "version", cJSON_Duplicate(get(root, "version"), 1));
    if (bad) {
        cJSON_Delete(doc);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory",
                            ws->source);
    }
    return wrap_workspace(doc, ws, out, err);
}

/* --------------------------------------------------------------- combine */

enum { J_NONE, J_OUTER, J_LEFT, J_RIGHT };

/* pyhf's _join_items: a new array. */
static cJSON *join_items(int join, const cJSON *left, const cJSON *right,
                         const char *deep_key)
{
    const cJSON *prim = join == J_RIGHT ? right : left;
    const cJSON *sec = join == J_RIGHT ? left : right;
    cJSON *out = cJSON_Duplicate(prim, 1);
    if (!out)
        return NULL;
    int nkeys = cJSON_GetArraySize(out);
    FOR_EACH(s, sec) {
        const char *name = str_of(s, "name");
        /* keys.index(name): the first of the primary items so named. */
        cJSON *match = NULL;
        int k = 0;
        for (cJSON *o = out->child; o && k < nkeys; o = o->next, k++)
            if (strcmp(str_of(o, "name"), name) == 0) {
                match = o;
                break;
            }
        if (match && deep_key) {
            cJSON *merged = join_items(J_LEFT, get(match, deep_key),
                                       get(s, deep_key), NULL);
            if (!merged || !cJSON_ReplaceItemInObjectCaseSensitive(
                               match, deep_key, merged)) {
                cJSON_Delete(merged);
                cJSON_Delete(out);
                return NULL;
            }
            continue;
        }
        int append = join == J_NONE;
        if (join == J_OUTER) {
            append = 1;
            FOR_EACH(p, prim)
                if (cJSON_Compare(p, s, 1)) {
                    append = 0;
                    break;
                }
        } else if (join == J_LEFT || join == J_RIGHT) {
            append = !match;
        }
        if (append && add(out, NULL, cJSON_Duplicate(s, 1))) {
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

/* Names (Python repr, in a list or set display) of items of `a` that are
 * named more than once - or, with `b`, that are in both a and b. */
static int repeated(const cJSON *a, const cJSON *b, char *buf, size_t len)
{
    size_t used = 0;
    int n = 0;
    buf[0] = '\0';
    int i = 0;
    FOR_EACH(x, a) {
        const char *name = str_of(x, "name");
        int hit = 0, j = 0;
        if (b) {
            FOR_EACH(y, b)
                if (strcmp(str_of(y, "name"), name) == 0)
                    hit = 1;
        } else {
            int first = 1, count = 0;
            FOR_EACH(y, a) {
                if (strcmp(str_of(y, "name"), name) == 0) {
                    count++;
                    if (j < i)
                        first = 0;
                }
                j++;
            }
            hit = count > 1 && first;
        }
        /* A name once only (b: a's names are unique, workspaces valid). */
        if (hit && used < len) {
            used += (size_t)snprintf(buf + used, len - used, "%s'%s'",
                                     n ? ", " : "", name);
            n++;
        }
        i++;
    }
    return n;
}

static const char valid_joins[] =
    "['none', 'outer', 'left outer', 'right outer']";

static int join_checked(int join, const cJSON *l, const cJSON *r,
                        const char *what, const char *deep_key, cJSON **out,
                        hf_error *err)
{
    char names[512];
    *out = join_items(join, l, r, deep_key);
    if (!*out)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    if (join == J_NONE && repeated(l, r, names, sizeof names)) {
        cJSON_Delete(*out);
        *out = NULL;
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "Workspaces cannot have any %s in common with "
                            "the same name: {%s}. You can also try a "
                            "different join operation: %s.", what, names,
                            valid_joins);
    }
    if (join == J_OUTER && strcmp(what, "measurements") != 0 &&
        repeated(*out, NULL, names, sizeof names)) {
        cJSON_Delete(*out);
        *out = NULL;
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "Workspaces cannot have %s in common with "
                            "incompatible structure: [%s]. You can also try "
                            "a different join operation: %s.", what, names,
                            valid_joins);
    }
    return HF_OK;
}

/* The outer join of measurements: one per name, parameters joined. */
/* Two measurements of one name (and POI) as one: the outer join of their
 * parameter configs, refused when a parameter is configured differently.
 * *nm is NULL when out of memory (the caller says so). */
static int merged_measurement(const cJSON *m, const cJSON *second,
                              const char *name, cJSON **nm, hf_error *err)
{
    cJSON *pars = join_items(J_OUTER, get(get(m, "config"), "parameters"),
                             get(get(second, "config"), "parameters"), NULL);
    char names[512];
    if (pars && repeated(pars, NULL, names, sizeof names)) {
        cJSON_Delete(pars);
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "Workspaces cannot have a measurement "
                            "(%s) with incompatible parameter "
                            "configs: [%s]. You can also try a "
                            "different join operation: %s.", name,
                            names, valid_joins);
    }
    *nm = cJSON_CreateObject();
    cJSON *cfg = NULL;
    if (!*nm || !pars || add(*nm, "name", cJSON_CreateString(name)) ||
        add(*nm, "config", cfg = cJSON_CreateObject()) ||
        add(cfg, "poi", cJSON_CreateString(str_of(get(m, "config"), "poi")))) {
        cJSON_Delete(*nm);
        cJSON_Delete(pars);
        *nm = NULL;
    } else if (add(cfg, "parameters", pars)) { /* which frees pars */
        cJSON_Delete(*nm);
        *nm = NULL;
    }
    return HF_OK;
}

static int outer_measurements(cJSON **joined, hf_error *err)
{
    cJSON *res = cJSON_CreateArray();
    if (!res)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    char bad_poi[512];
    size_t used = 0;
    int nbad = 0;
    bad_poi[0] = '\0';
    int i = 0;
    FOR_EACH(m, *joined) {
        const char *name = str_of(m, "name");
        const cJSON *second = NULL;
        int first = 1, j = 0;
        FOR_EACH(o, *joined) {
            if (strcmp(str_of(o, "name"), name) == 0) {
                if (j < i)
                    first = 0;
                else if (j > i && !second)
                    second = o;
            }
            j++;
        }
        i++;
        if (!first)
            continue;
        if (second && strcmp(str_of(get(m, "config"), "poi"),
                             str_of(get(second, "config"), "poi")) != 0) {
            if (used < sizeof bad_poi)
                used += (size_t)snprintf(bad_poi + used, sizeof bad_poi - used,
                                         "%s'%s'", nbad ? ", " : "", name);
            nbad++;
            continue;
        }
        cJSON *nm = NULL;
        if (!second)
            nm = cJSON_Duplicate(m, 1);
        else if (merged_measurement(m, second, name, &nm, err) != HF_OK) {
            cJSON_Delete(res);
            return err->code;
        }
        if (add(res, NULL, nm)) {
            cJSON_Delete(res);
            return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
        }
    }
    if (nbad) {
        cJSON_Delete(res);
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "Workspaces cannot have the same measurements "
                            "with incompatible POI: [%s].", bad_poi);
    }
    cJSON_Delete(*joined);
    *joined = res;
    return HF_OK;
}

int hf_workspace_combine(const hf_workspace *left, const hf_workspace *right,
                         const char *join, int merge_channels,
                         hf_workspace **out, hf_error *err)
{
    if (out)
        *out = NULL;
    if (!left || !right || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_workspace_combine: NULL "
                                             "argument");
    if (!join)
        join = "none";
    int j = strcmp(join, "none") == 0         ? J_NONE
            : strcmp(join, "outer") == 0       ? J_OUTER
            : strcmp(join, "left outer") == 0  ? J_LEFT
            : strcmp(join, "right outer") == 0 ? J_RIGHT
                                               : -1;
    if (j < 0)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "Workspaces must be joined using one of the "
                            "valid join operations (%s); not %s",
                            valid_joins, join);
    if (merge_channels && j == J_NONE)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "You can only merge channels using the 'outer', "
                            "'left outer', or 'right outer' join operations; "
                            "not %s", join);
    const cJSON *l = left->root, *r = right->root;
    const cJSON *lv = get(l, "version"), *rv = get(r, "version");
    if (!cJSON_Compare(lv, rv, 1))
        return hfcore_error_set(err, HF_ERR_INVALID,
                            "Workspaces of different versions cannot be "
                            "combined: %s != %s", str_of(l, "version"),
                            str_of(r, "version"));
    cJSON *chans = NULL, *obs = NULL, *meas = NULL, *doc = NULL;
    int rc;
    if ((rc = join_checked(j, get(l, "channels"), get(r, "channels"),
                           "channels", merge_channels ? "samples" : NULL,
                           &chans, err)) ||
        (rc = join_checked(j, get(l, "observations"), get(r, "observations"),
                           "observations", NULL, &obs, err)) ||
        (rc = join_checked(j, get(l, "measurements"), get(r, "measurements"),
                           "measurements", NULL, &meas, err)) ||
        (j == J_OUTER && (rc = outer_measurements(&meas, err))))
        goto fail;
    doc = cJSON_CreateObject();
    {
        cJSON *parts[3] = {chans, meas, obs};
        static const char *const keys[3] = {"channels", "measurements",
                                            "observations"};
        chans = meas = obs = NULL;
        int bad = !doc;
        for (int k = 0; k < 3; k++) {
            if (bad)
                cJSON_Delete(parts[k]);
            else
                bad = add(doc, keys[k], parts[k]);
        }
        if (bad || add(doc, "version", cJSON_Duplicate(lv, 1))) {
            rc = hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    if ((rc = hfpatch_workspace_validate(doc, "combined workspace", err)))
        goto fail;
    /* the parts are in doc by now (NULLed above): it alone is freed */
    return hfpatch_workspace_wrap(doc, "combined workspace", NULL, out, err);
fail:
    cJSON_Delete(chans);
    cJSON_Delete(obs);
    cJSON_Delete(meas);
    cJSON_Delete(doc);
    return rc;
}
