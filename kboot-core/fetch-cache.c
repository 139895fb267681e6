/* The fetch cache: <run_dir>/cache/<hash> holds one download, and
 * <hash>.url what it was fetched as (a hash collision is then a miss, never a
 * wrong kernel): the URL, with "insecure " before it when the certificate was
 * not checked, so such a copy never answers a checked request. Files appear
 * by rename, so a reader never sees half of one. The .url file's mtime is the
 * entry's last use; past KB_FETCH_CACHE_ENTRIES_MAX files or
 * KB_FETCH_CACHE_MB_MAX, the least recently used go, except files a boot holds
 * (a shared flock on the data file, from any process). The cache lives in RAM
 * (/run is a tmpfs) and so lasts one session. */
#include "fetch-internal.h"
#include "buf.h"
#include "cleanup.h"
#include "env.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char INSECURE_PREFIX[] = "insecure ";

static uint64_t url_hash(const char *url)
{
	/* FNV-1a: names files, nothing more (the .url file confirms a hit). */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *s = (const unsigned char *)url; *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	return h;
}

/* What an entry was fetched as: the URL, or "insecure <URL>". */
static char *cache_key(const char *url, bool insecure)
{
	struct kb_buf b;
	kb_buf_init(&b, PATH_MAX + sizeof(INSECURE_PREFIX));
	if (kb_buf_adds(&b, insecure ? INSECURE_PREFIX : "") < 0 || kb_buf_adds(&b, url) < 0) {
		kb_buf_free(&b);
		return NULL;
	}
	return kb_buf_steal(&b);
}

static int key_path(const char *key, char *ret, size_t size)
{
	int n = snprintf(ret, size, "%s/cache/%016" PRIx64, kb_env()->run_dir, url_hash(key));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int kb_fetch_cache_path(const char *url, char *ret, size_t size)
{
	return key_path(url, ret, size);
}

static int paths(const char *key, char *ret_data, char *ret_key_file, size_t size)
{
	if (key_path(key, ret_data, size) < 0)
		return -ENAMETOOLONG;
	int n = snprintf(ret_key_file, size, "%s.url", ret_data);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int kb_fetch_cache_lookup(const char *url, bool insecure, char *ret, size_t size)
{
	char data[PATH_MAX], key_file[PATH_MAX];
	_cleanup_free_ char *key = cache_key(url, insecure);
	if (!key || paths(key, data, key_file, sizeof(data)) < 0)
		return 0;
	_cleanup_free_ char *recorded = NULL;
	size_t len;
	if (kb_read_file(key_file, strlen(key) + 1, &recorded, &len) < 0)
		return 0;
	struct stat st;
	if (strcmp(recorded, key) != 0 || stat(data, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (strlen(data) >= size)
		return 0;
	(void)utimensat(AT_FDCWD, key_file, NULL, 0); /* used now: last to be evicted */
	memcpy(ret, data, strlen(data) + 1);
	return 1;
}

static int make_cache_dir(kb_error *err)
{
	char dir[PATH_MAX];
	const char *run = kb_env()->run_dir;
	if (snprintf(dir, sizeof(dir), "%s/cache", run) >= (int)sizeof(dir))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", run);
	if (mkdir(run, 0755) < 0 && errno != EEXIST)
		return kb_error_set(err, errno, "%s: %s", run, strerror(errno));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return kb_error_set(err, errno, "%s: %s", dir, strerror(errno));
	return 0;
}

int kb_fetch_cache_create_temp(const char *url, char *ret_tmp, size_t size, kb_error *err)
{
	static atomic_uint counter;
	int r = make_cache_dir(err);
	if (r < 0)
		return r;
	char data[PATH_MAX];
	if (key_path(url, data, sizeof(data)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "%s: cache path too long", kb_env()->run_dir);
	/* Unique per process and call: two clients may fetch the same URL. */
	int n = snprintf(ret_tmp, size, "%s.part-%ld-%u", data, (long)getpid(),
			 atomic_fetch_add(&counter, 1));
	if (n < 0 || (size_t)n >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: cache path too long", data);
	int fd = open(ret_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", ret_tmp, strerror(errno));
	return fd;
}

/* Write text to path through a temporary name. */
static int write_atomically(const char *path, const char *text, kb_error *err)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", path);
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", tmp, strerror(errno));
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || rename(tmp, path) < 0) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return kb_error_set(err, e, "%s: %s", path, strerror(e));
	}
	return 0;
}

int kb_fetch_cache_commit(const char *url, bool insecure, const char *tmp, char *ret, size_t size,
			  kb_error *err)
{
	char data[PATH_MAX], url_file[PATH_MAX];
	_cleanup_free_ char *key = cache_key(url, insecure);
	if (!key)
		return kb_error_set(err, ENOMEM, "out of memory");
	if (paths(key, data, url_file, sizeof(data)) < 0 || strlen(data) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: cache path too long", kb_env()->run_dir);
	/* The key first: a data file without its .url is a miss, not a lie. */
	int r = write_atomically(url_file, key, err);
	if (r < 0)
		return r;
	if (rename(tmp, data) < 0)
		return kb_error_set(err, errno, "%s: %s", data, strerror(errno));
	memcpy(ret, data, strlen(data) + 1);
	return 0;
}

uint64_t kb_fetch_mem_available(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long long kb;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			return (uint64_t)kb * 1024;
	return 0;
}

/* --- files a boot holds ------------------------------------------------------ */

static _Thread_local bool holding;
static _Thread_local int held[KB_FETCH_HOLDS_MAX];
static _Thread_local size_t n_held;

void kb_fetch_hold_begin(void)
{
	holding = true;
}

void kb_fetch_hold_end(void)
{
	for (size_t i = 0; i < n_held; i++)
		close(held[i]);
	n_held = 0;
	holding = false;
}

/* Called under the fetch lock, before any other fetch could evict path. */
void kb_fetch_cache_hold(const char *path)
{
	if (!holding)
		return;
	if (n_held >= KB_FETCH_HOLDS_MAX) {
		kb_warn("%s: more than %d files held; this one may be evicted", path,
			KB_FETCH_HOLDS_MAX);
		return;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_SH) < 0) {
		close(fd);
		return;
	}
	held[n_held++] = fd;
}

/* --- eviction ------------------------------------------------------------------ */

/* An exclusive lock on the data file, or -1 when a boot holds it. */
static int lock_for_eviction(const char *data)
{
	int fd = open(data, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct cache_scan {
	size_t entries;
	uint64_t bytes;
	char oldest[PATH_MAX]; /* data file of the least recently used entry that may go */
	struct timespec oldest_used;
};

static bool earlier(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Count what the cache holds and find what to evict first. Not inlined:
 * its path buffers would add to the evicting loop's frame. */
static __attribute__((noinline)) int scan_cache(const char *dir, const char *keep, struct cache_scan *ret)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return -errno;
	*ret = (struct cache_scan){ 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".url") != 0)
			continue; /* data, .part- and .tmp- files are found through their key */
		char data[PATH_MAX], key_file[PATH_MAX];
		if (snprintf(data, sizeof(data), "%s/%.*s", dir, (int)(len - 4), de->d_name) >=
			    (int)sizeof(data) ||
		    snprintf(key_file, sizeof(key_file), "%s/%s", dir, de->d_name) >=
			    (int)sizeof(key_file))
			continue;
		struct stat st, kst;
		if (stat(data, &st) < 0 || stat(key_file, &kst) < 0)
			continue;
		ret->entries++;
		ret->bytes += (uint64_t)st.st_size;
		if ((keep && strcmp(data, keep) == 0) ||
		    (ret->oldest[0] && !earlier(&kst.st_mtim, &ret->oldest_used)))
			continue;
		int fd = lock_for_eviction(data);
		if (fd < 0)
			continue; /* held by a boot */
		close(fd);
		memcpy(ret->oldest, data, strlen(data) + 1);
		ret->oldest_used = kst.st_mtim;
	}
	return 0;
}

int kb_fetch_cache_evict(const char *keep, size_t max_entries, uint64_t max_bytes)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s/cache", kb_env()->run_dir) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	int evicted = 0;
	for (;;) {
		struct cache_scan scan;
		int r = scan_cache(dir, keep, &scan);
		if (r < 0)
			return r == -ENOENT ? evicted : r;
		if ((scan.entries <= max_entries && scan.bytes <= max_bytes) || !scan.oldest[0])
			return evicted;
		/* Locked while it goes: a boot cannot take it up half removed. */
		_cleanup_close_ int fd = lock_for_eviction(scan.oldest);
		if (fd < 0)
			return evicted; /* taken up since the scan: try again next time */
		char key_file[PATH_MAX + 8];
		snprintf(key_file, sizeof(key_file), "%s.url", scan.oldest);
		/* The key last: while it exists a lookup checks the data, and misses. */
		if (unlink(scan.oldest) < 0 || unlink(key_file) < 0)
			return -errno;
		kb_debug("%s: evicted from the download cache", scan.oldest);
		evicted++;
	}
}
