#!/bin/bash
# Builds static libjson-c with musl: LUKS2 keeps its metadata as JSON.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_json_c() {
	local prefix=$1
	deps_apt_need cmake make
	mkdir build
	cd build
	cmake .. -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_C_FLAGS="$MUSL_CFLAGS" \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
		-DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF \
		-DDISABLE_WERROR=ON -DENABLE_THREADING=OFF -DDISABLE_EXTRA_LIBS=ON
	make -j"$JOBS"
	make install
}

deps_build json-c build_json_c
