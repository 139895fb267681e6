/* HTTP helpers every handler shares: JSON out, bounded JSON in; a core
 * errno's status and code come from the API's one table (kboot-core/wire.c). */
#include "server.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int kbd_status_for_errno(int errnum, const char **ret_code)
{
	return kb_wire_status_of(errnum, ret_code);
}

/* Keep-alive as civetweb will decide it after the handler (should_keep_alive):
 * the client's Connection header, else HTTP/1.1's default. */
static const char *connection_header(const struct mg_connection *conn)
{
	const char *c = mg_get_header(conn, "Connection");
	if (c)
		return strcasestr(c, "keep-alive") ? "keep-alive" : "close";
	const char *version = mg_get_request_info(conn)->http_version;
	return version && strcmp(version, "1.1") == 0 ? "keep-alive" : "close";
}

/* The whole response in one write: civetweb's header API writes each line on
 * its own, a packet each with TCP_NODELAY. */
static int send_body(struct mg_connection *conn, int status, const char *type, const char *body,
		     const char *extra_header, const char *extra_value, bool close)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &tm));
	bool head = kbd_method_is(conn, "HEAD");
	size_t len = strlen(body);
	_cleanup_free_ char *response = NULL;
	int n = asprintf(&response,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "X-Content-Type-Options: nosniff\r\n"
			 "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
			 "%s%s%s%s%s"
			 "Date: %s\r\n"
			 "Connection: %s\r\n"
			 "\r\n"
			 "%s",
			 status, mg_get_response_code_text(conn, status), type, len,
			 status == 401 ? "WWW-Authenticate: Bearer realm=\"kboot\"\r\n" : "",
			 extra_header ? extra_header : "", extra_header ? ": " : "",
			 extra_header ? extra_value : "", extra_header ? "\r\n" : "",
			 date, close ? "close" : connection_header(conn), head ? "" : body);
	if (n < 0)
		return status; /* out of memory: the client sees the connection close */
	mg_write(conn, response, (size_t)n);
	return status;
}

int kbd_send_json_headers(struct mg_connection *conn, int status, cJSON *body,
			  const char *extra_header, const char *extra_value)
{
	_cleanup_free_ char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	cJSON_Delete(body);
	if (!text)
		return send_body(conn, 500, "application/json",
				 "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}",
				 NULL, NULL, true);
	return send_body(conn, status, "application/json", text, extra_header, extra_value, false);
}

int kbd_send_json_text(struct mg_connection *conn, int status, const char *json)
{
	return send_body(conn, status, "application/json", json, NULL, NULL, false);
}

int kbd_send_json(struct mg_connection *conn, int status, cJSON *body)
{
	return kbd_send_json_headers(conn, status, body, NULL, NULL);
}

static cJSON *error_body(const char *code, const char *fmt, va_list ap)
{
	char message[KB_ERROR_TEXT_MAX];
	vsnprintf(message, sizeof(message), fmt, ap);
	cJSON *root = cJSON_CreateObject();
	cJSON *error = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(error, "code", code);
	cJSON_AddStringToObject(error, "message", message);
	return root;
}

int kbd_send_error(struct mg_connection *conn, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cJSON *root = error_body(code, fmt, ap);
	va_end(ap);
	return kbd_send_json(conn, status, root);
}

int kbd_send_error_and_close(struct mg_connection *conn, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cJSON *root = error_body(code, fmt, ap);
	va_end(ap);
	_cleanup_free_ char *text = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	send_body(conn, status, "application/json",
		  text ? text : "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}", NULL, NULL,
		  true);
	/* civetweb would otherwise read the rest of the declared body to
	 * keep the connection alive; closing it here (civetweb then skips
	 * that) is the only way its API offers a handler. */
	mg_close_connection(conn);
	return status;
}

int kbd_send_core_error(struct mg_connection *conn, int r, const kb_error *err)
{
	const char *code;
	int status = kbd_status_for_errno(r, &code);
	const char *text = err && err->text[0] ? err->text : strerror(r < 0 ? -r : r);
	return kbd_send_error(conn, status, code, "%s", text);
}

int kbd_send_method_not_allowed(struct mg_connection *conn, const char *allow)
{
	char message[128];
	snprintf(message, sizeof(message), "use %s", allow);
	cJSON *root = cJSON_CreateObject();
	cJSON *error = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(error, "code", "method_not_allowed");
	cJSON_AddStringToObject(error, "message", message);
	return kbd_send_json_headers(conn, 405, root, "Allow", allow);
}

bool kbd_method_is(const struct mg_connection *conn, const char *method)
{
	return strcmp(mg_get_request_info(conn)->request_method, method) == 0;
}

static bool content_type_is_json(const struct mg_connection *conn)
{
	const char *type = mg_get_header(conn, "Content-Type");
	if (!type)
		return false;
	size_t n = strlen("application/json");
	return strncasecmp(type, "application/json", n) == 0 && (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* Read at most KBD_BODY_MAX bytes; -E2BIG past it. */
static int read_body(struct mg_connection *conn, char **ret, size_t *ret_len)
{
	long long declared = mg_get_request_info(conn)->content_length;
	if (declared > KBD_BODY_MAX)
		return -E2BIG;
	_cleanup_free_ char *body = malloc(KBD_BODY_MAX + 1);
	if (!body)
		return -ENOMEM;
	size_t len = 0;
	for (;;) {
		char *at = body + len;
		size_t room = KBD_BODY_MAX + 1 - len;
		if (room == 0)
			return -E2BIG;
		int n = mg_read(conn, at, room);
		if (n < 0)
			return -EIO;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > KBD_BODY_MAX)
		return -E2BIG;
	body[len] = '\0';
	*ret_len = len;
	*ret = TAKE_PTR(body);
	return 0;
}

int kbd_read_json(struct mg_connection *conn, cJSON **ret)
{
	if (mg_get_request_info(conn)->content_length > KBD_BODY_MAX)
		return kbd_send_error(conn, 413, "body_too_large", "the request body is larger than %d bytes",
				      KBD_BODY_MAX);
	if (!content_type_is_json(conn))
		return kbd_send_error(conn, 415, "unsupported_media_type",
				      "send the body as Content-Type: application/json");
	_cleanup_free_ char *body = NULL;
	size_t len = 0;
	int r = read_body(conn, &body, &len);
	if (r == -E2BIG)
		return kbd_send_error(conn, 413, "body_too_large", "the request body is larger than %d bytes",
				      KBD_BODY_MAX);
	if (r < 0)
		return kbd_send_error(conn, 400, "body_unreadable", "could not read the request body");
	struct kbd_refusal no;
	r = kbd_json_object_parse(body, len, ret, &no);
	/* Bodies carry passwords and passphrases: no copy outlives the parse. */
	explicit_bzero(body, len);
	if (r)
		return kbd_send_refusal(conn, &no);
	return 0;
}

int kbd_json_object_parse(const char *text, size_t len, cJSON **ret, struct kbd_refusal *no)
{
	cJSON *json = cJSON_ParseWithLength(text, len);
	if (!json)
		return kbd_refuse(no, 400, "malformed_json", "the request body is not valid JSON");
	if (!cJSON_IsObject(json)) {
		cJSON_Delete(json);
		return kbd_refuse(no, 400, "invalid_field", "the request body must be a JSON object");
	}
	*ret = json;
	return 0;
}

int kbd_refuse(struct kbd_refusal *ret, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ret->message, sizeof(ret->message), fmt, ap);
	va_end(ap);
	ret->status = status;
	ret->code = code;
	return status;
}

int kbd_send_refusal(struct mg_connection *conn, const struct kbd_refusal *no)
{
	return kbd_send_error(conn, no->status, no->code, "%s", no->message);
}

int kbd_discard_body(struct mg_connection *conn)
{
	if (mg_get_request_info(conn)->content_length > KBD_BODY_MAX)
		return kbd_send_error(conn, 413, "body_too_large", "the request body is larger than %d bytes",
				      KBD_BODY_MAX);
	_cleanup_free_ char *body = NULL;
	size_t len;
	int r = read_body(conn, &body, &len);
	if (r == -E2BIG)
		return kbd_send_error(conn, 413, "body_too_large", "the request body is larger than %d bytes",
				      KBD_BODY_MAX);
	return 0;
}

int kbd_query_param(const struct mg_connection *conn, const char *name, char *ret, size_t size)
{
	const char *query = mg_get_request_info(conn)->query_string;
	if (!query)
		return -ENOENT;
	int n = mg_get_var(query, strlen(query), name, ret, size);
	if (n == -1)
		return -ENOENT;
	if (n < 0)
		return -E2BIG;
	return 0;
}

cJSON *kbd_json_string_or_null(const char *s)
{
	return s && s[0] ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* The host part of a Host header ("name", "name:80", "[::1]:80"), if it is
 * made only of the characters a host name or address may have. */
int kbd_host_name(const char *host, char *ret, size_t size)
{
	if (!host || !host[0])
		return -EINVAL;
	size_t len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
	if (len >= size || (host[0] == '[' && host[len - 1] != ']'))
		return -EINVAL;
	if (host[len] != '\0' && (host[len] != ':' || !host[len + 1] || strspn(host + len + 1, "0123456789") !=
							       strlen(host + len + 1)))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
			return -EINVAL;
	}
	memcpy(ret, host, len);
	ret[len] = '\0';
	return 0;
}

bool kbd_origin_matches(const struct mg_connection *conn)
{
	const char *origin = mg_get_header(conn, "Origin");
	const char *host = mg_get_header(conn, "Host");
	if (!origin || !host)
		return false;
	const char *scheme = mg_get_request_info(conn)->is_ssl ? "https://" : "http://";
	size_t n = strlen(scheme);
	return strncasecmp(origin, scheme, n) == 0 && strcasecmp(origin + n, host) == 0;
}

const char *kbd_json_unknown_field(const cJSON *body, const char *const *known, size_t n)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, body) {
		bool ok = false;
		for (size_t i = 0; i < n && !ok; i++)
			ok = strcmp(item->string, known[i]) == 0;
		if (!ok)
			return item->string;
	}
	return NULL;
}
