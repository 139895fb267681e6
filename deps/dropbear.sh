#!/bin/bash
# Builds static dropbear (one multi-call binary: the SSH server for the kboot
# prompt, dbclient and scp for fetching files, dropbearkey for the host key).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dropbear() {
	local prefix=$1
	deps_apt_need autoconf make
	# Keys only: no password logins at all, no PAM, no X11; kboot has no
	# utmp, lastlog or syslog daemon.
	cat >localoptions.h <<-'H'
		#define DROPBEAR_SVR_PASSWORD_AUTH 0
		#define DROPBEAR_SVR_PAM_AUTH 0
		#define DROPBEAR_X11FWD 0
		#define DROPBEAR_PATH_SSH_PROGRAM "/usr/bin/dbclient"
		#define DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
		#define DEFAULT_ROOT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
	H
	./configure CC=musl-gcc CFLAGS="$MUSL_CFLAGS" LDFLAGS=-static --enable-static \
		--disable-zlib --disable-pam --disable-syslog --disable-lastlog --disable-utmp \
		--disable-utmpx --disable-wtmp --disable-wtmpx --disable-pututline \
		--disable-pututxline --disable-harden
	make -j"$JOBS" PROGRAMS="dropbear dbclient dropbearkey scp" MULTI=1 STATIC=1
	strip dropbearmulti
	install -m 0755 dropbearmulti "$prefix/bin/dropbearmulti"
}

deps_build dropbear build_dropbear
