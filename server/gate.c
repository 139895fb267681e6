/* The gate: civetweb's begin_request, so every request passes here before
 * anything else, and nothing passes it undecided. It takes the path once
 * (request-path.c), checks the Host, redirects plain HTTP under TLS, caps the
 * body, then either runs the one handler the route table names for this
 * exact method and path, after the login where the row asks for one, or
 * serves a file from the UI's list. Everything else is 404, or 405 where the
 * path exists; under /api those come only after authentication, so a caller
 * without credentials learns nothing about the routes. The gate never
 * returns 0: civetweb's own request handling (files, PUT, DELETE, WebDAV,
 * CORS) is never reached. */
#include "server.h"
#include "kboot-core/device.h"
#include "kboot-core/log.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void (*kbd_gate_dispatch_hook)(const struct mg_connection *conn, const struct kbd_route *route);

static struct {
	bool tls;
	bool no_host_changes; /* routes with changes_host are 404 (the fuzzer) */
} gate;

void kbd_gate_init(bool tls, enum kbd_http_routes routes)
{
	gate.tls = tls;
	gate.no_host_changes = routes == KBD_HTTP_NO_NETWORK;
}

static bool is_api(const char *path)
{
	return strncmp(path, "/api", 4) == 0 && (path[4] == '\0' || path[4] == '/');
}

static bool ip_literal(const char *host)
{
	unsigned char addr[16];
	if (inet_pton(AF_INET, host, addr) == 1)
		return true;
	size_t len = strlen(host);
	if (len < 3 || host[0] != '[' || host[len - 1] != ']' || len - 2 >= 64)
		return false;
	char inner[64];
	memcpy(inner, host + 1, len - 2);
	inner[len - 2] = '\0';
	return inet_pton(AF_INET6, inner, addr) == 1;
}

/* The names this machine answers to: any address literal (a page cannot
 * rebind those), localhost, and its host name, bare or under .local. Without
 * a login to stand in the way, this is what keeps a DNS-rebound name (a page
 * on evil.example made to resolve to this machine) out of the API. */
bool kbd_host_is_ours(const char *host_header)
{
	char host[256];
	if (kbd_host_name(host_header, host, sizeof(host)) < 0)
		return false;
	if (ip_literal(host) || strcasecmp(host, "localhost") == 0)
		return true;
	char name[256];
	if (gethostname(name, sizeof(name)) < 0)
		return false;
	name[sizeof(name) - 1] = '\0';
	size_t n = strlen(name);
	return name[0] && strncasecmp(host, name, n) == 0 &&
	       (host[n] == '\0' || strcasecmp(host + n, ".local") == 0);
}

static bool changes_state(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* A browser names the page that sent a request: a change from another
 * site's page is refused whatever credentials ride along (a cookie, Basic,
 * or none at all with auth=none), whatever its content type. */
static int cross_site_change(struct mg_connection *conn)
{
	const char *site = mg_get_header(conn, "Sec-Fetch-Site");
	if ((mg_get_header(conn, "Origin") && !kbd_origin_matches(conn)) ||
	    (site && strcasecmp(site, "same-origin") != 0 && strcasecmp(site, "none") != 0))
		return kbd_send_error(conn, 403, "origin_mismatch", "a change from another site's page is refused");
	return 0;
}

/* Bodies: a declared length within the cap, never chunked, so civetweb
 * never reads more than KBD_BODY_MAX of a request, even to discard it. */
static int body_refused(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	if (mg_get_header(conn, "Transfer-Encoding"))
		return kbd_send_error_and_close(conn, 411, "length_required",
						"send the body with a Content-Length, not chunked");
	if (ri->content_length > KBD_BODY_MAX)
		return kbd_send_error_and_close(conn, 413, "body_too_large",
						"the request body is larger than %d bytes", KBD_BODY_MAX);
	return 0;
}

static int dispatch_api(struct mg_connection *conn, const char *method, const char *path)
{
	bool known;
	char name[KB_DEVNAME_MAX] = "";
	const struct kbd_route *route = kbd_route_find(method, path, &known, name, sizeof(name));
	if (route && route->changes_host && gate.no_host_changes)
		route = NULL, known = false;
	if (!route || route->access == KBD_LOGIN) {
		int status = kbd_auth_check(conn);
		if (status)
			return status;
	}
	if (!known)
		return kbd_send_error(conn, 404, "no_such_route", "%s: no such API route (see /api/v1/openapi.json)",
				      path);
	if (!route) {
		char allow[128];
		if (kbd_route_methods(path, allow, sizeof(allow)) < 0)
			return kbd_send_error(conn, 500, "internal", "the route table is inconsistent");
		return kbd_send_method_not_allowed(conn, allow);
	}
	int status = changes_state(method) ? cross_site_change(conn) : 0;
	if (status)
		return status;
	if (kbd_gate_dispatch_hook)
		kbd_gate_dispatch_hook(conn, route);
	status = route->handler(conn, route->names_device ? name : NULL);
	return status > 0 ? status : kbd_send_error(conn, 500, "internal", "the handler sent no answer");
}

int kbd_gate(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	char path[KBD_REQUEST_PATH_MAX + 1];
	struct kbd_refusal no;
	if (kbd_request_path(ri->local_uri_raw, path, sizeof(path), &no))
		return kbd_send_refusal(conn, &no);
	if (kbd_auth_none() && !kbd_host_is_ours(mg_get_header(conn, "Host")))
		return kbd_send_error(conn, 421, "unknown_host",
				      "this kboot answers to its address, localhost and its host name only");
	if (gate.tls && !ri->is_ssl)
		return kbd_tls_redirect(conn, path);
	int status = body_refused(conn);
	if (status)
		return status;
	if (is_api(path))
		return dispatch_api(conn, ri->request_method, path);
	return kbd_ui_files_serve(conn, path);
}
