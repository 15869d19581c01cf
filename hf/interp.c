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
int hf_interp_normsys_init(hf_sfac *f, int code, double lo, double hi)
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

double hf_interp_normsys(const hf_sfac *f, double a, double *deriv)
{
    const double *p = f->p;
    double v, d;
    switch (f->code) {
    case HF_INTERP_CODE1:
        if (a > 0) {
            v = pow(p[1], a);
            d = v * p[3];
        } else {
            v = pow(p[0], -a);
            d = -v * p[2];
        }
        break;
    case HF_INTERP_CODE4:
        if (a >= 1) {
            v = pow(p[1], a);
            d = v * p[3];
        } else if (a > -1) {
            const double *c = p + 4;
            v = 1 + a * (c[0] + a * (c[1] + a * (c[2] + a * (c[3] + a * (c[4] + a * c[5])))));
            d = c[0] + a * (2 * c[1] + a * (3 * c[2] + a * (4 * c[3] + a * (5 * c[4] + a * 6 * c[5]))));
        } else {
            v = pow(p[0], -a);
            d = -v * p[2];
        }
        break;
    case HF_INTERP_CODE0:
        if (a > 0) {
            v = 1 + a * p[4];
            d = p[4];
        } else {
            v = 1 + a * p[5];
            d = p[5];
        }
        break;
    case HF_INTERP_CODE2:
        if (a > 1) {
            v = 1 + (p[5] + 2 * p[4]) * (a - 1);
            d = p[5] + 2 * p[4];
        } else if (a >= -1) {
            v = 1 + p[4] * a * a + p[5] * a;
            d = 2 * p[4] * a + p[5];
        } else {
            v = 1 + (p[5] - 2 * p[4]) * (a + 1);
            d = p[5] - 2 * p[4];
        }
        break;
    default: /* HF_INTERP_CODE4P */
        if (a > 1) {
            v = 1 + a * p[4];
            d = p[4];
        } else if (a < -1) {
            v = 1 + a * p[5];
            d = p[5];
        } else {
            double a2 = a * a;
            v = 1 + a * p[6] + p[7] * (a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0));
            d = p[6] + p[7] * a * (30.0 + a2 * (-40.0 + a2 * 18.0));
        }
        break;
    }
    if (deriv)
        *deriv = d;
    return v;
}

/* coef layout per bin: code0/code4p: up, down, S, A; code2: a, b. */
void hf_interp_histosys_init(double *coef, int code, double lo, double nom,
                             double hi)
{
    if (code == HF_INTERP_CODE2) {
        coef[0] = 0.5 * (hi + lo) - nom;
        coef[1] = 0.5 * (hi - lo);
        coef[2] = coef[3] = 0;
        return;
    }
    coef[0] = hi - nom;
    coef[1] = nom - lo;
    coef[2] = 0.5 * (coef[0] + coef[1]);
    coef[3] = 0.0625 * (coef[0] - coef[1]);
}

double hf_interp_histosys(const double *c, int code, double a, double *deriv)
{
    double v, d;
    if (code == HF_INTERP_CODE0) {
        d = a > 0 ? c[0] : c[1];
        v = a * d;
    } else if (code == HF_INTERP_CODE2) {
        if (a > 1) {
            d = c[1] + 2 * c[0];
            v = d * (a - 1);
        } else if (a >= -1) {
            v = c[0] * a * a + c[1] * a;
            d = 2 * c[0] * a + c[1];
        } else {
            d = c[1] - 2 * c[0];
            v = d * (a + 1);
        }
    } else { /* code4p */
        if (a > 1) {
            d = c[0];
            v = a * d;
        } else if (a < -1) {
            d = c[1];
            v = a * d;
        } else {
            double a2 = a * a;
            v = a * c[2] + c[3] * (a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0));
            d = c[2] + c[3] * a * (30.0 + a2 * (-40.0 + a2 * 18.0));
        }
    }
    if (deriv)
        *deriv = d;
    return v;
}
