#!/bin/bash
# Builds static libxcrypt (crypt_r for kbootd's SHA-512 password hashes):
# Debian's musl has no crypt at all.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_libxcrypt() {
	local prefix=$1
	deps_apt_need autoconf automake libtool pkg-config make perl
	autoreconf -fi
	# Only the hashes kboot.conf may hold; the obsolete API (encrypt, DES
	# salts) stays out of a boot loader.
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" --prefix="$prefix" \
		--disable-shared --enable-static --disable-obsolete-api \
		--enable-hashes=sha512crypt,sha256crypt,yescrypt --disable-failure-tokens \
		--disable-werror
	make -j"$JOBS" libcrypt.la
	make install-libLTLIBRARIES install-nodist_includeHEADERS install-includeHEADERS 2>/dev/null ||
		make install
	rm -f "$prefix"/lib/*.la
}

deps_build libxcrypt build_libxcrypt
