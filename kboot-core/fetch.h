/* URL sources: http, https, ftp and tftp files fetched with libcurl into a
 * RAM cache (<run_dir>/cache, one file per URL and way of fetching it, named
 * by a hash; least recently used files go past the limits below). A
 * file appears there whole or not at all; progress goes out as
 * KB_EVENT_PROGRESS ("fetch", the URL, done/total bytes). One fetch at a
 * time per process; kb_fetch_cancel() stops it from any thread. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	KB_FETCH_CONNECT_TIMEOUT_S = 10,   /* no connection by then: give up */
	KB_FETCH_LOW_SPEED_BYTES = 1024,   /* slower than this per second ... */
	KB_FETCH_LOW_SPEED_TIME_S = 20,    /* ... for this long: the transfer stalled */
	KB_FETCH_PROGRESS_INTERVAL_MS = 250, /* at most four progress events a second */
	KB_FETCH_REDIRECTS_MAX = 10,
	KB_FETCH_MEM_RESERVE_MB = 32,      /* MemAvailable a download must leave */
	KB_FETCH_CACHE_ENTRIES_MAX = 16,   /* files the cache keeps ... */
	KB_FETCH_CACHE_MB_MAX = 1024,      /* ... and MiB, beyond those a boot holds */
	KB_FETCH_HOLDS_MAX = 32,           /* files one boot holds: a kernel, KB_ENTRY_INITRDS_MAX initrds */
};

struct kb_fetch_request {
	const char *url;    /* http://, https://, ftp://, tftp:// */
	bool insecure;      /* https: skip certificate checks; logged. Never implied. */
	bool refresh;       /* fetch again even when this session has the file */
	uint64_t max_bytes; /* 0: as much as memory allows */
};

/* Fetch req->url into the cache (or find it there) and give the local path.
 * A copy fetched insecure answers only insecure requests; a checked copy
 * answers both.
 * Errors name the URL and say what went wrong for a person:
 *   -ENOENT "http://h/x: 404 Not Found", "tftp://h/x: file not found (TFTP error 1)"
 *   -EHOSTUNREACH "http://nohost/x: unknown host nohost"
 *   -ECONNREFUSED "http://h:81/x: connection refused"
 *   -ETIMEDOUT, -ECONNRESET (cut off), -EFBIG (too large for memory),
 *   -ECANCELED (kb_fetch_cancel), -EKEYREJECTED (certificate not trusted). */
int kb_fetch(const struct kb_fetch_request *req, char *ret_path, size_t size, kb_error *err);
/* Stop the fetch under way, if any; it fails with -ECANCELED and leaves no
 * file. 0 when one was running, -EALREADY when none was. Async-signal-safe
 * (the console calls it from its Ctrl-C handler). */
int kb_fetch_cancel(void);
/* While a thread holds, every file kb_fetch gives it stays in the cache
 * until kb_fetch_hold_end (a boot, from resolving its paths until kexec has
 * loaded them), whatever other fetches evict. At most KB_FETCH_HOLDS_MAX. */
void kb_fetch_hold_begin(void);
void kb_fetch_hold_end(void);
/* The first bytes of a remote file, without the rest: an HTTP Range request
 * (a server that ignores it is cut off after cap bytes), or for ftp and tftp
 * a prefix read and the transfer aborted. Up to cap bytes into buf;
 * *ret_size is the whole file's size when the server said it, else 0. Errors
 * as for kb_fetch. Nothing is cached. */
int kb_fetch_head(const struct kb_fetch_request *req, void *buf, size_t cap, size_t *ret_len,
		  uint64_t *ret_size, kb_error *err);
/* Where req->url is (or would be) cached when checked: <run_dir>/cache/<hash>. */
int kb_fetch_cache_path(const char *url, char *ret, size_t size);
/* The CA bundle https is checked against: <etc_dir>/ssl/certs/ca-certificates.crt. */
int kb_fetch_ca_bundle(char *ret, size_t size);
/* "12.3 MiB", for messages and progress lines. */
void kb_fetch_format_size(uint64_t bytes, char *ret, size_t size);
