#!/usr/bin/env python3
"""pyhf's reference for a fit that ends with a gamma on its lower bound.

usage: python3 make_gamma_bound.py WS_DIR > gamma_bound.json
    (WS_DIR: ../shared/workspaces/real/3LRJ_ATLAS-SUSY-2018-06; needs pyhf
    0.7.6+ and jsonpatch importable)

The pseudo-data are toy 36 of bench/toys_fits_pyhf.py on 3LRJ
ERJR_250p0_100p0 (background-only toys drawn by pyhf: numpy seed 1, the
pdf at the mu = 0 fit, .sample((100,))): 70 numbers, main bins then
auxdata.  In them the aux datum of the shapesys of top in SRlow (tau =
0.058, sigma 4.2) is 0, and the mu = 1 fit has two minima: one with that
gamma on its 1e-10 lower bound (where a descent from the inits or from
either generating point stops) and a lower one with the gamma near 5.

pyhf (scipy SLSQP, tolerance 1e-10) fits the free and the mu = 1 fit from
several starts: the inits, and the inits with each shapesys gamma of tau < 1
moved to 1 + k / sqrt(tau) for k = 1, 2, 3 (capped below the upper bound),
keeping the lowest; qmu_tilde at mu = 1 follows as pyhf defines it.
"""
import json
import os
import sys

import jsonpatch
import numpy as np
import pyhf

NAME = "ERJR_250p0_100p0"


def model_spec(ws_dir):
    with open(os.path.join(ws_dir, "BkgOnly.json")) as f:
        spec = json.load(f)
    with open(os.path.join(ws_dir, "patchset.json")) as f:
        ps = json.load(f)
    patch = next(x["patch"] for x in ps["patches"]
                 if x["metadata"]["name"] == NAME)
    return jsonpatch.apply_patch(spec, patch)


def small_tau(m):
    """(parameter index, tau) of every shapesys gamma with tau < 1."""
    cfg, aux, out = m.config, m.config.auxdata, []
    for k in cfg.par_order:
        ps = cfg.param_set(k)
        if type(ps).__name__ != "constrained_by_poisson":
            continue
        off = cfg.auxdata_order.index(k)
        # auxdata of earlier constrained sets come first
        a0 = sum(len(cfg.param_set(q).auxdata) for q in cfg.auxdata_order[:off])
        for j in range(ps.n_parameters):
            if aux[a0 + j] < 1:
                out.append((cfg.par_slice(k).start + j, aux[a0 + j]))
    return out


def starts(m, bases, bounds):
    """Each base point, then it with one small-tau gamma at 1 + k / sqrt(tau)."""
    out = []
    for b in bases:
        out.append(list(b))
        for i, tau in small_tau(m):
            for k in (1, 2, 3):
                s = list(b)
                s[i] = min(1 + k / np.sqrt(tau), 0.9 * bounds[i][1])
                out.append(s)
    return out


def best(m, data, init, bounds, fixed, mu):
    lo = None
    for s in starts(m, [init], bounds):
        try:
            if mu is None:
                p, v = pyhf.infer.mle.fit(data, m, s, bounds, fixed,
                                          return_fitted_val=True)
            else:
                p, v = pyhf.infer.mle.fixed_poi_fit(mu, data, m, s, bounds,
                                                    fixed,
                                                    return_fitted_val=True)
        except Exception:
            continue
        if lo is None or float(v) < lo[0]:
            lo = (float(v), [float(x) for x in p])
    return lo


def main():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-10))
    m = pyhf.Workspace(model_spec(sys.argv[1])).model()
    ws = pyhf.Workspace(model_spec(sys.argv[1]))
    cfg = m.config
    init, bounds = cfg.suggested_init(), cfg.suggested_bounds()
    fixed = cfg.suggested_fixed()
    np.random.seed(1)
    bpars = pyhf.infer.mle.fixed_poi_fit(0.0, ws.data(m), m, init, bounds,
                                         fixed)
    toy = m.make_pdf(pyhf.tensorlib.astensor(bpars)).sample((100,))[36]
    data = [float(x) for x in toy]
    free = best(m, data, init, bounds, fixed, None)
    fix = best(m, data, init, bounds, fixed, 1.0)
    poi = cfg.poi_index
    muhat = free[1][poi]
    # qmu_tilde: the POI is bounded at 0, so muhat >= 0 here
    q = 0.0 if muhat > 1.0 else fix[0] - free[0]
    gi = cfg.par_slice("shape_mcstat_top_SRlow_obs_cuts").start
    json.dump({"workspace": "3LRJ_ATLAS-SUSY-2018-06", "patch": NAME,
               "toy": 36, "seed": 1, "ntoys": 100, "data": data,
               "free_twice_nll": free[0], "fixed_mu1_twice_nll": fix[0],
               "free_poi": muhat, "qmu_tilde_mu1": max(q, 0.0),
               "gamma_top_SRlow_fixed": fix[1][gi],
               "pyhf_version": pyhf.__version__}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
