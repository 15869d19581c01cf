#!/usr/bin/python3
"""bench_python.py - the cost of hf.pyhf's Python layer, and pyhf in the
same run.

    PYTHONPATH=python HF_LIB=build/libhf.so /usr/bin/python3 bench/bench_python.py [SHARED]
    PYHF_PYTHON=... bench/bench_python.py --pyhf [SHARED]   # the same calls on pyhf

hf mode (default), interleaving the calls so that both see the same load:
  1. hypotest overhead on sbottom RegionA 1300_205_60: the median time of
     pyhf.infer.hypotest(1.0, data, model) (data a Python list, as
     ws.data returns it) against the median of the single C call it makes,
     hf_cls_asymptotic on the same model and data (called through ctypes
     with prepared arguments: C time plus ~1 us of call dispatch).
     Target: overhead < 0.2 * C + 50 us.
  2. Workspace(spec).model(patches=[patch]) on the 1Lbb C1N2_Wh_hbb_300_150
     point (spec a dict from json.load, patch from a PatchSet), against the
     C build from the JSON text (hf_workspace_parse + hf_model_build with
     the same parsed patch) and from the file (hf_workspace_read +
     hf_model_build); and ws.model(patches=[patch]) on an existing
     Workspace against hf_model_build alone.  Target: within 1.5x of the
     C build.
--pyhf mode: the same two calls with `import pyhf` (2 repetitions each).
Prints one JSON object.
"""
import ctypes
import json
import os
import statistics
import sys
import time

PYHF = "--pyhf" in sys.argv
args = [a for a in sys.argv[1:] if a != "--pyhf"]
SHARED = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "..", "shared")
REAL = os.path.join(SHARED, "workspaces", "real")
SB = os.path.join(REAL, "sbottom_ATLAS-SUSY-2018-31_RegionA")
LB = os.path.join(REAL, "1Lbb_ATLAS-SUSY-2019-08")

if PYHF:
    import pyhf
else:
    import hf
    import hf.pyhf as pyhf
    from hf import _capi


def load(path):
    with open(path) as f:
        return json.load(f)


def now():
    return time.perf_counter()


def bench_hypotest(out, reps):
    spec = load(os.path.join(SB, "BkgOnly.json"))
    patch = load(os.path.join(SB, "patch.sbottom_1300_205_60.json"))
    ws = pyhf.Workspace(spec)
    model = ws.model(patches=[patch])
    data = ws.data(model)
    t_py, t_c = [], []
    if not PYHF:
        import numpy as np
        L = hf.load()
        d = np.asarray(data, dtype=np.float64)
        dp = d.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        res, err = _capi._ClsResult(), _capi._Error()
        h = model._h
    def c_call():
        t0 = now()
        L.hf_cls_asymptotic(h, dp, 1.0, 2, None, ctypes.byref(res), ctypes.byref(err))
        t_c.append(now() - t0)
    for i in range(reps):
        if not PYHF and i % 2:
            c_call()  # alternate the order: neither call always runs first
        t0 = now()
        cls = pyhf.infer.hypotest(1.0, data, model)
        t_py.append(now() - t0)
        if not PYHF and not i % 2:
            c_call()
    out["hypotest_sbottomA"] = {"CLs_obs": float(cls), "reps": reps,
                                "python_ms": 1e3 * statistics.median(t_py)}
    if not PYHF:
        c = statistics.median(t_c)
        over = statistics.median(t_py) - c
        out["hypotest_sbottomA"].update({
            "c_ms": 1e3 * c, "overhead_us": 1e6 * over,
            "overhead_of_minima_us": 1e6 * (min(t_py) - min(t_c)),
            "target_us": 1e6 * (0.2 * c + 50e-6), "ok": over < 0.2 * c + 50e-6})


def bench_build(out, reps):
    ws_path = os.path.join(LB, "BkgOnly.json")
    spec = load(ws_path)
    t0 = now()
    ps = pyhf.PatchSet(load(os.path.join(LB, "patchset.json")))
    out["patchset_1Lbb_load_s"] = now() - t0
    patch = ps["C1N2_Wh_hbb_300_150"]
    t_py, t_text, t_file, t_model, t_cmodel = [], [], [], [], []
    if not PYHF:
        L = hf.load()
        with open(ws_path, "rb") as f:
            text = f.read()
        ph = (ctypes.c_void_p * 1)(patch._handle())
        err = _capi._Error()

        wh = ctypes.c_void_p()
        L.hf_workspace_parse(text, b"BkgOnly.json", ctypes.byref(wh), ctypes.byref(err))

        def c_model():
            m = ctypes.c_void_p()
            t0 = now()
            L.hf_model_build(wh, ph, 1, None, ctypes.byref(m), ctypes.byref(err))
            t = now() - t0
            L.hf_model_free(m)
            return t

        def c_build(read):
            w, m = ctypes.c_void_p(), ctypes.c_void_p()
            t0 = now()
            if read:
                L.hf_workspace_read(ws_path.encode(), ctypes.byref(w), ctypes.byref(err))
            else:
                L.hf_workspace_parse(text, b"BkgOnly.json", ctypes.byref(w), ctypes.byref(err))
            rc = L.hf_model_build(w, ph, 1, None, ctypes.byref(m), ctypes.byref(err))
            t = now() - t0
            assert rc == 0, err.msg
            L.hf_model_free(m)
            L.hf_workspace_free(w)
            return t
    for _ in range(reps):
        t0 = now()
        model = pyhf.Workspace(spec).model(patches=[patch])
        t_py.append(now() - t0)
        ws = pyhf.Workspace(spec)
        t0 = now()
        ws.model(patches=[patch])
        t_model.append(now() - t0)
        if not PYHF:
            t_text.append(c_build(False))
            t_file.append(c_build(True))
            t_cmodel.append(c_model())
    r = {"npars": model.config.npars, "reps": reps,
         "python_ms": 1e3 * statistics.median(t_py),
         "python_model_only_ms": 1e3 * statistics.median(t_model)}
    if not PYHF:
        r["c_model_only_ms"] = 1e3 * statistics.median(t_cmodel)
        r["ratio_model_only"] = r["python_model_only_ms"] / r["c_model_only_ms"]
        r["c_from_text_ms"] = 1e3 * statistics.median(t_text)
        r["c_from_file_ms"] = 1e3 * statistics.median(t_file)
        r["ratio_vs_text"] = r["python_ms"] / r["c_from_text_ms"]
        r["ratio_vs_file"] = r["python_ms"] / r["c_from_file_ms"]
        r["ok"] = r["ratio_vs_text"] <= 1.5
    out["model_build_1Lbb"] = r


def main():
    out = {"impl": "pyhf " + pyhf.__version__ if PYHF else "hf.pyhf"}
    bench_hypotest(out, 2 if PYHF else 300)
    bench_build(out, 2 if PYHF else 9)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
