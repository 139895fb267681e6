/* "//p": a path in kboot's own root filesystem (the initramfs). */
#include "cleanup.h"
#include "path-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool kboot_match(const char *text)
{
	return text[0] == '/' && text[1] == '/';
}

static int kboot_parse(const char *text, struct kb_path *ret, kb_error *err)
{
	ret->kind = KB_PATH_KBOOT;
	return kb_path_normalize(NULL, text + 1, ret->path, sizeof(ret->path), err);
}

static int kboot_fail(const struct kb_path *p, int e, kb_error *err)
{
	char text[KB_PATH_MAX];
	(void)kb_path_format(p, text, sizeof(text));
	if (e == ENOENT)
		return kb_error_set(err, e, "%s: no such file or directory", text);
	return kb_error_set(err, e, "%s: %s", text, strerror(e));
}

/* kboot's own symlinks are kboot's business: no confinement needed. */
static int kboot_resolve(const struct kb_path *p, char *ret, size_t size, kb_error *err)
{
	struct stat st;
	if (stat(p->path, &st) < 0)
		return kboot_fail(p, errno, err);
	if ((size_t)snprintf(ret, size, "%s", p->path) >= size)
		return kboot_fail(p, ENAMETOOLONG, err);
	return 0;
}

static int kboot_open(const struct kb_path *p, int flags, kb_error *err)
{
	int fd = open(p->path, flags | O_CLOEXEC);
	if (fd < 0)
		return kboot_fail(p, errno, err);
	return fd;
}

const struct kb_path_scheme kb_path_scheme_kboot = {
	.name = "kboot",
	.match = kboot_match,
	.parse = kboot_parse,
	.resolve = kboot_resolve,
	.open = kboot_open,
};
