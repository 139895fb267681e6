/* Assembly rounds: md arrays first, then LVM, again while a round brings up
 * something new (LVM on md, md on LVM). One process at a time: kbootd and a
 * console on its own take <run_dir>/storage/lock. */
#include "storage.h"
#include "cleanup.h"
#include "fs-util.h"
#include "device.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct pending {
	size_t md, lvm, devices;
};

/* What is waiting: md members and PVs nothing is built on yet. */
static int count_pending(struct pending *ret, kb_error *err)
{
	struct kb_device_list l = { 0 };
	int r = kb_devices_scan(&l, err);
	if (r < 0)
		return r;
	*ret = (struct pending){ .devices = l.n };
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].held)
			continue;
		if (strcmp(l.v[i].fstype, "linux_raid_member") == 0)
			ret->md++;
		else if (strcmp(l.v[i].fstype, "LVM2_member") == 0)
			ret->lvm++;
	}
	kb_device_list_free(&l);
	return 0;
}

static int take_lock(kb_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	int r = kb_storage_dir("", dir, sizeof(dir), err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/lock", dir);
	return kb_lock_file(path, err);
}

int kb_storage_assemble(kb_error *err)
{
	int ran = 0;
	struct pending before, after;
	int r = count_pending(&before, err);
	if (r < 0 || (!before.md && !before.lvm))
		return r;
	_cleanup_close_ int lock = take_lock(err);
	if (lock < 0)
		return lock;
	/* Another process may have assembled them while this one waited. */
	r = count_pending(&before, err);
	if (r < 0)
		return r;
	for (int round = 0; round < KB_STORAGE_ROUNDS_MAX && (before.md || before.lvm); round++) {
		kb_error e = { 0 };
		if (before.md) {
			ran++;
			if (kb_storage_md_assemble(&e) < 0)
				kb_warn("md: %s", e.text);
		}
		if (before.lvm) {
			ran++;
			kb_error_clear(&e);
			if (kb_storage_lvm_activate(&e) < 0)
				kb_warn("lvm: %s", e.text);
		}
		r = count_pending(&after, err);
		if (r < 0)
			return r;
		/* Nothing new came up: what is left will not assemble (a half array). */
		if (after.devices == before.devices)
			break;
		before = after;
	}
	return ran;
}
