/* "http://host/p", "https://", "ftp://", "tftp://": a file on a server. The
 * URL is kept whole in p->path with its path normalized; the host goes in
 * p->device. Resolving fetches it into the RAM cache (fetch.h). */
#include "path-internal.h"
#include "fetch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static const char *const known[] = { "http", "https", "ftp", "tftp" };

/* Length of "scheme" in "scheme://", or 0. */
static size_t scheme_length(const char *text)
{
	size_t n = 0;
	if (!isalpha((unsigned char)text[0]))
		return 0;
	while (isalnum((unsigned char)text[n]) || (text[n] && strchr("+.-", text[n])))
		n++;
	return n > 0 && text[n] && strncmp(text + n, "://", 3) == 0 ? n : 0;
}

static bool url_match(const char *text)
{
	return scheme_length(text) > 0;
}

static int url_parse(const char *text, struct kb_path *ret, kb_error *err)
{
	size_t n = scheme_length(text);
	char scheme[16];
	if (n >= sizeof(scheme))
		return kb_error_set(err, EPROTONOSUPPORT, "%s: unknown URL scheme", text);
	for (size_t i = 0; i < n; i++)
		scheme[i] = (char)tolower((unsigned char)text[i]);
	scheme[n] = '\0';
	bool ok = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok = ok || strcmp(scheme, known[i]) == 0;
	if (!ok)
		return kb_error_set(err, EPROTONOSUPPORT,
				    "%s: unknown URL scheme %s (kboot knows http, https, ftp, tftp)",
				    text, scheme);

	const char *authority = text + n + 3;
	size_t alen = strcspn(authority, "/?#");
	if (alen == 0)
		return kb_error_set(err, EINVAL, "%s: no host in the URL", text);
	if (alen >= sizeof(ret->device))
		return kb_error_set(err, ENAMETOOLONG, "%.*s…: host name too long", 40, text);
	memcpy(ret->device, authority, alen);
	ret->device[alen] = '\0';

	const char *path = authority + alen;
	size_t plen = strcspn(path, "?#");
	char raw[KB_PATH_MAX], normalized[KB_PATH_MAX];
	snprintf(raw, sizeof(raw), "%.*s", (int)plen, path);
	int r = kb_path_normalize(NULL, raw, normalized, sizeof(normalized), err);
	if (r < 0)
		return r;
	/* Keep a trailing slash: to a web server "dir/" and "dir" differ. */
	bool slash = plen > 1 && path[plen - 1] == '/' && strcmp(normalized, "/") != 0;
	ret->kind = KB_PATH_URL;
	if ((size_t)snprintf(ret->path, sizeof(ret->path), "%s://%s%s%s%s", scheme, ret->device,
			     normalized, slash ? "/" : "", path + plen) >= sizeof(ret->path))
		return kb_error_set(err, ENAMETOOLONG, "path too long (limit %d characters)",
				    KB_PATH_MAX - 1);
	return 0;
}

static int url_resolve(const struct kb_path *p, char *ret, size_t size, kb_error *err)
{
	/* Certificates are checked unless the caller set the path insecure. */
	struct kb_fetch_request req = { .url = p->path, .insecure = p->insecure };
	return kb_fetch(&req, ret, size, err);
}

static int url_open(const struct kb_path *p, int flags, kb_error *err)
{
	if (flags & O_DIRECTORY)
		return kb_error_set(err, ENOTDIR, "%s: a URL names a file; kboot cannot list it",
				    p->path);
	char local[KB_PATH_MAX];
	int r = url_resolve(p, local, sizeof(local), err);
	if (r < 0)
		return r;
	int fd = open(local, flags | O_CLOEXEC);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", p->path, strerror(errno));
	return fd;
}

const struct kb_path_scheme kb_path_scheme_url = {
	.name = "url",
	.match = url_match,
	.parse = url_parse,
	.resolve = url_resolve,
	.open = url_open,
};
