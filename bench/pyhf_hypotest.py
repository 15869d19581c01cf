"""Times pyhf.infer.hypotest (asymptotics, qtilde, mu = 1, default numpy
backend and optimizer) on a workspace + patch, as bench/run.sh compares
hf against.  usage: pyhf_hypotest.py WS.json PATCH.json [PATCH_NAME]
Prints one JSON object: seconds of the fastest of `reps` calls (after model
building), and the CLs values to check both programs computed the same."""
import json
import sys
import time

import pyhf

ws_path, patch_path = sys.argv[1], sys.argv[2]
name = sys.argv[3] if len(sys.argv) > 3 else None
with open(ws_path) as f:
    ws = pyhf.Workspace(json.load(f))
with open(patch_path) as f:
    p = json.load(f)
if name:
    patch = pyhf.PatchSet(p)[name]
    ws = patch.apply(ws)
else:
    import jsonpatch  # a pyhf dependency; what pyhf's own patching uses

    ws = pyhf.Workspace(jsonpatch.apply_patch(dict(ws), p))
t0 = time.perf_counter()
model = ws.model()
data = ws.data(model)
t_build = time.perf_counter() - t0
best, res = None, None
for rep in range(2):
    t0 = time.perf_counter()
    res = pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde",
                              return_expected_set=True)
    t = time.perf_counter() - t0
    best = t if best is None else min(best, t)
    if t > 5:  # one slow call is measurement enough
        break
obs, exp = res
print(json.dumps({"pyhf": pyhf.__version__, "build_s": t_build,
                  "hypotest_s": best, "CLs_obs": float(obs),
                  "CLs_exp": [float(e) for e in exp]}))
