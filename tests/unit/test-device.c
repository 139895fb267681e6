/* Block device listing from a fake sysfs tree (no root needed): which devices
 * are listed, their sizes, parents, removability and device-mapper names;
 * lookups by name; the added/removed diff; the environment's settings. */
#include "kboot-core/device.h"
#include "kboot-core/env.h"

#include <errno.h>
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

static char tmp[128];

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "setup: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], cmd[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/sys/%s", tmp, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	must(system(cmd) == 0, "mkdir");
	FILE *f = fopen(path, "w");
	must(f != NULL, path);
	fputs(text, f);
	fclose(f);
}

/* /sys/class/block/<name> -> ../../devices/<dir>/<name>, as the kernel does. */
static void device(const char *dir, const char *name, const char *sectors, const char *removable)
{
	char rel[PATH_MAX], link[PATH_MAX], to[PATH_MAX];
	snprintf(rel, sizeof(rel), "devices/%s/%s/size", dir, name);
	put(rel, sectors);
	if (removable) {
		snprintf(rel, sizeof(rel), "devices/%s/%s/removable", dir, name);
		put(rel, removable);
	} else {
		snprintf(rel, sizeof(rel), "devices/%s/%s/partition", dir, name);
		put(rel, "1\n");
	}
	snprintf(link, sizeof(link), "%s/sys/class/block/%s", tmp, name);
	snprintf(to, sizeof(to), "../../devices/%s/%s", dir, name);
	must(symlink(to, link) == 0, link);
}

static int setup(void **state)
{
	snprintf(tmp, sizeof(tmp), "/tmp/kboot-test-device.XXXXXX");
	must(mkdtemp(tmp) != NULL, "mkdtemp");
	char dir[PATH_MAX];
	char cmd[PATH_MAX];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/sys/class/block'", tmp);
	must(system(cmd) == 0, "mkdir sys/class/block");
	/* Names no real /dev has, so libblkid finds nothing to probe. */
	device("pci0000:00/0000:00:04.0/virtio1/block", "vdz", "2097152\n", "0\n");
	device("pci0000:00/0000:00:04.0/virtio1/block/vdz", "vdz1", "1024\n", NULL);
	device("pci0000:00/0000:00:04.0/virtio1/block/vdz", "vdz2", "2000000\n", NULL);
	device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0/block", "sdz",
	       "60000000\n", "0\n");
	device("pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdz",
	       "sdz1", "59000000\n", NULL);
	device("pci0000:00/0000:00:01.1/ata2/host1/target1:0:0/1:0:0:0/block", "sr9", "0\n", "1\n");
	device("virtual/block", "ram0", "8192\n", "0\n");
	device("virtual/block", "zram0", "8192\n", "0\n");
	device("virtual/block", "loop41", "0\n", "0\n");	  /* detached */
	device("virtual/block", "loop42", "4096\n", "0\n"); /* attached */
	put("devices/virtual/block/loop42/loop/backing_file", "/srv/images/disk.img\n");
	device("virtual/block/loop42", "loop42p1", "2048\n", NULL);
	device("virtual/block", "dm-9", "409600\n", "0\n");
	put("devices/virtual/block/dm-9/dm/name", "vg0-root\n");
	device("virtual/block", "md99", "0\n", "0\n"); /* an array not assembled */
	snprintf(dir, sizeof(dir), "%s/sys", tmp);
	setenv("KBOOT_SYSFS", dir, 1);
	snprintf(dir, sizeof(dir), "%s/run", tmp);
	setenv("KBOOT_RUN_DIR", dir, 1);
	kb_env_reload();
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct kb_device *named(const struct kb_device_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static void test_scan_lists_disks_and_partitions(void **state)
{
	struct kb_device_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_devices_scan(&l, &err), 0);

	/* In natural order; ram, zram, a detached loop and an empty md left out. */
	const char *expected[] = { "dm-9", "loop42", "loop42p1", "sdz", "sdz1", "sr9", "vdz", "vdz1", "vdz2" };
	assert_int_equal(l.n, sizeof(expected) / sizeof(expected[0]));
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.v[i].name, expected[i]);

	const struct kb_device *d = named(&l, "vdz");
	assert_string_equal(d->path, "/dev/vdz");
	assert_true(d->size == 2097152ULL * 512);
	assert_false(d->is_partition);
	assert_false(d->removable);
	assert_string_equal(d->parent, "");
	assert_string_equal(d->fstype, "");

	d = named(&l, "vdz2");
	assert_true(d->is_partition);
	assert_string_equal(d->parent, "vdz");
	assert_true(d->size == 2000000ULL * 512);

	/* A disk on USB is removable even when its removable flag says 0. */
	assert_true(named(&l, "sdz")->removable);
	assert_true(named(&l, "sdz1")->removable);
	assert_string_equal(named(&l, "sdz1")->parent, "sdz");

	/* An empty CD drive is listed: a disc may come. */
	assert_true(named(&l, "sr9")->removable);
	assert_true(named(&l, "sr9")->size == 0);

	assert_string_equal(named(&l, "dm-9")->dm_name, "vg0-root");
	assert_string_equal(named(&l, "loop42p1")->parent, "loop42");
	assert_string_equal(named(&l, "vdz1")->mountpoint, "");
	kb_device_list_free(&l);
	assert_null(l.v);
	kb_device_list_free(NULL);
}

static void test_find_by_name(void **state)
{
	struct kb_device d;
	kb_error err = { 0 };
	assert_int_equal(kb_device_find("vdz1", &d, &err), 0);
	assert_string_equal(d.name, "vdz1");
	assert_string_equal(d.parent, "vdz");
	assert_int_equal(kb_device_find("/dev/vdz2", &d, &err), 0);
	assert_string_equal(d.name, "vdz2");
	assert_int_equal(kb_device_find("/dev/mapper/vg0-root", &d, &err), 0);
	assert_string_equal(d.name, "dm-9");

	assert_int_equal(kb_device_find("vdz9", &d, &err), -ENODEV);
	assert_string_equal(err.text, "vdz9: no such device");
	assert_int_equal(kb_device_find("ram0", &d, &err), -ENODEV);
	assert_int_equal(kb_device_find("loop41", &d, &err), -ENODEV);
	assert_int_equal(kb_device_find("../vdz", &d, &err), -ENODEV);
	assert_int_equal(kb_device_find("UUID=1234-abcd", &d, &err), -ENODEV);
	assert_string_equal(err.text, "UUID=1234-abcd: no such device");
	assert_int_equal(kb_device_find("/dev/disk/by-label/My\\x20Disk", &d, &err), -ENODEV);
	assert_string_equal(err.text, "/dev/disk/by-label/My\\x20Disk: no such device");
	assert_int_equal(kb_device_find("LABEL=", &d, &err), -EINVAL);
}

struct seen {
	char added[256], removed[256];
};

static void on_added(const struct kb_device *d, void *data)
{
	struct seen *s = data;
	strcat(s->added, d->name);
	strcat(s->added, " ");
}

static void on_removed(const struct kb_device *d, void *data)
{
	struct seen *s = data;
	strcat(s->removed, d->name);
	strcat(s->removed, " ");
}

static void test_diff(void **state)
{
	struct kb_device before[] = {
		{ .name = "sda", .size = 100 },
		{ .name = "sda1", .size = 50, .uuid = "A" },
		{ .name = "sr0", .size = 700, .fstype = "iso9660", .uuid = "disc-1" },
	};
	struct kb_device now[] = {
		{ .name = "sda", .size = 100 },
		{ .name = "sda1", .size = 50, .uuid = "A", .mountpoint = "/run/kboot/mnt/sda1" },
		{ .name = "sdb", .size = 8 },
		{ .name = "sr0", .size = 650, .fstype = "iso9660", .uuid = "disc-2" },
	};
	struct kb_device_list b = { before, 3 }, n = { now, 4 };
	struct seen s = { "", "" };
	kb_devices_diff(&b, &n, on_added, on_removed, &s);
	/* A mount changes nothing; a new disc in sr0 is a removal and an addition. */
	assert_string_equal(s.added, "sdb sr0 ");
	assert_string_equal(s.removed, "sr0 ");

	struct seen s2 = { "", "" };
	kb_devices_diff(&n, &b, on_added, on_removed, &s2);
	assert_string_equal(s2.added, "sr0 ");
	assert_string_equal(s2.removed, "sdb sr0 ");

	struct seen s3 = { "", "" };
	kb_devices_diff(NULL, &b, on_added, NULL, &s3);
	assert_string_equal(s3.added, "sda sda1 sr0 ");
}

static void test_environment(void **state)
{
	const char *saved_sys = getenv("KBOOT_SYSFS");
	char sys[PATH_MAX];
	snprintf(sys, sizeof(sys), "%s", saved_sys);
	unsetenv("KBOOT_SYSFS");
	unsetenv("KBOOT_ETC");
	unsetenv("KBOOT_CONF");
	unsetenv("KBOOT_TARGET_ROOT");
	unsetenv("KBOOT_TARGET_MOUNT");
	setenv("KBOOT_CMDLINE", "console=ttyS0 quiet", 1);
	kb_env_reload();
	const struct kb_env *e = kb_env();
	assert_string_equal(e->target_root, "/target");
	assert_false(e->target_is_dir);
	assert_string_equal(e->conf_path, "/etc/kboot.conf");
	assert_string_equal(e->etc_dir, "/etc");
	assert_string_equal(e->sys_dir, "/sys");
	assert_false(e->local_config);
	assert_false(e->debug);

	setenv("KBOOT_ETC", "/tmp/e", 1);
	setenv("KBOOT_TARGET_MOUNT", "/tmp/t", 1);
	setenv("KBOOT_CMDLINE", "root=/dev/vda2 kboot=local \"kboot.debug\" -- kboot=other", 1);
	kb_env_reload();
	assert_string_equal(e->conf_path, "/tmp/e/kboot.conf");
	assert_string_equal(e->target_root, "/tmp/t");
	assert_false(e->target_is_dir);
	assert_true(e->local_config);
	assert_true(e->debug);

	setenv("KBOOT_TARGET_ROOT", "/srv/root", 1);
	setenv("KBOOT_CMDLINE", "kboot.debug=0 init=/bin/sh -- kboot=local", 1);
	kb_env_reload();
	assert_string_equal(e->target_root, "/srv/root");
	assert_true(e->target_is_dir);
	assert_false(e->local_config); /* after "--": init's argument */
	assert_false(e->debug);

	unsetenv("KBOOT_TARGET_ROOT");
	unsetenv("KBOOT_TARGET_MOUNT");
	unsetenv("KBOOT_ETC");
	unsetenv("KBOOT_CMDLINE");
	setenv("KBOOT_SYSFS", sys, 1);
	kb_env_reload();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_lists_disks_and_partitions),
		cmocka_unit_test(test_find_by_name),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_environment),
	};
	return cmocka_run_group_tests_name("device", tests, setup, teardown);
}
