/* Shared by the fuzz harnesses: a scratch directory that stands for a
 * filesystem (parsers of grub.cfg, BLS and syslinux read files), and a
 * kboot environment that touches nothing of the host's (empty sysfs, a
 * target directory, a kexec that does nothing). */
#pragma once
#include "kboot-core/env.h"
#include "kboot-core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_root[256];

static inline void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz harness: %s: %s\n", what, strerror(errno));
	abort();
}

static inline void fuzz_remove_root(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_root);
	if (fuzz_root[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz harness: could not remove %s\n", fuzz_root);
}

/* mkdir -p of the directories above root/rel. */
static inline void fuzz_mkdirs(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	for (char *p = path + strlen(fuzz_root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fuzz_die(path);
		*p = '/';
	}
}

/* Write data as root/rel (replacing it). */
static inline void fuzz_write(const char *rel, const void *data, size_t size)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", fuzz_root, rel);
	fuzz_mkdirs(rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fuzz_die(path);
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n <= 0)
			fuzz_die(path);
		p += n;
		size -= (size_t)n;
	}
	close(fd);
}

static inline void fuzz_write_text(const char *rel, const char *text)
{
	fuzz_write(rel, text, strlen(text));
}

/* Once per process: the scratch root (on /dev/shm when there is one), an
 * empty sysfs, and only errors on stderr. */
static inline void fuzz_setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz_root, sizeof(fuzz_root), "%s/kboot-fuzz-XXXXXX", base);
	if (!mkdtemp(fuzz_root))
		fuzz_die("mkdtemp");
	atexit(fuzz_remove_root);
	char dir[300];
	fuzz_mkdirs("sys/class/block/x");
	fuzz_mkdirs("target/x");
	fuzz_mkdirs("run/x");
	fuzz_mkdirs("fs/x");
	snprintf(dir, sizeof(dir), "%s/sys", fuzz_root);
	setenv("KBOOT_SYSFS", dir, 1);
	snprintf(dir, sizeof(dir), "%s/target", fuzz_root);
	setenv("KBOOT_TARGET_ROOT", dir, 1);
	snprintf(dir, sizeof(dir), "%s/run", fuzz_root);
	setenv("KBOOT_RUN_DIR", dir, 1);
	snprintf(dir, sizeof(dir), "%s/etc", fuzz_root);
	setenv("KBOOT_ETC", dir, 1);
	setenv("KBOOT_KEXEC", "/bin/false", 1);
	setenv("KBOOT_CMDLINE", "kboot=local", 1);
	kb_env_reload();
	kb_log_set_stderr_level(KB_LOG_ERR);
}

/* A copy with a NUL after it, for entry points that take C strings. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
