/* "UUID=…", "LABEL=…", "PARTUUID=…", alone (the device) or followed by ":p"
 * (a file on it). The value ends at the first ':', so a label with a colon
 * in it cannot be named this way; use the device name instead. */
#include "path-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const tags[] = { "UUID=", "LABEL=", "PARTUUID=" };

static size_t tag_length(const char *text)
{
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strncmp(text, tags[i], strlen(tags[i])) == 0)
			return strlen(tags[i]);
	return 0;
}

static bool tag_match(const char *text)
{
	return tag_length(text) > 0;
}

static int tag_parse(const char *text, struct kb_path *ret, kb_error *err)
{
	size_t tag = tag_length(text);
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	if (len == tag)
		return kb_error_set(err, EINVAL, "%s: no value after '='", text);
	if (len >= sizeof(ret->device))
		return kb_error_set(err, ENAMETOOLONG, "%.*s…: tag too long", 40, text);
	memcpy(ret->device, text, len);
	ret->device[len] = '\0';
	if (!colon) {
		ret->kind = KB_PATH_DEVICE;
		snprintf(ret->path, sizeof(ret->path), "/");
		return 0;
	}
	ret->kind = KB_PATH_DEVICE_FILE;
	return kb_path_normalize("/", colon + 1, ret->path, sizeof(ret->path), err);
}

static int tag_resolve(const struct kb_path *p, char *ret, size_t size, kb_error *err)
{
	if (p->kind == KB_PATH_DEVICE)
		return kb_path_resolve_device(p, ret, size, err);
	return kb_path_resolve_on_device(p, ret, size, err);
}

static int tag_open(const struct kb_path *p, int flags, kb_error *err)
{
	if (p->kind == KB_PATH_DEVICE)
		return kb_path_open_device(p, flags, err);
	return kb_path_open_on_device(p, flags, err);
}

const struct kb_path_scheme kb_path_scheme_tag = {
	.name = "tag",
	.match = tag_match,
	.parse = tag_parse,
	.resolve = tag_resolve,
	.open = tag_open,
};
