/*
 * hessian.c - the exact Hessian of the NLL over every parameter.
 *
 * With lam_i the expected yield of main bin i and n_i its count,
 *   NLL = sum_i (lam_i - n_i log lam_i) + constraints, so
 *   H   = sum_i [ n_i / lam_i^2  J_i J_i^T  +  (1 - n_i / lam_i) Hess lam_i ]
 *         + the constraints' diagonal,
 * J_i = grad lam_i.  The weights 1 - n/lam are eval.c's (the gradient is
 * sum_i w_i J_i), so H is the derivative of the gradient eval.c returns,
 * piece for piece of every interpolation code.
 *
 * lam_i is a sum over blocks of L = F * G_b * B_b (model.h): F the product
 * of the block's scalar factors f_k, G_b the product of its per-bin
 * factors (gammas) and B_b the nominal plus the histosys shifts.  So
 * Hess lam is made of few kinds of terms, each taken where it is cheap:
 *  - scalar x scalar: d2F/dk dl times T = sum_b w_b G_b B_b, once per
 *    block (not per bin): the dense block of the shared parameters;
 *  - scalar x histosys: dF/dk times the block's sum of w G dB/dalpha,
 *    summed over the consecutive histosys entries of one parameter in one
 *    block first;
 *  - histosys x histosys: only the diagonal (B is a sum of one-parameter
 *    shifts), from the weights' second derivative;
 *  - anything x gamma: one bin each.
 * The first term is an outer product per bin over J_i's nonzero entries
 * (a gamma's column has one).
 *
 * No factor is divided out where it is zero (mu = 0 in the background-only
 * fits): the products of "the other factors" are taken over the nonzero
 * ones, and are zero where another factor is zero, as eval.c's backward()
 * does with prefix and suffix products.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

/* The scratch of one Hessian: J[nmain * npars] (rows of grad lam_i), the
 * first and second derivatives of F by each of the current block's
 * factors, the block of every block-bin, and a column list. */
typedef struct hess_ws {
    double *J, *dF, *inv;
    int *slot_blk, *cols;
} hess_ws;

/* dF/d(par of factor k) for the factors of block B into s->dF (indexed
 * like sfval), their inverses (1 for a zero factor) into s->inv; returns
 * P, the product of the nonzero factors, and the zero count into *nz. */
static double factor_derivs(const hf_model *m, const hf_block *B,
                            const double *sfval, const double *sfder,
                            hess_ws *s, int *nz)
{
    double P = 1;
    int z = 0;
    for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
        if (sfval[k] == 0) {
            z++;
            s->inv[k] = 1;
        } else {
            P *= sfval[k];
            s->inv[k] = 1 / sfval[k];
        }
    }
    for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
        /* the product of the others: P / f_k, zero if another is zero */
        int others_zero = z - (sfval[k] == 0);
        s->dF[k] = others_zero ? 0 : P * s->inv[k] * sfder[k];
    }
    *nz = z;
    return P;
}

/* Scalar x scalar: H[p_k][p_l] += T * d2F/dk dl for the block's factors.
 * d2F/dk dl (k != l) is f'_k f'_l times the product of the factors other
 * than k and l; d2F/dk^2 is f''_k times the product of the others. */
static void scalar_pairs(const hf_model *m, const hf_block *B,
                         const double *pars, const double *sfval,
                         const double *sfder, double P, int nz, double T,
                         const hess_ws *s, double *H)
{
    int np = m->npars;
    for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
        int pk = m->sf_par[k], zk = sfval[k] == 0;
        if (nz - zk == 0) {
            double d2 = hf_interp_normsys_d2(&m->sfac[k], pars[pk], sfval[k]);
            H[(size_t)pk * np + pk] += T * P * s->inv[k] * d2;
        }
        if (sfder[k] == 0)
            continue;
        double tk = T * sfder[k] * P * s->inv[k];
        for (int l = B->sf0; l < B->sf0 + B->nsf; l++) {
            if (l == k || nz - zk - (sfval[l] == 0) != 0)
                continue;
            H[(size_t)pk * np + m->sf_par[l]] += tk * sfder[l] * s->inv[l];
        }
    }
}

/* The product of bin b's per-bin factors of block B other than rows j1
 * and j2 (-1: none), by multiplication: there are one or two. */
static double gammas_except(const double *pars, const int *bp, int nbf, int nb,
                            int b, int j1, int j2)
{
    double g = 1;
    for (int i = 0; i < nbf; i++)
        if (i != j1 && i != j2)
            g *= pars[bp[i * nb + b]];
    return g;
}

/* The per-bin factors of block bi: their J entries and their Hessian
 * entries with the scalar factors and with each other. */
static void gamma_terms(const hf_model *m, int bi, const double *pars,
                        const double *base, const double *w, double F,
                        const hess_ws *s, double *H)
{
    const hf_block *B = &m->blocks[bi];
    int np = m->npars, nb = B->nb;
    const int *bp = m->bf_par + B->bfpar;
    for (int j = 0; j < B->nbf; j++)
        for (int b = 0; b < nb; b++) {
            int pg = bp[j * nb + b], i = B->bin0 + b;
            double bs = base[B->nom + b], wb = w[i];
            double o = gammas_except(pars, bp, B->nbf, nb, b, j, -1);
            s->J[(size_t)i * np + pg] += F * o * bs;
            for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
                double v = s->dF[k] * wb * o * bs;
                H[(size_t)pg * np + m->sf_par[k]] += v;
                H[(size_t)m->sf_par[k] * np + pg] += v;
            }
            for (int j2 = 0; j2 < B->nbf; j2++)
                if (j2 != j)
                    H[(size_t)pg * np + bp[j2 * nb + b]] +=
                        F * wb * gammas_except(pars, bp, B->nbf, nb, b, j, j2) * bs;
        }
}

/* Block bi's scalar-factor terms: J entries, the scalar pairs, and dF
 * left in s->dF for the histosys pass. */
static void block_terms(const hf_model *m, int bi, const double *pars,
                        const double *work, const double *w, hess_ws *s,
                        double *H)
{
    const hf_block *B = &m->blocks[bi];
    const double *sfval = work + m->work_sf, *sfder = sfval + m->nsfac;
    const double *base = work + m->work_bb, *binfac = base + m->nbb;
    const double *fblk = binfac + 2 * m->nbb;
    int np = m->npars, nz;
    double P = factor_derivs(m, B, sfval, sfder, s, &nz), T = 0;
    for (int b = 0; b < B->nb; b++) {
        size_t sl = B->nom + b;
        int i = B->bin0 + b;
        double gb = binfac[sl] * base[sl];
        T += w[i] * gb;
        for (int k = B->sf0; k < B->sf0 + B->nsf; k++)
            s->J[(size_t)i * np + m->sf_par[k]] += s->dF[k] * gb;
        s->slot_blk[sl] = bi;
    }
    if (B->nsf)
        scalar_pairs(m, B, pars, sfval, sfder, P, nz, T, s, H);
    gamma_terms(m, bi, pars, base, w, fblk[bi], s, H);
}

/* H[p][q] and H[q][p] += v for every scalar factor q of block bi, v =
 * dF/dq * acc: a histosys parameter's cross terms with them, acc its
 * block's sum of w G dB/dalpha. */
static void flush_scalar(const hf_model *m, int bi, int p, double acc,
                         const hess_ws *s, double *H)
{
    const hf_block *B = &m->blocks[bi];
    int np = m->npars;
    if (acc == 0)
        return;
    for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
        double v = s->dF[k] * acc;
        H[(size_t)p * np + m->sf_par[k]] += v;
        H[(size_t)m->sf_par[k] * np + p] += v;
    }
}

/* The histosys parameters: J entries, their diagonal, their cross terms
 * with the scalar factors (summed per block first: a parameter's entries
 * of one block are mostly consecutive: sorted by block-bin) and with the
 * gammas.  Needs every block's dF, so block_terms keeps them per factor. */
static void histosys_terms(const hf_model *m, const double *pars,
                           const double *work, const double *w, hess_ws *s,
                           double *H)
{
    const double *hw = work + m->work_par;
    const double *base = work + m->work_bb, *binfac = base + m->nbb;
    const double *fblk = binfac + 2 * m->nbb;
    int np = m->npars;
    for (int g = 0; g < m->nhs_pars; g++) {
        int p = m->hs_gpar[g], cur = -1;
        double dw0 = hw[4 * p + 2], dw1 = hw[4 * p + 3], acc = 0;
        double d2w1 = hf_interp_histosys_d2w1(m->histosys_code, pars[p]);
        for (int e = m->hs_gstart[g]; e < m->hs_gstart[g + 1]; e++) {
            size_t sl = m->hs_gslot[e];
            int bi = s->slot_blk[sl];
            const hf_block *B = &m->blocks[bi];
            int b = (int)(sl - B->nom), i = B->bin0 + b;
            double S = m->hs_gcoef[2 * (size_t)e], A = m->hs_gcoef[2 * (size_t)e + 1];
            double db = dw0 * S + dw1 * A, F = fblk[bi];
            s->J[(size_t)i * np + p] += F * binfac[sl] * db;
            H[(size_t)p * np + p] += w[i] * F * binfac[sl] * d2w1 * A;
            if (bi != cur) {
                if (cur >= 0)
                    flush_scalar(m, cur, p, acc, s, H);
                cur = bi;
                acc = 0;
            }
            acc += w[i] * binfac[sl] * db;
            const int *bp = m->bf_par + B->bfpar;
            for (int j = 0; j < B->nbf; j++) {
                int pg = bp[j * B->nb + b];
                double v = F * w[i] * gammas_except(pars, bp, B->nbf, B->nb, b, j, -1) * db;
                H[(size_t)p * np + pg] += v;
                H[(size_t)pg * np + p] += v;
            }
        }
        if (cur >= 0)
            flush_scalar(m, cur, p, acc, s, H);
    }
}

/* sum_i n_i / lam_i^2 J_i J_i^T over each row's nonzero columns, and the
 * constraint terms' diagonal (Gaussian 1 / sigma^2; Poisson aux / x^2,
 * the derivative of eval.c's tau - aux / x). */
static void outer_and_constraints(const hf_model *m, const double *pars,
                                  const double *data, const double *lam,
                                  hess_ws *s, double *H)
{
    int np = m->npars;
    for (int i = 0; i < m->nmain; i++) {
        if (data[i] == 0)
            continue;
        /* (n / lam) / lam: lam^2 could underflow where n / lam does not */
        double c = data[i] / lam[i] / lam[i];
        const double *Ji = s->J + (size_t)i * np;
        int nc = 0;
        for (int a = 0; a < np; a++)
            if (Ji[a] != 0)
                s->cols[nc++] = a;
        for (int a = 0; a < nc; a++) {
            double ca = c * Ji[s->cols[a]];
            double *Ha = H + (size_t)s->cols[a] * np;
            for (int b = 0; b < nc; b++)
                Ha[s->cols[b]] += ca * Ji[s->cols[b]];
        }
    }
    const double *aux = data + m->nmain;
    for (int i = 0; i < m->naux; i++) {
        int p = m->aux_par[i];
        double x = pars[p], d2;
        if (m->factors[i] > 0)
            d2 = aux[i] == 0 ? 0 : aux[i] / x / x;
        else
            d2 = 1 / (m->sigmas[i] * m->sigmas[i]);
        H[(size_t)p * np + p] += d2;
    }
}

int hfmodel_hessian(const hf_model *m, const double *pars, const double *data,
                    double *H, double *work)
{
    if (!m || !pars || !data || !H || !work)
        return HF_ERR_ARG;
    int np = m->npars;
    hess_ws s;
    s.J = calloc((size_t)m->nmain * np + 2 * (size_t)m->nsfac + 1, sizeof *s.J);
    s.slot_blk = malloc((m->nbb + np + 1) * sizeof *s.slot_blk);
    if (!s.J || !s.slot_blk) {
        free(s.J);
        free(s.slot_blk);
        return HF_ERR_NOMEM;
    }
    s.dF = s.J + (size_t)m->nmain * np;
    s.inv = s.dF + m->nsfac;
    s.cols = s.slot_blk + m->nbb;
    memset(H, 0, (size_t)np * np * sizeof *H);
    hfmodel_forward(m, pars, work);
    /* w_i = 1 - n_i / lam_i where eval.c keeps it (work + nmain) */
    double *w = work + m->nmain;
    for (int i = 0; i < m->nmain; i++)
        w[i] = 1.0 - (data[i] == 0 ? 0 : data[i] / work[i]);
    for (int bi = 0; bi < m->nblocks; bi++)
        block_terms(m, bi, pars, work, w, &s, H);
    histosys_terms(m, pars, work, w, &s, H);
    outer_and_constraints(m, pars, data, work, &s, H);
    free(s.J);
    free(s.slot_blk);
    return HF_OK;
}
