#!/bin/bash
# Builds the kboot kernel (tinyconfig + kernel/kboot.config) from Debian's linux-source-6.1 and copies its bzImage to OUT.
set -euo pipefail

usage() { echo "usage: $0 OUT   (e.g. build/out/kboot.bzImage)" >&2; exit 2; }
[ $# -eq 1 ] || usage
out=$1

KERNEL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAGMENT=$KERNEL_DIR/kboot.config
SOURCE_PKG=linux-source-6.1
TARBALL=/usr/src/$SOURCE_PKG.tar.xz
KBOOT_CACHE=${KBOOT_CACHE:-$HOME/.cache/kboot}
mkdir -p "$KBOOT_CACHE/log" "$KBOOT_CACHE/lock"
KBOOT_CACHE=$(cd "$KBOOT_CACHE" && pwd) # make's O= wants an absolute path
BUILD_DIR=$KBOOT_CACHE/kernel-build
LOG=$KBOOT_CACHE/log/kernel.log
# The kernel's ARCH=x86 default would let tinyconfig pick a 32-bit kernel.
export ARCH=x86_64 KBUILD_BUILD_USER=kboot KBUILD_BUILD_HOST=kboot

log() { echo "[kernel] $*"; }
die() { echo "[kernel] error: $*" >&2; exit 1; }

# Installs missing Debian packages; dpkg-query first so a cached run never calls apt.
apt_need() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Unpacks the tarball once, named by the package version so an upgrade gets a fresh tree.
source_dir() {
	local ver dir tmp
	ver=$(dpkg-query -W -f='${Version}' "$SOURCE_PKG" 2>/dev/null) || die "$SOURCE_PKG is not installed"
	dir=$KBOOT_CACHE/linux-$ver
	if [ ! -e "$dir/.done" ]; then
		[ -r "$TARBALL" ] || die "$TARBALL: not readable"
		rm -rf "$dir"
		tmp=$(mktemp -d "$KBOOT_CACHE/.linux-unpack.XXXXXX")
		tar -xf "$TARBALL" -C "$tmp" --strip-components=1
		touch "$tmp/.done"
		mv "$tmp" "$dir"
	fi
	echo "$dir"
}

# Every CONFIG_X=value line of the fragment must survive olddefconfig unchanged, and
# every "is not set" line must not come back as y; otherwise a dependency is missing.
check_config() {
	local config=$1 line name bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" && continue
			name=${line%%=*}
			echo "[kernel] dropped: $line (got: $(grep -E "^(# )?${name}[= ]" "$config" || echo absent))" >&2
			bad=1
			;;
		"# CONFIG_"*" is not set")
			name=${line#\# }
			name=${name%% *}
			grep -qE "^$name=[ym]$" "$config" || continue
			echo "[kernel] forced on: $name (fragment says not set)" >&2
			bad=1
			;;
		esac
	done <"$FRAGMENT"
	return $bad
}

configure() {
	local src=$1
	make -C "$src" O="$BUILD_DIR" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$BUILD_DIR" "$BUILD_DIR/.config" "$FRAGMENT"
	make -C "$src" O="$BUILD_DIR" olddefconfig
}

# Runs a build step into the log; on failure shows where it ended and stops.
run_logged() {
	local rc
	set +e
	("$@") >>"$LOG" 2>&1
	rc=$?
	set -e
	[ $rc -eq 0 ] && return 0
	echo "[kernel] FAILED: $* (log: $LOG), last lines:" >&2
	tail -n 30 "$LOG" >&2
	exit 1
}

main() {
	local src fragment_sum stamp image t0 lockfd
	[ -r "$FRAGMENT" ] || die "$FRAGMENT: not readable"
	image=$BUILD_DIR/arch/x86/boot/bzImage
	stamp=$BUILD_DIR/kboot.config.sha256

	# Others share the cache: one kernel build at a time.
	exec {lockfd}>"$KBOOT_CACHE/lock/kernel.lock"
	flock "$lockfd"

	apt_need bc bison flex libelf-dev libssl-dev cpio xz-utils zstd make gcc
	src=$(source_dir)
	fragment_sum=$(sha256sum <"$FRAGMENT" | cut -d' ' -f1)

	if [ "$(cat "$stamp" 2>/dev/null)" = "$fragment_sum" ] && [ -e "$image" ]; then
		install -D -m 644 "$image" "$out"
		log "$out: up to date ($(($(stat -c %s "$image") / 1024)) KiB)"
		return 0
	fi

	t0=$SECONDS
	: >"$LOG"
	# A build tree made from another linux-source version is not reused.
	if [ "$(cat "$BUILD_DIR/kboot.source" 2>/dev/null)" != "$src" ]; then
		rm -rf "$BUILD_DIR"
		mkdir -p "$BUILD_DIR"
		echo "$src" >"$BUILD_DIR/kboot.source"
	fi
	rm -f "$stamp"
	run_logged configure "$src"
	if ! check_config "$BUILD_DIR/.config"; then
		die "kboot.config options were dropped by kconfig (missing dependencies?); see above"
	fi
	run_logged make -C "$src" O="$BUILD_DIR" -j"$(nproc)" bzImage
	echo "$fragment_sum" >"$stamp"
	install -D -m 644 "$image" "$out"
	log "$out: built in $((SECONDS - t0)) s ($(($(stat -c %s "$image") / 1024)) KiB, log: $LOG)"
}

main
