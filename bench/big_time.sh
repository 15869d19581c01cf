#!/bin/sh
# big_time.sh - CPU time (user + system, /usr/bin/time) of `hf cls` (one
# asymptotic hypotest) and `hf cls --upper-limit` on a model of about
# NPARS parameters from bench/gen_big.py, with two builds of hf alternated
# ROUNDS times in the same run; per build the median, and the median of
# the per-round ratios NEW/OLD.  System time counts: on such models the
# whole-Hessian check's buffers (npars^2 doubles) are fresh pages for
# every fit, and their faults are kernel time.  Also says whether the two
# builds print the same results.
#
# usage: bench/big_time.sh OLD_HF NEW_HF [ROUNDS [NPARS]]   (from the checkout)
#   e.g. bench/big_time.sh ../hf-old/build/hf build/hf 5 2400
set -e
old=$1 new=$2 rounds=${3:-5} npars=${4:-2400}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# 40 scalar parameters a channel + 21 shared (as bench/upper_limits.sh)
mb=$(echo "scale=3; ($npars - 21) / 40 * 0.0116" | bc)
python3 "$(dirname "$0")/gen_big.py" "$mb" "$TMP/big.json" >/dev/null
cpu() { # label hf args... -> "label seconds"
    label=$1
    shift
    /usr/bin/time -f "$label %U %S" "$@" 2>&1 >"$TMP/out.$label" | tail -1 |
        awk '{print $1, $2 + $3}'
}
uptime
for what in hypotest limit; do
    extra=
    [ $what = limit ] && extra=--upper-limit
    i=0
    while [ $i -lt "$rounds" ]; do
        # shellcheck disable=SC2086
        cpu OLD "$old" cls "$TMP/big.json" $extra
        # shellcheck disable=SC2086
        cpu NEW "$new" cls "$TMP/big.json" $extra
        i=$((i + 1))
    done | /usr/bin/python3 -c "
import sys, statistics as st
t = {'OLD': [], 'NEW': []}
for line in sys.stdin:
    b, s = line.split()
    t[b].append(float(s))
r = st.median(n / o for o, n in zip(t['OLD'], t['NEW']))
print('$what, $npars parameters: CPU s median %.3f -> %.3f (min %.3f -> %.3f), '
      'same-round ratio median %.3f' % (st.median(t['OLD']), st.median(t['NEW']),
      min(t['OLD']), min(t['NEW']), r))
"
    if cmp -s "$TMP/out.OLD" "$TMP/out.NEW"; then
        echo "$what: same output"
    else
        echo "$what: OUTPUTS DIFFER"
    fi
done
uptime
