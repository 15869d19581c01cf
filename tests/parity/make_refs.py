#!/usr/bin/env python3
"""pyhf references for discovery (q0) and interpolation codes (issue 19).

usage: make_refs.py [SHARED_DIR]   (run from the repository root with a
pyhf >= 0.7.6 importable; SHARED_DIR defaults to ../shared)

Writes tests/parity/MODEL.json (small models, one per modifier type, each
with a signal sample scaled by the POI "mu") and tests/parity/refs.json:
for every small model and a set of shared workspaces with a signal patch,
pyhf's converged results with a tight optimizer (SciPy SLSQP,
tolerance 1e-10; each cross-checked with Minuit, the difference recorded):

  q0:          hypotest(0, test_stat="q0", return_expected_set=True):
               p0_obs, p0_exp[5] and Z = scipy.stats.norm.isf(p0)
  code1_code0: hypotest(1, test_stat="qtilde", return_tail_probs=True,
               return_expected_set=True) on the model built with
               modifier_settings normsys code1 / histosys code0, and the
               free fit's twice_nll with those codes
  default:     the same hypotest with pyhf's default codes (small models)

Each q0, code1_code0 and default entry also holds "fits": the five fits behind
the hypotest (pyhf's AsymptoticCalculator.teststatistic with the same
tight optimizer, its fitted_pars), each with twice_nll = -2 logpdf at
its "pars" (model order) and the data it was fitted to ("observed" or
"asimov"), the POI fixed to "poi_fixed" (null: free), and "asimov_data"
(main bins then auxdata).  Where hf's minimum differs from pyhf's, these
are the evidence: hf's twice_nll at pyhf's pars must equal pyhf's.

  make_refs.py [SHARED_DIR] [--only NAME,...]  recomputes only the named
  cases and replaces them in an existing refs.json.
"""
import json
import os
import sys

import numpy as np
import pyhf
from scipy.stats import norm

HERE = "tests/parity"
CODE10 = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}
TIGHT = pyhf.optimize.scipy_optimizer(tolerance=1e-10, maxiter=100000)
MINUIT = pyhf.optimize.minuit_optimizer(tolerance=1e-5)


def sample(name, data, mods):
    return {"name": name, "data": data, "modifiers": mods}


def signal(data):
    return sample("signal", data, [{"name": "mu", "type": "normfactor", "data": None}])


def ws(channels, obs, params=None):
    return {
        "channels": channels,
        "observations": [{"name": c["name"], "data": d} for c, d in zip(channels, obs)],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": params or []}}],
        "version": "1.0.0",
    }


def small_models():
    sig = [6.0, 9.0, 12.0]
    bkg = [50.0, 40.0, 30.0]
    obs = [59.0, 53.0, 45.0]  # an excess: q0 > 0
    m = {}
    m["normsys"] = ws([{"name": "SR", "samples": [signal(sig), sample("bkg", bkg, [
        {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.25, "lo": 0.85}},
        {"name": "sig_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.93}}])]}], [obs])
    m["histosys"] = ws([{"name": "SR", "samples": [signal(sig), sample("bkg", bkg, [
        {"name": "bkg_shape", "type": "histosys",
         "data": {"hi_data": [56.0, 43.0, 35.0], "lo_data": [47.0, 39.5, 24.0]}}])]}], [obs])
    m["shapesys"] = ws([{"name": "SR", "samples": [signal(sig), sample("bkg", bkg, [
        {"name": "bkg_unc", "type": "shapesys", "data": [5.0, 6.0, 4.5]}])]}], [obs])
    m["staterror"] = ws([{"name": "SR", "samples": [signal(sig), sample("bkg", bkg, [
        {"name": "stat_SR", "type": "staterror", "data": [4.0, 3.0, 3.5]}])]}], [obs])
    m["lumi"] = ws([{"name": "SR", "samples": [
        sample("signal", sig, [{"name": "mu", "type": "normfactor", "data": None},
                               {"name": "lumi", "type": "lumi", "data": None}]),
        sample("bkg", bkg, [{"name": "lumi", "type": "lumi", "data": None}])]}], [obs],
        [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.05], "bounds": [[0.5, 1.5]], "inits": [1.0]}])
    m["shapefactor"] = ws([
        {"name": "CR", "samples": [sample("bkg", [100.0, 80.0], [
            {"name": "bkg_sf", "type": "shapefactor", "data": None}])]},
        {"name": "SR", "samples": [signal(sig[:2]), sample("bkg", [50.0, 40.0], [
            {"name": "bkg_sf", "type": "shapefactor", "data": None}])]}],
        [[104.0, 77.0], [59.0, 53.0]])
    # every type at once, two channels, normsys and histosys on both samples
    m["mixed"] = ws([
        {"name": "CR", "samples": [sample("bkg", [120.0, 90.0], [
            {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.2, "lo": 0.8}},
            {"name": "bkg_shape", "type": "histosys",
             "data": {"hi_data": [130.0, 93.0], "lo_data": [113.0, 85.0]}},
            {"name": "mu_bkg", "type": "normfactor", "data": None},
            {"name": "lumi", "type": "lumi", "data": None},
            {"name": "stat_CR", "type": "staterror", "data": [5.0, 4.0]}])]},
        {"name": "SR", "samples": [
            sample("signal", sig, [{"name": "mu", "type": "normfactor", "data": None},
                                   {"name": "sig_norm", "type": "normsys", "data": {"hi": 1.08, "lo": 0.9}},
                                   {"name": "sig_shape", "type": "histosys",
                                    "data": {"hi_data": [7.0, 9.5, 12.2], "lo_data": [5.5, 8.0, 11.5]}},
                                   {"name": "lumi", "type": "lumi", "data": None}]),
            sample("bkg", bkg, [
                {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.3, "lo": 0.88}},
                {"name": "bkg_shape", "type": "histosys",
                 "data": {"hi_data": [54.0, 44.0, 33.0], "lo_data": [47.0, 37.0, 28.5]}},
                {"name": "mu_bkg", "type": "normfactor", "data": None},
                {"name": "lumi", "type": "lumi", "data": None},
                {"name": "unc_SR", "type": "shapesys", "data": [3.0, 2.5, 2.0]},
                {"name": "stat_SR", "type": "staterror", "data": [2.0, 2.0, 1.5]}])]}],
        [[131.0, 92.0], obs],
        [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.8, 1.2]], "inits": [1.0]}])
    return m


# (name, workspace, patch, patch name) relative to the shared directory
SHARED = [
    ("syn_tiny__sig_200_0", "workspaces/synthetic/syn_tiny/BkgOnly.json",
     "workspaces/synthetic/syn_tiny/patchset.json", "sig_200_0"),
    ("syn_allmods__sig_200_25", "workspaces/synthetic/syn_allmods/BkgOnly.json",
     "workspaces/synthetic/syn_allmods/patchset.json", "sig_200_25"),
    ("syn_zeros__sig_200_50", "workspaces/synthetic/syn_zeros/BkgOnly.json",
     "workspaces/synthetic/syn_zeros/patchset.json", "sig_200_50"),
    ("DVmuon__synthetic_frac1.0", "workspaces/real/DVmuon_ins1788448_SRMET/BkgOnly.json",
     "workspaces/real/DVmuon_ins1788448_SRMET/synthetic/patch_synthetic_frac1.0.json", None),
    ("simplified_1Lbb__C1N2_Wh_hbb_550_200",
     "workspaces/real/simplified_1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json",
     "workspaces/real/simplified_1Lbb_ATLAS-SUSY-2019-08/patchset.json", "C1N2_Wh_hbb_550_200"),
    ("SS3L__synthetic_frac1.0", "workspaces/real/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json",
     "workspaces/real/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/synthetic/patch_synthetic_frac1.0.json", None),
    ("sbottom_RegionA__1300_205_60",
     "workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json",
     "workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA/patch.sbottom_1300_205_60.json", None),
    ("3LRJ__ERJR_250p0_100p0", "workspaces/real/3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json",
     "workspaces/real/3LRJ_ATLAS-SUSY-2018-06/patchset.json", "ERJR_250p0_100p0"),
]


def load(path):
    with open(path) as f:
        return json.load(f)


def build(spec, patch_path, patch_name, settings=None):
    w = pyhf.Workspace(spec)
    patches = []
    if patch_path:
        p = load(patch_path)
        patches = [pyhf.PatchSet(p)[patch_name]] if "patches" in p else [p]
    kw = {"modifier_settings": settings} if settings else {}
    model = w.model(patches=patches, **kw)
    return model, np.asarray(w.data(model), dtype=float)


def hypotest(mu, data, model, ts):
    out = {}
    for tag, opt in (("", TIGHT), ("minuit", MINUIT)):
        pyhf.set_backend("numpy", opt)
        try:
            obs, tails, exp = pyhf.infer.hypotest(mu, data, model, test_stat=ts,
                                                  return_tail_probs=True,
                                                  return_expected_set=True)
        except pyhf.exceptions.FailedMinimization:
            if tag == "":
                raise
            return out[""], "minuit failed"
        out[tag] = (float(obs), [float(t) for t in tails], [float(e) for e in exp])
    d = max(abs(a - b) for a, b in zip([out[""][0]] + out[""][2],
                                       [out["minuit"][0]] + out["minuit"][2]))
    return out[""], d


def fits(mu, data, model, ts):
    """pyhf's five hypotest fits (the calculator hypotest uses)."""
    pyhf.set_backend("numpy", TIGHT)
    calc = pyhf.infer.calculators.AsymptoticCalculator(data, model, test_stat=ts)
    calc.teststatistic(mu)
    fp = calc.fitted_pars
    asimov_mu = 1.0 if ts == "q0" else 0.0
    asimov = np.asarray(model.expected_data(fp.asimov_pars), dtype=float)

    def one(name, pars, on, fixed):
        pars = np.asarray(pars, dtype=float)
        d = data if on == "observed" else asimov
        return {"name": name, "data": on, "poi_fixed": fixed,
                "twice_nll": float(-2 * model.logpdf(pars, d)[0]),
                "pars": [float(v) for v in pars]}

    return {"fits": [one("free", fp.free_fit_to_data, "observed", None),
                     one("fixed", fp.fixed_poi_fit_to_data, "observed", mu),
                     one("for_asimov", fp.asimov_pars, "observed", asimov_mu),
                     one("asimov_free", fp.free_fit_to_asimov, "asimov", None),
                     one("asimov_fixed", fp.fixed_poi_fit_to_asimov, "asimov", mu)],
            "asimov_data": [float(v) for v in asimov]}


def free_fit(data, model):
    pyhf.set_backend("numpy", TIGHT)
    _, tnll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    return float(tnll)


def case(name, spec, patch_path, patch_name, defaults):
    c = {"name": name}
    model, data = build(spec, patch_path, patch_name)
    (p0, tails, p0_exp), d = hypotest(0.0, data, model, "q0")
    c["q0"] = {"p0_obs": p0, "p0_exp": p0_exp, "Z_obs": float(norm.isf(p0)),
               "Z_exp": [float(norm.isf(p)) for p in p0_exp], "CLb": tails[0],
               "minuit_maxdiff": d}
    c["q0"].update(fits(0.0, data, model, "q0"))
    model10, data10 = build(spec, patch_path, patch_name, CODE10)
    (cls, tails, exp), d = hypotest(1.0, data10, model10, "qtilde")
    c["code1_code0"] = {"CLs_obs": cls, "CLsb": tails[0], "CLb": tails[1], "CLs_exp": exp,
                        "twice_nll_free": free_fit(data10, model10), "minuit_maxdiff": d}
    c["code1_code0"].update(fits(1.0, data10, model10, "qtilde"))
    if defaults:
        (cls, tails, exp), d = hypotest(1.0, data, model, "qtilde")
        c["default"] = {"CLs_obs": cls, "CLsb": tails[0], "CLb": tails[1], "CLs_exp": exp,
                        "twice_nll_free": free_fit(data, model), "minuit_maxdiff": d}
        c["default"].update(fits(1.0, data, model, "qtilde"))
    print(name, c["q0"]["p0_obs"], c["code1_code0"]["CLs_obs"], file=sys.stderr)
    return c


def main():
    args = sys.argv[1:]
    only = None
    if "--only" in args:
        i = args.index("--only")
        only = set(args[i + 1].split(","))
        del args[i:i + 2]
    shared = args[0] if args else "../shared"
    old = load(f"{HERE}/refs.json") if only else None
    refs = {"pyhf_version": pyhf.__version__,
            "optimizer": "scipy SLSQP tolerance=1e-10 (minuit tolerance=1e-5 cross-check: "
                         "minuit_maxdiff is the largest difference in p-values)",
            "models": [], "shared": []}
    for name, spec in small_models().items():
        if only is not None and name not in only:
            refs["models"].append(next(c for c in old["models"] if c["name"] == name))
            continue
        path = f"{HERE}/{name}.json"
        with open(path, "w") as f:
            json.dump(spec, f, indent=1)
            f.write("\n")
        c = case(name, spec, None, None, True)
        c["workspace"] = path
        refs["models"].append(c)
    for name, w, p, pn in SHARED:
        if only is not None and name not in only:
            refs["shared"] += [c for c in old["shared"] if c["name"] == name]
            continue
        if not os.path.exists(os.path.join(shared, w)):
            print("skipped (no shared workspaces):", name, file=sys.stderr)
            continue
        c = case(name, load(os.path.join(shared, w)), os.path.join(shared, p), pn, False)
        c.update({"workspace": w, "patch": p, "patch_name": pn})
        refs["shared"].append(c)
    with open(f"{HERE}/refs.json", "w") as f:
        json.dump(refs, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
