/* The volume tools as child processes: a fixed argv, no shell, a small
 * environment, the input (a passphrase) through a pipe, output bounded. */
#include "storage.h"
#include "buf.h"
#include "cleanup.h"
#include "env.h"
#include "fs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ENV_MAX = 16, CHUNK = 1024 };

static const char default_path[] = "/usr/sbin:/usr/bin:/sbin:/bin";

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static _Noreturn void child(const char *const *argv, const char *const *env, int in[2],
			    int out[2], int errp[2])
{
	/* The environment is ours to give: PATH (as kboot has it) and the extras. */
	static char path_var[512];
	const char *envp[ENV_MAX + 2];
	size_t n = 0;
	const char *path = getenv("PATH");
	snprintf(path_var, sizeof(path_var), "PATH=%s", path && *path ? path : default_path);
	envp[n++] = path_var;
	for (size_t i = 0; env && env[i] && n < ENV_MAX; i++)
		envp[n++] = env[i];
	envp[n] = NULL;
	if (dup2(in[0], STDIN_FILENO) < 0 || dup2(errp[1], STDERR_FILENO) < 0)
		_exit(127);
	if (out[1] >= 0 ? dup2(out[1], STDOUT_FILENO) < 0 : false)
		_exit(127);
	if (out[1] < 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(127);
	}
	execvpe(argv[0], (char *const *)argv, (char *const *)envp);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads stdout and stderr to their ends (or the deadline); -ETIMEDOUT then. */
static int collect(int outfd, int errfd, struct kb_buf *out, struct kb_buf *errbuf)
{
	long deadline = now_ms() + KB_STORAGE_TOOL_TIMEOUT_S * 1000L;
	struct pollfd fds[2] = { { .fd = outfd, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
	char chunk[CHUNK];
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		long left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		int r = poll(fds, 2, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fds[i].fd = -1;
				continue;
			}
			/* Past the cap the rest is dropped: the head says what went wrong. */
			(void)kb_buf_add(i == 0 ? out : errbuf, chunk, (size_t)n);
		}
	}
	return 0;
}

/* The last non-empty line of a tool's stderr: usually the reason. */
static void summarize(const struct kb_buf *b, char *msg, size_t size)
{
	if (!size)
		return;
	msg[0] = '\0';
	if (!b->data)
		return;
	size_t end = b->len;
	while (end > 0 && (b->data[end - 1] == '\n' || b->data[end - 1] == ' '))
		end--;
	size_t start = end;
	while (start > 0 && b->data[start - 1] != '\n')
		start--;
	snprintf(msg, size, "%.*s", (int)(end - start), b->data + start);
}

int kb_storage_run(const char *const *argv, const char *const *env, const void *input,
		   size_t input_len, struct kb_buf *out, char *msg, size_t msg_size)
{
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	if (input_len > KB_STORAGE_KEY_MAX)
		return -E2BIG;
	if (pipe2(in, O_CLOEXEC) < 0 || (out && pipe2(outp, O_CLOEXEC) < 0) ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		int r = -errno;
		close_pair(in);
		close_pair(outp);
		close_pair(errp);
		return r;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close_pair(in);
		close_pair(outp);
		close_pair(errp);
		return r;
	}
	if (pid == 0)
		child(argv, env, in, outp, errp);
	close(in[0]);
	close(errp[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	/* A key is a few KiB at most: it fits the pipe, so this never blocks. */
	int r = 0;
	if (input_len && write(in[1], input, input_len) != (ssize_t)input_len)
		r = -EPIPE;
	close(in[1]);

	struct kb_buf errbuf, discard;
	kb_buf_init(&errbuf, KB_STORAGE_OUTPUT_MAX);
	kb_buf_init(&discard, KB_STORAGE_OUTPUT_MAX);
	int c = collect(outp[0], errp[0], out ? out : &discard, &errbuf);
	if (outp[0] >= 0)
		close(outp[0]);
	close(errp[0]);
	if (c == -ETIMEDOUT)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = -errno;
			break;
		}
	summarize(&errbuf, msg, msg_size);
	kb_buf_free(&errbuf);
	kb_buf_free(&discard);
	if (c < 0)
		return c;
	if (r < 0)
		return r;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int kb_storage_dir(const char *what, char *ret, size_t size, kb_error *err)
{
	int n = snprintf(ret, size, "%s/storage/%s", kb_env()->run_dir, what);
	if (n < 0 || (size_t)n >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s/storage: path too long", kb_env()->run_dir);
	int r = kb_mkdir_p(ret);
	if (r < 0)
		return kb_error_set(err, -r, "%s: cannot create: %s", ret, strerror(-r));
	return 0;
}
