/* Block devices and partitions, from sysfs and libblkid. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { KB_DEVICES_MAX = 256, KB_DEVNAME_MAX = 32 };

struct kb_device {
	char name[KB_DEVNAME_MAX]; /* "sda1" */
	char path[KB_DEVNAME_MAX + 8]; /* "/dev/sda1" */
	char parent[KB_DEVNAME_MAX];   /* "sda" for a partition, "" otherwise */
	uint64_t size;                 /* bytes */
	char fstype[32];               /* "" when blkid finds none */
	char label[128];
	char uuid[64];
	char partuuid[64];
	bool removable;
	bool is_partition;
	char mountpoint[256]; /* where kboot has it mounted, "" if not */
	char dm_name[128];    /* device-mapper name ("vg0-root") for dm-*, else "" */
	bool held;            /* a device is built on it (an open LUKS, an md, an LV) */
};

/* A LUKS device nobody has opened yet: it waits for a key. */
bool kb_device_locked(const struct kb_device *d);

struct kb_device_list {
	struct kb_device *v;
	size_t n;
};

int kb_devices_scan(struct kb_device_list *ret, kb_error *err);
void kb_device_list_free(struct kb_device_list *l);
/* spec: "sda1", "/dev/sda1", "UUID=…", "LABEL=…", "PARTUUID=…"; also
 * /dev/mapper/<dm name> and /dev/disk/by-{uuid,label,partuuid}/… (there is
 * no udev in the kboot environment, so those are matched by tag). */
int kb_device_find(const char *spec, struct kb_device *ret, kb_error *err);
/* Names in `now` but not in `before` (added) and the reverse (removed). A name
 * in both whose contents changed (size, fstype, UUID or locked: a new disc in
 * sr0, a LUKS device unlocked) is
 * reported as removed, then added. */
void kb_devices_diff(const struct kb_device_list *before, const struct kb_device_list *now,
		     void (*added)(const struct kb_device *d, void *data),
		     void (*removed)(const struct kb_device *d, void *data), void *data);
/* Probe one block device or image file with libblkid, read-only: fills fstype,
 * label, uuid and partuuid of *d (cleared first); the rest is untouched.
 * 0 also when nothing was recognized (fstype ""). */
int kb_device_probe(const char *path, struct kb_device *d, kb_error *err);
