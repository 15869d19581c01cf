#!/bin/sh
# The cost of robust minima and true convergence: `hf cls --stats` (mu = 1,
# qtilde) on the shared real workspaces with two builds of hf, interleaved
# in one run, N times each; prints per workspace the median hypotest time
# of each build, their ratio and the NLL+gradient evaluation counts (which
# do not depend on the machine).
# usage: bench/bench_trust.sh OLD_HF NEW_HF [N [HF_CLS_ARGS...]]
#        (from the repository root), e.g. ... 1 --test-stat q0
# Issue 16's robust minima on against off: OLD_HF built with
#   make BUILD=build-off EXTRA_CFLAGS=-DHF_NO_ROBUST_MINIMA build-off/hf
# (fit/fit.h HFFIT_ROBUST), NEW_HF = build/hf.
old=$1 new=$2 n=${3:-7}
shift 3 2>/dev/null || shift $#
extra="$*"
S=../shared/workspaces/real
set -- \
  "$S/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json $S/1Lbb_ATLAS-SUSY-2019-08/patchset.json --patch-name C1N2_Wh_hbb_550_200" \
  "$S/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json $S/sbottom_ATLAS-SUSY-2018-31_RegionA/patch.sbottom_1300_205_60.json" \
  "$S/2Ljets_ATLAS-SUSY-2018-05_ewk_DR_High/BkgOnly.json" \
  "$S/3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json $S/3LRJ_ATLAS-SUSY-2018-06/patchset.json --patch-name ERJR_100p0_20p0" \
  "$S/staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json $S/staus_ATLAS-SUSY-2018-04_combined/patch.DS_200_1_Staus.json" \
  "$S/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json $S/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/synthetic/patch_synthetic_frac1.0.json" \
  "$S/DVmuon_ins1788448_SRMET/BkgOnly.json $S/DVmuon_ins1788448_SRMET/synthetic/patch_synthetic_frac1.0.json"
stat() { # hf args -> "evals ms"
  "$@" $extra --stats 2>&1 >/dev/null | sed -n 's/.*[:;] \([0-9]*\) NLL+gradient evaluations in \([0-9.]*\) ms.*/\1 \2/p'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-20s %8s %8s %7s %8s %8s\n' workspace old_ms new_ms ratio old_ev new_ev
for args in "$@"; do
  : >/tmp/bt_old.$$; : >/tmp/bt_new.$$
  i=0
  while [ $i -lt "$n" ]; do
    # shellcheck disable=SC2086
    stat "$old" cls $args >>/tmp/bt_old.$$
    # shellcheck disable=SC2086
    stat "$new" cls $args >>/tmp/bt_new.$$
    i=$((i + 1))
  done
  mo=$(cut -d' ' -f2 /tmp/bt_old.$$ | median); mn=$(cut -d' ' -f2 /tmp/bt_new.$$ | median)
  eo=$(head -1 /tmp/bt_old.$$ | cut -d' ' -f1); en=$(head -1 /tmp/bt_new.$$ | cut -d' ' -f1)
  name=$(echo "$args" | sed 's|.*/real/||; s|/.*||; s|_ATLAS.*||')
  printf '%-20s %8s %8s %7.3f %8s %8s\n' "$name" "$mo" "$mn" "$(echo "$mn / $mo" | bc -l)" "$eo" "$en"
done
rm -f /tmp/bt_old.$$ /tmp/bt_new.$$
