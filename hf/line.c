/*
 * line.c - the NLL along one parameter alone, from a forward pass at a
 * point: only the bins that parameter's histosys entries and scalar
 * factors touch change, so a point of the line costs a walk over those
 * (tens of entries and bins) instead of an evaluation of the whole
 * model (fit/mle.c other_wells screens its lines with it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

/* A line's blocks: those holding p's histosys entries or scalar factors
 * (p's factors of block j are sf_gk[f0[j] .. f1[j])), and their main
 * bins, found once per line (line_setup). */
struct hfmodel_line {
    const hf_model *m;
    const double *pars, *data, *work; /* the forward pass's point */
    /* the maps (hfmodel_line_maps: the model's, or own where it has
     * none) */
    const int *slot_blk;              /* [nbb] block of each block-bin */
    const int *sf_blk;                /* [nsfac] block of each factor */
    const int *hs_grp, *sf_grp;       /* [npars] p's groups, or -1 */
    const int *aux;                   /* [npars] p's constraint, -1: none,
                                         -2: more than one */
    int *own;                         /* the maps made here, or NULL */
    int p;                            /* the line set up, or -1 */
    int *blk_buf;                     /* blk, f0, f1 and bin's buffer */
    int nblk, nbin;
    int *blk, *f0, *f1;               /* [nblocks] */
    int *bin;                         /* [nmain] */
    unsigned char *mark;              /* [nblocks + nmain], kept 0 */
    double *dbase, *sbase;            /* [nbb], kept 0 */
    double *dlam, *slam;              /* [nmain], kept 0 */
};

/* The maps from block-bins and factors to blocks, parameters to groups
 * and constraints, one after another in that order (struct
 * hfmodel_line's). */
int *hfmodel_line_maps(const hf_model *m)
{
    size_t n = m->nbb + (size_t)m->nsfac + 3 * (size_t)m->npars;
    int *slot_blk = malloc((n ? n : 1) * sizeof *slot_blk);
    if (!slot_blk)
        return NULL;
    int *sf_blk = slot_blk + m->nbb, *hs_grp = sf_blk + m->nsfac;
    int *sf_grp = hs_grp + m->npars, *aux = sf_grp + m->npars;
    for (int bi = 0; bi < m->nblocks; bi++) {
        const hf_block *B = &m->blocks[bi];
        for (int b = 0; b < B->nb; b++)
            slot_blk[B->nom + (size_t)b] = bi;
        for (int k = B->sf0; k < B->sf0 + B->nsf; k++)
            sf_blk[k] = bi;
    }
    for (int p = 0; p < m->npars; p++)
        hs_grp[p] = sf_grp[p] = aux[p] = -1;
    for (int i = 0; i < m->naux; i++)
        aux[m->aux_par[i]] = aux[m->aux_par[i]] == -1 ? i : -2;
    for (int g = 0; g < m->nhs_pars; g++)
        hs_grp[m->hs_gpar[g]] = g;
    for (int g = 0; g < m->nsf_pars; g++)
        sf_grp[m->sf_gpar[g]] = g;
    return slot_blk;
}

hfmodel_line *hfmodel_line_new(const hf_model *m)
{
    hfmodel_line *l = calloc(1, sizeof *l);
    size_t nbb = m->nbb, nb = m->nblocks, nm = m->nmain;
    if (!l)
        return NULL;
    l->m = m;
    l->p = -1;
    const int *maps = m->line_maps;
    if (!maps)
        maps = l->own = hfmodel_line_maps(m);
    l->blk_buf = malloc((3 * nb + nm + 1) * sizeof *l->blk_buf);
    l->mark = calloc(nb + nm + 1, 1);
    l->dbase = calloc(2 * nbb + 2 * nm + 1, sizeof *l->dbase);
    if (!maps || !l->blk_buf || !l->mark || !l->dbase) {
        hfmodel_line_free(l);
        return NULL;
    }
    l->slot_blk = maps;
    l->sf_blk = l->slot_blk + nbb;
    l->hs_grp = l->sf_blk + m->nsfac;
    l->sf_grp = l->hs_grp + m->npars;
    l->aux = l->sf_grp + m->npars;
    l->blk = l->blk_buf;
    l->f0 = l->blk + nb;
    l->f1 = l->f0 + nb;
    l->bin = l->f1 + nb;
    l->sbase = l->dbase + nbb;
    l->dlam = l->sbase + nbb;
    l->slam = l->dlam + nm;
    return l;
}

void hfmodel_line_free(hfmodel_line *l)
{
    if (!l)
        return;
    free(l->own);
    free(l->blk_buf);
    free(l->mark);
    free(l->dbase);
    free(l);
}

void hfmodel_line_at(hfmodel_line *l, const double *pars, const double *data,
                     double *work, int have_pass)
{
    if (!have_pass)
        hfmodel_forward(l->m, pars, work);
    l->pars = pars;
    l->data = data;
    l->work = work;
}

/* Block bi on the line (its factors of p none yet) the first time. */
static int line_block(hfmodel_line *l, int bi)
{
    if (!l->mark[bi]) {
        l->mark[bi] = 1;
        l->f0[l->nblk] = l->f1[l->nblk] = 0;
        l->blk[l->nblk++] = bi;
    }
    return l->nblk - 1;
}

/* p's blocks (its factors' first, in block order: each block's factors
 * are one run of sf_gk) and their main bins; the marks cleared. */
static void line_setup(hfmodel_line *l, int p)
{
    const hf_model *m = l->m;
    int gs = l->sf_grp[p], gh = l->hs_grp[p];
    l->nblk = l->nbin = 0;
    for (int i = gs < 0 ? 0 : m->sf_gstart[gs]; gs >= 0 && i < m->sf_gstart[gs + 1]; i++) {
        int j = line_block(l, l->sf_blk[m->sf_gk[i]]);
        if (l->f0[j] == l->f1[j])
            l->f0[j] = i;
        l->f1[j] = i + 1;
    }
    for (int e = gh < 0 ? 0 : m->hs_gstart[gh]; gh >= 0 && e < m->hs_gstart[gh + 1]; e++)
        line_block(l, l->slot_blk[m->hs_gslot[e]]);
    unsigned char *binmark = l->mark + m->nblocks;
    for (int j = 0; j < l->nblk; j++) {
        const hf_block *B = &m->blocks[l->blk[j]];
        l->mark[l->blk[j]] = 0;
        for (int b = 0; b < B->nb; b++)
            if (!binmark[B->bin0 + b]) {
                binmark[B->bin0 + b] = 1;
                l->bin[l->nbin++] = B->bin0 + b;
            }
    }
    for (int j = 0; j < l->nbin; j++)
        binmark[l->bin[j]] = 0;
    l->p = p;
}

/* Block j's factors of p: the ratio F(t) / F(pars) (*r) and its slope
 * (*sr); 0 where a factor is 0 at pars. */
static int line_ratio(const hfmodel_line *l, int j, double t, double *r,
                      double *sr)
{
    const hf_model *m = l->m;
    const double *sfval = l->work + m->work_sf;
    *r = 1;
    *sr = 0;
    for (int i = l->f0[j]; i < l->f1[j]; i++) {
        int k = m->sf_gk[i];
        const hf_sfac *f = &m->sfac[k];
        double dt = 1, vt = f->code < 0 ? t : hf_interp_normsys(f, t, &dt);
        double va = sfval[k];
        if (va == 0)
            return 0;
        /* (r v)' = r' v + r v' with v = vt / va */
        *sr = *sr * (vt / va) + *r * (dt / va);
        *r *= vt / va;
    }
    return 1;
}

/* The yields' changes from p's move to t, and their slopes, per main
 * bin; 0 where a factor of p is 0 at pars. */
static int line_yields(hfmodel_line *l, int p, double t)
{
    const hf_model *m = l->m;
    const double *base = l->work + m->work_bb, *binfac = base + m->nbb;
    const double *fblk = binfac + 2 * m->nbb, *hw = l->work + m->work_par + 4 * p;
    double wt[2], dwt[2];
    int gh = l->hs_grp[p], ok = 1;
    hf_interp_histosys_weights(m->histosys_code, t, wt, dwt);
    for (int e = gh < 0 ? 0 : m->hs_gstart[gh]; gh >= 0 && e < m->hs_gstart[gh + 1]; e++) {
        int s = m->hs_gslot[e];
        double S = m->hs_gcoef[2 * e], A = m->hs_gcoef[2 * e + 1];
        l->dbase[s] += (wt[0] - hw[0]) * S + (wt[1] - hw[1]) * A;
        l->sbase[s] += dwt[0] * S + dwt[1] * A;
    }
    for (int j = 0; j < l->nblk; j++) {
        const hf_block *B = &m->blocks[l->blk[j]];
        double r, sr;
        ok &= line_ratio(l, j, t, &r, &sr);
        for (int b = 0; b < B->nb; b++) {
            size_t s = B->nom + (size_t)b;
            double fb = fblk[l->blk[j]] * binfac[s], bt = base[s] + l->dbase[s];
            l->dlam[B->bin0 + b] += fb * (r * bt - base[s]);
            l->slam[B->bin0 + b] += fb * (sr * bt + r * l->sbase[s]);
            l->dbase[s] = l->sbase[s] = 0;
        }
    }
    return ok;
}

/* The Poisson terms' change over the line's bins and its slope; clears
 * them.  INFINITY where a yield is negative, or zero with events. */
static double line_poisson(hfmodel_line *l, double *slope)
{
    const double *lam = l->work, *n = l->data;
    double df = 0, s = 0;
    for (int j = 0; j < l->nbin; j++) {
        int i = l->bin[j];
        double lt = lam[i] + l->dlam[i];
        if (lt < 0 || (!(lt > 0) && n[i] > 0))
            df = INFINITY;
        else if (n[i] > 0) {
            df += l->dlam[i] - n[i] * log1p(l->dlam[i] / lam[i]);
            s += (1 - n[i] / lt) * l->slam[i];
        } else {
            df += l->dlam[i];
            s += l->slam[i];
        }
        l->dlam[i] = l->slam[i] = 0;
    }
    *slope = s;
    return df;
}

double hfmodel_line_nll(hfmodel_line *l, int p, double t, double *gp)
{
    const hf_model *m = l->m;
    double a = l->pars[p], dc = 0, sc = 0, s;
    if (l->p != p)
        line_setup(l, p);
    int ok = line_yields(l, p, t), i = l->aux[p];
    double df = line_poisson(l, &s);
    if (i >= 0 && m->factors[i] == 0) { /* a Gaussian constraint */
        double sg = m->sigmas[i], aux = l->data[m->nmain + i];
        double zt = (t - aux) / sg, za = (a - aux) / sg;
        dc = 0.5 * (zt * zt - za * za);
        sc = zt / sg;
    } else if (i != -1) {
        ok = 0; /* a Poisson constraint, or two: not a histosys one */
    }
    *gp = ok ? s + sc : NAN;
    return ok ? df + dc : NAN;
}
