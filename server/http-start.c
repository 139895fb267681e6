/* kbootd's civetweb: the hardened options and every route, in one place, so
 * the in-process HTTP fuzzer exercises exactly what kbootd serves. */
#include "server.h"
#include "kboot-core/log.h"

#include <stdio.h>

/* CSP: the UI loads only its own files; nothing may frame it. */
static const char SECURITY_HEADERS[] =
	"Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"X-Frame-Options: DENY\r\n"
	"Referrer-Policy: no-referrer";

static int log_message(const struct mg_connection *conn, const char *message)
{
	kb_warn("civetweb: %s", message);
	return 1;
}

struct mg_context *kbd_http_start(const struct kbd_listen *listen, const char *webroot,
				   enum kbd_http_routes routes)
{
	kb_error err = { 0 };
	if (kbd_ui_files_load(webroot, &err) < 0)
		kb_warn("kbootd: %s", err.text);
	kbd_openapi_init(webroot);
	kbd_entries_init();
	kbd_gate_init(listen->tls, routes);
	char threads[16];
	snprintf(threads, sizeof(threads), "%d", KBD_SSE_CLIENTS_MAX + KBD_THREADS_HEADROOM);
	char header_max[16];
	snprintf(header_max, sizeof(header_max), "%d", KBD_HEADER_MAX);
	/* No document_root: civetweb has no files of its own to serve, list or
	 * write; the gate answers every request (ui-files.c serves the UI). */
	const char *options[] = {
		"listening_ports", listen->ports,
		"num_threads", threads,
		"max_request_size", header_max,
		"additional_header", SECURITY_HEADERS,
		"access_control_allow_origin", "",
		/* The gate decodes the path once itself (request-path.c). */
		"decode_url", "no",
		"request_timeout_ms", "30000",
		"enable_keep_alive", "yes",
		/* civetweb writes a response in several pieces: without this,
		 * Nagle and delayed ACKs hold each keep-alive reply ~40 ms. */
		"tcp_nodelay", "1",
		listen->tls ? "ssl_certificate" : NULL, listen->cert,
		NULL,
	};
	struct mg_callbacks callbacks = { .log_message = log_message, .begin_request = kbd_gate };
	struct mg_context *ctx = mg_start(&callbacks, NULL, options);
	if (!ctx)
		return NULL;
	kbd_tls_listening(ctx);
	return ctx;
}
