/* Mounts through libmount: read-only unless a named feature opts in.
 * kboot's own mounts are listed in <run_dir>/mounts so every process
 * (kbootd, the console) sees the same table. */
#pragma once
#include "error.h"

#include <stddef.h>

enum kb_mount_mode { KB_MOUNT_READONLY, KB_MOUNT_WRITABLE };

/* fstype NULL: detect. why_writable names the feature for KB_MOUNT_WRITABLE
 * (logged), and must be NULL for read-only mounts. */
int kb_mount(const char *source, const char *dir, const char *fstype, const char *options,
	     enum kb_mount_mode mode, const char *why_writable, kb_error *err);
int kb_umount(const char *dir, kb_error *err);
/* Mount a device read-only at <run_dir>/mnt/<name> unless already mounted
 * (anywhere kboot mounted it, as long as nothing else is mounted below that
 * place: "vda3:/boot" must be vda3's own /boot even when vda3 is the target
 * root with another filesystem on /target/boot); gives the directory.
 * devname is anything kb_device_find takes ("vda3", "UUID=…"). */
int kb_mount_device(const char *devname, char *ret_dir, size_t size, kb_error *err);
/* Where kboot has a device mounted; -ENOENT if nowhere. */
int kb_mount_lookup(const char *devname, char *ret_dir, size_t size);
/* Which device kboot mounted at dir ("vda3"); -ENOENT if kboot mounted nothing there. */
int kb_mount_source(const char *dir, char *ret_devname, size_t size);
/* Detach every kboot mount whose device has gone or is another disk now
 * (a USB stick pulled out, the next one given its name; a new medium): the
 * device watch calls it when a device goes, and kb_mount_device before it
 * reuses a mount. */
int kb_mount_drop_stale(kb_error *err);
/* Every kboot mount, deepest first (before kexec). What it took down is kept
 * in <run_dir>/mounts.unmounted for kb_mount_restore_all. */
int kb_umount_all(kb_error *err);
/* After a handover that failed: mount again, read-only and in their first
 * order, what kb_umount_all took down, except what is mounted again already.
 * One that cannot be (its device is gone) is a warning; the first such error
 * is returned after the others are tried. */
int kb_mount_restore_all(kb_error *err);
