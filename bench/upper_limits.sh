#!/usr/bin/env bash
# bench/upper_limits.sh - what an upper limit (observed and the +-1/2 sigma
# expected band, asymptotic, qtilde, 95% CL) costs against one hypotest:
# NLL+gradient evaluations (deterministic) and median wall times of
# `hfcls ... --upper-limit --stats` over REPEAT runs, on every shared real
# workspace with a signal, on the shared synthetic ones and on hidden-size
# synthetic models (bench/gen_big.py).  (simplified_sbottom's patches need a lumi
# parameter its measurement lacks: not run.)  Prints a markdown section and puts it into
# bench/RESULTS.md (replacing the previous one).
#
#   bench/upper_limits.sh [BEFORE_HFCLS]   (from anywhere)
#
# BEFORE_HFCLS: an older build's hfcls; its evaluations per limit get a
# column of their own.  Environment: SHARED (default ../shared), REPEAT
# (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=$(cd "${SHARED:-../shared}" 2>/dev/null && pwd) ||
    { echo "bench/upper_limits.sh: no shared folder" >&2; exit 1; }
R=$SHARED/workspaces/real
BEFORE=${1:-}
REPEAT=${REPEAT:-5}
TMP=build/upper_limits
mkdir -p "$TMP"
make -s all >/dev/null
cp build/hf "$TMP/hf" # a make by someone else must not swap it under us
for n in 600 2400; do # scalar parameters: 40 a channel + 21
    mb=$(echo "scale=3; ($n - 21) / 40 * 0.0116" | bc)
    [ -f "$TMP/gen$n.json" ] || python3 bench/gen_big.py "$mb" "$TMP/gen$n.json" >/dev/null
done

cases=(
"1Lbb C1N2_Wh_hbb_550_200|$R/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json $R/1Lbb_ATLAS-SUSY-2019-08/patchset.json --patch-name C1N2_Wh_hbb_550_200"
"2Ljets ewk_DR_High (signal in BkgOnly)|$R/2Ljets_ATLAS-SUSY-2018-05_ewk_DR_High/BkgOnly.json"
"3LRJ ERJR_250p0_100p0|$R/3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json $R/3LRJ_ATLAS-SUSY-2018-06/patchset.json --patch-name ERJR_250p0_100p0"
"DVmuon SRMET synthetic frac1.0|$R/DVmuon_ins1788448_SRMET/BkgOnly.json $R/DVmuon_ins1788448_SRMET/synthetic/patch_synthetic_frac1.0.json"
"SS3L Rpc2L0b synthetic frac1.0|$R/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json $R/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/synthetic/patch_synthetic_frac1.0.json"
"sbottom RegionA 1300_205_60|$R/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json $R/sbottom_ATLAS-SUSY-2018-31_RegionA/patch.sbottom_1300_205_60.json"
"simplified_1Lbb C1N2_Wh_hbb_550_200|$R/simplified_1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json $R/simplified_1Lbb_ATLAS-SUSY-2019-08/patchset.json --patch-name C1N2_Wh_hbb_550_200 --no-verify"
"staus DS_200_1|$R/staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json $R/staus_ATLAS-SUSY-2018-04_combined/patch.DS_200_1_Staus.json"
"syn_tiny sig_200_25|$SHARED/workspaces/synthetic/syn_tiny/BkgOnly.json $SHARED/workspaces/synthetic/syn_tiny/patchset.json --patch-name sig_200_25"
"syn_medium sig_200_0|$SHARED/workspaces/synthetic/syn_medium/BkgOnly.json $SHARED/workspaces/synthetic/syn_medium/patchset.json --patch-name sig_200_0"
"syn_large sig_200_0|$SHARED/workspaces/synthetic/syn_large/BkgOnly.json $SHARED/workspaces/synthetic/syn_large/patchset.json --patch-name sig_200_0"
"syn_allmods sig_200_25|$SHARED/workspaces/synthetic/syn_allmods/BkgOnly.json $SHARED/workspaces/synthetic/syn_allmods/patchset.json --patch-name sig_200_25"
"syn_zeros sig_200_25|$SHARED/workspaces/synthetic/syn_zeros/BkgOnly.json $SHARED/workspaces/synthetic/syn_zeros/patchset.json --patch-name sig_200_25"
"gen_big.py, ~600 parameters|$TMP/gen600.json"
"gen_big.py, ~2400 parameters|$TMP/gen2400.json"
)

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# stats of one run: npars evals_hypotest ms_hypotest evals_limit ms_limit
stats() {
    "$@" --upper-limit --stats 2>&1 >/dev/null | sed -n \
        's/.*hypotest: \([0-9]*\) NLL+gradient evaluations in \([0-9.]*\) ms; upper limit: \([0-9]*\) in \([0-9.]*\) ms.*/\1 \2 \3 \4/p'
}

{
echo "## Upper limits against one hypotest (bench/upper_limits.sh)"
echo
echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs shared with other users (load average"
echo "$(cut -d' ' -f1-3 /proc/loadavg)): timings are medians of $REPEAT runs and noisy; the evaluation"
echo "counts are deterministic.  \`hfcls WS [PATCH] --upper-limit --stats\`: the hypotest at"
echo "mu = 1 and the limit (observed and the +-1/2 sigma band, qtilde, 95% CL), each from"
echo "its own free fits.  Target (issue 21): a limit in at most 4x a hypotest's evaluations."
echo "Command: \`bench/upper_limits.sh${BEFORE:+ OLD/build/hfcls}\`${BEFORE:+ (OLD: a build of an older commit)}."
echo
if [ -n "$BEFORE" ]; then
    echo "| case | parameters | evals / hypotest | evals / limit | ratio | before: evals / limit (ratio) | median ms hypotest | median ms limit |"
    echo "|---|---|---|---|---|---|---|---|"
else
    echo "| case | parameters | evals / hypotest | evals / limit | ratio | median ms hypotest | median ms limit |"
    echo "|---|---|---|---|---|---|---|"
fi
for c in "${cases[@]}"; do
    name=${c%%|*}
    read -r -a args <<<"${c#*|}"
    [ -f "${args[0]}" ] || continue
    : >"$TMP/runs"
    for r in $(seq "$REPEAT"); do stats "$TMP/hf" cls "${args[@]}" >>"$TMP/runs"; done
    [ -s "$TMP/runs" ] || { echo "| $name | failed | | | | |"; continue; }
    read -r eh _ el _ <"$TMP/runs"
    th=$(cut -d' ' -f2 "$TMP/runs" | median)
    tl=$(cut -d' ' -f4 "$TMP/runs" | median)
    npars=$("$TMP/hf" cls "${args[@]}" --explain --explain-pars 2>/dev/null |
        python3 -c 'import json, sys
p = json.load(sys.stdin)["explain"]["free"]["pars"]
print(sum(len(v) if isinstance(v, list) else 1 for v in p.values()))' 2>/dev/null || echo "?")
    ratio=$(echo "scale=2; $el / $eh" | bc)
    if [ -n "$BEFORE" ]; then
        read -r beh _ bel _ < <(stats "$BEFORE" "${args[@]}")
        echo "| $name | $npars | $eh | $el | $ratio | $bel ($(echo "scale=2; $bel / $beh" | bc)) | $th | $tl |"
    else
        echo "| $name | $npars | $eh | $el | $ratio | $th | $tl |"
    fi
done
} | tee "$TMP/section.md"
# the notes written under the previous table (read with it: edit them to
# the new numbers) follow the new one
awk '/^## Upper limits against one hypotest/{on=1; next} /^## /{on=0} on' \
    bench/RESULTS.md | awk 'table && !/^\|/{after=1} /^\|/{table=1} after' \
    >"$TMP/notes.md"
awk '/^## Upper limits against one hypotest/{skip=1; next} /^## /{skip=0} !skip' \
    bench/RESULTS.md >"$TMP/RESULTS.md"
cat "$TMP/section.md" "$TMP/notes.md" >>"$TMP/RESULTS.md"
mv "$TMP/RESULTS.md" bench/RESULTS.md
