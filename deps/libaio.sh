#!/bin/bash
# Builds static libaio with musl: lvm2's block cache (bcache) needs it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_libaio() {
	local prefix=$1
	deps_apt_need make
	make -C src -j"$JOBS" CC=musl-gcc CFLAGS="$MUSL_CFLAGS -fPIC -nostdlib -nostartfiles -Wall -I." libaio.a
	install -m 0644 src/libaio.a "$prefix/lib/libaio.a"
	install -m 0644 src/libaio.h "$prefix/include/libaio.h"
}

deps_build libaio build_libaio
