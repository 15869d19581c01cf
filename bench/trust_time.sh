#!/bin/sh
# trust_time.sh - the CPU time that issue 16's robust minima add to one
# asymptotic hypotest (mu = 1), on the seven shared real workspaces of
# bench/bench_trust.sh: bench_hypotest.c linked against two builds of
# libhf, alternated ROUNDS times in the same run (each run the median of
# 21 hypotests, thread CPU time), then per build the median over the
# rounds and the median of the per-round ratios NEW/OLD (the machine may
# be shared: same-run ratios, as bench/hypotest_time.sh).
#
# usage: bench/trust_time.sh OLD_BUILD_DIR NEW_BUILD_DIR [ROUNDS [TEST_STAT]]
#   TEST_STAT qtilde (default) or q0; OLD built without the robust minima:
#   make BUILD=build-off EXTRA_CFLAGS=-DHF_NO_ROBUST_MINIMA build-off/libhf.so
#   bench/trust_time.sh build-off build 9 q0
# Needs ../shared/workspaces.  Prints one line per workspace.
set -e
ROUNDS=${3:-9}
HF_BENCH_TEST_STAT=${4:-qtilde}
export HF_BENCH_TEST_STAT
. "$(dirname "$0")/pair.sh"
point() {
    name=$1
    shift
    pair_rounds "$@" | /usr/bin/python3 -c "$PAIR_RUNS_PY
print('%-8s %s: evaluations %d -> %d (%.3f), ms median %.3f -> %.3f, '
      'same-round ratio median %.3f' % (
      '$name', '$HF_BENCH_TEST_STAT', o[0]['nevals'], n[0]['nevals'],
      n[0]['nevals'] / o[0]['nevals'],
      st.median(x['ms_median'] for x in o), st.median(y['ms_median'] for y in n),
      ratio))
"
}
uptime
point 1Lbb $R/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json \
    $R/1Lbb_ATLAS-SUSY-2019-08/patchset.json C1N2_Wh_hbb_550_200
point sbottom $R/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json \
    $R/sbottom_ATLAS-SUSY-2018-31_RegionA/patch.sbottom_1300_205_60.json
point 2Ljets $R/2Ljets_ATLAS-SUSY-2018-05_ewk_DR_High/BkgOnly.json
point 3LRJ $R/3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json \
    $R/3LRJ_ATLAS-SUSY-2018-06/patchset.json ERJR_100p0_20p0
point staus $R/staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json \
    $R/staus_ATLAS-SUSY-2018-04_combined/patch.DS_200_1_Staus.json
point SS3L $R/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json \
    $R/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/synthetic/patch_synthetic_frac1.0.json
point DVmuon $R/DVmuon_ins1788448_SRMET/BkgOnly.json \
    $R/DVmuon_ins1788448_SRMET/synthetic/patch_synthetic_frac1.0.json
uptime
