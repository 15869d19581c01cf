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
 *  - scalar x histosys: dF/dk times the block's sum of w G dB/dalpha over
 *    its histosys entries (block_histosys); these two kinds together are
 *    one rank-two update of whole rows per block (block_update);
 *  - histosys x histosys: only the diagonal (B is a sum of one-parameter
 *    shifts), from the weights' second derivative;
 *  - anything x gamma: one bin each.
 * The first term is an outer product per bin, by rows of J_i's nonzero
 * entries (a gamma's column has one).
 *
 * No factor is divided out where it is zero (mu = 0 in the background-only
 * fits): the products of "the other factors" are taken over the nonzero
 * ones, and are zero where another factor is zero, as eval.c's backward()
 * does with prefix and suffix products.
 */
#include <math.h>
#include <string.h>

#include "interp.h"

/* The loops that vectorise: cloned for AVX2 as eval.c's forward() (four
 * lanes, no FMA contraction: -mavx2 does not enable it), and their
 * helpers inlined into the clones (HFCORE_AVX2_CLONE_O3 and
 * HFCORE_CLONE_INLINE, core/core.h). */

/* The scratch of one Hessian: J[nmain * npars] (rows of grad lam_i), the
 * derivatives of F by each of the current block's factors (dF) and their
 * inverses, three dense vectors over the parameters for the block's
 * rank-two update (block_update), zero outside the block's parameters,
 * which touched[0 .. ntouched) lists (seen[p] marks them), each
 * parameter's histosys weight curvature d2w[p], and each scalar factor's
 * second derivative where its polynomial holds (d2f, normsys_d2_all). */
typedef struct hess_ws {
    double *J, *dF, *inv, *a, *acc, *y, *d2w, *d2f;
    int *touched, ntouched;
    unsigned char *seen;
} hess_ws;

/* p into the block's list of parameters, once. */
static inline void touch(hess_ws *s, int p)
{
    if (!s->seen[p]) {
        s->seen[p] = 1;
        s->touched[s->ntouched++] = p;
    }
}

/* Every term goes to H's lower triangle, mirrored at the end (half the
 * work and no second matrix).  lower_sym: a term the full matrix has at
 * (p, q) and at (q, p); lower_ordered: one of a loop that visits both
 * (p, q) and (q, p) (and (p, p) twice where two factors share p). */
static inline void lower_sym(double *H, int np, int p, int q, double v)
{
    if (p == q)
        H[(size_t)p * np + p] += 2 * v;
    else if (p > q)
        H[(size_t)p * np + q] += v;
    else
        H[(size_t)q * np + p] += v;
}

static inline void lower_ordered(double *H, int np, int p, int q, double v)
{
    if (p >= q)
        H[(size_t)p * np + q] += v;
}

/* dF/d(par of factor k) for the factors of block B into s->dF (indexed
 * like sfval), their inverses (1 for a zero factor) into s->inv; returns
 * P, the product of the nonzero factors, and the zero count into *nz. */
/* inv[k] = 1 / v[k] (1 where v[k] is zero: 1 / 1) for n factors in one
 * pass that vectorises: the zero made 1 by an addition (a choice becomes
 * a branch around the division, which GCC keeps scalar) */
static HFCORE_AVX2_CLONE_O3 void inverses(const double *restrict v, double *restrict inv,
                                int n)
{
#pragma omp simd
    for (int k = 0; k < n; k++)
        inv[k] = 1 / (v[k] + (double)(v[k] == 0)); /* v + 0 is v */
}

/* dF[k] = P inv[k] d[k] for n factors (no factor zero) */
static HFCORE_AVX2_CLONE_O3 void scaled(double P, const double *restrict inv,
                              const double *restrict d, double *restrict dF,
                              int n)
{
    for (int k = 0; k < n; k++)
        dF[k] = P * inv[k] * d[k];
}

static double factor_derivs(const hf_model *m, const hf_block *B,
                            const double *sfval, const double *sfder,
                            hess_ws *s, int *nz)
{
    int k0 = B->sf0, k1 = B->sf0 + B->nsf, z = 0;
    inverses(sfval + k0, s->inv + k0, B->nsf);
    double P = 1; /* a serial product in the factors' order */
    for (int k = k0; k < k1; k++) {
        if (sfval[k] != 0)
            P *= sfval[k];
        else
            z++;
    }
    if (z == 0)
        scaled(P, s->inv + k0, sfder + k0, s->dF + k0, B->nsf);
    for (int k = k0; z && k < k1; k++) {
        /* the product of the others: P / f_k, zero if another is zero */
        int others_zero = z - (sfval[k] == 0);
        s->dF[k] = others_zero ? 0 : P * s->inv[k] * sfder[k];
    }
    *nz = z;
    return P;
}

/* Scalar x scalar: H[p_k][p_l] += T * d2F/dk dl for the block's factors.
 * d2F/dk dl (k != l) is f'_k f'_l times the product of the factors other
 * than k and l; d2F/dk^2 is f''_k times the product of the others.  With
 * one zero factor z (mu = 0: a signal block in the background-only
 * fits), a pair not zero has z in it: a factor other than z goes to its
 * one pair (k, z) straight, in the order the loop over l visited it
 * (1Lbb: the loop's test over every pair, 0.03M instructions a Hessian). */
static void scalar_pairs(const hf_model *m, const hf_block *B,
                         const double *pars, const double *sfval,
                         const double *sfder, double P, int nz, double T,
                         const hess_ws *s, double *H)
{
    int np = m->npars, z = B->sf0; /* with one zero factor, which */
    while (nz == 1 && sfval[z] != 0)
        z++;
    for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
        int pk = m->sf_par[k], zk = sfval[k] == 0;
        if (nz - zk == 0) {
            double d2 = hf_interp_normsys_d2(&m->sfac[k], pars[pk], sfval[k]);
            H[(size_t)pk * np + pk] += T * P * s->inv[k] * d2;
        }
        if (sfder[k] == 0)
            continue;
        double tk = T * sfder[k] * P * s->inv[k];
        if (nz == 1 && !zk) { /* its one pair: with the zero factor */
            lower_ordered(H, np, pk, m->sf_par[z], tk * sfder[z] * s->inv[z]);
            continue;
        }
        for (int l = B->sf0; l < B->sf0 + B->nsf; l++) {
            if (l == k || nz - zk - (sfval[l] == 0) != 0)
                continue;
            lower_ordered(H, np, pk, m->sf_par[l], tk * sfder[l] * s->inv[l]);
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
                lower_sym(H, np, pg, m->sf_par[k], v);
            }
            for (int j2 = 0; j2 < B->nbf; j2++)
                if (j2 != j)
                    lower_ordered(H, np, pg, bp[j2 * nb + b],
                                  F * wb * gammas_except(pars, bp, B->nbf, nb, b, j, j2) * bs);
        }
}

/* Block bi's histosys entries (sorted by block-bin, so a block's are
 * together): their J entries, their diagonal (the weights' second
 * derivative: B is a sum of one-parameter shifts, no cross terms), their
 * cross terms with the block's gammas, and acc[alpha] = sum_b w_b G_b
 * dB_b/dalpha, which the cross terms with the scalar factors need.  The
 * products of the bin's factors are taken once a bin, in the order the
 * terms multiply them (so each term is the value it was when they were
 * formed per entry); with one per-bin factor (staterror alone: every
 * 1Lbb block), the product of the others is 1 and not formed. */
static void block_histosys(const hf_model *m, int bi, const double *pars,
                           const double *work, const double *w, hess_ws *s,
                           double *H)
{
    const hf_block *B = &m->blocks[bi];
    const double *hw = work + m->work_par;
    const double *binfac = work + m->work_bb + m->nbb;
    const double F = binfac[2 * m->nbb + bi];
    const int *bp = m->bf_par + B->bfpar;
    int np = m->npars, nb = B->nb, nbf = B->nbf;
    for (int b = 0; b < nb; b++) {
        size_t sl = B->nom + b;
        int i = B->bin0 + b;
        double G = binfac[sl], FG = F * G, wFG = w[i] * F * G, wG = w[i] * G;
        double Fw = F * w[i];
        double *Ji = s->J + (size_t)i * np;
        for (int e = m->hs_sstart[sl]; e < m->hs_sstart[sl + 1]; e++) {
            int p = m->hs_spar[e];
            double S = m->hs_scoef[2 * (size_t)e], A = m->hs_scoef[2 * (size_t)e + 1];
            double db = hw[4 * p + 2] * S + hw[4 * p + 3] * A;
            Ji[p] += FG * db;
            H[(size_t)p * np + p] += wFG * (s->d2w[p] * A);
            s->acc[p] += wG * db;
            touch(s, p);
            if (nbf == 1) {
                lower_sym(H, np, p, bp[b], Fw * db);
                continue;
            }
            for (int j = 0; j < nbf; j++) {
                int pg = bp[j * nb + b];
                double v = Fw * gammas_except(pars, bp, nbf, nb, b, j, -1) * db;
                lower_sym(H, np, p, pg, v);
            }
        }
    }
}

/* h[0..n) += u y + v a: restrict, so that the compiler vectorises it
 * (without, it must assume h overlaps y or a: a scalar loop, 3x slower
 * on 1Lbb); inlined into block_rows and outer_rows, which are cloned for
 * AVX2 as eval.c's forward() (four lanes, no FMA contraction: -mavx2
 * does not enable it), where most of the Hessian's time goes.  Two
 * vectors an iteration (the loop's count and branch were 3 of 8
 * instructions; each lane's arithmetic is the same either way). */
static HFCORE_CLONE_INLINE void row_update(double *restrict h, double u,
                                   const double *restrict y, double v,
                                   const double *restrict a, int n)
{
#pragma GCC unroll 2
    for (int l = 0; l < n; l++)
        h[l] += u * y[l] + v * a[l];
}

/* The block's rows (block_update): row j of rows[0 .. nr) += fa a[j] y
 * + fa acc[j] a over its columns 0 .. j, where a[j] or acc[j] is not
 * zero.  The loop over rows inside the clone: a call per row (through
 * the clone's resolver) cost a tenth of the Hessian. */
static HFCORE_AVX2_CLONE_O3 void block_rows(double *H, int np, const int *rows, int nr,
                                  double fa, const double *a,
                                  const double *acc, const double *y)
{
    for (int t = 0; t < nr; t++) {
        int j = rows[t];
        if (a[j] == 0 && acc[j] == 0)
            continue;
        row_update(H + (size_t)j * np, fa * a[j], y, fa * acc[j], a, j + 1);
    }
}

/* Two bins' n / lam^2 J_i J_i^T in one pass over the rows
 * (outer_and_constraints), ci = n_i / lam_i^2: row p += ci Ji[p] Ji +
 * ck Jk[p] Jk over its columns 0 .. p where Ji[p] or Jk[p] is not zero.
 * A bin alone (ck = 0, Jk = Ji) took the same instructions a row, its
 * second product a zero: two bins a pass halve them (1Lbb: 14 bins, the
 * outer products 0.22M of a Hessian's 1.8M instructions). */
static HFCORE_AVX2_CLONE_O3 void outer_rows(double *H, int np, const double *Ji,
                                  double ci, const double *Jk, double ck)
{
    for (int p = 0; p < np; p++) {
        if (Ji[p] == 0 && Jk[p] == 0)
            continue;
        /* whole rows: they vectorise */
        row_update(H + (size_t)p * np, ci * Ji[p], Ji, ck * Jk[p], Jk, p + 1);
    }
}

/* d2[k] = f''_k for every scalar factor as its polynomial's second
 * derivative (hf_interp_normsys_d2's code4 expression, on the same
 * coefficients: sf_poly's rows 2..6 are its c[1..5]), in one loop that
 * vectorises and cloned as row_update.  Exact for the identity (its
 * coefficients are zero: +0, the function's 0) and code4 inside
 * |alpha| < 1; normsys_d2_rest recomputes the others.  One pass instead
 * of a call with its switch per factor. */
HFCORE_AVX2_CLONE
static void normsys_d2_all(const hf_model *m, const double *pars, double *d2)
{
    const int n = m->nsfac, *sp = m->sf_par;
    const double *c1 = m->sf_poly + 2 * (size_t)n, *c2 = c1 + n, *c3 = c2 + n,
                 *c4 = c3 + n, *c5 = c4 + n;
#pragma omp simd
    for (int k = 0; k < n; k++) {
        double a = pars[sp[k]];
        d2[k] = 2 * c1[k] + a * (6 * c2[k] + a * (12 * c3[k] + a * (20 * c4[k] + a * 30 * c5[k])));
    }
}

/* d2[k] by the function where the polynomial is not the factor: code4
 * outside |alpha| < 1, the other codes (the lists eval.c's forward()
 * recomputes their values by).  So block_update reads f''_k from d2
 * alone: its test per factor (the code, then alpha's range) was a
 * quarter of its instructions on 1Lbb. */
static void normsys_d2_rest(const hf_model *m, const double *pars,
                            const double *sfval, double *d2)
{
    const int *sp = m->sf_par;
    if (m->nsf_code4)
        for (int p = 0; p < m->npars; p++) {
            if (pars[p] > -1 && pars[p] < 1)
                continue;
            for (int i = m->sf_code4_start[p]; i < m->sf_code4_start[p + 1]; i++) {
                int k = m->sf_code4[i];
                d2[k] = hf_interp_normsys_d2(&m->sfac[k], pars[sp[k]], sfval[k]);
            }
        }
    for (int i = 0; i < m->nsf_other; i++) {
        int k = m->sf_other[i];
        d2[k] = hf_interp_normsys_d2(&m->sfac[k], pars[sp[k]], sfval[k]);
    }
}

/* For n factors of a block without a zero factor (inv = 1 / f): r_k =
 * f'_k / f_k into inv[k] and the diagonal's term F T (f''_k / f_k -
 * r_k^2) into d2f[k] (each factor is one block's: neither is read again),
 * in one loop that vectorises, cloned as row_update was (no FMA: the
 * same values as one factor at a time).  Per factor in block_update's
 * scattered loops, r formed twice (1Lbb: block_update 0.22M instructions
 * a Hessian, 0.19M so). */
static HFCORE_AVX2_CLONE_O3 void ratio_terms(const double *restrict sfder,
                                             double *restrict inv,
                                             double *restrict d2f, double TF, int n)
{
    for (int k = 0; k < n; k++) {
        double r = sfder[k] * inv[k];
        d2f[k] = TF * (d2f[k] * inv[k] - r * r);
        inv[k] = r;
    }
}

/* The block's scalar x scalar and scalar x histosys terms as one
 * symmetric rank-two update of whole rows, which vectorise, instead of
 * a scattered update per pair (1Lbb: 77 blocks of ~55 scalar factors and
 * ~30 histosys parameters, 5x faster).  With no zero factor, dF_k =
 * F r_k (r_k = f'_k / f_k) and d2F/dk dl = F r_k r_l, so with a = r
 * gathered by parameter the block adds
 *     F (T a a^T + a acc^T + acc a^T)
 * and, on the diagonal, F T (f''_k / f_k - r_k^2) per factor (a^T a's
 * own square of each factor is not its second derivative).  With a zero
 * factor, a = dF and only the cross terms go this way; scalar_pairs does
 * the pairs. */
static void block_update(const hf_model *m, const hf_block *B,
                         const double *pars, const double *sfval,
                         const double *sfder, double P, int nz, double T,
                         double F, hess_ws *s, double *H)
{
    int np = m->npars;
    double *a = s->a, *acc = s->acc, *y = s->y;
    if (!nz)
        ratio_terms(sfder + B->sf0, s->inv + B->sf0, s->d2f + B->sf0, T * F, B->nsf);
    const double *ak = nz ? s->dF : s->inv; /* a by factor */
    for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
        a[m->sf_par[k]] += ak[k];
        touch(s, m->sf_par[k]);
    }
    /* a, acc and y are zero outside the block's parameters: the rows and
     * entries of y there are those of a dense pass (y's zeros, which the
     * rows read, are set once a Hessian), in any order (each row is its
     * own entries of H) */
    double ta = nz ? 0 : T;
    for (int t = 0; t < s->ntouched; t++) {
        int j = s->touched[t];
        y[j] = ta * a[j] + acc[j];
    }
    block_rows(H, np, s->touched, s->ntouched, nz ? 1 : F, a, acc, y);
    for (int t = 0; t < s->ntouched; t++) {
        int j = s->touched[t];
        a[j] = acc[j] = y[j] = 0;
        s->seen[j] = 0;
    }
    s->ntouched = 0;
    if (nz) {
        scalar_pairs(m, B, pars, sfval, sfder, P, nz, T, s, H);
        return;
    }
    for (int k = B->sf0; k < B->sf0 + B->nsf; k++) {
        int pk = m->sf_par[k];
        H[(size_t)pk * np + pk] += s->d2f[k];
    }
}

/* Every term of block bi. */
static void block_terms(const hf_model *m, int bi, const double *pars,
                        const double *work, const double *w, hess_ws *s,
                        double *H)
{
    const hf_block *B = &m->blocks[bi];
    const double *sfval = work + m->work_sf, *sfder = sfval + m->nsfac;
    const double *base = work + m->work_bb, *binfac = base + m->nbb;
    const double F = binfac[m->nbb + m->nbb + bi];
    int np = m->npars, nz;
    double P = factor_derivs(m, B, sfval, sfder, s, &nz), T = 0;
    for (int b = 0; b < B->nb; b++) {
        size_t sl = B->nom + b;
        int i = B->bin0 + b;
        double gb = binfac[sl] * base[sl];
        T += w[i] * gb;
        for (int k = B->sf0; k < B->sf0 + B->nsf; k++)
            s->J[(size_t)i * np + m->sf_par[k]] += s->dF[k] * gb;
    }
    block_histosys(m, bi, pars, work, w, s, H);
    block_update(m, B, pars, sfval, sfder, P, nz, T, F, s, H);
    gamma_terms(m, bi, pars, base, w, F, s, H);
}

/* n / lam^2 of bin i: (n / lam) / lam, as lam^2 could underflow where
 * n / lam does not */
static double outer_weight(const double *data, const double *lam, int i)
{
    return data[i] / lam[i] / lam[i];
}

/* sum_i n_i / lam_i^2 J_i J_i^T over each row's nonzero columns, and the
 * constraint terms' diagonal (Gaussian 1 / sigma^2; Poisson aux / x^2,
 * the derivative of eval.c's tau - aux / x). */
static void outer_and_constraints(const hf_model *m, const double *pars,
                                  const double *data, const double *lam,
                                  const hess_ws *s, double *H)
{
    int np = m->npars, held = -1; /* a bin waiting for its pair */
    for (int i = 0; i < m->nmain; i++) {
        if (data[i] == 0)
            continue;
        if (held < 0) {
            held = i;
            continue;
        }
        outer_rows(H, np, s->J + (size_t)held * np, outer_weight(data, lam, held),
                   s->J + (size_t)i * np, outer_weight(data, lam, i));
        held = -1;
    }
    if (held >= 0) /* the last alone: its own row as the second, times 0 */
        outer_rows(H, np, s->J + (size_t)held * np, outer_weight(data, lam, held),
                   s->J + (size_t)held * np, 0);
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

/* The lower triangle copied to the upper one in 32 x 32 tiles: a column
 * at a time, each store touched another cache line (np of them per
 * column), which on a 2,400-parameter model cost as much as the rest of
 * the Hessian.  Inside a tile, 4 x 4 blocks transposed in registers
 * where GCC's vector extension allows (the fastest of 15 in a loop at
 * load 4.6: 17.3 -> 12.6 ms at 2,421 parameters, 0.152 -> 0.066 ms at
 * 600, 0.011 -> 0.003 ms at 125; `hf fit` and the checks of models over
 * SCRATCH_KEEP_MIN take the whole matrix); the blocks on the diagonal
 * and the last rows and columns of an np not a multiple of four an
 * entry at a time. */
#if defined(__GNUC__) && !defined(__clang__)
typedef double hfmodel_v4 __attribute__((vector_size(32)));
typedef long long hfmodel_i4 __attribute__((vector_size(32)));

/* the 4 x 4 block at lower row a, column b to the upper one at row b,
 * column a (b + 4 <= a) */
static HFCORE_CLONE_INLINE void transpose4(double *H, size_t np, int a, int b)
{
    const hfmodel_i4 lo = {0, 4, 2, 6}, hi = {1, 5, 3, 7}, front = {0, 1, 4, 5},
                     back = {2, 3, 6, 7};
    const double *r = H + (size_t)a * np + b;
    double *c = H + (size_t)b * np + a;
    hfmodel_v4 r0, r1, r2, r3;
    memcpy(&r0, r, sizeof r0);
    memcpy(&r1, r + np, sizeof r1);
    memcpy(&r2, r + 2 * np, sizeof r2);
    memcpy(&r3, r + 3 * np, sizeof r3);
    hfmodel_v4 t0 = __builtin_shuffle(r0, r1, lo), t1 = __builtin_shuffle(r0, r1, hi),
               t2 = __builtin_shuffle(r2, r3, lo), t3 = __builtin_shuffle(r2, r3, hi);
    hfmodel_v4 c0 = __builtin_shuffle(t0, t2, front), c1 = __builtin_shuffle(t1, t3, front),
               c2 = __builtin_shuffle(t0, t2, back), c3 = __builtin_shuffle(t1, t3, back);
    memcpy(c, &c0, sizeof c0);
    memcpy(c + np, &c1, sizeof c1);
    memcpy(c + 2 * np, &c2, sizeof c2);
    memcpy(c + 3 * np, &c3, sizeof c3);
}
#define HFMODEL_TRANSPOSE4 1
#endif

/* Tile (a0 .. a1) x (b0 .. b1) of the lower triangle to the upper one,
 * entries (a, b) with b < a. */
static HFCORE_AVX2_CLONE_O3 void mirror_tile(double *H, int np, int a0, int a1,
                                            int b0, int b1)
{
    int a = a0;
#ifdef HFMODEL_TRANSPOSE4
    for (; a + 4 <= a1; a += 4) {
        int b = b0;
        for (; b + 4 <= b1 && b + 4 <= a; b += 4)
            transpose4(H, (size_t)np, a, b);
        for (int i = a; i < a + 4; i++) /* the rest of the four rows */
            for (int k = b; k < b1 && k < i; k++)
                H[(size_t)k * np + i] = H[(size_t)i * np + k];
    }
#endif
    for (; a < a1; a++) {
        int e = b1 < a ? b1 : a;
        for (int b = b0; b < e; b++)
            H[(size_t)b * np + a] = H[(size_t)a * np + b];
    }
}

static void mirror(double *H, int np)
{
    enum { T = 32 };
    for (int a0 = 0; a0 < np; a0 += T)
        for (int b0 = 0; b0 <= a0; b0 += T)
            mirror_tile(H, np, a0, a0 + T < np ? a0 + T : np, b0,
                        b0 + T < np ? b0 + T : np);
}

size_t hfmodel_hessian_work_size(const hf_model *m)
{
    /* J, dF, inv and d2f, a, acc, y and d2w, then touched (ints) and
     * seen (bytes) in as many doubles again */
    return m ? m->work_size + (size_t)m->nmain * m->npars + 3 * (size_t)m->nsfac +
                   5 * (size_t)m->npars + 1
             : 0;
}

int hfmodel_hessian(const hf_model *m, const double *pars, const double *data,
                    double *H, double *work)
{
    int rc = hfmodel_hessian_lower(m, pars, data, H, work);
    if (rc == HF_OK)
        mirror(H, m->npars);
    return rc;
}

int hfmodel_hessian_lower(const hf_model *m, const double *pars,
                          const double *data, double *H, double *work)
{
    if (!m || !pars || !data || !H || !work)
        return HF_ERR_ARG;
    int np = m->npars;
    hess_ws s;
    s.J = work + m->work_size;
    s.dF = s.J + (size_t)m->nmain * np;
    s.inv = s.dF + m->nsfac;
    s.a = s.inv + m->nsfac;
    s.acc = s.a + np;
    s.y = s.acc + np;
    s.d2w = s.y + np;
    s.touched = (int *)(s.d2w + np);
    s.seen = (unsigned char *)(s.touched + np);
    s.d2f = s.d2w + 2 * (size_t)np;
    s.ntouched = 0;
    memset(s.J, 0, (size_t)m->nmain * np * sizeof *s.J);
    memset(s.a, 0, 3 * (size_t)np * sizeof *s.a);
    memset(s.seen, 0, np);
    /* the lower triangle: the only entries set (and read) */
    for (int p = 0; p < np; p++)
        memset(H + (size_t)p * np, 0, (p + 1) * sizeof *H);
    for (int p = 0; p < np; p++)
        s.d2w[p] = hf_interp_histosys_d2w1(m->histosys_code, pars[p]);
    hfmodel_forward(m, pars, work);
    normsys_d2_all(m, pars, s.d2f);
    normsys_d2_rest(m, pars, work + m->work_sf, s.d2f);
    /* w_i = 1 - n_i / lam_i where eval.c keeps it (work + nmain) */
    double *w = work + m->nmain;
    for (int i = 0; i < m->nmain; i++)
        w[i] = 1.0 - (data[i] == 0 ? 0 : data[i] / work[i]);
    for (int bi = 0; bi < m->nblocks; bi++)
        block_terms(m, bi, pars, work, w, &s, H);
    outer_and_constraints(m, pars, data, work, &s, H);
    return HF_OK;
}
