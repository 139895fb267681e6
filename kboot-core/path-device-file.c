/* "sda1:/p", "sda1:p", "/dev/sda6:/foo", "/dev/sda6:foo": a file on a device,
 * which is mounted read-only on demand. "sda1:p" is taken from the device's
 * root, not from the current directory. */
#include "path-internal.h"

#include <string.h>

static bool device_file_match(const char *text)
{
	const char *colon = strchr(text, ':');
	if (!colon)
		return false;
	size_t len = (size_t)(colon - text);
	if (len > 5 && strncmp(text, "/dev/", 5) == 0)
		return true;
	return kb_path_is_device_word(text, len);
}

static int device_file_parse(const char *text, struct kb_path *ret, kb_error *err)
{
	const char *colon = strchr(text, ':');
	ret->kind = KB_PATH_DEVICE_FILE;
	int r = kb_path_device_name(text, (size_t)(colon - text), ret->device,
				    sizeof(ret->device), err);
	if (r < 0)
		return r;
	return kb_path_normalize("/", colon + 1, ret->path, sizeof(ret->path), err);
}

const struct kb_path_scheme kb_path_scheme_device_file = {
	.name = "device-file",
	.match = device_file_match,
	.parse = device_file_parse,
	.resolve = kb_path_resolve_on_device,
	.open = kb_path_open_on_device,
};
