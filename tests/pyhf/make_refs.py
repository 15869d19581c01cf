#!/usr/bin/env python3
"""Independent expected values for the small models of this folder, from pyhf.

usage: python3 make_refs.py > refs.json   (needs pyhf 0.7.6+ importable)

Each model is fitted by pyhf with scipy's SLSQP at tolerance 1e-12 from
several starting points: the model's inits, and every non-POI modifier
parameter moved to -2, -1, -0.5, 0.5, 1, 2 in turn (normfactors to 0.5, 2,
5).  The lowest minimum is kept: these models are built to have several
minima (twowell.json: a histosys whose up and down templates both lie far
below the nominal, so the yield is not monotonic in its parameter), a
minimum far from the inits (deficit.json: observed counts far below the
expectation), a zero likelihood at the free fit's point (zero_cr.json: no
event in a control region drives a background normfactor to 0) or a saddle
point at the inits (saddle.json: a normsys with hi = lo = 0.7 and a
histosys with both templates equal and below the nominal, with a deficit:
the gradient is exactly zero at alpha = 0, which is a maximum along both).
saddle_cr.json is saddle.json with a control region that breaks the
symmetry: its only modifier is the signal region's histosys, with up and
down templates on either side of the nominal (not even in alpha), and its
observed counts equal the nominal.  At alpha = 0 the control region's
terms have a zero gradient (observed = expected) and the signal region's
too (even there), whatever the other parameters do, so a descent from the
inits never moves alpha: a saddle (twice_nll 359.71 in the free fit) that
is not exactly symmetric.
saddle_sym.json has a saddle on no coordinate: two normsys parameters
alpha_a and alpha_b that the model exchanges (in the signal region's
first bin one background sample scales as k^(alpha_a - alpha_b), k = 1.25,
another as k^(alpha_b - alpha_a); a control region scales with both
alike, and its excess pulls alpha_a + alpha_b up), with an excess over
both samples in that bin: along alpha_a - alpha_b the yield grows either
way, so the NLL is even in alpha_a - alpha_b about the diagonal and curves
down across it.  A descent from the inits (alpha_a = alpha_b) stays on the
diagonal and stops at the saddle there, where no gradient component is
zero; the minima are a mirror pair off it.  Its reference goes to
"full_hessian": hf's default hypotest stops at that saddle (a known limit
of its stopping rule), hf_fit_options.full_hessian must reach these.
twowell_fixed.json and twowell_free.json are two-channel models like the
one of hf's issue 16: one histosys shared by both channels whose first bin
has up 55 and down 45 against a nominal 120 in each channel, so that the
fits to the data and to the Asimov data have a minimum on each side; a
descent from the inits or from another fit's point stops in the higher
one in the mu = 1 fits (twowell_fixed) or the free fit (twowell_free).
asimov_inits.json (two channels, a background normfactor and two histosys,
found by a random search) has two minima in the mu = 1 fit to the Asimov
data: started from the free Asimov fit's point a descent stops in the
higher one, started from the inits (pyhf's way) it reaches the lower.

The five fits of pyhf's asymptotic qmu_tilde hypotest at mu = 1 are done so
(free and mu = 1 fits to the data, the mu = 0 fit that makes the Asimov
data, free and mu = 1 fits to the Asimov data) and CLs follows from them
with pyhf's own AsymptoticCalculator formulae.  pyhf.infer.hypotest with
its default optimizer is recorded next to it as `pyhf_default` (it may sit
in a higher minimum).
"""
import json
import logging
import os
import sys

import numpy as np
import pyhf
from pyhf.infer.calculators import AsymptoticTestStatDistribution

logging.disable(logging.CRITICAL)
HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["twowell", "deficit", "zero_cr", "saddle", "twowell_fixed",
          "twowell_free", "asimov_inits", "saddle_cr"]
# models whose fits are references but whose CLs is not: ambiguous.json has
# twin minima at two POI values (test_minima.c), so its CLs depends on the
# twin a minimizer reports; its mu = 1 fit has two wells of different depth
FITS_ONLY = ["ambiguous"]
# models whose saddle only a check of the whole Hessian finds: references
# for hf's strict mode (hf_fit_options.full_hessian, --full-hessian)
FULL_HESSIAN = ["saddle_sym"]


def starts(model):
    init = np.asarray(model.config.suggested_init(), dtype=float)
    poi = model.config.poi_index
    out = [init.copy()]
    for name in model.config.par_order:
        sl = model.config.par_slice(name)
        ps = model.config.param_set(name)
        if sl.start == poi:
            continue
        lo_b = [b[0] for b in ps.suggested_bounds]
        hi_b = [b[1] for b in ps.suggested_bounds]
        vals = [0.5, 2.0, 5.0] if not getattr(ps, "constrained", False) else \
            [-2, -1, -0.5, 0.5, 1, 2]
        for v in vals:
            x = init.copy()
            if getattr(ps, "constrained", False) and name.startswith("staterror"):
                v = 1 + 0.1 * v
            x[sl] = np.clip(v, lo_b, hi_b)
            out.append(x)
    return out


def best_fit(data, model, fixed_mu=None):
    best = None
    for x0 in starts(model):
        if fixed_mu is not None:
            x0 = x0.copy()
            x0[model.config.poi_index] = fixed_mu
        try:
            if fixed_mu is None:
                p, f = pyhf.infer.mle.fit(data, model, init_pars=x0.tolist(),
                                          return_fitted_val=True)
            else:
                p, f = pyhf.infer.mle.fixed_poi_fit(
                    fixed_mu, data, model, init_pars=x0.tolist(),
                    return_fitted_val=True)
        except Exception:
            continue
        f = float(f)
        if np.isfinite(f) and (best is None or f < best[0]):
            best = (f, np.asarray(p, dtype=float))
    # the value at the point, as a logpdf (what another program must match)
    f = float(-2 * model.logpdf(best[1], data)[0])
    return {"twice_nll": f, "pars": best[1].tolist()}


def finite(x):
    """A float for JSON, None for NaN (saddle.json: pyhf's 0/0)."""
    x = float(x)
    return x if np.isfinite(x) else None


def cls_from(q, q_a):
    sq, sqa = np.sqrt(q), np.sqrt(q_a)
    if sq <= sqa or sqa == 0:
        t = sq - sqa
    else:
        t = (q - q_a) / (2 * sqa)
    sb = AsymptoticTestStatDistribution(-sqa).pvalue(t)
    b = AsymptoticTestStatDistribution(0.0).pvalue(t)
    exp = []
    for n in [2, 1, 0, -1, -2]:
        exp.append(float(AsymptoticTestStatDistribution(-sqa).pvalue(n) /
                         AsymptoticTestStatDistribution(0.0).pvalue(n)))
    return float(sb / b), float(sb), float(b), exp


def qtilde(fixed, free, mu, poi):
    if free["pars"][poi] > mu:
        return 0.0
    return max(fixed["twice_nll"] - free["twice_nll"], 0.0)


def reference(name):
    with open(os.path.join(HERE, name + ".json")) as f:
        ws = pyhf.Workspace(json.load(f))
    model = ws.model()
    data = np.asarray(ws.data(model), dtype=float)
    poi = model.config.poi_index
    fits = {"free": best_fit(data, model),
            "fixed_poi": best_fit(data, model, 1.0),
            "bkg_only": best_fit(data, model, 0.0)}
    asimov = np.asarray(model.expected_data(fits["bkg_only"]["pars"]),
                        dtype=float)
    fits["asimov_free"] = best_fit(asimov, model)
    fits["asimov_fixed_poi"] = best_fit(asimov, model, 1.0)
    q = qtilde(fits["fixed_poi"], fits["free"], 1.0, poi)
    q_a = qtilde(fits["asimov_fixed_poi"], fits["asimov_free"], 1.0, poi)
    cls, clsb, clb, exp = cls_from(q, q_a)
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer())
    try:
        d = pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde",
                                return_tail_probs=True,
                                return_expected_set=True)
        default = {"CLs_obs": finite(d[0]), "CLsb": finite(d[1][0]),
                   "CLb": finite(d[1][1]),
                   "CLs_exp": [finite(x) for x in d[2]]}
    except Exception as e:  # noqa: BLE001 - recorded, not fatal
        default = {"error": str(e).splitlines()[0] if str(e) else type(e).__name__}
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    return {
        "workspace": name + ".json",
        "par_names": list(model.config.par_names),
        "data": data.tolist(),
        "asimov_data": asimov.tolist(),
        "fits": fits,
        "q_obs": q,
        "q_asimov": q_a,
        "CLs_obs": cls, "CLsb": clsb, "CLb": clb, "CLs_exp": exp,
        "pyhf_default": default,
    }


def q_obs_at(name, mu):
    """qtilde of the observed data at mu, from multi-start fits."""
    with open(os.path.join(HERE, name + ".json")) as f:
        ws = pyhf.Workspace(json.load(f))
    model = ws.model()
    data = np.asarray(ws.data(model), dtype=float)
    return qtilde(best_fit(data, model, mu), best_fit(data, model), mu,
                  model.config.poi_index)


def main():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    out = {"pyhf_version": pyhf.__version__,
           "models": {n: reference(n) for n in MODELS},
           "fits_only": {n: {"fits": reference(n)["fits"]}
                         for n in FITS_ONLY},
           # q_obs at mu = 3 (above the free fit's POI): what a toy
           # hypotest there reports as its observed test statistic
           "full_hessian": {n: dict(reference(n), q_obs_mu3=q_obs_at(n, 3.0))
                            for n in FULL_HESSIAN}}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
