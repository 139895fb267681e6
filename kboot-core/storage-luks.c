/* LUKS: a locked device opened read-only once a key is given, as
 * /dev/mapper/luks-<UUID>. The key goes to cryptsetup through a pipe; it is
 * never logged, never in an event, and wiped here after use. A wrong key
 * costs a growing wait, per device, as failed logins do. */
#include "storage.h"
#include "cleanup.h"
#include "device.h"
#include "fs-util.h"
#include "log.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { FAILED_DEVICES_MAX = 16, CRYPTSETUP_WRONG_KEY = 2 };

static struct {
	pthread_mutex_t lock;
	struct failed {
		char name[KB_DEVNAME_MAX];
		unsigned failures;
		time_t blocked_until;
	} v[FAILED_DEVICES_MAX];
} backoff = { .lock = PTHREAD_MUTEX_INITIALIZER };

static time_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The slot of a device (caller holds the lock); the oldest is reused. */
static struct failed *slot(const char *name)
{
	struct failed *oldest = &backoff.v[0];
	for (size_t i = 0; i < FAILED_DEVICES_MAX; i++) {
		if (strcmp(backoff.v[i].name, name) == 0)
			return &backoff.v[i];
		if (backoff.v[i].blocked_until < oldest->blocked_until)
			oldest = &backoff.v[i];
	}
	*oldest = (struct failed){ 0 };
	snprintf(oldest->name, sizeof(oldest->name), "%s", name);
	return oldest;
}

static long delay_for(unsigned failures)
{
	unsigned shift = failures > 1 ? failures - 1 : 0;
	long delay = shift < 5 ? 1L << shift : KB_STORAGE_UNLOCK_DELAY_MAX_S;
	return delay > KB_STORAGE_UNLOCK_DELAY_MAX_S ? KB_STORAGE_UNLOCK_DELAY_MAX_S : delay;
}

/* 0: go ahead; else the seconds left to wait. The try is charged now, so
 * parallel guesses wait too, and refunded when the key was right. */
static long charge_try(const char *name)
{
	pthread_mutex_lock(&backoff.lock);
	struct failed *f = slot(name);
	long left = (long)(f->blocked_until - now_s());
	if (left <= 0) {
		f->failures++;
		f->blocked_until = now_s() + delay_for(f->failures);
		left = 0;
	}
	pthread_mutex_unlock(&backoff.lock);
	return left;
}

/* A wrong key: the wait runs from now (the key derivation took its time). */
static long charge_failure(const char *name)
{
	pthread_mutex_lock(&backoff.lock);
	struct failed *f = slot(name);
	long delay = delay_for(f->failures);
	f->blocked_until = now_s() + delay;
	pthread_mutex_unlock(&backoff.lock);
	return delay;
}

static void refund(const char *name)
{
	pthread_mutex_lock(&backoff.lock);
	struct failed *f = slot(name);
	*f = (struct failed){ 0 };
	pthread_mutex_unlock(&backoff.lock);
}

int kb_storage_unlock(const char *devname, const void *key, size_t key_len, kb_error *err)
{
	struct kb_device d;
	int r = kb_device_find(devname, &d, err);
	if (r < 0)
		return r;
	if (strcmp(d.fstype, "crypto_LUKS") != 0)
		return kb_error_set(err, EINVAL, "%s: not a LUKS device", d.name);
	if (!kb_device_locked(&d))
		return kb_error_set(err, EALREADY, "%s: already unlocked", d.name);
	if (key_len == 0)
		return kb_error_set(err, EINVAL, "%s: an empty passphrase", d.name);
	if (key_len > KB_STORAGE_KEY_MAX)
		return kb_error_set(err, E2BIG, "%s: a key longer than %d bytes", d.name,
				    KB_STORAGE_KEY_MAX);
	long left = charge_try(d.name);
	if (left > 0)
		return kb_error_set(err, EAGAIN, "%s: a wrong key was given; try again in %ld s",
				    d.name, left);

	char mapped[KB_DEVNAME_MAX + 80];
	snprintf(mapped, sizeof(mapped), "luks-%s", d.uuid[0] ? d.uuid : d.name);
	/* --key-file=-: the key is stdin, byte for byte (no newline cut). */
	const char *const argv[] = { "cryptsetup", "open", "--type", "luks", "--readonly",
				     "--key-file=-", d.path, mapped, NULL };
	char msg[KB_ERROR_TEXT_MAX];
	(void)kb_mkdir_p("/run/cryptsetup"); /* its lock directory, fixed at its build */
	r = kb_storage_run(argv, NULL, key, key_len, NULL, msg, sizeof(msg));
	if (r < 0)
		return kb_error_set(err, -r, "%s: cryptsetup: %s", d.name, strerror(-r));
	if (r == CRYPTSETUP_WRONG_KEY) {
		long delay = charge_failure(d.name);
		kb_warn("%s: unlock refused: wrong passphrase or key", d.name);
		return kb_error_set(err, EACCES, "%s: wrong passphrase or key (next try in %ld s)",
				    d.name, delay);
	}
	if (r != 0)
		return kb_error_set(err, EIO, "%s: cryptsetup: %s", d.name, msg[0] ? msg : "failed");
	refund(d.name);
	kb_info("%s: unlocked, read-only, as /dev/mapper/%s", d.name, mapped);
	kb_error e = { 0 };
	if (kb_storage_assemble(&e) < 0)
		kb_warn("after unlocking %s: %s", d.name, e.text);
	return 0;
}

static void wipe_free(char **p)
{
	if (*p) {
		explicit_bzero(*p, KB_STORAGE_KEY_MAX);
		free(*p);
	}
}

int kb_storage_unlock_key_file(const char *devname, const char *key_path, kb_error *err)
{
	char local[4096];
	int r = kb_path_to_local(key_path, NULL, local, sizeof(local), err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(local, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", key_path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return kb_error_set(err, EINVAL, "%s: not a regular file", key_path);
	if (st.st_size > KB_STORAGE_KEY_MAX)
		return kb_error_set(err, E2BIG, "%s: a key file larger than %d bytes", key_path,
				    KB_STORAGE_KEY_MAX);
	_cleanup_(wipe_free) char *key = calloc(1, KB_STORAGE_KEY_MAX);
	if (!key)
		return kb_error_set(err, ENOMEM, "out of memory reading %s", key_path);
	size_t len = 0;
	while (len < KB_STORAGE_KEY_MAX) {
		ssize_t n = read(fd, key + len, KB_STORAGE_KEY_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kb_error_set(err, errno, "%s: %s", key_path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return kb_storage_unlock(devname, key, len, err);
}
