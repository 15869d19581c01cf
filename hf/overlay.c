/*
 * overlay.c - a sample's yields set on a compiled model without a rebuild
 * (recast/ puts each signal of a scan on one compiled background so).
 *
 * A sample's yields change neither the parameters nor the block layout,
 * only two kinds of numbers: the nominal bins of its blocks and, through
 * the total nominal of a bin, the widths and fixed flags of the staterror
 * gammas it shares with the other samples of that bin (build.c's
 * staterror_defaults).  A slot records where those live and the terms of
 * each width in the order the build sums them: blocks in model order (by
 * sample name within a channel), rows in block order.  An overlay owns
 * copies of the three arrays and redoes that sum, term for term, so its
 * widths are bit for bit those of the model built from the JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* One term of a staterror width: a sample's nominal in the bin and its
 * uncertainty there (own: the slot's, given with the yields). */
typedef struct term {
    size_t nom;
    double unc;
    int own;
} term;

/* A staterror gamma that one slot bin feeds. */
typedef struct statbin {
    int par, aux, bin;
    unsigned char keep_sigma, keep_fixed;
    int n;
    size_t t0; /* its terms: terms[t0 .. t0 + n) */
} statbin;

struct hfmodel_slot {
    int nch, nbins;
    int *blk;       /* per channel: the sample's block */
    int nstat;
    statbin *stat;
    term *terms;
};

struct hfmodel_overlay {
    hf_model m;
    double *nominal, *sigmas;
    unsigned char *fixed;
    unsigned char *twowell; /* m.twowell: depends on the nominal yields */
};

void hfmodel_slot_free(hfmodel_slot *s)
{
    if (!s)
        return;
    free(s->blk);
    free(s->stat);
    free(s->terms);
    free(s);
}

int hfmodel_slot_nbins(const hfmodel_slot *s) { return s ? s->nbins : 0; }

static int parset_of(const hf_model *m, int p)
{
    for (int k = 0; k < m->nparsets; k++)
        if (p >= m->parsets[k].offset && p < m->parsets[k].offset + m->parsets[k].n)
            return k;
    return -1;
}

/* The block of `sample` in channel `chan`, or -1. */
static int find_block(const hf_model *m, const char *chan, const char *sample)
{
    for (int c = 0; c < m->nchan; c++) {
        if (strcmp(m->chan_names[c], chan) != 0)
            continue;
        for (int b = 0; b < m->nblocks; b++)
            if (m->blocks[b].bin0 == m->chan_off[c] && m->blocks[b].nb == m->chan_nb[c] &&
                strcmp(m->blk_sample[b], sample) == 0)
                return b;
    }
    return -1;
}

/* Only nominals and staterror widths follow the yields: a histosys's
 * coefficients or a shapesys's tau made from the placeholder yields would
 * go stale. */
static int check_block(const hf_model *m, int b, const char *chan, const char *sample,
                       hf_error *err)
{
    const hf_block *K = &m->blocks[b];
    int bad = m->hs_sstart[K->nom] != m->hs_sstart[K->nom + (size_t)K->nb];
    for (int r = 0; r < K->nbf && !bad && K->nb > 0; r++) {
        int k = parset_of(m, m->bf_par[K->bfpar + (size_t)r * K->nb]);
        bad = k < 0 || strcmp(m->parsets[k].type, hfmodel_modtype_names[HF_MOD_STATERROR]);
    }
    if (bad)
        return hfcore_error_set(err, HF_ERR_INVALID,
                                "%s: sample '%s' in channel '%s' has a modifier made from its "
                                "yields other than staterror: its yields cannot be replaced",
                                m->source, sample, chan);
    return HF_OK;
}

/* Terms of the width of gamma p in bin i of the channel of block own,
 * row orow, written at t (NULL: only counted). */
static int gather_terms(const hf_model *m, int own, int orow, int i, int p, term *t)
{
    int n = 0, bin0 = m->blocks[own].bin0;
    for (int b = 0; b < m->nblocks; b++) {
        const hf_block *K = &m->blocks[b];
        if (K->bin0 != bin0 || K->nb != m->blocks[own].nb)
            continue;
        for (int r = 0; r < K->nbf; r++) {
            size_t at = K->bfpar + (size_t)r * K->nb + (size_t)i;
            if (m->bf_par[at] != p)
                continue;
            if (t)
                t[n] = (term){K->nom + (size_t)i, m->bf_unc[at], b == own && r == orow};
            n++;
        }
    }
    return n;
}

static int slot_stat(const hf_model *m, hfmodel_slot *s)
{
    size_t nterms = 0;
    s->nstat = 0;
    for (int pass = 0; pass < 2; pass++) {
        int k = 0, bin = 0;
        size_t t0 = 0;
        for (int c = 0; c < s->nch; c++) {
            const hf_block *K = &m->blocks[s->blk[c]];
            for (int i = 0; i < K->nb; i++, bin++)
                for (int r = 0; r < K->nbf; r++) {
                    int p = m->bf_par[K->bfpar + (size_t)r * K->nb + (size_t)i];
                    if (pass == 0) {
                        nterms += (size_t)gather_terms(m, s->blk[c], r, i, p, NULL);
                        s->nstat++;
                        continue;
                    }
                    statbin *st = &s->stat[k++];
                    int ps = parset_of(m, p);
                    st->par = p;
                    st->aux = m->parsets[ps].aux_offset + (p - m->parsets[ps].offset);
                    st->bin = bin;
                    st->keep_sigma = (m->ps_config[ps] & HFMODEL_CFG_SIGMAS) != 0;
                    st->keep_fixed = (m->ps_config[ps] & HFMODEL_CFG_FIXED) != 0;
                    st->t0 = t0;
                    st->n = gather_terms(m, s->blk[c], r, i, p, s->terms + t0);
                    t0 += (size_t)st->n;
                }
        }
        if (pass == 0) {
            s->stat = malloc(sizeof *s->stat * (size_t)(s->nstat ? s->nstat : 1));
            s->terms = malloc(sizeof *s->terms * (nterms ? nterms : 1));
            if (!s->stat || !s->terms)
                return -1;
        }
    }
    return 0;
}

int hfmodel_slot_new(const hf_model *m, const char *sample, const char *const *chans,
                     int nch, hfmodel_slot **out, hf_error *err)
{
    *out = NULL;
    hfmodel_slot *s = calloc(1, sizeof *s);
    if (!s || !(s->blk = malloc(sizeof(int) * (size_t)(nch > 0 ? nch : 1)))) {
        free(s);
        return hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    }
    s->nch = nch;
    int rc = HF_OK;
    for (int c = 0; c < nch && rc == HF_OK; c++) {
        s->blk[c] = find_block(m, chans[c], sample);
        if (s->blk[c] < 0)
            rc = hfcore_error_set(err, HF_ERR_INVALID,
                                  "%s: cannot locate the sample '%s' in channel '%s'",
                                  m->source, sample, chans[c]);
        else
            rc = check_block(m, s->blk[c], chans[c], sample, err);
        if (rc == HF_OK)
            s->nbins += m->blocks[s->blk[c]].nb;
    }
    if (rc == HF_OK && slot_stat(m, s))
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "out of memory");
    if (rc != HF_OK) {
        hfmodel_slot_free(s);
        return rc;
    }
    *out = s;
    return HF_OK;
}

hfmodel_overlay *hfmodel_overlay_new(const hf_model *t)
{
    hfmodel_overlay *o = malloc(sizeof *o);
    if (!o)
        return NULL;
    o->m = *t;
    o->nominal = malloc(sizeof(double) * (t->nbb ? t->nbb : 1));
    o->sigmas = malloc(sizeof(double) * (size_t)(t->naux ? t->naux : 1));
    o->fixed = malloc((size_t)(t->npars ? t->npars : 1));
    o->twowell = malloc((size_t)(t->npars ? t->npars : 1));
    if (!o->nominal || !o->sigmas || !o->fixed || !o->twowell) {
        hfmodel_overlay_free(o);
        return NULL;
    }
    memcpy(o->nominal, t->nominal, sizeof(double) * t->nbb);
    memcpy(o->sigmas, t->sigmas, sizeof(double) * (size_t)t->naux);
    memcpy(o->fixed, t->fixed, (size_t)t->npars);
    o->m.nominal = o->nominal;
    o->m.sigmas = o->sigmas;
    o->m.fixed = o->fixed;
    o->m.twowell = o->twowell;
    o->m.ntwowell = hfmodel_twowell_scan(&o->m, o->twowell);
    return o;
}

void hfmodel_overlay_free(hfmodel_overlay *o)
{
    if (!o)
        return;
    free(o->nominal);
    free(o->sigmas);
    free(o->fixed);
    free(o->twowell);
    free(o);
}

const hf_model *hfmodel_overlay_model(const hfmodel_overlay *o) { return o ? &o->m : NULL; }

void hfmodel_overlay_set(hfmodel_overlay *o, const hfmodel_slot *s, const double *yields,
                         const double *unc)
{
    const hf_model *m = &o->m;
    for (int c = 0, off = 0; c < s->nch; c++) {
        const hf_block *K = &m->blocks[s->blk[c]];
        memcpy(o->nominal + K->nom, yields + off, sizeof(double) * (size_t)K->nb);
        off += K->nb;
    }
    /* which histosys makes a yield non-monotonic depends on the nominal */
    o->m.ntwowell = hfmodel_twowell_scan(&o->m, o->twowell);
    for (int k = 0; k < s->nstat; k++) {
        const statbin *st = &s->stat[k];
        const term *t = s->terms + st->t0;
        double u = unc ? unc[st->bin] : 0.0;
        /* staterror_defaults' sums, term for term and in its order */
        double ns = 0, rel2 = 0;
        for (int j = 0; j < st->n; j++)
            ns += o->nominal[t[j].nom];
        if (ns > 0)
            for (int j = 0; j < st->n; j++) {
                double q = (t[j].own ? u : t[j].unc) / ns;
                rel2 += q * q;
            }
        double sd = sqrt(rel2);
        if (!st->keep_fixed)
            o->fixed[st->par] = sd == 0;
        if (!st->keep_sigma)
            o->sigmas[st->aux] = sd == 0 ? 1.0 : sd;
    }
}
