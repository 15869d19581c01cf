/*
 * model.h - the compiled model: flat arrays that hf/eval.c walks.
 *
 * The main-bin expectation is a sum over blocks (one per channel x sample
 * present in the spec) of
 *     F * prod_j g_j[b] * (nominal[b] + sum_h delta_h[b])
 * where F is the product of the block's scalar factors (normfactor, lumi,
 * normsys), g_j the per-bin factors (shapefactor, shapesys, staterror) and
 * delta_h the histosys shifts: pyhf's "multiply factors, add deltas".
 */
#ifndef HF_MODEL_H
#define HF_MODEL_H

#include "hfmodel.h"

enum hf_modtype {
    HF_MOD_HISTOSYS, /* pyhf's histfactory_set order: it fixes the */
    HF_MOD_LUMI,     /* parameter order, so keep it */
    HF_MOD_NORMFACTOR,
    HF_MOD_NORMSYS,
    HF_MOD_SHAPEFACTOR,
    HF_MOD_SHAPESYS,
    HF_MOD_STATERROR,
    HF_MOD_NTYPES
};

extern const char *const hfmodel_modtype_names[HF_MOD_NTYPES];
int hfmodel_modtype_from_name(const char *name);

/* A scalar factor of a block: identity (normfactor, lumi) or a normsys
 * interpolation with its precomputed coefficients. */
typedef struct hf_sfac {
    int par;
    int code;     /* -1: the parameter itself; else an hf_interp code */
    double p[10]; /* code-specific constants, see interp.c */
} hf_sfac;

typedef struct hf_block {
    int bin0, nb;  /* global first main bin, bin count */
    size_t nom;    /* offset of its bins in m->nominal and in the per
                      block-bin scratch arrays (base, binfac, u) */
    int sf0, nsf;  /* scalar factors m->sfac[sf0 .. sf0+nsf) */
    int bf0, nbf;  /* per-bin factors: m->bf_par[(bf0+j)*... ] see below */
    size_t bfpar;  /* offset into m->bf_par: nbf rows of nb parameter indices */
} hf_block;

struct hf_model {
    /* non-NULL for a view made by hf_model_with_pars: it owns only
     * init, lo, hi and fixed and shares every other array with parent */
    const struct hf_model *parent;
    char *source;           /* file(s) it was built from, for messages */
    char *params_path;      /* JSON path of the measurement's parameter
                               configs ("measurements[0].config.parameters") */
    /* parameters, pyhf order */
    int npars, nparsets, poi;
    hf_parset *parsets;     /* names owned */
    char **par_names;       /* scalar names */
    double *init, *lo, *hi;
    unsigned char *fixed;

    /* constraint terms, in auxdata order */
    int naux;
    double *auxdata;
    double *sigmas;          /* Gaussian width, 0 for Poisson terms */
    double *factors;         /* Poisson rate factor tau, 0 for Gaussian */
    int *aux_par;            /* parameter constrained by aux datum i */

    /* main model */
    int nchan, nmain;
    char **chan_names;
    int *chan_off, *chan_nb;
    double *data;            /* observed: nmain then naux */

    int nblocks;
    hf_block *blocks;
    char **blk_sample;       /* [nblocks] sample name of each block (into
                                one allocation, blk_sample[0]) */
    /* The nominal yields, and the constraint widths and fixed flags that
     * staterror derives from them.  hf/overlay.c rewrites these three for
     * a sample whose yields change after the build (recast/'s signal): an
     * array derived from them must be recomputed there too. */
    double *nominal;
    hf_sfac *sfac;
    int nsfac;
    /* every scalar factor as a polynomial c + a1 x + ... + a6 x^6, in a
     * structure of arrays for a loop the compiler vectorizes: identity
     * (normfactor, lumi) is c = 0, a1 = 1; code4 normsys is c = 1 and its
     * coefficients, exact for |alpha| < 1; sf_poly[j * nsfac + k] is c
     * (j = 0) or a_j of factor k, and rows 7..10 are j a_j for j = 2..5
     * (the derivative's).  What the polynomial does not cover is
     * recomputed after: code4 outside |alpha| < 1 (sf_code4 lists them,
     * grouped by parameter),
     * and the other codes (sf_other) */
    double *sf_poly;
    int *sf_par;            /* [nsfac] parameter of each scalar factor */
    int nsf_code4, *sf_code4, *sf_code4_start; /* grouped by parameter */
    int nsf_other, *sf_other;
    /* the scalar factors grouped by parameter, for backward()'s gradient
     * as a gather (a sum in a register per parameter instead of a
     * load-add-store into grad per factor): those of sf_gpar[g] are
     * sf_gk[sf_gstart[g] .. sf_gstart[g+1]), in increasing k */
    int nsf_pars, *sf_gpar, *sf_gstart, *sf_gk;
    int *bf_par;
    double *bf_unc;          /* parallel to bf_par: a staterror row's
                                uncertainties (its modifier's data), else 0 */
    unsigned char *ps_config; /* [nparsets] what the measurement config
                                sets: HFMODEL_CFG_* bits */
    /* histosys, flattened to one entry per (modifier, bin): thousands of
     * them with one or two bins each, so a flat loop beats nested ones */
    int nhs;
    /* build order, freed once the two layouts below are made */
    int *hs_par;            /* parameter */
    int *hs_slot;           /* block-bin index (into nominal/base) */
    double *hs_coef;        /* S and A per entry, see interp.c */
    /* entries sorted by block-bin: those of block-bin s are
     * [hs_sstart[s], hs_sstart[s+1]) in hs_spar/hs_scoef, so each bin's
     * sum stays in a register instead of a store-load chain */
    int *hs_sstart;         /* [nbb + 1] */
    int *hs_spar;           /* [nhs] */
    double *hs_scoef;       /* [2 * nhs] */
    /* the same entries grouped by parameter, for the gradient: each
     * parameter's sum then stays in a register */
    int nhs_pars;
    int *hs_gpar;           /* [nhs_pars] parameter of each group */
    int *hs_gstart;         /* [nhs_pars + 1] group boundaries */
    int *hs_gslot;          /* [nhs] block-bin of each entry */
    double *hs_gcoef;       /* [2 * nhs] S and A of each entry */
    size_t nbb;             /* block-bins: sum of nb over blocks */

    /* scratch layout (doubles): lam[nmain], w[nmain], sfval[nsfac],
     * sfder[nsfac], sfsuf[nsfac], per parameter histosys weights [4],
     * base[nbb], binfac[nbb], u[nbb], F[nblocks] */
    size_t work_sf, work_par, work_bb, work_size;
    int histosys_code;
    /* [npars] hfmodel_twowell's flags and their count, found once when the
     * model is built (hfmodel_twowell_scan) rather than in every fit; an
     * overlay rescans them as its nominal yields change, views and the
     * smooth copy share them (their histosys and nominal are the same).
     * NULL (out of memory): hfmodel_twowell scans itself. */
    unsigned char *twowell;
    int ntwowell;
    /* [npars] hfmodel_kinked's flags and their count, found once for the
     * same reason (fit/mle.c other_sides, every fit): they depend on the
     * interpolation codes, which only the smooth copy changes (its own:
     * NULL there, hfmodel_kinked scans). */
    unsigned char *kinked;
    int nkinked;
    /* [npars] hfmodel_onesided's sides and their count, found once for the
     * toys (infer/toys.c); they depend on the histosys coefficients and
     * the scalar factors' parameters, which overlays, views and the smooth
     * copy share.  NULL: hfmodel_onesided scans itself. */
    signed char *onesided;
    int nonesided;
    /* hfmodel_line's maps (line.c hfmodel_line_maps), made once when the
     * model is built rather than per line model (each fit that looks at
     * its other wells: 16M instructions of the 1Lbb grid); they depend on
     * the block layout alone, which overlays, views and the smooth copy
     * share.  NULL where the built model has no two-well parameter (an
     * overlay may come to have some): each line model makes its own.  Out
     * of memory fails the build, as the scans above do. */
    int *line_maps;
};

/* model.c: fills nsf_pars, sf_gpar, sf_gstart and sf_gk from sf_par;
 * -1 when out of memory. */
int hfmodel_group_scalars(hf_model *m);

/* hfmodel_twowell's scan of the histosys coefficients and nominal yields. */
int hfmodel_twowell_scan(const hf_model *m, unsigned char *flag);
/* hfmodel_onesided's scan of the histosys coefficients. */
int hfmodel_onesided_scan(const hf_model *m, signed char *side);
/* hfmodel_kinked's scan of the interpolation codes. */
int hfmodel_kinked_scan(const hf_model *m, unsigned char *flag);

/* ps_config bits: the measurement config sets the widths, the fixed flag
 * (then an overlay never recomputes them). */
enum { HFMODEL_CFG_SIGMAS = 1, HFMODEL_CFG_FIXED = 2 };

/* Interpolation constants (interp.c); evaluation is in interp.h. */
int hfmodel_interp_normsys_init(hf_sfac *f, int code, double lo, double hi);
void hfmodel_interp_histosys_init(double *coef, int code, double lo, double nom,
                             double hi);



/* eval.c: the forward pass of hf_model_nll on work (hf_model_work_size):
 * the yields at work[0 .. nmain) and, in the layout above, every scalar
 * factor's value and derivative, the histosys weights and their
 * derivatives, the block-bins' base and per-bin factors, the blocks' F
 * (hf/hessian.c reads them). */
void hfmodel_forward(const hf_model *m, const double *pars, double *work);

/* reparam.c: frees a view made by hf_model_with_pars (its own arrays). */
void hfmodel_view_free(hf_model *m);

/* build.c: compiles validated channels + measurement parameter configs;
 * prep (or NULL) holds samples of the workspace read beforehand
 * (hfmodel_prep_new), which channels may share. */
int hfmodel_compile(const cJSON *channels, const cJSON *params,
                     const char *params_path, const cJSON *observations,
                     const hf_model_options *opt, const hfmodel_prep *prep,
                     const char *source, hf_model **out, hf_error *err);
#endif
