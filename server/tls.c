/* TLS: with a key and certificate in <etc>/kboot/tls.pem (one PEM file, as
 * civetweb reads it), or one made at start with kboot.conf tls=auto
 * (tls-generate.c), kbootd serves HTTPS and every plain port redirects to
 * it. Without either, with tls=off, or with a civetweb built without TLS,
 * plain HTTP. The console reaches kbootd through kbootd.url, which names the
 * TLS port. */
#include "server.h"
#include "kboot-core/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char TLS_PEM[] = "kboot/tls.pem";
static const char TLS_PORT[] = "443";

/* "443" for "80", "10.0.0.5:443" for "10.0.0.5:80", "[::1]:443" for "[::1]:80". */
static int tls_listen_from(const char *listen, char *ret, size_t size)
{
	size_t first = strcspn(listen, ",");
	const char *colon = memrchr(listen, ':', first);
	const char *bracket = listen[0] == '[' ? memchr(listen, ']', first) : NULL;
	if (colon && bracket && colon < bracket)
		colon = NULL; /* inside an IPv6 address given without a port */
	int addr_len = colon ? (int)(colon - listen) + 1 : 0;
	int n = snprintf(ret, size, "%.*s%s", addr_len, listen, TLS_PORT);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The certificate to serve: configured, made now (tls=auto), or none (""). */
static int tls_certificate(const struct kbd_tls_options *opts, struct kbd_listen *ret, kb_error *err)
{
	if (opts->mode && strcmp(opts->mode, "auto") == 0) {
		int r = kbd_tls_generate(opts->run_dir, ret->cert, sizeof(ret->cert), err);
		if (r < 0)
			return r;
		ret->generated = true;
		return 0;
	}
	char cert[sizeof(ret->cert)];
	if (snprintf(cert, sizeof(cert), "%s/%s", opts->etc_dir, TLS_PEM) >= (int)sizeof(cert))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", opts->etc_dir);
	if (access(cert, R_OK) < 0)
		return errno == ENOENT ? 0 : kb_error_set(err, errno, "%s: %s; serving plain HTTP", cert,
							  strerror(errno));
	if (!mg_check_feature(MG_FEATURES_SSL))
		return kb_error_set(err, ENOTSUP, "%s exists, but this kbootd was built without TLS; "
				    "serving plain HTTP", cert);
	memcpy(ret->cert, cert, sizeof(cert));
	return 0;
}

/* What GET /api/v1/status reports. */
static struct {
	bool tls, generated;
	char fingerprint[KBD_TLS_FINGERPRINT_MAX];
} served;

int kbd_tls_setup(const struct kbd_tls_options *opts, struct kbd_listen *ret, kb_error *err)
{
	*ret = (struct kbd_listen){ .tls = false };
	if (snprintf(ret->ports, sizeof(ret->ports), "%s", opts->listen) >= (int)sizeof(ret->ports))
		return kb_error_set(err, ENAMETOOLONG, "listen=%s: too long", opts->listen);
	if (opts->mode && strcmp(opts->mode, "off") == 0)
		return 0;
	struct kbd_listen l = { .tls = false };
	int r = tls_certificate(opts, &l, err);
	if (r < 0 || !l.cert[0])
		return r;

	char tls[128];
	if (opts->listen_tls ? snprintf(tls, sizeof(tls), "%s", opts->listen_tls) >= (int)sizeof(tls)
			     : tls_listen_from(opts->listen, tls, sizeof(tls)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "the TLS listening address is too long");
	/* Plain ports stay plain: kbd_tls_redirect answers them, by the Host
	 * header (civetweb's own 'r' names the server's address instead). */
	if (snprintf(l.ports, sizeof(l.ports), "%s,%ss", opts->listen, tls) >= (int)sizeof(l.ports))
		return kb_error_set(err, ENAMETOOLONG, "listen=%s: too long", opts->listen);
	kb_error why = { 0 };
	if (kbd_tls_fingerprint(l.cert, l.fingerprint, sizeof(l.fingerprint), &why) < 0) {
		if (l.generated)
			return kb_error_set(err, EIO, "tls=auto: %s; serving plain HTTP", why.text);
		l.fingerprint[0] = '\0'; /* a configured file: civetweb has the last word on it */
	}
	l.tls = true;
	*ret = l;
	served.tls = true;
	served.generated = l.generated;
	memcpy(served.fingerprint, l.fingerprint, sizeof(served.fingerprint));
	return 0;
}

cJSON *kbd_tls_json(void)
{
	if (!served.tls)
		return cJSON_CreateNull();
	cJSON *tls = cJSON_CreateObject();
	cJSON_AddItemToObject(tls, "fingerprint_sha256", kbd_json_string_or_null(served.fingerprint));
	cJSON_AddBoolToObject(tls, "generated", served.generated);
	return tls;
}

static int tls_port = 443; /* set from civetweb once it listens */

void kbd_tls_listening(struct mg_context *ctx)
{
	struct mg_server_port ports[KBD_LISTEN_PORTS_MAX];
	int n = mg_get_server_ports(ctx, KBD_LISTEN_PORTS_MAX, ports);
	for (int i = 0; i < n; i++)
		if (ports[i].is_ssl) {
			tls_port = ports[i].port;
			return;
		}
}

/* A query string fit to repeat in a header: printable ASCII, no space. */
static bool query_ok(const char *q)
{
	for (; *q; q++)
		if (*q <= ' ' || *q > '~')
			return false;
	return true;
}

/* A plain-HTTP request gets 308 to the same host (as the client named it,
 * so the certificate's name still fits) on the TLS port. The Location is
 * built from the gate's checked path and a checked query, never from text
 * civetweb decoded: an encoded CR LF cannot reach the header. */
int kbd_tls_redirect(struct mg_connection *conn, const char *path)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	char host[256];
	if (kbd_host_name(mg_get_header(conn, "Host"), host, sizeof(host)) < 0)
		return kbd_send_error(conn, 400, "use_https", "this kboot serves HTTPS on port %d", tls_port);
	if (ri->query_string && !query_ok(ri->query_string))
		return kbd_send_error(conn, 400, "query_invalid", "the query string holds characters it may not");
	char port[16] = "";
	if (tls_port != 443)
		snprintf(port, sizeof(port), ":%d", tls_port);
	_cleanup_free_ char *location = NULL;
	if (asprintf(&location, "https://%s%s%s%s%s", host, port, path, ri->query_string ? "?" : "",
		     ri->query_string ? ri->query_string : "") < 0)
		return kbd_send_error(conn, 500, "internal", "out of memory");
	mg_send_http_redirect(conn, location, 308);
	return 308;
}
