/*
 * inspect.c - `hf inspect`: pyhf inspect's summary of a workspace.
 *
 * The text and the --output-file JSON copy pyhf's spec.py byte for byte
 * (widths, centring, sorted sets, the modifiers dict that keeps one type
 * per name), so the two outputs can be diffed.  Two deliberate
 * differences: the model is built without a POI, so background-only
 * workspaces whose POI only a signal patch adds can be inspected (pyhf
 * stops there), and --measurement picks the measurement that is built and
 * starred (pyhf ignores it).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: hf inspect WS.json [options]\n"
    "\n"
    "Prints the summary pyhf inspect prints: channels with their bin counts,\n"
    "samples, parameters with their constraint and modifier types, and the\n"
    "measurements (the one used is marked (*)).\n"
    "\n"
    "options:\n"
    "  --measurement NAME   measurement to build the model from (default:\n"
    "                       the first)\n"
    "  --output-file FILE   also write the summary as JSON there, as pyhf does\n"
    "  -h, --help           this help\n";

/* A list of C strings (borrowed from the workspace JSON). */
typedef struct strs {
    const char **v;
    int n, cap;
} strs;

static int strs_add(strs *s, const char *x)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        const char **nv = realloc(s->v, sizeof *nv * (size_t)cap);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and drops duplicates, as Python's sorted(set(...)). */
static void strs_sort_unique(strs *s)
{
    if (s->n == 0)
        return;
    qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_str);
    int k = 1;
    for (int i = 1; i < s->n; i++)
        if (strcmp(s->v[i], s->v[k - 1]) != 0)
            s->v[k++] = s->v[i];
    s->n = k;
}

/* (name, type) pairs: v[2i], v[2i+1]. */
static int cmp_pair(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c ? c : strcmp(x[1], y[1]);
}

static void pairs_sort_unique(strs *s)
{
    int np = s->n / 2;
    if (np == 0)
        return;
    qsort(s->v, (size_t)np, 2 * sizeof *s->v, cmp_pair);
    int k = 1;
    for (int i = 1; i < np; i++)
        if (cmp_pair(s->v + 2 * i, s->v + 2 * (k - 1)) != 0) {
            s->v[2 * k] = s->v[2 * i];
            s->v[2 * k + 1] = s->v[2 * i + 1];
            k++;
        }
    s->n = 2 * k;
}

static const char *str_item(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : "";
}

/* Python's format(s, ">w"), format(s, "^w"), format(s, "<w") into a
 * growing text; a string longer than w is never cut. */
typedef struct text {
    char *s;
    size_t n, cap;
    int oom;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (t->n + n + 1 > cap)
            cap *= 2;
        char *ns = realloc(t->s, cap);
        if (!ns) {
            t->oom = 1;
            return;
        }
        t->s = ns;
        t->cap = cap;
    }
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n] = '\0';
}

/* Python pads by characters, not bytes: count UTF-8 code points. */
static size_t ulen(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void spaces(text *t, size_t n)
{
    while (n--)
        put(t, " ", 1);
}

static void field(text *t, const char *s, size_t w, char align)
{
    size_t len = ulen(s), pad = len < w ? w - len : 0;
    size_t left = align == '>' ? pad : align == '^' ? pad / 2 : 0;
    spaces(t, left);
    put(t, s, strlen(s));
    spaces(t, pad - left);
}

static void nl(text *t) { put(t, "\n", 1); }

/* Everything pyhf's inspect collects. */
typedef struct summary {
    strs channels;  /* sorted unique names */
    strs samples;   /* sorted unique names */
    strs mods;      /* sorted unique (name, type) pairs */
    strs pars;      /* parameter set names, sorted */
    const char **constraint; /* per entry of pars */
    int *nbins;     /* per entry of channels */
    int nmodnames;  /* distinct modifier names */
} summary;

static const char *constraint_name(int c)
{
    return c == 1 ? "constrained_by_normal"
         : c == 2 ? "constrained_by_poisson" : "unconstrained";
}

/* Index of name in the sorted unique strings s, or -1: lookups by
 * bisection keep inspect linear-logarithmic on workspaces of thousands of
 * channels and parameters. */
static int strs_find(const strs *s, const char *name)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(s->v[mid], name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int channel_nbins(const cJSON *ch)
{
    const cJSON *s0 =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ch, "samples"), 0);
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s0, "data"));
}

static int collect(const cJSON *root, const hf_model *m, summary *S)
{
    const cJSON *ch, *smp, *mod;
    int bad = 0;
    cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(root, "channels")) {
        bad |= strs_add(&S->channels, str_item(ch, "name"));
        cJSON_ArrayForEach(smp, cJSON_GetObjectItemCaseSensitive(ch, "samples")) {
            bad |= strs_add(&S->samples, str_item(smp, "name"));
            cJSON_ArrayForEach(mod,
                               cJSON_GetObjectItemCaseSensitive(smp, "modifiers")) {
                bad |= strs_add(&S->mods, str_item(mod, "name"));
                bad |= strs_add(&S->mods, str_item(mod, "type"));
            }
        }
    }
    strs_sort_unique(&S->channels);
    strs_sort_unique(&S->samples);
    pairs_sort_unique(&S->mods);
    for (int i = 0; i < S->mods.n / 2; i++)
        S->nmodnames += i == 0 || strcmp(S->mods.v[2 * i], S->mods.v[2 * i - 2]);

    int nps = hf_model_nparsets(m);
    for (int k = 0; k < nps; k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) == HF_OK)
            bad |= strs_add(&S->pars, ps.name);
    }
    strs_sort_unique(&S->pars);
    S->constraint = calloc((size_t)S->pars.n + 1, sizeof *S->constraint);
    S->nbins = calloc((size_t)S->channels.n + 1, sizeof *S->nbins);
    if (!S->constraint || !S->nbins)
        return -1;
    for (int i = 0; i < S->pars.n; i++)
        S->constraint[i] = constraint_name(0);
    for (int k = 0; k < nps; k++) {
        hf_parset ps;
        int i = hf_model_parset(m, k, &ps) == HF_OK ? strs_find(&S->pars, ps.name) : -1;
        if (i >= 0)
            S->constraint[i] = constraint_name(ps.constrained);
    }
    /* the first channel of a name, as a scan would find */
    int nch = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "channels"));
    unsigned char *set = calloc((size_t)S->channels.n + 1, 1);
    if (!set)
        return -1;
    cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(root, "channels")) {
        int i = strs_find(&S->channels, str_item(ch, "name"));
        if (i >= 0 && !set[i]) {
            S->nbins[i] = channel_nbins(ch);
            set[i] = 1;
        }
    }
    (void)nch;
    free(set);
    return bad;
}

/* The modifier types of parameter `name`, comma-joined in sorted order. */
static void mod_types(const summary *S, const char *name, text *t)
{
    int first = 1, lo = 0, hi = S->mods.n / 2;
    while (lo < hi) { /* the first pair of that name: they are sorted */
        int mid = lo + (hi - lo) / 2;
        if (strcmp(S->mods.v[2 * mid], name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < S->mods.n / 2; i++) {
        if (strcmp(S->mods.v[2 * i], name) != 0)
            break;
        if (!first)
            put(t, ",", 1);
        put(t, S->mods.v[2 * i + 1], strlen(S->mods.v[2 * i + 1]));
        first = 0;
    }
}

static size_t maxlen_of(const strs *s, size_t m)
{
    for (int i = 0; i < s->n; i++)
        if (ulen(s->v[i]) > m)
            m = ulen(s->v[i]);
    return m;
}

static void print_counts(const summary *S, size_t w, text *t)
{
    char num[32];
    field(t, "     Summary     ", w + 7, '>');
    put(t, "  \n", 3);
    field(t, "------------------", w + 7, '>');
    put(t, "  \n", 3);
    const struct {
        const char *k;
        int n;
    } counts[] = {{"channels", S->channels.n}, {"samples", S->samples.n},
                  {"parameters", S->pars.n}, {"modifiers", S->nmodnames}};
    for (int i = 0; i < 4; i++) {
        field(t, counts[i].k, w, '>');
        snprintf(num, sizeof num, "  %d\n", counts[i].n);
        put(t, num, strlen(num));
    }
    nl(t);
}

static void print_channels_samples(const summary *S, size_t w, text *t)
{
    char num[32];
    field(t, "channels", w, '>');
    put(t, "  ", 2);
    field(t, "nbins", 5, '^');
    nl(t);
    field(t, "----------", w, '>');
    put(t, "  -----\n", 8);
    for (int i = 0; i < S->channels.n; i++) {
        field(t, S->channels.v[i], w, '>');
        put(t, "  ", 2);
        snprintf(num, sizeof num, "%d", S->nbins[i]);
        field(t, num, 5, '^');
        nl(t);
    }
    nl(t);
    field(t, "samples", w, '>');
    nl(t);
    field(t, "----------", w, '>');
    nl(t);
    for (int i = 0; i < S->samples.n; i++) {
        field(t, S->samples.v[i], w, '>');
        nl(t);
    }
    nl(t);
}

/* The head of a three-column table as pyhf inspect prints it: names
 * right-aligned in w, the middle column (22 wide) aligned as mid_align,
 * then the last; and a line of dashes under each. */
static void table_head(text *t, size_t w, const char *first, const char *mid,
                       char mid_align, const char *last)
{
    field(t, first, w, '>');
    put(t, "  ", 2);
    field(t, mid, 22, mid_align);
    put(t, "  ", 2);
    put(t, last, strlen(last));
    nl(t);
    field(t, "----------", w, '>');
    put(t, "  ", 2);
    field(t, "----------", 22, mid_align);
    put(t, "  ----------\n", 13);
}

static void print_parameters(const summary *S, size_t w, text *t)
{
    table_head(t, w, "parameters", "constraint", '<', "modifiers");
    for (int i = 0; i < S->pars.n; i++) {
        field(t, S->pars.v[i], w, '>');
        put(t, "  ", 2);
        field(t, S->constraint[i], 22, '<');
        put(t, "  ", 2);
        mod_types(S, S->pars.v[i], t);
        nl(t);
    }
    nl(t);
}

/* The measurements, the one in use (index star) marked "(*)". */
static void print_measurements(const cJSON *meas, int star, size_t w, text *t)
{
    const cJSON *me;
    table_head(t, w, "measurement", "poi", '^', "parameters");
    int i = 0;
    cJSON_ArrayForEach(me, meas) {
        const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(me, "config"), *p;
        const char *name = str_item(me, "name");
        text nm = {0};
        if (i++ == star)
            put(&nm, "(*) ", 4);
        put(&nm, name, strlen(name));
        field(t, nm.s ? nm.s : "", w, '>');
        free(nm.s);
        put(t, "  ", 2);
        field(t, str_item(cfg, "poi"), 22, '^');
        put(t, "  ", 2);
        int np = 0;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cfg, "parameters")) {
            if (np++)
                put(t, ",", 1);
            const char *pn = str_item(p, "name");
            put(t, pn, strlen(pn));
        }
        if (!np)
            put(t, "(none)", 6);
        nl(t);
    }
    nl(t);
}

/* pyhf inspect's text: the tables right-aligned to the longest name. */
static void print_text(const cJSON *root, const summary *S, int star, text *t)
{
    const cJSON *meas = cJSON_GetObjectItemCaseSensitive(root, "measurements"), *me;
    size_t w = maxlen_of(&S->channels, 0);
    w = maxlen_of(&S->samples, w);
    w = maxlen_of(&S->pars, w);
    cJSON_ArrayForEach(me, meas) {
        size_t l = ulen(str_item(me, "name"));
        w = l > w ? l : w;
    }
    print_counts(S, w, t);
    print_channels_samples(S, w, t);
    print_parameters(S, w, t);
    print_measurements(meas, star, w, t);
}

static cJSON *str_array(const char *const *v, int n, int stride)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i * stride]));
    return a;
}

/* pyhf's result dict, dumped with indent=4, sort_keys=True. */
static cJSON *summary_json(const cJSON *root, const summary *S)
{
    cJSON *o = cJSON_CreateObject(), *a, *row;
    cJSON_AddItemToObject(o, "samples", str_array(S->samples.v, S->samples.n, 1));
    a = cJSON_AddArrayToObject(o, "channels");
    for (int i = 0; i < S->channels.n; i++) {
        row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateString(S->channels.v[i]));
        cJSON_AddItemToArray(row, hfcli_json_int(S->nbins[i]));
        cJSON_AddItemToArray(a, row);
    }
    /* dict(ws.modifiers): for a name with several types the last pair in
     * sorted order wins. */
    a = cJSON_AddObjectToObject(o, "modifiers");
    for (int i = 0; i < S->mods.n / 2; i++) {
        const char *n = S->mods.v[2 * i];
        if (i + 1 < S->mods.n / 2 && strcmp(n, S->mods.v[2 * i + 2]) == 0)
            continue;
        cJSON_AddItemToObject(a, n, cJSON_CreateString(S->mods.v[2 * i + 1]));
    }
    a = cJSON_AddArrayToObject(o, "parameters");
    cJSON *sy = cJSON_AddArrayToObject(o, "systematics");
    for (int i = 0; i < S->pars.n; i++) {
        row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateString(S->pars.v[i]));
        cJSON_AddItemToArray(row, cJSON_CreateString(S->constraint[i]));
        cJSON_AddItemToArray(a, row);
        row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateString(S->pars.v[i]));
        cJSON_AddItemToArray(row, cJSON_CreateString(S->constraint[i]));
        cJSON *types = cJSON_CreateArray();
        for (int j = 0; j < S->mods.n / 2; j++)
            if (strcmp(S->mods.v[2 * j], S->pars.v[i]) == 0)
                cJSON_AddItemToArray(types, cJSON_CreateString(S->mods.v[2 * j + 1]));
        cJSON_AddItemToArray(row, types);
        cJSON_AddItemToArray(sy, row);
    }
    a = cJSON_AddArrayToObject(o, "measurements");
    const cJSON *me, *p;
    cJSON_ArrayForEach(me, cJSON_GetObjectItemCaseSensitive(root, "measurements")) {
        const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(me, "config");
        row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateString(str_item(me, "name")));
        cJSON_AddItemToArray(row, cJSON_CreateString(str_item(cfg, "poi")));
        cJSON *names = cJSON_CreateArray();
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cfg, "parameters"))
            cJSON_AddItemToArray(names, cJSON_CreateString(str_item(p, "name")));
        cJSON_AddItemToArray(row, names);
        cJSON_AddItemToArray(a, row);
    }
    return o;
}

static int measurement_index(const cJSON *root, const char *name)
{
    const cJSON *me;
    int i = 0;
    if (!name)
        return 0;
    cJSON_ArrayForEach(me, cJSON_GetObjectItemCaseSensitive(root, "measurements")) {
        if (strcmp(str_item(me, "name"), name) == 0)
            return i;
        i++;
    }
    return -1;
}

static int run(const hf_workspace *ws, const hf_model *m, const char *meas,
               const char *outfile)
{
    summary S;
    memset(&S, 0, sizeof S);
    text t = {0};
    char *js = NULL;
    cJSON *o = NULL;
    int rc = HF_EXIT_INPUT;
    if (collect(ws->root, m, &S) != 0)
        goto oom;
    print_text(ws->root, &S, measurement_index(ws->root, meas), &t);
    if (t.oom)
        goto oom;
    /* The file first: if it cannot be written, stdout stays empty. */
    if (outfile) {
        o = summary_json(ws->root, &S);
        js = o ? hfcli_json_dump(o, 4, 1) : NULL;
        if (!js)
            goto oom;
        hf_error err = {0};
        if (hfcli_write_file(outfile, js, &err) != HF_OK) {
            rc = hfcli_lib_error(&err);
            goto done;
        }
    }
    rc = hfcli_emit(t.s, NULL);
    goto done;
oom:
    hfcli_msg("out of memory");
done:
    free(S.channels.v);
    free(S.samples.v);
    free(S.mods.v);
    free(S.pars.v);
    free(S.constraint);
    free(S.nbins);
    free(t.s);
    free(js);
    cJSON_Delete(o);
    return rc;
}

int hfcli_cmd_inspect(int argc, char **argv)
{
    enum { O_MEAS = 256, O_OUT };
    static const struct option longopts[] = {
        {"measurement", required_argument, NULL, O_MEAS},
        {"output-file", required_argument, NULL, O_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hf_model_options mo;
    hf_model_options_init(&mo);
    mo.poi = "";
    const char *outfile = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); return HF_EXIT_OK;
        case O_MEAS: mo.measurement = optarg; break;
        case O_OUT: outfile = optarg; break;
        default: return hfcli_getopt_error(c, optopt, argv, optind);
        }
    }
    const char *path = argc - optind == 1 ? argv[optind]
                                          : hfcli_stdin_workspace();
    if (argc - optind > 1 || !path)
        return hfcli_usage_error(argc - optind < 1
                                  ? "give a workspace file (or pipe one into "
                                    "standard input)"
                                  : "too many arguments");
    hf_cli_input in = {path, NULL, 0, NULL, 0, 0, NULL};
    hf_cli_loaded l;
    int rc = hfcli_load(&in, &mo, &l);
    if (rc == HF_EXIT_OK)
        rc = run(l.ws, l.model, mo.measurement, outfile);
    hfcli_release(&l);
    return rc;
}
