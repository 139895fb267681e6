/* The first bytes of a remote file, for saying what it is without
 * downloading it (fetch.h): a bounded ranged read, never the cache. */
#include "fetch-internal.h"
#include "cleanup.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { HEAD_REASON_MAX = 64, RANGE_TEXT_MAX = 48, HTTP_RANGE_NOT_SATISFIABLE = 416 };

struct head {
	unsigned char *buf;
	size_t cap, len;
	uint64_t size;   /* the whole file's, from Content-Range or Content-Length */
	bool full;       /* cap reached: we stopped the transfer, it did not fail */
	bool partial;    /* the server answered 206 */
	char reason[HEAD_REASON_MAX];
};

static size_t on_head_data(char *data, size_t size, size_t n, void *opaque)
{
	struct head *h = opaque;
	size_t len = size * n, room = h->cap - h->len, take = len < room ? len : room;
	memcpy(h->buf + h->len, data, take);
	h->len += take;
	if (h->len < h->cap)
		return len;
	/* Enough: a server that ignored the range, or ftp and tftp, stop here
	 * (a short count makes curl abort; all of a last chunk lets it finish). */
	h->full = true;
	return take == len ? len : 0;
}

/* "Content-Range: bytes 0-65535/123456789" gives the size after a 206;
 * Content-Length does after a 200. A new status line (a redirect) resets. */
static size_t on_head_header(char *data, size_t size, size_t n, void *opaque)
{
	struct head *h = opaque;
	size_t len = size * n;
	char line[256];
	snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
		 data);
	unsigned long long value;
	int code;
	if (sscanf(line, "HTTP/%*s %d", &code) == 1) {
		h->size = 0;
		h->partial = code == 206;
		const char *reason = strchr(strchr(line, ' ') + 1, ' ');
		snprintf(h->reason, sizeof(h->reason), "%s", reason ? reason + 1 : "");
		h->reason[strcspn(h->reason, "\r\n")] = '\0';
	} else if (strncasecmp(line, "content-range:", 14) == 0) {
		const char *slash = strchr(line, '/');
		if (slash && sscanf(slash + 1, "%llu", &value) == 1)
			h->size = value;
	} else if (!h->partial && strncasecmp(line, "content-length:", 15) == 0 &&
		   sscanf(line + 15, " %llu", &value) == 1) {
		h->size = value;
	}
	return len;
}

static void curl_cleanupp(CURL **h)
{
	if (*h)
		curl_easy_cleanup(*h);
}

static bool is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

int kb_fetch_head(const struct kb_fetch_request *req, void *buf, size_t cap, size_t *ret_len,
		  uint64_t *ret_size, kb_error *err)
{
	if (!req || !req->url || !req->url[0])
		return kb_error_set(err, EINVAL, "no URL to fetch");
	if (cap == 0)
		return kb_error_set(err, EINVAL, "%s: nothing to read", req->url);
	int r = kb_fetch_curl_ready(req->url, err);
	if (r < 0)
		return r;
	_cleanup_(curl_cleanupp) CURL *h = curl_easy_init();
	if (!h)
		return kb_error_set(err, ENOMEM, "%s: cannot start libcurl", req->url);
	char errbuf[CURL_ERROR_SIZE] = "", range[RANGE_TEXT_MAX];
	struct head head = { .buf = buf, .cap = cap };
	r = kb_fetch_common_options(h, req, errbuf, err);
	if (r < 0)
		return r;
	snprintf(range, sizeof(range), "0-%zu", cap - 1);
	/* Only HTTP: curl's ftp range would hide the file's size from SIZE. */
	if ((is_http(req->url) && curl_easy_setopt(h, CURLOPT_RANGE, range) != CURLE_OK) ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_head_data) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &head) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_head_header) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, &head) != CURLE_OK)
		return kb_error_set(err, EINVAL, "%s: cannot set up the transfer", req->url);
	CURLcode rc = curl_easy_perform(h);
	long response = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response);
	if (rc == CURLE_HTTP_RETURNED_ERROR && response == HTTP_RANGE_NOT_SATISFIABLE) {
		rc = CURLE_OK; /* a range past the end: the file is empty */
		head.len = 0;
	}
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && head.full)) {
		struct kb_fetch_outcome o = {
			.url = req->url, .curl_code = rc, .curl_text = errbuf, .reason = head.reason,
			.response = response, .done = head.len,
		};
		char *effective = NULL;
		curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
		o.effective_url = effective;
		curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &o.os_errno);
		return kb_fetch_explain(&o, err);
	}
	curl_off_t length = -1;
	/* ftp's SIZE and tftp's tsize: the whole file, as no range was asked. */
	if (!head.size && !is_http(req->url) &&
	    curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
	    length > 0)
		head.size = (uint64_t)length;
	if (!head.full && !head.size)
		head.size = head.len; /* all of it came */
	*ret_len = head.len;
	*ret_size = head.size;
	return 0;
}
