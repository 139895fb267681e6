#!/bin/bash
# Builds a static, stripped kexec binary with musl.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_kexec_tools() {
	local prefix=$1
	# An x86 bzImage decompresses itself: no zlib or lzma needed.
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" LDFLAGS=-static \
		--without-zlib --without-lzma --without-xen
	make -j"$JOBS" build/sbin/kexec
	strip -o "$prefix/bin/kexec" build/sbin/kexec
}

deps_build kexec-tools build_kexec_tools
