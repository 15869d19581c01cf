/*
 * eval.c - expected yields, log-likelihood and its analytic gradient.
 *
 * Two passes over the blocks: the first accumulates the expected yields
 * lam and keeps each block's factors and shifts in the work buffer; the
 * second, once dNLL/dlam is known for every bin, turns them into the
 * gradient.  No division by a factor is ever needed, so parameters at
 * zero (mu = 0) have exact derivatives.
 */
#include <math.h>
#include <string.h>

#include "interp.h"

/* forward() and backward() twice where the CPU may have AVX2: GCC clones
 * them and the loader picks the clone for the CPU (ifunc).  The clone is
 * the same arithmetic in four lanes instead of SSE2's two: -mavx2 does not
 * enable FMA, so no a * b + c is contracted into one rounding, and every
 * result is bit for bit the SSE2 code's (checked: NLL, gradient and
 * expected data at 20 random points on each shared workspace).  1Lbb, 126
 * parameters and 4,265 scalar factors: an NLL+gradient 38 -> 30 us.
 * HFCORE_AVX2_CLONE: core/core.h. */

static const double LOG_SQRT_2PI = 0.91893853320467274178;

/* pyhf uses scipy's xlogy: 0 * log(anything) is 0. */
static double xlogy(double x, double y)
{
    return x == 0 ? 0 : x * log(y);
}

/* lgamma(n+1) - [(n+1/2) log n - n + log sqrt(2 pi)]: Stirling's series,
 * accurate to double precision for n >= 15. */
static double stirlerr(double n)
{
    const double S0 = 1.0 / 12, S1 = 1.0 / 360, S2 = 1.0 / 1260, S3 = 1.0 / 1680,
                 S4 = 1.0 / 1188;
    double nn = n * n;
    return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

/* x log(x/lam) + lam - x without cancellation (Loader's bd0), given
 * d = x - lam as accurately as the caller knows it: near x = lam the
 * result is ~ d^2 / (2x), so an error e in d costs |d| e, and for the
 * Poisson constraints d is known far better than lam itself (see
 * constraints()). */
static double bd0(double x, double lam, double d)
{
    if (fabs(d) < 0.1 * (x + lam)) {
        double v = d / (x + lam), s = d * v, ej = 2 * x * v;
        v *= v;
        for (int j = 1; j < 1000; j++) {
            ej *= v;
            double s1 = s + ej / (2 * j + 1);
            if (s1 == s)
                return s1;
            s = s1;
        }
        return s;
    }
    return x * log(x / lam) - d;
}

/* log Poisson(x | lam) with the continuous x of pyhf, d = x - lam.  For
 * x >= 15 the terms x log lam, lam and lgamma(x+1) nearly cancel (a
 * shapesys with tau ~ 1e11 leaves pyhf's sum with an error of ~1e-4, with
 * tau ~ 1e15 of ~4), so the deviance form is used there; below, the
 * direct form is pyhf's own. */
static double poisson_logpdf_d(double x, double lam, double d)
{
    if (x == 0)
        return -lam;
    if (x < 15 || !(lam > 0)) {
        /* lgamma_r: lgamma sets the global signgam, a data race when
         * threads evaluate models at once */
        int sign;
        return xlogy(x, lam) - lam - lgamma_r(x + 1.0, &sign);
    }
    return -LOG_SQRT_2PI - 0.5 * log(x) - stirlerr(x) - bd0(x, lam, d);
}

/* A main bin: lam is the expected yield, known only as the double it is. */
static double poisson_logpdf(double x, double lam)
{
    return poisson_logpdf_d(x, lam, x - lam);
}

/* The histosys loops: thousands of entries of one or two bins each, a
 * gather of one parameter's weights (or one block-bin's dNLL/d(base)) and
 * two multiply-adds per entry.  Entries are taken two at a time into two
 * accumulators, which halves the chain of dependent additions.  With
 * GCC's and clang's vector extension the two entries' four products are
 * one vector operation; each lane does the scalar code's operations in
 * its order, so the sums are bit for bit the same (a 1Lbb NLL+gradient
 * ~12% faster).  Other compilers get the scalar loop. */
#if defined(__GNUC__)
typedef double hfmodel_v4 __attribute__((vector_size(32)));
typedef double hfmodel_v2 __attribute__((vector_size(16)));
/* two pairs as one vector: GCC 12 and clang join the two loads into one
 * register (vinsertf128); older GCC lacks the builtin, and element by
 * element is the same values */
#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define HFMODEL_JOIN(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3)
#endif
#endif
#ifndef HFMODEL_JOIN
#define HFMODEL_JOIN(a, b) ((hfmodel_v4){(a)[0], (a)[1], (b)[0], (b)[1]})
#endif
#endif

/* Product of v[0..n) with four partial products: thousands of factors in
 * one serial chain of multiplications would wait on each other.  With the
 * vector extension the four are the lanes of one vector, each lane the
 * same multiplications in the same order as the scalar p0..p3 (so the
 * same double), two vectors of v an iteration: a multiply per four
 * factors instead of a load and a multiply per factor (the products were
 * 2.6% of a 1Lbb hypotest's instructions). */
static HFCORE_CLONE_INLINE double product(const double *v, int n)
{
    double p0 = 1, p1 = 1, p2 = 1, p3 = 1;
    int k = 0;
#if defined(__GNUC__)
    hfmodel_v4 acc = {1, 1, 1, 1}, a, b;
    for (; k + 7 < n; k += 8) {
        memcpy(&a, v + k, sizeof a);
        memcpy(&b, v + k + 4, sizeof b);
        acc *= a;
        acc *= b;
    }
    p0 = acc[0], p1 = acc[1], p2 = acc[2], p3 = acc[3];
#endif
    for (; k + 3 < n; k += 4) {
        p0 *= v[k];
        p1 *= v[k + 1];
        p2 *= v[k + 2];
        p3 *= v[k + 3];
    }
    for (; k < n; k++)
        p0 *= v[k];
    return (p0 * p1) * (p2 * p3);
}

/* base[s]: the block-bin's nominal plus its histosys shifts. */
static HFCORE_CLONE_INLINE double histosys_base(const hf_model *m, const double *hw,
                                           size_t s)
{
    int k = m->hs_sstart[s], end = m->hs_sstart[s + 1];
#if defined(__GNUC__)
    /* lanes 0 and 2 accumulate as a0 and a1 below; q swaps each entry's
     * two products so that p + q holds their sums */
    hfmodel_v4 acc = {m->nominal[s], 0, 0, 0};
    /* unrolled (here and in histosys_sums): fewer loop instructions,
     * the same additions in the same order */
#pragma GCC unroll 2
    for (; k + 1 < end; k += 2) {
        /* each parameter's two weights as one 16-byte load, indexed
         * unsigned (no sign extension): two loads and two instructions
         * of address arithmetic fewer an entry than w0[0], w0[1]
         * (histosys_base was a third of forward()'s instructions) */
        hfmodel_v2 w0, w1;
        memcpy(&w0, hw + 4 * (size_t)(unsigned)m->hs_spar[k], sizeof w0);
        memcpy(&w1, hw + 4 * (size_t)(unsigned)m->hs_spar[k + 1], sizeof w1);
        hfmodel_v4 wv = HFMODEL_JOIN(w0, w1), cv, p, q;
        memcpy(&cv, m->hs_scoef + 2 * (size_t)k, sizeof cv);
        p = wv * cv;
        q = (hfmodel_v4){p[1], p[0], p[3], p[2]};
        acc += p + q;
    }
    double a0 = acc[0], a1 = acc[2];
#else
    double a0 = m->nominal[s], a1 = 0;
    for (; k + 1 < end; k += 2) {
        const double *w0 = hw + 4 * m->hs_spar[k], *w1 = hw + 4 * m->hs_spar[k + 1];
        const double *c = m->hs_scoef + 2 * (size_t)k;
        a0 += w0[0] * c[0] + w0[1] * c[1];
        a1 += w1[0] * c[2] + w1[1] * c[3];
    }
#endif
    if (k < end) {
        const double *w0 = hw + 4 * m->hs_spar[k], *c = m->hs_scoef + 2 * (size_t)k;
        a0 += w0[0] * c[0] + w0[1] * c[1];
    }
    return a0 + a1;
}

/* Histosys group g (one parameter): sum of u*S into *us and of u*A into
 * *ua over its entries. */
static HFCORE_CLONE_INLINE void histosys_sums(const hf_model *m, const double *u,
                                         int g, double *us, double *ua)
{
    int k = m->hs_gstart[g], end = m->hs_gstart[g + 1];
#if defined(__GNUC__)
    /* lanes: us, ua (even entries), us1, ua1 (odd entries) */
    hfmodel_v4 acc = {0, 0, 0, 0};
#pragma GCC unroll 2
    for (; k + 1 < end; k += 2) {
        double u0 = u[m->hs_gslot[k]], u1 = u[m->hs_gslot[k + 1]];
        hfmodel_v4 uv = {u0, u0, u1, u1}, cv;
        memcpy(&cv, m->hs_gcoef + 2 * (size_t)k, sizeof cv);
        acc += uv * cv;
    }
    double s0 = acc[0], a0 = acc[1], s1 = acc[2], a1 = acc[3];
#else
    double s0 = 0, a0 = 0, s1 = 0, a1 = 0;
    for (; k + 1 < end; k += 2) {
        double u0 = u[m->hs_gslot[k]], u1 = u[m->hs_gslot[k + 1]];
        const double *c = m->hs_gcoef + 2 * (size_t)k;
        s0 += u0 * c[0];
        a0 += u0 * c[1];
        s1 += u1 * c[2];
        a1 += u1 * c[3];
    }
#endif
    if (k < end) {
        double u0 = u[m->hs_gslot[k]];
        s0 += u0 * m->hs_gcoef[2 * (size_t)k];
        a0 += u0 * m->hs_gcoef[2 * (size_t)k + 1];
    }
    *us = s0 + s1;
    *ua = a0 + a1;
}

/* Kept whole: the hot path, whose loops share the scratch pointers set up
 * at its top; splitting it is a speed change to measure, not a refactor.
 * Forward pass: fills lam[nmain] and the per-block scratch. With need_deriv
 * the scalar-factor and histosys derivatives are kept too. */
HFCORE_AVX2_CLONE static void forward(const hf_model *m, const double *pars,
                                       double *work, int need_deriv)
{
    double *lam = work;
    double *sfval = work + m->work_sf;
    double *sfder = sfval + m->nsfac;
    memset(lam, 0, sizeof(double) * m->nmain);

    /* Per parameter, once: the histosys weights, so each of the thousands
     * of histosys entries costs two multiply-adds. */
    double *hw = work + m->work_par;
    for (int g = 0; g < m->nhs_pars; g++) {
        /* only the parameters with histosys entries: no other reads them */
        int p = m->hs_gpar[g];
        hf_interp_histosys_weights(m->histosys_code, pars[p], hw + 4 * p, hw + 4 * p + 2);
    }

    /* Every scalar factor as its polynomial (exact for normfactor, lumi and
     * code4 inside |alpha| < 1, the common case) in one vectorized loop;
     * then the few the polynomial does not cover, one at a time.  Each
     * factor's parameter is gathered inside the loop (AVX2: vgatherdpd)
     * rather than copied first into a scratch array by a scalar loop GCC
     * does not vectorise: that copy was 7% of a 1Lbb hypotest's
     * instructions.  The values, hence the results, are the same. */
    const int n = m->nsfac;
    const int *sp = m->sf_par;
    const double *cc = m->sf_poly, *c0 = cc + n, *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n,
                 *c4 = c3 + n, *c5 = c4 + n, *d1 = c5 + n, *d2 = d1 + n, *d3 = d2 + n,
                 *d4 = d3 + n;
#pragma omp simd
    for (int k = 0; k < n; k++) {
        double x = pars[sp[k]];
        sfval[k] = cc[k] + x * (c0[k] + x * (c1[k] + x * (c2[k] + x * (c3[k] + x * (c4[k] + x * c5[k])))));
        sfder[k] = c0[k] + x * (d1[k] + x * (d2[k] + x * (d3[k] + x * (d4[k] + x * 6 * c5[k]))));
    }
    if (m->nsf_code4)
        for (int p = 0; p < m->npars; p++) {
            if (pars[p] > -1 && pars[p] < 1)
                continue;
            for (int i = m->sf_code4_start[p]; i < m->sf_code4_start[p + 1]; i++) {
                int k = m->sf_code4[i];
                sfval[k] = hf_interp_normsys(&m->sfac[k], pars[sp[k]], &sfder[k]);
            }
        }
    for (int i = 0; i < m->nsf_other; i++) {
        int k = m->sf_other[i];
        sfval[k] = hf_interp_normsys(&m->sfac[k], pars[sp[k]], &sfder[k]);
    }

    double *base = work + m->work_bb;
    double *binfac = base + m->nbb;
    double *fblk = binfac + 2 * m->nbb;
    for (size_t s = 0; s < m->nbb; s++)
        base[s] = histosys_base(m, hw, s);

    for (int bi = 0; bi < m->nblocks; bi++) {
        const hf_block *B = &m->blocks[bi];
        const int nb = B->nb;
        double *bs = base + B->nom, *bf = binfac + B->nom;

        double F = product(sfval + B->sf0, B->nsf);
        fblk[bi] = F;

        for (int b = 0; b < nb; b++)
            bf[b] = 1.0;
        const int *bp = m->bf_par + B->bfpar;
        for (int j = 0; j < B->nbf; j++)
            for (int b = 0; b < nb; b++)
                bf[b] *= pars[bp[j * nb + b]];

        double *l = lam + B->bin0;
        for (int b = 0; b < nb; b++)
            l[b] += F * bf[b] * bs[b];
    }
}

void hfmodel_forward(const hf_model *m, const double *pars, double *work)
{
    forward(m, pars, work, 1);
}

void hf_model_expected(const hf_model *m, const double *pars, double *out,
                       double *work)
{
    /* no status to return: a NULL argument leaves out untouched */
    if (!m || !pars || !out || !work)
        return;
    forward(m, pars, work, 0);
    memcpy(out, work, sizeof(double) * m->nmain);
}

int hfmodel_yield_negative(const hf_model *m, const double *work)
{
    for (int i = 0; i < m->nmain; i++)
        if (work[i] < 0)
            return 1;
    return 0;
}

void hf_model_expected_data(const hf_model *m, const double *pars,
                            double *out, double *work)
{
    if (!m || !pars || !out || !work)
        return;
    hf_model_expected(m, pars, out, work);
    for (int i = 0; i < m->naux; i++) {
        double x = pars[m->aux_par[i]];
        out[m->nmain + i] = m->factors[i] > 0 ? x * m->factors[i] : x;
    }
}

/* Constraint term i's -dlogL/dx at x (Poisson with rate x tau, else
 * Gaussian), one expression for constraints() and constraints_gradient(). */
static inline double constraint_grad(const hf_model *m, int i, double x,
                                     double aux)
{
    double tau = m->factors[i];
    if (tau > 0)
        return tau - (aux == 0 ? 0 : aux / x);
    double sg = m->sigmas[i];
    return (x - aux) / (sg * sg);
}

/* Constraint part of the log-likelihood; adds -dlogL/dpar to grad. */
static double constraints(const hf_model *m, const double *pars,
                          const double *aux, double *grad)
{
    double s = 0;
    for (int i = 0; i < m->naux; i++) {
        int p = m->aux_par[i];
        double x = pars[p];
        if (m->factors[i] > 0) {
            /* aux - x tau with a single rounding (fma): rounding the rate
             * x tau first would cost |aux - rate| * 1e-16 in the deviance,
             * 3e-9 at one width from the centre when tau = 1e15 (the
             * total is then ~1e2: 3e-11 relative, not the 1e-12 the 50-digit
             * references of tests/test_logpdf.c ask for). */
            double tau = m->factors[i], rate = x * tau;
            s += poisson_logpdf_d(aux[i], rate, fma(-x, tau, aux[i]));
        } else {
            /* log(1) is 0 exactly: the unit widths of normsys and
             * histosys, most of the constraints, need no log call (half
             * of the constraint term's time on 1Lbb) */
            double sg = m->sigmas[i], z = (aux[i] - x) / sg;
            s += -0.5 * z * z - (sg == 1 ? 0 : log(sg)) - LOG_SQRT_2PI;
        }
        if (grad)
            grad[p] += constraint_grad(m, i, x, aux[i]);
    }
    return s;
}

double hf_model_logpdf(const hf_model *m, const double *pars,
                       const double *data, double *work)
{
    return -hf_model_nll(m, pars, data, NULL, work);
}

static void backward(const hf_model *m, const double *pars, double *work,
                     double *grad);

/* The main bins' part of the gradient into grad (overwritten), after
 * forward() on work: each bin's dNLL/dlam, then backward() over them.
 * The constraints' terms are the caller's, added after. */
static void main_gradient(const hf_model *m, const double *pars,
                          const double *data, double *grad, double *work)
{
    const double *lam = work;
    double *w = work + m->nmain;
    for (int i = 0; i < m->nmain; i++)
        w[i] = 1.0 - (data[i] == 0 ? 0 : data[i] / lam[i]);
    backward(m, pars, work, grad);
}

/* The likelihood from the arrays forward() left in the scratch, and its
 * gradient by backward() over them. */
double hf_model_nll(const hf_model *m, const double *pars, const double *data,
                    double *grad, double *work)
{
    if (!m || !pars || !data || !work)
        return NAN; /* a NULL argument: no likelihood */
    forward(m, pars, work, grad != NULL);
    const double *lam = work;
    double logl = 0;
    for (int i = 0; i < m->nmain; i++)
        logl += poisson_logpdf(data[i], lam[i]);

    if (!grad)
        return -(logl + constraints(m, pars, data + m->nmain, NULL));

    main_gradient(m, pars, data, grad, work);
    return -(logl + constraints(m, pars, data + m->nmain, grad));
}

void hfmodel_nll_gradient(const hf_model *m, const double *pars,
                          const double *data, double *grad, double *work)
{
    /* hf_model_nll's gradient steps, in its order: the main bins' part,
     * the constraints' terms added after */
    const double *aux = data + m->nmain;
    main_gradient(m, pars, data, grad, work);
    for (int i = 0; i < m->naux; i++) {
        int p = m->aux_par[i];
        grad[p] += constraint_grad(m, i, pars[p], aux[i]);
    }
}

/* s plus t[gk[i]] for i in [i, end), added in that order. */
static HFCORE_CLONE_INLINE double gather_run(const double *t, const int *gk, int i,
                                        int end, double s)
{
    for (; i < end; i++)
        s += t[gk[i]];
    return s;
}

/* Adds to grad[p], for each parameter p of the scalar factors, the sum
 * of their terms t[k] in increasing k (m->sf_gk): the blocks' order, in
 * which a scatter (grad[sf_par[k]] += t[k] block by block) added them,
 * so the same double where p has no other term before the histosys'
 * (validation lets no parameter be a scalar and a per-bin factor).  The
 * sums stay in registers, where the scatter loaded, added and stored
 * grad[p] for every factor (a 1Lbb hypotest 1.7% fewer instructions).
 * Four parameters at a time, their sums interleaved over the terms all
 * four have: a sum is a chain of dependent additions, and four chains
 * keep the adder busy where one would wait on each addition. */
static HFCORE_CLONE_INLINE void gather_scalars(const hf_model *m, const double *t,
                                          double *grad)
{
    const int *gk = m->sf_gk, *st = m->sf_gstart, *par = m->sf_gpar;
    int g = 0;
    for (; g + 4 <= m->nsf_pars; g += 4) {
        const int *k0 = gk + st[g], *k1 = gk + st[g + 1], *k2 = gk + st[g + 2],
                  *k3 = gk + st[g + 3];
        int n = st[g + 1] - st[g];
        for (int j = 1; j < 4; j++)
            if (st[g + j + 1] - st[g + j] < n)
                n = st[g + j + 1] - st[g + j];
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < n; i++) {
            s0 += t[k0[i]];
            s1 += t[k1[i]];
            s2 += t[k2[i]];
            s3 += t[k3[i]];
        }
        grad[par[g]] += gather_run(t, gk, st[g] + n, st[g + 1], s0);
        grad[par[g + 1]] += gather_run(t, gk, st[g + 1] + n, st[g + 2], s1);
        grad[par[g + 2]] += gather_run(t, gk, st[g + 2] + n, st[g + 3], s2);
        grad[par[g + 3]] += gather_run(t, gk, st[g + 3] + n, st[g + 4], s3);
    }
    for (; g < m->nsf_pars; g++)
        grad[par[g]] += gather_run(t, gk, st[g], st[g + 1], 0);
}

/* Kept whole, as forward(): the hot path, whose loops share the scratch
 * pointers set up at its top.
 * Backward pass: grad (npars, overwritten) = sum_i w_i dlam_i/dpars for
 * the weights w[nmain] at work + nmain, after a forward pass with
 * derivatives on the same work. */
HFCORE_AVX2_CLONE static void backward(const hf_model *m, const double *pars,
                                        double *work, double *grad)
{
    memset(grad, 0, sizeof(double) * m->npars);
    const double *w = work + m->nmain;
    const double *sfval = work + m->work_sf;
    const double *sfder = sfval + m->nsfac;
    double *sfsuf = work + m->work_sf + 2 * (size_t)m->nsfac;
    const double *base = work + m->work_bb;
    const double *binfac = base + m->nbb;
    double *u = (double *)binfac + m->nbb; /* dNLL/d(base) per block-bin */
    const double *fblk = u + m->nbb;       /* each block's scalar factor */
    /* f'/f for every scalar factor, in one loop the compiler vectorizes
     * (divisions are slow one at a time); a block with a zero factor
     * overwrites its part with suffix products instead */
#pragma omp simd
    for (int k = 0; k < m->nsfac; k++)
        sfsuf[k] = sfder[k] / sfval[k];
    for (int bi = 0; bi < m->nblocks; bi++) {
        const hf_block *B = &m->blocks[bi];
        const int nb = B->nb;
        const double *bs = base + B->nom, *bf = binfac + B->nom;
        const double *wb = w + B->bin0;

        double F = fblk[bi];
        for (int b = 0; b < nb; b++)
            u[B->nom + b] = wb[b] * F * bf[b];

        /* scalar factors: dlam_b/df_k = (prod of the other factors) *
         * binfac_b * base_b, with the product taken without dividing */
        if (B->nsf) {
            double T = 0;
            for (int b = 0; b < nb; b++)
                T += wb[b] * bf[b] * bs[b];
            const double *v = sfval + B->sf0, *d = sfder + B->sf0;
            /* each factor's term into sfsuf in place (dlam/df_k times
             * w), for gather_scalars to add up by parameter below */
            double *r = sfsuf + B->sf0;
            if (F != 0 && isfinite(F)) {
                /* no factor is zero: F / v_k is the product of the others,
                 * and the divisions do not wait on each other */
                double TF = T * F;
#pragma omp simd
                for (int k = 0; k < B->nsf; k++)
                    r[k] = TF * r[k];
            } else {
                /* a factor is zero (mu = 0): prefix and suffix products */
                double *right = r;
                right[B->nsf - 1] = 1.0;
                for (int k = B->nsf - 1; k > 0; k--)
                    right[k - 1] = right[k] * v[k];
                double left = 1.0;
                for (int k = 0; k < B->nsf; k++) {
                    r[k] = T * left * right[k] * d[k]; /* right[k]'s last use */
                    left *= v[k];
                }
            }
        }

        const int *bp = m->bf_par + B->bfpar;
        for (int j = 0; j < B->nbf; j++) {
            for (int b = 0; b < nb; b++) {
                double others = 1.0;
                for (int i = 0; i < B->nbf; i++)
                    if (i != j)
                        others *= pars[bp[i * nb + b]];
                grad[bp[j * nb + b]] += wb[b] * F * others * bs[b];
            }
        }
    }
    gather_scalars(m, sfsuf, grad);
    /* d base / d alpha = dw0 * S + dw1 * A per entry: sum u*S and u*A per
     * parameter, then apply the parameter's two weight derivatives */
    const double *hw = work + m->work_par;
    for (int g = 0; g < m->nhs_pars; g++) {
        double us, ua;
        histosys_sums(m, u, g, &us, &ua);
        int p = m->hs_gpar[g];
        grad[p] += hw[4 * p + 2] * us + hw[4 * p + 3] * ua;
    }
}

/* backward()'s term r[k] of scalar factor k (block bi's) after forward()
 * and the weights w on work: the same operations in the same order. */
static double scalar_term(const hf_model *m, const double *work, int bi, int k)
{
    const hf_block *B = &m->blocks[bi];
    const double *wb = work + m->nmain + B->bin0;
    const double *sfval = work + m->work_sf, *sfder = sfval + m->nsfac;
    const double *base = work + m->work_bb, *binfac = base + m->nbb;
    const double *bs = base + B->nom, *bf = binfac + B->nom;
    double F = binfac[2 * m->nbb + bi], T = 0; /* fblk[bi] */
    for (int b = 0; b < B->nb; b++)
        T += wb[b] * bf[b] * bs[b];
    if (F != 0 && isfinite(F))
        return (T * F) * (sfder[k] / sfval[k]);
    /* a factor is zero: backward()'s prefix and suffix products */
    const double *v = sfval + B->sf0;
    double left = 1.0, right = 1.0;
    for (int i = B->nsf - 1; i > k - B->sf0; i--)
        right = right * v[i];
    for (int i = 0; i < k - B->sf0; i++)
        left *= v[i];
    return T * left * right * sfder[k];
}

/* backward()'s grad[p] alone, p no per-bin factor's parameter: its
 * scalar factors' terms summed in increasing k (gather_scalars), then
 * its histosys entries' (u filled for every block-bin, a pass of nbb). */
static double one_component(const hf_model *m, const double *work, int p)
{
    double g = 0;
    for (int gs = 0; gs < m->nsf_pars; gs++) {
        if (m->sf_gpar[gs] != p)
            continue;
        int bi = 0;
        for (int i = m->sf_gstart[gs]; i < m->sf_gstart[gs + 1]; i++) {
            int k = m->sf_gk[i]; /* increasing: the blocks in order */
            while (k >= m->blocks[bi].sf0 + m->blocks[bi].nsf)
                bi++;
            g += scalar_term(m, work, bi, k);
        }
        g = 0 + g; /* grad[p] += the sum, grad[p] being 0 */
    }
    for (int gh = 0; gh < m->nhs_pars; gh++) {
        if (m->hs_gpar[gh] != p)
            continue;
        const double *base = work + m->work_bb, *binfac = base + m->nbb;
        double *u = (double *)binfac + m->nbb;
        const double *fblk = u + m->nbb, *w = work + m->nmain;
        for (int bi = 0; bi < m->nblocks; bi++) {
            const hf_block *B = &m->blocks[bi];
            for (int b = 0; b < B->nb; b++)
                u[B->nom + b] = w[B->bin0 + b] * fblk[bi] * binfac[B->nom + b];
        }
        double us, ua;
        const double *hw = work + m->work_par;
        histosys_sums(m, u, gh, &us, &ua);
        g += hw[4 * p + 2] * us + hw[4 * p + 3] * ua;
    }
    return g;
}

/* Whether p is the parameter of a per-bin factor (staterror, shapesys,
 * shapefactor): backward() adds those terms first, block by block. */
static int per_bin_par(const hf_model *m, int p)
{
    for (int bi = 0; bi < m->nblocks; bi++) {
        const hf_block *B = &m->blocks[bi];
        const int *bp = m->bf_par + B->bfpar;
        for (int j = 0; j < B->nbf * B->nb; j++)
            if (bp[j] == p)
                return 1;
    }
    return 0;
}

double hfmodel_nll_one(const hf_model *m, const double *pars,
                       const double *data, int p, double *gp, double *work)
{
    *gp = NAN;
    if (per_bin_par(m, p))
        return NAN;
    forward(m, pars, work, 1);
    const double *lam = work;
    double logl = 0, *w = work + m->nmain;
    for (int i = 0; i < m->nmain; i++)
        logl += poisson_logpdf(data[i], lam[i]);
    for (int i = 0; i < m->nmain; i++) /* main_gradient's weights */
        w[i] = 1.0 - (data[i] == 0 ? 0 : data[i] / lam[i]);
    double g = one_component(m, work, p);
    const double *aux = data + m->nmain;
    for (int i = 0; i < m->naux; i++) /* constraints()'s order */
        if (m->aux_par[i] == p)
            g += constraint_grad(m, i, pars[p], aux[i]);
    *gp = g;
    return -(logl + constraints(m, pars, aux, NULL));
}

void hfmodel_yield_gradient(const hf_model *m, const double *pars, int bin,
                            double *grad, double *work)
{
    forward(m, pars, work, 1);
    double *w = work + m->nmain;
    memset(w, 0, sizeof(double) * m->nmain);
    w[bin] = 1.0;
    backward(m, pars, work, grad);
}
