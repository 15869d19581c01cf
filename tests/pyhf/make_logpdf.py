#!/usr/bin/env python3
"""50-digit reference values of the HistFactory log-likelihood.

usage: python3 make_logpdf.py > logpdf_refs.json
       (needs python3-mpmath; pyhf, if importable, adds its own value to
       each point as a documented comparison, never as the expectation)

The log-likelihood (main-bin Poisson terms plus every constraint term) is
evaluated with mpmath at 50 significant digits straight from the
workspace JSON, following the HistFactory specification as pyhf 0.7
implements it (normsys code4, histosys code4p, shapesys Poisson
constraints with tau = (nominal/uncertainty)^2, staterror Gaussian
constraints with the channel's relative sigma, lumi with the
measurement's sigma), without any of hf's code.  Every number of the
workspace and every parameter value is the double the JSON parser gives;
everything after that is exact to 50 digits, so the value is the true
logpdf of the model hf and pyhf both read.

Models:
  bigtau   tests/pyhf/bigtau.json: shapesys constraints with tau from 1e2
           to 1e15, large main-bin counts (up to 5e7), all modifier types.
  3LRJ     ../shared 3LRJ_ATLAS-SUSY-2018-06 BkgOnly + ERJR_100p0_20p0
           (shapesys tau up to 1.9e11), skipped when ../shared is absent.

Points: the model's inits, then 10 random points (fixed seed) where each
parameter lies within a few of its constraint widths of its centre --
the region fits explore and where the constraint terms cancel the most:
normsys/histosys N(0, 1.5) (so some fall outside |alpha| < 1), lumi and
staterror 1 + sigma N(0, 1), shapesys 1 + N(0, 1) / sqrt(tau), the POI
uniform in [0, 2], other normfactors and shapefactors 1 + 2 N(0, 1) / sqrt(n)
with n the largest observed count they multiply (fixed parameters stay at
their inits; a point with a non-positive expected yield or gamma is redrawn).  Parameter values are written with repr(), which round-trips.
"""
import json
import math
import os
import random
import sys

import mpmath
from mpmath import mpf

mpmath.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LRJ = "../shared/workspaces/real/3LRJ_ATLAS-SUSY-2018-06"


def pointer_add(doc, path, value):
    """JSON-patch "add" (the only operation the patchsets used here need)."""
    keys = path.lstrip("/").split("/")
    for k in keys[:-1]:
        doc = doc[int(k)] if isinstance(doc, list) else doc[k]
    last = keys[-1]
    if isinstance(doc, list):
        doc.insert(len(doc) if last == "-" else int(last), value)
    else:
        doc[last] = value


def load(model):
    with open(os.path.join(ROOT, model["workspace"])) as f:
        ws = json.load(f)
    if "patchset" in model:
        with open(os.path.join(ROOT, model["patchset"])) as f:
            ps = json.load(f)
        (patch,) = [p for p in ps["patches"] if p["metadata"]["name"] == model["patch"]]
        for op in patch["patch"]:
            assert op["op"] == "add", op["op"]
            pointer_add(ws, op["path"], op["value"])
    return ws


class Model:
    """The HistFactory model of one workspace, in mpmath."""

    def __init__(self, ws):
        meas = ws["measurements"][0]["config"]
        self.poi = meas["poi"]
        self.config = {p["name"]: p for p in meas.get("parameters", [])}
        self.channels = sorted(ws["channels"], key=lambda c: c["name"])
        obs = {o["name"]: o["data"] for o in ws["observations"]}
        self.obs = [mpf(x) for c in self.channels for x in obs[c["name"]]]
        self.pars = {}  # name -> dict(type, n)
        self.stat_sigma = {}  # staterror name -> [relative sigma per bin]
        self.tau = {}  # shapesys name -> [tau per bin]
        for c in self.channels:
            nb = len(c["samples"][0]["data"])
            stat = {}
            for s in c["samples"]:
                for mo in s["modifiers"]:
                    n = 1 if mo["type"] in ("normfactor", "normsys", "histosys", "lumi") else nb
                    self.pars.setdefault(mo["name"], {"type": mo["type"], "n": n})
                    if mo["type"] == "staterror":
                        acc = stat.setdefault(mo["name"], [[mpf(0)] * nb, [mpf(0)] * nb])
                        for b in range(nb):
                            acc[0][b] += mpf(s["data"][b])
                            acc[1][b] += mpf(mo["data"][b]) ** 2
                    if mo["type"] == "shapesys":
                        for d, u in zip(s["data"], mo["data"]):
                            # pyhf masks bins without uncertainty; none here
                            assert d > 0 and u > 0, "shapesys bin without uncertainty"
                        self.tau[mo["name"]] = [(mpf(d) / mpf(u)) ** 2
                                                for d, u in zip(s["data"], mo["data"])]
            for name, (nom, var) in stat.items():
                assert all(x > 0 for x in nom), "staterror bin without yield"
                self.stat_sigma[name] = [mpmath.sqrt(v) / x for x, v in zip(nom, var)]

    def inits(self):
        out = {}
        for name, p in self.pars.items():
            v = 0.0 if p["type"] in ("normsys", "histosys") else 1.0
            out[name] = list(self.config.get(name, {}).get("inits", [v] * p["n"]))
        return out

    def fixed(self, name):
        return self.config.get(name, {}).get("fixed", False)

    def widths(self):
        """Per normfactor/shapefactor scalar: 1/sqrt(n) with n the largest
        observed count it multiplies (its statistical width at 1)."""
        out, off = {}, 0
        for c in self.channels:
            obs = self.obs[off:off + len(c["samples"][0]["data"])]
            off += len(obs)
            for s in c["samples"]:
                for mo in s["modifiers"]:
                    if mo["type"] == "normfactor":
                        w = out.setdefault(mo["name"], [1.0])
                        w[0] = min(w[0], 1 / math.sqrt(max(float(max(obs)), 1)))
                    elif mo["type"] == "shapefactor":
                        out[mo["name"]] = [1 / math.sqrt(max(float(n), 1)) for n in obs]
        return out

    def random_point(self, rng):
        """Redrawn until every expected yield and every gamma is positive."""
        while True:
            out = self.draw(rng)
            gammas = [g for name, p in self.pars.items() if p["type"] in ("shapesys", "staterror")
                      for g in out[name]]
            if all(x > 0 for x in self.expected(out) + gammas):
                return out

    def draw(self, rng):
        out = self.inits()
        widths = self.widths()
        for name, p in self.pars.items():
            if self.fixed(name):
                continue
            t = p["type"]
            if t in ("normsys", "histosys"):
                out[name] = [rng.gauss(0, 1.5)]
            elif t == "lumi":
                out[name] = [1 + self.config[name]["sigmas"][0] * rng.gauss(0, 1)]
            elif t == "staterror":
                out[name] = [1 + float(sg) * rng.gauss(0, 1) for sg in self.stat_sigma[name]]
            elif t == "shapesys":
                out[name] = [1 + rng.gauss(0, 1) / math.sqrt(float(tau)) for tau in self.tau[name]]
            elif name == self.poi:
                out[name] = [rng.uniform(0, 2)]
            else:  # normfactor, shapefactor: within a few statistical widths
                out[name] = [1 + w * rng.gauss(0, 2) for w in widths[name]]
        return out

    @staticmethod
    def code4(alpha, hi, lo):
        """pyhf's normsys code4 (alpha0 = 1), coefficients solved exactly."""
        hi, lo = mpf(hi), mpf(lo)
        if alpha >= 1:
            return hi ** alpha
        if alpha <= -1:
            return lo ** (-alpha)
        lh, ll = mpmath.log(hi), mpmath.log(lo)
        # f(+-1), f'(+-1), f''(+-1) of 1 + sum a_i x^i match the exponentials
        A = mpmath.matrix([[1, 1, 1, 1, 1, 1], [-1, 1, -1, 1, -1, 1],
                           [1, 2, 3, 4, 5, 6], [1, -2, 3, -4, 5, -6],
                           [0, 2, 6, 12, 20, 30], [0, 2, -6, 12, -20, 30]])
        b = mpmath.matrix([hi - 1, lo - 1, hi * lh, -lo * ll, hi * lh ** 2, lo * ll ** 2])
        a = mpmath.lu_solve(A, b)
        return 1 + sum(a[i] * alpha ** (i + 1) for i in range(6))

    @staticmethod
    def code4p(alpha, nom, hi, lo):
        """pyhf's histosys code4p: the shift added to the nominal."""
        up, dn = mpf(hi) - mpf(nom), mpf(nom) - mpf(lo)
        if alpha > 1:
            return up * alpha
        if alpha < -1:
            return dn * alpha
        S, A = (up + dn) / 2, (up - dn) / 16
        return alpha * S + alpha ** 2 * A * (15 + alpha ** 2 * (-10 + 3 * alpha ** 2))

    def expected(self, pars):
        lam = []
        for c in self.channels:
            nb = len(c["samples"][0]["data"])
            tot = [mpf(0)] * nb
            for s in c["samples"]:
                base = [mpf(x) for x in s["data"]]
                fac = [mpf(1)] * nb
                for mo in s["modifiers"]:
                    v = [mpf(x) for x in pars[mo["name"]]]
                    t = mo["type"]
                    if t in ("normfactor", "lumi"):
                        fac = [f * v[0] for f in fac]
                    elif t == "normsys":
                        k = self.code4(v[0], mo["data"]["hi"], mo["data"]["lo"])
                        fac = [f * k for f in fac]
                    elif t == "histosys":
                        for b in range(nb):
                            base[b] += self.code4p(v[0], s["data"][b], mo["data"]["hi_data"][b],
                                                   mo["data"]["lo_data"][b])
                    elif t in ("shapesys", "staterror", "shapefactor"):
                        fac = [f * g for f, g in zip(fac, v)]
                    else:
                        raise ValueError(t)
                tot = [t0 + b0 * f0 for t0, b0, f0 in zip(tot, base, fac)]
            lam += tot
        return lam

    @staticmethod
    def poisson(n, lam):
        return -lam if n == 0 else n * mpmath.log(lam) - lam - mpmath.loggamma(n + 1)

    @staticmethod
    def gauss(x, mu, sigma):
        return -(x - mu) ** 2 / (2 * sigma ** 2) - mpmath.log(sigma) - mpmath.log(2 * mpmath.pi) / 2

    def logpdf(self, pars):
        s = sum(self.poisson(n, l) for n, l in zip(self.obs, self.expected(pars)))
        for name, p in self.pars.items():
            v = [mpf(x) for x in pars[name]]
            t = p["type"]
            if t in ("normsys", "histosys"):
                s += self.gauss(mpf(0), v[0], mpf(1))
            elif t == "lumi":
                cfg = self.config[name]
                s += self.gauss(mpf(cfg["auxdata"][0]), v[0], mpf(cfg["sigmas"][0]))
            elif t == "staterror":
                s += sum(self.gauss(mpf(1), g, sg) for g, sg in zip(v, self.stat_sigma[name]))
            elif t == "shapesys":
                s += sum(self.poisson(tau, g * tau) for g, tau in zip(v, self.tau[name]))
        return s


def pyhf_logpdf(ws, points):
    """pyhf's own value at each point (float64), or None without pyhf."""
    try:
        import pyhf
    except ImportError:
        return [None] * len(points)
    w = pyhf.Workspace(ws)
    m = w.model()
    data = w.data(m)
    out = []
    for pt in points:
        vec = [0.0] * m.config.npars
        for name, vals in pt.items():
            sl = m.config.par_slice(name)
            vec[sl] = vals
        out.append(float(m.logpdf(vec, data)[0]))
    return out


MODELS = [
    {"name": "bigtau", "workspace": "tests/pyhf/bigtau.json"},
    {"name": "3LRJ_ERJR_100p0_20p0", "workspace": LRJ + "/BkgOnly.json",
     "patchset": LRJ + "/patchset.json", "patch": "ERJR_100p0_20p0"},
]


def main():
    os.chdir(ROOT)
    out = {"digits": mpmath.mp.dps, "models": []}
    for spec in MODELS:
        if not os.path.exists(os.path.join(ROOT, spec["workspace"])):
            print("skipped %s: %s is absent" % (spec["name"], spec["workspace"]), file=sys.stderr)
            continue
        ws = load(spec)
        model = Model(ws)
        rng = random.Random(16)
        points = [model.inits()] + [model.random_point(rng) for _ in range(10)]
        pyhf_vals = pyhf_logpdf(ws, points)
        entry = dict(spec)
        entry["points"] = []
        for pt, pv in zip(points, pyhf_vals):
            entry["points"].append({"pars": pt,
                                    "logpdf": mpmath.nstr(model.logpdf(pt), 40),
                                    "pyhf": pv})
        out["models"].append(entry)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
