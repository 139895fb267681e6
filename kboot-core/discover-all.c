/* Discovery on the whole machine: kboot.conf labels, the target system with
 * the filesystems its fstab mounted below it, then every other filesystem,
 * mounted read-only on demand. Kept apart from discover.c so the parsers
 * can be used (and tested) without devices or mounts. */
#include "buf.h"
#include "cleanup.h"
#include "device.h"
#include "discover-util.h"
#include "discover.h"
#include "env.h"
#include "log.h"
#include "mount.h"
#include "path.h"
#include "target.h"
#include "uefi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TARGET_MOUNTS_MAX = 32, MOUNTINFO_MAX = 1024 * 1024 };

struct target_mount {
	char dir[KB_PATH_MAX];   /* where it is mounted now */
	char prefix[KB_PATH_MAX]; /* its place in the target: "", "/boot" */
	char device[KB_PATH_DEVICE_MAX]; /* "vda2", "" for a plain directory */
	char uuid[64];
};

/* mountinfo escapes blanks as \040 and so on. */
static void unescape_octal(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static bool under(const char *dir, const char *root, const char **ret_rest)
{
	size_t l = strlen(root);
	while (l > 1 && root[l - 1] == '/')
		l--;
	if (strncmp(dir, root, l) != 0 || (dir[l] && dir[l] != '/'))
		return false;
	*ret_rest = dir + l;
	return true;
}

static int cmp_mount(const void *a, const void *b)
{
	return (int)strlen(((const struct target_mount *)a)->prefix) -
	       (int)strlen(((const struct target_mount *)b)->prefix);
}

/* The target root and the block-device mounts below it, root first. */
static size_t target_mounts(const char *root, struct target_mount *v, size_t max)
{
	size_t n = 0;
	bool have_root = false;
	_cleanup_free_ char *text = NULL;
	if (kb_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL) >= 0) {
		char *save = NULL;
		for (char *line = strtok_r(text, "\n", &save); line && n < max;
		     line = strtok_r(NULL, "\n", &save)) {
			char dir[KB_PATH_MAX], source[KB_PATH_MAX];
			const char *sep = strstr(line, " - ");
			if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", dir) != 1 ||
			    sscanf(sep, " - %*s %4095s", source) != 1)
				continue;
			unescape_octal(dir);
			unescape_octal(source);
			const char *rest;
			if (!under(dir, root, &rest) || strncmp(source, "/dev/", 5) != 0)
				continue;
			if (strlen(source + 5) >= sizeof(v[0].device))
				continue;
			struct target_mount *m = NULL;
			for (size_t i = 0; i < n; i++)
				if (strcmp(v[i].dir, dir) == 0)
					m = &v[i]; /* mounted over: the last one counts */
			if (!m)
				m = &v[n++];
			*m = (struct target_mount){ 0 };
			snprintf(m->dir, sizeof(m->dir), "%s", dir);
			snprintf(m->prefix, sizeof(m->prefix), "%s", rest);
			snprintf(m->device, sizeof(m->device), "%.*s", (int)sizeof(m->device) - 1, source + 5);
			struct kb_device d;
			if (kb_device_find(source, &d, NULL) >= 0)
				snprintf(m->uuid, sizeof(m->uuid), "%s", d.uuid);
			have_root = have_root || !*rest;
		}
	}
	if (!have_root && n < max) {
		/* KBOOT_TARGET_ROOT: a plain directory */
		v[n++] = (struct target_mount){ 0 };
		snprintf(v[n - 1].dir, sizeof(v[n - 1].dir), "%s", root);
	}
	qsort(v, n, sizeof(*v), cmp_mount);
	return n;
}

static bool skip_fstype(const char *t)
{
	static const char *const skip[] = { "",		   "swap",	 "LVM2_member",
					    "linux_raid_member", "crypto_LUKS", "zfs_member",
					    "bcache",	   "ntfs_hibernated" };
	for (size_t i = 0; i < KB_ELEMENTSOF(skip); i++)
		if (strcmp(t, skip[i]) == 0)
			return true;
	return false;
}

static void discover_target(const struct kb_config *cfg, struct kb_entry_list *l,
			    struct target_mount *mounts, size_t *ret_n)
{
	const struct kb_env *env = kb_env();
	*ret_n = 0;
	if (!kb_target_present()) {
		kb_error e = { 0 };
		if (kb_target_setup(cfg, &e) < 0) {
			kb_info("no target system: %s", e.text);
			return;
		}
	}
	size_t n = target_mounts(env->target_root, mounts, TARGET_MOUNTS_MAX);
	const char *root_uuid = n && !mounts[0].prefix[0] && mounts[0].uuid[0] ? mounts[0].uuid : NULL;
	for (size_t i = 0; i < n; i++) {
		struct target_mount *m = &mounts[i];
		struct kb_fs fs = {
			.device = m->device[0] ? m->device : NULL,
			.mountpoint = m->dir,
			.uuid = m->uuid[0] ? m->uuid : NULL,
			.target_prefix = m->prefix,
			.root_uuid = m->prefix[0] ? root_uuid : NULL,
		};
		kb_entries_discover_fs(&fs, l);
	}
	*ret_n = n;
}

static bool in_target(const char *name, const struct target_mount *mounts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(mounts[i].device, name) == 0)
			return true;
	return false;
}

int kb_entries_discover(const struct kb_config *cfg, struct kb_entry_list *ret, kb_error *err)
{
	struct kb_entry_list l = { 0 };
	int r = kb_entries_from_config(cfg, &l, err);
	if (r < 0) {
		kb_entry_list_free(&l);
		return r;
	}

	_cleanup_free_ struct target_mount *mounts = calloc(TARGET_MOUNTS_MAX, sizeof(*mounts));
	if (!mounts) {
		kb_entry_list_free(&l);
		return kb_error_set(err, ENOMEM, "out of memory");
	}
	size_t n_mounts = 0;
	discover_target(cfg, &l, mounts, &n_mounts);

	struct kb_device_list devs = { 0 };
	kb_error derr = { 0 };
	if (kb_devices_scan(&devs, &derr) < 0)
		kb_warn("listing block devices: %s", derr.text);
	for (size_t i = 0; i < devs.n; i++) {
		const struct kb_device *d = &devs.v[i];
		if (skip_fstype(d->fstype) || in_target(d->name, mounts, n_mounts))
			continue;
		char dir[KB_PATH_MAX];
		kb_error merr = { 0 };
		if (kb_mount_device(d->name, dir, sizeof(dir), &merr) < 0) {
			/* a corrupt filesystem must not stop discovery on the others */
			kb_warn("%s: not searched for boot entries: %s", d->name, merr.text);
			continue;
		}
		struct kb_fs fs = {
			.device = d->name,
			.mountpoint = dir,
			.uuid = d->uuid[0] ? d->uuid : NULL,
		};
		kb_entries_discover_fs(&fs, &l);
	}
	kb_device_list_free(&devs);
	kb_entries_discover_pxe(&l); /* after the disks: their defaults come first */
	kb_entries_discover_uefi(&l); /* the firmware's own entries last */

	kb_entry_list_merge(&l);
	kb_entries_mark_default(&l, cfg->default_label);
	*ret = l;
	return 0;
}
