/* kboot's mount table (see mount-internal.h) and the rule that keeps it true.
 *
 * An entry is kboot's mount only while two things hold: the directory is
 * still in /proc/self/mountinfo (an unmount behind our back leaves no stale
 * entry), and the device the mount was made from is still the device of
 * that name. A USB stick pulled out leaves its mount behind, alive but dead;
 * the next stick to be called sdb1 is another disk. The kernel numbers every
 * disk it sees, and every new medium in a drive, with a sequence number that
 * is never reused while it runs (/sys/dev/block/M:m/diskseq, Linux 5.15+):
 * kboot records it with each mount and forgets, and detaches, a mount whose
 * device no longer has it. */
#include "mount-internal.h"
#include "mount.h"
#include "cleanup.h"
#include "env.h"
#include "fs-util.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

enum { DISKSEQ_TEXT_MAX = 32 };

static const char diskseq_option[] = "x-kboot.diskseq";

void kb_mount_table_path(char *ret, size_t size, const char *file)
{
	snprintf(ret, size, "%s/%s", kb_env()->run_dir, file);
}

/* Serializes table updates between threads and processes (flock is per open
 * file description, so each call gets its own). */
int kb_mount_lock_table(kb_error *err)
{
	const char *run = kb_env()->run_dir;
	int r = kb_mkdir_p(run);
	if (r < 0)
		return kb_error_set(err, r, "%s: cannot create: %s", run, strerror(-r));
	char path[PATH_MAX];
	kb_mount_table_path(path, sizeof(path), "mounts.lock");
	return kb_lock_file(path, err);
}

/* The disk sequence number of the disk behind a device node (a partition's
 * is its disk's), from sysfs by the node's kernel name (/dev/mapper/x is
 * dm-N): -ENODEV when the node or its disk is gone, -ENOENT when the kernel
 * does not number disks. */
static int diskseq_of(const char *devpath, uint64_t *ret)
{
	char real[PATH_MAX];
	struct stat st;
	if (!realpath(devpath, real) || stat(real, &st) < 0 || !S_ISBLK(st.st_mode))
		return -ENODEV;
	const char *name = strrchr(real, '/') + 1;
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s/class/block/%s", kb_env()->sys_dir, name) >=
	    (int)sizeof(dir))
		return -ENODEV;
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -ENODEV;
	bool partition = faccessat(dfd, "partition", F_OK, 0) == 0;
	_cleanup_close_ int fd =
		openat(dfd, partition ? "../diskseq" : "diskseq", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	char text[DISKSEQ_TEXT_MAX];
	ssize_t n = read(fd, text, sizeof(text) - 1);
	if (n <= 0)
		return -ENOENT;
	text[n] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text)
		return -ENOENT;
	*ret = v;
	return 0;
}

/* Is this entry a mount of a device that has gone (or been replaced)? */
static bool stale(struct libmnt_fs *fs)
{
	const char *source = mnt_fs_get_source(fs);
	if (!source || strncmp(source, "/dev/", 5) != 0)
		return false; /* an image file, or kboot's own filesystems */
	char *value = NULL;
	size_t len = 0;
	uint64_t now;
	int r = diskseq_of(source, &now);
	if (mnt_fs_get_option(fs, diskseq_option, &value, &len) != 0 || !value)
		return r == -ENODEV; /* numbered by no kernel: gone is all we can tell */
	char text[DISKSEQ_TEXT_MAX];
	snprintf(text, sizeof(text), "%.*s", (int)len, value);
	return r < 0 || strtoull(text, NULL, 10) != now;
}

/* Read the table: entries no longer mounted are dropped; stale ones are
 * dropped too, or kept for the caller when keep_stale. */
static struct libmnt_table *read_table(bool keep_stale)
{
	struct libmnt_table *tb = mnt_new_table();
	if (!tb)
		return NULL;
	char path[PATH_MAX];
	kb_mount_table_path(path, sizeof(path), "mounts");
	if (access(path, F_OK) == 0 && mnt_table_parse_file(tb, path) < 0)
		kb_warn("%s: unreadable; ignoring kboot's mount table", path);

	_cleanup_table_ struct libmnt_table *mountinfo = mnt_new_table_from_file("/proc/self/mountinfo");
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	while (it && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *dir = mnt_fs_get_target(fs);
		bool mounted = !mountinfo || mnt_table_find_target(mountinfo, dir, MNT_ITER_BACKWARD);
		if (!mounted || (!keep_stale && stale(fs)))
			mnt_table_remove_fs(tb, fs);
	}
	return tb;
}

struct libmnt_table *kb_mount_read_table(void)
{
	return read_table(false);
}

struct libmnt_table *kb_mount_read_table_all(void)
{
	return read_table(true);
}

int kb_mount_table_write(struct libmnt_table *tb, kb_error *err)
{
	char path[PATH_MAX];
	kb_mount_table_path(path, sizeof(path), "mounts");
	int r = mnt_table_replace_file(tb, path);
	if (r < 0)
		return kb_error_set(err, -r, "%s: cannot write kboot's mount table: %s", path,
				    strerror(-r));
	return 0;
}

int kb_mount_table_record(const char *source, const char *dir, const char *fstype,
			  const char *options, kb_error *err)
{
	_cleanup_table_ struct libmnt_table *tb = read_table(true);
	if (!tb)
		return kb_error_set(err, ENOMEM, "out of memory reading the mount table");
	if (mnt_table_get_nents(tb) >= KB_MOUNTS_MAX)
		return kb_error_set(err, EMFILE, "%s: kboot already has %d mounts", dir,
				    KB_MOUNTS_MAX);
	struct libmnt_fs *fs = mnt_new_fs();
	if (!fs)
		return kb_error_set(err, ENOMEM, "out of memory recording a mount");
	uint64_t seq;
	char seq_text[DISKSEQ_TEXT_MAX];
	int r = 0;
	if (mnt_fs_set_source(fs, source) < 0 || mnt_fs_set_target(fs, dir) < 0 ||
	    mnt_fs_set_fstype(fs, fstype ? fstype : "auto") < 0 ||
	    mnt_fs_set_options(fs, options && *options ? options : "defaults") < 0)
		r = kb_error_set(err, ENOMEM, "out of memory recording a mount");
	if (r == 0 && diskseq_of(source, &seq) == 0) {
		snprintf(seq_text, sizeof(seq_text), "%s=%" PRIu64, diskseq_option, seq);
		if (mnt_fs_append_options(fs, seq_text) < 0)
			r = kb_error_set(err, ENOMEM, "out of memory recording a mount");
	}
	if (r == 0 && mnt_table_add_fs(tb, fs) < 0)
		r = kb_error_set(err, ENOMEM, "out of memory recording a mount");
	mnt_unref_fs(fs);
	if (r < 0)
		return r;
	return kb_mount_table_write(tb, err);
}

void kb_mount_table_forget(const char *dir)
{
	_cleanup_table_ struct libmnt_table *tb = read_table(true);
	struct libmnt_fs *fs;
	if (!tb)
		return;
	while ((fs = mnt_table_find_target(tb, dir, MNT_ITER_BACKWARD)))
		mnt_table_remove_fs(tb, fs);
	(void)kb_mount_table_write(tb, NULL);
}

void kb_mount_remove_dir_if_ours(const char *dir)
{
	char ours[PATH_MAX];
	snprintf(ours, sizeof(ours), "%s/mnt/", kb_env()->run_dir);
	if (strncmp(dir, ours, strlen(ours)) == 0)
		(void)rmdir(dir);
}

const char *kb_mount_display_name(const char *source)
{
	return strncmp(source, "/dev/", 5) == 0 ? source + 5 : source;
}

const char *kb_mount_fs_devname(struct libmnt_fs *fs)
{
	const char *src = mnt_fs_get_source(fs);
	return src ? kb_mount_display_name(src) : "";
}

int kb_mount_drop_stale(kb_error *err)
{
	_cleanup_close_ int lock = kb_mount_lock_table(err);
	if (lock < 0)
		return lock;
	return kb_mount_table_drop_stale(err);
}

int kb_mount_table_drop_stale(kb_error *err)
{
	_cleanup_table_ struct libmnt_table *tb = read_table(true);
	if (!tb)
		return kb_error_set(err, ENOMEM, "out of memory reading the mount table");
	/* Deepest first (the table is in mount order), so a stale mount below
	 * another stale one goes before it. */
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs;
	size_t dropped = 0;
	while (it && mnt_table_next_fs(tb, it, &fs) == 0) {
		if (!stale(fs))
			continue;
		const char *dir = mnt_fs_get_target(fs);
		/* Lazily: a reader may still hold a file of the dead disk open. */
		if (umount2(dir, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
			kb_warn("%s: cannot detach the mount of a device that is gone: %s", dir,
				strerror(errno));
			continue;
		}
		kb_info("%s: %s is gone; its mount is dropped", dir, kb_mount_fs_devname(fs));
		kb_mount_remove_dir_if_ours(dir);
		mnt_table_remove_fs(tb, fs);
		dropped++;
	}
	return dropped ? kb_mount_table_write(tb, err) : 0;
}
