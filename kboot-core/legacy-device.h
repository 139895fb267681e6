/* Which GRUB entry boots the device a person typed (`sda1`, `/dev/sda`,
 * `vdb`): the paper's `hda7` legacy boot, handed back to GRUB. */
#pragma once
#include "device.h"

#include <stdbool.h>

/* Does GRUB's name for a device ("hd0,msdos1", "hd1", "UUID=…", as
 * kb_entry.legacy_device holds it) name d, or for a whole disk d one of its
 * partitions? all: every block device (kb_devices_scan), for GRUB's disk
 * numbering. "FILE=…" (search --file) and anything else match nothing. */
bool kb_legacy_device_matches(const char *grub_dev, const struct kb_device *d,
			      const struct kb_device_list *all);
