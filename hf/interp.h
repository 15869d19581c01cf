/*
 * interp.h - evaluation of pyhf's interpolation codes, inline because it
 * is the innermost loop of every likelihood evaluation.
 */
#ifndef HF_INTERP_H
#define HF_INTERP_H

#include <math.h>

#include "model.h"

static inline double hf_interp_normsys(const hf_sfac *f, double a, double *deriv)
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

/* A histosys shift in a bin is w[0] * S + w[1] * A (see interp.c) with
 * weights that depend on alpha only: computed once per parameter, they
 * leave two multiply-adds per bin.  dw are the weights' derivatives. */
static inline void hf_interp_histosys_weights(int code, double a, double *w,
                                              double *dw)
{
    if (code == HF_INTERP_CODE0) {
        double s = a > 0 ? 8.0 : -8.0; /* a*up or a*down */
        w[0] = a, w[1] = s * a;
        dw[0] = 1, dw[1] = s;
    } else if (code == HF_INTERP_CODE2) {
        /* pyhf: (b + 2a)(alpha - 1) above 1, a alpha^2 + b alpha inside,
         * (b - 2a)(alpha + 1) below -1, with a = 8A and b = S */
        if (a > 1) {
            w[0] = a - 1, w[1] = 16 * (a - 1);
            dw[0] = 1, dw[1] = 16;
        } else if (a >= -1) {
            w[0] = a, w[1] = 8 * a * a;
            dw[0] = 1, dw[1] = 16 * a;
        } else {
            w[0] = a + 1, w[1] = -16 * (a + 1);
            dw[0] = 1, dw[1] = -16;
        }
    } else { /* code4p */
        if (a > 1) {
            w[0] = a, w[1] = 8 * a;
            dw[0] = 1, dw[1] = 8;
        } else if (a < -1) {
            w[0] = a, w[1] = -8 * a;
            dw[0] = 1, dw[1] = -8;
        } else {
            double a2 = a * a;
            w[0] = a, w[1] = a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0);
            dw[0] = 1, dw[1] = a * (30.0 + a2 * (-40.0 + a2 * 18.0));
        }
    }
}

/* The second derivative of hf_interp_normsys at a, given its value v
 * there (hf/hessian.c).  The pieces and their boundaries are
 * hf_interp_normsys's, so that the Hessian is the derivative of the
 * gradient eval.c computes, also exactly on a boundary.  code4 and code4p
 * join their pieces with equal second derivatives (|a| = 1), so there it
 * is continuous; code0/code1 at 0 and code2 at |a| = 1 are not, and the
 * side is the one hf_interp_normsys takes.  Identity factors (code -1:
 * normfactor, lumi) have none. */
static inline double hf_interp_normsys_d2(const hf_sfac *f, double a, double v)
{
    const double *p = f->p;
    switch (f->code) {
    case -1:
    case HF_INTERP_CODE0:
        return 0;
    case HF_INTERP_CODE1:
        return a > 0 ? v * p[3] * p[3] : v * p[2] * p[2];
    case HF_INTERP_CODE4:
        if (a >= 1)
            return v * p[3] * p[3];
        if (a > -1) {
            const double *c = p + 4;
            return 2 * c[1] + a * (6 * c[2] + a * (12 * c[3] + a * (20 * c[4] + a * 30 * c[5])));
        }
        return v * p[2] * p[2];
    case HF_INTERP_CODE2:
        return (a > 1 || a < -1) ? 0 : 2 * p[4];
    default: /* HF_INTERP_CODE4P */
        if (a > 1 || a < -1)
            return 0;
        double a2 = a * a;
        return p[7] * (30.0 + a2 * (-120.0 + a2 * 90.0));
    }
}

/* The second derivative of hf_interp_histosys_weights' w[1] (w[0] is
 * linear in a for every code), on the same pieces. */
static inline double hf_interp_histosys_d2w1(int code, double a)
{
    if (code == HF_INTERP_CODE0)
        return 0;
    if (code == HF_INTERP_CODE2)
        return (a > 1 || a < -1) ? 0 : 16;
    if (a > 1 || a < -1) /* code4p */
        return 0;
    double a2 = a * a;
    return 30.0 + a2 * (-120.0 + a2 * 90.0);
}

#endif
