/*
 * ws.c - `hf digest` and `hf patchset verify|inspect|extract|apply`: pyhf's
 * workspace and patchset commands, with the same output byte for byte.
 *
 * pyhf writes JSON results with json.dumps(obj, indent=4, sort_keys=True)
 * (ensure_ascii on), followed by a newline on stdout but not in an
 * --output-file; the serialiser is hfcore_json_pydump (core/json.c), which
 * keeps integer literals integers as Python's json.load does.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char digest_help[] =
    "usage: hf digest [WS.json] [-a ALG]... [-j|-p]\n"
    "\n"
    "Digests of a workspace as pyhf digest computes them: the hash of\n"
    "json.dumps(ws, sort_keys=True, ensure_ascii=False) in UTF-8.\n"
    "WS.json defaults to '-', standard input.\n"
    "\n"
    "options:\n"
    "  -a, --algorithm ALG  hashlib name: sha256 (default), md5, sha1,\n"
    "                       sha224, sha384, sha512, sha3_256, ...;\n"
    "                       may be repeated\n"
    "  -j, --json           print {\"ALG\": \"hex\", ...} as JSON\n"
    "  -p, --plaintext      print ALG:hex lines (default)\n"
    "  -h, --help           this help\n";

/* Appends to a growing string; returns -1 when out of memory. */
static int cat(char **s, size_t *n, const char *add)
{
    size_t a = strlen(add);
    char *ns = realloc(*s, *n + a + 1);
    if (!ns)
        return -1;
    memcpy(ns + *n, add, a + 1);
    *s = ns;
    *n += a;
    return 0;
}

/* digest's command line: the algorithms (each once, as the keys of a
 * Python dict), --json, and the workspace's path ("-": standard input).
 * Returns -1 after --help, else an HF_EXIT_*. */
static int digest_parse(int argc, char **argv, const char **algs, int *nalgs,
                        int *json, const char **path)
{
    static const struct option longopts[] = {
        {"algorithm", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"plaintext", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":a:jph", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(digest_help, stdout); return -1;
        case 'j': *json = 1; break;
        case 'p': *json = 0; break;
        case 'a': {
            int seen = 0;
            for (int i = 0; i < *nalgs; i++)
                seen |= strcmp(algs[i], optarg) == 0;
            if (!seen)
                algs[(*nalgs)++] = optarg;
            break;
        }
        default: return hfcli_getopt_error(c, optopt, argv, optind);
        }
    }
    if (argc - optind > 1)
        return hfcli_usage_error("too many arguments: '%s'", argv[optind + 1]);
    if (*nalgs == 0)
        algs[(*nalgs)++] = "sha256";
    *path = argc - optind == 1 ? argv[optind] : "-";
    return HF_EXIT_OK;
}

/* The digests as text: "alg:hex" lines, or pyhf's JSON object; with its
 * final newline.  NULL after a message (rc set). */
static char *digest_text(const hf_workspace *ws, const char **algs, int nalgs,
                         int json, int *rc)
{
    cJSON *obj = cJSON_CreateObject();
    char *text = NULL;
    size_t n = 0;
    hf_error err = {0};
    *rc = obj ? HF_EXIT_OK : HF_EXIT_INPUT;
    for (int i = 0; *rc == HF_EXIT_OK && i < nalgs; i++) {
        char hex[2 * 64 + 1];
        if (hf_workspace_digest(ws, algs[i], hex, sizeof hex, &err) != HF_OK) {
            *rc = hfcli_lib_error(&err);
            break;
        }
        if (!cJSON_AddStringToObject(obj, algs[i], hex) ||
            (i > 0 && cat(&text, &n, "\n")) || cat(&text, &n, algs[i]) ||
            cat(&text, &n, ":") || cat(&text, &n, hex))
            *rc = HF_EXIT_INPUT;
    }
    if (*rc == HF_EXIT_OK && json) {
        free(text);
        n = 0;
        if (!(text = hfcore_json_pydump(obj, 4, 1, &n)))
            *rc = HF_EXIT_INPUT;
    }
    if (*rc == HF_EXIT_OK && cat(&text, &n, "\n"))
        *rc = HF_EXIT_INPUT;
    cJSON_Delete(obj);
    if (*rc == HF_EXIT_INPUT && err.code == HF_OK)
        hfcli_msg("out of memory");
    if (*rc != HF_EXIT_OK) {
        free(text);
        text = NULL;
    }
    return text;
}

int hfcli_cmd_digest(int argc, char **argv)
{
    const char **algs = calloc((size_t)argc + 1, sizeof *algs);
    if (!algs) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    int nalgs = 0, json = 0;
    const char *path = NULL;
    hf_workspace *ws = NULL;
    int rc = digest_parse(argc, argv, algs, &nalgs, &json, &path);
    if (rc == HF_EXIT_OK)
        rc = hfcli_load_workspace(path, &ws);
    if (rc == HF_EXIT_OK) {
        char *text = digest_text(ws, algs, nalgs, json, &rc);
        if (text)
            rc = hfcli_emit(text, NULL);
        free(text);
    }
    hf_workspace_free(ws);
    free(algs);
    return rc < 0 ? HF_EXIT_OK : rc;
}

/* ------------------------------------------------------------- patchset */

static const char patchset_help[] =
    "usage: hf patchset verify WS.json PATCHSET.json\n"
    "       hf patchset inspect PATCHSET.json\n"
    "       hf patchset extract PATCHSET.json --name NAME [--output-file F]\n"
    "                           [--with-metadata]\n"
    "       hf patchset apply WS.json PATCHSET.json --name NAME\n"
    "                           [--output-file F]\n"
    "\n"
    "pyhf patchset's operations, with its output:\n"
    "  verify   the patchset's digests must be the workspace's\n"
    "           (prints \"All good.\"; exit status 1 if not)\n"
    "  inspect  the number of patches and their names\n"
    "  extract  one patch's RFC 6902 operations as JSON (--with-metadata:\n"
    "           {\"metadata\": ..., \"patch\": ...})\n"
    "  apply    verifies, then writes the workspace with the patch applied\n"
    "           to the whole document\n"
    "A file argument left out, or '-', is standard input.\n";

static int load_patchset(const char *path, hf_patchset **ps)
{
    hf_error err = {0};
    int rc;
    if (strcmp(path, "-") == 0) {
        char *text = NULL;
        rc = hfcore_file_read("/dev/stdin", &text, NULL, &err);
        if (rc == HF_OK)
            rc = hf_patchset_parse(text, "<stdin>", ps, &err);
        free(text);
    } else {
        rc = hf_patchset_read(path, ps, &err);
    }
    return rc == HF_OK ? HF_EXIT_OK : hfcli_lib_error(&err);
}

/* pyhf's PatchSet[name] lookup. */
static int find_patch(const hf_patchset *ps, const char *name)
{
    int i = name ? hf_patchset_find(ps, name) : -1;
    if (i < 0)
        hfcli_msg("No patch associated with \"%s\" is defined in patchset.",
                   name ? name : "None");
    return i;
}

/* Writes pyhf's json.dumps(obj, indent=4, sort_keys=True): with a final
 * newline on stdout (click.echo), without one in a file (json.dump). */
static int emit_pretty(const cJSON *obj, const char *outfile)
{
    size_t n;
    char *text = hfcore_json_pydump(obj, 4, 1, &n);
    char *t2 = text && !outfile ? realloc(text, n + 2) : text;
    if (!t2) {
        free(text);
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    if (!outfile)
        memcpy(t2 + n, "\n", 2);
    int rc = hfcli_emit(t2, outfile);
    free(t2);
    return rc;
}

enum { O_NAME = 256, O_OUT, O_WITHMD, O_WITHOUTMD };

static int patchset_args(int argc, char **argv, int npos, const char **pos,
                         const char **name, const char **outfile, int *withmd)
{
    static const struct option longopts[] = {
        {"name", required_argument, NULL, O_NAME},
        {"output-file", required_argument, NULL, O_OUT},
        {"with-metadata", no_argument, NULL, O_WITHMD},
        {"without-metadata", no_argument, NULL, O_WITHOUTMD},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(patchset_help, stdout); return -1;
        case O_NAME:
            if (!name)
                return hfcli_usage_error("%s takes no --name", argv[0]);
            *name = optarg;
            break;
        case O_OUT:
            if (!outfile)
                return hfcli_usage_error("%s takes no --output-file",
                                          argv[0]);
            *outfile = optarg;
            break;
        case O_WITHMD:
        case O_WITHOUTMD:
            if (!withmd)
                return hfcli_usage_error("%s takes no --with-metadata",
                                          argv[0]);
            *withmd = c == O_WITHMD;
            break;
        default: return hfcli_getopt_error(c, optopt, argv, optind);
        }
    }
    if (argc - optind > npos)
        return hfcli_usage_error("too many arguments: '%s'",
                                  argv[optind + npos]);
    for (int i = 0; i < npos; i++)
        pos[i] = optind + i < argc ? argv[optind + i] : "-";
    if (npos == 2 && strcmp(pos[0], "-") == 0 && strcmp(pos[1], "-") == 0)
        return hfcli_usage_error("give the workspace and the patchset files");
    return HF_EXIT_OK;
}

static int ps_verify(int argc, char **argv)
{
    const char *pos[2];
    int rc = patchset_args(argc, argv, 2, pos, NULL, NULL, NULL);
    if (rc)
        return rc < 0 ? HF_EXIT_OK : rc;
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    hf_error err = {0};
    if ((rc = hfcli_load_workspace(pos[0], &ws)) == HF_EXIT_OK &&
        (rc = load_patchset(pos[1], &ps)) == HF_EXIT_OK) {
        if (hf_patchset_verify(ps, ws, &err) != HF_OK)
            rc = hfcli_lib_error(&err);
        else
            rc = hfcli_emit("All good.\n", NULL);
    }
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return rc;
}

static int ps_inspect(int argc, char **argv)
{
    const char *pos[1];
    int rc = patchset_args(argc, argv, 1, pos, NULL, NULL, NULL);
    if (rc)
        return rc < 0 ? HF_EXIT_OK : rc;
    hf_patchset *ps = NULL;
    if ((rc = load_patchset(pos[0], &ps)) != HF_EXIT_OK)
        return rc;
    int n = hf_patchset_size(ps);
    char head[128];
    snprintf(head, sizeof head,
             "\n    %d patches found in Patchset\n"
             "---------------------------------\n\n", n);
    char *text = NULL;
    size_t len = 0;
    int oom = cat(&text, &len, head);
    for (int i = 0; !oom && i < n; i++)
        oom = cat(&text, &len, hf_patchset_patch_name(ps, i)) ||
              cat(&text, &len, "\n");
    if (oom) {
        hfcli_msg("out of memory");
        rc = HF_EXIT_INPUT;
    } else {
        rc = hfcli_emit(text, NULL);
    }
    free(text);
    hf_patchset_free(ps);
    return rc;
}

static int ps_extract(int argc, char **argv)
{
    const char *pos[1], *name = NULL, *outfile = NULL;
    int withmd = 0;
    int rc = patchset_args(argc, argv, 1, pos, &name, &outfile, &withmd);
    if (rc)
        return rc < 0 ? HF_EXIT_OK : rc;
    hf_patchset *ps = NULL;
    if ((rc = load_patchset(pos[0], &ps)) != HF_EXIT_OK)
        return rc;
    int i = find_patch(ps, name);
    if (i < 0) {
        hf_patchset_free(ps);
        return HF_EXIT_INPUT;
    }
    const hf_patch *p = hf_patchset_patch(ps, i);
    if (!withmd) {
        rc = emit_pretty(p->ops, outfile);
    } else {
        /* {"metadata": patch metadata updated with the patchset's,
         *  "patch": operations} - references only, nothing copied but the
         * metadata object that is merged. */
        const cJSON *root = hfpatch_patchset_json(ps);
        const cJSON *psmd = cJSON_GetObjectItemCaseSensitive(root, "metadata");
        const cJSON *pj = cJSON_GetArrayItem(
            cJSON_GetObjectItemCaseSensitive(root, "patches"), i);
        const cJSON *pmd = cJSON_GetObjectItemCaseSensitive(pj, "metadata");
        cJSON *md = cJSON_Duplicate(pmd, 1);
        cJSON *obj = cJSON_CreateObject();
        int ok = md && obj;
        for (const cJSON *c = psmd ? psmd->child : NULL; ok && c; c = c->next) {
            cJSON *v = cJSON_Duplicate(c, 1);
            ok = v != NULL;
            if (ok && cJSON_GetObjectItemCaseSensitive(md, c->string))
                ok = cJSON_ReplaceItemInObjectCaseSensitive(md, c->string, v);
            else if (ok)
                ok = cJSON_AddItemToObject(md, c->string, v);
        }
        if (ok) {
            ok = cJSON_AddItemToObject(obj, "metadata", md);
            md = NULL;
        }
        if (ok)
            ok = cJSON_AddItemReferenceToObject(obj, "patch", p->ops);
        if (ok) {
            rc = emit_pretty(obj, outfile);
        } else {
            hfcli_msg("out of memory");
            rc = HF_EXIT_INPUT;
        }
        cJSON_Delete(md);
        cJSON_Delete(obj);
    }
    hf_patchset_free(ps);
    return rc;
}

static int ps_apply(int argc, char **argv)
{
    const char *pos[2], *name = NULL, *outfile = NULL;
    int rc = patchset_args(argc, argv, 2, pos, &name, &outfile, NULL);
    if (rc)
        return rc < 0 ? HF_EXIT_OK : rc;
    hf_workspace *ws = NULL, *out = NULL;
    hf_patchset *ps = NULL;
    hf_error err = {0};
    if ((rc = hfcli_load_workspace(pos[0], &ws)) != HF_EXIT_OK ||
        (rc = load_patchset(pos[1], &ps)) != HF_EXIT_OK)
        goto done;
    /* pyhf verifies before it looks the patch up. */
    if (hf_patchset_verify(ps, ws, &err) != HF_OK) {
        rc = hfcli_lib_error(&err);
        goto done;
    }
    int i = find_patch(ps, name);
    if (i < 0) {
        rc = HF_EXIT_INPUT;
        goto done;
    }
    if (hf_workspace_apply(ws, hf_patchset_patch(ps, i), &out, &err) != HF_OK) {
        rc = hfcli_lib_error(&err);
        goto done;
    }
    /* The patchset is no longer needed; free its tens of MB first. */
    hf_patchset_free(ps);
    ps = NULL;
    hf_workspace_free(ws);
    ws = NULL;
    rc = emit_pretty(out->root, outfile);
done:
    hf_workspace_free(out);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return rc;
}

int hfcli_cmd_patchset(int argc, char **argv)
{
    static const hf_cli_sub subs[] = {
        {"verify", ps_verify},
        {"inspect", ps_inspect},
        {"extract", ps_extract},
        {"apply", ps_apply},
    };
    int rc;
    const hf_cli_sub *s = hfcli_sub_find(argc, argv, subs, sizeof subs / sizeof subs[0],
                                         patchset_help, "patchset command", &rc);
    return s ? hfcli_sub_run(s, argc, argv) : rc;
}

/* ------------------------------------------------------------------ sort */

static const char sort_help[] =
    "usage: hf sort [WS.json] [--output-file FILE]\n"
    "\n"
    "The workspace sorted as pyhf sort writes it: channels, samples,\n"
    "measurements, their parameters and observations by name, modifiers by\n"
    "(name, type); JSON with indent 4 and sorted keys.  WS.json defaults to\n"
    "'-', standard input.\n";

int hfcli_cmd_sort(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output-file", required_argument, NULL, O_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outfile = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(sort_help, stdout); return HF_EXIT_OK;
        case O_OUT: outfile = optarg; break;
        default: return hfcli_getopt_error(c, optopt, argv, optind);
        }
    }
    if (argc - optind > 1)
        return hfcli_usage_error("too many arguments: '%s'", argv[optind + 1]);
    hf_workspace *ws = NULL, *sorted = NULL;
    hf_error err = {0};
    int rc = hfcli_load_workspace(argc - optind == 1 ? argv[optind] : "-", &ws);
    if (rc != HF_EXIT_OK)
        return rc;
    if (hf_workspace_sorted(ws, &sorted, &err) != HF_OK)
        rc = hfcli_lib_error(&err);
    else
        rc = emit_pretty(sorted->root, outfile);
    hf_workspace_free(sorted);
    hf_workspace_free(ws);
    return rc;
}

/* ------------------------------------------------------- prune, rename */

static const char prune_help[] =
    "usage: hf prune [WS.json] [-c CHANNEL]... [-s SAMPLE]... [-m MODIFIER]...\n"
    "                [-t MODIFIER_TYPE]... [--measurement NAME]...\n"
    "                [--output-file FILE]\n"
    "\n"
    "The workspace without the named components, as pyhf prune writes it.\n";

static const char rename_help[] =
    "usage: hf rename [WS.json] [-c OLD NEW]... [-s OLD NEW]...\n"
    "                 [-m OLD NEW]... [--measurement OLD NEW]...\n"
    "                 [--output-file FILE]\n"
    "\n"
    "The workspace with components renamed, as pyhf rename writes it.\n";

/* A list of option values. */
typedef struct vals {
    const char **v;
    int n;
} vals;

/* pyhf prune and rename: click options that take one value (prune) or
 * two (rename), repeatable, in any order with the workspace argument. */
enum { EDIT_NOPT = 5 };

/* prune's and rename's command line: per option (channel, sample,
 * modifier, modifier type, measurement) its values, nargs per use; -1
 * after --help, else an HF_EXIT_* status (the message said). */
static int edit_parse(int argc, char **argv, int nargs, vals *v,
                      const char **outfile, const char **ws_path)
{
    static const struct {
        const char *s, *l;
    } names[EDIT_NOPT] = {
        {"-c", "--channel"}, {"-s", "--sample"}, {"-m", "--modifier"},
        {"-t", "--modifier-type"}, {NULL, "--measurement"},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(nargs == 1 ? prune_help : rename_help, stdout);
            return -1;
        }
        if (strcmp(a, "--output-file") == 0 || strncmp(a, "--output-file=", 14) == 0) {
            if (a[13] == '=')
                *outfile = a + 14;
            else if (i + 1 < argc)
                *outfile = argv[++i];
            else
                return hfcli_usage_error("option '--output-file' needs a value");
            continue;
        }
        int k = 0;
        for (; k < EDIT_NOPT; k++)
            if ((names[k].s && strcmp(a, names[k].s) == 0) ||
                strcmp(a, names[k].l) == 0)
                break;
        if (k == EDIT_NOPT && a[0] == '-' && a[1])
            return hfcli_usage_error("unknown option '%s'", a);
        if (k == EDIT_NOPT) {
            if (*ws_path)
                return hfcli_usage_error("too many arguments: '%s'", a);
            *ws_path = a;
            continue;
        }
        if (nargs == 2 && k == 3)
            return hfcli_usage_error("unknown option '%s'", a);
        if (i + nargs >= argc)
            return hfcli_usage_error("option '%s' needs %s", a,
                                      nargs == 1 ? "a value" : "two values");
        for (int j = 0; j < nargs; j++)
            v[k].v[v[k].n * nargs + j] = argv[++i];
        v[k].n++;
    }
    return HF_EXIT_OK;
}

/* The library's edit from the parsed values: prunes (nargs 1) or renames. */
static void edit_fill(hf_ws_edit *e, const vals *v, int nargs)
{
    hf_ws_edit_init(e);
    if (nargs == 1) {
        e->prune_channels = v[0].v, e->n_prune_channels = v[0].n;
        e->prune_samples = v[1].v, e->n_prune_samples = v[1].n;
        e->prune_modifiers = v[2].v, e->n_prune_modifiers = v[2].n;
        e->prune_modifier_types = v[3].v, e->n_prune_modifier_types = v[3].n;
        e->prune_measurements = v[4].v, e->n_prune_measurements = v[4].n;
    } else {
        e->rename_channels = v[0].v, e->n_rename_channels = v[0].n;
        e->rename_samples = v[1].v, e->n_rename_samples = v[1].n;
        e->rename_modifiers = v[2].v, e->n_rename_modifiers = v[2].n;
        e->rename_measurements = v[4].v, e->n_rename_measurements = v[4].n;
    }
}

static int edit_cmd(int argc, char **argv, int nargs)
{
    vals v[EDIT_NOPT];
    const char *outfile = NULL, *ws_path = NULL;
    int rc = HF_EXIT_OK;
    for (int k = 0; k < EDIT_NOPT; k++) {
        v[k].v = calloc((size_t)argc * 2 + 1, sizeof *v[k].v);
        v[k].n = 0;
        if (!v[k].v)
            rc = HF_EXIT_INPUT;
    }
    if (rc == HF_EXIT_OK)
        rc = edit_parse(argc, argv, nargs, v, &outfile, &ws_path);
    if (rc != HF_EXIT_OK) {
        for (int k = 0; k < EDIT_NOPT; k++)
            free(v[k].v);
        if (rc > 0 && rc != HF_EXIT_USAGE)
            hfcli_msg("out of memory");
        return rc < 0 ? HF_EXIT_OK : rc;
    }
    hf_ws_edit e;
    edit_fill(&e, v, nargs);
    hf_workspace *ws = NULL, *res = NULL;
    hf_error err = {0};
    rc = hfcli_load_workspace(ws_path ? ws_path : "-", &ws);
    if (rc == HF_EXIT_OK) {
        if (hf_workspace_prune_rename(ws, &e, &res, &err) != HF_OK)
            rc = hfcli_lib_error(&err);
        else
            rc = emit_pretty(res->root, outfile);
    }
    hf_workspace_free(res);
    hf_workspace_free(ws);
    for (int k = 0; k < EDIT_NOPT; k++)
        free(v[k].v);
    return rc;
}

int hfcli_cmd_prune(int argc, char **argv) { return edit_cmd(argc, argv, 1); }
int hfcli_cmd_rename(int argc, char **argv) { return edit_cmd(argc, argv, 2); }

/* --------------------------------------------------------------- combine */

static const char combine_help[] =
    "usage: hf combine WS1.json WS2.json [-j JOIN] [--merge-channels]\n"
    "                  [--output-file FILE]\n"
    "\n"
    "The two workspaces combined, as pyhf combine writes it.  JOIN is none\n"
    "(default), outer, 'left outer' or 'right outer'; --merge-channels\n"
    "merges the samples of same-named channels (outer joins only).\n";

int hfcli_cmd_combine(int argc, char **argv)
{
    enum { C_OUT = 300, C_MERGE, C_NOMERGE };
    static const struct option longopts[] = {
        {"join", required_argument, NULL, 'j'},
        {"output-file", required_argument, NULL, C_OUT},
        {"merge-channels", no_argument, NULL, C_MERGE},
        {"no-merge-channels", no_argument, NULL, C_NOMERGE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outfile = NULL, *join = "none";
    int merge = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(combine_help, stdout); return HF_EXIT_OK;
        case 'j': join = optarg; break;
        case C_OUT: outfile = optarg; break;
        case C_MERGE: merge = 1; break;
        case C_NOMERGE: merge = 0; break;
        default: return hfcli_getopt_error(c, optopt, argv, optind);
        }
    }
    if (strcmp(join, "none") && strcmp(join, "outer") &&
        strcmp(join, "left outer") && strcmp(join, "right outer"))
        return hfcli_usage_error("--join: '%s' is not one of 'none', "
                                  "'outer', 'left outer', 'right outer'", join);
    if (argc - optind > 2)
        return hfcli_usage_error("too many arguments: '%s'", argv[optind + 2]);
    const char *p1 = argc - optind >= 1 ? argv[optind] : "-";
    const char *p2 = argc - optind >= 2 ? argv[optind + 1] : "-";
    if (strcmp(p1, "-") == 0 && strcmp(p2, "-") == 0)
        return hfcli_usage_error("give the two workspace files");
    hf_workspace *a = NULL, *b = NULL, *res = NULL;
    hf_error err = {0};
    int rc = hfcli_load_workspace(p1, &a);
    if (rc == HF_EXIT_OK)
        rc = hfcli_load_workspace(p2, &b);
    if (rc == HF_EXIT_OK) {
        if (hf_workspace_combine(a, b, join, merge, &res, &err) != HF_OK)
            rc = hfcli_lib_error(&err);
        else
            rc = emit_pretty(res->root, outfile);
    }
    hf_workspace_free(res);
    hf_workspace_free(b);
    hf_workspace_free(a);
    return rc;
}
