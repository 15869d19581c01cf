#!/bin/sh
# hypotest_instr.sh - instructions of one asymptotic hypotest (mu = 1,
# qtilde) with two builds of libhf: valgrind's callgrind counts those of
# one hf_cls_asymptotic call in bench_hypotest.c (--toggle-collect), a
# measure a shared machine's load does not move (times do: see
# hypotest_time.sh for them).  Needs valgrind and ../shared/workspaces.
#
# usage: bench/hypotest_instr.sh OLD_BUILD_DIR NEW_BUILD_DIR
# Prints one line per point: evaluations and instructions, old -> new.
set -e
ROUNDS=1
. "$(dirname "$0")/pair.sh"
instr() {
    valgrind --tool=callgrind --toggle-collect=hf_cls_asymptotic \
        --callgrind-out-file="$TMP/cg.out" "$@" 2>&1 >"$TMP/run.json" |
        awk '/Collected/ {print $4}'
}
point() {
    name=$1
    shift
    io=$(instr "$TMP/bench_OLD" 1 "$@")
    jo=$(cat "$TMP/run.json")
    in=$(instr "$TMP/bench_NEW" 1 "$@")
    jn=$(cat "$TMP/run.json")
    /usr/bin/python3 -c "
import json
o, n = json.loads('''$jo'''), json.loads('''$jn''')
print('%s: evaluations %d -> %d, instructions %.1fM -> %.1fM (%.3f), '
      'CLs_obs %.12g -> %.12g' % ('$name', o['nevals'], n['nevals'],
      $io / 1e6, $in / 1e6, $in / $io, o['CLs_obs'], n['CLs_obs']))"
}
L=$R/1Lbb_ATLAS-SUSY-2019-08
S=$R/staus_ATLAS-SUSY-2018-04_combined
for p in 1000_0 175_25 300_0 375_50 535_400 700_200; do
    point "1Lbb $p" $L/BkgOnly.json $L/patchset.json C1N2_Wh_hbb_$p
done
point "staus DS_100_1" $S/BkgOnly.json $S/patch.DS_100_1_Staus.json
point "staus DS_200_1" $S/BkgOnly.json $S/patch.DS_200_1_Staus.json
point "sbottom 1300_205_60" $R/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json \
    $R/sbottom_ATLAS-SUSY-2018-31_RegionA/patch.sbottom_1300_205_60.json
point "3LRJ ERJR_100p0_20p0" $R/3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json \
    $R/3LRJ_ATLAS-SUSY-2018-06/patchset.json ERJR_100p0_20p0
