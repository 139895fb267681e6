/* The fetch cache: <run_dir>/cache/<hash> holds one URL's file, and
 * <hash>.url the URL itself (a hash collision is then a miss, never a wrong
 * kernel). Files appear by rename, so a reader never sees half of one. The
 * cache lives in RAM (/run is a tmpfs) and so lasts one session. */
#include "fetch-internal.h"
#include "buf.h"
#include "cleanup.h"
#include "env.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t url_hash(const char *url)
{
	/* FNV-1a: names files, nothing more (the .url file confirms a hit). */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *s = (const unsigned char *)url; *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	return h;
}

int kb_fetch_cache_path(const char *url, char *ret, size_t size)
{
	int n = snprintf(ret, size, "%s/cache/%016" PRIx64, kb_env()->run_dir, url_hash(url));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int url_file_path(const char *url, char *ret, size_t size)
{
	char data[PATH_MAX];
	int r = kb_fetch_cache_path(url, data, sizeof(data));
	if (r < 0)
		return r;
	int n = snprintf(ret, size, "%s.url", data);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int kb_fetch_cache_lookup(const char *url, char *ret, size_t size)
{
	char data[PATH_MAX], url_file[PATH_MAX];
	if (kb_fetch_cache_path(url, data, sizeof(data)) < 0 ||
	    url_file_path(url, url_file, sizeof(url_file)) < 0)
		return 0;
	_cleanup_free_ char *recorded = NULL;
	size_t len;
	if (kb_read_file(url_file, strlen(url) + 1, &recorded, &len) < 0)
		return 0;
	struct stat st;
	if (strcmp(recorded, url) != 0 || stat(data, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (strlen(data) >= size)
		return 0;
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
	if (kb_fetch_cache_path(url, data, sizeof(data)) < 0)
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

int kb_fetch_cache_commit(const char *url, const char *tmp, char *ret, size_t size, kb_error *err)
{
	char data[PATH_MAX], url_file[PATH_MAX];
	if (kb_fetch_cache_path(url, data, sizeof(data)) < 0 ||
	    url_file_path(url, url_file, sizeof(url_file)) < 0 || strlen(data) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: cache path too long", kb_env()->run_dir);
	/* The URL first: a data file without its .url is a miss, not a lie. */
	int r = write_atomically(url_file, url, err);
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
