#!/bin/sh
# Installs the Debian packages named on the command line that are missing
# (`make deps`, `make deps-mpi`): says which, then runs apt-get as root or
# through sudo.  When it cannot (no apt, neither root nor sudo, the archive
# out of reach, a package unknown), it says so and exits 1, so that the build
# stops here rather than later in the compiler with a missing header.
set -u
me=${HF_DEPS_WHO:-make deps}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "$me: this is not a Debian-based system (no dpkg-query/apt-get);" \
         "install the equivalents of: $*" >&2
    exit 1
fi

missing=""
for p in "$@"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
    [ "$st" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
missing=${missing# }

if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "$me: missing Debian packages: $missing" >&2
    echo "$me: installing them needs root, and there is no sudo: run 'make deps'" \
         "as root, or ask an administrator to run" \
         "'apt-get install $missing'" >&2
    exit 1
fi

echo "$me: installing $missing${sudo:+ (through sudo)}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/hf-deps.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

# apt-get update exits 0 when some or all lists could not be fetched (it
# only warns), so its messages are read: any 'Err:'/'W:'/'E:' line about
# fetching means the archive was not reached.
if ! $sudo apt-get update -q >"$log" 2>&1 ||
   grep -Eq '^(Err:|E:|W: (Failed to fetch|Some index files))' "$log"; then
    grep -E '^(Err|E|W):' "$log" | head -n 5 >&2
    echo "$me: could not update the package lists from the Debian archive" \
         "(no network, or no access to the mirror in /etc/apt/sources.list*);" \
         "packages still missing: $missing" >&2
    exit 1
fi

# Recommended packages are left out: what the build needs is listed.
# shellcheck disable=SC2086  # $missing is a list of words
if ! $sudo apt-get install -y -q --no-install-recommends $missing >"$log" 2>&1; then
    grep -E '^(E|W):' "$log" >&2 || tail -n 20 "$log" >&2
    echo "$me: apt-get install failed; packages still missing: $missing" >&2
    exit 1
fi
n=$(grep -c '^Setting up ' "$log")
echo "$me: installed $missing ($n packages set up with their dependencies)"
