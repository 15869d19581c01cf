#!/usr/bin/env python3
"""Toy fits of hf against pyhf's on the same pseudo-data.

usage: toys_fits_pyhf.py WS.json PATCHSET.json PATCH_NAME NTOYS [SEED]

Run with pyhf importable and hf's Python package on the path, e.g.
    PYTHONPATH=/path/to/pyhf/src:python HF_LIB=build/libhf.so \\
        /usr/bin/python3 bench/toys_fits_pyhf.py WS PATCHSET NAME 30

pyhf (numpy backend, scipy optimizer with tolerance 1e-10, the setting
under which pyhf's asymptotic 3LRJ result is right) draws NTOYS
background-only toys as its ToyCalculator does (numpy.random.seed(SEED),
the pdf at the fixed_poi_fit at mu = 0, .sample((NTOYS,))).  For each toy
both compute qmu_tilde at mu = 1, and pyhf's own twice_nll is evaluated at
both programs' fitted points of the fixed-POI and the free fit: a fit
whose -2 log L is above the other's ended in a worse point (a local
minimum or short of the minimum), whichever program it is.  Differences of
a few 1e-3 are rounding: 3LRJ has an aux term of mean 1.9e11, whose
log-gamma ~5e12 has an ulp of ~1e-3.  Prints one JSON line per toy, then
a summary line.
"""
import json
import sys

import jsonpatch
import numpy as np
import pyhf
from hf import pyhf as hfp

ROUNDING = 0.01  # -2 log L differences below this are not counted


def model_of(ws_path, ps_path, name):
    with open(ws_path) as f:
        spec = json.load(f)
    with open(ps_path) as f:
        ps = json.load(f)
    patch = next(x["patch"] for x in ps["patches"]
                 if x["metadata"]["name"] == name)
    return jsonpatch.apply_patch(spec, patch)


def main():
    ws_path, ps_path, name, ntoys = sys.argv[1:5]
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-10))
    spec = model_of(ws_path, ps_path, name)
    ws = pyhf.Workspace(spec)
    m = ws.model()
    d = ws.data(m)
    hm = hfp.Workspace(spec).model()
    cfg = m.config
    init, bounds = cfg.suggested_init(), cfg.suggested_bounds()
    fixed = cfg.suggested_fixed()
    np.random.seed(seed)
    bpars = pyhf.infer.mle.fixed_poi_fit(0.0, d, m, init, bounds, fixed)
    toys = m.make_pdf(pyhf.tensorlib.astensor(bpars)).sample((int(ntoys),))

    def twice_nll(pars, data):
        return float(pyhf.infer.mle.twice_nll(
            pyhf.tensorlib.astensor(np.asarray(pars)), data, m)[0])

    ts = pyhf.infer.test_statistics.qmu_tilde
    hts = hfp.infer.test_statistics.qmu_tilde
    worse = {"pyhf": 0, "hf": 0}
    for i, t in enumerate(toys):
        # qmu_tilde's fitted pars: (fixed-POI fit, free fit)
        q, (p_fix, p_free) = ts(1.0, t, m, init, bounds, fixed,
                                return_fitted_pars=True)
        qh, (h_fix, h_free) = hts(1.0, list(map(float, t)), hm, init, bounds,
                                  fixed, return_fitted_pars=True)
        r = {"toy": i, "q_pyhf": float(q), "q_hf": float(qh),
             "d2nll_fixed": twice_nll(h_fix, t) - twice_nll(p_fix, t),
             "d2nll_free": twice_nll(h_free, t) - twice_nll(p_free, t)}
        for who, sign in (("hf", 1), ("pyhf", -1)):
            worse[who] += max(sign * r["d2nll_fixed"],
                              sign * r["d2nll_free"]) > ROUNDING
        print(json.dumps(r))
        sys.stdout.flush()
    print(json.dumps({"ntoys": int(ntoys), "seed": seed,
                      "toys_where_pyhf_fit_worse": worse["pyhf"],
                      "toys_where_hf_fit_worse": worse["hf"],
                      "d2nll": "hf minus pyhf, by pyhf's twice_nll"}))


if __name__ == "__main__":
    main()
