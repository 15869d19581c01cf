#!/usr/bin/env python3
"""pyhf's minima for one toy of onesided.json (tests/test_toys_wells.c).

usage: python3 make_onesided.py   (run from tests/pyhf; needs pyhf 0.7.6+)

onesided.json's histosys "gen" is one-sided: lo_data equals the nominal in
every bin, so code4p's yields dip below the nominal for alpha in (-1, 0),
come back at -1 and stay flat beyond.  The pseudo-dataset below (main
counts 52 and 125, aux datum -2) has a well on each side of the dip: the
main bins pull alpha up, the constraint down to -2.  A fit started at
alpha = 1 (the toy's generating point in the test) stops in the upper
one (upper well: alpha held above -0.2).  Each fit here is pyhf's from several starting points (its own fits
start from the inits); the lowest is printed, with its parameters, and
q~(mu = 1) from the lowest free and fixed fits.
"""
import numpy as np
import pyhf

TOY = [52.0, 125.0, -2.0]
STARTS = [-3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0]


def lowest(model, data, fixed_mu):
    best = None
    for a in STARTS:
        init = model.config.suggested_init()
        init[model.config.par_slice("gen")] = [a]
        fixed = model.config.suggested_fixed()
        if fixed_mu is not None:
            init[model.config.poi_index] = fixed_mu
            fixed[model.config.poi_index] = True
        pars, twice_nll = pyhf.infer.mle.fit(
            data, model, init_pars=init, fixed_params=fixed,
            return_fitted_val=True)
        if best is None or float(twice_nll) < best[0]:
            best = (float(twice_nll), [float(x) for x in pars])
    return best


def main():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    import json
    with open("onesided.json") as f:
        ws = pyhf.Workspace(json.load(f))
    model = ws.model()
    data = np.array(TOY)
    free = lowest(model, data, None)
    fixed = lowest(model, data, 1.0)
    print("par_order", model.config.par_order)
    print("free  twice_nll %.10f pars %s" % (free[0], free[1]))
    print("fixed twice_nll %.10f pars %s" % (fixed[0], fixed[1]))
    # qtilde at mu = 1: muhat below 1 here, above 0
    print("qtilde %.10f" % (fixed[0] - free[0]))
    # the upper well, for the record: alpha held above the dip's turning
    # point (-0.3), where a descent from alpha = 1 stays
    for mu in (None, 1.0):
        init = model.config.suggested_init()
        init[model.config.par_slice("gen")] = [1.0]
        bounds = model.config.suggested_bounds()
        bounds[model.config.par_slice("gen")] = [(-0.2, 5.0)]
        fx = model.config.suggested_fixed()
        if mu is not None:
            fx[model.config.poi_index] = True
        p, t = pyhf.infer.mle.fit(data, model, init_pars=init,
                                  par_bounds=bounds, fixed_params=fx,
                                  return_fitted_val=True)
        print("upper well, %s: twice_nll %.10f pars %s"
              % ("fixed" if mu else "free", float(t), [float(x) for x in p]))

if __name__ == "__main__":
    main()
