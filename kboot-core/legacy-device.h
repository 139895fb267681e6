/* Which GRUB entry boots the device a person typed (`sda1`, `/dev/sda`,
 * `vdb`): the paper's `hda7` legacy boot, handed back to GRUB. */
#pragma once
#include "device.h"
#include "entry.h"
#include "error.h"

#include <stddef.h>

#include <stdbool.h>

/* Does GRUB's name for a device ("hd0,msdos1", "hd1", "UUID=…", as
 * kb_entry.legacy_device holds it) name d, or for a whole disk d one of its
 * partitions? all: every block device (kb_devices_scan), for GRUB's disk
 * numbering. "FILE=…" (search --file) and anything else match nothing. */
bool kb_legacy_device_matches(const char *grub_dev, const struct kb_device *d,
			      const struct kb_device_list *all);

enum { KB_LEGACY_MATCHES_MAX = 64 }; /* entries told apart for one device */

/* The legacy entries of l that boot the device a person typed (`sda1`,
 * `/dev/vdb`): their indexes into ret (at most max), *ret_exact when
 * their legacy_device names it; when none does, those whose device kboot
 * cannot tell (search --file, none given), with *ret_exact false. The count,
 * or -ENODEV "sda9: no such device". */
int kb_legacy_device_entries(const struct kb_entry_list *l, const char *word, size_t *ret, size_t max,
			     bool *ret_exact, kb_error *err);
/* The one entry that boots the typed device, as the prompt and the API
 * boot it: its index, or -EOPNOTSUPP saying why not and, where several
 * could, which (`boot N`). */
int kb_legacy_device_entry(const struct kb_entry_list *l, const char *word, kb_error *err);
