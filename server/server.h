/* kbootd's shared pieces: HTTP/JSON helpers, authentication, the event
 * fan-out, and one route-registration function per resource. The server only
 * translates HTTP to kboot-core calls; it decides nothing about booting. */
#pragma once
#include "kboot-core/config.h"
#include "kboot-core/error.h"

#include <cJSON.h>
#include <civetweb.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	KBD_BODY_MAX = 64 * 1024,      /* request body bytes; past it: 413 */
	KBD_HEADER_MAX = 16 * 1024,    /* request line + headers (civetweb max_request_size) */
	KBD_SSE_CLIENTS_MAX = 16,      /* live /api/v1/events streams; past it: 503 */
	KBD_SSE_QUEUE_MAX = 128,       /* events buffered per slow client; oldest dropped */
	KBD_THREADS_HEADROOM = 16,     /* workers left for ordinary requests */
	KBD_DIR_ENTRIES_MAX = 1000,    /* entries in one directory listing; then "truncated" */
	KBD_SESSIONS_MAX = 32,         /* live session tokens; the oldest is dropped */
	KBD_LOGIN_FREE_ATTEMPTS = 3,   /* failed logins per client before backoff */
	KBD_LOGIN_DELAY_MAX_S = 60,    /* backoff doubles up to this */
	KBD_LOGIN_CLIENTS_MAX = 64,    /* clients whose failures are remembered */
	KBD_PASSWORD_MAX = 256,        /* bytes of a password in a login */
	KBD_LISTEN_PORTS_MAX = 8,      /* listening ports looked at for kbootd.url */
};

/* The options kbootd runs with. */
struct kbd_options {
	const char *listen;
	const char *listen_tls;
	const char *webroot;
	const char *conf_path;
};

/* --- http.c ---------------------------------------------------------------- */
/* Each send_* returns the status sent, for a handler to return. */
int kbd_send_json(struct mg_connection *conn, int status, cJSON *body); /* frees body */
int kbd_send_json_text(struct mg_connection *conn, int status, const char *json);
int kbd_send_json_headers(struct mg_connection *conn, int status, cJSON *body,
			  const char *extra_header, const char *extra_value);
int kbd_send_error(struct mg_connection *conn, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A core failure: r is -errno, err its sentence. */
int kbd_send_core_error(struct mg_connection *conn, int r, const kb_error *err);
int kbd_status_for_errno(int errnum, const char **ret_code);
int kbd_send_method_not_allowed(struct mg_connection *conn, const char *allow);
/* Every /api route no handler claims: a JSON 404. Register last. */
void kbd_fallback_register(struct mg_context *ctx);
/* Is this request for /api or below (not merely "/api…" like "/api.js")? */
bool kbd_uri_is_api(const struct mg_connection *conn);
/* Read and parse a JSON object body: 0 and *ret, or the error status sent. */
int kbd_read_json(struct mg_connection *conn, cJSON **ret);
/* Drain a body the handler does not use (bounded); the error status sent or 0. */
int kbd_discard_body(struct mg_connection *conn);
bool kbd_method_is(const struct mg_connection *conn, const char *method);
/* A query parameter, URL-decoded; -ENOENT when absent, -E2BIG when too long. */
int kbd_query_param(const struct mg_connection *conn, const char *name, char *ret, size_t size);
/* cJSON string or null. */
cJSON *kbd_json_string_or_null(const char *s);

/* A request refused before any work: what to send. The checks of request
 * bodies fill one instead of sending, so they run without a connection
 * (tests/fuzz/fuzz-json-bodies.c). */
struct kbd_refusal {
	int status;
	const char *code;
	char message[KB_ERROR_TEXT_MAX];
};
/* Fill *ret; returns status. */
int kbd_refuse(struct kbd_refusal *ret, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int kbd_send_refusal(struct mg_connection *conn, const struct kbd_refusal *no);
/* A body's text as a JSON object: 0 and *ret, or the refusal's status. */
int kbd_json_object_parse(const char *text, size_t len, cJSON **ret, struct kbd_refusal *no);
/* The first member of a JSON object that is not in known[], or NULL: every
 * endpoint refuses fields it does not know rather than ignore a typo. */
const char *kbd_json_unknown_field(const cJSON *body, const char *const *known, size_t n);
/* api-boot.c: {"method", "next_entry", "grubenv", "note"}: what a legacy handoff does. */
struct kb_legacy_plan;
cJSON *kbd_legacy_json(const struct kb_legacy_plan *legacy);
/* api-boot.c: POST /api/v1/boot's body as the core's request (strings stay
 * owned by body; initrds has KB_ENTRY_INITRDS_MAX slots). 0 or the status. */
struct kb_boot_request;
int kbd_boot_request_parse(const cJSON *body, struct kb_boot_request *req, const char **initrds,
			   struct kbd_refusal *no);
/* auth.c: the password of a POST /api/v1/session body. 0 or the status. */
int kbd_login_password(const cJSON *body, const char **ret_password, struct kbd_refusal *no);

/* --- tls.c, tls-generate.c ----------------------------------------------- */
enum { KBD_TLS_FINGERPRINT_MAX = 32 * 3 }; /* "AB:CD:…" for SHA-256, with its NUL */
struct kbd_listen {
	char ports[512]; /* civetweb listening_ports */
	char cert[4096]; /* ssl_certificate, or "" for plain HTTP */
	char fingerprint[KBD_TLS_FINGERPRINT_MAX]; /* the certificate's SHA-256, or "" */
	bool tls;
	bool generated; /* tls=auto made the certificate at this start */
};
struct kbd_tls_options {
	const char *listen, *listen_tls; /* listen_tls NULL: listen's address, port 443 */
	const char *mode;                /* kboot.conf tls=: "auto", "off", or NULL */
	const char *etc_dir;             /* <etc_dir>/kboot/tls.pem: a configured certificate */
	const char *run_dir;             /* where tls=auto writes its key and certificate */
};
/* HTTPS on listen_tls when <etc_dir>/kboot/tls.pem exists, or with mode
 * "auto" on a certificate made now, with listen's ports redirecting to it;
 * mode "off": plain HTTP. *ret is always usable: plain HTTP on listen after
 * an error. */
int kbd_tls_setup(const struct kbd_tls_options *opts, struct kbd_listen *ret, kb_error *err);
/* GET /api/v1/status's "tls": {"fingerprint_sha256", "generated"}, or null for plain HTTP. */
cJSON *kbd_tls_json(void);
/* tls-generate.c: a fresh EC P-256 key and self-signed certificate for this
 * host's name and addresses in <run_dir>/tls.pem (mode 0600); its path. */
int kbd_tls_generate(const char *run_dir, char *ret_path, size_t size, kb_error *err);
/* The SHA-256 of the first certificate in a PEM file, as "AB:CD:…". */
int kbd_tls_fingerprint(const char *pem_path, char *ret, size_t size, kb_error *err);
/* Once civetweb listens: learn the TLS port for redirects. */
void kbd_tls_listening(struct mg_context *ctx);
/* quiet.c: drop civetweb's per-connection TLS error lines from stderr (the console). */
int kbd_quiet_tls_errors(kb_error *err);
/* civetweb begin_request with TLS: 308 from plain HTTP to HTTPS; the status sent, or 0. */
int kbd_tls_redirect(struct mg_connection *conn);

/* --- auth.c ---------------------------------------------------------------- */
int kbd_auth_init(const struct kb_config *cfg, kb_error *err);
bool kbd_auth_none(void);
/* Writes <run_dir>/local-token (0600); the console sends it as a Bearer token. */
int kbd_auth_write_local_token(const char *run_dir, kb_error *err);
void kbd_auth_register(struct mg_context *ctx);

/* --- api-*.c: one resource each ----------------------------------------------- */
void kbd_status_register(struct mg_context *ctx);
void kbd_devices_register(struct mg_context *ctx);
void kbd_entries_register(struct mg_context *ctx);
void kbd_files_register(struct mg_context *ctx);
void kbd_boot_register(struct mg_context *ctx);
void kbd_autoboot_register(struct mg_context *ctx);
void kbd_log_register(struct mg_context *ctx);
void kbd_openapi_register(struct mg_context *ctx, const char *webroot);
void kbd_events_register(struct mg_context *ctx);
/* Subscribe to the core's events before anything can emit; stop wakes every stream. */
int kbd_events_start(kb_error *err);
void kbd_events_stop(void);

/* --- watch.c: devices come and go -------------------------------------------- */
int kbd_watch_init(const struct kb_config *cfg, kb_error *err);
/* One scan: device events and re-discovery on change. Called every second. */
void kbd_watch_tick(void);
void kbd_watch_free(void);

/* Shared JSON shapes (api-status.c). */
cJSON *kbd_error_json(int errnum, const char *message);

/* --- http-start.c: civetweb with kbootd's options and routes ---------------- */
enum kbd_http_routes {
	KBD_HTTP_ALL_ROUTES,
	/* Without PUT /api/v1/network: for the fuzzer, which must never
	 * reconfigure the network of the machine it runs on. */
	KBD_HTTP_NO_NETWORK,
};
struct mg_context *kbd_http_start(const struct kbd_listen *listen, const char *webroot,
				  enum kbd_http_routes routes);
void kbd_network_register(struct mg_context *ctx);     /* api-network.c */
void kbd_boot_cancel_register(struct mg_context *ctx); /* api-boot-cancel.c */
