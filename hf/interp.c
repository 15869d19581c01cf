/*
 * interp.c - pyhf's interpolation codes, value and derivative.
 *
 * normsys is multiplicative: a factor f(alpha) built from the relative
 * variations lo and hi (nominal 1).  histosys is additive: a shift
 * delta(alpha) built per bin from lo, nominal and hi.  The piecewise
 * boundaries (strict or not) follow pyhf's numpy implementation exactly,
 * including its code2, whose outer pieces start at 0 rather than at the
 * value of the inner parabola.
 */
#include <math.h>

#include "model.h"

/* pyhf's code4 polynomial for |alpha| < 1: coefficients a1..a6 solve the
 * continuity of value, first and second derivative with hi^alpha and
 * lo^-alpha at alpha = +-1 (pyhf: A^-1 b with alpha0 = 1). */
static void code4_coefficients(double lo, double hi, double *a)
{
    static const double Ainv[6][6] = {
        {15.0 / 16, -15.0 / 16, -7.0 / 16, -7.0 / 16, 1.0 / 16, -1.0 / 16},
        {3.0 / 2, 3.0 / 2, -9.0 / 16, 9.0 / 16, 1.0 / 16, 1.0 / 16},
        {-5.0 / 8, 5.0 / 8, 5.0 / 8, 5.0 / 8, -1.0 / 8, 1.0 / 8},
        {-3.0 / 2, -3.0 / 2, 7.0 / 8, -7.0 / 8, -1.0 / 8, -1.0 / 8},
        {3.0 / 16, -3.0 / 16, -3.0 / 16, -3.0 / 16, 1.0 / 16, -1.0 / 16},
        {1.0 / 2, 1.0 / 2, -5.0 / 16, 5.0 / 16, 1.0 / 16, 1.0 / 16},
    };
    double lhi = log(hi), llo = log(lo);
    double b[6] = {hi - 1.0,       lo - 1.0,        lhi * hi,
                   -llo * lo,      lhi * lhi * hi,  llo * llo * lo};
    for (int r = 0; r < 6; r++) {
        double s = 0;
        for (int c = 0; c < 6; c++)
            s += Ainv[r][c] * b[c];
        a[r] = s;
    }
}

/* p[] layout: p[0]=lo p[1]=hi p[2]=log lo p[3]=log hi, then per code:
 *   code0/code4p: p[4]=hi-1 (up) p[5]=1-lo (down), code4p p[6]=S p[7]=A
 *   code2: p[4]=a p[5]=b
 *   code4: p[4..9]=a1..a6 */
int hfmodel_interp_normsys_init(hf_sfac *f, int code, double lo, double hi)
{
    f->code = code;
    f->p[0] = lo;
    f->p[1] = hi;
    f->p[2] = lo > 0 ? log(lo) : NAN;
    f->p[3] = hi > 0 ? log(hi) : NAN;
    switch (code) {
    case HF_INTERP_CODE0:
        f->p[4] = hi - 1.0;
        f->p[5] = 1.0 - lo;
        return HF_OK;
    case HF_INTERP_CODE4P:
        f->p[4] = hi - 1.0;
        f->p[5] = 1.0 - lo;
        f->p[6] = 0.5 * (f->p[4] + f->p[5]);
        f->p[7] = 0.0625 * (f->p[4] - f->p[5]);
        return HF_OK;
    case HF_INTERP_CODE2:
        f->p[4] = 0.5 * (hi + lo) - 1.0;
        f->p[5] = 0.5 * (hi - lo);
        return HF_OK;
    case HF_INTERP_CODE1:
        return (lo > 0 && hi > 0) ? HF_OK : HF_ERR_INVALID;
    case HF_INTERP_CODE4:
        if (!(lo > 0 && hi > 0))
            return HF_ERR_INVALID;
        code4_coefficients(lo, hi, f->p + 4);
        return HF_OK;
    }
    return HF_ERR_ARG;
}

/* Every code is expressed in S = (up + down)/2 and A = (up - down)/16,
 * up = hi - nom, down = nom - lo (so up = S + 8A, down = S - 8A; pyhf's
 * code2 a and b are 8A and S): two constants per bin. */
void hfmodel_interp_histosys_init(double *coef, int code, double lo, double nom,
                             double hi)
{
    (void)code;
    double up = hi - nom, down = nom - lo;
    coef[0] = 0.5 * (up + down);
    coef[1] = 0.0625 * (up - down);
}
