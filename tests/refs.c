/* refs.c - see refs.h. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refs.h"
#include "run.h"

/* Python's json module writes NaN and Infinity, which JSON lacks: make
 * them null outside strings. */
static char *clean_json(const char *in)
{
    char *out = malloc(2 * strlen(in) + 1), *q = out;
    int instr = 0;
    if (!out)
        return NULL;
    for (const char *p = in; *p; p++) {
        if (*p == '"' && (p == in || p[-1] != '\\'))
            instr = !instr;
        size_t skip = 0;
        if (!instr && !strncmp(p, "-Infinity", 9))
            skip = 9;
        else if (!instr && !strncmp(p, "Infinity", 8))
            skip = 8;
        else if (!instr && !strncmp(p, "NaN", 3))
            skip = 3;
        if (skip) {
            memcpy(q, "null", 4);
            q += 4;
            p += skip - 1;
        } else {
            *q++ = *p;
        }
    }
    *q = 0;
    return out;
}

static double num(const cJSON *j)
{
    return cJSON_IsNumber(j) ? j->valuedouble : NAN;
}

static void str(char *dst, size_t len, const char *prefix, const cJSON *j)
{
    if (cJSON_IsString(j))
        snprintf(dst, len, "%s%s", prefix, j->valuestring);
    else
        dst[0] = 0;
}

/* Copies a numeric array of at most n values into out. */
static int numbers(const cJSON *a, double *out, int n)
{
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (i < n)
            out[i] = num(e);
        i++;
    }
    return i;
}

static void hypotest(const cJSON *j, ref_hypotest *h)
{
    h->present = cJSON_IsObject(j);
    if (!h->present)
        return;
    h->cls_obs = num(cJSON_GetObjectItem(j, "CLs_obs"));
    h->clsb = num(cJSON_GetObjectItem(j, "CLsb"));
    h->clb = num(cJSON_GetObjectItem(j, "CLb"));
    for (int k = 0; k < 5; k++)
        h->cls_exp[k] = NAN;
    numbers(cJSON_GetObjectItem(j, "CLs_exp"), h->cls_exp, 5);
}

static void fit(const cJSON *j, ref_fit *f, double *pars, int npars)
{
    f->present = cJSON_IsObject(j);
    if (!f->present)
        return;
    f->twice_nll = num(cJSON_GetObjectItem(j, "twice_nll"));
    const cJSON *p = cJSON_GetObjectItem(j, "pars");
    f->pars = NULL;
    if (cJSON_IsArray(p) && numbers(p, pars, npars) == npars)
        f->pars = pars;
}

int ref_load(const char *path, ref *r)
{
    memset(r, 0, sizeof *r);
    char *text = slurp_path(path);
    char *clean = text ? clean_json(text) : NULL;
    free(text);
    r->json = clean ? cJSON_Parse(clean) : NULL;
    free(clean);
    if (!r->json) {
        fprintf(stderr, "%s: cannot read as JSON\n", path);
        return -1;
    }
    const char *base = strrchr(path, '/');
    snprintf(r->name, sizeof r->name, "%s", base ? base + 1 : path);
    char *dot = strstr(r->name, ".json");
    if (dot)
        *dot = 0;
    const cJSON *j = r->json;
    str(r->workspace, sizeof r->workspace, REF_SHARED "/",
        cJSON_GetObjectItem(j, "workspace"));
    str(r->patch, sizeof r->patch, REF_SHARED "/",
        cJSON_GetObjectItem(j, "patch"));
    str(r->patch_name, sizeof r->patch_name, "",
        cJSON_GetObjectItem(j, "patch_name"));
    const cJSON *poi = cJSON_GetObjectItem(j, "poi");
    r->poi = cJSON_IsString(poi) ? poi->valuestring : NULL;
    r->npars = (int)num(cJSON_GetObjectItem(j, "npars"));
    const cJSON *data = cJSON_GetObjectItem(j, "data");
    const cJSON *pts = cJSON_GetObjectItem(j, "points");
    r->ndata = cJSON_GetArraySize(data);
    r->npoints = cJSON_GetArraySize(pts);
    if (r->npars <= 0 || !r->workspace[0]) {
        fprintf(stderr, "%s: not a reference file\n", path);
        ref_free(r);
        return -1;
    }
    size_t np = r->npars;
    r->arena = malloc((r->ndata + (r->npoints + 2) * np) * sizeof *r->arena);
    r->points = calloc(r->npoints + 1, sizeof *r->points);
    if (!r->arena || !r->points) {
        ref_free(r);
        return -1;
    }
    double *a = r->arena;
    numbers(data, a, r->ndata);
    r->data = a;
    a += r->ndata;
    int i = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, pts)
    {
        numbers(cJSON_GetObjectItem(pt, "pars"), a, r->npars);
        r->points[i].pars = a;
        r->points[i].logpdf = num(cJSON_GetObjectItem(pt, "logpdf"));
        r->points[i].logpdf_code1_code0 =
            num(cJSON_GetObjectItem(pt, "logpdf_code1_code0"));
        a += np;
        i++;
    }
    fit(cJSON_GetObjectItem(j, "fit_free"), &r->fit_free, a, r->npars);
    a += np;
    fit(cJSON_GetObjectItem(j, "fit_mu1"), &r->fit_mu1, a, r->npars);
    hypotest(cJSON_GetObjectItem(j, "hypotest_mu1_qtilde"), &r->hypotest);
    hypotest(cJSON_GetObjectItem(j, "hypotest_mu1_qtilde_pyhf_default_optimizer"),
             &r->hypotest_default);
    const cJSON *ul = cJSON_GetObjectItem(j, "upper_limit");
    r->upper_limit.present =
        cJSON_IsObject(ul) && cJSON_IsNumber(cJSON_GetObjectItem(ul, "obs"));
    if (r->upper_limit.present) {
        r->upper_limit.obs = num(cJSON_GetObjectItem(ul, "obs"));
        numbers(cJSON_GetObjectItem(ul, "exp"), r->upper_limit.exp, 5);
    }
    r->hypotest_seconds = num(cJSON_GetObjectItem(j, "hypotest_seconds"));
    return 0;
}

void ref_free(ref *r)
{
    cJSON_Delete(r->json);
    free(r->arena);
    free(r->points);
    memset(r, 0, sizeof *r);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **ref_list(void)
{
    DIR *d = opendir(REF_DIR);
    if (!d)
        return NULL;
    int n = 0, cap = 16;
    char **list = malloc(cap * sizeof *list);
    struct dirent *e;
    while (list && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        if (n + 1 >= cap) {
            char **l = realloc(list, 2 * cap * sizeof *l);
            if (!l)
                break;
            list = l;
            cap *= 2;
        }
        list[n] = malloc(len + sizeof REF_DIR + 1);
        sprintf(list[n], "%s/%s", REF_DIR, e->d_name);
        n++;
    }
    closedir(d);
    if (!list)
        return NULL;
    list[n] = NULL;
    qsort(list, n, sizeof *list, cmp);
    return list;
}

void ref_list_free(char **list)
{
    for (char **p = list; p && *p; p++)
        free(*p);
    free(list);
}

int ref_model(const ref *r, hf_model **m, hf_error *err)
{
    hf_workspace *ws = NULL;
    hf_patch *patch = NULL;
    *m = NULL;
    int rc = hf_workspace_read(r->workspace, &ws, err);
    if (rc == HF_OK && r->patch[0])
        rc = hf_patch_read_any(r->patch, r->patch_name[0] ? r->patch_name : NULL,
                               &patch, err);
    if (rc == HF_OK) {
        const hf_patch *patches[1] = {patch};
        rc = hf_model_build(ws, patches, patch ? 1 : 0, NULL, m, err);
    }
    hf_patch_free(patch);
    hf_workspace_free(ws);
    return rc;
}

double ref_rounding(const hf_model *m, const double *data)
{
    double s = 0;
    for (int i = 0; i < hf_model_ndata(m); i++) {
        double n = fabs(data[i]);
        if (n > 1)
            s += n * log(n) + n;
    }
    return 8 * s * 2.220446049250313e-16;
}
