#!/bin/bash
# Builds static lvm and dmsetup (with libdevmapper) from lvm2, with musl:
# no udev, systemd, dbus, selinux, lock or poll daemons, blkid wiping or readline.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIBAIO=$(deps_prefix libaio)
[ -e "$LIBAIO/.done" ] || "$DEPS_DIR/libaio.sh"

build_lvm2() {
	local prefix=$1
	deps_apt_need autoconf make pkg-config
	# musl has no mallinfo(); memlock.c only compares two of its hblks counts.
	cat >musl-compat.h <<-'H'
		struct mallinfo { int hblks; };
		static inline struct mallinfo mallinfo(void) { struct mallinfo m = { 0 }; return m; }
	H
	# musl's stdin, stdout and stderr are constants: reopen the streams instead.
	sed -i 's/(\(std[a-z]*\) = fopen(_PATH_DEVNULL, \("[rw]"\)))/(freopen(_PATH_DEVNULL, \2, \1))/' \
		tools/lvmcmdline.c
	# The export-symbol step preprocesses with $(CC) alone: the kernel headers go there.
	./configure CC="musl-gcc -isystem $MUSL_KHDRS" CFLAGS="$MUSL_CFLAGS -include $PWD/musl-compat.h -I$LIBAIO/include" \
		LDFLAGS="-L$LIBAIO/lib" --prefix="$prefix" \
		--enable-static_link --disable-shared --disable-readline --disable-editline \
		--disable-selinux --disable-blkid_wiping --disable-udev_sync --disable-udev_rules \
		--disable-systemd-journal --disable-app-machineid --disable-notify-dbus \
		--disable-use-lvmlockd --disable-use-lvmpolld --disable-dmeventd \
		--disable-fsadm --disable-blkdeactivate --disable-lvmimportvdo --disable-nls \
		--with-thin-check= --with-thin-dump= --with-thin-repair= --with-thin-restore= \
		--with-cache-check= --with-cache-dump= --with-cache-repair= --with-cache-restore= \
		--with-vdo=none --with-default-system-dir=/etc/lvm --with-default-run-dir=/run/lvm \
		--with-default-locking-dir=/run/lock/lvm --with-confdir=/etc
	make -j"$JOBS" lib
	make -C tools -j"$JOBS" lvm.static
	make -C libdm/dm-tools -j"$JOBS" dmsetup.static
	strip -o "$prefix/bin/lvm" tools/lvm.static
	strip -o "$prefix/bin/dmsetup" libdm/dm-tools/dmsetup.static
	install -m 0644 libdm/ioctl/libdevmapper.a "$prefix/lib/libdevmapper.a"
	install -m 0644 libdm/libdevmapper.h "$prefix/include/libdevmapper.h"
}

# The libaio stamp is an input: a rebuilt libaio rebuilds lvm2.
deps_build lvm2 build_lvm2 "$LIBAIO/.done"
