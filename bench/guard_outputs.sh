#!/bin/bash
# usage: bench/guard_outputs.sh BUILD_DIR OUT_DIR [full]   (SHARED: ../shared by default)
# Every output a change must leave byte-identical (or explain): the shared patchset grids at
# --threads 1 and 2 (--explain: fits' twice_nll and evaluation counts), every sbottom and staus
# patch through `hf cls --explain`, and (with "full") every patch's --upper-limit --stats line.
# Compare two builds: diff -r OUT_A OUT_B, then bench/guard_numbers.py and bench/guard_fits.py.
B=${1:?build dir}; O=${2:?out dir}; FULL=$3
W=$(cd "${SHARED:-../shared}" && pwd)/workspaces || { echo "guard_outputs.sh: no shared folder" >&2; exit 1; }
mkdir -p "$O"
for d in real/1Lbb_ATLAS-SUSY-2019-08 real/3LRJ_ATLAS-SUSY-2018-06 real/simplified_1Lbb_ATLAS-SUSY-2019-08 \
         real/simplified_sbottom_ATLAS-SUSY-2018-31_SRA synthetic/syn_allmods synthetic/syn_large \
         synthetic/syn_medium synthetic/syn_tiny synthetic/syn_zeros; do
  n=$(basename $d)
  # a simplified likelihood's patchset is the full workspace's (its digest is the full BkgOnly's):
  # without --no-verify these grids stop at the digest check and compare nothing
  case $n in simplified_*) nv=--no-verify ;; *) nv= ;; esac
  for t in 1 2; do
    "$B/hf" cls --threads $t --explain $nv $W/$d/BkgOnly.json $W/$d/patchset.json > "$O/$n.t$t.jsonl" 2> "$O/$n.t$t.err"
    echo "rc=$?" >> "$O/$n.t$t.err"
  done
done
# every sbottom and staus patch file through "$@" WS PATCH, a line each into $O/<workspace>.$1
# (the --stats times dropped)
each_patch() {
  local out=$1 d n p
  shift
  for d in real/sbottom_ATLAS-SUSY-2018-31_RegionA real/staus_ATLAS-SUSY-2018-04_combined; do
    n=$(basename $d)
    for p in $W/$d/patch.*.json; do
      echo "$(basename $p) $("$@" $W/$d/BkgOnly.json $p 2>&1 | sed 's/ in [0-9.]* [mu]*s//g')"
    done > "$O/$n.$out"
  done
}
each_patch cls.txt "$B/hf" cls --explain
if [ "$FULL" = full ]; then
  each_patch limits.txt "$B/hfcls" --upper-limit --stats
  for d in real/1Lbb_ATLAS-SUSY-2019-08 real/3LRJ_ATLAS-SUSY-2018-06; do
    n=$(basename $d)
    "$B/hf" cls --threads 2 --upper-limit $W/$d/BkgOnly.json $W/$d/patchset.json > "$O/$n.limits.jsonl" 2>&1
  done
fi
