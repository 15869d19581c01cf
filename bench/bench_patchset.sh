#!/usr/bin/env bash
# bench/bench_patchset.sh - the cost of reading a large patchset (issue 21,
# items 2 and 3): one patch of the 1Lbb patchset (57 MB), and the whole
# 125-point grid at 1 and 2 threads; wall time and peak RSS from GNU time
# (/usr/bin/time -v), medians of REPS runs, the runs of A and B (an older
# build, optional) interleaved so that both see the same load.  Also
# checks that the grid's output is byte-identical at 1 and 2 threads (and
# to B's).
#
#   bench/bench_patchset.sh [HF_A [HF_B]]     (default HF_A: build/hf)
#   REPS=7 SHARED=../shared bench/bench_patchset.sh build/hf /tmp/old/build/hf
#   GRIDS=0 REPS=15 bench/bench_patchset.sh ...   (the single patch only)
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:-build/hf}
B=${2:-}
REPS=${REPS:-7}
GRIDS=${GRIDS:-1}
SHARED=${SHARED:-../shared}
D=$SHARED/workspaces/real/1Lbb_ATLAS-SUSY-2019-08
[ -f "$D/patchset.json" ] || { echo "bench_patchset.sh: no $D" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# runs "label cmd..." REPS times, appending "label wall_s maxrss_kb" lines
measure() {
    local label=$1; shift
    local t0 t1 wall rss
    # wall from the clock in ns (GNU time's is in 10 ms steps), peak RSS
    # from GNU time
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$TMP/t" "$@" >"$TMP/out.$label" 2>/dev/null
    t1=$(date +%s%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/t")
    echo "$label $wall $rss" >>"$TMP/runs"
}

one=(cls "$D/BkgOnly.json" "$D/patchset.json" --patch-name C1N2_Wh_hbb_1000_0)
for ((r = 0; r < REPS; r++)); do
    for which in A B; do
        bin=$A; [ $which = B ] && bin=$B
        [ -n "$bin" ] || continue
        measure "$which.one" "$bin" "${one[@]}"
        [ "$GRIDS" = 1 ] || continue
        measure "$which.grid1" "$bin" cls "$D/BkgOnly.json" "$D/patchset.json" --threads 1
        measure "$which.grid2" "$bin" cls "$D/BkgOnly.json" "$D/patchset.json" --threads 2
    done
done
if [ "$GRIDS" = 1 ]; then
    cmp -s "$TMP/out.A.grid1" "$TMP/out.A.grid2" && echo "A grid: 1 and 2 threads byte-identical" \
        || echo "A grid: 1 and 2 threads DIFFER"
fi
if [ -n "$B" ] && [ "$GRIDS" = 1 ]; then
    cmp -s "$TMP/out.A.grid2" "$TMP/out.B.grid2" && echo "A and B grids byte-identical" \
        || echo "A and B grids DIFFER"
fi
if [ -n "$B" ]; then
    cmp -s "$TMP/out.A.one" "$TMP/out.B.one" && echo "A and B single patch byte-identical" \
        || echo "A and B single patch DIFFER"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$TMP/runs" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, wall, rss = line.split()
    runs.setdefault(label, []).append((float(wall), int(rss)))
for label in sorted(runs):
    w = [x[0] for x in runs[label]]
    m = [x[1] / 1024 for x in runs[label]]
    print("%-9s wall median %.3f s (min %.3f, max %.3f)  peak RSS median %.1f MB  (%d runs)"
          % (label, statistics.median(w), min(w), max(w), statistics.median(m), len(w)))
EOF
