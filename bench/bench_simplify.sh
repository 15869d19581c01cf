#!/bin/bash
# bench_simplify.sh - how faithful and how fast simplified likelihoods are.
#
# For each analysis, CLs (observed and median expected, qtilde, mu = 1) of
# every signal patch on the full likelihood and on the simplified ones
# made by `hf simplify --method ...` (METHODS below); prints a markdown
# table: max and median |dCLs|, the fraction of points where the exclusion
# (CLs < 0.05) is the same, the time `hf simplify` takes and the speed-up
# of the grid (hfcls --threads THREADS, default 2, over every patch).
#
#   bench/bench_simplify.sh [BUILD_DIR]      (default: build)
#
# Needs ../shared/workspaces/real; python3 (standard library only) does
# the statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
HF=$B/hf
HFCLS=$B/hfcls
R=${HF_SHARED:-../shared}/workspaces/real
THREADS=${THREADS:-2}
METHODS=(simplify postfit correlated "linear --keep-named none"
         linear)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }

# sbottom A ships one RFC 6902 patch per point: gather them in a patchset.
sbottom_patchset() {
    local dir=$R/sbottom_ATLAS-SUSY-2018-31_RegionA
    local dg
    dg=$("$HF" digest "$dir/BkgOnly.json" | sed -n 's/^sha256://p')
    python3 - "$dir" "$dg" > "$T/sbottom_patchset.json" <<'PY'
import glob, json, os, re, sys
d, dg = sys.argv[1], sys.argv[2]
patches = []
for f in sorted(glob.glob(os.path.join(d, "patch.*.json"))):
    name = os.path.basename(f)[len("patch."):-len(".json")]
    vals = [int(x) for x in re.findall(r"\d+", name)]
    patches.append({"metadata": {"name": name, "values": vals},
                    "patch": json.load(open(f))})
print(json.dumps({"metadata": {"name": "sbottom_RegionA",
                               "description": "patch.*.json of RegionA",
                               "digests": {"sha256": dg},
                               "labels": ["m_sb", "m_N2", "m_N1"],
                               "references": {"hepdata": "ins1748602"}},
                  "patches": patches, "version": "1.0.0"}))
PY
}

compare() {  # full.jsonl simplified.jsonl label method t_full t_simplify t_grid
    python3 - "$@" <<'PY'
import json, statistics, sys
full, simp, label, method, tf, tsimp, ts = sys.argv[1:8]
def load(p):
    out = {}
    for line in open(p):
        r = json.loads(line)
        if "CLs_obs" in r and r["CLs_obs"] is not None:
            out[r["patch"]] = (r["CLs_obs"], r["CLs_exp"][2])
    return out
a, b = load(full), load(simp)
keys = [k for k in a if k in b]
do = [abs(a[k][0] - b[k][0]) for k in keys]
de = [abs(a[k][1] - b[k][1]) for k in keys]
ao = sum((a[k][0] < 0.05) == (b[k][0] < 0.05) for k in keys) / len(keys)
ae = sum((a[k][1] < 0.05) == (b[k][1] < 0.05) for k in keys) / len(keys)
print(f"| {label} | {method} | {len(keys)} | {max(do):.4f} | "
      f"{statistics.median(do):.4f} | {max(de):.4f} | "
      f"{statistics.median(de):.4f} | {100*ao:.1f}% | {100*ae:.1f}% | "
      f"{float(tsimp):.2f} s | {float(tf):.2f} s | {float(ts):.2f} s | "
      f"{float(tf)/float(ts):.1f}x |")
PY
}

sbottom_patchset
echo "| analysis | method | points | max dCLs obs | median dCLs obs |" \
     "max dCLs exp | median dCLs exp | same exclusion obs | same exclusion exp |" \
     "hf simplify | full grid | simplified grid | grid speed-up |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
while read -r label ws ps; do
    t0=$(now)
    "$HFCLS" "$ws" "$ps" --threads "$THREADS" > "$T/$label.full.jsonl"
    t1=$(now)
    tfull=$(echo "$t1 - $t0" | bc)
    for method in "${METHODS[@]}"; do
        f=$T/$label.${method// /_}
        t0=$(now)
        # shellcheck disable=SC2086
        "$HF" simplify "$ws" --method $method -o "$f.json"
        t1=$(now)
        "$HFCLS" "$f.json" "$ps" --no-verify --threads "$THREADS" > "$f.jsonl"
        t2=$(now)
        compare "$T/$label.full.jsonl" "$f.jsonl" "$label" "$method" \
            "$tfull" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
    done
done <<LIST
1Lbb $R/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json $R/1Lbb_ATLAS-SUSY-2019-08/patchset.json
3LRJ $R/3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json $R/3LRJ_ATLAS-SUSY-2018-06/patchset.json
sbottomA $R/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json $T/sbottom_patchset.json
LIST
