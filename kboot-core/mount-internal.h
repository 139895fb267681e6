/* Shared by mount.c (mounting), mount-table.c (kboot's own mount table, a
 * list in <run_dir>/mounts that every process reads and updates under one
 * lock, and the rule that keeps it true) and mount-restore.c (putting back
 * what a failed handover took down). */
#pragma once
#include "mount.h"
#include "cleanup.h"

#include <libmount.h>
#include <stdbool.h>
#include <stddef.h>

enum { KB_MOUNTS_MAX = 256 };

static inline void kb_mount_table_unrefp(struct libmnt_table **t)
{
	mnt_unref_table(*t);
}
static inline void kb_mount_iter_freep(struct libmnt_iter **i)
{
	mnt_free_iter(*i);
}
#define _cleanup_table_ _cleanup_(kb_mount_table_unrefp)
#define _cleanup_iter_ _cleanup_(kb_mount_iter_freep)

/* <run_dir>/<file> */
void kb_mount_table_path(char *ret, size_t size, const char *file);
/* The table lock (an fd to close), between threads and processes. */
int kb_mount_lock_table(kb_error *err);
/* kboot's mounts that are still mounted and still of the device they were
 * made from (see mount-table.c), in the order they were made. NULL: no
 * memory. _all: the stale ones too. */
struct libmnt_table *kb_mount_read_table(void);
struct libmnt_table *kb_mount_read_table_all(void);
int kb_mount_table_write(struct libmnt_table *tb, kb_error *err);
/* Add one mount; its disk's sequence number is kept with it. */
int kb_mount_table_record(const char *source, const char *dir, const char *fstype,
			  const char *options, kb_error *err);
void kb_mount_table_forget(const char *dir);
/* kb_mount_drop_stale with the lock already held. */
int kb_mount_table_drop_stale(kb_error *err);
/* rmdir dir when it is one of kboot's own mount points (<run_dir>/mnt/…). */
void kb_mount_remove_dir_if_ours(const char *dir);
/* "vda2" for "/dev/vda2": what a person calls the source in messages. */
const char *kb_mount_display_name(const char *source);
const char *kb_mount_fs_devname(struct libmnt_fs *fs);

/* kb_mount with the table lock held. */
int kb_mount_locked(const char *source, const char *dir, const char *fstype, const char *options,
		    enum kb_mount_mode mode, kb_error *err);
/* Add tb's entries to <run_dir>/mounts.unmounted (kb_umount_all, before it unmounts). */
int kb_mount_remember_unmounted(struct libmnt_table *tb, kb_error *err);
