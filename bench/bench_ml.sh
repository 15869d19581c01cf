#!/usr/bin/env bash
# bench/bench_ml.sh - published classifiers: 1,000,000 events x 20 features
# through a 3-layer 64-wide MLP (ONNX), a 500-tree depth-6 BDT (XGBoost, and
# the same trees as a TMVA weight file), and the chain features -> signal
# patch -> CLs on sbottom A.  Prints the "Published ML models" section of
# bench/RESULTS.md and replaces it there.
#
#   bench/bench_ml.sh     (needs python3-onnx, python3-xgboost for the models)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TMP=$ROOT/build/bench/ml
SB=${SHARED:-$ROOT/../shared}/workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA
REPS=${REPS:-3}
mkdir -p "$TMP"
make -s all >/dev/null
cp build/libhf.so "$TMP/libhf.so.0"
cc -O2 -Iinclude -o "$TMP/bench_ml" bench/bench_ml.c "$TMP/libhf.so.0" -Wl,-rpath,"$TMP" -lm
[ -f "$TMP/events.f32" ] || /usr/bin/python3 bench/ml_models.py "$TMP"
# the first 1 and 250 of bdt500.xml's trees: what the evaluation time is made of
/usr/bin/python3 - "$TMP" <<'PY'
import os, re, sys
d = sys.argv[1]
head, rest = open(os.path.join(d, "bdt500.xml")).read().split("<Weights", 1)
trees = re.findall(r"<BinaryTree .*?</BinaryTree>\n", rest, re.S)
for k in (1, 250):
    with open(os.path.join(d, f"bdt{k}.xml"), "w") as f:
        f.write(head + f'<Weights NTrees="{k}" AnalysisType="1">\n' + "".join(trees[:k])
                + "</Weights>\n</MethodSetup>\n")
PY
load=$(cut -d' ' -f1-3 /proc/loadavg)

{
printf '## Published ML models\n\n'
printf 'Written by `bench/bench_ml.sh` on %s, %s CPUs, load average before the run: %s\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$load"
printf '(the machine was shared: wall times reflect the share of the 2 cores we got; CPU\n'
printf 'seconds, all threads together, are the work done).  hf_ml_eval on 1,000,000 x 20 float\n'
printf 'features (bench/bench_ml.c, median of %s runs), models from bench/ml_models.py.\n\n' "$REPS"
printf '| model | threads | eval wall s | eval CPU s | target |\n|---|---|---|---|---|\n'
for spec in "mlp20.onnx 2 $REPS" "mlp20.onnx 1 $REPS" "bdt500.json 2 $REPS" "bdt500.json 1 $REPS" \
    "bdt500.xml 2 $REPS" "bdt500.xml 1 $REPS"; do
    set -- $spec
    j=$("$TMP/bench_ml" "$TMP/$1" "$TMP/events.f32" "$3" "$2")
    w=$(echo "$j" | sed 's/.*"eval_wall_s": \([0-9.]*\).*/\1/')
    c=$(echo "$j" | sed 's/.*"eval_cpu_s": \([0-9.]*\).*/\1/')
    printf '| %s | %s | %s | %s | < 1 s on 2 cores |\n' "$1" "$2" "$w" "$c"
done
# 1 thread: the per-event work outside the trees (reading the doubles, the finiteness
# check, scaling to float, quantising) is about what bdt1.xml costs; a tree costs
# (bdt500 - bdt250) / 250
cpu_of() { "$TMP/bench_ml" "$TMP/$1" "$TMP/events.f32" "$REPS" 1 | sed 's/.*"eval_cpu_s": \([0-9.]*\).*/\1/'; }
c1=$(cpu_of bdt1.xml); c250=$(cpu_of bdt250.xml); c500=$(cpu_of bdt500.xml)
printf '\nWhat bdt500.xml'"'"'s time is made of (1 thread, CPU s for the 1,000,000 events, median\n'
printf 'of %s): its first tree alone (bdt1.xml) %s, its first 250 trees %s, all 500 %s: so\n' \
    "$REPS" "$c1" "$c250" "$c500"
printf '%.3f CPU s per 500 trees (%.2f ns per event and tree) and %.3f besides the trees.\n' \
    "$(echo "($c500 - $c250) * 2" | bc -l)" "$(echo "($c500 - $c250) / 250 * 1000" | bc -l)" \
    "$(echo "$c500 - 2 * ($c500 - $c250)" | bc -l)"
if [ -f "$SB/BkgOnly.json" ]; then
    echo '{"SR_meff": [0.0, 0.5, 0.8, 1.0]}' >"$TMP/binning.json"
    printf '\nChain on sbottom A (target < 2 s): `hf signal --model MODEL --features events.f32`\n'
    printf '(1,000,000 events into SR_meff, the patch then rescaled by 2e-5, i.e. weights\n'
    printf 'xsec*lumi/N for ~20 signal events, outside the timing) then `hfcls`; wall and CPU\n'
    printf '(user+sys) of hf signal and hfcls together, median of %s:\n\n' "$REPS"
    printf '| model | wall s | CPU s | hfcls output |\n|---|---|---|---|\n'
    for model in mlp20.onnx bdt500.json; do
        : >"$TMP/chain"
        for r in $(seq "$REPS"); do
            t0=$(date +%s.%N)
            /usr/bin/time -f '%U %S' -o "$TMP/time1" build/hf signal --workspace "$SB/BkgOnly.json" \
                --model "$TMP/$model" --features "$TMP/events.f32" --format f32 --channel SR_meff \
                --binning "$TMP/binning.json" -o "$TMP/patch.json" 2>/dev/null
            # weights xsec * lumi / N: 1e6 events -> ~20 signal events (untimed rescale
            # of the patch; sqrt(sum w^2) scales alike)
            /usr/bin/python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))
v = p[0]["value"]
v["data"] = [d * 2e-5 for d in v["data"]]
for m in v["modifiers"]:
    m["data"] = [d * 2e-5 for d in m["data"]] if m["data"] else m["data"]
json.dump(p, open(sys.argv[1], "w"))' "$TMP/patch.json"
            cls=$(/usr/bin/time -f '%U %S' -o "$TMP/time2" build/hfcls "$SB/BkgOnly.json" \
                "$TMP/patch.json") || cls="hfcls failed"
            t1=$(date +%s.%N)
            cpu=$(cat "$TMP/time1" "$TMP/time2" | awk '{s += $1 + $2} END {print s}')
            echo "$(echo "$t1 - $t0" | bc -l) $cpu" >>"$TMP/chain"
        done
        w=$(cut -d' ' -f1 "$TMP/chain" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        c=$(cut -d' ' -f2 "$TMP/chain" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        printf '| %s | %.2f | %.2f | %s |\n' "$model" "$w" "$c" "$cls"
    done
fi
printf '\nCommands:\n\n'
printf '    /usr/bin/python3 bench/ml_models.py build/bench/ml\n'
printf '    build/bench/ml/bench_ml build/bench/ml/MODEL build/bench/ml/events.f32 REPS THREADS\n'
printf '    build/hf signal --workspace SBOTTOM_A/BkgOnly.json --model build/bench/ml/MODEL --features build/bench/ml/events.f32 --format f32 --channel SR_meff --binning build/bench/ml/binning.json -o build/bench/ml/patch.json\n'
printf '    build/hfcls SBOTTOM_A/BkgOnly.json build/bench/ml/patch.json\n\n'
} >"$TMP/section.md"
cat "$TMP/section.md"
OUT=bench/RESULTS.md
awk '/^##/{skip = /^## Published ML models/} !skip' "$OUT" >"$OUT.tmp"  # stops at any heading: others' ### notes stay
cat "$TMP/section.md" >>"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
