#!/bin/bash
# Builds minimal static ncurses (libncurses + libtinfo, no C++/programs/tests/manpages) with
# musl, plus a small compiled terminfo set for the image.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Terminals kboot meets: the VGA console, serial consoles, and ssh/serial clients.
TERMS=linux,vt100,vt102,vt220,xterm,xterm-256color,screen,screen-256color,dumb

build_ncurses() {
	local prefix=$1
	deps_apt_need ncurses-bin make
	# A terminfo directory, not --with-fallbacks: measured, the 9 entries are 17 KB of
	# files (5 KB gzipped), while fallbacks add 32 KB to every binary linking tinfo.
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" --prefix="$prefix" \
		--without-cxx --without-cxx-binding --without-ada --without-progs \
		--without-tests --without-manpages --disable-db-install --without-shared \
		--with-normal --without-debug --without-profile --with-termlib \
		--disable-widec --without-gpm --disable-termcap --enable-overwrite \
		--disable-pc-files --with-default-terminfo-dir=/usr/share/terminfo \
		--with-terminfo-dirs=/etc/terminfo:/usr/share/terminfo
	make -j"$JOBS" libs
	make install.libs install.includes
	# The host's tic is the same ncurses version; it compiles entries from this source.
	mkdir -p "$prefix/share/terminfo"
	tic -x -o "$prefix/share/terminfo" -e "$TERMS" misc/terminfo.src
}

deps_build ncurses build_ncurses
