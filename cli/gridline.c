/*
 * gridline.c - the per-patch output lines of `hfcls WS PATCHSET`
 * (grid.c), shared with hfscan (mpi/) so that a scan over MPI writes the
 * same bytes as one made on a single machine and the two can be merged.
 */
#include <math.h>
#include <stdio.h>

#include "cli.h"

int hfcli_is_patchset(const char *path, int *ok)
{
    FILE *f = fopen(path, "rb");
    int ch;
    if (ok)
        *ok = f != NULL;
    if (!f)
        return 0;
    while ((ch = fgetc(f)) == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
        ;
    fclose(f);
    return ch == '{';
}

cJSON *hfcli_grid_head(const char *name, const hf_patchset *ps, int i)
{
    cJSON *o = cJSON_CreateObject(), *vals = cJSON_CreateArray();
    if (!o || !vals) {
        cJSON_Delete(o);
        cJSON_Delete(vals);
        return NULL;
    }
    cJSON_AddStringToObject(o, "patch", name);
    int nv = ps ? hf_patchset_nvalues(ps, i) : 0;
    for (int j = 0; j < nv; j++) {
        char buf[256];
        if (hf_patchset_value_text(ps, i, j, buf, sizeof buf) == HF_OK)
            cJSON_AddItemToArray(vals, cJSON_CreateRaw(buf));
        else
            cJSON_AddItemToArray(vals, cJSON_CreateNull());
    }
    cJSON_AddItemToObject(o, "values", vals);
    return o;
}

char *hfcli_grid_line(cJSON *o, const hf_batch_item *it, int upper_limit,
                       int *failed)
{
    return hfcli_grid_line_ts(o, it, upper_limit, HF_TEST_QMU_TILDE, 0,
                              failed);
}

char *hfcli_grid_line_ts(cJSON *o, const hf_batch_item *it, int upper_limit,
                          hf_test_stat ts, int full_hessian, int *failed)
{
    int finite = isfinite(it->cls.cls_obs);
    for (int j = 0; j < 5; j++)
        finite = finite && isfinite(it->cls.cls_exp[j]) &&
                 (!upper_limit || isfinite(it->limit.exp[j]));
    finite = finite && (!upper_limit || isfinite(it->limit.obs));
    if (failed)
        *failed = it->status != HF_OK || !finite;
    if (it->status == HF_OK && !finite) {
        /* never a NaN CLs printed as null: an error for this patch */
        cJSON_AddStringToObject(o, "error", "CLs or upper limit is not a "
                                "finite number (degenerate likelihood)");
    } else if (it->status == HF_OK && ts == HF_TEST_Q0) {
        /* discovery: cls holds p0 and its band (hf_cls_asymptotic) */
        hfcli_add_discovery(o, it->cls.cls_obs, it->cls.cls_exp);
    } else if (it->status == HF_OK) {
        char num[32];
        hfcli_json_number(num, it->cls.cls_obs);
        cJSON_AddItemToObject(o, "CLs_obs", cJSON_CreateRaw(num));
        cJSON_AddItemToObject(o, "CLs_exp", hfcore_json_array(it->cls.cls_exp, 5));
        if (upper_limit) {
            cJSON *ul = cJSON_AddObjectToObject(o, "upper_limit");
            hfcli_json_number(num, it->limit.obs);
            cJSON_AddItemToObject(ul, "obs", cJSON_CreateRaw(num));
            cJSON_AddItemToObject(ul, "exp", hfcore_json_array(it->limit.exp, 5));
        }
    } else {
        cJSON_AddStringToObject(o, "error", it->err.msg[0] ? it->err.msg
                                : hf_status_name(it->status));
    }
    /* two minima of the free fit as low, at POI values whose CLs differ
     * (hf_cls_result.ambiguous): said only where it is so that every other
     * line stays as it was */
    if (it->status == HF_OK && finite && it->cls.ambiguous)
        cJSON_AddTrueToObject(o, "ambiguous");
    /* the batch fills explain (its free fit at least) only when asked */
    if (it->status == HF_OK && it->explain.fit[HF_FIT_FREE].done)
        cJSON_AddItemToObject(o, "explain",
                              hfcli_explain_json(NULL, &it->explain, 0,
                                                 full_hessian));
    char *s = hfcli_json_dump(o, 0, 0);
    cJSON_Delete(o);
    return s;
}
