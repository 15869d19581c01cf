/*
 * fuzz_workspace.c - libFuzzer target: arbitrary bytes as a workspace.
 *
 * Loads (parse + validate), builds the model with pyhf's defaults and
 * evaluates the likelihood and its gradient once at the inits; a valid
 * workspace is also dumped, digested and sorted.  Any crash, leak,
 * sanitizer report or trap is a finding: the library must turn every
 * input into either a model or an error message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    hf_error err;
    hf_workspace *ws = NULL;
    if (hf_workspace_parse(text, "fuzz.json", &ws, &err) != HF_OK) {
        /* an error must come with a message */
        if (!err.msg[0])
            __builtin_trap();
        free(text);
        return 0;
    }
    char hex[129];
    hf_workspace_digest(ws, "sha256", hex, sizeof hex, &err);
    free(hf_workspace_dump(ws, 0));
    hf_workspace *sorted = NULL;
    if (hf_workspace_sorted(ws, &sorted, &err) == HF_OK)
        hf_workspace_free(sorted);

    hf_model *m = NULL;
    hf_model_options opt;
    hf_model_options_init(&opt);
    opt.poi = ""; /* a missing POI must not hide the rest of the model */
    if (hf_model_build(ws, NULL, 0, &opt, &m, &err) == HF_OK) {
        int np = hf_model_npars(m), nd = hf_model_ndata(m);
        double *work = malloc(sizeof(double) * hf_model_work_size(m));
        double *grad = malloc(sizeof(double) * (size_t)(np ? np : 1));
        double *exp = malloc(sizeof(double) * (size_t)(nd ? nd : 1));
        if (work && grad && exp) {
            const double *init = hf_model_inits(m);
            volatile double l = hf_model_logpdf(m, init, hf_model_data(m), work);
            l += hf_model_nll(m, init, hf_model_data(m), grad, work);
            hf_model_expected_data(m, init, exp, work);
            (void)l;
        }
        free(work);
        free(grad);
        free(exp);
        hf_model_free(m);
    } else if (!err.msg[0]) {
        __builtin_trap();
    }
    hf_workspace_free(ws);
    free(text);
    return 0;
}
