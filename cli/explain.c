/*
 * explain.c - `hf cls --explain` and `--asimov-out`: the fits behind a
 * hypothesis test, so that a difference from pyhf can be traced to the
 * fit where it starts (and checked in pyhf at hf's points).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The keys of hf_hypotest_explain's fits, in HF_FIT_* order. */
static const char *const fit_keys[HF_NFITS] = {
    "free", "fixed_poi", "bkg_only", "asimov_free", "asimov_fixed_poi"};

static cJSON *pars_by_name(const hf_model *m, const double *v)
{
    cJSON *o = cJSON_CreateObject();
    int n = hf_model_nparsets(m);
    for (int k = 0; o && k < n; k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) == HF_OK)
            cJSON_AddItemToObject(o, ps.name,
                                  hfcore_json_array(v + ps.offset, ps.n));
    }
    return o;
}

cJSON *hfcli_explain_json(const hf_model *m, const hf_hypotest_explain *ex,
                           int with_pars, int full_hessian)
{
    (void)full_hessian; /* every fit checks the whole Hessian now */
    cJSON *o = cJSON_CreateObject();
    int np = m ? hf_model_npars(m) : 0; /* m may be NULL without pars */
    for (int k = 0; o && k < HF_NFITS; k++) {
        const hf_fit_summary *f = &ex->fit[k];
        if (!f->done)
            continue; /* q0 has no fixed fit at a tested mu */
        cJSON *j = cJSON_AddObjectToObject(o, fit_keys[k]);
        cJSON_AddNumberToObject(j, "twice_nll", f->twice_nll);
        cJSON_AddNumberToObject(j, "poi", f->poi);
        cJSON_AddBoolToObject(j, "converged", f->converged);
        /* what "converged" checked: every fit the whole Hessian
         * (fit/mle.c leave_saddle), but the Asimov free fit is no
         * descent (infer/asymptotic.c asimov_free: its point is the
         * global minimum by construction) */
        cJSON_AddStringToObject(j, "hessian",
                                k == HF_FIT_ASIMOV_FREE ? "by construction"
                                                        : "full");
        cJSON_AddItemToObject(j, "nevals", hfcli_json_int(f->nevals));
        if (with_pars && ex->pars && m)
            cJSON_AddItemToObject(j, "pars",
                                  pars_by_name(m, ex->pars + (size_t)k * np));
    }
    if (o) {
        cJSON_AddNumberToObject(o, "q_obs", ex->q_obs);
        cJSON_AddNumberToObject(o, "q_asimov", ex->q_asimov);
        cJSON_AddBoolToObject(o, "ambiguous", ex->ambiguous);
        if (ex->ambiguous) {
            cJSON_AddNumberToObject(o, "alt_poi", ex->alt_poi);
            cJSON_AddNumberToObject(o, "alt_CLs_obs", ex->alt_cls_obs);
        }
    }
    return o;
}

int hfcli_write_asimov(const char *path, const double *data, int n)
{
    cJSON *a = hfcore_json_array(data, n);
    if (!a) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    /* One line of JSON to a file: what hfcli_emit_json writes for results. */
    int rc = hfcli_emit_json(a, path);
    cJSON_Delete(a);
    return rc;
}

int hfcli_explain_begin(const hf_model *m, hf_hypotest_explain *ex,
                        double **buf)
{
    size_t np = (size_t)hf_model_npars(m), nd = (size_t)hf_model_ndata(m);
    *buf = malloc((HF_NFITS * np + nd + 1) * sizeof **buf);
    if (!*buf) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    ex->pars = *buf;
    ex->asimov_data = *buf + HF_NFITS * np;
    return HF_EXIT_OK;
}

int hfcli_explain_emit(const hf_model *m, const hf_hypotest_explain *ex,
                       const hf_cli_args *a, cJSON *out)
{
    if (a->explain)
        cJSON_AddItemToObject(out, "explain",
                              hfcli_explain_json(m, ex, a->explain_pars,
                                                 a->fo.full_hessian));
    int rc = HF_EXIT_OK;
    if (a->asimov_out)
        rc = hfcli_write_asimov(a->asimov_out, ex->asimov_data,
                                hf_model_ndata(m));
    if (rc == HF_EXIT_OK) {
        rc = hfcli_emit_json(out, a->outfile);
        /* no result, no Asimov file: nothing partial stays behind */
        if (rc != HF_EXIT_OK && a->asimov_out)
            remove(a->asimov_out);
    }
    return rc;
}
