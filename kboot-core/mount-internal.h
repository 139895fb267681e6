/* Shared by mount.c and mount-table.c: kboot's own mount table, a list in
 * <run_dir>/mounts that every process reads and updates under one lock. */
#pragma once
#include "error.h"

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

/* The table's lock (flock), as an fd to close; -errno with a sentence. */
int kb_mount_table_lock(kb_error *err);
/* kboot's mounts that are still mounted, in the order they were made, and
 * still of the device they were made from (see mount-table.c) unless
 * keep_stale. NULL: no memory. */
struct libmnt_table *kb_mount_table_read(bool keep_stale);
/* kb_mount_drop_stale with the lock already held. */
int kb_mount_table_drop_stale(kb_error *err);
int kb_mount_table_write(struct libmnt_table *tb, kb_error *err);
/* Add one mount; devpath's disk sequence number is kept with it. */
int kb_mount_table_record(const char *source, const char *dir, const char *fstype,
			  const char *options, kb_error *err);
void kb_mount_table_forget(const char *dir);
/* rmdir dir when it is one of kboot's own mount points (<run_dir>/mnt/…). */
void kb_mount_remove_dir_if_ours(const char *dir);
/* "vda2" for "/dev/vda2": what a person calls the source in messages. */
const char *kb_mount_display_name(const char *source);
const char *kb_mount_fs_devname(struct libmnt_fs *fs);
