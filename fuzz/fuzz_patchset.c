/*
 * fuzz_patchset.c - libFuzzer target: arbitrary bytes as a pyhf patchset.
 *
 * Parses (and validates) the patchset, walks every accessor, verifies it
 * against a small fixed workspace and builds the model of that workspace
 * with each of the first few patches applied.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf.h"

static const char WS[] =
    "{\"channels\": [{\"name\": \"SR\", \"samples\": ["
    " {\"name\": \"bkg\", \"data\": [50.0, 60.0], \"modifiers\": ["
    "  {\"name\": \"mu_b\", \"type\": \"normfactor\", \"data\": null},"
    "  {\"name\": \"stat\", \"type\": \"staterror\", \"data\": [3.0, 4.0]}]}]}],"
    " \"observations\": [{\"name\": \"SR\", \"data\": [55, 70]}],"
    " \"measurements\": [{\"name\": \"meas\", \"config\": {\"poi\": \"mu\","
    "  \"parameters\": []}}], \"version\": \"1.0.0\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static hf_workspace *ws;
    hf_error err;
    if (!ws && hf_workspace_parse(WS, "ws.json", &ws, &err) != HF_OK)
        __builtin_trap();

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    hf_patchset *ps = NULL;
    if (hf_patchset_parse(text, "fuzz.json", &ps, &err) != HF_OK) {
        if (!err.msg[0])
            __builtin_trap();
        free(text);
        return 0;
    }
    int n = hf_patchset_size(ps), nl = hf_patchset_nlabels(ps);
    char buf[256];
    for (int j = 0; j < nl; j++)
        if (!hf_patchset_label(ps, j))
            __builtin_trap();
    for (int i = 0; i < n; i++) {
        const char *name = hf_patchset_patch_name(ps, i);
        if (!name || hf_patchset_find(ps, name) < 0)
            __builtin_trap();
        int nv = hf_patchset_nvalues(ps, i);
        double *v = malloc(sizeof(double) * (size_t)(nv ? nv : 1));
        for (int j = 0; j < nv && v; j++) {
            v[j] = hf_patchset_value(ps, i, j);
            hf_patchset_value_text(ps, i, j, buf, sizeof buf);
        }
        if (v)
            hf_patchset_find_values(ps, v, nv);
        free(v);
    }
    for (int i = 0; i < hf_patchset_ndigests(ps); i++)
        hf_patchset_digest(ps, hf_patchset_digest_name(ps, i));
    hf_patchset_verify(ps, ws, &err);
    for (int i = 0; i < n && i < 3; i++) {
        const hf_patch *p = hf_patchset_patch(ps, i);
        hf_model *m = NULL;
        if (p && hf_model_build(ws, &p, 1, NULL, &m, &err) == HF_OK)
            hf_model_free(m);
        hf_workspace *out = NULL;
        if (p && hf_workspace_apply(ws, p, &out, &err) == HF_OK)
            hf_workspace_free(out);
    }
    hf_patchset_free(ps);
    free(text);
    return 0;
}
