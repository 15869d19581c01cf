#!/usr/bin/python3
"""test_python.py - python/hf.py (ctypes) against the hf command on the demo.

Run by `make check` (check-examples) with HF_BIN (the hf command) and
HF_LIB (the libhf.so to load); standard library only.  The numbers must be
the ones hfcls prints, digit for digit: both run the same library on the
same model, and hfcls prints floats as Python's repr.
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "python"))  # the hf package
import hf  # noqa: E402

HF_BIN = os.environ.get("HF_BIN", os.path.join(ROOT, "build", "hf"))
WS = os.path.join(ROOT, "workspaces", "demo", "BkgOnly.json")
PS = os.path.join(ROOT, "workspaces", "demo", "patchset.json")


def hfcls(*args):
    out = subprocess.run([HF_BIN, "cls"] + list(args), check=True,
                         stdout=subprocess.PIPE).stdout
    return json.loads(out)


def same(a, b, what):
    if a != b:
        raise AssertionError("%s: %r != %r" % (what, a, b))


def main():
    ws = hf.Workspace(WS)

    # 1. a patchset point, as hfcls --upper-limit prints it
    m = hf.Model(ws, patches=[hf.Patch(PS, name="sig_300")])
    ref = hfcls(WS, PS, "--patch-name", "sig_300", "--upper-limit")
    c = m.cls(1.0)
    same(c["CLs_obs"], ref["CLs_obs"], "CLs_obs")
    same(c["CLs_exp"], ref["CLs_exp"], "CLs_exp")
    ul = m.upper_limit(0.95)
    same(ul["obs"], ref["upper_limit"]["obs"], "upper limit")
    same(ul["exp"], ref["upper_limit"]["exp"], "expected limits")
    try:
        hf.Model(ws, patches=[hf.Patch(PS, name="nope")])
        raise AssertionError("an unknown patch name must fail")
    except hf.HFError as e:
        assert "nope" in str(e), str(e)

    # 2. a signal from scores: hf signal + hfcls == Binning + Signal batch
    rnd = random.Random(7)
    events = [(rnd.random(), rnd.uniform(0.002, 0.01)) for _ in range(3000)]
    binning = {"SR": [0.0, 0.4, 0.7, 1.0]}
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "ev.csv")
        with open(csv, "w") as f:
            f.write("channel,score,weight\n")
            for s, w in events:
                f.write("SR,%r,%r\n" % (s, w))
        bpath = os.path.join(d, "bin.json")
        with open(bpath, "w") as f:
            json.dump(binning, f)
        ppath = os.path.join(d, "patch.json")
        subprocess.run([HF_BIN, "signal", "--workspace", WS, "--scores", csv,
                        "--binning", bpath, "--lumi", "-o", ppath], check=True,
                       stderr=subprocess.DEVNULL)
        with open(ppath) as f:
            cli_patch = json.load(f)
        ref = hfcls(WS, ppath, "--upper-limit")

    b = hf.Binning(binning)
    sumw, sumw2, outside = b.fill("SR", [e[0] for e in events], [e[1] for e in events])
    same(outside, 0, "events outside")
    unc = [math.sqrt(x) for x in sumw2]
    same(hf.signal_patch(ws, ["SR"], sumw, unc, lumi=True), cli_patch, "patch")

    sig = hf.Signal(ws, ["SR"], lumi=True)
    same(sig.nbins, 3, "nbins")
    r = sig.cls_batch([sumw], unc=[unc], upper_limit=True)[0]
    same(r["CLs_obs"], ref["CLs_obs"], "batch CLs_obs")
    same(r["CLs_exp"], ref["CLs_exp"], "batch CLs_exp")
    same(r["upper_limit"]["obs"], ref["upper_limit"]["obs"], "batch limit")
    same(sig.model(sumw, unc).cls()["CLs_obs"], ref["CLs_obs"], "signal model")

    # lengths libhf cannot check: refused, not read past the end
    for bad in (lambda: hf.signal_patch(ws, ["SR"], sumw[:1]),
                lambda: hf.signal_patch(ws, ["SR"], sumw, unc[:2]),
                lambda: hf.signal_patch(ws, ["SR"], sumw + [1.0]),
                lambda: sig.model(sumw, unc[:1])):
        try:
            bad()
            raise AssertionError("a short or long array must fail")
        except hf.HFError as e:
            assert "bins" in str(e), str(e)

    # 3. many signals: thread count does not matter, a bad one fails alone
    ys = [[x * f for x in sumw] for f in (0.5, 1.0, 2.0, 4.0)]
    us = [[x * f for x in unc] for f in (0.5, 1.0, 2.0, 4.0)]
    r1 = sig.cls_batch(ys, us, threads=1)
    r2 = sig.cls_batch(ys, us, threads=2)
    same(r1, r2, "1 vs 2 threads")
    same(r1[1]["CLs_obs"], ref["CLs_obs"], "row 1")
    ys[2][0] = float("nan")
    r3 = sig.cls_batch(ys, us, threads=2)
    assert "error" in r3[2] and "error" not in r3[3], r3

    # numpy, when there is one: arrays go in without conversion
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None:
        ra = sig.cls_batch(np.array(ys[:2]), np.array(us[:2]), threads=1)
        same(ra, r1[:2], "numpy input")
    print("test_python: all passed%s" % ("" if np else " (without numpy)"))


if __name__ == "__main__":
    main()
