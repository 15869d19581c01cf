#!/usr/bin/env python3
"""pyhf's hypotest at a tight optimizer tolerance, for shared references
whose CLs is ill-conditioned in the fits' precision.

usage: python3 make_tight.py > tight.json   (run from tests/pyhf; needs
pyhf 0.7.6+ importable and ../../../shared)

syn_allmods sig_200_25: its q_asimov is 2.1e-4, where CLb moves by 4e-3
per 1e-5 of q_asimov; the shared reference ran pyhf's default SLSQP
tolerance, whose fits agree with hf's to 1e-6 in twice_nll and still leave
CLb off by 5e-3.  pyhf's own answer at tolerance 1e-12 is the one to match.
"""
import json
import os
import sys

import pyhf

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "..", "shared")
NAMES = ["syn_allmods__sig_200_25"]


def main():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    out = {"pyhf_version": pyhf.__version__, "tolerance": 1e-12, "refs": {}}
    for name in NAMES:
        with open(os.path.join(SHARED, "reference", name + ".json")) as f:
            ref = json.load(f)
        with open(os.path.join(SHARED, ref["workspace"])) as f:
            ws = pyhf.Workspace(json.load(f))
        with open(os.path.join(SHARED, ref["patch"])) as f:
            ps = json.load(f)
        patch = pyhf.PatchSet(ps)[ref["patch_name"]] if "patches" in ps else ps
        model = ws.model(patches=[patch])
        data = ws.data(model)
        cls, tails, exp = pyhf.infer.hypotest(
            1.0, data, model, test_stat="qtilde", return_tail_probs=True,
            return_expected_set=True)
        out["refs"][name] = {"CLs_obs": float(cls), "CLsb": float(tails[0]),
                             "CLb": float(tails[1]),
                             "CLs_exp": [float(x) for x in exp]}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
