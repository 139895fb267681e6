/* Mounts through libmount, read-only by default, and kboot's own mount table.
 *
 * The table is <run_dir>/mounts in fstab format, written with libmount's table
 * API under a lock (<run_dir>/mounts.lock). We keep our own record rather than
 * filter /proc/self/mountinfo by prefix because kboot mounts outside any one
 * prefix (the target at /target and its fstab below it, devices under
 * <run_dir>/mnt, any directory a caller names) and because the record says
 * which device we meant, while mountinfo shows whatever name the kernel kept.
 * Entries whose directory is no longer in mountinfo, or whose device has gone,
 * are dropped on reading (mount-table.c). */
#include "mount-internal.h"
#include "fs-util.h"
#include "cleanup.h"
#include "device.h"
#include "env.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#ifndef BLKROSET
#define BLKROSET _IO(0x12, 93) /* <linux/fs.h>, which clashes with <sys/mount.h> */
#endif

enum { KB_MOUNT_OPTIONS_MAX = 1024 };

static void context_freep(struct libmnt_context **c)
{
	mnt_free_context(*c);
}

/* Options that keep a read-only mount from writing anyway, and a broken
 * filesystem from stopping the machine. Linux 6.1: ext3/4 replay a dirty
 * journal even for "ro" unless "noload"; xfs, f2fs and nilfs2 replay their
 * logs unless "norecovery"; btrfs replays its tree log unless
 * "rescue=nologreplay" (the old "nologreplay" is deprecated). ext2/3/4 obey
 * the superblock's errors= behaviour, so a disk set to errors=panic would
 * panic kboot on its first inconsistency unless a mount option overrides it. */
static const char *readonly_options(const char *fstype)
{
	static const struct {
		const char *fstype, *options;
	} table[] = {
		{ "ext2", "errors=continue" },
		{ "ext3", "noload,errors=continue" },
		{ "ext4", "noload,errors=continue" },
		{ "xfs", "norecovery" },
		{ "f2fs", "norecovery" },
		{ "nilfs2", "norecovery" },
		{ "btrfs", "rescue=nologreplay" },
	};
	for (size_t i = 0; fstype && i < KB_ELEMENTSOF(table); i++)
		if (strcmp(table[i].fstype, fstype) == 0)
			return table[i].options;
	return NULL;
}

/* A writable mount (a named feature) of a broken ext2/3/4 stops writing
 * rather than panicking or writing on. */
static const char *writable_options(const char *fstype)
{
	static const char *const ext[] = { "ext2", "ext3", "ext4" };
	for (size_t i = 0; fstype && i < KB_ELEMENTSOF(ext); i++)
		if (strcmp(ext[i], fstype) == 0)
			return "errors=remount-ro";
	return NULL;
}

/* "ro" on the mount is not enough: Linux 6.1 ext4 records an error in the
 * superblock of a read-only mount (ext4_handle_error) unless the block
 * device itself is read-only. So kboot marks a device read-only before it
 * mounts it read-only, and writable again only for a named writable mount.
 * Best effort: a device that refuses is still mounted "ro". */
static void set_device_readonly(const char *devpath, const char *name, bool ro)
{
	_cleanup_close_ int fd = open(devpath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int flag = ro;
	if (fd < 0 || ioctl(fd, BLKROSET, &flag) < 0)
		kb_debug("%s: cannot mark the device %s: %s", name, ro ? "read-only" : "writable",
			 strerror(errno));
}


/* Nothing on a disk kboot mounts is run, and no device node or set-id bit
 * on it counts: kboot only reads files there (kexec reads the kernel, it
 * does not execute it), and a node on a disk could be a second way to the
 * raw devices. */
static const unsigned long safety_flags = MS_NODEV | MS_NOSUID | MS_NOEXEC;
static const unsigned long safety_statvfs = ST_NODEV | ST_NOSUID | ST_NOEXEC;

/* Is o one of the comma-separated options in list? */
static bool has_option(const char *list, const char *o)
{
	size_t n = strlen(o);
	for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncmp(p, o, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* Options kboot decides, whatever a target's fstab says; x-kboot.* are
 * the table's own notes (a restored mount's recorded options carry them). */
static bool decided_by_kboot(const char *o)
{
	static const char *const ours[] = { "ro",     "rw",	"defaults", "remount", "dev",
					    "nodev",  "suid",	"nosuid",   "exec",    "noexec",
					    "user",   "users",	"owner",    "group" };
	for (size_t i = 0; i < KB_ELEMENTSOF(ours); i++)
		if (strcmp(o, ours[i]) == 0)
			return true;
	return strncmp(o, "errors=", 7) == 0 || strncmp(o, "x-kboot.", 8) == 0;
}

/* The caller's options minus anything that decides writability, safety or
 * what a filesystem error does (a target's fstab may say errors=panic or
 * exec): we decide. A safety option the caller repeats (a restored mount's
 * own) is said once. */
static int join_options(char *ret, size_t size, const char *mode_option, const char *safety,
			const char *user)
{
	int n = snprintf(ret, size, "%s,nodev,nosuid,noexec", mode_option);
	if (safety)
		n += snprintf(ret + n, n < (int)size ? size - n : 0, ",%s", safety);
	_cleanup_free_ char *copy = user ? strdup(user) : NULL;
	char *save = NULL;
	for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
		if (decided_by_kboot(o) || has_option(safety, o))
			continue;
		n += snprintf(ret + n, n < (int)size ? size - n : 0, ",%s", o);
	}
	return n < (int)size ? 0 : -E2BIG;
}

static int mount_failed(struct libmnt_context *cxt, int rc, const char *name, kb_error *err)
{
	int e = mnt_context_syscall_called(cxt) ? mnt_context_get_syscall_errno(cxt) : 0;
	if (!e)
		e = rc < 0 ? -rc : EIO;
	char why[256] = "";
	(void)mnt_context_get_excode(cxt, rc, why, sizeof(why));
	if (why[0])
		return kb_error_set(err, e, "%s: mount failed: %s (%s)", name, strerror(e), why);
	return kb_error_set(err, e, "%s: mount failed: %s", name, strerror(e));
}

int kb_mount_locked(const char *source, const char *dir, const char *fstype,
			const char *options, enum kb_mount_mode mode, kb_error *err)
{
	char devpath[sizeof(((struct kb_device *)0)->path)];
	const char *name = kb_mount_display_name(source);
	struct stat st = { 0 };

	if (strncmp(source, "UUID=", 5) == 0 || strncmp(source, "LABEL=", 6) == 0 ||
	    strncmp(source, "PARTUUID=", 9) == 0) {
		struct kb_device d;
		int r = kb_device_find(source, &d, err);
		if (r < 0)
			return r;
		snprintf(devpath, sizeof(devpath), "%s", d.path);
		source = devpath;
	}
	if (source[0] == '/' && stat(source, &st) < 0)
		return kb_error_set(err, ENODEV, "%s: no such device", name);

	char real_dir[PATH_MAX];
	if (!realpath(dir, real_dir))
		return kb_error_set(err, errno, "%s: cannot mount %s there: %s", dir, name,
				    strerror(errno));

	struct kb_device probed = { 0 };
	if (fstype && strcmp(fstype, "auto") == 0)
		fstype = NULL;
	if (!fstype && source[0] == '/' && (S_ISBLK(st.st_mode) || S_ISREG(st.st_mode))) {
		int r = kb_device_probe(source, &probed, err);
		if (r < 0)
			return r;
		if (!probed.fstype[0])
			return kb_error_set(err, EMEDIUMTYPE, "%s: unknown filesystem type", name);
		fstype = probed.fstype;
	}

	char opts[KB_MOUNT_OPTIONS_MAX];
	bool ro = mode == KB_MOUNT_READONLY;
	if (join_options(opts, sizeof(opts), ro ? "ro" : "rw",
			 ro ? readonly_options(fstype) : writable_options(fstype), options) < 0)
		return kb_error_set(err, E2BIG, "%s: mount options too long", name);

	if (S_ISBLK(st.st_mode))
		set_device_readonly(source, name, ro);

	_cleanup_(context_freep) struct libmnt_context *cxt = mnt_new_context();
	if (!cxt)
		return kb_error_set(err, ENOMEM, "%s: out of memory mounting", name);
	/* No /sbin/mount.* helpers and no /etc/mtab in the kboot environment;
	 * never let fstab or mtab add options behind our back. */
	if (mnt_context_disable_helpers(cxt, 1) < 0 || mnt_context_disable_mtab(cxt, 1) < 0 ||
	    mnt_context_set_optsmode(cxt, MNT_OMODE_IGNORE | MNT_OMODE_NOTAB) < 0 ||
	    mnt_context_set_source(cxt, source) < 0 || mnt_context_set_target(cxt, real_dir) < 0 ||
	    (fstype && mnt_context_set_fstype(cxt, fstype) < 0) ||
	    mnt_context_set_options(cxt, opts) < 0 ||
	    mnt_context_set_mflags(cxt, (ro ? MS_RDONLY : 0) | safety_flags) < 0)
		return kb_error_set(err, ENOMEM, "%s: cannot set up the mount", name);

	int rc = mnt_context_mount(cxt);
	if (rc != 0)
		return mount_failed(cxt, rc, name, err);

	/* Trust, but check: the mode asked for is the mode we got. */
	struct statvfs sv;
	if (statvfs(real_dir, &sv) < 0 || (sv.f_flag & safety_statvfs) != safety_statvfs) {
		(void)umount2(real_dir, 0);
		return kb_error_set(err, EPERM,
				    "%s: refused: the kernel mounted it without nodev,nosuid,noexec",
				    name);
	}
	if (ro && (statvfs(real_dir, &sv) < 0 || !(sv.f_flag & ST_RDONLY))) {
		(void)umount2(real_dir, 0);
		return kb_error_set(err, EROFS, "%s: refused: the kernel mounted it writable", name);
	}
	if (!ro && statvfs(real_dir, &sv) == 0 && (sv.f_flag & ST_RDONLY)) {
		(void)umount2(real_dir, 0);
		return kb_error_set(err, EROFS,
				    "%s: mounted read-only although writable was asked (write-protected, "
				    "or mounted read-only elsewhere)",
				    name);
	}
	kb_info("%s: mounted %s at %s (%s, %s)", name, ro ? "read-only" : "WRITABLE", real_dir,
		fstype ? fstype : mnt_context_get_fstype(cxt), opts);
	return kb_mount_table_record(source, real_dir,
				     fstype ? fstype : mnt_context_get_fstype(cxt), opts, err);
}

int kb_mount(const char *source, const char *dir, const char *fstype, const char *options,
	     enum kb_mount_mode mode, const char *why_writable, kb_error *err)
{
	if (mode == KB_MOUNT_WRITABLE && !why_writable)
		return kb_error_set(err, EPERM, "%s: a writable mount needs a named reason", source);
	if (mode == KB_MOUNT_READONLY && why_writable)
		return kb_error_set(err, EINVAL, "%s: a read-only mount takes no reason to write",
				    source);
	if (mode == KB_MOUNT_WRITABLE)
		kb_warn("%s: mounting writable at %s for %s", kb_mount_display_name(source), dir,
			why_writable);
	_cleanup_close_ int lock = kb_mount_lock_table(err);
	if (lock < 0)
		return lock;
	return kb_mount_locked(source, dir, fstype, options, mode, err);
}


int kb_umount(const char *dir, kb_error *err)
{
	_cleanup_close_ int lock = kb_mount_lock_table(err);
	if (lock < 0)
		return lock;
	char real_dir[PATH_MAX];
	if (!realpath(dir, real_dir))
		snprintf(real_dir, sizeof(real_dir), "%s", dir);
	if (umount2(real_dir, 0) < 0 && errno != EINVAL)
		return kb_error_set(err, errno, "%s: unmount failed: %s", dir, strerror(errno));
	kb_mount_table_forget(real_dir);
	kb_mount_remove_dir_if_ours(real_dir);
	return 0;
}


/* Is anything mounted strictly below dir? */
static bool has_submounts(struct libmnt_table *mountinfo, const char *dir)
{
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	size_t n = strlen(dir);
	while (it && mnt_table_next_fs(mountinfo, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);
		if (t && strncmp(t, dir, n) == 0 && (t[n] == '/' || (n == 1 && t[1])))
			return true;
	}
	return false;
}

static int lookup(const char *devname, bool without_submounts, char *ret_dir, size_t size)
{
	const char *name = kb_mount_display_name(devname);
	_cleanup_table_ struct libmnt_table *tb = kb_mount_read_table();
	_cleanup_table_ struct libmnt_table *mountinfo =
		without_submounts ? mnt_new_table_from_file("/proc/self/mountinfo") : NULL;
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	while (tb && it && mnt_table_next_fs(tb, it, &fs) == 0) {
		if (strcmp(kb_mount_fs_devname(fs), name) != 0)
			continue;
		if (mountinfo && has_submounts(mountinfo, mnt_fs_get_target(fs)))
			continue;
		if ((size_t)snprintf(ret_dir, size, "%s", mnt_fs_get_target(fs)) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

int kb_mount_lookup(const char *devname, char *ret_dir, size_t size)
{
	return lookup(devname, false, ret_dir, size);
}

int kb_mount_source(const char *dir, char *ret_devname, size_t size)
{
	char real_dir[PATH_MAX];
	if (!realpath(dir, real_dir))
		return -ENOENT;
	_cleanup_table_ struct libmnt_table *tb = kb_mount_read_table();
	struct libmnt_fs *fs = tb ? mnt_table_find_target(tb, real_dir, MNT_ITER_BACKWARD) : NULL;
	if (!fs)
		return -ENOENT;
	if ((size_t)snprintf(ret_devname, size, "%s", kb_mount_fs_devname(fs)) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int kb_mount_device(const char *devname, char *ret_dir, size_t size, kb_error *err)
{
	struct kb_device d;
	int r = kb_device_find(devname, &d, err);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = kb_mount_lock_table(err);
	if (lock < 0)
		return lock;
	/* A mount left by an earlier device of this name is not this device's. */
	r = kb_mount_table_drop_stale(err);
	if (r < 0)
		return r;
	if (lookup(d.name, true, ret_dir, size) == 0)
		return 0;

	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s/mnt/%s", kb_env()->run_dir, d.name) >= (int)sizeof(dir))
		return kb_error_set(err, ENAMETOOLONG, "%s: mount directory name too long", d.name);
	r = kb_mkdir_p(dir);
	if (r < 0)
		return kb_error_set(err, r, "%s: cannot create: %s", dir, strerror(-r));
	r = kb_mount_locked(d.path, dir, NULL, NULL, KB_MOUNT_READONLY, err);
	if (r < 0) {
		(void)rmdir(dir);
		return r;
	}
	if ((size_t)snprintf(ret_dir, size, "%s", dir) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: mount directory name too long", d.name);
	return 0;
}

static size_t depth(const char *path)
{
	size_t n = 0;
	for (; *path; path++)
		n += *path == '/';
	return n;
}

struct pending {
	char *dir;
	size_t depth, order;
};

/* Deepest first; among equals, the later mount first. */
static int deepest_first(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth < y->depth ? 1 : -1;
	return x->order < y->order ? 1 : -1;
}

int kb_umount_all(kb_error *err)
{
	_cleanup_close_ int lock = kb_mount_lock_table(err);
	if (lock < 0)
		return lock;
	_cleanup_table_ struct libmnt_table *tb = kb_mount_read_table_all();
	if (!tb)
		return kb_error_set(err, ENOMEM, "out of memory reading the mount table");
	/* Not being able to put the mounts back later must not stop a handover. */
	kb_error save_err = { 0 };
	if (kb_mount_remember_unmounted(tb, &save_err) < 0)
		kb_warn("%s", save_err.text);
	struct pending todo[KB_MOUNTS_MAX];
	size_t n = 0;
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	while (it && n < KB_MOUNTS_MAX && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);
		todo[n] = (struct pending){ .dir = t ? strdup(t) : NULL, .depth = depth(t ? t : ""), .order = n };
		if (todo[n].dir)
			n++;
	}
	qsort(todo, n, sizeof(todo[0]), deepest_first);

	/* Two polite rounds (a busy parent may free up once its children are
	 * gone), then a lazy detach, with a warning, as the last resort. */
	size_t left = n;
	for (int round = 0; round < 2 && left; round++)
		for (size_t i = 0; i < n; i++) {
			if (!todo[i].dir)
				continue;
			if (umount2(todo[i].dir, 0) == 0 || errno == EINVAL || errno == ENOENT) {
				kb_mount_remove_dir_if_ours(todo[i].dir);
				free(todo[i].dir);
				todo[i].dir = NULL;
				left--;
			}
		}
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (!todo[i].dir)
			continue;
		kb_warn("%s: busy; detaching it lazily", todo[i].dir);
		if (umount2(todo[i].dir, MNT_DETACH) < 0 && errno != EINVAL)
			r = kb_error_set(err, errno, "%s: unmount failed: %s", todo[i].dir,
					 strerror(errno));
		free(todo[i].dir);
	}
	_cleanup_table_ struct libmnt_table *empty = kb_mount_read_table_all();
	if (empty) {
		int w = kb_mount_table_write(empty, r < 0 ? NULL : err);
		if (w < 0 && r == 0)
			r = w;
	}
	return r;
}
