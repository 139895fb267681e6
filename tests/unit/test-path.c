/* Generalized path names: every row of the kboot paper's Table 1 and our
 * additions, relative names, ".." folding, limits, and symlinks that try to
 * leave the target. */
#include "kboot-core/env.h"
#include "kboot-core/path-internal.h"
#include "kboot-core/path.h"

#include <dirent.h>
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

static char tmp[128];    /* scratch directory for this run */
static char target[256]; /* tmp/target: the fixture target with symlinks */

struct row {
	const char *text, *cwd;
	enum kb_path_kind kind;
	const char *device, *path, *canonical;
};

static const struct row table1[] = {
	/* The paper's Table 1, in its order. */
	{ "/boot/bzImage-2.6.13.2", NULL, KB_PATH_TARGET, "", "/boot/bzImage-2.6.13.2", "/boot/bzImage-2.6.13.2" },
	{ "//etc/fstab", NULL, KB_PATH_KBOOT, "", "/etc/fstab", "//etc/fstab" },
	{ "linux-2.6.14", "/usr/src", KB_PATH_TARGET, "", "/usr/src/linux-2.6.14", "/usr/src/linux-2.6.14" },
	{ "hda7", NULL, KB_PATH_DEVICE, "hda7", "/", "hda7" },
	{ "/dev/hda7", NULL, KB_PATH_DEVICE, "hda7", "/", "hda7" },
	{ "hda1:/bzImage", NULL, KB_PATH_DEVICE_FILE, "hda1", "/bzImage", "hda1:/bzImage" },
	{ "hda1:bzImage", NULL, KB_PATH_DEVICE_FILE, "hda1", "/bzImage", "hda1:/bzImage" },
	{ "/dev/sda6:/foo/bar", NULL, KB_PATH_DEVICE_FILE, "sda6", "/foo/bar", "sda6:/foo/bar" },
	{ "/dev/sda6:foo/bar", NULL, KB_PATH_DEVICE_FILE, "sda6", "/foo/bar", "sda6:/foo/bar" },
	{ "server:/home/k/bzImage-a", NULL, KB_PATH_NFS, "server", "/home/k/bzImage-a", "server:/home/k/bzImage-a" },
	{ "http://server/foo", NULL, KB_PATH_URL, "server", "http://server/foo", "http://server/foo" },
	{ "ftp://server/foo/bar", NULL, KB_PATH_URL, "server", "ftp://server/foo/bar", "ftp://server/foo/bar" },
	/* Our additions. */
	{ "https://boot.example.com:8443/k/vmlinuz?v=2", NULL, KB_PATH_URL, "boot.example.com:8443", "https://boot.example.com:8443/k/vmlinuz?v=2", "https://boot.example.com:8443/k/vmlinuz?v=2" },
	{ "tftp://10.0.0.1/pxe/vmlinuz", NULL, KB_PATH_URL, "10.0.0.1", "tftp://10.0.0.1/pxe/vmlinuz", "tftp://10.0.0.1/pxe/vmlinuz" },
	{ "HTTP://Server/a/./b/../c", NULL, KB_PATH_URL, "Server", "http://Server/a/c", "http://Server/a/c" },
	{ "http://server", NULL, KB_PATH_URL, "server", "http://server/", "http://server/" },
	{ "http://server/dir/", NULL, KB_PATH_URL, "server", "http://server/dir/", "http://server/dir/" },
	{ "UUID=4f1c-9a2b:/boot/vmlinuz", NULL, KB_PATH_DEVICE_FILE, "UUID=4f1c-9a2b", "/boot/vmlinuz", "UUID=4f1c-9a2b:/boot/vmlinuz" },
	{ "LABEL=rootfs:/etc", NULL, KB_PATH_DEVICE_FILE, "LABEL=rootfs", "/etc", "LABEL=rootfs:/etc" },
	{ "PARTUUID=0b3c2f1e-01:/efi", NULL, KB_PATH_DEVICE_FILE, "PARTUUID=0b3c2f1e-01", "/efi", "PARTUUID=0b3c2f1e-01:/efi" },
	{ "LABEL=boot:grub/grub.cfg", NULL, KB_PATH_DEVICE_FILE, "LABEL=boot", "/grub/grub.cfg", "LABEL=boot:/grub/grub.cfg" },
	{ "UUID=4f1c-9a2b", NULL, KB_PATH_DEVICE, "UUID=4f1c-9a2b", "/", "UUID=4f1c-9a2b" },
	{ "nvme0n1p2:/boot", NULL, KB_PATH_DEVICE_FILE, "nvme0n1p2", "/boot", "nvme0n1p2:/boot" },
	{ "mmcblk0p1:/", NULL, KB_PATH_DEVICE_FILE, "mmcblk0p1", "/", "mmcblk0p1:/" },
	{ "vda2:", NULL, KB_PATH_DEVICE_FILE, "vda2", "/", "vda2:/" },
	{ "sr0", NULL, KB_PATH_DEVICE, "sr0", "/", "sr0" },
	{ "md127:/x", NULL, KB_PATH_DEVICE_FILE, "md127", "/x", "md127:/x" },
	{ "dm-0:/x", NULL, KB_PATH_DEVICE_FILE, "dm-0", "/x", "dm-0:/x" },
	{ "/dev/mapper/vg0-root:/boot", NULL, KB_PATH_DEVICE_FILE, "/dev/mapper/vg0-root", "/boot", "/dev/mapper/vg0-root:/boot" },
	{ "/dev/mapper/vg0-root", NULL, KB_PATH_DEVICE, "/dev/mapper/vg0-root", "/", "/dev/mapper/vg0-root" },
	{ "nfs.example.com:/srv/k", NULL, KB_PATH_NFS, "nfs.example.com", "/srv/k", "nfs.example.com:/srv/k" },
	{ "10.0.0.1:/srv//k/", NULL, KB_PATH_NFS, "10.0.0.1", "/srv/k", "10.0.0.1:/srv/k" },
	{ "[fd00::1]:/srv", NULL, KB_PATH_NFS, "[fd00::1]", "/srv", "[fd00::1]:/srv" },
	/* A name in /sys/class/block that no pattern knows is still a device. */
	{ "weirddisk0:/p", NULL, KB_PATH_DEVICE_FILE, "weirddisk0", "/p", "weirddisk0:/p" },
	{ "weirddisk0", NULL, KB_PATH_DEVICE, "weirddisk0", "/", "weirddisk0" },
	/* Roots and folding. */
	{ "/", NULL, KB_PATH_TARGET, "", "/", "/" },
	{ "//", NULL, KB_PATH_KBOOT, "", "/", "//" },
	{ "///etc//fstab", NULL, KB_PATH_KBOOT, "", "/etc/fstab", "//etc/fstab" },
	{ "/a/./b//c/", NULL, KB_PATH_TARGET, "", "/a/b/c", "/a/b/c" },
	{ "/../../etc", NULL, KB_PATH_TARGET, "", "/etc", "/etc" },
	{ "//../etc", NULL, KB_PATH_KBOOT, "", "/etc", "//etc" },
	{ "sda1:/a/../../b", NULL, KB_PATH_DEVICE_FILE, "sda1", "/b", "sda1:/b" },
	{ "/dev", NULL, KB_PATH_TARGET, "", "/dev", "/dev" },
	{ "/boot/a:b", NULL, KB_PATH_TARGET, "", "/boot/a:b", "/boot/a:b" },
	/* Relative names, against cwds of every kind. */
	{ "vmlinuz", "sda1:/boot", KB_PATH_DEVICE_FILE, "sda1", "/boot/vmlinuz", "sda1:/boot/vmlinuz" },
	{ "../etc", "sda1:/boot", KB_PATH_DEVICE_FILE, "sda1", "/etc", "sda1:/etc" },
	{ "boot", "sda1", KB_PATH_DEVICE_FILE, "sda1", "/boot", "sda1:/boot" },
	{ "boot", "/dev/sda1", KB_PATH_DEVICE_FILE, "sda1", "/boot", "sda1:/boot" },
	{ "grub", "UUID=4f1c:/boot", KB_PATH_DEVICE_FILE, "UUID=4f1c", "/boot/grub", "UUID=4f1c:/boot/grub" },
	{ "x", "UUID=4f1c", KB_PATH_DEVICE_FILE, "UUID=4f1c", "/x", "UUID=4f1c:/x" },
	{ "tmp/x", "//", KB_PATH_KBOOT, "", "/tmp/x", "//tmp/x" },
	{ "../../../..", "/a/b", KB_PATH_TARGET, "", "/", "/" },
	{ "./sda1", "/mnt", KB_PATH_TARGET, "", "/mnt/sda1", "/mnt/sda1" },
	{ "./a:b", "/mnt", KB_PATH_TARGET, "", "/mnt/a:b", "/mnt/a:b" },
	{ "dir/a:b", "/mnt", KB_PATH_TARGET, "", "/mnt/dir/a:b", "/mnt/dir/a:b" },
	{ "k", "server:/export", KB_PATH_NFS, "server", "/export/k", "server:/export/k" },
	{ "../k/vmlinuz", "http://s/dir/sub", KB_PATH_URL, "s", "http://s/dir/k/vmlinuz", "http://s/dir/k/vmlinuz" },
	{ "vmlinuz", "http://s", KB_PATH_URL, "s", "http://s/vmlinuz", "http://s/vmlinuz" },
	{ "etc", NULL, KB_PATH_TARGET, "", "/etc", "/etc" },
	/* An absolute text ignores the cwd. */
	{ "/etc", "sda1:/boot", KB_PATH_TARGET, "", "/etc", "/etc" },
	{ "hda1:/x", "//tmp", KB_PATH_DEVICE_FILE, "hda1", "/x", "hda1:/x" },
};

static void test_table1_and_additions(void **state)
{
	for (size_t i = 0; i < sizeof(table1) / sizeof(table1[0]); i++) {
		const struct row *r = &table1[i];
		struct kb_path p;
		kb_error err = { 0 };
		char text[KB_PATH_MAX];
		int rc = kb_path_parse(r->text, r->cwd, &p, &err);
		if (rc != 0)
			fail_msg("%s (cwd %s): %s", r->text, r->cwd ? r->cwd : "-", err.text);
		if (p.kind != r->kind)
			fail_msg("%s: kind %d, expected %d", r->text, p.kind, r->kind);
		assert_string_equal(p.device, r->device);
		assert_string_equal(p.path, r->path);
		assert_int_equal(kb_path_format(&p, text, sizeof(text)), 0);
		assert_string_equal(text, r->canonical);
		/* Canonical text parses back to the same thing. */
		struct kb_path again;
		assert_int_equal(kb_path_parse(text, NULL, &again, &err), 0);
		assert_int_equal(again.kind, p.kind);
		assert_string_equal(again.path, p.path);
	}
}

struct bad {
	const char *text, *cwd;
	int error;
	const char *message; /* a piece of the text a person sees */
};

/* One classifier for every front end (the console asks it what a word is). */
static void test_kind_of_and_device_words(void **state)
{
	const char *yes[] = { "sda", "sda1", "hda7", "vdb2", "xvda1", "nvme0n1", "nvme0n1p2", "mmcblk0p1",
			      "loop0", "md0", "md127p1", "sr0", "dm-1", "nbd0p1", "ubiblock0_1", "sdaa" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!kb_path_is_device_word(yes[i], strlen(yes[i])))
			fail_msg("%s: not a device word", yes[i]);
	const char *no[] = { "", "ls", "server", "sd", "sda1x", "nvme", "mmcblk", "s-da", "ubiblock", ".sda" };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (kb_path_is_device_word(no[i], strlen(no[i])))
			fail_msg("%s: a device word", no[i]);
	static const struct {
		const char *text;
		int r;
		enum kb_path_kind kind;
	} forms[] = {
		{ "/boot", 0, KB_PATH_TARGET },		  { "//etc", 0, KB_PATH_KBOOT },
		{ "sda1", 0, KB_PATH_DEVICE },		  { "/dev/sda1", 0, KB_PATH_DEVICE },
		{ "UUID=ab-12", 0, KB_PATH_DEVICE },	  { "sda1:/p", 0, KB_PATH_DEVICE_FILE },
		{ "ubiblock0_1:/p", 0, KB_PATH_DEVICE_FILE }, { "LABEL=root:/etc", 0, KB_PATH_DEVICE_FILE },
		{ "server:/export", 0, KB_PATH_NFS },	  { "http://h/k", 0, KB_PATH_URL },
		{ "vmlinuz", -ENOENT, 0 },		  { "mailto:x", -EINVAL, 0 },
		/* Not a tag the core resolves, so not a device file: a host name with
		 * '=' is no host either. */
		{ "PARTLABEL=x:/p", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		enum kb_path_kind k = 99;
		int r = kb_path_kind_of(forms[i].text, &k);
		if (r != forms[i].r || (r == 0 && k != forms[i].kind))
			fail_msg("%s: %d/%d, want %d/%d", forms[i].text, r, (int)k, forms[i].r, (int)forms[i].kind);
	}
}

static void test_refused(void **state)
{
	static char long_path[KB_PATH_MAX + 10], long_name[NAME_MAX + 10];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_name[0] = '/';
	memset(long_name + 1, 'b', sizeof(long_name) - 2);
	const struct bad bad[] = {
		{ "", NULL, EINVAL, "empty path" },
		{ "server:boot", NULL, EINVAL, "an NFS path must be absolute" },
		{ "a:b", NULL, EINVAL, "write ./a:b" },
		{ "bad host:/x", NULL, EINVAL, "neither a block device nor a host name" },
		{ "gopher://x/y", NULL, EPROTONOSUPPORT, "unknown URL scheme gopher" },
		{ "http:///x", NULL, EINVAL, "no host" },
		{ "UUID=", NULL, EINVAL, "no value" },
		{ "LABEL=:/x", NULL, EINVAL, "no value" },
		{ long_path, NULL, ENAMETOOLONG, "path too long" },
		{ long_name, NULL, ENAMETOOLONG, "longer than 255" },
		{ "x", "relative/cwd", EINVAL, "not an absolute path" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kb_path p;
		kb_error err = { 0 };
		int rc = kb_path_parse(bad[i].text, bad[i].cwd, &p, &err);
		if (rc != -bad[i].error || !strstr(err.text, bad[i].message))
			fail_msg("%.40s: got %d \"%s\", expected -%d with \"%s\"", bad[i].text, rc,
				 err.text, bad[i].error, bad[i].message);
	}
}

/* A path that is long only before folding is fine; one that grows past the
 * limit through a relative join is refused. */
static void test_length_limits(void **state)
{
	char text[KB_PATH_MAX], cwd[KB_PATH_MAX];
	struct kb_path p;
	kb_error err = { 0 };
	size_t n = 0;
	text[n++] = '/';
	while (n + 3 < 3000) {
		memcpy(text + n, "a/../", 5);
		n += 5;
	}
	strcpy(text + n, "x");
	assert_int_equal(kb_path_parse(text, NULL, &p, &err), 0);
	assert_string_equal(p.path, "/x");

	memset(cwd, 'c', 4000);
	cwd[0] = '/';
	cwd[4000] = '\0';
	for (size_t i = 200; i < 4000; i += 200)
		cwd[i] = '/';
	memset(text, 'd', 200);
	text[200] = '\0';
	assert_int_equal(kb_path_parse(text, cwd, &p, &err), -ENAMETOOLONG);
	assert_non_null(strstr(err.text, "path too long"));
}

static void test_child_and_dotdot(void **state)
{
	char out[KB_PATH_MAX];
	assert_int_equal(kb_path_child("vda2:/", "boot", out, sizeof(out)), 0);
	assert_string_equal(out, "vda2:/boot");
	assert_int_equal(kb_path_child("vda2", "boot", out, sizeof(out)), 0);
	assert_string_equal(out, "vda2:/boot");
	assert_int_equal(kb_path_child("/", "etc", out, sizeof(out)), 0);
	assert_string_equal(out, "/etc");
	assert_int_equal(kb_path_child("//", "etc", out, sizeof(out)), 0);
	assert_string_equal(out, "//etc");
	assert_int_equal(kb_path_child("/boot", "sda1", out, sizeof(out)), 0);
	assert_string_equal(out, "/boot/sda1"); /* a name, never a device */
	assert_int_equal(kb_path_child("LABEL=boot:/grub", "a:b", out, sizeof(out)), 0);
	assert_string_equal(out, "LABEL=boot:/grub/a:b");
	assert_int_equal(kb_path_child("http://s/d", "k", out, sizeof(out)), 0);
	assert_string_equal(out, "http://s/d/k");
	assert_int_equal(kb_path_child("/", "..", out, sizeof(out)), -EINVAL);
	assert_int_equal(kb_path_child("/", "a/b", out, sizeof(out)), -EINVAL);
	assert_int_equal(kb_path_child("/", "", out, sizeof(out)), -EINVAL);
	assert_int_equal(kb_path_child("relative", "x", out, sizeof(out)), -EINVAL);
	assert_int_equal(kb_path_child("/", "x", out, 2), -ENAMETOOLONG);

	assert_true(kb_path_has_dotdot(".."));
	assert_true(kb_path_has_dotdot("/a/../b"));
	assert_true(kb_path_has_dotdot("sda1:../x"));
	assert_true(kb_path_has_dotdot("/a/.."));
	assert_false(kb_path_has_dotdot("/a..b/c"));
	assert_false(kb_path_has_dotdot("/a/...")); /* a legal name */
	assert_false(kb_path_has_dotdot("/a/.b"));
}

static void expect_local(const char *text, const char *inside_target)
{
	char local[PATH_MAX], want[PATH_MAX];
	kb_error err = { 0 };
	if (kb_path_to_local(text, NULL, local, sizeof(local), &err) != 0)
		fail_msg("%s: %s", text, err.text);
	snprintf(want, sizeof(want), "%s%s", target, inside_target);
	assert_string_equal(local, want);
}

static void expect_error(const char *text, int error, const char *message)
{
	char local[PATH_MAX];
	kb_error err = { 0 };
	int rc = kb_path_to_local(text, NULL, local, sizeof(local), &err);
	if (rc != -error || strcmp(err.text, message) != 0)
		fail_msg("%s: got %d \"%s\", expected -%d \"%s\"", text, rc, err.text, error, message);
}

/* Every link points somewhere that exists on the host but not (or
 * differently) in the target: following it outside would show. */
static void test_symlinks_stay_in_target(void **state)
{
	expect_local("/boot/vmlinuz-6.1", "/boot/vmlinuz-6.1");
	expect_local("/vmlinuz", "/boot/vmlinuz-6.1");	  /* absolute link */
	expect_local("/boot/vmlinuz", "/boot/vmlinuz-6.1"); /* relative link */
	expect_local("/escape-abs", "/etc/passwd");	  /* -> /etc/passwd */
	expect_local("/boot/escape-rel", "/etc/passwd");  /* -> ../../../../../../etc/passwd */
	expect_local("/etc/link-to-root/root/secret", "/root/secret"); /* -> / */
	expect_local("/bootdir/vmlinuz-6.1", "/boot/vmlinuz-6.1");  /* dir link, absolute */
	expect_local("/", "");
	expect_error("/etc/hostname-via-link", ENOENT, "/etc/hostname-via-link: no such file or directory");
	expect_error("/boot/nope", ENOENT, "/boot/nope: no such file or directory");
	expect_error("/loop", ELOOP, "/loop: too many levels of symbolic links");
	expect_error("/boot/vmlinuz-6.1/x", ENOTDIR, "/boot/vmlinuz-6.1/x: not a directory");

	/* The resolved file really is the target's copy. */
	char local[PATH_MAX], text[128] = "";
	assert_int_equal(kb_path_to_local("/escape-abs", NULL, local, sizeof(local), NULL), 0);
	FILE *f = fopen(local, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_non_null(strstr(text, "target passwd"));
}

/* The fallback for kernels without openat2 gives the same answers. */
static void test_manual_walk_agrees(void **state)
{
	static const struct {
		const char *path, *want;
		int error;
	} cases[] = {
		{ "/vmlinuz", "boot/vmlinuz-6.1", 0 },
		{ "/boot/vmlinuz", "boot/vmlinuz-6.1", 0 },
		{ "/escape-abs", "etc/passwd", 0 },
		{ "/boot/escape-rel", "etc/passwd", 0 },
		{ "/etc/link-to-root/root/secret", "root/secret", 0 },
		{ "/bootdir/vmlinuz-6.1", "boot/vmlinuz-6.1", 0 },
		{ "/", "", 0 },
		{ "/../..", "", 0 },
		{ "/etc/hostname-via-link", NULL, ENOENT },
		{ "/loop", NULL, ELOOP },
		{ "/boot/vmlinuz-6.1/x", NULL, ENOTDIR },
	};
	int rootfd = open(target, O_PATH | O_DIRECTORY);
	assert_true(rootfd >= 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[KB_PATH_MAX];
		kb_error err = { 0 };
		int rc = kb_path_walk_in_root(rootfd, cases[i].path, cases[i].path, out, sizeof(out), &err);
		if (cases[i].error) {
			if (rc != -cases[i].error)
				fail_msg("%s: %d (%s), expected -%d", cases[i].path, rc, err.text,
					 cases[i].error);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: %s", cases[i].path, err.text);
		assert_string_equal(out, cases[i].want);
	}
	close(rootfd);
}

static void test_open_for_listing(void **state)
{
	struct kb_path p;
	kb_error err = { 0 };
	assert_int_equal(kb_path_parse("/bootdir", NULL, &p, &err), 0);
	int fd = kb_path_open(&p, O_RDONLY | O_DIRECTORY, &err);
	assert_true(fd >= 0);
	DIR *d = fdopendir(fd);
	assert_non_null(d);
	bool seen = false;
	struct dirent *de;
	while ((de = readdir(d)))
		seen = seen || strcmp(de->d_name, "vmlinuz-6.1") == 0;
	closedir(d);
	assert_true(seen);

	assert_int_equal(kb_path_parse("/escape-abs", NULL, &p, &err), 0);
	fd = kb_path_open(&p, O_RDONLY, &err);
	assert_true(fd >= 0);
	char buf[64] = "";
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	assert_non_null(strstr(buf, "target passwd"));

	assert_int_equal(kb_path_open(&p, O_WRONLY, &err), -EROFS);
	assert_string_equal(err.text, "/escape-abs: kboot opens files read-only");
	assert_int_equal(kb_path_open(&p, O_RDONLY | O_CREAT, &err), -EROFS);
}

/* Looking is never writing: O_PATH counts as read-only (musl's O_ACCMODE
 * includes O_PATH, which once made every O_PATH probe fail with EROFS). */
static void test_read_only_flags(void **state)
{
	assert_false(kb_path_flags_write(O_RDONLY));
	assert_false(kb_path_flags_write(O_PATH));
	assert_false(kb_path_flags_write(O_PATH | O_CLOEXEC));
	assert_false(kb_path_flags_write(O_RDONLY | O_DIRECTORY));
	assert_true(kb_path_flags_write(O_WRONLY));
	assert_true(kb_path_flags_write(O_RDWR));
	assert_true(kb_path_flags_write(O_RDONLY | O_CREAT));
	assert_true(kb_path_flags_write(O_RDONLY | O_TRUNC));
	assert_true(kb_path_flags_write(O_RDONLY | O_APPEND));

	struct kb_path p;
	kb_error err = { 0 };
	assert_int_equal(kb_path_parse("/bootdir", NULL, &p, &err), 0);
	int fd = kb_path_open(&p, O_PATH, &err);
	assert_true(fd >= 0);
	close(fd);
}

static void test_kboot_root_and_unavailable_schemes(void **state)
{
	char local[PATH_MAX];
	kb_error err = { 0 };
	assert_int_equal(kb_path_to_local("//proc/self/../self/status", NULL, local, sizeof(local), &err), 0);
	assert_string_equal(local, "/proc/self/status");
	expect_error("//nonexistent-kboot-dir/x", ENOENT,
		     "//nonexistent-kboot-dir/x: no such file or directory");
	/* NFS resolves the host before it mounts anything (.invalid never resolves). */
	expect_error("nfs.invalid:/home/k/bzImage-a", EHOSTUNREACH,
		     "nfs.invalid:/home/k/bzImage-a: unknown host nfs.invalid");
	/* URLs are fetched (test-fetch.c has the rest); nothing listens on port 1. */
	expect_error("http://127.0.0.1:1/foo", ECONNREFUSED, "http://127.0.0.1:1/foo: connection refused");
	/* The fake sysfs holds only weirddisk0: sda9 is not there. */
	expect_error("sda9:/boot", ENODEV, "sda9:/boot: no such device sda9");
	expect_error("/dev/sda9:boot", ENODEV, "sda9:/boot: no such device sda9");
	expect_error("sda9", ENODEV, "sda9: no such device");
}

static void test_no_target_mounted(void **state)
{
	setenv("KBOOT_TARGET_ROOT", "", 1);
	char mount_at[PATH_MAX];
	snprintf(mount_at, sizeof(mount_at), "%s/not-mounted", tmp);
	setenv("KBOOT_TARGET_MOUNT", mount_at, 1);
	kb_env_reload();
	expect_error("/boot/vmlinuz", ENODEV,
		     "/boot/vmlinuz: no target system is mounted (set root= in kboot.conf, or "
		     "name a device: vda2:/boot/vmlinuz)");
	setenv("KBOOT_TARGET_ROOT", target, 1);
	unsetenv("KBOOT_TARGET_MOUNT");
	kb_env_reload();
}

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "setup: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static int setup(void **state)
{
	char cmd[PATH_MAX * 2 + 64], path[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "/tmp/kboot-test-path.XXXXXX");
	must(mkdtemp(tmp) != NULL, "mkdtemp");
	snprintf(target, sizeof(target), "%s/target", tmp);
	snprintf(cmd, sizeof(cmd), "cp -a tests/unit/fixtures/target-escape '%s'", target);
	must(system(cmd) == 0, "copy fixture (run from the repo root)");
	static const struct {
		const char *link, *to;
	} links[] = {
		{ "vmlinuz", "/boot/vmlinuz-6.1" },
		{ "boot/vmlinuz", "vmlinuz-6.1" },
		{ "escape-abs", "/etc/passwd" },
		{ "boot/escape-rel", "../../../../../../etc/passwd" },
		{ "etc/link-to-root", "/" },
		{ "etc/hostname-via-link", "/etc/hostname" }, /* exists on hosts, not here */
		{ "bootdir", "/boot" },
		{ "loop", "loop" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", target, links[i].link);
		must(symlink(links[i].to, path) == 0, links[i].link);
	}
	snprintf(path, sizeof(path), "%s/sys/class/block/weirddisk0", tmp);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	must(system(cmd) == 0, "fake sysfs");
	snprintf(path, sizeof(path), "%s/sys", tmp);
	setenv("KBOOT_SYSFS", path, 1);
	snprintf(path, sizeof(path), "%s/run", tmp);
	setenv("KBOOT_RUN_DIR", path, 1);
	setenv("KBOOT_TARGET_ROOT", target, 1);
	kb_env_reload();
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table1_and_additions),
		cmocka_unit_test(test_kind_of_and_device_words),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_child_and_dotdot),
		cmocka_unit_test(test_symlinks_stay_in_target),
		cmocka_unit_test(test_manual_walk_agrees),
		cmocka_unit_test(test_open_for_listing),
		cmocka_unit_test(test_read_only_flags),
		cmocka_unit_test(test_kboot_root_and_unavailable_schemes),
		cmocka_unit_test(test_no_target_mounted),
	};
	return cmocka_run_group_tests_name("path", tests, setup, teardown);
}
