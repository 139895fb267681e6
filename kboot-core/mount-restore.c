/* Putting back what kb_umount_all took down, when the handover it was for
 * failed (mount.h): its list is <run_dir>/mounts.unmounted. */
#include "mount-internal.h"
#include "cleanup.h"
#include "env.h"
#include "fs-util.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


/* Entries already in the list stay first: they were taken down before, and
 * may be parents of these. */
int kb_mount_remember_unmounted(struct libmnt_table *tb, kb_error *err)
{
	char path[PATH_MAX];
	kb_mount_table_path(path, sizeof(path), "mounts.unmounted");
	_cleanup_table_ struct libmnt_table *saved = mnt_new_table();
	if (!saved)
		return kb_error_set(err, ENOMEM, "out of memory saving the mount table");
	if (access(path, F_OK) == 0 && mnt_table_parse_file(saved, path) < 0)
		kb_warn("%s: unreadable; starting it again", path);
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	while (it && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);
		if (!t || mnt_table_find_target(saved, t, MNT_ITER_FORWARD))
			continue;
		struct libmnt_fs *copy = mnt_copy_fs(NULL, fs);
		int r = copy ? mnt_table_add_fs(saved, copy) : -ENOMEM;
		mnt_unref_fs(copy);
		if (r < 0)
			return kb_error_set(err, ENOMEM, "out of memory saving the mount table");
	}
	int r = mnt_table_replace_file(saved, path);
	if (r < 0)
		return kb_error_set(err, -r, "%s: cannot save the mount table: %s", path,
				    strerror(-r));
	return 0;
}

/* One saved mount back in place, read-only whatever it was: the handover
 * that failed is the only reason anything was ever writable. */
static int restore_one(struct libmnt_fs *fs, kb_error *err)
{
	const char *dir = mnt_fs_get_target(fs), *source = mnt_fs_get_source(fs);
	if (!dir || !source)
		return 0;
	char ours[PATH_MAX];
	snprintf(ours, sizeof(ours), "%s/mnt/", kb_env()->run_dir);
	if (strncmp(dir, ours, strlen(ours)) == 0) { /* remove_if_ours took it away */
		int r = kb_mkdir_p(dir);
		if (r < 0)
			return kb_error_set(err, r, "%s: cannot create: %s", dir, strerror(-r));
	}
	return kb_mount_locked(source, dir, mnt_fs_get_fstype(fs), mnt_fs_get_options(fs),
			    KB_MOUNT_READONLY, err);
}

int kb_mount_restore_all(kb_error *err)
{
	_cleanup_close_ int lock = kb_mount_lock_table(err);
	if (lock < 0)
		return lock;
	char path[PATH_MAX];
	kb_mount_table_path(path, sizeof(path), "mounts.unmounted");
	if (access(path, F_OK) < 0)
		return 0;
	_cleanup_table_ struct libmnt_table *saved = mnt_new_table();
	_cleanup_table_ struct libmnt_table *now = kb_mount_read_table();
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!saved || !now || !it)
		return kb_error_set(err, ENOMEM, "out of memory restoring the mounts");
	int r = mnt_table_parse_file(saved, path);
	/* Used once: a later failure must not replay a list this one acted on. */
	(void)unlink(path);
	if (r < 0)
		return kb_error_set(err, EIO, "%s: unreadable; the mounts stay down until a device "
				    "changes", path);
	int first = 0;
	size_t restored = 0;
	struct libmnt_fs *fs;
	while (mnt_table_next_fs(saved, it, &fs) == 0) {
		const char *dir = mnt_fs_get_target(fs);
		if (dir && mnt_table_find_target(now, dir, MNT_ITER_FORWARD))
			continue; /* mounted again meanwhile (a device event) */
		kb_error e = { 0 };
		r = restore_one(fs, &e);
		if (r < 0) {
			kb_warn("%s", e.text); /* a stick pulled meanwhile: the rest still count */
			if (!first) {
				first = r;
				if (err)
					*err = e;
			}
			continue;
		}
		restored++;
	}
	if (restored)
		kb_info("%zu mounts restored", restored);
	return first;
}
