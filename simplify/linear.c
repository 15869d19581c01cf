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
} lin;

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

int hfsimplify_linear(const hf_model *fm, const hf_model *ym, const int *map,
                       const double *pars, const double *unc,
                       const int *freeidx, int nfree, const double *S,
                       const hf_simplify_options *opt, hf_postfit *pf,
                       hf_error *err)
{
    int nb = pf->nbins, rc = HF_OK;
    const double *aux = hf_model_auxdata(fm), *sig = hf_model_sigmas(fm);
    size_t nf1 = (size_t)(nfree ? nfree : 1);
    lin L = {fm, ym, map, nb, hf_model_npars(ym), NULL, NULL, NULL, NULL};
    int *role = calloc(nf1, sizeof *role), *grp = calloc(nf1, sizeof *grp);
    unsigned char *named = calloc(nf1, 1);
    double *impact = malloc(sizeof *impact * nf1);
    double *delta = NULL, *C = NULL, *dirs = NULL, *ga = NULL, *gb = NULL;
    L.yp = malloc(sizeof *L.yp * (size_t)(L.nyp ? L.nyp : 1));
    L.work = malloc(sizeof *L.work * (hf_model_work_size(ym) + 1));
    L.up = malloc(sizeof *L.up * (size_t)nb);
    L.dn = malloc(sizeof *L.dn * (size_t)nb);
    ga = malloc(sizeof *ga * (size_t)nb);
    gb = malloc(sizeof *gb * (size_t)nb);
    if (!role || !grp || !named || !impact || !L.yp || !L.work || !L.up ||
        !L.dn || !ga || !gb)
        goto nomem;
    const double *yinit = hf_model_inits(ym);
    for (int j = 0; j < L.nyp; j++)
        L.yp[j] = map[j] >= 0 ? pars[map[j]] : yinit[j];

    /* Roles; one group per free normfactor (unconstrained scalars). */
    int G = 1;
    for (int a = 0; a < nfree; a++) {
        hf_parset ps;
        if (parset_of(fm, freeidx[a], &ps) < 0 ||
            ym_index(&L, freeidx[a]) < 0)
            role[a] = ROLE_NONE;
        else if (ps.constrained == 0) {
            role[a] = ROLE_FREE;
            grp[a] = G++;
        } else if (strcmp(ps.type, "staterror") == 0)
            role[a] = ROLE_STAT;
        else
            role[a] = ROLE_SYS;
    }
    size_t gn = (size_t)G * (size_t)nb;
    pf->ngroups = G;
    pf->gname = calloc((size_t)G, sizeof *pf->gname);
    pf->gnom = calloc(gn, sizeof *pf->gnom);
    pf->stname = calloc(nf1, sizeof *pf->stname);
    pf->stdata = calloc(nf1 * (size_t)nb, sizeof *pf->stdata);
    pf->stmod = calloc(nf1 * (size_t)nb, sizeof *pf->stmod);
    delta = malloc(sizeof *delta * gn);
    C = calloc(gn * gn, sizeof *C);
    if (!pf->gname || !pf->gnom || !pf->stname || !pf->stdata || !pf->stmod ||
        !delta || !C)
        goto nomem;
    pick_named(fm, freeidx, role, unc, S, nfree, nb, opt->keep_named, named,
               impact);

    /* Group nominals at the best fit: g_k, and r = b - sum mu_k g_k. */
    memcpy(pf->gnom, pf->yield, sizeof(double) * (size_t)nb);
    for (int a = 0; a < nfree; a++) {
        if (role[a] != ROLE_FREE)
            continue;
        int i = freeidx[a], g = grp[a];
        char name[512];
        hf_parset ps;
        parset_of(fm, i, &ps);
        if (ps.n == 1)
            snprintf(name, sizeof name, "%s", ps.name);
        else
            snprintf(name, sizeof name, "%s_bin%d", ps.name, i - ps.offset);
        if (!(pf->gname[g] = strdup(name)))
            goto nomem;
        group_yield(&L, ym_index(&L, i), unc[i], pf->gnom + (size_t)g * nb);
        for (int b = 0; b < nb; b++)
            pf->gnom[b] -= pars[i] * pf->gnom[(size_t)g * nb + b];
    }

    for (int a = 0; a < nfree; a++) {
        int i = freeidx[a];
        hf_parset ps;
        if ((role[a] != ROLE_STAT && role[a] != ROLE_SYS) ||
            parset_of(fm, i, &ps) < 0)
            continue;
        int ax = ps.aux_offset + i - ps.offset;
        const double *s = S + (size_t)a * nb;
        if (role[a] == ROLE_STAT) {
            int e = 0;
            while (e < pf->nst && strcmp(pf->stname[e], ps.name) != 0)
                e++;
            if (e == pf->nst) {
                if (!(pf->stname[e] = strdup(ps.name)))
                    goto nomem;
                pf->nst++;
            }
            for (int b = 0; b < nb; b++) {
                double J = s[b] / unc[i];
                if (J == 0)
                    continue;
                pf->stdata[(size_t)e * nb + b] += J;
                pf->stmod[(size_t)e * nb + b] += sig[ax] * J;
                pf->gnom[b] -= pars[i] * J;
            }
            continue;
        }
        double centre, width;
        if (ps.constrained == 1) {
            centre = aux[ax];
            width = sig[ax];
        } else { /* Poisson: aux = tau * gamma0, Var(gamma) = gamma0 / tau */
            double tau = hfmodel_factors(fm)[ax];
            centre = aux[ax] / tau;
            width = sqrt(fmax(centre, 0) / tau);
        }
        /* Deltas per pre-fit width: the total, then each group's. */
        double scale = width / unc[i];
        for (int b = 0; b < nb; b++)
            delta[b] = s[b] * scale;
        int j = ym_index(&L, i);
        for (int f = 0; f < nfree; f++) {
            if (role[f] != ROLE_FREE)
                continue;
            int g = grp[f], jk = ym_index(&L, freeidx[f]);
            double *dg = delta + (size_t)g * nb, keep = L.yp[j];
            L.yp[j] = keep + unc[i];
            group_yield(&L, jk, unc[freeidx[f]], ga);
            L.yp[j] = keep - unc[i];
            group_yield(&L, jk, unc[freeidx[f]], gb);
            L.yp[j] = keep;
            for (int b = 0; b < nb; b++) {
                dg[b] = 0.5 * (ga[b] - gb[b]) * scale;
                delta[b] -= pars[freeidx[f]] * dg[b];
            }
        }
        /* Nominals at the constraint's centre. */
        double shift = (centre - pars[i]) / width;
        for (size_t q = 0; q < gn; q++)
            pf->gnom[q] += shift * delta[q];
        if (named[a]) {
            if ((rc = hfsimplify_postfit_add_sys(pf, ps.name, delta, err)))
                goto out;
            continue;
        }
        for (size_t p = 0; p < gn; p++)
            if (delta[p] != 0)
                for (size_t q = 0; q < gn; q++)
                    C[p * gn + q] += delta[p] * delta[q];
    }

    dirs = malloc(sizeof *dirs * gn * gn);
    if (!dirs)
        goto nomem;
    double cut = opt->eig_cut > 0 ? opt->eig_cut : 1e-6;
    int ndir = hfsimplify_eigen(C, (int)gn, cut, dirs, err);
    if (ndir < 0) {
        rc = err ? err->code : HF_ERR_NUMERIC;
        goto out;
    }
    for (int k = 0; k < ndir; k++) {
        char name[32];
        snprintf(name, sizeof name, "totalError_eig%d", k);
        if ((rc = hfsimplify_postfit_add_sys(pf, name, dirs + (size_t)k * gn, err)))
            goto out;
    }
    goto out;
nomem:
    rc = hfcore_error_set(err, HF_ERR_NOMEM, "simplify: out of memory");
out:
    free(role);
    free(grp);
    free(named);
    free(impact);
    free(delta);
    free(C);
    free(dirs);
    free(ga);
    free(gb);
    free(L.yp);
    free(L.work);
    free(L.up);
    free(L.dn);
    return rc;
}
