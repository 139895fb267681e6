#!/bin/bash
# Builds a static cryptsetup (with libcryptsetup) with musl: the kernel's crypto API
# as backend (no OpenSSL), cryptsetup's own argon2, json-c for LUKS2, popt,
# libdevmapper from lvm2, libblkid from util-linux, and libuuid built here.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for p in lvm2 json-c popt util-linux; do
	[ -e "$(deps_prefix $p)/.done" ] || "$DEPS_DIR/$p.sh"
done
LVM2=$(deps_prefix lvm2)
JSONC=$(deps_prefix json-c)
POPT=$(deps_prefix popt)
UTIL_LINUX=$(deps_prefix util-linux)

# libuuid from util-linux's source, into this build tree only: deps/util-linux.sh
# (shared by every lane) stays as it is.
build_libuuid() {
	local dest=$1
	cp -a "$(deps_fetch util-linux)" uuid-src
	(
		cd uuid-src
		./autogen.sh
		./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" --prefix="$dest" \
			--disable-all-programs --enable-libuuid --disable-shared --enable-static \
			--disable-nls --without-python --without-systemd --without-udev \
			--without-selinux --without-audit --without-ncursesw --without-ncurses \
			--without-readline --without-libz --without-libmagic --without-user \
			--without-btrfs --without-econf --without-cryptsetup --without-smack
		make -j"$JOBS" libuuid.la
		make install-usrlib_execLTLIBRARIES install-uuidincHEADERS
	)
}

build_cryptsetup() {
	local prefix=$1 uuid=$PWD/uuid
	deps_apt_need autoconf automake libtool autopoint gettext pkg-config make
	build_libuuid "$uuid"
	./autogen.sh
	# Every library is given by hand; the host's pkg-config files are glibc's.
	PKG_CONFIG_LIBDIR=/nonexistent \
	DEVMAPPER_CFLAGS="-I$LVM2/include" DEVMAPPER_LIBS="-L$LVM2/lib -ldevmapper" \
	DEVMAPPER_STATIC_CFLAGS="-I$LVM2/include" DEVMAPPER_STATIC_LIBS="-L$LVM2/lib -ldevmapper" \
	JSON_C_CFLAGS="-I$JSONC/include/json-c" JSON_C_LIBS="-L$JSONC/lib -ljson-c" \
	BLKID_CFLAGS="-I$UTIL_LINUX/include/blkid" BLKID_LIBS="-L$UTIL_LINUX/lib -lblkid" \
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" \
		CPPFLAGS="-I$uuid/include -I$POPT/include -I$LVM2/include -I$JSONC/include -I$UTIL_LINUX/include" \
		LDFLAGS="-L$uuid/lib -L$POPT/lib -L$LVM2/lib -L$JSONC/lib -L$UTIL_LINUX/lib" \
		--prefix="$prefix" --disable-shared --enable-static --enable-static-cryptsetup \
		--with-crypto_backend=kernel --enable-internal-argon2 --disable-libargon2 \
		--disable-internal-sse-argon2 --disable-ssh-token --disable-external-tokens \
		--disable-asciidoc --disable-selinux --disable-udev --disable-pwquality \
		--disable-passwdqc --disable-nls --disable-veritysetup --disable-integritysetup \
		--disable-keyring --disable-fips
	make -j"$JOBS" cryptsetup.static
	strip -o "$prefix/bin/cryptsetup" cryptsetup.static
}

# The libraries' stamps are inputs: a rebuilt library rebuilds cryptsetup.
deps_build cryptsetup build_cryptsetup "$LVM2/.done" "$JSONC/.done" "$POPT/.done" "$UTIL_LINUX/.done"
