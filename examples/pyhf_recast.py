#!/usr/bin/python3
"""pyhf_recast.py - a recasting loop written as pyhf code.

The first import is the only line that differs from a pyhf script: with
`import pyhf` in its place the script runs on pyhf itself and prints the
same table (to pyhf's optimizer tolerance).

    python3 examples/pyhf_recast.py [BkgOnly.json patchset.json]
"""
import json
import sys

import numpy as np

import hf.pyhf as pyhf  # pyhf: import pyhf

pyhf.set_backend("numpy")


def main(argv):
    ws_path = argv[1] if len(argv) > 1 else "workspaces/demo/BkgOnly.json"
    ps_path = argv[2] if len(argv) > 2 else "workspaces/demo/patchset.json"
    with open(ws_path) as f:
        workspace = pyhf.Workspace(json.load(f))
    with open(ps_path) as f:
        patchset = pyhf.PatchSet(json.load(f))
    patchset.verify(workspace)

    print("%-10s %10s %10s %10s %10s" % ("patch", "CLs_obs", "CLs_exp", "mu_up_obs",
                                         "mu_up_exp"))
    for patch in patchset:
        model = workspace.model(patches=[patch])
        data = workspace.data(model)
        cls_obs, cls_exp = pyhf.infer.hypotest(
            1.0, data, model, test_stat="qtilde", return_expected=True)
        obs_limit, exp_limits = pyhf.infer.intervals.upper_limits.upper_limit(
            data, model, scan=np.linspace(0, 5, 51))
        print("%-10s %10.4f %10.4f %10.4f %10.4f" % (
            patch.name, float(cls_obs), float(cls_exp), float(obs_limit),
            float(exp_limits[2])))

    # the free fit of the first signal's model
    model = workspace.model(patches=[patchset.patches[0]])
    data = workspace.data(model)
    pars, twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    print("best fit: -2 log L = %.4f" % float(twice_nll))
    for name, value in zip(model.config.par_names, pars):
        print("  %-24s %9.4f" % (name, value))
    print("logpdf at the best fit: %.4f" % model.logpdf(pars, data)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
