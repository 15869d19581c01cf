#!/usr/bin/env bash
# bench/startup.sh - what every hf command pays before and around its work
# (issue 21): `hf --version` (start-up and exit: the dynamic loader's
# relocations, constructors), one sbottom A hypotest through hfcls (the
# whole command, no digest) and one patch of the 1Lbb patchset (issue 21
# item 2: the patchset's digest checked, so libcrypto is opened), for two
# builds OLD and NEW run alternately, a pair per round, so that both see
# the same load (ROUNDS1LBB rounds for 1Lbb, default ROUNDS / 4).  Wall time from the clock, CPU
# (user + system) from the kernel's accounting of the child (wait4), in
# ms: medians over ROUNDS, and the median of the per-round ratios NEW/OLD.
#
#   bench/startup.sh OLD_HF NEW_HF          (ROUNDS=200 by default)
#   ROUNDS=400 SHARED=../shared bench/startup.sh /tmp/old/build/hf build/hf
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1
NEW=$2
R=${SHARED:-../shared}/workspaces/real
ROUNDS=${ROUNDS:-200}
ROUNDS=$ROUNDS ROUNDS1LBB=${ROUNDS1LBB:-$((ROUNDS / 4))} /usr/bin/python3 - "$OLD" "$NEW" "$R" <<'PY'
import os, statistics as st, subprocess, sys, time
old, new, real = sys.argv[1:4]
rounds = int(os.environ["ROUNDS"])
sb = real + "/sbottom_ATLAS-SUSY-2018-31_RegionA"
lbb = real + "/1Lbb_ATLAS-SUSY-2019-08"
cases = [("hf --version", ["--version"], rounds)]
if os.path.isdir(real):
    cases.append(("hfcls sbottom A 1300_205_60",
                  ["cls", sb + "/BkgOnly.json", sb + "/patch.sbottom_1300_205_60.json"], rounds))
    cases.append(("hfcls 1Lbb C1N2_Wh_hbb_1000_0",
                  ["cls", lbb + "/BkgOnly.json", lbb + "/patchset.json",
                   "--patch-name", "C1N2_Wh_hbb_1000_0"], int(os.environ["ROUNDS1LBB"])))
else:
    print("startup.sh: no %s: the hfcls cases are skipped" % real)

def once(hf, args):
    t0 = time.perf_counter()
    p = subprocess.Popen([hf] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        sys.exit("startup.sh: %s %s: exit %d" % (hf, " ".join(args), p.returncode))
    return wall * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3

for label, args, nr in cases:
    o, n = [], []
    for r in range(nr):
        o.append(once(old, args))
        n.append(once(new, args))
    for k, what in ((0, "wall"), (1, "CPU")):
        mo, mn = st.median(x[k] for x in o), st.median(y[k] for y in n)
        ratio = st.median(y[k] / x[k] for x, y in zip(o, n))
        print("%-30s %-4s OLD %6.2f ms  NEW %6.2f ms  NEW/OLD %.3f  (%d pairs)"
              % (label, what, mo, mn, ratio, nr))
PY
