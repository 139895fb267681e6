#!/bin/bash
# Builds a small static BusyBox from Debian's source with musl and deps/busybox.config,
# then keeps whichever of it and Debian's busybox-static is smaller.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG=$DEPS_DIR/busybox.config

# Sets each CONFIG_X=v of FRAGMENT in .config, replacing its "is not set" line.
bb_merge_config() {
	local fragment=$1 line name
	while read -r line; do
		name=${line%%=*}
		sed -i -e "/^# $name is not set\$/d" -e "/^$name=/d" .config
		echo "$line" >>.config
	done < <(grep '^CONFIG_' "$fragment")
}

# Turns off every =y option that is neither in FRAGMENT nor in the allnoconfig BASE.
bb_disable_unlisted() {
	local fragment=$1 base=$2 name
	for name in $(grep -E '^CONFIG_[A-Z0-9_]+=y$' .config | cut -d= -f1); do
		grep -q "^$name=" "$fragment" "$base" && continue
		sed -i "s/^$name=y\$/# $name is not set/" .config
	done
}

build_busybox() {
	local prefix=$1 opt ours debian
	deps_apt_need busybox-static make
	make allnoconfig
	cp .config allno.config
	bb_merge_config "$CONFIG"
	sed -i "s|^CONFIG_EXTRA_CFLAGS=.*|CONFIG_EXTRA_CFLAGS=\"-isystem $MUSL_KHDRS\"|" .config
	make oldconfig < <(yes "") >/dev/null
	# oldconfig gave newly visible sub-options their defaults; only listed ones stay on.
	bb_disable_unlisted "$CONFIG" allno.config
	make oldconfig < <(yes "") >/dev/null
	# Kconfig silently drops unknown names and options with unmet dependencies.
	while read -r opt; do
		grep -qxF "$opt" .config || { echo "busybox.config: '$opt' did not survive Kconfig"; return 1; }
	done < <(grep '^CONFIG_' "$CONFIG")
	make -j"$JOBS" CC=musl-gcc busybox
	strip -o busybox.stripped busybox
	ours=$(stat -c %s busybox.stripped)
	debian=$(stat -c %s /bin/busybox)
	if [ "$debian" -le "$ours" ]; then
		cp /bin/busybox "$prefix/bin/busybox"
		echo "ours $ours B, Debian's busybox-static $debian B: using Debian's" >"$prefix/sizes.txt"
	else
		cp busybox.stripped "$prefix/bin/busybox"
		echo "ours $ours B, Debian's busybox-static $debian B: using ours" >"$prefix/sizes.txt"
	fi
	cp .config "$prefix/busybox.config.full" # the resolved config, for reference
}

deps_build busybox build_busybox "$CONFIG"
sed 's/^/[deps]   busybox sizes: /' "$(deps_prefix busybox)/sizes.txt"
