/* Block devices and partitions: names, sizes and removability from sysfs,
 * filesystem type, label and UUIDs from libblkid (opened read-only). */
#include "device.h"
#include "cleanup.h"
#include "env.h"
#include "log.h"
#include "mount.h"

#include <blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SYSFS_VALUE_MAX = 256 };

static void blkid_probe_freep(blkid_probe *p)
{
	if (*p)
		blkid_free_probe(*p);
}

/* One line of a sysfs attribute, without its newline; -errno if unreadable. */
static int read_attr(int dirfd, const char *attr, char *ret, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, attr, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, ret, size - 1);
	if (n < 0)
		return -errno;
	ret[n] = '\0';
	ret[strcspn(ret, "\n")] = '\0';
	return 0;
}

static bool has_prefix_digits(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(name, prefix, n) == 0 && isdigit((unsigned char)name[n]);
}

/* ram disks, zram (swap) and unattached loop devices hold nothing to boot. */
static bool skipped(int dirfd, const char *name)
{
	if (has_prefix_digits(name, "ram") || has_prefix_digits(name, "zram"))
		return true;
	if (has_prefix_digits(name, "loop")) {
		char backing[SYSFS_VALUE_MAX];
		/* A partition of a loop device (loop0p1) has its disk's backing file. */
		if (read_attr(dirfd, "loop/backing_file", backing, sizeof(backing)) == 0)
			return false;
		return faccessat(dirfd, "partition", F_OK, 0) != 0 ||
		       faccessat(dirfd, "../loop/backing_file", F_OK, 0) != 0;
	}
	return false;
}

/* Truncating copy: sysfs and blkid values longer than our fields are cut. */
static void copy_value(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int kb_device_probe(const char *path, struct kb_device *d, kb_error *err)
{
	d->fstype[0] = d->label[0] = d->uuid[0] = d->partuuid[0] = '\0';
	/* libblkid opens the file O_RDONLY (plus O_NONBLOCK, so an empty CD
	 * drive does not wait for a disc); it never writes. */
	_cleanup_(blkid_probe_freep) blkid_probe pr = blkid_new_probe_from_filename(path);
	if (!pr) {
		int e = errno ? errno : EIO;
		return kb_error_set(err, e, "%s: cannot probe: %s", path, strerror(e));
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
						      BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);

	int r = blkid_do_safeprobe(pr);
	if (r == -2)
		/* Two filesystems claim the device: mounting either would guess. */
		kb_warn("%s: several filesystem signatures; not using any", path);
	if (r != 0)
		return 0;

	const char *v;
	if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
		copy_value(d->fstype, sizeof(d->fstype), v);
	if (blkid_probe_lookup_value(pr, "LABEL", &v, NULL) == 0)
		copy_value(d->label, sizeof(d->label), v);
	if (blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0)
		copy_value(d->uuid, sizeof(d->uuid), v);
	if (blkid_probe_lookup_value(pr, "PART_ENTRY_UUID", &v, NULL) == 0)
		copy_value(d->partuuid, sizeof(d->partuuid), v);
	return 0;
}

static bool parent_is_usb(int classfd, const char *name)
{
	char link[PATH_MAX];
	ssize_t n = readlinkat(classfd, name, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strstr(link, "/usb") != NULL;
}

/* The disk a partition belongs to: its sysfs directory's parent. */
static void partition_parent(int classfd, const char *name, char *ret, size_t size)
{
	char link[PATH_MAX];
	ssize_t n = readlinkat(classfd, name, link, sizeof(link) - 1);
	ret[0] = '\0';
	if (n < 0)
		return;
	link[n] = '\0';
	char *slash = strrchr(link, '/');
	if (!slash)
		return;
	*slash = '\0';
	slash = strrchr(link, '/');
	copy_value(ret, size, slash ? slash + 1 : link);
}

static bool has_holders(int dirfd)
{
	int fd = openat(dirfd, "holders", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	_cleanup_closedir_ DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return false;
	}
	struct dirent *de;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			return true;
	return false;
}

bool kb_device_locked(const struct kb_device *d)
{
	return strcmp(d->fstype, "crypto_LUKS") == 0 && !d->held;
}

/* 1: filled *d; 0: not a device kboot lists; <0: gone or unreadable. */
static int read_device(int classfd, const char *name, struct kb_device *d)
{
	if (strlen(name) >= sizeof(d->name))
		return 0;
	_cleanup_close_ int dirfd = openat(classfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	if (skipped(dirfd, name))
		return 0;

	*d = (struct kb_device){ 0 };
	copy_value(d->name, sizeof(d->name), name);
	snprintf(d->path, sizeof(d->path), "/dev/%s", name);

	char value[SYSFS_VALUE_MAX];
	if (read_attr(dirfd, "size", value, sizeof(value)) == 0)
		d->size = strtoull(value, NULL, 10) * 512;
	d->is_partition = faccessat(dirfd, "partition", F_OK, 0) == 0;
	if (d->is_partition)
		partition_parent(classfd, name, d->parent, sizeof(d->parent));
	const char *removable_attr = d->is_partition ? "../removable" : "removable";
	if (read_attr(dirfd, removable_attr, value, sizeof(value)) == 0)
		d->removable = strcmp(value, "1") == 0;
	if (parent_is_usb(classfd, name))
		d->removable = true;
	if (read_attr(dirfd, "dm/name", value, sizeof(value)) == 0)
		copy_value(d->dm_name, sizeof(d->dm_name), value);
	d->held = has_holders(dirfd);

	/* An empty drive is worth listing (a disc may come); an empty nbd or md is not. */
	if (d->size == 0 && !d->removable)
		return 0;
	if (d->size > 0)
		(void)kb_device_probe(d->path, d, NULL);
	(void)kb_mount_lookup(d->name, d->mountpoint, sizeof(d->mountpoint));
	return 1;
}

static int open_class_dir(kb_error *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/class/block", kb_env()->sys_dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: cannot list block devices: %s", dir,
				    strerror(errno));
	return fd;
}

static int by_name(const void *a, const void *b)
{
	return strverscmp(((const struct kb_device *)a)->name, ((const struct kb_device *)b)->name);
}

int kb_devices_scan(struct kb_device_list *ret, kb_error *err)
{
	_cleanup_close_ int classfd = open_class_dir(err);
	if (classfd < 0)
		return classfd;
	int fd = dup(classfd);
	if (fd < 0)
		return kb_error_set(err, errno, "cannot list block devices: %s", strerror(errno));
	_cleanup_closedir_ DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return kb_error_set(err, errno, "cannot list block devices: %s", strerror(errno));
	}
	_cleanup_free_ struct kb_device *v = calloc(KB_DEVICES_MAX, sizeof(*v));
	if (!v)
		return kb_error_set(err, ENOMEM, "out of memory listing block devices");
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == KB_DEVICES_MAX) {
			kb_warn("more than %d block devices; listing the first %d", KB_DEVICES_MAX,
				KB_DEVICES_MAX);
			break;
		}
		if (read_device(classfd, de->d_name, &v[n]) > 0)
			n++;
	}
	qsort(v, n, sizeof(*v), by_name);
	*ret = (struct kb_device_list){ .v = TAKE_PTR(v), .n = n };
	return 0;
}

void kb_device_list_free(struct kb_device_list *l)
{
	if (!l)
		return;
	free(l->v);
	*l = (struct kb_device_list){ 0 };
}

enum tag { TAG_NONE, TAG_UUID, TAG_LABEL, TAG_PARTUUID, TAG_DM_NAME };

static bool tag_matches(const struct kb_device *d, enum tag tag, const char *value)
{
	switch (tag) {
	case TAG_UUID:
		return d->uuid[0] && strcasecmp(d->uuid, value) == 0;
	case TAG_LABEL:
		return d->label[0] && strcmp(d->label, value) == 0;
	case TAG_PARTUUID:
		return d->partuuid[0] && strcasecmp(d->partuuid, value) == 0;
	case TAG_DM_NAME:
		return d->dm_name[0] && strcmp(d->dm_name, value) == 0;
	case TAG_NONE:
		break;
	}
	return false;
}

/* udev escapes /dev/disk/by-label names: "My\x20Disk". */
static void unescape_udev(const char *s, char *ret, size_t size)
{
	size_t n = 0;
	while (*s && n + 1 < size) {
		unsigned int c;
		if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &c) == 1) {
			ret[n++] = (char)c;
			s += 4;
		} else {
			ret[n++] = *s++;
		}
	}
	ret[n] = '\0';
}

static enum tag parse_tag(const char *spec, char *value, size_t size)
{
	static const struct {
		const char *prefix;
		enum tag tag;
		bool udev_escaped;
	} forms[] = {
		{ "UUID=", TAG_UUID, false },
		{ "LABEL=", TAG_LABEL, false },
		{ "PARTUUID=", TAG_PARTUUID, false },
		{ "/dev/disk/by-uuid/", TAG_UUID, true },
		{ "/dev/disk/by-label/", TAG_LABEL, true },
		{ "/dev/disk/by-partuuid/", TAG_PARTUUID, true },
		{ "/dev/mapper/", TAG_DM_NAME, false },
	};
	for (size_t i = 0; i < KB_ELEMENTSOF(forms); i++) {
		size_t n = strlen(forms[i].prefix);
		if (strncmp(spec, forms[i].prefix, n) != 0)
			continue;
		const char *v = spec + n;
		/* fstab may quote: LABEL="My Disk" */
		char unquoted[256];
		size_t len = strlen(v);
		if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
			snprintf(unquoted, sizeof(unquoted), "%.*s", (int)(len - 2), v + 1);
			v = unquoted;
		}
		if (forms[i].udev_escaped)
			unescape_udev(v, value, size);
		else
			snprintf(value, size, "%s", v);
		return forms[i].tag;
	}
	return TAG_NONE;
}

static int find_by_tag(const char *spec, enum tag tag, const char *value,
		       struct kb_device *ret, kb_error *err)
{
	struct kb_device_list l = { 0 };
	int r = kb_devices_scan(&l, err);
	if (r < 0)
		return r;
	const struct kb_device *found = NULL;
	for (size_t i = 0; i < l.n && !found; i++)
		if (tag_matches(&l.v[i], tag, value))
			found = &l.v[i];
	if (found)
		*ret = *found;
	kb_device_list_free(&l);
	if (!found)
		return kb_error_set(err, ENODEV, "%s: no such device", spec);
	return 0;
}

int kb_device_find(const char *spec, struct kb_device *ret, kb_error *err)
{
	char value[256];
	enum tag tag = parse_tag(spec, value, sizeof(value));
	if (tag != TAG_NONE) {
		if (!value[0])
			return kb_error_set(err, EINVAL, "%s: no value after '='", spec);
		return find_by_tag(spec, tag, value, ret, err);
	}

	const char *name = spec;
	char real[PATH_MAX];
	if (strncmp(spec, "/dev/", 5) == 0) {
		name = spec + 5;
		/* /dev/vg0/root and similar links: follow to the kernel's name. */
		if (strchr(name, '/')) {
			if (!realpath(spec, real) || strncmp(real, "/dev/", 5) != 0)
				return kb_error_set(err, ENODEV, "%s: no such device", spec);
			name = real + 5;
		}
	}
	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return kb_error_set(err, ENODEV, "%s: no such device", spec);

	_cleanup_close_ int classfd = open_class_dir(err);
	if (classfd < 0)
		return classfd;
	struct kb_device d;
	int r = read_device(classfd, name, &d);
	if (r <= 0)
		return kb_error_set(err, ENODEV, "%s: no such device", spec);
	*ret = d;
	return 0;
}

static const struct kb_device *find_name(const struct kb_device_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static bool same_contents(const struct kb_device *a, const struct kb_device *b)
{
	return a->size == b->size && strcmp(a->fstype, b->fstype) == 0 &&
	       strcmp(a->uuid, b->uuid) == 0 && kb_device_locked(a) == kb_device_locked(b);
}

void kb_devices_diff(const struct kb_device_list *before, const struct kb_device_list *now,
		     void (*added)(const struct kb_device *d, void *data),
		     void (*removed)(const struct kb_device *d, void *data), void *data)
{
	static const struct kb_device_list empty;
	if (!before)
		before = &empty;
	if (!now)
		now = &empty;
	for (size_t i = 0; i < before->n; i++) {
		const struct kb_device *d = find_name(now, before->v[i].name);
		if ((!d || !same_contents(d, &before->v[i])) && removed)
			removed(&before->v[i], data);
	}
	for (size_t i = 0; i < now->n; i++) {
		const struct kb_device *d = find_name(before, now->v[i].name);
		if ((!d || !same_contents(d, &now->v[i])) && added)
			added(&now->v[i], data);
	}
}
