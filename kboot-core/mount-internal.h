/* Shared by mount.c (mounting, kboot's table) and mount-restore.c (putting
 * back what a failed handover took down). */
#pragma once
#include "mount.h"

#include <libmount.h>
#include <stddef.h>

/* <run_dir>/<file> */
void kb_mount_table_path(char *ret, size_t size, const char *file);
/* The table lock (an fd to close), between threads and processes. */
int kb_mount_lock_table(kb_error *err);
/* kboot's mounts still mounted, in the order they were made. */
struct libmnt_table *kb_mount_read_table(void);
/* kb_mount with the table lock held. */
int kb_mount_locked(const char *source, const char *dir, const char *fstype, const char *options,
		    enum kb_mount_mode mode, kb_error *err);
/* Add tb's entries to <run_dir>/mounts.unmounted (kb_umount_all, before it unmounts). */
int kb_mount_remember_unmounted(struct libmnt_table *tb, kb_error *err);
