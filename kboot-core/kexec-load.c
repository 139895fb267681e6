/* Loading and executing kernels through kexec-tools (kexec.h), with checks first so a
 * person gets "not a kernel" rather than kexec's exit code. */
#include "kexec.h"
#include "buf.h"
#include "cleanup.h"
#include "entry.h"
#include "env.h"
#include "event.h"
#include "fs-util.h"
#include "log.h"
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
	KB_KEXEC_ARGS_MAX = 16,
	KB_CMDLINE_DEFAULT_MAX = 2048, /* x86 boot protocol >= 2.06 without a header value */
	KB_MEMORY_RESERVE = 32 << 20,  /* left free for the running kboot while loading */
};

/* How the current image was loaded, so unloading uses the same syscall. */
static bool loaded_with_file_load;

/* Run kexec with argv, its stdout and stderr captured into out (bounded). */
static int run_kexec(const char *const *argv, struct kb_buf *out)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	char chunk[512];
	for (;;) {
		ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Past the cap the tail is dropped; the head says what went wrong. */
		(void)kb_buf_add(out, chunk, (size_t)n);
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* kexec's output as one line: newlines folded, trailing space cut. */
static const char *one_line(struct kb_buf *out)
{
	if (!out->data)
		return "no output";
	for (size_t i = 0; i < out->len; i++)
		if (out->data[i] == '\n' || out->data[i] == '\r')
			out->data[i] = ' ';
	while (out->len > 0 && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
	return out->len ? out->data : "no output";
}

static int64_t mem_available(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	char line[128];
	while (fgets(line, sizeof(line), f)) {
		int64_t kib;
		if (sscanf(line, "MemAvailable: %" SCNd64 " kB", &kib) == 1)
			return kib * 1024;
	}
	return -ENOENT;
}

int kb_kexec_check(const struct kb_kexec_image *img, struct kb_file_info *ret_info, kb_error *err)
{
	struct kb_file_info info;
	int r = kb_inspect_file(img->kernel, &info, err);
	if (r < 0)
		return r;
	if (info.kind != KB_KIND_KERNEL)
		return kb_error_set(err, ENOEXEC, "%s: not a Linux kernel (%s)", img->kernel,
				    info.format == KB_FORMAT_UNKNOWN ? "no bzImage header"
								     : kb_file_format_name(info.format));
	if (!info.arch_ok)
		return kb_error_set(err, ENOEXEC, "%s: a kernel for another architecture",
				    img->kernel);
	/* A cut-short copy loads fine and dies after the handover: refuse it here. */
	if (info.image_size > info.size)
		return kb_error_set(err, ENOEXEC,
				    "%s: the kernel is cut short (%" PRIu64 " bytes; its header says %" PRIu64
				    "); copy it again",
				    img->kernel, info.size, info.image_size);

	size_t cmdline_max = info.cmdline_max ? info.cmdline_max : KB_CMDLINE_DEFAULT_MAX;
	size_t len = img->cmdline ? strlen(img->cmdline) : 0;
	if (len > cmdline_max)
		return kb_error_set(err, E2BIG,
				    "command line is %zu bytes; this kernel accepts at most %zu",
				    len, cmdline_max);

	uint64_t need = info.size;
	for (size_t i = 0; i < img->n_initrds; i++) {
		struct stat st;
		if (stat(img->initrds[i], &st) < 0)
			return kb_error_set(err, errno, "%s: %s", img->initrds[i], strerror(errno));
		if (!S_ISREG(st.st_mode))
			return kb_error_set(err, EINVAL, "%s: not a regular file", img->initrds[i]);
		need += (uint64_t)st.st_size;
	}
	/* A concatenated initrd is written to RAM once more before loading. */
	if (img->n_initrds > 1)
		need *= 2;
	int64_t avail = mem_available();
	if (avail >= 0 && need + KB_MEMORY_RESERVE > (uint64_t)avail)
		return kb_error_set(err, ENOMEM,
				    "kernel and initrds need %" PRIu64 " MiB, but only %" PRId64
				    " MiB of memory is free",
				    need >> 20, avail >> 20);
	if (ret_info)
		*ret_info = info;
	return 0;
}

/* Several initrds become one file in RAM, as the kernel takes one. */
static int concat_initrds(const struct kb_kexec_image *img, char *ret, size_t size, kb_error *err)
{
	snprintf(ret, size, "%s/initrd.concat", kb_env()->run_dir);
	_cleanup_close_ int out = open(ret, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return kb_error_set(err, errno, "%s: %s", ret, strerror(errno));
	enum { CHUNK = 64 * 1024 };
	_cleanup_free_ char *chunk = malloc(CHUNK);
	if (!chunk)
		return kb_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < img->n_initrds; i++) {
		_cleanup_close_ int in = kb_open_regular(img->initrds[i], img->initrds[i], err);
		if (in < 0)
			return in;
		for (;;) {
			ssize_t n = read(in, chunk, CHUNK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return kb_error_set(err, errno, "%s: %s", img->initrds[i],
						    strerror(errno));
			if (n == 0)
				break;
			if (write(out, chunk, (size_t)n) != n)
				return kb_error_set(err, errno ? errno : EIO, "%s: %s", ret,
						    strerror(errno ? errno : EIO));
		}
	}
	return 0;
}

static int load_with(bool file_load, const struct kb_kexec_image *img, const char *initrd,
		     struct kb_buf *out)
{
	_cleanup_free_ char *initrd_arg = NULL, *cmdline_arg = NULL;
	const char *argv[KB_KEXEC_ARGS_MAX];
	size_t n = 0;
	argv[n++] = kb_env()->kexec_bin;
	/* -s only picks the syscall; -l is the action. Without an action
	 * kexec-tools loads and then runs shutdown(8). */
	if (file_load)
		argv[n++] = "-s";
	argv[n++] = "-l";
	argv[n++] = img->kernel;
	if (initrd) {
		if (asprintf(&initrd_arg, "--initrd=%s", initrd) < 0)
			return -ENOMEM;
		argv[n++] = initrd_arg;
	}
	/* Exactly one --command-line: kexec-tools' appends are last-wins, and a
	 * missing one must not mean "reuse ours". */
	if (asprintf(&cmdline_arg, "--command-line=%s", img->cmdline ? img->cmdline : "") < 0)
		return -ENOMEM;
	argv[n++] = cmdline_arg;
	argv[n] = NULL;
	kb_buf_reset(out);
	return run_kexec(argv, out);
}

int kb_kexec_load(const struct kb_kexec_image *img, kb_error *err)
{
	char concat[512] = "";
	const char *initrd = img->n_initrds ? img->initrds[0] : NULL;
	if (img->n_initrds > 1) {
		int r = concat_initrds(img, concat, sizeof(concat), err);
		if (r < 0) {
			unlink(concat);
			return r;
		}
		initrd = concat;
	}

	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_PROGRESS, .text = "load",
					  .name = img->kernel });
	struct kb_buf out;
	kb_buf_init(&out, KB_KEXEC_OUTPUT_MAX);
	/* kexec_load first: it loaded the demo kernel in half the time of
	 * kexec_file_load, which also hashes every segment (bench/RESULTS.md).
	 * kexec_file_load is the fallback for kernels in lockdown, where only
	 * it is allowed. */
	int r = load_with(false, img, initrd, &out);
	loaded_with_file_load = false;
	if (r != 0) {
		kb_debug("kexec -l failed (%d): %s", r, one_line(&out));
		r = load_with(true, img, initrd, &out);
		loaded_with_file_load = r == 0;
	}
	if (concat[0])
		unlink(concat);
	if (r != 0) {
		int e = kb_error_set(err, r < 0 ? -r : ENOEXEC, "kexec: %s", one_line(&out));
		kb_buf_free(&out);
		return e;
	}
	kb_buf_free(&out);
	kb_info("loaded %s", img->kernel);
	return 0;
}

int kb_kexec_unload(kb_error *err)
{
	const char *argv[4];
	size_t n = 0;
	argv[n++] = kb_env()->kexec_bin;
	if (loaded_with_file_load)
		argv[n++] = "-s";
	argv[n++] = "-u";
	argv[n] = NULL;
	struct kb_buf out;
	kb_buf_init(&out, KB_KEXEC_OUTPUT_MAX);
	int r = run_kexec(argv, &out);
	if (r != 0) {
		int e = kb_error_set(err, r < 0 ? -r : EIO, "kexec unload: %s", one_line(&out));
		kb_buf_free(&out);
		return e;
	}
	kb_buf_free(&out);
	return 0;
}

int kb_kexec_exec(kb_error *err)
{
	kb_error umount_err = { 0 };
	if (kb_umount_all(&umount_err) < 0)
		kb_warn("%s", umount_err.text); /* kexec still works with a busy mount */
	sync();
	const char *argv[] = { kb_env()->kexec_bin, "-e", NULL };
	struct kb_buf out;
	kb_buf_init(&out, KB_KEXEC_OUTPUT_MAX);
	int r = run_kexec(argv, &out);
	/* Only reached when kexec -e did not hand over. */
	int e = kb_error_set(err, r < 0 ? -r : EIO, "kexec -e: %s", one_line(&out));
	kb_buf_free(&out);
	return e;
}
