#!/bin/bash
# Fetches Debian's cJSON source; the project's Makefile compiles cJSON.c itself.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deps_fetch_logged cjson
SRC=$(deps_src_dir cjson)
for f in cJSON.c cJSON.h; do
	[ -f "$SRC/$f" ] || deps_die "cjson: $SRC/$f missing"
done
