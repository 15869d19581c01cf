#!/usr/bin/python3
"""Regenerates tests/pyhf/hessian_refs.json: the Hessian of the NLL of
tests/pyhf/hessian_tiny.json at two points, by 50-digit numeric second
derivatives (mpmath.diff) of the NLL written out here from pyhf's
definitions (not from hf's code): normsys code4 (its polynomial solved
here from the continuity of value, first and second derivative at
alpha = +-1), histosys code4p, normfactor, lumi, staterror (one gamma a
bin, width sqrt(sum unc^2) / sum nominal over the samples that have it),
shapesys (Poisson constraint, tau = (nominal / unc)^2), shapefactor.  The
points put n1 outside and inside |alpha| < 1 and h1 inside and outside,
away from the pieces' boundaries (where second derivatives are what
either side says, tests/test_hessian.c checks those by differences).

usage: /usr/bin/python3 tests/pyhf/make_hessian_ref.py  (from the repo root)
"""
import json

from mpmath import mp, mpf, log, loggamma, sqrt, pi, matrix, lu_solve, diff

mp.dps = 50
WS = "tests/pyhf/hessian_tiny.json"
OUT = "tests/pyhf/hessian_refs.json"


def code4_coefficients(lo, hi):
    """a1..a6 of 1 + sum a_i x^i matching hi^x, lo^-x to second order."""
    rows, rhs = [], []
    for x, f, d1, d2 in ((1, hi, hi * log(hi), hi * log(hi) ** 2),
                         (-1, lo, -lo * log(lo), lo * log(lo) ** 2)):
        rows.append([mpf(x) ** i for i in range(1, 7)])
        rhs.append(f - 1)
        rows.append([i * mpf(x) ** (i - 1) for i in range(1, 7)])
        rhs.append(d1)
        rows.append([i * (i - 1) * mpf(x) ** (i - 2) if i > 1 else 0
                     for i in range(1, 7)])
        rhs.append(d2)
    return lu_solve(matrix(rows), matrix(rhs))


def normsys(a, lo, hi):
    if a >= 1:
        return hi ** a
    if a <= -1:
        return lo ** (-a)
    c = code4_coefficients(lo, hi)
    return 1 + sum(c[i] * a ** (i + 1) for i in range(6))


def histosys(a, lo, nom, hi):
    up, dn = hi - nom, nom - lo
    if a > 1:
        return a * up
    if a < -1:
        return a * dn
    s, A = (up + dn) / 2, (up - dn) / 16
    return a * s + A * a * a * (a * a * (3 * a * a - 10) + 15)


def poisson_nll(n, lam):
    return lam - n * log(lam) + loggamma(n + 1)


def gauss_nll(x, mean, sigma):
    return ((x - mean) / sigma) ** 2 / 2 + log(sigma) + log(2 * pi) / 2


def nll_function(ws):
    """NLL(p) for a dict of parameter values, this model's modifiers only."""
    ch = ws["channels"][0]
    obs = [mpf(x) for x in ws["observations"][0]["data"]]
    nb = len(obs)
    lumi_sigma = mpf(ws["measurements"][0]["config"]["parameters"][0]["sigmas"][0])
    # staterror widths per bin, over every sample carrying "stat"
    stat_nom, stat_unc2 = [mpf(0)] * nb, [mpf(0)] * nb
    for smp in ch["samples"]:
        for md in smp["modifiers"]:
            if md["type"] == "staterror":
                for b in range(nb):
                    stat_nom[b] += mpf(smp["data"][b])
                    stat_unc2[b] += mpf(md["data"][b]) ** 2
    stat_sigma = [sqrt(stat_unc2[b]) / stat_nom[b] for b in range(nb)]
    tau = {}
    for smp in ch["samples"]:
        for md in smp["modifiers"]:
            if md["type"] == "shapesys":
                tau = [(mpf(smp["data"][b]) / mpf(md["data"][b])) ** 2 for b in range(nb)]

    def nll(p):
        lam = [mpf(0)] * nb
        for smp in ch["samples"]:
            for b in range(nb):
                base, fac = mpf(smp["data"][b]), mpf(1)
                for md in smp["modifiers"]:
                    t, name, d = md["type"], md["name"], md["data"]
                    if t == "histosys":
                        base += histosys(p[name], mpf(d["lo_data"][b]), mpf(smp["data"][b]),
                                         mpf(d["hi_data"][b]))
                    elif t == "normsys":
                        fac *= normsys(p[name], mpf(d["lo"]), mpf(d["hi"]))
                    elif t in ("normfactor", "lumi"):
                        fac *= p[name]
                    else:  # staterror, shapesys, shapefactor: a gamma a bin
                        fac *= p["%s[%d]" % (name, b)]
                lam[b] += base * fac
        s = sum(poisson_nll(obs[b], lam[b]) for b in range(nb))
        s += gauss_nll(1, p["lumi"], lumi_sigma)
        s += gauss_nll(0, p["n1"], 1) + gauss_nll(0, p["h1"], 1)
        for b in range(nb):
            s += gauss_nll(1, p["stat[%d]" % b], stat_sigma[b])
            s += poisson_nll(tau[b], p["ss[%d]" % b] * tau[b])
        return s
    return nll


POINTS = [
    {"mu": "1.3", "lumi": "1.02", "n1": "1.4", "h1": "0.6", "stat[0]": "1.03",
     "stat[1]": "0.97", "ss[0]": "1.1", "ss[1]": "0.9", "sf[0]": "1.2", "sf[1]": "0.8"},
    {"mu": "0.7", "lumi": "0.98", "n1": "-0.5", "h1": "-1.7", "stat[0]": "0.95",
     "stat[1]": "1.04", "ss[0]": "0.93", "ss[1]": "1.08", "sf[0]": "0.9", "sf[1]": "1.15"},
]


def main():
    ws = json.load(open(WS))
    nll = nll_function(ws)
    out = {"digits": 50, "workspace": WS, "points": []}
    for pt in POINTS:
        names = list(pt)
        x0 = [mpf(pt[k]) for k in names]

        def f(*x):
            return nll(dict(zip(names, x)))
        hess = {}
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if j < i:
                    continue
                order = [0] * len(names)
                order[i] += 1
                order[j] += 1
                v = diff(f, x0, tuple(order))
                hess["%s|%s" % (a, b)] = mp.nstr(v, 25)
        out["points"].append({"pars": pt, "nll": mp.nstr(f(*x0), 25), "hessian": hess})
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
