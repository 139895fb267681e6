/* civetweb's mbedTLS code prints "SSL read failed, error N" on stderr each
 * time a client drops a TLS connection (N = 0: a plain close). kbootd's
 * stderr is the console, so with TLS the stderr of the process goes through
 * a pipe, and a thread passes on every line but those. */
#include "server.h"
#include "kboot-core/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { KBD_STDERR_LINE_MAX = 4096 }; /* longer lines pass in pieces */

static const char *const dropped[] = { "SSL read failed, error ", "SSL write failed, error " };

static int console_fd = -1;
static int pipe_fd = -1;

static bool is_dropped(const char *line, size_t len)
{
	for (size_t i = 0; i < KB_ELEMENTSOF(dropped); i++) {
		size_t n = strlen(dropped[i]);
		if (len >= n && memcmp(line, dropped[i], n) == 0)
			return true;
	}
	return false;
}

static void pass_on(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(console_fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

static void *filter_main(void *arg)
{
	char buf[KBD_STDERR_LINE_MAX];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(pipe_fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
			size_t line = (size_t)(nl - start) + 1;
			if (!is_dropped(start, line))
				pass_on(start, line);
			start += line;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (len == sizeof(buf)) {
			pass_on(buf, len);
			len = 0;
		}
	}
	pass_on(buf, len);
	return NULL;
}

int kbd_quiet_tls_errors(kb_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return kb_error_set(err, errno, "stderr filter: %s", strerror(errno));
	console_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (console_fd < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return kb_error_set(err, e, "stderr filter: %s", strerror(e));
	}
	close(p[1]);
	pipe_fd = p[0];
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, filter_main, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		dup2(console_fd, STDERR_FILENO); /* back as it was */
		return kb_error_set(err, r, "stderr filter: %s", strerror(r));
	}
	return 0;
}
