# pair.sh - sourced by bench/hypotest_time.sh and bench/trust_time.sh: two
# builds of libhf (OLD and NEW, directories) each linked into
# bench_hypotest.c, then pair_rounds runs them alternated ROUNDS times on
# one point, "OLD {json}" / "NEW {json}" a line (each run the median of
# 21 hypotests): same-run pairs because the machine may be shared.
# Sets HERE (the checkout), R (../shared's real workspaces) and TMP.
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")/.." && pwd)
R=$HERE/../shared/workspaces/real
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for b in OLD NEW; do
    eval dir=\$$b
    # the library's SONAME (libhf.so.0) next to it, for the run-time linker
    mkdir -p "$TMP/$b"
    cp "$dir/libhf.so" "$TMP/$b/libhf.so"
    ln -sf libhf.so "$TMP/$b/libhf.so.0"
    cc -O2 -I"$HERE/include" -o "$TMP/bench_$b" "$HERE/bench/bench_hypotest.c" \
        "$TMP/$b/libhf.so" -Wl,-rpath,"$TMP/$b" -lm
done

# pair_rounds ARGS...: bench_hypotest's arguments after its count
pair_rounds() {
    i=0
    while [ $i -lt "$ROUNDS" ]; do
        for b in OLD NEW; do
            echo "$b $("$TMP/bench_$b" 21 "$@")"
        done
        i=$((i + 1))
    done
}

# Python reading pair_rounds' lines: o and n, the OLD and NEW runs (each
# bench_hypotest's JSON), and ratio, the median of the per-round ratios
# NEW/OLD of the median times; each script prints its own summary of them.
PAIR_RUNS_PY="import sys, json, statistics as st
runs = {'OLD': [], 'NEW': []}
for line in sys.stdin:
    b, j = line.split(' ', 1)
    runs[b].append(json.loads(j))
o, n = runs['OLD'], runs['NEW']
ratio = st.median(y['ms_median'] / x['ms_median'] for x, y in zip(o, n))
"
