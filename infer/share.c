/*
 * share.c - a grid's shared start.  The models of a grid (a patchset's
 * patches on one workspace) share the background and most of their
 * parameters, and at the background-only hypothesis (POI 0) a signal adds
 * nothing to the expected yields: the fit of the workspace alone is close
 * to where every patch's fits end, and its BFGS's inverse metric close to
 * their curvature over the parameters they share.  It is fitted once, before
 * the threads start (batch.c: no patch's result depends on the thread
 * count or the patches' order), and every patch's free fit starts from it
 * (hfinfer_share_start): shared parameters at its values, the POI at 0,
 * parameters of the patch's own at their inits, its metric over the shared
 * block as the first one.  On the shared grids that took the free fits
 * from 47 to 24 evaluations a patch (1Lbb) and from 21 to 11 (3LRJ):
 * bench/RESULTS.md.  The background-only fit starts there too, with that
 * metric corrected for the constraints whose widths the signal changes
 * (asymptotic.c's bkg_only_start, hfinfer_start.curv).  The fit's checks
 * (other wells, sides of kinked parameters, the whole-Hessian check,
 * retry.c's refits from the inits) run as from the inits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"

void hfinfer_share_free(hfinfer_share *s)
{
    if (!s)
        return;
    hfcore_strmap_free(&s->map);
    free(s->names);
    free(s->var);
    free(s->buf);
    free(s->Hinv);
    memset(s, 0, sizeof *s);
}

/* The names of m's parameters, copied (the model is freed before the
 * grid's patches are fitted), and the map from name to index. */
static int share_names(hfinfer_share *s, const hf_model *m)
{
    size_t len = 0;
    for (int i = 0; i < s->npars; i++)
        len += strlen(hf_model_par_name(m, i)) + 1;
    s->names = malloc(len ? len : 1);
    if (!s->names || hfcore_strmap_init(&s->map, (size_t)s->npars) != 0)
        return HF_ERR_NOMEM;
    char *p = s->names;
    for (int i = 0; i < s->npars; i++) {
        size_t l = strlen(hf_model_par_name(m, i)) + 1;
        memcpy(p, hf_model_par_name(m, i), l);
        if (hfcore_strmap_put(&s->map, p, i) != 0)
            return HF_ERR_NOMEM;
        p += l;
    }
    return HF_OK;
}

/* The free fit of the grid's workspace alone: its point, its metric
 * (where its BFGS kept one) and its widths into s.  0 where the fit
 * failed. */
static int share_fit(hfinfer_share *s, const hf_model *m,
                     const hf_fit_options *opt)
{
    hffit_metric mt;
    int np = s->npars, ok = 0;
    double *work = malloc((hf_model_work_size(m) + 1) * sizeof *work);
    if (!work || hffit_metric_alloc(&mt, m) != HF_OK) {
        free(work);
        return 0;
    }
    hffit_widths(m, s->width);
    hf_fit_result r;
    hf_error e;
    if (hffit_warm(m, hf_model_data(m), NULL, 0, 0, opt, s->width, work, &mt,
                   s->pars, &r, &e) == HF_OK) {
        ok = 1;
        s->n = mt.have ? mt.n : 0;
        s->Hinv = mt.have ? malloc((size_t)mt.n * mt.n * sizeof *s->Hinv) : NULL;
        if (s->Hinv)
            memcpy(s->Hinv, mt.Hinv, (size_t)mt.n * mt.n * sizeof *s->Hinv);
        else
            s->n = 0;
        const unsigned char *fixed = hf_model_fixed(m);
        for (int i = 0, k = 0; i < np; i++)
            s->var[i] = fixed[i] ? -1 : k++;
    }
    hffit_metric_free(&mt);
    free(work);
    return ok;
}

int hfinfer_share_init(hfinfer_share *s, const hf_model *m,
                       const hf_fit_options *opt)
{
    memset(s, 0, sizeof *s);
    s->npars = hf_model_npars(m);
    size_t np = s->npars ? (size_t)s->npars : 1;
    s->buf = malloc(2 * np * sizeof *s->buf);
    s->var = malloc(np * sizeof *s->var);
    if (!s->buf || !s->var || share_names(s, m) != HF_OK) {
        hfinfer_share_free(s);
        return HF_ERR_NOMEM;
    }
    s->pars = s->buf;
    s->width = s->pars + np;
    s->have = share_fit(s, m, opt);
    return HF_OK;
}

/* Per variable (non-fixed parameter) a of m: s's variable of the same
 * name (-1: none) into sv[a], and the ratio of the two widths into
 * ratio[a] (the metric's units: y_m = y_s w_s / w_m).  The start's
 * values into pars: the POI at 0 (the background-only value, at which s's
 * fit describes m: a signal adds nothing there), s's where m's bounds
 * hold them, else m's inits. */
static void share_match(const hfinfer_share *s, const hf_model *m,
                        const double *width, double *pars, int *sv,
                        double *ratio)
{
    int np = hf_model_npars(m), poi = hf_model_poi(m);
    const double *inits = hf_model_inits(m), *lo = hf_model_lower(m),
                 *hi = hf_model_upper(m);
    const unsigned char *fixed = hf_model_fixed(m);
    for (int i = 0, a = 0; i < np; i++) {
        int k = hfcore_strmap_get(&s->map, hf_model_par_name(m, i));
        double v = i == poi ? 0.0 : k >= 0 ? s->pars[k] : inits[i];
        pars[i] = !fixed[i] && v >= lo[i] && v <= hi[i] ? v : inits[i];
        if (fixed[i])
            continue;
        sv[a] = k >= 0 ? s->var[k] : -1;
        ratio[a] = sv[a] >= 0 ? s->width[k] / width[i] : 1;
        a++;
    }
}

/* H (n x n) = s's inverse metric in m's variables sv (-1: none in s),
 * scaled by ratio, with a unit row and column where s has no such
 * variable.  By runs of consecutive variables of s (len[c]: the run's
 * length where one starts at c), each in a loop that vectorises, the
 * same products in the same order as entry by entry: through sv one at a
 * time the rows took 28M of the 1Lbb grid's 4.54G instructions (1Lbb's
 * rows are ~11 runs of ~10 variables: the loop over them is in the
 * clone, as hf/hessian.c's block_rows). */
HFCORE_AVX2_CLONE_O3 static void share_rows(const hfinfer_share *s,
                                            const int *sv, int *len,
                                            const double *ratio, int n,
                                            double *H)
{
    for (int c = n - 1; c >= 0; c--)
        len[c] = sv[c] < 0 ? 0
                 : c + 1 < n && sv[c + 1] >= 0 && sv[c + 1] == sv[c] + 1 ? len[c + 1] + 1
                                                                        : 1;
    for (int a = 0; a < n; a++) {
        double *restrict h = H + (size_t)a * n;
        if (sv[a] < 0) {
            memset(h, 0, n * sizeof *h);
            h[a] = 1;
            continue;
        }
        const double *restrict row = s->Hinv + (size_t)sv[a] * s->n;
        const double ra = ratio[a];
        for (int c = 0; c < n;) {
            if (sv[c] < 0) {
                h[c++] = 0; /* c is not a: sv[a] >= 0 */
                continue;
            }
            const double *restrict src = row + sv[c];
            for (int j = 0, e = len[c]; j < e; j++)
                h[c + j] = src[j] * ra * ratio[c + j];
            c += len[c];
        }
    }
}

int hfinfer_share_start(const hfinfer_share *s, const hf_model *m,
                        hfinfer_start *st, double **buf)
{
    int np = hf_model_npars(m), n = 0;
    const unsigned char *fixed = hf_model_fixed(m);
    for (int i = 0; i < np; i++)
        n += !fixed[i];
    size_t nn = s->Hinv ? (size_t)n * n : 0;
    double *b = malloc((2 * (size_t)np + 2 * (size_t)n + nn + 1) * sizeof *b);
    int *sv = malloc(2 * (n ? (size_t)n : 1) * sizeof *sv);
    *buf = b;
    if (!b || !sv) {
        free(sv);
        return HF_ERR_NOMEM;
    }
    double *pars = b, *width = pars + np, *ratio = width + np;
    double *curv = ratio + n, *H = nn ? curv + n : NULL;
    hffit_widths(m, width);
    share_match(s, m, width, pars, sv, ratio);
    if (H)
        share_rows(s, sv, sv + n, ratio, n, H);
    /* At the POI's 0 a signal adds no yield, and m's NLL is s's but for
     * the constraint terms whose widths the signal changes (a staterror
     * whose bin it adds to): in m's width units their curvature is 1
     * where s's was 1 / ratio^2 */
    for (int a = 0; a < n; a++)
        curv[a] = sv[a] >= 0 && ratio[a] != 1 ? 1 - 1 / (ratio[a] * ratio[a])
                                              : 0;
    free(sv);
    st->pars = pars;
    st->Hinv = H;
    st->curv = H ? curv : NULL;
    return HF_OK;
}
