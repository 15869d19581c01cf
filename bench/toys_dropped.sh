#!/usr/bin/env bash
# bench/toys_dropped.sh - toy fits that fail (dropped toys) on every shared
# real workspace: hf cls --calctype toybased at mu = 1 (qtilde), NTOYS s+b
# and NTOYS b-only toys, seed 1.
#
#   bench/toys_dropped.sh [NAME...]     (from anywhere; needs ../shared)
#
# Environment: NTOYS    toys per hypothesis (default 10000)
#              THREADS  threads (default 2)
#              HF       the hf command to run (default build/hf, a copy)
#              SHARED   the shared data folder (default ../shared)
# Prints one Markdown table row per workspace: the dropped s+b and b-only
# toys (failed fits left out), CLs_obs and the wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=$(cd "${SHARED:-$ROOT/../shared}" 2>/dev/null && pwd) || { echo "toys_dropped.sh: no shared folder" >&2; exit 1; }
R=$SHARED/workspaces/real
NTOYS=${NTOYS:-10000}
THREADS=${THREADS:-2}
TMP=$ROOT/build/bench
mkdir -p "$TMP"
if [ -z "${HF:-}" ]; then
    make -s all >/dev/null
    cp build/hf "$TMP/hf_dropped"   # a private copy: others may rebuild build/
    HF=$TMP/hf_dropped
fi

# name | workspace folder | patch file (- for none) | patch name (- for none)
# | further option (- for none).  The simplified likelihoods are derived
# files whose patchsets carry the digest of another BkgOnly.json, hence
# --no-verify; simplified_sbottom does not build (a lumi modifier without
# a lumi parameter; pyhf fails too), its row is the error.
cases="staus|staus_ATLAS-SUSY-2018-04_combined|patch.DS_200_1_Staus.json|-|-
1Lbb|1Lbb_ATLAS-SUSY-2019-08|patchset.json|C1N2_Wh_hbb_550_200|-
sbottom|sbottom_ATLAS-SUSY-2018-31_RegionA|patch.sbottom_1000_131_1.json|-|-
3LRJ|3LRJ_ATLAS-SUSY-2018-06|patchset.json|ERJR_250p0_100p0|-
SS3L|SS3L_ATLAS-SUSY-2018-09_Rpc2L0b|synthetic/patch_synthetic_frac1.0.json|-|-
DVmuon|DVmuon_ins1788448_SRMET|synthetic/patch_synthetic_frac1.0.json|-|-
2Ljets|2Ljets_ATLAS-SUSY-2018-05_ewk_DR_High|-|-|-
simplified_1Lbb|simplified_1Lbb_ATLAS-SUSY-2019-08|patchset.json|C1N2_Wh_hbb_1000_0|--no-verify
simplified_sbottom|simplified_sbottom_ATLAS-SUSY-2018-31_SRA|patchset.json|sbottom_1000_131_1|--no-verify"

printf '| workspace | toys | threads | dropped s+b | dropped b-only | CLs_obs | wall s |\n'
printf '|---|---|---|---|---|---|---|\n'
while IFS='|' read -r name dir patch pname opt; do
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
    args=("$R/$dir/BkgOnly.json")
    [ "$patch" != - ] && args+=("$R/$dir/$patch")
    [ "$pname" != - ] && args+=(--patch-name "$pname")
    [ "$opt" != - ] && args+=("$opt")
    t0=$(date +%s.%N)
    if "$HF" cls "${args[@]}" --calctype toybased --ntoys "$NTOYS" --seed 1 \
        --threads "$THREADS" --tail-probs --stats >"$TMP/dropped_$name.json" 2>"$TMP/dropped_$name.err"; then
        t1=$(date +%s.%N)
        failed=$(sed -n 's/.*, \([0-9]*\) and \([0-9]*\) failed fits.*/\1 | \2/p' "$TMP/dropped_$name.err")
        cls=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["CLs_obs"])' "$TMP/dropped_$name.json")
        printf '| %s | %s | %s | %s | %s | %.1f |\n' "$name" "$NTOYS" "$THREADS" "$failed" "$cls" "$(echo "$t1 - $t0" | bc -l)"
    else
        printf '| %s | %s | %s | error: %s | | | |\n' "$name" "$NTOYS" "$THREADS" "$(tail -1 "$TMP/dropped_$name.err")"
    fi
done <<<"$cases"
