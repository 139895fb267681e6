/* curl's result as a sentence a person can act on, always starting with the
 * URL: "tftp://10.0.2.2/vmlinuz: file not found (TFTP error 1)". */
#include "fetch-internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void kb_fetch_format_size(uint64_t bytes, char *ret, size_t size)
{
	if (bytes >= 1024 * 1024)
		snprintf(ret, size, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024)
		snprintf(ret, size, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(ret, size, "%" PRIu64 " bytes", bytes);
}

static const struct {
	long status;
	const char *reason;
} http_reasons[] = {
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" },   { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
	{ 410, "Gone" },        { 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

static int http_error(const struct kb_fetch_outcome *o, kb_error *err)
{
	const char *reason = o->reason && o->reason[0] ? o->reason : "error";
	for (size_t i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]); i++)
		if (http_reasons[i].status == o->response)
			reason = http_reasons[i].reason;
	int e = o->response == 404 || o->response == 410 ? ENOENT
		: o->response == 401 || o->response == 403 ? EACCES
		: EIO;
	return kb_error_set(err, e, "%s: %ld %s", o->url, o->response, reason);
}

/* The host of a URL, for "unknown host X" ("user@" and ":port" dropped). */
static void url_host(const char *url, char *ret, size_t size)
{
	const char *s = strstr(url, "://");
	s = s ? s + 3 : url;
	size_t len = strcspn(s, "/?#");
	const char *at = memchr(s, '@', len);
	if (at) {
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		len = close ? (size_t)(close - s) + 1 : len;
	} else {
		const char *colon = memchr(s, ':', len);
		len = colon ? (size_t)(colon - s) : len;
	}
	snprintf(ret, size, "%.*s", (int)len, s);
}

static int connect_error(const struct kb_fetch_outcome *o, kb_error *err)
{
	char host[256];
	url_host(o->effective_url ? o->effective_url : o->url, host, sizeof(host));
	switch (o->os_errno) {
	case ECONNREFUSED:
		return kb_error_set(err, ECONNREFUSED, "%s: connection refused", o->url);
	case ENETUNREACH:
		return kb_error_set(err, ENETUNREACH, "%s: no route to %s (is the network up?)",
				    o->url, host);
	case EHOSTUNREACH:
		return kb_error_set(err, EHOSTUNREACH, "%s: %s is unreachable", o->url, host);
	case ETIMEDOUT:
		return kb_error_set(err, ETIMEDOUT, "%s: %s did not answer within %d s", o->url,
				    host, KB_FETCH_CONNECT_TIMEOUT_S);
	default:
		return kb_error_set(err, ECONNREFUSED, "%s: cannot connect to %s (%s)", o->url, host,
				    o->curl_text && o->curl_text[0] ? o->curl_text
								    : "no further detail");
	}
}

static int tftp_error(const struct kb_fetch_outcome *o, kb_error *err)
{
	switch (o->curl_code) {
	case CURLE_TFTP_NOTFOUND:
		return kb_error_set(err, ENOENT, "%s: file not found (TFTP error 1)", o->url);
	case CURLE_TFTP_PERM:
		return kb_error_set(err, EACCES, "%s: access denied (TFTP error 2)", o->url);
	case CURLE_REMOTE_DISK_FULL:
		return kb_error_set(err, EIO, "%s: the server's disk is full (TFTP error 3)", o->url);
	case CURLE_TFTP_ILLEGAL:
		return kb_error_set(err, EPROTO, "%s: the server refused the request (TFTP error 4)",
				    o->url);
	case CURLE_TFTP_UNKNOWNID:
		return kb_error_set(err, EPROTO, "%s: unknown transfer (TFTP error 5)", o->url);
	default:
		return kb_error_set(err, EPROTO, "%s: TFTP error: %s", o->url, o->curl_text);
	}
}

static int size_error(const struct kb_fetch_outcome *o, kb_error *err)
{
	char total[32], limit[32];
	kb_fetch_format_size(o->total, total, sizeof(total));
	kb_fetch_format_size(o->limit, limit, sizeof(limit));
	if (o->low_memory)
		return kb_error_set(err, EFBIG,
				    "%s: memory ran out after %s (kboot keeps %d MiB free)", o->url,
				    total, KB_FETCH_MEM_RESERVE_MB);
	/* Sizes that round alike are given in bytes, or the sentence says
	 * "97.7 KiB is more than 97.7 KiB". */
	if (o->total > o->limit && strcmp(total, limit) == 0)
		return kb_error_set(err, EFBIG,
				    "%s: %" PRIu64 " bytes is more than the %" PRIu64
				    " bytes kboot can hold in memory",
				    o->url, o->total, o->limit);
	if (o->total > o->limit)
		return kb_error_set(err, EFBIG, "%s: %s is more than the %s kboot can hold in memory",
				    o->url, total, limit);
	return kb_error_set(err, EFBIG, "%s: larger than the %s kboot can hold in memory", o->url,
			    limit);
}

int kb_fetch_explain(const struct kb_fetch_outcome *o, kb_error *err)
{
	char done[32], total[32];
	kb_fetch_format_size(o->done, done, sizeof(done));
	kb_fetch_format_size(o->total, total, sizeof(total));
	if (o->cancelled)
		return kb_error_set(err, ECANCELED, "%s: cancelled after %s", o->url, done);
	if (o->too_large || o->low_memory || o->curl_code == CURLE_FILESIZE_EXCEEDED)
		return size_error(o, err);
	if (o->write_errno)
		return kb_error_set(err, o->write_errno, "%s: cannot write the cache file: %s", o->url,
				    strerror(o->write_errno));
	char host[256];
	url_host(o->effective_url ? o->effective_url : o->url, host, sizeof(host));

	switch (o->curl_code) {
	case CURLE_HTTP_RETURNED_ERROR:
		return http_error(o, err);
	case CURLE_COULDNT_RESOLVE_HOST:
		return kb_error_set(err, EHOSTUNREACH, "%s: unknown host %s", o->url, host);
	case CURLE_COULDNT_CONNECT:
		return connect_error(o, err);
	case CURLE_OPERATION_TIMEDOUT:
		if (o->done > 0 || o->response > 0)
			return kb_error_set(err, ETIMEDOUT,
					    "%s: the transfer stalled after %s (under %d bytes/s for %d s)",
					    o->url, done, KB_FETCH_LOW_SPEED_BYTES,
					    KB_FETCH_LOW_SPEED_TIME_S);
		return kb_error_set(err, ETIMEDOUT, "%s: %s did not answer within %d s", o->url, host,
				    KB_FETCH_CONNECT_TIMEOUT_S);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		if (o->total > 0)
			return kb_error_set(err, ECONNRESET,
					    "%s: the server closed the connection after %s of %s",
					    o->url, done, total);
		return kb_error_set(err, ECONNRESET, "%s: the server closed the connection after %s",
				    o->url, done);
	case CURLE_REMOTE_FILE_NOT_FOUND:
	case CURLE_FTP_COULDNT_RETR_FILE:
		return kb_error_set(err, ENOENT, "%s: file not found", o->url);
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
		return kb_error_set(err, EACCES, "%s: the server refused access (login denied)",
				    o->url);
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
		return kb_error_set(err, EKEYREJECTED,
				    "%s: the server's certificate is not trusted (%s)", o->url,
				    o->curl_text);
	case CURLE_SSL_CONNECT_ERROR:
		return kb_error_set(err, EPROTO, "%s: the TLS handshake failed (%s)", o->url,
				    o->curl_text);
	case CURLE_SSL_CACERT_BADFILE:
		return kb_error_set(err, ENOENT, "%s: cannot read the CA bundle (%s)", o->url,
				    o->curl_text);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return kb_error_set(err, EPROTONOSUPPORT, "%s: %s", o->url, o->curl_text);
	case CURLE_TOO_MANY_REDIRECTS:
		return kb_error_set(err, ELOOP, "%s: more than %d redirects", o->url,
				    KB_FETCH_REDIRECTS_MAX);
	case CURLE_OUT_OF_MEMORY:
		return kb_error_set(err, ENOMEM, "%s: out of memory", o->url);
	default:
		break;
	}
	if (strncmp(o->url, "tftp:", 5) == 0)
		return tftp_error(o, err);
	return kb_error_set(err, EIO, "%s: %s", o->url,
			    o->curl_text && o->curl_text[0] ? o->curl_text
							    : curl_easy_strerror((CURLcode)o->curl_code));
}
