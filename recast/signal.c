/*
 * signal.c - a signal sample for a background-only workspace: as an RFC
 * 6902 patch (what pyhf reads), and as a compiled template whose signal
 * yields can be overwritten without going through JSON.
 *
 * The template is the model of the workspace patched with placeholder
 * yields; the model's slot for the signal (hf/overlay.c) then knows what
 * each new signal's yields change in it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recast.h"

void hf_signal_spec_init(hf_signal_spec *spec)
{
    if (!spec)
        return;
    memset(spec, 0, sizeof *spec);
    spec->version = HF_SIGNAL_SPEC_VERSION;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *measurement_of(const hf_workspace *ws, const char *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(ws->root, "measurements")) {
        const char *n = jstr(m, "name");
        if (!name || (n && strcmp(n, name) == 0))
            return m;
    }
    return NULL;
}

/* The normfactor name: the spec's, else the measurement's POI, else the
 * name ATLAS workspaces use. */
static const char *poi_name(const hf_workspace *ws, const hf_signal_spec *spec,
                            const char *measurement)
{
    if (spec->poi && spec->poi[0])
        return spec->poi;
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(measurement_of(ws, measurement), "config");
    const char *p = jstr(cfg, "poi");
    return p && p[0] ? p : "mu_SIG";
}

static void stat_name(char *buf, size_t len, const char *chan)
{
    snprintf(buf, len, "staterror_%s", chan);
}

/* Workspace channel `name` of `channels`: its index and bins; fails when
 * there is none or it already has a sample named `sample`. */
static int signal_channel(const hf_workspace *ws, const cJSON *channels, const char *name,
                          const char *sample, int *found, int *nb, hf_error *err)
{
    const cJSON *c, *ch = NULL;
    int ci = 0;
    *found = -1;
    cJSON_ArrayForEach(c, channels) {
        const char *n = jstr(c, "name");
        if (n && strcmp(n, name) == 0) {
            ch = c;
            *found = ci;
            break;
        }
        ci++;
    }
    if (!ch) {
        char avail[512] = "";
        size_t used = 0;
        cJSON_ArrayForEach(c, channels) {
            const char *n = jstr(c, "name");
            if (n && used + strlen(n) + 4 < sizeof avail)
                used += snprintf(avail + used, sizeof avail - used, "%s'%s'",
                                 used ? ", " : "", n);
        }
        return hfcore_error_set(err, HF_ERR_NOTFOUND,
                            "%s: no channel named '%s' (the workspace has %s)",
                            ws->source, name, avail);
    }
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(ch, "samples"), *s;
    *nb = cJSON_GetArraySize(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(samples, 0), "data"));
    cJSON_ArrayForEach(s, samples) {
        const char *sn = jstr(s, "name");
        if (sn && strcmp(sn, sample) == 0)
            return hfcore_error_set(err, HF_ERR_INVALID,
                                "%s: channel '%s' already has a sample named '%s' "
                                "(choose another signal sample name)",
                                ws->source, name, sample);
    }
    return HF_OK;
}

/* The nb yields and uncertainties of one channel (NULL: 1 and 0). */
static int check_yields(const char *name, int nb, const double *yields, const double *unc,
                        hf_error *err)
{
    for (int b = 0; b < nb; b++) {
        double y = yields ? yields[b] : 1.0;
        double u = unc ? unc[b] : 0.0;
        if (!isfinite(y) || !isfinite(u) || u < 0)
            return hfcore_error_set(err, HF_ERR_ARG,
                                "signal channel '%s' bin %d: yield %g, uncertainty %g: "
                                "yields must be finite and uncertainties finite and >= 0",
                                name, b, y, u);
    }
    return HF_OK;
}

/* The "add" operation of the signal sample in channel `name` (workspace
 * index found), with its nb yields (NULL: 1) and uncertainties (NULL: 0);
 * NULL when out of memory.  cJSON's adders report no error one by one: the
 * caller checks the whole tree once. */
static cJSON *signal_op(const hf_signal_spec *spec, const char *sample, const char *poi,
                        const char *name, int found, int nb, const double *yields,
                        const double *unc)
{
    char path[64], sname[512];
    snprintf(path, sizeof path, "/channels/%d/samples/-", found);
    cJSON *op = cJSON_CreateObject(), *val = cJSON_CreateObject();
    cJSON *data = cJSON_CreateArray(), *mods = cJSON_CreateArray();
    cJSON *nf = cJSON_CreateObject();
    if (!op || !val || !data || !mods || !nf) {
        cJSON_Delete(op);
        cJSON_Delete(val);
        cJSON_Delete(data);
        cJSON_Delete(mods);
        cJSON_Delete(nf);
        return NULL;
    }
    cJSON_AddStringToObject(op, "op", "add");
    cJSON_AddStringToObject(op, "path", path);
    cJSON_AddItemToObject(op, "value", val);
    cJSON_AddStringToObject(val, "name", sample);
    cJSON_AddItemToObject(val, "data", data);
    cJSON_AddItemToObject(val, "modifiers", mods);
    for (int b = 0; b < nb; b++)
        cJSON_AddItemToArray(data, cJSON_CreateNumber(yields ? yields[b] : 1.0));
    cJSON_AddItemToArray(mods, nf);
    cJSON_AddStringToObject(nf, "name", poi);
    cJSON_AddStringToObject(nf, "type", "normfactor");
    cJSON_AddNullToObject(nf, "data");
    if (spec->lumi) {
        cJSON *lu = cJSON_CreateObject();
        cJSON_AddItemToArray(mods, lu);
        cJSON_AddStringToObject(lu, "name", "lumi");
        cJSON_AddStringToObject(lu, "type", "lumi");
        cJSON_AddNullToObject(lu, "data");
    }
    if (spec->staterror) {
        cJSON *se = cJSON_CreateObject(), *sd = cJSON_CreateArray();
        stat_name(sname, sizeof sname, name);
        cJSON_AddItemToArray(mods, se);
        cJSON_AddStringToObject(se, "name", sname);
        cJSON_AddStringToObject(se, "type", "staterror");
        cJSON_AddItemToObject(se, "data", sd);
        for (int b = 0; b < nb; b++)
            cJSON_AddItemToArray(sd, cJSON_CreateNumber(unc ? unc[b] : 0.0));
    }
    return op;
}

int hfrecast_signal_ops(const hf_workspace *ws, const hf_signal_spec *spec,
                  const char *measurement, const double *yields,
                  const double *unc, cJSON **ops_out, int *nb_out,
                  int *wsidx_out, hf_error *err)
{
    *ops_out = NULL;
    if (!ws || !spec || !spec->channels || spec->nchannels <= 0)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_signal: no signal channel given");
    int vrc = hfcore_check_version(spec->version, HF_SIGNAL_SPEC_VERSION,
                                   "hf_signal_spec", err);
    if (vrc != HF_OK)
        return vrc;
    const char *sample = spec->sample ? spec->sample : "signal";
    const char *poi = poi_name(ws, spec, measurement);
    const cJSON *channels = cJSON_GetObjectItemCaseSensitive(ws->root, "channels");
    cJSON *ops = cJSON_CreateArray();
    if (!ops)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    size_t off = 0;
    for (int i = 0; i < spec->nchannels; i++) {
        const char *name = spec->channels[i];
        for (int j = 0; j < i; j++)
            if (strcmp(spec->channels[j], name) == 0) {
                cJSON_Delete(ops);
                return hfcore_error_set(err, HF_ERR_ARG, "signal channel '%s' is listed twice",
                                    name);
            }
        int found, nb, rc = signal_channel(ws, channels, name, sample, &found, &nb, err);
        if (rc == HF_OK)
            rc = check_yields(name, nb, yields ? yields + off : NULL, unc ? unc + off : NULL,
                              err);
        if (rc != HF_OK) {
            cJSON_Delete(ops);
            return rc;
        }
        if (nb_out)
            nb_out[i] = nb;
        if (wsidx_out)
            wsidx_out[i] = found;
        cJSON *op = signal_op(spec, sample, poi, name, found, nb, yields ? yields + off : NULL,
                              unc ? unc + off : NULL);
        if (!op) {
            cJSON_Delete(ops);
            return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
        }
        cJSON_AddItemToArray(ops, op);
        off += (size_t)nb;
    }
    /* cJSON's adders return no error we could act on one by one: check the
     * finished tree once instead */
    char *probe = cJSON_PrintUnformatted(ops);
    if (!probe) {
        cJSON_Delete(ops);
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    }
    free(probe);
    *ops_out = ops;
    return HF_OK;
}

int hf_signal_patch(const hf_workspace *ws, const hf_signal_spec *spec,
                    const double *yields, const double *unc, char **json,
                    hf_error *err)
{
    cJSON *ops = NULL;
    if (!json || !yields)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_signal_patch: NULL argument");
    *json = NULL;
    int rc = hfrecast_signal_ops(ws, spec, NULL, yields, unc, &ops, NULL, NULL, err);
    if (rc)
        return rc;
    *json = hfcore_json_pydump(ops, 4, 1, NULL);
    cJSON_Delete(ops);
    return *json ? HF_OK : hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
}

/* Builds the model of s->ws with the signal at these yields. */
static int build_with(const hf_signal *s, const double *yields, const double *unc,
                      hf_model **out, hf_error *err)
{
    hf_signal_spec spec;
    hf_signal_spec_init(&spec);
    spec.channels = (const char *const *)s->chan;
    spec.nchannels = s->nch;
    spec.sample = s->sample;
    spec.poi = s->poi;
    spec.lumi = s->lumi;
    spec.staterror = s->staterror;
    cJSON *ops = NULL;
    int rc = hfrecast_signal_ops(s->ws, &spec, s->measurement, yields, unc, &ops, NULL, NULL, err);
    if (rc)
        return rc;
    /* Python's repr round-trips every double; cJSON's printer does not
     * (it keeps 15 digits when they come within an epsilon) */
    char *text = hfcore_json_pydump(ops, 0, 1, NULL);
    cJSON_Delete(ops);
    if (!text)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    hf_patch *p = NULL;
    rc = hf_patch_parse(text, "signal", &p, err);
    free(text);
    if (rc)
        return rc;
    hf_model_options o = s->mopt;
    o.measurement = s->measurement;
    o.poi = s->poi;
    const hf_patch *pl[] = {p};
    rc = hf_model_build(s->ws, pl, 1, &o, out, err);
    hf_patch_free(p);
    return rc;
}

void hf_signal_free(hf_signal *s)
{
    if (!s)
        return;
    hf_model_free(s->model);
    free(s->sample);
    free(s->poi);
    free(s->measurement);
    for (int i = 0; i < s->nch && s->chan; i++)
        free(s->chan[i]);
    free(s->chan);
    free(s->off);
    free(s->nb);
    hfmodel_slot_free(s->slot);
    free(s);
}

static char *dupnull(const char *x)
{
    return x ? strdup(x) : NULL;
}

/* The spec's names and counts into s (the measurement checked, the POI
 * named); HF_OK or an error, s then freed by the caller. */
static int signal_copy_spec(hf_signal *s, const hf_workspace *ws,
                            const hf_signal_spec *spec, hf_error *err)
{
    s->nch = spec->nchannels;
    s->lumi = spec->lumi;
    s->staterror = spec->staterror;
    s->sample = strdup(spec->sample ? spec->sample : "signal");
    s->measurement = dupnull(s->mopt.measurement);
    s->chan = calloc((size_t)s->nch, sizeof *s->chan);
    s->off = calloc((size_t)s->nch, sizeof(int));
    s->nb = calloc((size_t)s->nch, sizeof(int));
    if (!s->sample || (s->mopt.measurement && !s->measurement) || !s->chan || !s->off ||
        !s->nb)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    if (s->mopt.measurement && !measurement_of(ws, s->measurement))
        return hfcore_error_set(err, HF_ERR_NOTFOUND,
                                "%s: measurements: no measurement named '%s'",
                                ws->source, s->measurement);
    s->poi = strdup(poi_name(ws, spec, s->measurement));
    if (!s->poi)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    for (int i = 0; i < s->nch; i++)
        if (!spec->channels[i] || !(s->chan[i] = strdup(spec->channels[i])))
            return hfcore_error_set(err, spec->channels[i] ? HF_ERR_NOMEM : HF_ERR_ARG,
                                    "hf_signal_build: channel %d is %s", i,
                                    spec->channels[i] ? "out of memory" : "NULL");
    return HF_OK;
}

int hf_signal_build(const hf_workspace *ws, const hf_signal_spec *spec,
                    const hf_model_options *opt, hf_signal **out,
                    hf_error *err)
{
    if (!ws || !spec || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_signal_build: NULL argument");
    *out = NULL;
    if (!spec->channels || spec->nchannels <= 0)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_signal_build: no signal channel given");
    int vrc = hfcore_check_version(spec->version, HF_SIGNAL_SPEC_VERSION,
                                   "hf_signal_spec", err);
    if (vrc == HF_OK)
        vrc = hfmodel_options_check(opt, err);
    if (vrc != HF_OK)
        return vrc;
    hf_signal *s = calloc(1, sizeof *s);
    if (!s)
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    s->ws = ws;
    if (opt)
        s->mopt = *opt;
    else
        hf_model_options_init(&s->mopt);
    int rc = signal_copy_spec(s, ws, spec, err);
    if (rc)
        goto fail;
    /* bins per channel (the ops are rebuilt by build_with) */
    cJSON *ops = NULL;
    rc = hfrecast_signal_ops(ws, spec, s->measurement, NULL, NULL, &ops, s->nb, NULL, err);
    cJSON_Delete(ops);
    if (rc)
        goto fail;
    for (int i = 0; i < s->nch; i++) {
        s->off[i] = s->nbins;
        s->nbins += s->nb[i];
    }
    rc = build_with(s, NULL, NULL, &s->model, err);
    if (rc)
        goto fail;
    if ((rc = hfmodel_slot_new(s->model, s->sample, (const char *const *)s->chan, s->nch,
                               &s->slot, err)))
        goto fail;
    if (hfmodel_slot_nbins(s->slot) != s->nbins) {
        rc = hfcore_error_set(err, HF_ERR_INVALID, "%s: the signal has %d bins in the model, "
                              "%d in the workspace", ws->source, hfmodel_slot_nbins(s->slot),
                              s->nbins);
        goto fail;
    }
    *out = s;
    return HF_OK;
fail:
    hf_signal_free(s);
    return rc;
}

int hf_signal_nbins(const hf_signal *s) { return s ? s->nbins : 0; }

int hf_signal_channel_offset(const hf_signal *s, int i)
{
    return s && i >= 0 && i < s->nch ? s->off[i] : -1;
}

int hf_signal_channel_nbins(const hf_signal *s, int i)
{
    return s && i >= 0 && i < s->nch ? s->nb[i] : -1;
}

const hf_model *hf_signal_template(const hf_signal *s) { return s ? s->model : NULL; }

int hf_signal_model(const hf_signal *s, const double *yields, const double *unc,
                    hf_model **out, hf_error *err)
{
    if (!s || !yields || !out)
        return hfcore_error_set(err, HF_ERR_ARG, "hf_signal_model: NULL argument");
    *out = NULL;
    return build_with(s, yields, unc, out, err);
}
