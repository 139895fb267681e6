#!/bin/bash
# Builds static libpopt with musl: cryptsetup's command line parser.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_popt() {
	local prefix=$1
	deps_apt_need autoconf automake libtool make
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" --prefix="$prefix" \
		--disable-shared --enable-static --disable-nls
	make -C src -j"$JOBS"
	make -C src install
}

deps_build popt build_popt
