#!/bin/bash
# Builds a static mdadm with musl (assembles md RAID arrays; kboot runs it read-only).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_mdadm() {
	local prefix=$1
	deps_apt_need make
	# No udev in kboot: mdadm creates the /dev/md* nodes itself.
	make -j"$JOBS" CC=musl-gcc CXFLAGS="$MUSL_CFLAGS -DNO_LIBUDEV" CWFLAGS="-Wall" \
		RUN_DIR=/run/mdadm CHECK_RUN_DIR=0 MAP_DIR=/run/mdadm \
		USE_PTHREADS= COROSYNC=-DNO_COROSYNC DLM=-DNO_DLM \
		LDFLAGS=-static mdadm
	strip -o "$prefix/bin/mdadm" mdadm
}

deps_build mdadm build_mdadm
