#!/usr/bin/env python3
"""pyhf's toy-based hypotest, for comparison with `hfcls --calctype toybased`.

usage: pyhf_toys.py WS.json PATCH.json|- PATCH_NAME|- NTOYS SEED [MU] [TEST_STAT]

PATCH.json is a pyhf patchset (PATCH_NAME picks the patch) or a plain
RFC 6902 patch (PATCH_NAME '-'); '-' for no patch.  Prints one JSON line:
pyhf.infer.hypotest(MU, data, model, calctype="toybased", ntoys=NTOYS,
test_stat=TEST_STAT, return_tail_probs=True, return_expected_set=True)
after numpy.random.seed(SEED), and the wall time of that call.
"""
import json
import sys
import time

import jsonpatch
import numpy as np
import pyhf


def main():
    ws_path, patch_path, patch_name, ntoys, seed = sys.argv[1:6]
    mu = float(sys.argv[6]) if len(sys.argv) > 6 else 1.0
    ts = sys.argv[7] if len(sys.argv) > 7 else "qtilde"
    with open(ws_path) as f:
        spec = json.load(f)
    if patch_path != "-":
        with open(patch_path) as f:
            p = json.load(f)
        if patch_name != "-":
            p = next(x["patch"] for x in p["patches"]
                     if x["metadata"]["name"] == patch_name)
        spec = jsonpatch.apply_patch(spec, p)
    ws = pyhf.Workspace(spec)
    model = ws.model()
    data = ws.data(model)
    np.random.seed(int(seed))
    t0 = time.perf_counter()
    cls_obs, tail, cls_exp = pyhf.infer.hypotest(
        mu, data, model, calctype="toybased", ntoys=int(ntoys), test_stat=ts,
        return_tail_probs=True, return_expected_set=True, track_progress=False)
    dt = time.perf_counter() - t0
    out = {"CLs_obs": float(cls_obs), "CLs_exp": [float(x) for x in cls_exp],
           "seconds": dt, "ntoys": int(ntoys)}
    if ts != "q0":
        out["CLsb"], out["CLb"] = float(tail[0]), float(tail[1])
    else:
        out["CLb"] = float(tail[0])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
