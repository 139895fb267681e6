#!/bin/bash
# Builds static libedit (histedit.h, editline/readline.h) on our musl ncurses.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NCURSES=$(deps_prefix ncurses)
[ -e "$NCURSES/.done" ] || "$DEPS_DIR/ncurses.sh"

build_libedit() {
	local prefix=$1
	deps_apt_need autoconf automake libtool pkg-config make
	# Debian's patches edit configure.ac, so regenerate.
	autoreconf -fi
	# Debian's libbsd.patch requires libbsd-overlay, which has no musl build; musl has
	# strlcpy/strlcat itself. Setting the pkg-config variables skips that probe.
	# libtinfo holds tgetent; list it so the "-lncurses" probe links.
	# musl's wchar_t is UCS-4, but musl-gcc does not predefine __STDC_ISO_10646__.
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS -D__STDC_ISO_10646__=201206L" \
		CPPFLAGS="-I$NCURSES/include" LDFLAGS="-L$NCURSES/lib" LIBS="-ltinfo" \
		LIBBSD_CFLAGS="-DKBOOT_NO_LIBBSD" LIBBSD_LIBS="-lc" \
		--prefix="$prefix" --disable-shared --enable-static --disable-examples
	make -C src -j"$JOBS"
	make -C src install
	rm -f "$prefix"/lib/*.la
}

deps_build libedit build_libedit "$NCURSES/.done"
