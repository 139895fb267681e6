/* Real devices, as root on the host: small ext4, vfat and GPT images on loop
 * devices. Listing, lookups by tag, read-only mounts that refuse writes and
 * never replay a dirty journal, the target with /boot and /boot/efi from its
 * fstab, a mount dropped once its disk is another, and unmounting everything.
 * Every image's checksum is the same at the end. Skipped when not root or
 * when loop devices are unavailable. */
#include "kboot-core/config.h"
#include "kboot-core/device.h"
#include "kboot-core/env.h"
#include "kboot-core/mount.h"
#include "kboot-core/path.h"
#include "kboot-core/target.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define ROOT_UUID "6a1c0f3e-1d2b-4c5d-8e9f-0a1b2c3d4e01"
#define BOOT_UUID "6a1c0f3e-1d2b-4c5d-8e9f-0a1b2c3d4e02"
#define DIRTY_UUID "6a1c0f3e-1d2b-4c5d-8e9f-0a1b2c3d4e03"
#define PART_UUID "6a1c0f3e-1d2b-4c5d-8e9f-0a1b2c3d4e04"
#define ESP_UUID "ABCD-1234"

enum { IMG_ROOT, IMG_BOOT, IMG_ESP, IMG_GPT, IMG_DIRTY, IMG_ZERO, IMG_RW, IMG_COUNT };
static const char *const img_names[IMG_COUNT] = { "root", "boot", "esp", "gpt", "dirty", "zero", "rw" };

static char tmp[128];
static bool usable;
static char loop[IMG_COUNT][24]; /* "loop3" */
static char gpt_part[32];	 /* "loop6p1" */
static bool has_partitions;	 /* the kernel reads partition tables on loop devices */
static bool has_vfat;		 /* the kernel has vfat (this host's has not) */
static char sums[IMG_COUNT][80];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int sh_out(char *ret, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh_out(char *ret, size_t size, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	ret[0] = '\0';
	if (!fgets(ret, (int)size, p))
		ret[0] = '\0';
	ret[strcspn(ret, "\n")] = '\0';
	return pclose(p);
}

static void checksum(int i, char *ret, size_t size)
{
	sh_out(ret, size, "sha256sum '%s/%s.img' | cut -d' ' -f1", tmp, img_names[i]);
}

static bool make_images(void)
{
	const char *t = tmp;
	/* Trees for mkfs.ext4 -d: the target root and its /boot. */
	if (sh("mkdir -p %s/rootdir/etc %s/rootdir/sbin %s/rootdir/boot %s/rootdir/home "
	       "%s/bootdir/efi %s/dirtydir",
	       t, t, t, t, t, t) != 0)
		return false;
	if (sh("printf '#!/bin/sh\\n' > %s/rootdir/sbin/init && chmod +x %s/rootdir/sbin/init && "
	       "ln -s /boot/vmlinuz-6.1 %s/rootdir/vmlinuz && "
	       "echo 'kernel 6.1 on /boot' > %s/bootdir/vmlinuz-6.1 && "
	       "echo 'not /boot, the root filesystem own dir' > %s/rootdir/boot/README && "
	       "echo journal > %s/dirtydir/file",
	       t, t, t, t, t, t) != 0)
		return false;
	FILE *f;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/rootdir/etc/fstab", t);
	if (!(f = fopen(path, "w")))
		return false;
	fprintf(f, "# the target's fstab\n"
		   "UUID=" ROOT_UUID " / ext4 errors=remount-ro 0 1\n"
		   "UUID=" BOOT_UUID " /boot ext4 defaults 0 2\n"
		   "UUID=" ESP_UUID " /boot/efi vfat umask=0077 0 1\n"
		   "LABEL=kb-not-here /home ext4 defaults,nofail 0 2\n"
		   "PARTUUID=" PART_UUID " /missing-dir ext4 defaults 0 2\n"
		   "PARTUUID=" PART_UUID " /home ext4 noauto 0 2\n"
		   "UUID=0000-swap none swap sw 0 0\n"
		   "proc /proc proc defaults 0 0\n"
		   "tmpfs /tmp tmpfs defaults 0 0\n"
		   "server:/export /home nfs defaults 0 0\n"
		   "/srv/data /home none bind 0 0\n");
	fclose(f);
	if (sh("cd %s && truncate -s 32M root.img boot.img esp.img gpt.img && truncate -s 8M dirty.img zero.img rw.img && mkfs.ext4 -q -F rw.img && "
	       "mkfs.ext4 -q -F -L kbroot -U " ROOT_UUID " -d rootdir root.img && "
	       "mkfs.ext4 -q -F -L kbboot -U " BOOT_UUID " -d bootdir boot.img && "
	       "mkfs.ext4 -q -F -L kbdirty -U " DIRTY_UUID " -d dirtydir dirty.img && "
	       "mkfs.vfat -n KBEFI -i ABCD1234 esp.img >/dev/null && "
	       "sgdisk -q -n 1:2048:+16M -u 1:" PART_UUID " gpt.img >/dev/null && "
	       /* A journal that says it needs recovery: mounting without care replays it. */
	       "debugfs -w -R 'feature needs_recovery' dirty.img >/dev/null 2>&1",
	       t) != 0)
		return false;
	return true;
}

static bool attach(void)
{
	for (int i = 0; i < IMG_COUNT; i++) {
		char dev[64];
		if (sh_out(dev, sizeof(dev), "losetup -f --show %s '%s/%s.img' 2>/dev/null",
			   i == IMG_GPT ? "-P" : "", tmp, img_names[i]) != 0 ||
		    strncmp(dev, "/dev/", 5) != 0 || strlen(dev + 5) >= sizeof(loop[i]))
			return false;
		memcpy(loop[i], dev + 5, strlen(dev + 5) + 1);
	}
	snprintf(gpt_part, sizeof(gpt_part), "%sp1", loop[IMG_GPT]);
	for (int tries = 0; tries < 20 && sh("test -b /dev/%s", gpt_part) != 0; tries++)
		usleep(100 * 1000);
	/* Some kernels are built without partition table support (this host's
	 * is): then the partition checks are skipped, and QEMU covers them. */
	has_partitions = sh("test -b /dev/%s", gpt_part) == 0;
	if (!has_partitions)
		fprintf(stderr, "no partitions on loop devices here; skipping PARTUUID checks\n");
	else if (sh("mkfs.ext4 -q -F -L kbpart /dev/%s", gpt_part) != 0)
		return false;
	/* A sysfs holding only our loop devices, so nothing on the host is probed. */
	if (sh("mkdir -p %s/sys/class/block", tmp) != 0)
		return false;
	for (int i = 0; i < IMG_COUNT; i++)
		if (sh("ln -s \"$(readlink -f /sys/class/block/%s)\" %s/sys/class/block/%s", loop[i],
		       tmp, loop[i]) != 0)
			return false;
	return !has_partitions ||
	       sh("ln -s \"$(readlink -f /sys/class/block/%s)\" %s/sys/class/block/%s", gpt_part, tmp,
		  gpt_part) == 0;
}

static int group_setup(void **state)
{
	if (geteuid() != 0 || sh("command -v losetup mkfs.ext4 mkfs.vfat sgdisk debugfs >/dev/null") != 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "/tmp/kboot-test-mount.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	if (!make_images())
		return -1;
	for (int i = 0; i < IMG_COUNT; i++)
		checksum(i, sums[i], sizeof(sums[i]));
	if (!attach()) {
		fprintf(stderr, "loop devices do not work here; skipping the host tests\n");
		return 0;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/sys", tmp);
	setenv("KBOOT_SYSFS", path, 1);
	snprintf(path, sizeof(path), "%s/run", tmp);
	setenv("KBOOT_RUN_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/target", tmp);
	setenv("KBOOT_TARGET_MOUNT", path, 1);
	snprintf(path, sizeof(path), "%s/etc", tmp);
	setenv("KBOOT_ETC", path, 1);
	sh("mkdir -p %s/etc", tmp);
	unsetenv("KBOOT_TARGET_ROOT");
	setenv("KBOOT_CMDLINE", "", 1);
	kb_env_reload();
	has_vfat = sh("grep -qw vfat /proc/filesystems") == 0;
	if (!has_vfat)
		fprintf(stderr, "no vfat in this kernel; skipping vfat mounts\n");
	usable = true;
	return 0;
}

static int group_teardown(void **state)
{
	if (!tmp[0])
		return 0;
	/* Whatever a failed test left behind. */
	sh("grep -o ' %s/[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null",
	   tmp);
	for (int i = 0; i < IMG_COUNT; i++)
		if (loop[i][0])
			sh("losetup -d /dev/%s", loop[i]);
	return sh("rm -rf '%s'", tmp) == 0 ? 0 : -1;
}

#define REQUIRE_HOST()                                                             \
	do {                                                                       \
		if (!usable)                                                       \
			skip();                                                    \
	} while (0)

static const struct kb_device *named(const struct kb_device_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static void test_scan_reads_filesystems(void **state)
{
	REQUIRE_HOST();
	struct kb_device_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_devices_scan(&l, &err), 0);
	assert_string_equal(named(&l, loop[IMG_ZERO])->fstype, "");
	const struct kb_device *d = named(&l, loop[IMG_ROOT]);
	assert_non_null(d);
	assert_string_equal(d->fstype, "ext4");
	assert_string_equal(d->label, "kbroot");
	assert_string_equal(d->uuid, ROOT_UUID);
	assert_true(d->size == 32ULL << 20);
	assert_false(d->is_partition);

	d = named(&l, loop[IMG_ESP]);
	assert_string_equal(d->fstype, "vfat");
	assert_string_equal(d->label, "KBEFI");
	assert_string_equal(d->uuid, ESP_UUID);

	d = named(&l, gpt_part);
	if (!has_partitions) {
		assert_null(d);
		kb_device_list_free(&l);
		return;
	}
	assert_non_null(d);
	assert_true(d->is_partition);
	assert_string_equal(d->parent, loop[IMG_GPT]);
	assert_string_equal(d->fstype, "ext4");
	assert_string_equal(d->partuuid, PART_UUID);
	assert_true(d->size == 16ULL << 20);

	kb_device_list_free(&l);
}

static void test_find_by_tag(void **state)
{
	REQUIRE_HOST();
	struct kb_device d;
	kb_error err = { 0 };
	assert_int_equal(kb_device_find("UUID=" BOOT_UUID, &d, &err), 0);
	assert_string_equal(d.name, loop[IMG_BOOT]);
	assert_int_equal(kb_device_find("UUID=" ESP_UUID, &d, &err), 0);
	assert_string_equal(d.name, loop[IMG_ESP]);
	assert_int_equal(kb_device_find("LABEL=kbdirty", &d, &err), 0);
	assert_string_equal(d.name, loop[IMG_DIRTY]);
	assert_int_equal(kb_device_find("LABEL=\"kbroot\"", &d, &err), 0);
	assert_string_equal(d.name, loop[IMG_ROOT]);
	assert_int_equal(kb_device_find("/dev/disk/by-uuid/" ROOT_UUID, &d, &err), 0);
	assert_string_equal(d.name, loop[IMG_ROOT]);
	assert_int_equal(kb_device_find("LABEL=kb-not-here", &d, &err), -ENODEV);
	assert_string_equal(err.text, "LABEL=kb-not-here: no such device");
	if (has_partitions) {
		assert_int_equal(kb_device_find("PARTUUID=" PART_UUID, &d, &err), 0);
		assert_string_equal(d.name, gpt_part);
	}
}

static void test_readonly_mount_refuses_writes(void **state)
{
	REQUIRE_HOST();
	char dir[PATH_MAX], again[PATH_MAX], want[PATH_MAX], file[PATH_MAX + 32];
	kb_error err = { 0 };
	assert_int_equal(kb_mount_device(loop[IMG_BOOT], dir, sizeof(dir), &err), 0);
	snprintf(want, sizeof(want), "%s/run/mnt/%s", tmp, loop[IMG_BOOT]);
	assert_string_equal(dir, want);
	snprintf(file, sizeof(file), "%s/vmlinuz-6.1", dir);
	assert_int_equal(access(file, R_OK), 0);
	snprintf(file, sizeof(file), "%s/new-file", dir);
	assert_int_equal(open(file, O_WRONLY | O_CREAT, 0644), -1);
	assert_int_equal(errno, EROFS);

	/* Mounted once: asked again (even by UUID), the same directory. */
	assert_int_equal(kb_mount_device("UUID=" BOOT_UUID, again, sizeof(again), &err), 0);
	assert_string_equal(again, dir);
	assert_int_equal(sh("test $(grep -c ' %s ' /proc/self/mountinfo) = 1", dir), 0);
	assert_int_equal(kb_mount_lookup(loop[IMG_BOOT], again, sizeof(again)), 0);
	assert_string_equal(again, dir);
	struct kb_device d;
	assert_int_equal(kb_device_find(loop[IMG_BOOT], &d, &err), 0);
	assert_string_equal(d.mountpoint, dir);
	/* Any process sees it in kboot's table. */
	assert_int_equal(sh("grep -q '^/dev/%s %s ext4 ro,nodev,nosuid,noexec,noload' %s/run/mounts", loop[IMG_BOOT], dir, tmp), 0);

	assert_int_equal(kb_umount(dir, &err), 0);
	assert_int_equal(kb_mount_lookup(loop[IMG_BOOT], again, sizeof(again)), -ENOENT);
	assert_int_equal(access(dir, F_OK), -1); /* our directory is gone too */

	/* vfat, type detected, and the same refusal. */
	if (!has_vfat)
		return;
	assert_int_equal(kb_mount_device(loop[IMG_ESP], dir, sizeof(dir), &err), 0);
	snprintf(file, sizeof(file), "%s/new-file", dir);
	assert_int_equal(open(file, O_WRONLY | O_CREAT, 0644), -1);
	assert_int_equal(errno, EROFS);
	assert_int_equal(kb_umount(dir, &err), 0);
}

static void test_dirty_journal_is_not_replayed(void **state)
{
	REQUIRE_HOST();
	assert_int_equal(sh("dumpe2fs -h /dev/%s 2>/dev/null | grep -q needs_recovery", loop[IMG_DIRTY]), 0);
	char dir[PATH_MAX], file[PATH_MAX + 16], text[64];
	kb_error err = { 0 };
	assert_int_equal(kb_mount_device(loop[IMG_DIRTY], dir, sizeof(dir), &err), 0);
	snprintf(file, sizeof(file), "%s/file", dir);
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "journal\n");
	assert_int_equal(kb_umount(dir, &err), 0);
	char now[80];
	checksum(IMG_DIRTY, now, sizeof(now));
	assert_string_equal(now, sums[IMG_DIRTY]);
	assert_int_equal(sh("dumpe2fs -h /dev/%s 2>/dev/null | grep -q needs_recovery", loop[IMG_DIRTY]), 0);
}

static void test_errors_for_people(void **state)
{
	REQUIRE_HOST();
	char dir[PATH_MAX], want[128];
	kb_error err = { 0 };
	assert_int_equal(kb_mount_device(loop[IMG_ZERO], dir, sizeof(dir), &err), -EMEDIUMTYPE);
	snprintf(want, sizeof(want), "%s: unknown filesystem type", loop[IMG_ZERO]);
	assert_string_equal(err.text, want);

	snprintf(dir, sizeof(dir), "%s", tmp);
	assert_int_equal(kb_mount("/dev/vda9kb", dir, NULL, NULL, KB_MOUNT_READONLY, NULL, &err), -ENODEV);
	assert_string_equal(err.text, "vda9kb: no such device");
	assert_int_equal(kb_mount_device("vda9kb", dir, sizeof(dir), &err), -ENODEV);
	assert_string_equal(err.text, "vda9kb: no such device");

	char dev[64];
	snprintf(dev, sizeof(dev), "/dev/%s", loop[IMG_BOOT]);
	snprintf(dir, sizeof(dir), "%s/etc", tmp);
	assert_int_equal(kb_mount(dev, dir, NULL, "bogus_option=1", KB_MOUNT_READONLY, NULL, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: mount failed: Invalid argument (", loop[IMG_BOOT]);
	assert_memory_equal(err.text, want, strlen(want));

	/* Writable needs a named reason; read-only takes none. */
	assert_int_equal(kb_mount(dev, dir, NULL, NULL, KB_MOUNT_WRITABLE, NULL, &err), -EPERM);
	assert_int_equal(kb_mount(dev, dir, NULL, NULL, KB_MOUNT_READONLY, "because", &err), -EINVAL);
}

static void test_writable_only_on_request(void **state)
{
	REQUIRE_HOST();
	char dev[64], dir[PATH_MAX], file[PATH_MAX + 16];
	kb_error err = { 0 };
	snprintf(dev, sizeof(dev), "/dev/%s", loop[IMG_RW]);
	snprintf(dir, sizeof(dir), "%s/rw", tmp);
	mkdir(dir, 0755);
	/* Other programs on this host that scan block devices may hold the
	 * image mounted read-only; then a writable mount must say so. */
	int r = kb_mount(dev, dir, NULL, NULL, KB_MOUNT_WRITABLE, "test: save grubenv", &err);
	if (r == -EBUSY || r == -EROFS) {
		assert_true(r == -EBUSY || strstr(err.text, "read-only"));
		/* tmpfs, which no scanner sees, for the writable path itself. */
		assert_int_equal(kb_mount("tmpfs", dir, "tmpfs", NULL, KB_MOUNT_WRITABLE, "test: scratch", &err), 0);
	} else if (r != 0) {
		fail_msg("%s", err.text);
	}
	snprintf(file, sizeof(file), "%s/written", dir);
	int fd = open(file, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(kb_umount(dir, &err), 0);
}

static void test_target_from_root_and_fstab(void **state)
{
	REQUIRE_HOST();
	struct kb_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.root = "UUID=" ROOT_UUID;
	kb_error err = { 0 };
	assert_false(kb_target_present());
	if (kb_target_setup(&cfg, &err) != 0)
		fail_msg("%s", err.text);
	assert_true(kb_target_present());
	char dev[32];
	assert_int_equal(kb_target_root_device(dev, sizeof(dev)), 0);
	assert_string_equal(dev, loop[IMG_ROOT]);

	/* /boot by UUID, /boot/efi (vfat) below it; the rest skipped. */
	assert_int_equal(sh("grep -q ' %s/target/boot ' /proc/self/mountinfo", tmp), 0);
	assert_int_equal(sh("grep -q ' %s/target/boot/efi ' /proc/self/mountinfo", tmp), has_vfat ? 0 : 256);
	assert_int_equal(sh("test $(grep -c ' %s/target' /proc/self/mountinfo) = %d", tmp, has_vfat ? 3 : 2), 0);
	assert_int_equal(sh("grep ' %s/target' /proc/self/mountinfo | grep -vq ' ro[, ]'", tmp), 256);
	/* The missing mountpoint was not created inside the target. */
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target/missing-dir", tmp);
	assert_int_equal(access(path, F_OK), -1);

	/* Generalized paths through it: the link resolves across the /boot mount. */
	char local[PATH_MAX], want[PATH_MAX];
	assert_int_equal(kb_path_to_local("/vmlinuz", NULL, local, sizeof(local), &err), 0);
	snprintf(want, sizeof(want), "%s/target/boot/vmlinuz-6.1", tmp);
	assert_string_equal(local, want);
	/* The root device's own /boot is its directory, not the /boot partition. */
	char text[64];
	snprintf(text, sizeof(text), "%s:/boot/README", loop[IMG_ROOT]);
	if (kb_path_to_local(text, NULL, local, sizeof(local), &err) != 0)
		fail_msg("%s: %s", text, err.text);
	snprintf(want, sizeof(want), "%s/run/mnt/%s/boot/README", tmp, loop[IMG_ROOT]);
	assert_string_equal(local, want);
	assert_int_equal(kb_path_to_local("LABEL=kbboot:/vmlinuz-6.1", NULL, local, sizeof(local), &err), 0);
	assert_int_equal(kb_path_to_local("/boot/nope", NULL, local, sizeof(local), &err), -ENOENT);
	assert_string_equal(err.text, "/boot/nope: no such file or directory");

	/* Idempotent. */
	assert_int_equal(kb_target_setup(&cfg, &err), 0);
	assert_int_equal(sh("test $(grep -c ' %s/target' /proc/self/mountinfo) = %d", tmp, has_vfat ? 3 : 2), 0);

	assert_int_equal(kb_target_config_update(&err), 1); /* fstab only */
	assert_int_equal(sh("grep -q 'the target.s fstab' %s/etc/fstab", tmp), 0);

	/* Deepest first: /boot/efi, then /boot, then the root. */
	assert_int_equal(kb_umount_all(&err), 0);
	assert_int_equal(sh("grep -q ' %s/' /proc/self/mountinfo", tmp), 256);
	assert_false(kb_target_present());
	assert_int_equal(sh("test ! -s %s/run/mounts", tmp), 0);
}

static void test_target_found_by_probing(void **state)
{
	REQUIRE_HOST();
	kb_error err = { 0 };
	if (kb_target_setup(NULL, &err) != 0)
		fail_msg("%s", err.text);
	char dev[32];
	assert_int_equal(kb_target_root_device(dev, sizeof(dev)), 0);
	assert_string_equal(dev, loop[IMG_ROOT]);
	assert_int_equal(sh("grep -q ' %s/target/boot ' /proc/self/mountinfo", tmp), 0);
	assert_int_equal(kb_umount_all(&err), 0);
	assert_int_equal(sh("grep -q ' %s/' /proc/self/mountinfo", tmp), 256);
}

/* The mount points below tmp, in mountinfo order, with their options. */
static void mounted_below_tmp(char *ret, size_t size)
{
	sh_out(ret, size, "grep ' %s/' /proc/self/mountinfo | awk '{print $5 \",\" $6}' | tr '\\n' ' '",
	       tmp);
}

/* A handover that fails (kexec -e, the grubenv write) unmounted everything:
 * what it took down comes back, read-only, once, in the same places. */
static void test_a_failed_handover_gets_its_mounts_back(void **state)
{
	REQUIRE_HOST();
	char saved[PATH_MAX];
	snprintf(saved, sizeof(saved), "%s/run/mounts.unmounted", tmp);
	unlink(saved); /* what the tests above unmounted, for no handover */
	struct kb_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.root = "UUID=" ROOT_UUID;
	kb_error err = { 0 };
	if (kb_target_setup(&cfg, &err) != 0)
		fail_msg("%s", err.text);
	char dir[PATH_MAX];
	assert_int_equal(kb_mount_device(loop[IMG_DIRTY], dir, sizeof(dir), &err), 0);
	char before[4096], after[4096];
	mounted_below_tmp(before, sizeof(before));
	assert_non_null(strstr(before, "/target/boot,ro"));

	assert_int_equal(kb_umount_all(&err), 0);
	assert_false(kb_target_present());
	assert_int_equal(access(dir, F_OK), -1); /* our own directory went too */

	if (kb_mount_restore_all(&err) != 0)
		fail_msg("%s", err.text);
	assert_true(kb_target_present());
	mounted_below_tmp(after, sizeof(after));
	assert_string_equal(after, before);
	assert_int_equal(access(saved, F_OK), -1); /* used once */
	char text[64], local[PATH_MAX];
	snprintf(text, sizeof(text), "%s:/file", loop[IMG_DIRTY]);
	assert_int_equal(kb_path_to_local(text, NULL, local, sizeof(local), &err), 0);

	/* Nothing left to restore: a second call changes nothing. */
	assert_int_equal(kb_mount_restore_all(&err), 0);
	mounted_below_tmp(after, sizeof(after));
	assert_string_equal(after, before);
	assert_int_equal(kb_umount_all(&err), 0);
	unlink(saved);
}

/* A stick pulled out leaves its mount behind; the next disk the kernel
 * gives that name is another disk, with another disk sequence number.
 * kboot neither offers the dead mount for the name nor keeps it. Here the
 * name's sysfs entry is pointed at another loop device, as if the kernel had
 * given the name to a new disk. */
static void test_a_mount_of_a_disk_that_went_is_dropped(void **state)
{
	REQUIRE_HOST();
	if (sh("test -r /sys/class/block/%s/diskseq", loop[IMG_RW]) != 0)
		skip(); /* a kernel before 5.15 numbers no disks */
	char dir[PATH_MAX], again[PATH_MAX];
	kb_error err = { 0 };
	assert_int_equal(kb_mount_device(loop[IMG_RW], dir, sizeof(dir), &err), 0);
	assert_int_equal(kb_mount_lookup(loop[IMG_RW], again, sizeof(again)), 0);
	assert_int_equal(sh("ln -sfn \"$(readlink -f /sys/class/block/%s)\" %s/sys/class/block/%s",
			    loop[IMG_ZERO], tmp, loop[IMG_RW]),
			 0);
	assert_int_equal(kb_mount_lookup(loop[IMG_RW], again, sizeof(again)), -ENOENT);
	assert_int_equal(kb_mount_drop_stale(&err), 0);
	assert_int_not_equal(sh("grep -q ' %s ' /proc/self/mountinfo", dir), 0);
	assert_int_equal(access(dir, F_OK), -1); /* kboot's directory went with it */

	/* Its own disk again: mounted afresh. */
	assert_int_equal(sh("ln -sfn \"$(readlink -f /sys/class/block/%s)\" %s/sys/class/block/%s",
			    loop[IMG_RW], tmp, loop[IMG_RW]),
			 0);
	assert_int_equal(kb_mount_device(loop[IMG_RW], again, sizeof(again), &err), 0);
	assert_string_equal(again, dir);
	assert_int_equal(kb_umount(again, &err), 0);
}

/* Last: nothing kboot did wrote to any image but the one mounted writable. */
static void test_images_unchanged(void **state)
{
	REQUIRE_HOST();
	for (int i = 0; i < IMG_COUNT; i++) {
		if (i == IMG_RW || (i == IMG_GPT && has_partitions)) /* mkfs'd after hashing */
			continue;
		char now[80];
		checksum(i, now, sizeof(now));
		if (strcmp(now, sums[i]) != 0)
			fail_msg("%s.img changed", img_names[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_reads_filesystems),
		cmocka_unit_test(test_find_by_tag),
		cmocka_unit_test(test_readonly_mount_refuses_writes),
		cmocka_unit_test(test_dirty_journal_is_not_replayed),
		cmocka_unit_test(test_errors_for_people),
		cmocka_unit_test(test_writable_only_on_request),
		cmocka_unit_test(test_target_from_root_and_fstab),
		cmocka_unit_test(test_target_found_by_probing),
		cmocka_unit_test(test_a_failed_handover_gets_its_mounts_back),
		cmocka_unit_test(test_a_mount_of_a_disk_that_went_is_dropped),
		cmocka_unit_test(test_images_unchanged),
	};
	return cmocka_run_group_tests_name("mount-host", tests, group_setup, group_teardown);
}
