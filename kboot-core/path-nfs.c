/* "host:/p": a file on an NFS server. Any "word:" that is not a device word
 * is a host (the paper's own example is a bare "server"); an IPv6 address is
 * bracketed: "[fd00::1]:/srv". Resolving mounts the export (nfs.h) and
 * resolves the rest inside it, symlinks kept within the export. */
#include "path-internal.h"
#include "nfs.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Length of the host part, or 0 when text is not "host:…". */
static size_t host_length(const char *text)
{
	if (text[0] == '[') {
		const char *close = strstr(text, "]:");
		return close ? (size_t)(close - text) + 1 : 0;
	}
	const char *colon = strchr(text, ':');
	if (!colon || colon == text)
		return 0;
	size_t len = (size_t)(colon - text);
	return memchr(text, '/', len) ? 0 : len;
}

static bool nfs_match(const char *text)
{
	return host_length(text) > 0;
}

static bool valid_host(const char *host, size_t len)
{
	if (host[0] == '[') {
		for (size_t i = 1; i + 1 < len; i++)
			if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
				return false;
		return len > 2;
	}
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)host[i]) && !strchr(".-_", host[i]))
			return false;
	return true;
}

static int nfs_parse(const char *text, struct kb_path *ret, kb_error *err)
{
	size_t len = host_length(text);
	const char *rest = text + len + 1;
	if (!valid_host(text, len))
		return kb_error_set(err, EINVAL, "%s: %.*s is neither a block device nor a host name",
				    text, (int)len, text);
	if (rest[0] != '/')
		return kb_error_set(err, EINVAL,
				    "%s: %.*s is not a block device, and an NFS path must be "
				    "absolute (%.*s:/%s); for a file with ':' in its name, write ./%s",
				    text, (int)len, text, (int)len, text, rest, text);
	if (len >= sizeof(ret->device))
		return kb_error_set(err, ENAMETOOLONG, "%.*s…: host name too long", 40, text);
	memcpy(ret->device, text, len);
	ret->device[len] = '\0';
	ret->kind = KB_PATH_NFS;
	return kb_path_normalize(NULL, rest, ret->path, sizeof(ret->path), err);
}

static int nfs_resolve(const struct kb_path *p, char *ret, size_t size, kb_error *err)
{
	char dir[PATH_MAX], rest[KB_PATH_MAX], display[KB_PATH_MAX + KB_PATH_DEVICE_MAX];
	int r = kb_nfs_mount(p->device, p->path, dir, sizeof(dir), rest, sizeof(rest), err);
	if (r < 0)
		return r;
	snprintf(display, sizeof(display), "%s:%s", p->device, p->path);
	return kb_path_resolve_in_root(dir, rest, display, ret, size, err);
}

static int nfs_open(const struct kb_path *p, int flags, kb_error *err)
{
	char dir[PATH_MAX], rest[KB_PATH_MAX], display[KB_PATH_MAX + KB_PATH_DEVICE_MAX];
	int r = kb_nfs_mount(p->device, p->path, dir, sizeof(dir), rest, sizeof(rest), err);
	if (r < 0)
		return r;
	snprintf(display, sizeof(display), "%s:%s", p->device, p->path);
	return kb_path_open_in_root(dir, rest, flags, display, err);
}

const struct kb_path_scheme kb_path_scheme_nfs = {
	.name = "nfs",
	.match = nfs_match,
	.parse = nfs_parse,
	.resolve = nfs_resolve,
	.open = nfs_open,
};
