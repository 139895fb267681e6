#!/bin/bash
# Builds static libmount and libblkid (with headers) from util-linux, with musl.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_util_linux() {
	local prefix=$1
	deps_apt_need autoconf automake libtool autopoint gettext bison pkg-config make
	# Debian's patches touch configure.ac and Makemodule.am.
	./autogen.sh
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" --prefix="$prefix" \
		--disable-all-programs --enable-libblkid --enable-libmount --enable-libuuid \
		--disable-shared --enable-static --disable-nls \
		--without-python --without-systemd --without-udev --without-selinux \
		--without-audit --without-ncursesw --without-ncurses --without-readline \
		--without-libz --without-libmagic --without-user --without-btrfs \
		--without-econf --without-cryptsetup --without-smack
	make -j"$JOBS" libblkid.la libmount.la
	make install-usrlib_execLTLIBRARIES install-nodist_blkidincHEADERS \
		install-nodist_mountincHEADERS
}

deps_build util-linux build_util_linux
