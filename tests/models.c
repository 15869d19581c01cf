/*
 * models.c - small inline workspaces for the tests (models.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "models.h"

const char SIMPLE_WS[] =
    "{\"channels\": [{\"name\": \"singlechannel\", \"samples\": ["
    "{\"name\": \"signal\", \"data\": [12.0, 11.0], \"modifiers\": "
    "[{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
    "{\"name\": \"background\", \"data\": [50.0, 52.0], \"modifiers\": "
    "[{\"name\": \"uncorr_bkguncrt\", \"type\": \"shapesys\", "
    "\"data\": [3.0, 7.0]}]}]}],"
    "\"observations\": [{\"name\": \"singlechannel\", \"data\": [51, 48]}],"
    "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", "
    "\"parameters\": []}}], \"version\": \"1.0.0\"}";

hf_model *two_bin_model(int n_sr, int n_cr)
{
    char ws[1024];
    snprintf(ws, sizeof ws,
             "{\"channels\": ["
             "{\"name\": \"CR\", \"samples\": [{\"name\": \"bkg\", \"data\": "
             "[10.0], \"modifiers\": [{\"name\": \"k\", \"type\": "
             "\"normfactor\", \"data\": null}]}]},"
             "{\"name\": \"SR\", \"samples\": ["
             "{\"name\": \"signal\", \"data\": [5.0], \"modifiers\": "
             "[{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
             "{\"name\": \"bkg\", \"data\": [10.0], \"modifiers\": "
             "[{\"name\": \"k\", \"type\": \"normfactor\", \"data\": null}]}"
             "]}],"
             "\"observations\": [{\"name\": \"CR\", \"data\": [%d]}, "
             "{\"name\": \"SR\", \"data\": [%d]}],"
             "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": "
             "\"mu\", \"parameters\": []}}], \"version\": \"1.0.0\"}",
             n_cr, n_sr);
    return inline_model(ws);
}

hf_model *inline_model(const char *json)
{
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    if (hf_workspace_parse(json, "inline", &ws, &err) != HF_OK ||
        hf_model_build(ws, NULL, 0, NULL, &m, &err) != HF_OK)
        fail_msg("inline model: %s", err.msg);
    hf_workspace_free(ws);
    return m;
}

hf_model *file_model(const char *path)
{
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    if (hf_workspace_read(path, &ws, &err) != HF_OK ||
        hf_model_build(ws, NULL, 0, NULL, &m, &err) != HF_OK)
        fail_msg("%s", err.msg);
    hf_workspace_free(ws);
    return m;
}

hf_model *patchset_model(const char *dir, const char *name)
{
    char ws_path[512], ps_path[512];
    snprintf(ws_path, sizeof ws_path, "%s/BkgOnly.json", dir);
    snprintf(ps_path, sizeof ps_path, "%s/patchset.json", dir);
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    if (hf_workspace_read(ws_path, &ws, &err) != HF_OK ||
        hf_patchset_read(ps_path, &ps, &err) != HF_OK)
        fail_msg("%s", err.msg);
    int i = name ? hf_patchset_find(ps, name) : 0;
    if (i < 0)
        fail_msg("%s: no patch %s", ps_path, name);
    const hf_patch *p = hf_patchset_patch(ps, i);
    if (hf_model_build_applied(ws, &p, 1, NULL, &m, &err) != HF_OK)
        fail_msg("%s", err.msg);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return m;
}

int model_par(const hf_model *m, const char *name)
{
    for (int i = 0; i < hf_model_npars(m); i++)
        if (strcmp(hf_model_par_name(m, i), name) == 0)
            return i;
    fail_msg("no parameter %s", name);
    return -1;
}
