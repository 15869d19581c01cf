/*
 * warm.c - fits that start with a metric: the fits of one hypothesis test
 * (free, fixed-POI, background-only, the Asimov pair) share a model and
 * nearly its curvature, so the inverse Hessian that the first (free) fit's
 * BFGS builds is a good first metric for the others.  With it, fit/'s dense
 * BFGS (bfgs.c) reaches hf_fit's convergence criterion in a few steps: its
 * first step from the free minimum is the Newton step to the conditional
 * minimum, theta_hat + C_tmu / C_mumu (mu - mu_hat) with C the inverse
 * Hessian.  A dense BFGS step also costs less than one of NLopt's L-BFGS
 * with a memory as long as the problem (O(n^2) vectorised against O(m n)
 * with m = n, a third of staus' hypotest time).  What the BFGS cannot
 * settle, hffit_warm hands to hffit_ex's L-BFGS from its best point; the
 * checks after convergence (other wells and sides of kinked parameters,
 * the curvature probe) are hffit_ex's, unchanged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"

/* The BFGS stops where the metric predicts the NLL within NEWTON_TOL *
 * tol * max(1, |NLL|) of its minimum, on top of hf_fit's gradient test.
 * The parameters, not only the NLL, must be settled: the Asimov data are
 * made from the background-only fit's, and q_A moves to first order with
 * them (at 0.01 * tol CLs still moved by 1e-6 on 3LRJ and sbottom against
 * a fit to 1e-13; at 1e-4 * tol they agree to 1e-7, for 2-5 evaluations
 * more a hypotest). */
#ifndef NEWTON_TOL
#define NEWTON_TOL 1e-4
#endif

int hffit_metric_alloc(hffit_metric *mt, const hf_model *m)
{
    int npars = hf_model_npars(m), n = 0;
    const unsigned char *fixed = hf_model_fixed(m);
    memset(mt, 0, sizeof *mt);
    for (int i = 0; i < npars; i++)
        n += !fixed[i];
    mt->n = n;
    mt->poi_var = -1;
    for (int i = 0, k = 0; i < npars; i++)
        if (!fixed[i]) {
            if (i == hf_model_poi(m))
                mt->poi_var = k;
            k++;
        }
    size_t nn = (size_t)(n ? n : 1) * (n ? n : 1);
    mt->Hinv = malloc(nn * sizeof *mt->Hinv);
    if (!mt->Hinv || hffit_bfgs_work_alloc(&mt->bw, m, n) != HF_OK) {
        hffit_metric_free(mt);
        return HF_ERR_NOMEM;
    }
    /* ROOT's kinked codes have fits of their own (mle.c's sides and two
     * starts), which a BFGS across the kinks would bypass */
    unsigned char *flag = malloc(npars ? npars : 1);
    if (!flag) {
        hffit_metric_free(mt);
        return HF_ERR_NOMEM;
    }
    mt->kinked = hfmodel_kinked(m, flag) > 0;
    free(flag);
    return HF_OK;
}

void hffit_metric_free(hffit_metric *mt)
{
    if (!mt)
        return;
    free(mt->Hinv);
    free(mt->fix_own);
    hffit_bfgs_work_free(&mt->bw);
    hffit_scratch_free(&mt->check);
    memset(mt, 0, sizeof *mt);
}

/* out = a - c b (n): drop_variable's axpy_minus, to another row (restrict:
 * vectorised; no FMA contraction in the clone, so the same doubles) */
HFCORE_AVX2_CLONE_O3 static void less_row(double *restrict out,
                                          const double *restrict a, double c,
                                          const double *restrict b, int n)
{
    for (int k = 0; k < n; k++)
        out[k] = a[k] - c * b[k];
}

/* Hi (N x N) conditioned on variable p, without p's row and column, into
 * H ((N-1) x (N-1)), in one pass: each entry the one
 * hffit_bfgs_drop_variable(p) leaves in a copy of Hi (the same
 * difference, h - (h_ap / h_pp) h_pb, skipped where h_ap / h_pp is 0),
 * then squeezed out -- without that copy and the squeeze's pass. */
static void condition(const double *Hi, int N, int p, double *H)
{
    int n = N - 1;
    const double *hp = Hi + (size_t)p * N;
    double hpp = hp[p];
    if (!(hpp > 0))
        hpp = 1e-300;
    for (int a = 0, r = 0; a < N; a++) {
        if (a == p)
            continue;
        const double *ha = Hi + (size_t)a * N;
        double *out = H + (size_t)r++ * n, hap = ha[p] / hpp;
        if (hap == 0) {
            memcpy(out, ha, p * sizeof *out);
            memcpy(out + p, ha + p + 1, (N - p - 1) * sizeof *out);
            continue;
        }
        less_row(out, ha, hap, hp, p);
        less_row(out + p, ha + p + 1, hap, hp + p + 1, N - p - 1);
    }
}

void hffit_metric_condition(const hffit_metric *mt, double *H)
{
    condition(mt->Hinv, mt->n, mt->poi_var, H);
}

/* The diagonal of mt's kept metric conditioned on the POI, without its
 * row and column, into H's diagonal (n - 1 variables, H zeroed): the
 * entries of hffit_metric_condition's H, each C_aa - C_ap / C_pp * C_pa.
 * 0 (H unchanged) where there is no POI row or an entry is not positive.
 * Why the diagonal alone: it gives each variable's step its own scale
 * (the identity takes every width as one) without the correlations that,
 * beyond WARM_QMAX, lead a data fit into another well.  On the 1Lbb
 * grid's 59 data fits with a predicted q in (9, 100] the whole
 * conditioned metric ended C1N2_Wh_hbb_300_75 and 450_50 0.73 and 0.14
 * higher than the identity (350_0 and 375_50 0.08 and 0.29 lower), half
 * of it the last two lower; this diagonal left every shared grid's fit
 * where the identity's ended (within 3.2e-12 in twice_nll).  The path
 * still decides there: at half and twice this diagonal 225_0 and 300_50
 * ended 0.088 and 0.046 higher. */
static int conditioned_diagonal(const hffit_metric *mt, double *H)
{
    int N = mt->n, p = mt->poi_var, n = N - 1;
    const double *C = mt->Hinv;
    if (!mt->have || mt->poi_held || p < 0 || !(C[(size_t)p * N + p] > 0))
        return 0;
    double cpp = C[(size_t)p * N + p];
    for (int a = 0, r = 0; a < N; a++) {
        if (a == p)
            continue;
        double v = C[(size_t)a * N + a] - C[(size_t)a * N + p] / cpp *
                                              C[(size_t)p * N + a];
        if (!(v > 0))
            return 0;
        H[(size_t)r * n + r] = v;
        r++;
    }
    return 1;
}

/* Hfix and bw.H trade blocks (no copy): the kept fixed-POI metric
 * becomes the BFGS's first, or the BFGS's last becomes the kept one. */
static void trade_fixed(hffit_metric *mt)
{
    double *H = mt->bw.H;
    mt->bw.H = mt->Hfix;
    mt->Hfix = H;
}

/* Hfix's block (N x N, as bw.H's), malloc'd the first time; 0 where out
 * of memory. */
static int fixed_block(hffit_metric *mt)
{
    if (!mt->fix_own)
        mt->Hfix = mt->fix_own =
            malloc((size_t)mt->n * mt->n * sizeof *mt->Hfix);
    return mt->Hfix != NULL;
}

/* The first metric of a fit over n variables, made in place in mt->bw.H
 * (hffit_bfgs_newton then starts from it without a copy): the kept one
 * (conditioned on the POI without its row and column when the POI is
 * fixed), else (or asked for) the identity, or where mt->diagonal asks
 * the conditioned kept metric's diagonal. */
static void first_metric(hffit_metric *mt, int n, int fix_poi, int identity)
{
    int N = mt->n, p = mt->poi_var;
    if (mt->use_fixed && mt->fixed_kept && fix_poi && n == N - 1) {
        trade_fixed(mt);
        mt->fixed_kept = 0;
        return;
    }
    double *H0 = mt->bw.H;
    if (!identity && mt->have && n == N) {
        memcpy(H0, mt->Hinv, (size_t)N * N * sizeof *H0);
        return;
    }
    if (!identity && mt->have && fix_poi && p >= 0 && n == N - 1) {
        hffit_metric_condition(mt, H0);
        return;
    }
    memset(H0, 0, (size_t)n * n * sizeof *H0);
    if (identity && mt->diagonal && fix_poi && n == N - 1 &&
        conditioned_diagonal(mt, H0))
        return;
    for (int k = 0; k < n; k++)
        H0[(size_t)k * n + k] = 1;
}

/* The BFGS's final inverse metric kept for the fits that follow (only a
 * free fit's, over every non-fixed parameter); a variable it held on a
 * bound has no row there and gets a unit one. */
static void keep_metric(hffit_metric *mt)
{
    int n = mt->n;
    memcpy(mt->Hinv, mt->bw.H, (size_t)n * n * sizeof *mt->Hinv);
    for (int k = 0; k < n; k++)
        if (mt->bw.held[k])
            mt->Hinv[(size_t)k * n + k] = 1;
    mt->have = 1;
    mt->poi_held = mt->poi_var >= 0 && mt->bw.held[mt->poi_var];
}

/* A fixed-POI fit gets the metric only where the kept metric predicts a
 * small step: q = (mu - start)^2 / C_mumu <= WARM_QMAX.  A larger jump of
 * the POI leaves the region where the free fit's curvature describes the
 * NLL, and there the minimum reached may depend on the path: likelihoods
 * with nearly symmetric systematics, or a normsys degenerate with a free
 * normfactor, have several.  Those fits keep hffit_ex's own path.  From
 * the metric, the shared 1Lbb grid's C1N2_Wh_hbb_300_0 and _375_50 (q_A 29
 * and 21) reach other minima than hffit_ex's (one higher, one lower).  At
 * 9 every shared grid's CLs stays within 1e-6 of hffit_ex's path (the
 * largest change 5e-8) and staus' Asimov fixed-POI fit (predicted q 4.7)
 * takes 14 evaluations instead of 50; tests/parity/mixed.json's
 * background-only fit (3.7) reaches a minimum 0.23 lower in twice_nll
 * than pyhf's and hffit_ex's, which test_parity checks against pyhf's
 * fits. */
#ifndef WARM_QMAX
#define WARM_QMAX 9
#endif

/* The POI's step from start[poi] to poi_value in width units (*d) and
 * its variance in mt's metric (*c): 0 where mt has no row for it (no free
 * fit's metric, or one whose BFGS held the POI on its bound: no curvature
 * in Hinv).  hffit_metric_usable and hffit_metric_jump each compare them
 * their own way. */
static int poi_step(const hffit_metric *mt, const double *start,
                    double poi_value, const double *width, int poi,
                    double *d, double *c)
{
    int p = mt->poi_var, N = mt->n;
    if (!mt->have || mt->poi_held || p < 0 || poi < 0)
        return 0;
    *d = (poi_value - start[poi]) / width[poi];
    *c = mt->Hinv[(size_t)p * N + p];
    return 1;
}

int hffit_metric_usable(const hffit_metric *mt, const double *start,
                        int fix_poi, double poi_value, const double *width,
                        int poi)
{
    if (mt->kinked)
        return 0;
    if (!fix_poi)
        return 1;
    double d, c;
    return poi_step(mt, start, poi_value, width, poi, &d, &c) && c > 0 &&
           d * d <= WARM_QMAX * c;
}

double hffit_metric_jump(const hffit_metric *mt, const double *start,
                         double poi_value, const double *width, int poi)
{
    double d, c;
    return poi_step(mt, start, poi_value, width, poi, &d, &c) && c > 0
               ? d * d / c
               : NAN;
}

int hffit_metric_keep_fixed(hffit_metric *mt, int keep)
{
    size_t N = (size_t)mt->n, n = N - 1;
    mt->fixed_kept = 0;
    if (!keep || !mt->fixed_final || !fixed_block(mt))
        return 0;
    trade_fixed(mt);
    double *H = mt->Hfix;
    for (size_t k = 0; k < n; k++)
        if (mt->bw.held[k])
            H[k * n + k] = 1;
    mt->fixed_final = 0;
    mt->fixed_kept = 1;
    return 1;
}

/* row -= f u (n): vectorised (restrict; cloned for AVX2, no FMA
 * contraction).  The 1Lbb grid's updates below (13 a patch) took 232M
 * instructions as a scalar loop over the whole matrix, 27M so on the
 * upper triangle. */
HFCORE_AVX2_CLONE_O3 static void less_outer(double *restrict row, double f,
                                            const double *restrict u, int n)
{
    for (int l = 0; l < n; l++)
        row[l] -= f * u[l];
}

/* The inverse H (n x n) of a Hessian made that of the Hessian plus
 * curv[a] on each diagonal entry a, by Sherman-Morrison (one O(n^2)
 * update each: H -= c / (1 + c h_aa) h_a h_a'), on the upper triangle,
 * then mirrored (u, n doubles, scratch).  An update that would leave H
 * indefinite or near it (1 + c h_aa <= 1e-3) is skipped. */
static void add_curvature(double *H, int n, const double *curv, double *u)
{
    for (int a = 0; a < n; a++) {
        double c = curv[a], d = 1 + c * H[(size_t)a * n + a];
        if (c == 0 || !(d > 1e-3))
            continue;
        for (int k = 0; k < n; k++) /* h_a from the upper triangle */
            u[k] = k <= a ? H[(size_t)k * n + a] : H[(size_t)a * n + k];
        for (int k = 0; k < n; k++)
            less_outer(H + (size_t)k * n + k, c / d * u[k], u + k, n - k);
    }
    for (int a = 1; a < n; a++)
        for (int k = 0; k < a; k++)
            H[(size_t)a * n + k] = H[(size_t)k * n + a];
}

int hffit_metric_seed_fixed(hffit_metric *mt, const double *Hinv,
                            const double *curv)
{
    int N = mt->n, p = mt->poi_var, n = N - 1;
    mt->fixed_kept = 0;
    if (p < 0 || N < 2)
        return 0;
    double *c = malloc(2 * (size_t)n * sizeof *c);
    if (!fixed_block(mt) || !c) {
        free(c);
        return 0;
    }
    condition(Hinv, N, p, mt->Hfix);
    if (curv) { /* curv without the POI's */
        memcpy(c, curv, p * sizeof *c);
        memcpy(c + p, curv + p + 1, (n - p) * sizeof *c);
        add_curvature(mt->Hfix, n, c, c + n);
    }
    free(c);
    mt->fixed_kept = 1;
    return 1;
}

int hffit_metric_descend(hffit_metric *mt, const hf_model *m,
                         const double *data, int n, const int *idx,
                         const double *width, int fix_poi, int identity,
                         double tol, double *x, double *f, long *nevals)
{
    /* a fit from far (the first free fit, from the inits) may need many
     * steps; past these L-BFGS takes over */
    hf_bfgs_problem p = {m, data, n, idx, width, tol, 100 + n, 1};
    double tnll = NAN;
    first_metric(mt, n, fix_poi, identity);

    int rc = hffit_bfgs_newton(&p, NEWTON_TOL * tol, mt->bw.H, x, x, &tnll,
                               nevals, &mt->bw);
    *f = 0.5 * tnll;
    mt->fixed_final = rc == HF_OK && fix_poi && n == mt->n - 1;
    /* only the first free fit's: a later one starts from it, and where
     * that had no row for a held variable it would not have learnt one.
     * A seeded metric (a grid's shared start) served the first free fit
     * only: that fit's own replaces it; where its BFGS failed (L-BFGS
     * took over) the seed stays the fits' first metric. */
    if (rc == HF_OK && !fix_poi && n == mt->n && (!mt->have || mt->seeded) &&
        !mt->frozen)
        keep_metric(mt);
    if (!fix_poi)
        mt->seeded = 0;
    return rc;
}
