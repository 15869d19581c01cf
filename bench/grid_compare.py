"""grid_compare.py A B: two `hf cls WS PATCHSET --explain` outputs of one grid
(one JSON line per patch), A before and B after a change.

Prints the patches whose CLs are identical, the largest |dCLs| (observed and
the expected band) and its patch, the evaluations per kind of fit, and the
fits whose minimum got higher: the fits to the data (free, fixed_poi,
bkg_only) by twice_nll; the Asimov fixed-POI fit by its height above the
Asimov free fit (q_A / 2), since each run's Asimov data are made from its own
background-only fit (the Asimov free fit is their generating point).

    python3 bench/grid_compare.py before.jsonl after.jsonl
"""
import json
import sys

DATA_FITS = ("free", "fixed_poi", "bkg_only")


def load(path):
    out = {}
    for line in open(path):
        d = json.loads(line)
        out[d["patch"]] = d
    return out


def height(e, f):
    t = e[f]["twice_nll"]
    return t - e["asimov_free"]["twice_nll"] if f == "asimov_fixed_poi" else t


def main(a_path, b_path):
    a, b = load(a_path), load(b_path)
    same, worst, evals, higher = 0, (0.0, None), {}, []
    for k, x in a.items():
        y = b[k]
        v = [x["CLs_obs"]] + x["CLs_exp"]
        w = [y["CLs_obs"]] + y["CLs_exp"]
        same += v == w
        d = max(abs(p - q) for p, q in zip(v, w))
        if d > worst[0]:
            worst = (d, k)
        ex, ey = x["explain"], y["explain"]
        for f, s in ex.items():
            if isinstance(s, dict):
                ea, eb = evals.get(f, (0, 0))
                evals[f] = (ea + s["nevals"], eb + ey[f]["nevals"])
        for f in DATA_FITS + ("asimov_fixed_poi",):
            up = height(ey, f) - height(ex, f)
            if up > 1e-6:
                higher.append((k, f, up))
    print("%s: %d patches, %d with identical CLs; largest |dCLs| %.3g (%s)"
          % (b_path, len(a), same, worst[0], worst[1]))
    ta = sum(e[0] for e in evals.values())
    tb = sum(e[1] for e in evals.values())
    print("  evaluations %d -> %d:" % (ta, tb),
          ", ".join("%s %d -> %d" % (f, e[0], e[1]) for f, e in evals.items()))
    for k, f, up in higher:
        print("  higher by %.3g: %s %s%s" % (up, k, f,
              " (q_A / 2)" if f == "asimov_fixed_poi" else ""))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
