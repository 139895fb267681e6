/* Shared by fetch.c (the transfer), fetch-cache.c (where files go) and
 * fetch-explain.c (curl's result as a sentence for a person). */
#pragma once
#include "fetch.h"

#include <stdbool.h>
#include <stdint.h>

/* --- fetch-cache.c --------------------------------------------------------- */
/* 1 and the path when this session already holds url fetched that way
 * (insecure: with the certificate unchecked), 0 when not. */
int kb_fetch_cache_lookup(const char *url, bool insecure, char *ret, size_t size);
/* A fresh temporary file in the cache directory (made if needed): its fd,
 * and its name in ret_tmp for kb_fetch_cache_commit or unlink. */
int kb_fetch_cache_create_temp(const char *url, char *ret_tmp, size_t size, kb_error *err);
/* Give the finished temporary file its final name (and record what it was
 * fetched as). */
int kb_fetch_cache_commit(const char *url, bool insecure, const char *tmp, char *ret, size_t size,
			  kb_error *err);
/* Hold path for this thread's boot, when kb_fetch_hold_begin asked. */
void kb_fetch_cache_hold(const char *path);
/* Remove least recently used files, never keep nor a held one, until at most
 * max_entries and max_bytes remain (or only those). How many went, or -errno. */
int kb_fetch_cache_evict(const char *keep, size_t max_entries, uint64_t max_bytes);
/* Bytes of MemAvailable in /proc/meminfo, or 0 when unknown. */
uint64_t kb_fetch_mem_available(void);

/* --- fetch.c, for fetch-head.c ---------------------------------------------- */
/* libcurl started once per process; an error names url. */
int kb_fetch_curl_ready(const char *url, kb_error *err);
/* The options every transfer shares: protocols, redirects, timeouts, user
 * agent, and certificate checks unless req->insecure. h is a CURL *. */
int kb_fetch_common_options(void *h, const struct kb_fetch_request *req, char *errbuf,
			    kb_error *err);

/* --- fetch-explain.c ------------------------------------------------------- */
struct kb_fetch_outcome {
	const char *url;
	const char *effective_url; /* after redirects; names the host that failed */
	int curl_code;             /* CURLcode */
	long response;             /* HTTP status, FTP reply */
	long os_errno;             /* CURLINFO_OS_ERRNO */
	const char *curl_text;     /* curl's error buffer */
	const char *reason;        /* the HTTP reason phrase the server sent */
	uint64_t done, total, limit;
	int write_errno;           /* writing the cache file failed */
	bool too_large;            /* past limit while downloading */
	bool low_memory;           /* MemAvailable fell under the reserve */
	bool cancelled;
};
/* Fill err with a sentence starting with the URL; return -errno. */
int kb_fetch_explain(const struct kb_fetch_outcome *o, kb_error *err);
