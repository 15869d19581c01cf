#!/bin/sh
# layers.sh [BUILD] - fails when a folder reaches up the layers.
#
# The library's folders, bottom to top (ARCHITECTURE.md):
#   core < {patch, ml} < hf < fit < infer < {simplify, recast} < cli
#        < {plot, mpi}
# A folder may include its own headers and those of lower folders (by path,
# "core/core.h"), and the public include/hf.h; folders of one rank
# (simplify and recast; plot and mpi) may not use each other.  The second
# check reads the object files of BUILD (default build) with nm: every hf*_
# symbol an object needs must be defined in its own folder or a lower one.
# The third: a global symbol is either public (hf_, declared in
# include/hf.h) or internal with its folder's prefix (hfcore_, hfpatch_,
# hfml_, hfmodel_ for hf/, hffit_, hfinfer_, hfsimplify_, hfrecast_,
# hfcli_, hfplot_, hfmpi_), so a name shows its layer.
# cli/main.c, the command's entry point, dispatches to plot/ and is exempt.
# The model's struct definitions (hf/model.h, hf/interp.h) are hf/'s own:
# other folders use hf/hfmodel.h.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}

rank() {
    case $1 in
    core) echo 0 ;; patch | ml) echo 1 ;; hf) echo 2 ;; fit) echo 3 ;;
    infer) echo 4 ;; simplify | recast) echo 5 ;; cli) echo 6 ;;
    plot | mpi) echo 7 ;; *) echo -1 ;;
    esac
}
FOLDERS="core patch ml hf fit infer simplify recast cli plot mpi"
bad=0

# (1) #include lines.
for f in $FOLDERS; do
    rf=$(rank "$f")
    for src in "$f"/*.c "$f"/*.h; do
        [ -f "$src" ] || continue
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$src" |
        sed 's/^\([0-9]*\):.*"\(.*\)".*/\1 \2/' | while read -r line inc; do
            case $inc in
            hf.h) continue ;;
            hf/model.h | hf/interp.h)
                 [ "$f" = hf ] ||
                     echo "$src:$line: includes \"$inc\": the model's insides are hf/'s (use hf/hfmodel.h)"
                 ;;
            */*) g=${inc%%/*}; rg=$(rank "$g")
                 # not one of our folders: generated code (ml/'s
                 # onnx/onnx.pb-c.h) or another project's header
                 if [ "$rg" -lt 0 ]; then
                     continue
                 elif [ ! -f "$inc" ]; then
                     echo "$src:$line: includes \"$inc\": no such header"
                 elif [ "$rg" -gt "$rf" ] || { [ "$rg" -eq "$rf" ] && [ "$g" != "$f" ]; }; then
                     echo "$src:$line: includes \"$inc\": $g/ is not below $f/"
                 fi ;;
            *) [ -f "$f/$inc" ] ||
                 echo "$src:$line: includes \"$inc\": name another folder's header by its path" ;;
            esac
        done
    done
done >"${TMPDIR:-/tmp}/layers.$$"
if [ -s "${TMPDIR:-/tmp}/layers.$$" ]; then cat "${TMPDIR:-/tmp}/layers.$$"; bad=1; fi
rm -f "${TMPDIR:-/tmp}/layers.$$"

# (2) symbols the objects need (objects of sources that still exist: a
# build directory may hold objects of files since moved).
objs() {
    for o in "$BUILD/obj/$1"/*.o; do
        b=${o##*/}; [ -f "$1/${b%.o}.c" ] && echo "$o"
    done
}
if ! command -v nm >/dev/null 2>&1 || [ ! -d "$BUILD/obj/core" ]; then
    echo "layers: symbols not checked (no nm or no $BUILD/obj)"
else
    out=$(for f in $FOLDERS; do for o in $(objs "$f"); do
        nm -g "$o" | awk -v f="$f" -v r="$(rank "$f")" -v o="$o" '
            NF == 3 && $2 != "U" { print "D", $3, f, r }
            NF == 2 && $1 == "U" && $2 ~ /^hf[a-z]*_/ { print "U", $2, f, r, o }'
    done; done | awk '
        $1 == "D" { def[$2] = $3; rk[$2] = $4; next }
        { need[++n] = $0 }
        END {
            for (i = 1; i <= n; i++) {
                split(need[i], a, " "); s = a[2]; f = a[3]; r = a[4]; o = a[5]
                if (!(s in def) || o ~ /\/cli\/main\.o$/) continue
                if (rk[s] > r || (rk[s] == r && def[s] != f))
                    print o ": uses " s " from " def[s] "/, which is not below " f "/"
            }
        }')
    if [ -n "$out" ]; then echo "$out"; bad=1; fi
fi
# (3) every global symbol: public, or internal with its folder's prefix.
prefix() { case $1 in hf) echo hfmodel_ ;; *) echo "hf$1_" ;; esac; }
if command -v nm >/dev/null 2>&1 && [ -d "$BUILD/obj/core" ]; then
    public=$(sed -n 's/.*HF_API[^(]*[^a-z_0-9]\(hf_[a-z_0-9]*\)[[:space:]]*(.*/\1/p' include/hf.h | sort -u)
    out=$(for f in $FOLDERS; do for o in $(objs "$f"); do
        nm -g --defined-only "$o" | awk -v p="$(prefix "$f")" -v o="$o" '
            NF == 3 && $2 ~ /[TDBRC]/ && index($3, p) != 1 { print o, $3 }'
    done; done | while read -r o s; do
        case $s in
        # main; names the compiler makes (OpenMP's .gomp_critical_* locks,
        # ASan's __odr_asan.* markers); the rng type that
        # Random123's GSL_MICRORNG macro names gsl_rng_NAME (infer/toyrng.c)
        main | .* | __* | gsl_rng_hf_threefry) continue ;;
        hf_*) printf '%s\n' "$public" | grep -qx "$s" && continue ;;
        esac
        echo "$o: defines $s: internal names carry their folder's prefix ($(prefix "$(basename "$(dirname "$o")")")), public ones are declared in include/hf.h"
    done)
    if [ -n "$out" ]; then echo "$out"; bad=1; fi
fi
[ $bad = 0 ] && echo "layers: every folder uses only its own and lower layers"
exit $bad
