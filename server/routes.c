/* The route table: every method and path the API answers, and whether it
 * needs a login. The gate dispatches from it and nothing else; the OpenAPI
 * document is checked against it (`kbootd --routes`). Paths are exact and
 * case-sensitive. */
#include "server.h"
#include "kboot-core/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct kbd_route routes[] = {
	{ "POST", "/api/v1/session", KBD_PUBLIC, kbd_api_session_post, false },
	{ "DELETE", "/api/v1/session", KBD_PUBLIC, kbd_api_session_delete, false },
	{ "GET", "/api/v1/status", KBD_LOGIN, kbd_api_status_get, false },
	{ "GET", "/api/v1/devices", KBD_LOGIN, kbd_api_devices_get, false },
	{ "GET", "/api/v1/entries", KBD_LOGIN, kbd_api_entries_get, false },
	{ "GET", "/api/v1/files", KBD_LOGIN, kbd_api_files_get, false },
	{ "POST", "/api/v1/boot", KBD_LOGIN, kbd_api_boot_post, false },
	{ "POST", "/api/v1/boot/cancel", KBD_LOGIN, kbd_api_boot_cancel_post, false },
	{ "POST", "/api/v1/autoboot/cancel", KBD_LOGIN, kbd_api_autoboot_cancel_post, false },
	{ "GET", "/api/v1/log", KBD_LOGIN, kbd_api_log_get, false },
	{ "GET", "/api/v1/events", KBD_LOGIN, kbd_api_events_get, false },
	{ "GET", "/api/v1/network", KBD_LOGIN, kbd_api_network_get, false },
	{ "PUT", "/api/v1/network", KBD_LOGIN, kbd_api_network_put, true },
	{ "GET", "/api/v1/openapi.json", KBD_LOGIN, kbd_api_openapi_get, false },
};

const struct kbd_route *kbd_route_find(const char *method, const char *path, bool *ret_path_known)
{
	*ret_path_known = false;
	for (size_t i = 0; i < KB_ELEMENTSOF(routes); i++) {
		if (strcmp(routes[i].path, path) != 0)
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
	ret[0] = '\0';
	for (size_t i = 0; i < KB_ELEMENTSOF(routes); i++) {
		if (strcmp(routes[i].path, path) != 0)
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
