/* kbootd's presence lock (see daemon.h). flock(2) locks die with their
 * process, so a killed kbootd never leaves a stale "running" behind. */
#include "daemon.h"
#include "cleanup.h"
#include "env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { KB_DAEMON_POLL_MS = 50 };

static int lock_path(char *ret, size_t size)
{
	if ((size_t)snprintf(ret, size, "%s/kbootd.lock", kb_env()->run_dir) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int kb_daemon_lock(kb_error *err)
{
	char path[4096];
	if (lock_path(path, sizeof(path)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "run directory path too long");
	(void)mkdir(kb_env()->run_dir, 0755);
	/* Deliberately never closed: the lock lives as long as kbootd. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return kb_error_set(err, EBUSY, "another kbootd is running");
		return kb_error_set(err, e, "%s: %s", path, strerror(e));
	}
	return 0;
}

bool kb_daemon_running(void)
{
	char path[4096];
	if (lock_path(path, sizeof(path)) < 0)
		return false;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return false;
	}
	return errno == EWOULDBLOCK;
}

bool kb_daemon_wait_running(int ms)
{
	struct timespec step = { .tv_nsec = KB_DAEMON_POLL_MS * 1000000L };
	for (int waited = 0;; waited += KB_DAEMON_POLL_MS) {
		if (kb_daemon_running())
			return true;
		if (waited >= ms)
			return false;
		nanosleep(&step, NULL);
	}
}
