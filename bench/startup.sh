#!/usr/bin/env bash
# bench/startup.sh - what every hf command pays before and around its work
# (issue 21): `hf --version` (start-up and exit: the dynamic loader's
# relocations, constructors) and one sbottom A hypotest through hfcls (the
# whole command), for two builds OLD and NEW run alternately, a pair per
# round, so that both see the same load.  Wall time from the clock, CPU
# (user + system) from the kernel's accounting of the child (wait4), in
# ms: medians over ROUNDS, and the median of the per-round ratios NEW/OLD.
#
#   bench/startup.sh OLD_HF NEW_HF          (ROUNDS=200 by default)
#   ROUNDS=400 SHARED=../shared bench/startup.sh /tmp/old/build/hf build/hf
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1
NEW=$2
SB=${SHARED:-../shared}/workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA
ROUNDS=${ROUNDS:-200} /usr/bin/python3 - "$OLD" "$NEW" "$SB" <<'PY'
import os, statistics as st, subprocess, sys, time
old, new, sb = sys.argv[1:4]
rounds = int(os.environ["ROUNDS"])
cases = [("hf --version", ["--version"])]
if os.path.isfile(sb + "/BkgOnly.json"):
    cases.append(("hfcls sbottom A 1300_205_60",
                  ["cls", sb + "/BkgOnly.json", sb + "/patch.sbottom_1300_205_60.json"]))
else:
    print("startup.sh: no %s: the hfcls case is skipped" % sb)

def once(hf, args):
    t0 = time.perf_counter()
    p = subprocess.Popen([hf] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        sys.exit("startup.sh: %s %s: exit %d" % (hf, " ".join(args), p.returncode))
    return wall * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3

for label, args in cases:
    o, n = [], []
    for r in range(rounds):
        o.append(once(old, args))
        n.append(once(new, args))
    for k, what in ((0, "wall"), (1, "CPU")):
        mo, mn = st.median(x[k] for x in o), st.median(y[k] for y in n)
        ratio = st.median(y[k] / x[k] for x, y in zip(o, n))
        print("%-28s %-4s OLD %6.2f ms  NEW %6.2f ms  NEW/OLD %.3f  (%d pairs)"
              % (label, what, mo, mn, ratio, rounds))
PY
