#!/usr/bin/env bash
# bench/limits.sh - resource limits: a ~100 MB workspace (bench/gen_big.py)
# must load or fail with a clear message, and large patches must cost
# linear time (bench/bench_bigpatch.c).  Prints a markdown section for
# bench/RESULTS.md, and puts it there (replacing the previous one).  Not
# part of `make check` (a minute or two, ~1 GB of memory).
#
#   bench/limits.sh [MB]     (default 100; from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-100}
TMP=build/limits
mkdir -p "$TMP"
make -s all >/dev/null
cc -O2 -Iinclude -o "$TMP/bigpatch" bench/bench_bigpatch.c build/libhf.a \
    $(pkg-config --libs libcjson nlopt gsl libcrypto) -lm -fopenmp
ws=$TMP/ws$MB.json
[ -f "$ws" ] || python3 bench/gen_big.py "$MB" "$ws" >/dev/null
size=$(du -m "$ws" | cut -f1)
run() {  # label command...: wall seconds, peak RSS, status, first message line
    local t0 t1 rc
    t0=$(date +%s.%N)
    set +e
    /usr/bin/time -f "%M" -o "$TMP/rss" "${@:2}" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    set -e
    t1=$(date +%s.%N)
    printf '| %s | %.1f | %d | %d | %s |\n' "$1" "$(echo "$t1 - $t0" | bc)" \
        $(( $(tail -1 "$TMP/rss") / 1024 )) "$rc" \
        "$(head -c 160 "$TMP/err" | head -1 | sed 's/|/\\|/g')"
}
head -c $((size * 1000000 / 2)) "$ws" >"$TMP/truncated.json"
{
echo "## Resource limits (bench/limits.sh)"
echo
echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Workspace: bench/gen_big.py $MB ($size MB, $(grep -o '"name": "ch[0-9]*"' "$ws" | sort -u | wc -l) channels)."
echo
echo "Before the fixes of 2026-11-23 (a scan of every modifier per staterror set and a"
echo "bin-sized scratch per set in hf/build.c, a scan of the observations per channel, scans"
echo "per parameter and per channel in \`hf inspect\`) the model build alone took 23 s here"
echo "and \`hf inspect\` 18 s more: both grew quadratically with the channels."
echo
echo "| run | wall s | peak RSS MB | exit | message |"
echo "|---|---|---|---|---|"
run "hf inspect (load + validate + build)" build/hf inspect "$ws"
run "hf eval (load + build + logpdf)" build/hf eval "$ws"
run "hf eval, file cut at half" build/hf eval "$TMP/truncated.json"
echo
echo "### 10,000-op patches (bench/bench_bigpatch.c)"
echo
"$TMP/bigpatch" 1000
} | tee "$TMP/section.md"
awk '/^## Resource limits/{skip=1; next} /^## /{skip=0} !skip' bench/RESULTS.md \
    >"$TMP/RESULTS.md"
cat "$TMP/section.md" >>"$TMP/RESULTS.md"
mv "$TMP/RESULTS.md" bench/RESULTS.md
