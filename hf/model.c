/*
 * model.c - building a model from a workspace (+ patches) and the
 * read-only accessors of a built model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "core/strmap.h"

void hf_model_options_init(hf_model_options *opt)
{
    if (!opt)
        return;
    memset(opt, 0, sizeof *opt);
    opt->version = HF_MODEL_OPTIONS_VERSION;
    opt->measurement = NULL;
    opt->poi = NULL;
    opt->normsys_interp = HF_INTERP_CODE4;
    opt->histosys_interp = HF_INTERP_CODE4P;
}

static const cJSON *find_measurement(const cJSON *root, const char *name,
                                     const char *source, int *index,
                                     int *code, hf_error *err)
{
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "measurements"), *m;
    int i = 0;
    cJSON_ArrayForEach(m, ms) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "name");
        if (!name || (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)) {
            *index = i;
            return m;
        }
        i++;
    }
    if (!name) {
        *code = hfcore_error_set(err, HF_ERR_INVALID, "%s: measurements: no measurement is defined",
                             source);
        return NULL;
    }
    char avail[512] = "";
    size_t used = 0;
    cJSON_ArrayForEach(m, ms) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "name");
        if (cJSON_IsString(n) && used + strlen(n->valuestring) + 4 < sizeof avail)
            used += snprintf(avail + used, sizeof avail - used, "%s'%s'", used ? ", " : "",
                             n->valuestring);
    }
    *code = hfcore_error_set(err, HF_ERR_NOTFOUND,
                         "%s: measurements: no measurement named '%s' (the workspace has %s)",
                         source, name, avail);
    return NULL;
}

/* Observations restricted to the given channels, as references: a patch
 * may remove channels, and pyhf's Workspace.data then takes only the
 * observations of the channels left. */
static cJSON *observations_for(const cJSON *observations, const cJSON *channels)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *o, *c;
    hf_strmap names; /* a scan per observation is quadratic in channels */
    if (!out || hfcore_strmap_init(&names, (size_t)cJSON_GetArraySize(channels))) {
        cJSON_Delete(out);
        return NULL;
    }
    cJSON_ArrayForEach(c, channels) {
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (cJSON_IsString(cn) && hfcore_strmap_put(&names, cn->valuestring, 1)) {
            hfcore_strmap_free(&names);
            cJSON_Delete(out);
            return NULL;
        }
    }
    cJSON_ArrayForEach(o, observations) {
        const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "name");
        int keep = cJSON_IsString(on) && hfcore_strmap_get(&names, on->valuestring) > 0;
        cJSON *ref = keep ? cJSON_CreateObjectReference(o->child) : NULL;
        if (keep && !cJSON_AddItemToArray(out, ref)) {
            hfcore_strmap_free(&names);
            cJSON_Delete(out);
            return NULL;
        }
    }
    hfcore_strmap_free(&names);
    return out;
}

/* An item standing for v inside a spec to be patched copy-on-write: a
 * reference for a container, so nothing is copied until a patch goes
 * into it; NULL (an error for the caller) for a missing v. */
static cJSON *shared_ref(const cJSON *v)
{
    if (!v)
        return NULL;
    if (cJSON_IsArray(v))
        return cJSON_CreateArrayReference(v->child);
    if (cJSON_IsObject(v))
        return cJSON_CreateObjectReference(v->child);
    return cJSON_Duplicate(v, 1);
}

int hfmodel_options_check(const hf_model_options *opt, hf_error *err)
{
    if (!opt)
        return HF_OK;
    return hfcore_check_version(opt->version, HF_MODEL_OPTIONS_VERSION,
                                "hf_model_options", err);
}

/* The patched spec must still be a valid model: checked as part of a
 * workspace with the same observations and measurement. */
static int check_patched(const cJSON *spec, const cJSON *observations, const cJSON *poi,
                         const char *source, hf_error *err)
{
    const cJSON *pch = cJSON_GetObjectItemCaseSensitive(spec, "channels");
    const cJSON *ppar = cJSON_GetObjectItemCaseSensitive(spec, "parameters");
    cJSON *obs = observations_for(observations, pch);
    cJSON *check = cJSON_CreateObject();
    cJSON *mlist = cJSON_CreateArray(), *m1 = cJSON_CreateObject(), *cfg = cJSON_CreateObject();
    /* every member made before any is added (with constant keys, which
     * cannot fail): a member missing for lack of memory would otherwise
     * be reported as an invalid spec */
    cJSON *items[5] = {
        cJSON_CreateString(cJSON_IsString(poi) ? poi->valuestring : ""),
        ppar ? cJSON_CreateArrayReference(ppar->child) : cJSON_CreateArray(),
        cJSON_CreateString("patched"),
        pch ? cJSON_CreateArrayReference(pch->child) : cJSON_CreateNull(),
        cJSON_CreateString("1.0.0")};
    if (!obs || !check || !mlist || !m1 || !cfg || !items[0] || !items[1] || !items[2] ||
        !items[3] || !items[4]) {
        cJSON_Delete(obs);
        cJSON_Delete(check);
        cJSON_Delete(mlist);
        cJSON_Delete(m1);
        cJSON_Delete(cfg);
        for (int k = 0; k < 5; k++)
            cJSON_Delete(items[k]);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", source);
    }
    cJSON_AddItemToObjectCS(cfg, "poi", items[0]);
    cJSON_AddItemToObjectCS(cfg, "parameters", items[1]);
    cJSON_AddItemToObjectCS(m1, "name", items[2]);
    cJSON_AddItemToObjectCS(m1, "config", cfg);
    cJSON_AddItemToArray(mlist, m1);
    cJSON_AddItemToObjectCS(check, "channels", items[3]);
    cJSON_AddItemToObjectCS(check, "measurements", mlist);
    cJSON_AddItemToObjectCS(check, "observations", obs);
    cJSON_AddItemToObjectCS(check, "version", items[4]);
    int rc = hfpatch_workspace_validate(check, source, err);
    cJSON_Delete(check);
    return rc;
}

static int build(const hf_workspace *ws, const hfmodel_prep *prep,
                 const hf_patch *const *patches, int npatches,
                 const hf_model_options *opt, hf_model **out, hf_error *err)
{
    hf_model_options defaults;
    hfcore_gsl_quiet(); /* GSL errors become statuses, not abort() */
    if (!ws || !out || npatches < 0 || (npatches > 0 && !patches))
        return hfcore_error_set(err, HF_ERR_ARG, "hf_model_build: NULL argument");
    for (int i = 0; i < npatches; i++)
        if (!patches[i])
            return hfcore_error_set(err, HF_ERR_ARG, "hf_model_build: patches[%d] "
                                "is NULL", i);
    *out = NULL;
    int vrc = hfmodel_options_check(opt, err);
    if (vrc != HF_OK)
        return vrc;
    if (!opt) {
        hf_model_options_init(&defaults);
        opt = &defaults;
    }
    int mi = 0, code = HF_ERR_INVALID;
    const cJSON *meas = find_measurement(ws->root, opt->measurement, ws->source, &mi, &code,
                                         err);
    if (!meas)
        return code;
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(meas, "config");
    const cJSON *poi = cJSON_GetObjectItemCaseSensitive(config, "poi");
    hf_model_options o = *opt;
    if (!o.poi)
        o.poi = cJSON_IsString(poi) ? poi->valuestring : "";
    const cJSON *channels = cJSON_GetObjectItemCaseSensitive(ws->root, "channels");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(config, "parameters");
    const cJSON *observations = cJSON_GetObjectItemCaseSensitive(ws->root, "observations");
    char ppath[96];
    snprintf(ppath, sizeof ppath, "measurements[%d].config.parameters", mi);

    if (npatches == 0)
        return hfmodel_compile(channels, params, ppath, observations, &o, prep, ws->source, out,
                               err);

    /* pyhf patches {"channels", "parameters"}: work on a copy of those */
    char source[1024];
    size_t used = snprintf(source, sizeof source, "%s", ws->source);
    for (int i = 0; i < npatches && used < sizeof source; i++)
        used += snprintf(source + used, sizeof source - used, " + %s", patches[i]->source);
    /* A patch touches a few paths of a tree of megabytes: rather than copy
     * the tree, the spec refers to the workspace's and the patches copy
     * only the containers along their paths (hfpatch_apply_cow).  The
     * workspace is never written, so builds may run in parallel. */
    cJSON *spec = cJSON_CreateObject();
    /* constant keys (no allocation): an add fails only for a NULL item,
     * which is then not leaked */
    if (!spec || !cJSON_AddItemToObjectCS(spec, "channels", shared_ref(channels)) ||
        !cJSON_AddItemToObjectCS(spec, "parameters", shared_ref(params))) {
        cJSON_Delete(spec);
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < npatches; i++) {
        int rc = hfpatch_apply_cow(patches[i], &spec, err);
        if (rc) {
            cJSON_Delete(spec);
            return rc;
        }
    }
    int rc = check_patched(spec, observations, poi, source, err);
    const cJSON *pch = cJSON_GetObjectItemCaseSensitive(spec, "channels");
    const cJSON *ppar = cJSON_GetObjectItemCaseSensitive(spec, "parameters");
    if (!rc && !ppar)
        rc = hfcore_error_set(err, HF_ERR_INVALID, "%s: parameters: removed by a patch", source);
    if (!rc)
        rc = hfmodel_compile(pch, ppar, ppath, observations, &o, prep, source, out, err);
    cJSON_Delete(spec);
    return rc;
}

int hf_model_build(const hf_workspace *ws, const hf_patch *const *patches,
                   int npatches, const hf_model_options *opt, hf_model **out,
                   hf_error *err)
{
    return build(ws, NULL, patches, npatches, opt, out, err);
}

/* pyhf's PatchSet.apply then Workspace.model: the patchset patches go to
 * the whole workspace (copy on write, validated as a workspace), the
 * plain ones then to its model spec. */
int hfmodel_build_applied_prep(const hf_workspace *ws, const hfmodel_prep *prep,
                               const hf_patch *const *patches, int npatches,
                               const hf_model_options *opt, hf_model **out,
                               hf_error *err)
{
    int nwhole = 0;
    if (!ws || !out || npatches < 0 || (npatches > 0 && !patches))
        return hfcore_error_set(err, HF_ERR_ARG,
                                "hf_model_build_applied: NULL argument");
    for (int i = 0; i < npatches; i++) {
        if (!patches[i])
            return hfcore_error_set(err, HF_ERR_ARG, "hf_model_build_applied: "
                                    "patches[%d] is NULL", i);
        nwhole += patches[i]->whole != 0;
    }
    if (nwhole == 0)
        return build(ws, prep, patches, npatches, opt, out, err);
    *out = NULL;
    const hf_patch **list = malloc((size_t)npatches * sizeof *list);
    if (!list)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: out of memory", ws->source);
    int nw = 0, ns = nwhole;
    for (int i = 0; i < npatches; i++)
        list[patches[i]->whole ? nw++ : ns++] = patches[i];
    char source[1024];
    size_t used = snprintf(source, sizeof source, "%s", ws->source);
    for (int i = 0; i < nwhole && used < sizeof source; i++)
        used += snprintf(source + used, sizeof source - used, " + %s", list[i]->source);
    struct hf_workspace patched = {.root = NULL, .source = source};
    int rc = hfpatch_apply_workspace(ws->root, list, nwhole, source, &patched.root, err);
    /* the patched document shares prep's samples wherever no patch went */
    if (rc == HF_OK)
        rc = build(&patched, prep, list + nwhole, npatches - nwhole, opt, out, err);
    cJSON_Delete(patched.root);
    free(list);
    return rc;
}

int hf_model_build_applied(const hf_workspace *ws,
                           const hf_patch *const *patches, int npatches,
                           const hf_model_options *opt, hf_model **out,
                           hf_error *err)
{
    return hfmodel_build_applied_prep(ws, NULL, patches, npatches, opt, out, err);
}

void hf_model_free(hf_model *m)
{
    if (!m)
        return;
    if (m->parent) {
        hfmodel_view_free(m);
        return;
    }
    free(m->source);
    free(m->params_path);
    free(m->twowell);
    free(m->kinked);
    free(m->onesided);
    free(m->line_maps);
    for (int k = 0; k < m->nparsets && m->parsets; k++)
        free((char *)m->parsets[k].name);
    free(m->parsets);
    for (int i = 0; i < m->npars && m->par_names; i++)
        free(m->par_names[i]);
    free(m->par_names);
    free(m->init);
    free(m->lo);
    free(m->hi);
    free(m->fixed);
    free(m->auxdata);
    free(m->sigmas);
    free(m->factors);
    free(m->aux_par);
    for (int c = 0; c < m->nchan && m->chan_names; c++)
        free(m->chan_names[c]);
    free(m->chan_names);
    free(m->chan_off);
    free(m->chan_nb);
    free(m->data);
    free(m->blocks);
    if (m->blk_sample && m->nblocks > 0)
        free(m->blk_sample[0]);
    free(m->blk_sample);
    free(m->bf_unc);
    free(m->ps_config);
    free(m->nominal);
    free(m->sfac);
    free(m->sf_poly);
    free(m->sf_par);
    free(m->sf_code4);
    free(m->sf_code4_start);
    free(m->sf_other);
    free(m->sf_gpar);
    free(m->sf_gstart);
    free(m->sf_gk);
    free(m->bf_par);
    free(m->hs_par);
    free(m->hs_gpar);
    free(m->hs_gstart);
    free(m->hs_gslot);
    free(m->hs_gcoef);
    free(m->hs_sstart);
    free(m->hs_spar);
    free(m->hs_scoef);
    free(m->hs_slot);
    free(m->hs_coef);
    free(m);
}

int hf_model_npars(const hf_model *m) { return m ? m->npars : 0; }
int hf_model_nmain(const hf_model *m) { return m ? m->nmain : 0; }
int hf_model_naux(const hf_model *m) { return m ? m->naux : 0; }
int hf_model_ndata(const hf_model *m) { return m ? m->nmain + m->naux : 0; }
size_t hf_model_work_size(const hf_model *m) { return m ? m->work_size : 0; }
int hf_model_poi(const hf_model *m) { return m ? m->poi : -1; }
const char *hfmodel_params_path(const hf_model *m) { return m ? m->params_path : NULL; }
int hf_model_nparsets(const hf_model *m) { return m ? m->nparsets : 0; }
const double *hf_model_inits(const hf_model *m) { return m ? m->init : NULL; }
const double *hf_model_lower(const hf_model *m) { return m ? m->lo : NULL; }
const double *hf_model_upper(const hf_model *m) { return m ? m->hi : NULL; }
const unsigned char *hf_model_fixed(const hf_model *m) { return m ? m->fixed : NULL; }
const double *hf_model_auxdata(const hf_model *m) { return m ? m->auxdata : NULL; }
const double *hf_model_sigmas(const hf_model *m) { return m ? m->sigmas : NULL; }
const double *hfmodel_factors(const hf_model *m) { return m ? m->factors : NULL; }
const double *hf_model_data(const hf_model *m) { return m ? m->data : NULL; }
int hf_model_nchannels(const hf_model *m) { return m ? m->nchan : 0; }

int hf_model_parset(const hf_model *m, int k, hf_parset *out)
{
    if (!m || !out || k < 0 || k >= m->nparsets)
        return HF_ERR_ARG;
    *out = m->parsets[k];
    return HF_OK;
}

int hf_model_find_parset(const hf_model *m, const char *name)
{
    if (!m || !name)
        return -1;
    for (int k = 0; k < m->nparsets; k++)
        if (strcmp(m->parsets[k].name, name) == 0)
            return k;
    return -1;
}

const char *hf_model_par_name(const hf_model *m, int i)
{
    return m && (i >= 0 && i < m->npars) ? m->par_names[i] : NULL;
}

const char *hf_model_channel_name(const hf_model *m, int c)
{
    return m && (c >= 0 && c < m->nchan) ? m->chan_names[c] : NULL;
}

int hf_model_channel_offset(const hf_model *m, int c)
{
    return m && (c >= 0 && c < m->nchan) ? m->chan_off[c] : -1;
}

int hf_model_channel_nbins(const hf_model *m, int c)
{
    return m && (c >= 0 && c < m->nchan) ? m->chan_nb[c] : -1;
}

const char *hfmodel_source(const hf_model *m)
{
    return m && m->source ? m->source : "";
}

/* A histosys parameter moves some yield the same way whichever sign it
 * takes when that bin's up and down shifts have opposite signs (hi and lo
 * on the same side of the nominal): the yield is then not monotonic in the
 * parameter and the likelihood can have a minimum on each side.  Flagged
 * where both shifts exceed 20% of the nominal (5% flags 27 of 1Lbb's 97
 * histosys, 20% three: each costs an evaluation per fit). */
int hfmodel_kinked(const hf_model *m, unsigned char *flag)
{
    if (!m->kinked)
        return hfmodel_kinked_scan(m, flag);
    memcpy(flag, m->kinked, (size_t)m->npars);
    return m->nkinked;
}

int hfmodel_kinked_scan(const hf_model *m, unsigned char *flag)
{
    int count = 0;
    memset(flag, 0, (size_t)m->npars);
    /* code0 and code1 factors are among sf_other (every code but code4
     * and the identity): not a walk of every 88-byte factor (1Lbb: 4.3k,
     * ~4.2k last-level misses a build with the caches flushed) */
    for (int i = 0; i < m->nsf_other; i++) {
        const hf_sfac *f = &m->sfac[m->sf_other[i]];
        if ((f->code == HF_INTERP_CODE0 || f->code == HF_INTERP_CODE1) &&
            !flag[f->par]) {
            flag[f->par] = 1;
            count++;
        }
    }
    for (int g = 0; m->histosys_code == HF_INTERP_CODE0 && g < m->nhs_pars;
         g++)
        if (!flag[m->hs_gpar[g]]) {
            flag[m->hs_gpar[g]] = 1;
            count++;
        }
    return count;
}

/* Built once per model, here beside the other per-parameter groupings'
 * users, from sf_par alone: overlays, views and the smooth copy share it
 * (their factors' parameters are the model's). */
int hfmodel_group_scalars(hf_model *m)
{
    m->nsf_pars = 0;
    size_t np = (size_t)m->npars, n = m->nsfac ? (size_t)m->nsfac : 1;
    int *next = calloc(np + 1, sizeof *next);
    m->sf_gpar = malloc((np ? np : 1) * sizeof *m->sf_gpar);
    m->sf_gstart = malloc((np + 1) * sizeof *m->sf_gstart);
    m->sf_gk = malloc(n * sizeof *m->sf_gk);
    if (!next || !m->sf_gpar || !m->sf_gstart || !m->sf_gk) {
        free(next);
        return -1; /* hf_model_free frees the others */
    }
    /* a counting sort, stable: each parameter's factors in increasing k */
    for (int k = 0; k < m->nsfac; k++)
        next[m->sf_par[k] + 1]++;
    for (size_t p = 0; p < np; p++)
        next[p + 1] += next[p];
    for (size_t p = 0; p < np; p++)
        if (next[p + 1] > next[p]) {
            m->sf_gpar[m->nsf_pars] = (int)p;
            m->sf_gstart[m->nsf_pars++] = next[p];
        }
    m->sf_gstart[m->nsf_pars] = m->nsfac;
    for (int k = 0; k < m->nsfac; k++)
        m->sf_gk[next[m->sf_par[k]]++] = k;
    free(next);
    return 0;
}

/* The model with ROOT's kinked codes replaced by pyhf's smooth ones
 * (normsys code1 -> code4, normsys code0 and histosys code0 -> code4p):
 * a copy of the struct with its own scalar factors, every other array
 * shared.  Every code but code4 is evaluated one factor at a time
 * (sf_other), code4 included, so the vectorized polynomials stay valid. */
hf_model *hfmodel_smooth(const hf_model *m)
{
    int kinked = m->histosys_code == HF_INTERP_CODE0;
    for (int k = 0; k < m->nsfac && !kinked; k++)
        kinked = m->sfac[k].code == HF_INTERP_CODE0 ||
                 m->sfac[k].code == HF_INTERP_CODE1;
    if (!kinked)
        return NULL;
    hf_model *t = malloc(sizeof *t);
    hf_sfac *sf = malloc((m->nsfac ? m->nsfac : 1) * sizeof *sf);
    if (!t || !sf) {
        free(t);
        free(sf);
        return NULL;
    }
    memcpy(sf, m->sfac, m->nsfac * sizeof *sf);
    for (int k = 0; k < m->nsfac; k++) {
        double lo = sf[k].p[0], hi = sf[k].p[1];
        if (sf[k].code == HF_INTERP_CODE1)
            hfmodel_interp_normsys_init(&sf[k], HF_INTERP_CODE4, lo, hi);
        else if (sf[k].code == HF_INTERP_CODE0)
            hfmodel_interp_normsys_init(&sf[k], HF_INTERP_CODE4P, lo, hi);
    }
    *t = *m;
    t->sfac = sf;
    t->kinked = NULL; /* its codes are not m's: hfmodel_kinked scans them */
    if (t->histosys_code == HF_INTERP_CODE0) {
        t->histosys_code = HF_INTERP_CODE4P;
        t->onesided = NULL; /* m's are code0's (none): scan */
    }
    return t;
}

void hfmodel_smooth_free(hf_model *t)
{
    if (!t)
        return;
    free(t->sfac);
    free(t);
}

int hfmodel_twowell(const hf_model *m, unsigned char *flag)
{
    if (!m->twowell)
        return hfmodel_twowell_scan(m, flag);
    memcpy(flag, m->twowell, (size_t)m->npars);
    return m->ntwowell;
}

/* The main bin of each block-bin (bin[nbb]) and each main bin's nominal
 * yield, |nominal| summed over its samples (tot[nmain]). */
static void twowell_bins(const hf_model *m, int *bin, double *tot)
{
    for (int bi = 0; bi < m->nblocks; bi++) {
        const hf_block *B = &m->blocks[bi];
        for (int b = 0; b < B->nb; b++) {
            bin[B->nom + (size_t)b] = B->bin0 + b;
            tot[B->bin0 + b] += fabs(m->nominal[B->nom + (size_t)b]);
        }
    }
}

/* A histosys parameter is flagged where some yield of it is not monotonic
 * (its up and down shifts on the same side of the nominal) and the dip,
 * the smaller shift, summed over those bins in units of each bin's
 * Poisson width (the square root of its nominal yield), is at least
 * TWOWELL_DIP.  Along the parameter the NLL's curvature at 0 is about
 * 1 - 3.75 z s (s that sum, z the data's deficit in widths): a dip of a
 * quarter of a width needs a deficit of about one width to bend it down.
 * The rule before (both shifts over 20% of the nominal) missed
 * SigTheoSigQc on 1Lbb (lo shift 9% of the nominal, 0.88 widths), whose
 * lower well pyhf's minuit finds on C1N2_Wh_hbb_375_50; every
 * non-monotonic histosys flagged (the cut 0) found the same lower minima
 * on the 1Lbb grid for 4% more instructions (bench/RESULTS.md). */
#define TWOWELL_DIP 0.25

int hfmodel_twowell_scan(const hf_model *m, unsigned char *flag)
{
    int count = 0;
    int *bin = malloc((m->nbb ? m->nbb : 1) * sizeof *bin);
    double *tot = calloc(m->nmain ? m->nmain : 1, sizeof *tot);
    memset(flag, 0, (size_t)m->npars);
    if (!bin || !tot)
        goto out; /* none flagged: the wells go unsearched */
    twowell_bins(m, bin, tot);
    for (int g = 0; g < m->nhs_pars; g++) {
        int p = m->hs_gpar[g];
        double dip = 0;
        for (int e = m->hs_gstart[g]; e < m->hs_gstart[g + 1]; e++) {
            /* up = S + 8 A16, down = S - 8 A16 (interp.c's coefficients) */
            double s = m->hs_gcoef[2 * e], a = 8 * m->hs_gcoef[2 * e + 1];
            double up = s + a, down = s - a;
            if (up * down < 0)
                dip += fmin(fabs(up), fabs(down)) / sqrt(tot[bin[m->hs_gslot[e]]]);
        }
        flag[p] = dip >= TWOWELL_DIP;
        count += flag[p];
    }
out:
    free(bin);
    free(tot);
    return count;
}

int hfmodel_onesided(const hf_model *m, signed char *side)
{
    if (!m->onesided)
        return hfmodel_onesided_scan(m, side);
    memcpy(side, m->onesided, (size_t)m->npars);
    return m->nonesided;
}

/* up and down are the variations' deltas from the nominal yields,
 * S +- 8 A16 (interp.c's coefficients), exactly 0 where hi_data or
 * lo_data repeats the nominal; code4p only (code0 is flat from 0 on,
 * where the rule of infer/toys.c would not apply as it stands). */
int hfmodel_onesided_scan(const hf_model *m, signed char *side)
{
    int count = 0;
    memset(side, 0, (size_t)m->npars);
    if (m->histosys_code != HF_INTERP_CODE4P)
        return 0;
    for (int g = 0; g < m->nhs_pars; g++) {
        int p = m->hs_gpar[g], upset = 0, downset = 0;
        /* both sides moved decides it: most parameters' first entry */
        for (int e = m->hs_gstart[g]; e < m->hs_gstart[g + 1] && !(upset && downset); e++) {
            double s = m->hs_gcoef[2 * e], a = 8 * m->hs_gcoef[2 * e + 1];
            upset |= s + a != 0;
            downset |= s - a != 0;
        }
        side[p] = upset == downset ? 0 : upset ? -1 : 1;
    }
    /* a normsys (or any scalar factor) on it keeps the yields moving
     * (sf_par: the factors' parameters, 4 bytes each, not the 88-byte
     * factors) */
    for (int k = 0; k < m->nsfac; k++)
        side[m->sf_par[k]] = 0;
    for (int p = 0; p < m->npars; p++)
        count += side[p] != 0;
    return count;
}
