#!/bin/bash
# usage: bench/limit_sweep.sh BUILD OUT (SHARED: ../shared by default): every 1Lbb/3LRJ/sbottom/staus patch's hfcls --upper-limit --stats
# evaluation counts (hypotest, limit) into OUT (one line a patch: ws patch hyp lim)
B=${1:?build}; O=${2:?out}
W=$(cd "${SHARED:-../shared}" && pwd)/workspaces/real || { echo "limit_sweep.sh: no shared folder" >&2; exit 1; }
: > "$O"
for d in 1Lbb_ATLAS-SUSY-2019-08 3LRJ_ATLAS-SUSY-2018-06; do
  for p in $(/usr/bin/python3 -c "import json,sys; [print(x['metadata']['name']) for x in json.load(open('$W/$d/patchset.json'))['patches']]"); do
    s=$("$B/hfcls" $W/$d/BkgOnly.json $W/$d/patchset.json --patch-name $p --upper-limit --stats 2>&1 >/dev/null | grep stats)
    echo "$d $p $(echo "$s" | sed -E 's/.*hypotest: ([0-9]+) NLL.*upper limit: ([0-9]+).*/\1 \2/')" >> "$O"
  done
done
for d in sbottom_ATLAS-SUSY-2018-31_RegionA staus_ATLAS-SUSY-2018-04_combined; do
  for p in $W/$d/patch.*.json; do
    s=$("$B/hfcls" $W/$d/BkgOnly.json $p --upper-limit --stats 2>&1 >/dev/null | grep stats)
    echo "$d $(basename $p) $(echo "$s" | sed -E 's/.*hypotest: ([0-9]+) NLL.*upper limit: ([0-9]+).*/\1 \2/')" >> "$O"
  done
done
