#!/usr/bin/env python3
"""pyhf's asymptotic hypotest (mu = 1, qtilde) on pyhf's toy 36 of 3LRJ.

usage: python3 make_gamma_bound_hypotest.py WS_DIR > gamma_bound_hypotest.json
    (WS_DIR: ../shared/workspaces/real/3LRJ_ATLAS-SUSY-2018-06; needs pyhf
    0.7.6+ and jsonpatch importable; the data are those of gamma_bound.json,
    made by make_gamma_bound.py)

On these data the background-only fit puts four shapesys gammas on their
1e-10 lower bound (their aux data are 0), so the Asimov data hold aux data
of ~1e-10 tau for them: a log barrier right at the bound.

Written down:
- "pyhf_hypotest": pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde",
  return_tail_probs=True, return_expected_set=True) as a user runs it, with
  scipy's default tolerance and with 1e-10;
- "pyhf_fits": the five fits behind it as pyhf does them (from the inits,
  tolerance 1e-10; as pyhf.infer.test_statistics.qmu_tilde and
  generate_asimov_data), each twice_nll (pyhf's logpdf at its point);
- "best": the same five fits, each the lowest of several starts (the
  inits and the background-only fit's point, each also with every shapesys
  gamma of tau < 1 moved to 1 + k / sqrt(tau), k = 1, 2, 3), and the CLs
  these imply by pyhf's own asymptotic distributions.

pyhf's logpdf on 3LRJ is off by ~2e-3 in twice_nll (an aux term of mean
1.9e11 cancels catastrophically), so fits are compared to 0.01.
"""
import json
import os
import sys

import numpy as np
import pyhf
from pyhf.infer.calculators import AsymptoticTestStatDistribution

# the workspace and the starts are make_gamma_bound.py's (beside this file)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_gamma_bound import NAME, model_spec, starts  # noqa: E402


def one_fit(m, data, init, bounds, fixed, mu):
    if mu is None:
        return pyhf.infer.mle.fit(data, m, init, bounds, fixed,
                                  return_fitted_val=True)
    return pyhf.infer.mle.fixed_poi_fit(mu, data, m, init, bounds, fixed,
                                        return_fitted_val=True)


def twice_nll(m, pars, data):
    return float(-2 * m.logpdf(np.asarray(pars), np.asarray(data))[0])


def best(m, data, bases, bounds, fixed, mu):
    lo = None
    for s in starts(m, bases, bounds):
        try:
            p, _ = one_fit(m, data, s, bounds, fixed, mu)
        except Exception:
            continue
        v = twice_nll(m, p, data)
        if np.isfinite(v) and (lo is None or v < lo[0]):
            lo = (v, [float(x) for x in p])
    return {"twice_nll": lo[0], "pars": lo[1]}


def qtilde(fixed, free, poi):
    if free["pars"][poi] > 1.0:
        return 0.0
    return max(fixed["twice_nll"] - free["twice_nll"], 0.0)


def cls_from(q, q_a):
    sq, sqa = np.sqrt(q), np.sqrt(q_a)
    t = sq - sqa if (sq <= sqa or sqa == 0) else (q - q_a) / (2 * sqa)
    sb = AsymptoticTestStatDistribution(-sqa).pvalue(t)
    b = AsymptoticTestStatDistribution(0.0).pvalue(t)
    exp = [float(AsymptoticTestStatDistribution(-sqa).pvalue(n) /
                 AsymptoticTestStatDistribution(0.0).pvalue(n))
           for n in [2, 1, 0, -1, -2]]
    return {"CLs_obs": float(sb / b), "CLsb": float(sb), "CLb": float(b),
            "CLs_exp": exp}


def hypotest(m, data):
    r = pyhf.infer.hypotest(1.0, data, m, test_stat="qtilde",
                            return_tail_probs=True, return_expected_set=True)
    return {"CLs_obs": float(r[0]), "CLsb": float(r[1][0]),
            "CLb": float(r[1][1]), "CLs_exp": [float(x) for x in r[2]]}


def five(m, data, init, bounds, fixed, fit):
    poi = m.config.poi_index
    f = {"free": fit(data, None, [init]),
         "fixed_poi": fit(data, 1.0, [init])}
    f["bkg_only"] = fit(data, 0.0, [init])
    asimov = [float(x) for x in m.expected_data(np.asarray(f["bkg_only"]["pars"]))]
    bases = [init, f["bkg_only"]["pars"]]
    f["asimov_free"] = fit(asimov, None, bases)
    f["asimov_fixed_poi"] = fit(asimov, 1.0, bases)
    q = qtilde(f["fixed_poi"], f["free"], poi)
    q_a = qtilde(f["asimov_fixed_poi"], f["asimov_free"], poi)
    return f, asimov, q, q_a


def main():
    m = pyhf.Workspace(model_spec(sys.argv[1])).model()
    with open(os.path.join(HERE, "gamma_bound.json")) as fh:
        data = json.load(fh)["data"]
    cfg = m.config
    init, bounds = cfg.suggested_init(), cfg.suggested_bounds()
    fixed = cfg.suggested_fixed()
    out = {"workspace": "3LRJ_ATLAS-SUSY-2018-06", "patch": NAME,
           "data": "gamma_bound.json", "pyhf_version": pyhf.__version__,
           "pyhf_hypotest": {}}
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer())
    out["pyhf_hypotest"]["default"] = hypotest(m, data)
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-10))
    out["pyhf_hypotest"]["tolerance_1e-10"] = hypotest(m, data)

    def plain(d, mu, bases):  # pyhf's own: from the inits only
        p, _ = one_fit(m, d, bases[0], bounds, fixed, mu)
        return {"twice_nll": twice_nll(m, p, d), "pars": [float(x) for x in p]}

    f, _, q, q_a = five(m, data, init, bounds, fixed, plain)
    out["pyhf_fits"] = {k: v["twice_nll"] for k, v in f.items()}
    out["pyhf_fits"].update({"q_obs": q, "q_asimov": q_a})
    f, asimov, q, q_a = five(
        m, data, init, bounds, fixed,
        lambda d, mu, bases: best(m, d, bases, bounds, fixed, mu))
    out["best"] = {"fits": f, "asimov_data": asimov, "q_obs": q,
                   "q_asimov": q_a}
    out["best"].update(cls_from(q, q_a))
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
