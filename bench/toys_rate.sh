#!/usr/bin/env bash
# bench/toys_rate.sh - toys per second (the --stats figure: 2 NTOYS / wall
# time of the toy loop) on staus (DS_200_1) and 1Lbb (C1N2_Wh_hbb_550_200)
# at 1 and 2 threads, qtilde at mu = 1, seed 1.
#
#   bench/toys_rate.sh      (from anywhere; needs ../shared)
#
# Environment: NTOYS_STAUS (default 1000), NTOYS_1LBB (default 200) toys per
#              hypothesis; HF the hf command (default: a copy of build/hf);
#              SHARED the shared data folder (default ../shared).
# Prints Markdown table rows.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=$(cd "${SHARED:-$ROOT/../shared}" 2>/dev/null && pwd) || { echo "toys_rate.sh: no shared folder" >&2; exit 1; }
R=$SHARED/workspaces/real
TMP=$ROOT/build/bench
mkdir -p "$TMP"
if [ -z "${HF:-}" ]; then
    make -s all >/dev/null
    cp build/hf "$TMP/hf_rate"
    HF=$TMP/hf_rate
fi
printf '| workspace | toys per hypothesis | threads | toys/s | dropped s+b + b-only | load before |\n|---|---|---|---|---|---|\n'
for threads in 1 2; do
    for ws in staus 1Lbb; do
        if [ "$ws" = staus ]; then
            args=("$R/staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json" "$R/staus_ATLAS-SUSY-2018-04_combined/patch.DS_200_1_Staus.json")
            n=${NTOYS_STAUS:-1000}
        else
            args=("$R/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json" "$R/1Lbb_ATLAS-SUSY-2019-08/patchset.json" --patch-name C1N2_Wh_hbb_550_200)
            n=${NTOYS_1LBB:-200}
        fi
        load=$(cut -d' ' -f1 /proc/loadavg)
        "$HF" cls "${args[@]}" --calctype toybased --ntoys "$n" --seed 1 --threads "$threads" --stats >/dev/null 2>"$TMP/rate.err"
        rate=$(sed -n 's/.*(\([0-9.]*\) toys\/s).*/\1/p' "$TMP/rate.err")
        failed=$(sed -n 's/.*, \([0-9]*\) and \([0-9]*\) failed fits.*/\1 + \2/p' "$TMP/rate.err")
        printf '| %s | %s | %s | %s | %s | %s |\n' "$ws" "$n" "$threads" "$rate" "$failed" "$load"
    done
done
