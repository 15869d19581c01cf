#!/usr/bin/env bash
# bench/bench_toys.sh - toy-based CLs throughput: hf's --calctype toybased
# on the ATLAS staus combined workspace (DS_200_1, ~120 parameters, qtilde,
# mu = 1) against pyhf's ToyCalculator, and their toys per second.
#
#   bench/bench_toys.sh           (from anywhere; needs ../shared)
#
# Environment: NTOYS     hf toys per hypothesis (default 10000)
#              THREADS   hf threads (default 2)
#              PYHF_NTOYS  pyhf toys per hypothesis (default 20: pyhf takes
#                        about a second a toy here)
#              PYHF_RUN  interpreter wrapper that can `import pyhf`
#                        (default /usr/bin/python3, Debian's, which
#                        needs pyhf importable)
#              SHARED    the shared data folder (default ../shared)
# Prints a Markdown section for bench/RESULTS.md on stdout.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=$(cd "${SHARED:-$ROOT/../shared}" 2>/dev/null && pwd) || { echo "bench_toys.sh: no shared folder" >&2; exit 1; }
R=$SHARED/workspaces/real/staus_ATLAS-SUSY-2018-04_combined
WS=$R/BkgOnly.json
PATCH=$R/patch.DS_200_1_Staus.json
NTOYS=${NTOYS:-10000}
THREADS=${THREADS:-2}
PYHF_NTOYS=${PYHF_NTOYS:-20}
PYHF_RUN=${PYHF_RUN:-/usr/bin/python3}
TMP=$ROOT/build/bench
mkdir -p "$TMP"
[ -f "$WS" ] || { echo "bench_toys.sh: $WS not found" >&2; exit 1; }

make -s all >/dev/null
cp build/hf "$TMP/hf_toys"   # a private copy: others may rebuild build/
HF="$TMP/hf_toys"

load=$(cut -d' ' -f1-3 /proc/loadavg)
cmd=("$HF" cls "$WS" "$PATCH" --calctype toybased --ntoys "$NTOYS" --seed 1 --threads "$THREADS" --tail-probs --stats)
t0=$(date +%s.%N)
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%U %S' -o "$TMP/toys.time" "${cmd[@]}" >"$TMP/toys.json" 2>"$TMP/toys.err"
    cpu=$(awk '{print $1 + $2}' "$TMP/toys.time")
else
    "${cmd[@]}" >"$TMP/toys.json" 2>"$TMP/toys.err"
    cpu=NA
fi
t1=$(date +%s.%N)
wall=$(echo "$t1 - $t0" | bc -l)
hf_rate=$(echo "2 * $NTOYS / $wall" | bc -l)
failed=$(sed -n 's/.*, \([0-9]*\) and \([0-9]*\) failed fits.*/\1 + \2/p' "$TMP/toys.err")

py_rate=""
if [ -x "$PYHF_RUN" ] && "$PYHF_RUN" -c 'import pyhf' 2>/dev/null; then
    "$PYHF_RUN" bench/bench_toys_pyhf.py "$WS" "$PATCH" - "$PYHF_NTOYS" 1 >"$TMP/toys_pyhf.json"
    py_s=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$TMP/toys_pyhf.json")
    py_rate=$(echo "2 * $PYHF_NTOYS / $py_s" | bc -l)
fi

printf '## Toys\n\n'
printf 'Written by `bench/bench_toys.sh` on %s, %s CPUs; load average before the run: %s.\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$load"
printf 'Staus combined DS_200_1 (120 parameters), qtilde at mu = 1, %d s+b and %d b-only toys, %d threads.\n' "$NTOYS" "$NTOYS" "$THREADS"
printf 'CPU is user+system time of the whole command: on an idle machine wall ~ CPU / threads.\n\n'
printf '| | toys | wall s | CPU s | toys/s (wall) | failed toy fits |\n|---|---|---|---|---|---|\n'
printf '| hf | %d | %.2f | %s | %.0f | %s |\n' $((2 * NTOYS)) "$wall" "$cpu" "$hf_rate" "${failed:-?}"
if [ -n "$py_rate" ]; then
    printf '| pyhf 0.7 (numpy, scipy) | %d | %.2f | | %.2f | |\n' $((2 * PYHF_NTOYS)) "$py_s" "$py_rate"
    printf '\nhf/pyhf toys per second: %.0fx.\n' "$(echo "$hf_rate / $py_rate" | bc -l)"
else
    printf '\npyhf not available (%s): no comparison.\n' "$PYHF_RUN"
fi
printf '\nhf: `%s`\n\n' "$(cat "$TMP/toys.json")"
[ -n "$py_rate" ] && printf 'pyhf: `%s`\n\n' "$(cat "$TMP/toys_pyhf.json")"
# the commands as anyone can run them: the shared folder as ../shared
rel() { echo "${1//$SHARED/../shared}"; }
printf 'Commands:\n\n    %s\n' "build/hfcls $(rel "$WS") $(rel "$PATCH") --calctype toybased --ntoys $NTOYS --seed 1 --threads $THREADS --tail-probs --stats"
[ -n "$py_rate" ] && printf '    %s\n' "\$PYHF_RUN bench/bench_toys_pyhf.py $(rel "$WS") $(rel "$PATCH") - $PYHF_NTOYS 1"
exit 0
