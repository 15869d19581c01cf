#!/usr/bin/env python3
"""bench/gen_big.py MB OUT.json - writes a synthetic workspace of about MB
megabytes (every modifier type, one staterror per channel, deterministic),
for the resource-limit benchmark bench/limits.sh.  Not used by the tests."""
import json
import random
import sys


def channel(c, rng, nbins=20, nsamples=10):
    samples = []
    for s in range(nsamples):
        nom = [round(rng.uniform(1, 100), 6) for _ in range(nbins)]
        mods = [
            {"name": "norm_s%d" % s, "type": "normsys",
             "data": {"hi": 1.05 + 0.01 * s, "lo": 0.95 - 0.01 * s}},
            {"name": "shape_s%d" % s, "type": "histosys",
             "data": {"hi_data": [round(x * 1.03, 6) for x in nom],
                      "lo_data": [round(x * 0.97, 6) for x in nom]}},
            {"name": "staterror_ch%05d" % c, "type": "staterror",
             "data": [round(0.1 * x, 6) for x in nom]},
        ]
        if s == 0:
            mods.append({"name": "mu", "type": "normfactor", "data": None})
        if s == 1:
            mods.append({"name": "unc_ch%05d" % c, "type": "shapesys",
                         "data": [round(0.05 * x, 6) for x in nom]})
        samples.append({"name": "sample%d" % s, "data": nom, "modifiers": mods})
    return {"name": "ch%05d" % c, "samples": samples}, \
        [float(int(sum(s["data"][b] for s in samples))) for b in range(nbins)]


def main():
    mb, out = float(sys.argv[1]), sys.argv[2]
    rng = random.Random(12345)
    one, _ = channel(0, rng)
    per = len(json.dumps(one))
    n = max(1, int(mb * 1e6 / per))
    rng = random.Random(12345)
    chans, obs = [], []
    for c in range(n):
        ch, data = channel(c, rng)
        chans.append(ch)
        obs.append({"name": ch["name"], "data": data})
    ws = {"channels": chans, "observations": obs, "version": "1.0.0",
          "measurements": [{"name": "meas", "config": {"poi": "mu",
                            "parameters": [{"name": "mu", "bounds": [[0, 10]]}]}}]}
    with open(out, "w") as f:
        json.dump(ws, f)
    print("%s: %d channels" % (out, n))


if __name__ == "__main__":
    main()
