#!/usr/bin/env bash
# bench/wsread.sh - the CPU of reading one workspace (issue 21): a small
# program that reads a workspace and frees it, linked with two builds'
# libhf.a, OLD and NEW, run alternately (a round is one run of each, so
# that both see the same load): CPU (task-clock) and page faults from
# `perf stat`, medians over ROUNDS and the median of the per-round ratios.
# NEW is also run with the file mapped instead of copied
# (hfpatch_workspace_read_mapped, the command's reader) when it has it.
# With CALLGRIND=1, one run of each under callgrind: instructions, which
# the load does not change.
#
#   bench/wsread.sh OLD/libhf.a NEW/libhf.a [WORKSPACE]   (ROUNDS=21)
#   bench/wsread.sh /tmp/old/build/libhf.a build/libhf.a
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1
NEW=$2
WS=${3:-${SHARED:-../shared}/workspaces/real/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json}
ROUNDS=${ROUNDS:-21}
[ -f "$WS" ] || { echo "wsread.sh: no $WS: skipped"; exit 0; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/wsread.c" <<'C'
#include <stdio.h>
#include "hf.h"
int hfpatch_workspace_read_mapped(const char *path, hf_workspace **out,
                                  hf_error *err);
int main(int argc, char **argv)
{
    hf_error err = {0};
    hf_workspace *ws = NULL;
#ifdef MAPPED
    int rc = hfpatch_workspace_read_mapped(argv[1], &ws, &err);
#else
    int rc = hf_workspace_read(argv[1], &ws, &err);
#endif
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    hf_workspace_free(ws);
    return argc > 2;
}
C
LIBS="$(pkg-config --libs libcjson nlopt gsl libprotobuf-c 2>/dev/null || echo -lcjson -lnlopt -lgsl -lgslcblas -lprotobuf-c) -ldl -lm -fopenmp"
# an older libhf.a may still need libxml2 and libcrypto at link time
EXTRA="$(pkg-config --libs libxml-2.0 libcrypto 2>/dev/null || true)"
cc -O2 -Iinclude "$TMP/wsread.c" -o "$TMP/old" "$OLD" $LIBS $EXTRA
cc -O2 -Iinclude "$TMP/wsread.c" -o "$TMP/new" "$NEW" $LIBS $EXTRA
runs="old new"
if cc -O2 -DMAPPED -Iinclude "$TMP/wsread.c" -o "$TMP/mapped" "$NEW" $LIBS $EXTRA 2>/dev/null; then
    runs="old new mapped"
fi
echo "load: $(uptime)"
if [ "${CALLGRIND:-0}" = 1 ]; then
    for r in $runs; do
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$TMP/$r" "$WS" 2>&1 |
            awk -v r="$r" '/refs:/ {print r, "instructions", $NF}'
    done
fi
for i in $(seq 1 "$ROUNDS"); do
    for r in $runs; do
        perf stat -x, -e task-clock,page-faults "$TMP/$r" "$WS" 2>&1 >/dev/null |
            awk -F, -v r="$r" -v i="$i" '$3 ~ /task-clock|page-faults/ {print i, r, $3, $1}'
    done
done > "$TMP/runs"
/usr/bin/python3 - "$TMP/runs" $runs <<'PY'
import statistics as st, sys
d = {}
for line in open(sys.argv[1]):
    i, r, what, v = line.split()
    d.setdefault((r, what), []).append(float(v))
for r in sys.argv[2:]:
    cpu, pf = d[(r, "task-clock")], d[(r, "page-faults")]
    ratio = st.median(a / b for a, b in zip(cpu, d[("old", "task-clock")]))
    print("%-7s CPU %7.2f ms  page faults %6.0f  /old %.3f  (%d rounds)"
          % (r, st.median(cpu), st.median(pf), ratio, len(cpu)))
PY
