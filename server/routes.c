/* The route table: every method and path the API answers, and whether it
 * needs a login. The gate dispatches from it and nothing else; the OpenAPI
 * document is checked against it (`kbootd --routes`). Paths are exact and
 * case-sensitive; a row may name a device in one segment, "{name}". */
#include "server.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/device.h"

#include <ctype.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct kbd_route routes[] = {
	{ "POST", "/api/v1/session", KBD_PUBLIC, kbd_api_session_post, false, false },
	{ "DELETE", "/api/v1/session", KBD_PUBLIC, kbd_api_session_delete, false, false },
	{ "GET", "/api/v1/status", KBD_LOGIN, kbd_api_status_get, false, false },
	{ "GET", "/api/v1/devices", KBD_LOGIN, kbd_api_devices_get, false, false },
	{ "GET", "/api/v1/entries", KBD_LOGIN, kbd_api_entries_get, false, false },
	{ "GET", "/api/v1/files", KBD_LOGIN, kbd_api_files_get, false, false },
	{ "POST", "/api/v1/boot", KBD_LOGIN, kbd_api_boot_post, false, false },
	{ "POST", "/api/v1/boot/cancel", KBD_LOGIN, kbd_api_boot_cancel_post, false, false },
	{ "POST", "/api/v1/autoboot/cancel", KBD_LOGIN, kbd_api_autoboot_cancel_post, false, false },
	{ "GET", "/api/v1/log", KBD_LOGIN, kbd_api_log_get, false, false },
	{ "GET", "/api/v1/events", KBD_LOGIN, kbd_api_events_get, false, false },
	{ "GET", "/api/v1/network", KBD_LOGIN, kbd_api_network_get, false, false },
	{ "PUT", "/api/v1/network", KBD_LOGIN, kbd_api_network_put, true, false },
	{ "GET", "/api/v1/openapi.json", KBD_LOGIN, kbd_api_openapi_get, false, false },
	{ "POST", "/api/v1/devices/{name}/unlock", KBD_LOGIN, kbd_api_device_unlock_post, false,
	  true },
};

/* A device name as the kernel gives them ("vda2", "nvme0n1p3", "md127",
 * "dm-0"): letters, digits, '-', '_' and '.', not "." or "..". */
static bool device_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= KB_DEVNAME_MAX || (s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.'))))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* Exact, or for a row that names a device: the text around "{name}" exact
 * and a device name in its place (copied to ret_name). */
static bool path_matches(const struct kbd_route *route, const char *path, char *ret_name,
			 size_t size)
{
	if (!route->names_device)
		return strcmp(route->path, path) == 0;
	const char *hole = strstr(route->path, "{name}");
	size_t head = (size_t)(hole - route->path), tail = strlen(hole + 6), len = strlen(path);
	if (len <= head + tail || strncmp(path, route->path, head) != 0 ||
	    strcmp(path + len - tail, hole + 6) != 0)
		return false;
	const char *name = path + head;
	size_t n = len - head - tail;
	if (!device_name_ok(name, n) || n >= size)
		return false;
	memcpy(ret_name, name, n);
	ret_name[n] = '\0';
	return true;
}

const struct kbd_route *kbd_route_find(const char *method, const char *path, bool *ret_path_known,
				       char *ret_name, size_t size)
{
	*ret_path_known = false;
	for (size_t i = 0; i < KB_ELEMENTSOF(routes); i++) {
		if (!path_matches(&routes[i], path, ret_name, size))
			continue;
		*ret_path_known = true;
		if (strcmp(routes[i].method, method) == 0)
			return &routes[i];
	}
	return NULL;
}

int kbd_route_methods(const char *path, char *ret, size_t size)
{
	size_t n = 0;
	char name[KB_DEVNAME_MAX];
	ret[0] = '\0';
	for (size_t i = 0; i < KB_ELEMENTSOF(routes); i++) {
		if (!path_matches(&routes[i], path, name, sizeof(name)))
			continue;
		int w = snprintf(ret + n, size - n, "%s%s", n ? ", " : "", routes[i].method);
		if (w < 0 || (size_t)w >= size - n)
			return -ENAMETOOLONG;
		n += (size_t)w;
	}
	return n ? 0 : -ENOENT;
}

void kbd_routes_print(FILE *f)
{
	for (size_t i = 0; i < KB_ELEMENTSOF(routes); i++)
		fprintf(f, "%s %s %s\n", routes[i].method, routes[i].path,
			routes[i].access == KBD_PUBLIC ? "public" : "login");
}
