#!/bin/sh
# hypotest_time.sh - CPU time of one asymptotic hypotest (mu = 1, qtilde) with
# two builds of libhf in the same run: bench_hypotest.c linked against each
# build's libhf.so, the two alternated ROUNDS times (each run the median of 21
# hypotests), then per build the median over the rounds and the median of the
# per-round ratios NEW/OLD.  Same-run ratios because the machine may be shared
# (issue 21 item 4: hypotest time halved on 1Lbb and staus).
#
# usage: bench/hypotest_time.sh OLD_BUILD_DIR NEW_BUILD_DIR [ROUNDS]
#   e.g. bench/hypotest_time.sh ../hf-old/build build 9
# Needs ../shared/workspaces.  Prints one line per point.
set -e
ROUNDS=${3:-9}
. "$(dirname "$0")/pair.sh"
point() {
    name=$1
    shift
    pair_rounds "$@" | /usr/bin/python3 -c "$PAIR_RUNS_PY
print('%s: evaluations %d -> %d, ms median %.2f -> %.2f (min %.2f -> %.2f), '
      'same-round ratio median %.3f, max |dCLs_obs| %.1e' % (
      '$name', o[0]['nevals'], n[0]['nevals'],
      st.median(x['ms_median'] for x in o), st.median(y['ms_median'] for y in n),
      min(x['ms_median'] for x in o), min(y['ms_median'] for y in n), ratio,
      abs(o[0]['CLs_obs'] - n[0]['CLs_obs'])))
"
}
uptime
point "1Lbb C1N2_Wh_hbb_1000_0" $R/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json \
    $R/1Lbb_ATLAS-SUSY-2019-08/patchset.json C1N2_Wh_hbb_1000_0
point "staus DS_100_1" $R/staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json \
    $R/staus_ATLAS-SUSY-2018-04_combined/patch.DS_100_1_Staus.json
point "staus DS_200_1" $R/staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json \
    $R/staus_ATLAS-SUSY-2018-04_combined/patch.DS_200_1_Staus.json
uptime
