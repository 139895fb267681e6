/* "sda1", "/dev/sda1": a block device itself; also the resolvers that the
 * device-file and tag schemes share (mount the device, look inside). */
#include "device.h"
#include "mount.h"
#include "path-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static bool device_match(const char *text)
{
	if (strchr(text, ':'))
		return false;
	if (strncmp(text, "/dev/", 5) == 0)
		return text[5] != '\0';
	return kb_path_is_device_word(text, strlen(text));
}

static int device_parse(const char *text, struct kb_path *ret, kb_error *err)
{
	ret->kind = KB_PATH_DEVICE;
	snprintf(ret->path, sizeof(ret->path), "/");
	return kb_path_device_name(text, strlen(text), ret->device, sizeof(ret->device), err);
}

/* "sda9:/boot: no such device sda9" rather than the bare lookup error. */
static int find(const struct kb_path *p, struct kb_device *d, kb_error *err)
{
	int r = kb_device_find(p->device, d, err);
	if (r == -ENODEV) {
		char text[KB_PATH_MAX];
		(void)kb_path_format(p, text, sizeof(text));
		if (p->kind == KB_PATH_DEVICE)
			return kb_error_set(err, ENODEV, "%s: no such device", text);
		return kb_error_set(err, ENODEV, "%s: no such device %s", text, p->device);
	}
	return r;
}

int kb_path_resolve_device(const struct kb_path *p, char *ret, size_t size, kb_error *err)
{
	struct kb_device d;
	int r = find(p, &d, err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(ret, size, "%s", d.path) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", d.path);
	return 0;
}

int kb_path_open_device(const struct kb_path *p, int flags, kb_error *err)
{
	char dev[PATH_MAX];
	int r = kb_path_resolve_device(p, dev, sizeof(dev), err);
	if (r < 0)
		return r;
	int fd = open(dev, flags | O_CLOEXEC);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", dev, strerror(errno));
	return fd;
}

static int mount_it(const struct kb_path *p, char *dir, size_t size, kb_error *err)
{
	struct kb_device d;
	int r = find(p, &d, err);
	if (r < 0)
		return r;
	return kb_mount_device(d.name, dir, size, err);
}

int kb_path_resolve_on_device(const struct kb_path *p, char *ret, size_t size, kb_error *err)
{
	char dir[PATH_MAX], text[KB_PATH_MAX];
	int r = mount_it(p, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	(void)kb_path_format(p, text, sizeof(text));
	return kb_path_resolve_in_root(dir, p->path, text, ret, size, err);
}

int kb_path_open_on_device(const struct kb_path *p, int flags, kb_error *err)
{
	char dir[PATH_MAX], text[KB_PATH_MAX];
	int r = mount_it(p, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	(void)kb_path_format(p, text, sizeof(text));
	return kb_path_open_in_root(dir, p->path, flags, text, err);
}

const struct kb_path_scheme kb_path_scheme_device = {
	.name = "device",
	.match = device_match,
	.parse = device_parse,
	.resolve = kb_path_resolve_device,
	.open = kb_path_open_device,
};
