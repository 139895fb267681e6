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
#include <stdio.h>

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
	KBD_REQUEST_PATH_MAX = 256,    /* bytes of a decoded request path; past it: 414 */
	KBD_UI_FILES_MAX = 64,         /* files of the webroot served; the rest are not */
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
/* An error, then the connection closed: civetweb reads nothing more of it. */
int kbd_send_error_and_close(struct mg_connection *conn, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The host of a Host header, checked to be a name or an address literal. */
int kbd_host_name(const char *host_header, char *ret, size_t size);
/* Does Origin name this server as the client reached it (scheme and Host)? */
bool kbd_origin_matches(const struct mg_connection *conn);
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
/* A plain-HTTP request under TLS: 308 to HTTPS for the gate's checked path. */
int kbd_tls_redirect(struct mg_connection *conn, const char *path);

/* --- auth.c ---------------------------------------------------------------- */
int kbd_auth_init(const struct kb_config *cfg, kb_error *err);
bool kbd_auth_none(void);
/* Writes <run_dir>/local-token (0600); the console sends it as a Bearer token. */
int kbd_auth_write_local_token(const char *run_dir, kb_error *err);
/* Before a route that needs a login: 0, or the refusal's status, sent. */
int kbd_auth_check(struct mg_connection *conn);
/* The failed-login backoff's client: the IPv4 address, or the IPv6 /64. */
int kbd_login_client_key(const char *addr, char *ret, size_t size);

/* --- routes.c: the route table ------------------------------------------------ */
enum kbd_access { KBD_LOGIN, KBD_PUBLIC };
struct kbd_route {
	const char *method;
	const char *path; /* exact, case-sensitive */
	enum kbd_access access;
	mg_request_handler handler;
	bool changes_host; /* reconfigures this machine: left out of the fuzzer's server */
	/* The path has a "{name}" segment: a device name (KB_DEVNAME_MAX, the
	 * kernel's charset), handed to the handler as its data argument. */
	bool names_device;
};
/* The row for method and path, or NULL; *ret_path_known: a row has this path.
 * A row's {name} segment is copied to ret_name ("" otherwise). */
const struct kbd_route *kbd_route_find(const char *method, const char *path, bool *ret_path_known,
				       char *ret_name, size_t size);
/* "GET, PUT": the methods of path, for Allow. */
int kbd_route_methods(const char *path, char *ret, size_t size);
/* One line per route, "METHOD PATH login|public" (kbootd --routes). */
void kbd_routes_print(FILE *f);

/* --- request-path.c, ui-files.c, gate.c ----------------------------------------- */
/* The raw request path decoded once into ret; 0, or the refusal's status. */
int kbd_request_path(const char *raw, char *ret, size_t size, struct kbd_refusal *no);
/* Read the webroot's file list once; E2BIG past KBD_UI_FILES_MAX (the rest still served). */
int kbd_ui_files_load(const char *webroot, kb_error *err);
void kbd_ui_files_free(void);
/* A GET or HEAD of "/" or "/<file>" from the list; 404 or 405 otherwise. */
int kbd_ui_files_serve(struct mg_connection *conn, const char *path);
/* Does a Host header name this machine (an address, localhost, its host name)? */
bool kbd_host_is_ours(const char *host_header);
/* civetweb's begin_request: every request, answered; returns the status. */
int kbd_gate(struct mg_connection *conn);
/* tests only (NULL otherwise): told of each handler the gate runs. */
extern void (*kbd_gate_dispatch_hook)(const struct mg_connection *conn, const struct kbd_route *route);

/* --- api-*.c: one handler per route ------------------------------------------------ */
int kbd_api_session_post(struct mg_connection *conn, void *data);   /* auth.c */
int kbd_api_session_delete(struct mg_connection *conn, void *data); /* auth.c */
int kbd_api_status_get(struct mg_connection *conn, void *data);
int kbd_api_devices_get(struct mg_connection *conn, void *data);
int kbd_api_entries_get(struct mg_connection *conn, void *data);
int kbd_api_files_get(struct mg_connection *conn, void *data);
int kbd_api_boot_post(struct mg_connection *conn, void *data);
int kbd_api_boot_cancel_post(struct mg_connection *conn, void *data);
int kbd_api_autoboot_cancel_post(struct mg_connection *conn, void *data);
int kbd_api_log_get(struct mg_connection *conn, void *data);
int kbd_api_events_get(struct mg_connection *conn, void *data);
int kbd_api_network_get(struct mg_connection *conn, void *data);
int kbd_api_network_put(struct mg_connection *conn, void *data);
int kbd_api_openapi_get(struct mg_connection *conn, void *data);
int kbd_api_device_unlock_post(struct mg_connection *conn, void *data); /* data: the name */
/* api-entries.c: follow the core's entries events (its answer is cached). */
void kbd_entries_init(void);
/* api-openapi.c: where openapi.json is (<webroot>/openapi.json). */
void kbd_openapi_init(const char *webroot);
/* Subscribe to the core's events before anything can emit; stop wakes every stream. */
int kbd_events_start(kb_error *err);
void kbd_events_stop(void);


/* --- http-start.c: civetweb with kbootd's options and routes ---------------- */
enum kbd_http_routes {
	KBD_HTTP_ALL_ROUTES,
	/* Without PUT /api/v1/network: for the fuzzer, which must never
	 * reconfigure the network of the machine it runs on. */
	KBD_HTTP_NO_NETWORK,
};
struct mg_context *kbd_http_start(const struct kbd_listen *listen, const char *webroot,
				  enum kbd_http_routes routes);
/* The gate's own settings, from kbd_http_start. */
void kbd_gate_init(bool tls, enum kbd_http_routes routes);
