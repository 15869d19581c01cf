/*
 * scan.c - `hf cls --scan START:STOP:N`: CLs over a grid of POI values and
 * the upper limits interpolated from it, as pyhf's linear_grid_scan (the
 * scan mode of pyhf's upper_limit).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int hfcli_parse_scan(const char *text, double *lo, double *hi, int *n)
{
    char *end;
    *lo = strtod(text, &end);
    if (end == text || *end != ':')
        goto bad;
    const char *p = end + 1;
    *hi = strtod(p, &end);
    if (end == p || *end != ':')
        goto bad;
    p = end + 1;
    long k = strtol(p, &end, 10);
    if (end == p || *end || k < 2 || k > 100000 || !isfinite(*lo) || !isfinite(*hi) ||
        !(*hi > *lo))
        goto bad;
    *n = (int)k;
    return HF_EXIT_OK;
bad:
    return hfcli_usage_error("--scan: '%s' is not START:STOP:N with START < STOP "
                              "and 2 <= N <= 100000",
                              text);
}

int hfcli_cls_scan(const hf_model *m, double lo, double hi, int n, double cl,
                    hf_test_stat ts, int tail_probs, const hf_fit_options *fo_,
                    const char *outfile)
{
    double *mu = malloc(sizeof(double) * (size_t)n);
    hf_cls_result *r = malloc(sizeof *r * (size_t)n);
    if (!mu || !r) {
        free(mu);
        free(r);
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    /* numpy.linspace: lo + i * step, the last point exactly hi */
    for (int i = 0; i < n; i++)
        mu[i] = i == n - 1 ? hi : lo + i * ((hi - lo) / (n - 1));
    hf_fit_options fo = *fo_;
    hf_limit_result lim;
    hf_error err = {0};
    int rc = HF_EXIT_OK;
    if (hf_upper_limit_scan(m, hf_model_data(m), mu, n, cl, ts, &fo, r, &lim, &err) != HF_OK) {
        rc = hfcli_lib_error(&err);
        goto out;
    }
    int finite = isfinite(lim.obs);
    for (int j = 0; j < 5; j++)
        finite = finite && isfinite(lim.exp[j]);
    for (int i = 0; i < n; i++) {
        finite = finite && isfinite(r[i].cls_obs) &&
                 (!tail_probs || (isfinite(r[i].clsb) && isfinite(r[i].clb)));
        for (int j = 0; j < 5; j++)
            finite = finite && isfinite(r[i].cls_exp[j]);
    }
    if (!finite) {
        hfcli_msg("the scan gave a CLs or limit that is not a finite number: the "
                   "likelihood is degenerate here; nothing printed");
        rc = HF_EXIT_INPUT;
        goto out;
    }
    cJSON *o = cJSON_CreateObject(), *obs = cJSON_CreateArray(), *exp = cJSON_CreateArray();
    cJSON *sb = cJSON_CreateArray(), *b = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(obs, cJSON_CreateNumber(r[i].cls_obs));
        cJSON_AddItemToArray(exp, hfcore_json_array(r[i].cls_exp, 5));
        cJSON_AddItemToArray(sb, cJSON_CreateNumber(r[i].clsb));
        cJSON_AddItemToArray(b, cJSON_CreateNumber(r[i].clb));
    }
    cJSON_AddItemToObject(o, "scan", hfcore_json_array(mu, n));
    cJSON_AddItemToObject(o, "CLs_obs", obs);
    cJSON_AddItemToObject(o, "CLs_exp", exp);
    if (tail_probs) {
        cJSON_AddItemToObject(o, "CLsb", sb);
        cJSON_AddItemToObject(o, "CLb", b);
    } else {
        cJSON_Delete(sb);
        cJSON_Delete(b);
    }
    cJSON *ul = cJSON_AddObjectToObject(o, "upper_limit");
    cJSON_AddNumberToObject(ul, "obs", lim.obs);
    cJSON_AddItemToObject(ul, "exp", hfcore_json_array(lim.exp, 5));
    rc = hfcli_emit_json(o, outfile);
    cJSON_Delete(o);
out:
    free(mu);
    free(r);
    return rc;
}
