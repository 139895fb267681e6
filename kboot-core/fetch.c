/* The transfer: one libcurl easy handle per fetch, written straight into a
 * temporary cache file, with progress events, a cancel flag, timeouts, and a
 * size cap from free memory. See fetch.h. */
#include "fetch-internal.h"
#include "cleanup.h"
#include "env.h"
#include "event.h"
#include "log.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#ifndef KBOOT_VERSION
#define KBOOT_VERSION "0"
#endif

enum {
	TRANSFER_BUFFER_BYTES = 100 * 1024,           /* curl's receive buffer, as the curl tool uses */
	TFTP_BLKSIZE = 1468,                          /* fills a 1500-byte frame */
	MEM_RECHECK_BYTES = 16 * 1024 * 1024,         /* re-read MemAvailable this often */
	REASON_MAX = 64,
};
static const uint64_t MIB = 1024 * 1024;

static pthread_mutex_t fetch_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool fetch_running, cancel_requested;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

struct transfer {
	const char *url;
	int fd;
	uint64_t written, limit, total, next_mem_check;
	struct timespec last_event;
	int write_errno;
	bool too_large, low_memory;
	char reason[REASON_MAX]; /* the last HTTP status line's phrase */
};

static void init_curl(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}


int kb_fetch_cancel(void)
{
	if (!atomic_load(&fetch_running))
		return -EALREADY;
	atomic_store(&cancel_requested, true);
	return 0;
}

int kb_fetch_ca_bundle(char *ret, size_t size)
{
	int n = snprintf(ret, size, "%s/ssl/certs/ca-certificates.crt", kb_env()->etc_dir);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static long elapsed_ms(const struct timespec *since, const struct timespec *now)
{
	return (now->tv_sec - since->tv_sec) * 1000L + (now->tv_nsec - since->tv_nsec) / 1000000L;
}

static void emit_progress(struct transfer *t, bool force)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && elapsed_ms(&t->last_event, &now) < KB_FETCH_PROGRESS_INTERVAL_MS)
		return;
	t->last_event = now;
	struct kb_event ev = {
		.type = KB_EVENT_PROGRESS, .text = "fetch", .name = t->url,
		.done = t->written, .total = t->total,
	};
	kb_event_emit(&ev);
}

static size_t on_data(char *data, size_t size, size_t n, void *opaque)
{
	struct transfer *t = opaque;
	size_t len = size * n;
	if (t->written + len > t->limit) {
		t->too_large = true;
		return 0;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(t->fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			t->write_errno = w < 0 ? errno : EIO;
			return 0;
		}
		off += (size_t)w;
	}
	t->written += len;
	return len;
}

static int on_progress(void *opaque, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct transfer *t = opaque;
	if (atomic_load(&cancel_requested))
		return 1;
	if (dltotal > 0)
		t->total = (uint64_t)dltotal;
	/* A file in tmpfs is memory: stop before the machine runs out. */
	if (t->written >= t->next_mem_check) {
		t->next_mem_check = t->written + MEM_RECHECK_BYTES;
		uint64_t avail = kb_fetch_mem_available();
		if (avail && avail < (uint64_t)KB_FETCH_MEM_RESERVE_MB * MIB) {
			t->low_memory = true;
			return 1;
		}
	}
	if (dlnow > 0 || dltotal > 0)
		emit_progress(t, false);
	return 0;
}

/* Keeps the reason phrase of "HTTP/1.1 404 Not Found" and the length for
 * the error text (curl forgets the length when it refuses the size). */
static size_t on_header(char *data, size_t size, size_t n, void *opaque)
{
	struct transfer *t = opaque;
	size_t len = size * n;
	static const char length_field[] = "content-length:";
	if (len > sizeof(length_field) && strncasecmp(data, length_field, sizeof(length_field) - 1) == 0) {
		char digits[32];
		snprintf(digits, sizeof(digits), "%.*s", (int)(len - (sizeof(length_field) - 1)),
			 data + sizeof(length_field) - 1);
		unsigned long long value;
		if (sscanf(digits, " %llu", &value) == 1)
			t->total = value;
	}
	if (len > 12 && strncmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', len);
		const char *reason = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data)) : NULL;
		if (reason) {
			reason++;
			size_t rlen = len - (size_t)(reason - data);
			while (rlen > 0 && (reason[rlen - 1] == '\r' || reason[rlen - 1] == '\n'))
				rlen--;
			snprintf(t->reason, sizeof(t->reason), "%.*s", (int)rlen, reason);
		}
	}
	return len;
}

/* What a download may use: the caller's cap, and what memory leaves. */
static uint64_t download_limit(uint64_t requested)
{
	uint64_t avail = kb_fetch_mem_available();
	uint64_t reserve = (uint64_t)KB_FETCH_MEM_RESERVE_MB * MIB;
	uint64_t limit = avail == 0 ? UINT64_MAX : avail > reserve ? avail - reserve : 0;
	return requested && requested < limit ? requested : limit;
}

static void curl_cleanupp(CURL **h)
{
	if (*h)
		curl_easy_cleanup(*h);
}

int kb_fetch_common_options(void *handle, const struct kb_fetch_request *req, char *errbuf,
			    kb_error *err)
{
	CURL *h = handle;
	CURLcode rc = CURLE_OK;
#define SET(opt, val) (rc = rc != CURLE_OK ? rc : curl_easy_setopt(h, opt, val))
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https,ftp,tftp");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)KB_FETCH_REDIRECTS_MAX);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FAILONERROR, 1L);
	SET(CURLOPT_USERAGENT, "kboot/" KBOOT_VERSION);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_CONNECTTIMEOUT, (long)KB_FETCH_CONNECT_TIMEOUT_S);
	SET(CURLOPT_LOW_SPEED_LIMIT, (long)KB_FETCH_LOW_SPEED_BYTES);
	SET(CURLOPT_LOW_SPEED_TIME, (long)KB_FETCH_LOW_SPEED_TIME_S);
	SET(CURLOPT_BUFFERSIZE, (long)TRANSFER_BUFFER_BYTES);
	SET(CURLOPT_TFTP_BLKSIZE, (long)TFTP_BLKSIZE);
	if (req->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		char bundle[PATH_MAX];
		if (kb_fetch_ca_bundle(bundle, sizeof(bundle)) < 0)
			return kb_error_set(err, ENAMETOOLONG, "%s: CA bundle path too long", req->url);
		if (strncmp(req->url, "https:", 6) == 0 && access(bundle, R_OK) < 0)
			return kb_error_set(err, ENOENT,
					    "%s: no CA bundle at %s, so the certificate cannot be checked",
					    req->url, bundle);
		SET(CURLOPT_CAINFO, bundle);
	}
	if (rc != CURLE_OK)
		return kb_error_set(err, EINVAL, "%s: %s", req->url, curl_easy_strerror(rc));
	return 0;
}

static int set_options(CURL *h, const struct kb_fetch_request *req, struct transfer *t,
		       char *errbuf, kb_error *err)
{
	int r = kb_fetch_common_options(h, req, errbuf, err);
	if (r < 0)
		return r;
	CURLcode rc = CURLE_OK;
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(t->limit > INT64_MAX ? INT64_MAX : t->limit));
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, t);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, t);
	SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
	if (rc != CURLE_OK)
		return kb_error_set(err, EINVAL, "%s: %s", req->url, curl_easy_strerror(rc));
	return 0;
}

static int transfer(const struct kb_fetch_request *req, int fd, kb_error *err)
{
	_cleanup_(curl_cleanupp) CURL *h = curl_easy_init();
	if (!h)
		return kb_error_set(err, ENOMEM, "%s: cannot start libcurl", req->url);
	struct transfer t = {
		.url = req->url, .fd = fd, .limit = download_limit(req->max_bytes),
		.next_mem_check = MEM_RECHECK_BYTES,
	};
	char errbuf[CURL_ERROR_SIZE] = "";
	int r = set_options(h, req, &t, errbuf, err);
	if (r < 0)
		return r;
	CURLcode rc = curl_easy_perform(h);

	curl_off_t length = -1;
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0)
		t.total = (uint64_t)length;
	if (rc == CURLE_OK) {
		if (t.total == 0)
			t.total = t.written;
		emit_progress(&t, true);
		return 0;
	}
	struct kb_fetch_outcome o = {
		.url = req->url, .curl_code = rc, .curl_text = errbuf, .reason = t.reason,
		.done = t.written, .total = t.total, .limit = t.limit, .write_errno = t.write_errno,
		.too_large = t.too_large, .low_memory = t.low_memory,
		.cancelled = rc == CURLE_ABORTED_BY_CALLBACK && atomic_load(&cancel_requested),
	};
	char *effective = NULL;
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
	o.effective_url = effective;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &o.response);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &o.os_errno);
	return kb_fetch_explain(&o, err);
}

static void unlock_fetch(pthread_mutex_t **m)
{
	if (*m) {
		atomic_store(&fetch_running, false);
		atomic_store(&cancel_requested, false);
		pthread_mutex_unlock(*m);
	}
}

/* Removes the temporary file unless it was committed (name emptied). */
static void unlink_temp(char (*tmp)[PATH_MAX])
{
	if ((*tmp)[0])
		unlink(*tmp);
}

int kb_fetch_curl_ready(const char *url, kb_error *err)
{
	pthread_once(&curl_once, init_curl);
	if (curl_init_result != CURLE_OK)
		return kb_error_set(err, EIO, "%s: libcurl failed to start: %s", url,
				    curl_easy_strerror(curl_init_result));
	return 0;
}

/* A checked copy answers an insecure request too; never the other way. */
static bool in_cache(const struct kb_fetch_request *req, char *ret_path, size_t size)
{
	return kb_fetch_cache_lookup(req->url, false, ret_path, size) > 0 ||
	       (req->insecure && kb_fetch_cache_lookup(req->url, true, ret_path, size) > 0);
}

int kb_fetch(const struct kb_fetch_request *req, char *ret_path, size_t size, kb_error *err)
{
	if (!req || !req->url || !req->url[0])
		return kb_error_set(err, EINVAL, "no URL to fetch");
	int r = kb_fetch_curl_ready(req->url, err);
	if (r < 0)
		return r;

	pthread_mutex_lock(&fetch_lock);
	_cleanup_(unlock_fetch) pthread_mutex_t *locked __attribute__((unused)) = &fetch_lock;
	atomic_store(&cancel_requested, false);
	atomic_store(&fetch_running, true);

	if (!req->refresh && in_cache(req, ret_path, size)) {
		kb_debug("%s: in the cache (%s)", req->url, ret_path);
		kb_fetch_cache_hold(ret_path);
		return 0;
	}
	if (req->insecure)
		kb_warn("%s: insecure: the server's certificate is not checked", req->url);
	kb_info("fetching %s", req->url);

	_cleanup_(unlink_temp) char tmp[PATH_MAX] = "";
	_cleanup_close_ int fd = kb_fetch_cache_create_temp(req->url, tmp, sizeof(tmp), err);
	if (fd < 0) {
		tmp[0] = '\0';
		return fd;
	}
	r = transfer(req, fd, err);
	if (r < 0)
		return r; /* the caller reports it: logging here would say it twice */
	if (close(TAKE_FD(fd)) < 0)
		return kb_error_set(err, errno, "%s: cannot write the cache file: %s", req->url,
				    strerror(errno));
	r = kb_fetch_cache_commit(req->url, req->insecure, tmp, ret_path, size, err);
	if (r < 0)
		return r;
	tmp[0] = '\0';
	kb_fetch_cache_hold(ret_path);
	r = kb_fetch_cache_evict(ret_path, KB_FETCH_CACHE_ENTRIES_MAX,
				 (uint64_t)KB_FETCH_CACHE_MB_MAX * MIB);
	if (r < 0) /* the file is here; a cache that stays too full is only a warning */
		kb_warn("download cache: cannot evict: %s", strerror(-r));
	return 0;
}
