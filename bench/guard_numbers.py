#!/usr/bin/python3
"""guard_numbers.py A_DIR B_DIR: bench/guard_outputs.sh's files compared number by number, evaluation counts apart.
Prints per file the largest absolute change of a CLs-like number (values in [0,1]) and the largest
relative change of any other number, and any text difference that is not a number."""
import re, sys, os
A, B = sys.argv[1], sys.argv[2]
NUM = re.compile(r'-?\d+\.?\d*(?:[eE][-+]?\d+)?')
COUNT = re.compile(r'("nevals": |\b)(\d+)( NLL\+gradient evaluations|\b)')
def strip_counts(t):
    t = re.sub(r'"nevals": \d+', '"nevals": N', t)
    t = re.sub(r'\d+ NLL\+gradient evaluations', 'N NLL+gradient evaluations', t)
    t = re.sub(r'(evaluations?)[:,]? \d+', r'\1 N', t)
    t = re.sub(r'\d+ evaluations', 'N evaluations', t)
    t = re.sub(r"upper limit: \d+$", "upper limit: N", t, flags=re.M)
    return t
worst = 0.0
for f in sorted(os.listdir(A)):
    a = strip_counts(open(os.path.join(A, f)).read()); b = strip_counts(open(os.path.join(B, f)).read())
    if a == b:
        continue
    ta, tb = NUM.split(a), NUM.split(b)
    if ta != tb:
        print("TEXT DIFFERS", f); continue
    na, nb = NUM.findall(a), NUM.findall(b)
    dabs = drel = 0.0
    for x, y in zip(na, nb):
        if x == y: continue
        x, y = float(x), float(y)
        if 0 <= x <= 1 and 0 <= y <= 1:
            dabs = max(dabs, abs(x - y))
        else:
            drel = max(drel, abs(x - y) / max(abs(x), 1e-300))
    print(f"{f}: max |d| of [0,1] numbers {dabs:.2e}, max relative d of others {drel:.2e}")
