#!/bin/bash
# Builds static libcurl with mbedTLS and musl: http, https, ftp, tftp and file only.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MBEDTLS=$(deps_prefix mbedtls)
[ -e "$MBEDTLS/.done" ] || "$DEPS_DIR/mbedtls.sh"

build_curl() {
	local prefix=$1
	deps_apt_need autoconf automake libtool make
	# Debian's last two patches rename the library for its GnuTLS/NSS flavours; undo them.
	patch -R -p1 <debian/patches/99_nss.patch
	patch -R -p1 <debian/patches/90_gnutls.patch
	autoreconf -fi
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" \
		--prefix="$prefix" --disable-shared --enable-static \
		--with-mbedtls="$MBEDTLS" \
		--without-zlib --without-brotli --without-zstd --without-libpsl \
		--without-libidn2 --without-nghttp2 --without-ca-bundle --without-ca-path \
		--disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
		--disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt \
		--disable-smb --disable-manual --disable-docs --without-libssh2 --without-librtmp
	make -C lib -j"$JOBS"
	make -C lib install
	make -C include install
}

# The mbedTLS stamp is an input: a rebuilt mbedTLS rebuilds curl.
deps_build curl build_curl "$MBEDTLS/.done"
