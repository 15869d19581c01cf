/*
 * linear.c - the LINEAR simplified likelihood: the full model linearised
 * at the best fit.
 *
 * With the free normfactors mu_k kept as parameters, the background is
 *     b = r(theta) + sum_k mu_k g_k(theta),
 * and each constrained parameter theta_i, written alpha_i = (theta_i -
 * theta0_i) / w_i with theta0_i its constraint's centre and w_i its
 * pre-fit width, moves r by R_i alpha_i and g_k by G_ki alpha_i (first
 * order at the best fit).  Keeping G_ki on the samples mu_k scales keeps
 * the mu x theta cross terms, which are what the normfactor-controlled
 * backgrounds of ATLAS analyses need.  The alpha_i are independent unit
 * Gaussians, so any rotation of them describes the same model: the stacked
 * deltas are written as the eigenvectors of their covariance
 * ("totalError_eigK"), but the keep_named largest normsys/histosys stay
 * under their own names, shared with the signal patches' systematics.
 * Staterrors stay staterrors, so pyhf widens the shared gamma by the
 * signal's MC error as in the full model.
 *
 * Method CORRELATED is this with all but the HF_SIMPLIFY_CORRELATED_KEEP
 * largest folded: the background's bin-to-bin correlations as
 * eigenvectors of the pre-fit covariance J C_prior J^T.
 *
 * Fitting this model to the data again gives back the post-fit; the
 * post-fit covariance refitted to the same data (methods simplify and
 * postfit) counts the data twice.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf/hfmodel.h"
#include "simplify.h"

static int parset_of(const hf_model *m, int i, hf_parset *ps)
{
    int n = hf_model_nparsets(m);
    for (int k = 0; k < n; k++)
        if (hf_model_parset(m, k, ps) == HF_OK && i >= ps->offset &&
            i < ps->offset + ps->n)
            return k;
    return -1;
}

enum { ROLE_NONE, ROLE_FREE, ROLE_STAT, ROLE_SYS };

typedef struct lin {
    const hf_model *fm, *ym;
    const int *map;
    int nb, nyp;
    double *yp, *work, *up, *dn;
    /* the fit: best-fit values, uncertainties, the free parameters and
     * their columns S of yield shifts */
    const double *pars, *unc, *S;
    const int *freeidx;
    int nfree;
    int *role, *grp;        /* per free parameter: ROLE_*, its group */
    unsigned char *named;   /* kept under its own name */
    double *ga, *gb;        /* nb: a group's yield per unit, up and down */
    double *delta, *C;      /* gn: stacked deltas; gn x gn: their covariance */
    size_t gn;              /* groups x bins */
} lin;

static int nomem(hf_error *err)
{
    return hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
}

/* ym's parameter j driven by fm's parameter i, or -1. */
static int ym_index(const lin *L, int i)
{
    for (int j = 0; j < L->nyp; j++)
        if (L->map[j] == i)
            return j;
    return -1;
}

/* (b(.. p_j + h ..) - b(.. p_j - h ..)) / 2 into out, at L->yp. */
static void sym_diff(lin *L, int j, double h, double *out)
{
    double keep = L->yp[j];
    L->yp[j] = keep + h;
    hf_model_expected(L->ym, L->yp, L->up, L->work);
    L->yp[j] = keep - h;
    hf_model_expected(L->ym, L->yp, L->dn, L->work);
    L->yp[j] = keep;
    for (int b = 0; b < L->nb; b++)
        out[b] = 0.5 * (L->up[b] - L->dn[b]);
}

/* g_k at yp: d b / d p_k, exact for a normfactor (b is linear in it). */
static void group_yield(lin *L, int jk, double h, double *out)
{
    sym_diff(L, jk, h, out);
    for (int b = 0; b < L->nb; b++)
        out[b] /= h;
}

/* The keep normsys/histosys parameters of largest impact |s_i| w_i /
 * sigma_i (all when keep is 0, none when it is -1) get named[a] = 1. */
static void pick_named(const hf_model *fm, const int *freeidx,
                       const int *role, const double *unc, const double *S,
                       int nfree, int nb, int keep, unsigned char *named,
                       double *impact)
{
    int ncand = 0;
    for (int a = 0; a < nfree; a++) {
        hf_parset ps;
        impact[a] = -1;
        if (role[a] != ROLE_SYS || parset_of(fm, freeidx[a], &ps) < 0 ||
            (strcmp(ps.type, "normsys") != 0 &&
             strcmp(ps.type, "histosys") != 0))
            continue;
        double s2 = 0;
        for (int b = 0; b < nb; b++)
            s2 += S[(size_t)a * nb + b] * S[(size_t)a * nb + b];
        impact[a] = sqrt(s2) / unc[freeidx[a]];
        ncand++;
    }
    if (keep == 0 || keep > ncand)
        keep = ncand;
    if (keep < 0)
        keep = 0;
    for (int k = 0; k < keep; k++) {
        int best = -1;
        for (int a = 0; a < nfree; a++)
            if (!named[a] && impact[a] >= 0 &&
                (best < 0 || impact[a] > impact[best]))
                best = a;
        if (best < 0)
            break;
        named[best] = 1;
    }
}

/* Roles of the free parameters; one group per free normfactor
 * (unconstrained scalars).  Returns the number of groups. */
static int assign_roles(lin *L)
{
    int G = 1;
    for (int a = 0; a < L->nfree; a++) {
        hf_parset ps;
        if (parset_of(L->fm, L->freeidx[a], &ps) < 0 ||
            ym_index(L, L->freeidx[a]) < 0)
            L->role[a] = ROLE_NONE;
        else if (ps.constrained == 0) {
            L->role[a] = ROLE_FREE;
            L->grp[a] = G++;
        } else if (strcmp(ps.type, "staterror") == 0)
            L->role[a] = ROLE_STAT;
        else
            L->role[a] = ROLE_SYS;
    }
    return G;
}

static int alloc_groups(lin *L, hf_postfit *pf, int G, hf_error *err)
{
    size_t nf1 = (size_t)(L->nfree ? L->nfree : 1), nb = (size_t)L->nb;
    L->gn = (size_t)G * nb;
    pf->ngroups = G;
    pf->gname = calloc((size_t)G, sizeof *pf->gname);
    pf->gnom = calloc(L->gn, sizeof *pf->gnom);
    pf->stname = calloc(nf1, sizeof *pf->stname);
    pf->stdata = calloc(nf1 * nb, sizeof *pf->stdata);
    pf->stmod = calloc(nf1 * nb, sizeof *pf->stmod);
    L->delta = malloc(sizeof *L->delta * L->gn);
    L->C = calloc(L->gn * L->gn, sizeof *L->C);
    if (!pf->gname || !pf->gnom || !pf->stname || !pf->stdata || !pf->stmod ||
        !L->delta || !L->C)
        return nomem(err);
    return HF_OK;
}

/* Group nominals at the best fit: g_k, and r = b - sum mu_k g_k. */
static int group_nominals(lin *L, hf_postfit *pf, hf_error *err)
{
    int nb = L->nb;
    memcpy(pf->gnom, pf->yield, sizeof(double) * (size_t)nb);
    for (int a = 0; a < L->nfree; a++) {
        if (L->role[a] != ROLE_FREE)
            continue;
        int i = L->freeidx[a], g = L->grp[a];
        char name[512];
        hf_parset ps;
        parset_of(L->fm, i, &ps);
        if (ps.n == 1)
            snprintf(name, sizeof name, "%s", ps.name);
        else
            snprintf(name, sizeof name, "%s_bin%d", ps.name, i - ps.offset);
        if (!(pf->gname[g] = strdup(name)))
            return nomem(err);
        group_yield(L, ym_index(L, i), L->unc[i], pf->gnom + (size_t)g * nb);
        for (int b = 0; b < nb; b++)
            pf->gnom[b] -= L->pars[i] * pf->gnom[(size_t)g * nb + b];
    }
    return HF_OK;
}

/* A staterror parameter i (column s) stays a staterror of its set. */
static int add_stat(lin *L, hf_postfit *pf, const hf_parset *ps, int i,
                    const double *s, double sigma, hf_error *err)
{
    int nb = L->nb, e = 0;
    while (e < pf->nst && strcmp(pf->stname[e], ps->name) != 0)
        e++;
    if (e == pf->nst) {
        if (!(pf->stname[e] = strdup(ps->name)))
            return nomem(err);
        pf->nst++;
    }
    for (int b = 0; b < nb; b++) {
        double J = s[b] / L->unc[i];
        if (J == 0)
            continue;
        pf->stdata[(size_t)e * nb + b] += J;
        pf->stmod[(size_t)e * nb + b] += sigma * J;
        pf->gnom[b] -= L->pars[i] * J;
    }
    return HF_OK;
}

/* A systematic, free parameter a (column s, auxdata ax): its deltas per
 * pre-fit width, the total's and each group's, kept under its name or
 * added to the covariance that the eigenvectors will describe. */
static int add_sys(lin *L, hf_postfit *pf, int a, const hf_parset *ps, int ax,
                   const double *s, hf_error *err)
{
    int nb = L->nb, i = L->freeidx[a];
    const double *aux = hf_model_auxdata(L->fm), *sig = hf_model_sigmas(L->fm);
    const double *unc = L->unc, *pars = L->pars;
    double *delta = L->delta;
    size_t gn = L->gn;
    double centre, width;
    if (ps->constrained == 1) {
        centre = aux[ax];
        width = sig[ax];
    } else { /* Poisson: aux = tau * gamma0, Var(gamma) = gamma0 / tau */
        double tau = hfmodel_factors(L->fm)[ax];
        centre = aux[ax] / tau;
        width = sqrt(fmax(centre, 0) / tau);
    }
    /* Deltas per pre-fit width: the total, then each group's. */
    double scale = width / unc[i];
    for (int b = 0; b < nb; b++)
        delta[b] = s[b] * scale;
    int j = ym_index(L, i);
    for (int f = 0; f < L->nfree; f++) {
        if (L->role[f] != ROLE_FREE)
            continue;
        int g = L->grp[f], jk = ym_index(L, L->freeidx[f]);
        double *dg = delta + (size_t)g * nb, keep = L->yp[j];
        L->yp[j] = keep + unc[i];
        group_yield(L, jk, unc[L->freeidx[f]], L->ga);
        L->yp[j] = keep - unc[i];
        group_yield(L, jk, unc[L->freeidx[f]], L->gb);
        L->yp[j] = keep;
        for (int b = 0; b < nb; b++) {
            dg[b] = 0.5 * (L->ga[b] - L->gb[b]) * scale;
            delta[b] -= pars[L->freeidx[f]] * dg[b];
        }
    }
    /* Nominals at the constraint's centre. */
    double shift = (centre - pars[i]) / width;
    for (size_t q = 0; q < gn; q++)
        pf->gnom[q] += shift * delta[q];
    if (L->named[a])
        return hfsimplify_postfit_add_sys(pf, ps->name, delta, err);
    for (size_t p = 0; p < gn; p++)
        if (delta[p] != 0)
            for (size_t q = 0; q < gn; q++)
                L->C[p * gn + q] += delta[p] * delta[q];
    return HF_OK;
}

/* What is not named: the eigenvectors of the deltas' covariance. */
static int add_eigen(lin *L, hf_postfit *pf, const hf_simplify_options *opt, hf_error *err)
{
    size_t gn = L->gn;
    int rc = HF_OK;
    double *dirs = malloc(sizeof *dirs * gn * gn);
    if (!dirs)
        return nomem(err);
    double cut = opt->eig_cut > 0 ? opt->eig_cut : 1e-6;
    int ndir = hfsimplify_eigen(L->C, (int)gn, cut, dirs, err);
    if (ndir < 0)
        rc = err ? err->code : HF_ERR_NUMERIC;
    for (int k = 0; k < ndir && rc == HF_OK; k++) {
        char name[32];
        snprintf(name, sizeof name, "totalError_eig%d", k);
        rc = hfsimplify_postfit_add_sys(pf, name, dirs + (size_t)k * gn, err);
    }
    free(dirs);
    return rc;
}

int hfsimplify_linear(const hf_model *fm, const hf_model *ym, const int *map,
                       const double *pars, const double *unc,
                       const int *freeidx, int nfree, const double *S,
                       const hf_simplify_options *opt, hf_postfit *pf,
                       hf_error *err)
{
    int nb = pf->nbins, rc = HF_OK;
    const double *sig = hf_model_sigmas(fm);
    size_t nf1 = (size_t)(nfree ? nfree : 1);
    lin L = {.fm = fm, .ym = ym, .map = map, .nb = nb, .nyp = hf_model_npars(ym),
             .pars = pars, .unc = unc, .S = S, .freeidx = freeidx, .nfree = nfree};
    L.role = calloc(nf1, sizeof *L.role);
    L.grp = calloc(nf1, sizeof *L.grp);
    L.named = calloc(nf1, 1);
    double *impact = malloc(sizeof *impact * nf1);
    L.yp = malloc(sizeof *L.yp * (size_t)(L.nyp ? L.nyp : 1));
    L.work = malloc(sizeof *L.work * (hf_model_work_size(ym) + 1));
    L.up = malloc(sizeof *L.up * (size_t)nb);
    L.dn = malloc(sizeof *L.dn * (size_t)nb);
    L.ga = malloc(sizeof *L.ga * (size_t)nb);
    L.gb = malloc(sizeof *L.gb * (size_t)nb);
    if (!L.role || !L.grp || !L.named || !impact || !L.yp || !L.work || !L.up ||
        !L.dn || !L.ga || !L.gb) {
        rc = nomem(err);
        goto out;
    }
    const double *yinit = hf_model_inits(ym);
    for (int j = 0; j < L.nyp; j++)
        L.yp[j] = map[j] >= 0 ? pars[map[j]] : yinit[j];
    if ((rc = alloc_groups(&L, pf, assign_roles(&L), err)))
        goto out;
    pick_named(fm, freeidx, L.role, unc, S, nfree, nb, opt->keep_named, L.named,
               impact);
    if ((rc = group_nominals(&L, pf, err)))
        goto out;
    for (int a = 0; a < nfree && rc == HF_OK; a++) {
        int i = freeidx[a];
        hf_parset ps;
        if ((L.role[a] != ROLE_STAT && L.role[a] != ROLE_SYS) ||
            parset_of(fm, i, &ps) < 0)
            continue;
        int ax = ps.aux_offset + i - ps.offset;
        const double *s = S + (size_t)a * nb;
        if (L.role[a] == ROLE_STAT)
            rc = add_stat(&L, pf, &ps, i, s, sig[ax], err);
        else
            rc = add_sys(&L, pf, a, &ps, ax, s, err);
    }
    if (rc == HF_OK)
        rc = add_eigen(&L, pf, opt, err);
out:
    free(L.role);
    free(L.grp);
    free(L.named);
    free(impact);
    free(L.delta);
    free(L.C);
    free(L.ga);
    free(L.gb);
    free(L.yp);
    free(L.work);
    free(L.up);
    free(L.dn);
    return rc;
}
