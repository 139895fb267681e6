#!/bin/bash
# Fetches Debian's civetweb source; the project's Makefile compiles src/civetweb.c itself,
# for both the musl image and the host test build.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deps_fetch_logged civetweb
SRC=$(deps_src_dir civetweb)
# Debian's source is dfsg and has no Makefile; these two files are all we build from.
for f in src/civetweb.c include/civetweb.h; do
	[ -f "$SRC/$f" ] || deps_die "civetweb: $SRC/$f missing"
done
