#!/bin/bash
# `make fresh-check`: what a new user gets on a fresh Debian machine.
#
# Builds a minimal Debian bookworm root with Debian's mmdebstrap (installed
# from Debian's archive when missing; it reaches only that archive), copies a
# clean export of the repository (`git archive HEAD`: committed files only)
# into a new user's home there, with ../shared beside it when present, and
# runs in that root, as that user:
#   1. `make demo` without root rights and without sudo: must stop at once
#      with make deps' message, compiling nothing;
#   2. `make deps` as root without network: must stop with its message;
#   3. the commands of README.md's "Getting started" block, copied out of it
#      line by line (`make demo`, then `make check`, which also runs the
#      README's examples: tools/readme_check.py), with sudo now allowed.
# Any failure fails the check.  Needs root (chroot, mounts); the mounts are
# made in a private mount namespace, so they disappear with it whatever
# happens, and the root is removed on exit.  Times each step.
#
# FRESH_MIRROR, FRESH_SECURITY: the archive (default Debian's deb.debian.org);
# FRESH_KEEP=1 keeps the root (its path is printed).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
me="fresh-check"
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
security=${FRESH_SECURITY:-http://deb.debian.org/debian-security}
suite=bookworm
user=newuser

say() { printf '%s: %s\n' "$me" "$*"; }
die() { printf '%s: FAILED: %s\n' "$me" "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (chroot and mounts); run it as root"
git -C "$src" rev-parse --verify -q HEAD >/dev/null ||
    die "not a git checkout with a commit: the check exports HEAD"
command -v mmdebstrap >/dev/null 2>&1 ||
    HF_DEPS_WHO="$me" tools/deps.sh mmdebstrap ||
    die "could not install mmdebstrap"
command -v unshare >/dev/null 2>&1 || die "no unshare (util-linux)"

t0=$(date +%s)
lap() { local now; now=$(date +%s); say "$1: $((now - t0)) s"; t0=$now; }

root=$(mktemp -d "${TMPDIR:-/tmp}/hf-fresh-root.XXXXXX")
cleanup() {
    local st=$?
    set +e +o pipefail
    # Mounts live in the namespace of `unshare` and are gone with it; any
    # left (a killed run) are taken down before the tree is removed, and rm
    # never crosses into another file system.
    grep -o " $root/[^ ]*" /proc/mounts 2>/dev/null | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
    if [ "${FRESH_KEEP:-0}" = 1 ]; then
        say "root kept in $root"
    elif grep -q " $root/" /proc/mounts 2>/dev/null; then
        say "WARNING: $root still has mounts; not removed" >&2
    else
        rm -rf --one-file-system "$root"
    fi
    exit "$st"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

say "bootstrapping Debian $suite (minbase + make) from $mirror into $root"
mmdebstrap --quiet --mode=root --variant=minbase --include=make "$suite" "$root" \
    "deb $mirror $suite main" "deb $mirror $suite-updates main" \
    "deb $security $suite-security main" </dev/null ||
    die "mmdebstrap could not build the root (is $mirror reachable?)"
lap "bootstrap"

# The new user's home: the repository as `git archive` exports it, and
# ../shared beside it when there is one (read-only in CI; copied as is).
home="$root/home/$user"
chroot "$root" useradd --create-home --shell /bin/bash "$user"
mkdir "$home/hf"
git -C "$src" archive --format=tar HEAD | tar -x -C "$home/hf"
if [ -d "$src/../shared" ]; then
    cp -r "$src/../shared" "$home/shared"
    say "copied ../shared ($(du -sh "$home/shared" | cut -f1))"
fi
chroot "$root" chown -R "$user:$user" "/home/$user/hf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
lap "export"

# The README's getting-started commands, mechanically: the lines of the
# first code block after "## Getting started".
mapfile -t cmds < <(awk '/^## Getting started/ {s=1; next} s && /^## / {exit}
    s && /^```/ {if (b) exit; b=1; next} s && b && NF' "$src/README.md")
[ "${#cmds[@]}" -gt 0 ] || die "no commands found in README.md's Getting started block"
say "README's getting-started commands: $(printf '[%s] ' "${cmds[@]}")"

# Everything in the root runs inside one private mount namespace.
inroot=$(cat <<'EOS'
set -eu
root=$1; user=$2; shift 2
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
as_user() {   # a login as the new user would have, in the repository
    chroot "$root" /usr/sbin/runuser -u "$user" -- /usr/bin/env -i \
        HOME="/home/$user" USER="$user" LOGNAME="$user" SHELL=/bin/bash \
        PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb \
        /bin/bash -c "cd ~/hf && $1" </dev/null
}
step() { echo "fresh-check: == $1"; }

step "make demo as $user without root rights or sudo (must fail in make deps)"
if as_user "make demo" >"$root/tmp/out" 2>&1; then
    cat "$root/tmp/out"; echo "fresh-check: FAILED: make demo succeeded without rights" >&2; exit 1
fi
cat "$root/tmp/out"
grep -q "^make deps: installing them needs root, and there is no sudo" "$root/tmp/out" ||
    { echo "fresh-check: FAILED: not make deps' message" >&2; exit 1; }
if [ -n "$(find "$root/home/$user/hf" -name '*.o' | head -n 1)" ]; then
    echo "fresh-check: FAILED: something was compiled" >&2; exit 1
fi

step "make deps as root without network (must fail with its message)"
if unshare --net chroot "$root" /bin/sh -c "cd /home/$user/hf && make deps" \
       >"$root/tmp/out" 2>&1 </dev/null; then
    cat "$root/tmp/out"; echo "fresh-check: FAILED: make deps succeeded without network" >&2; exit 1
fi
cat "$root/tmp/out"
grep -q "^make deps: could not update the package lists" "$root/tmp/out" ||
    { echo "fresh-check: FAILED: not make deps' message" >&2; exit 1; }

step "$user gets sudo, as on a cloud image (apt-get install sudo)"
chroot "$root" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends sudo >/dev/null" </dev/null
echo "$user ALL=(ALL) NOPASSWD:ALL" >"$root/etc/sudoers.d/$user"
chmod 0440 "$root/etc/sudoers.d/$user"
# apt-get's lists go again, as on a machine that never ran apt-get update.
rm -rf "$root"/var/lib/apt/lists/*

for c in "$@"; do
    step "$c"
    start=$(date +%s)
    as_user "$c"
    echo "fresh-check: '$c' took $(( $(date +%s) - start )) s"
done
EOS
)
unshare --mount --propagation private bash -c "$inroot" inroot "$root" "$user" "${cmds[@]}" ||
    die "see above"
lap "checks in the root"
say "passed: a fresh Debian $suite root ran README's commands and examples"
