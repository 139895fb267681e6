/* Opening a path inside a root so that no symlink escapes it: /vmlinuz ->
 * /boot/vmlinuz-6.1 in the target means <target>/boot/vmlinuz-6.1, never
 * kboot's own /boot. openat2(RESOLVE_IN_ROOT) where the kernel has it (5.6+),
 * else a bounded walk that follows each link by hand. */
#include "cleanup.h"
#include "path-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif

static int fail(kb_error *err, int e, const char *display)
{
	if (e == ENOENT)
		return kb_error_set(err, e, "%s: no such file or directory", display);
	if (e == ENOTDIR)
		return kb_error_set(err, e, "%s: not a directory", display);
	if (e == ELOOP)
		return kb_error_set(err, e, "%s: too many levels of symbolic links", display);
	return kb_error_set(err, e, "%s: %s", display, strerror(e));
}

/* Append "/" + name to the resolved relative path. */
static int push(char *rel, size_t size, const char *name, size_t len)
{
	size_t n = strlen(rel);
	if (n + (n ? 1 : 0) + len + 1 > size)
		return -ENAMETOOLONG;
	if (n)
		rel[n++] = '/';
	memcpy(rel + n, name, len);
	rel[n + len] = '\0';
	return 0;
}

static void pop(char *rel)
{
	char *slash = strrchr(rel, '/');
	if (slash)
		*slash = '\0';
	else
		rel[0] = '\0';
}

int kb_path_walk_in_root(int rootfd, const char *path, const char *display, char *ret,
			 size_t size, kb_error *err)
{
	/* `todo` is what is left to walk; a link's target is put in front of it.
	 * Four paths: 16 KiB, on the heap. */
	_cleanup_free_ struct {
		char todo[KB_PATH_MAX], next[KB_PATH_MAX], link[KB_PATH_MAX], rel[KB_PATH_MAX];
	} *b = calloc(1, sizeof(*b));
	if (!b)
		return kb_error_set(err, ENOMEM, "out of memory");
	char *todo = b->todo, *next = b->next, *link = b->link, *rel = b->rel;
	if (snprintf(todo, KB_PATH_MAX, "%s", path) >= KB_PATH_MAX)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", display);
	int links = 0;
	const char *s = todo;
	for (;;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, "/");
		if (len == 1 && s[0] == '.') {
			s += len;
			continue;
		}
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			pop(rel); /* at the root, ".." is the root */
			s += len;
			continue;
		}
		size_t saved = strlen(rel);
		if (push(rel, KB_PATH_MAX, s, len) < 0)
			return kb_error_set(err, ENAMETOOLONG, "%s: path too long", display);
		s += len;

		struct stat st;
		if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return fail(err, errno, display);
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > KB_PATH_SYMLINKS_MAX)
			return fail(err, ELOOP, display);
		ssize_t n = readlinkat(rootfd, rel, link, KB_PATH_MAX - 1);
		if (n < 0)
			return fail(err, errno, display);
		link[n] = '\0';
		rel[saved] = '\0';
		if (link[0] == '/')
			rel[0] = '\0'; /* absolute: from the root we were given */
		if (snprintf(next, KB_PATH_MAX, "%s/%s", link, s) >= KB_PATH_MAX)
			return kb_error_set(err, ENAMETOOLONG, "%s: path too long", display);
		memcpy(todo, next, strlen(next) + 1);
		s = todo;
	}
	if ((size_t)snprintf(ret, size, "%s", rel) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", display);
	return 0;
}

static int open_root(const char *root, const char *display, kb_error *err)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s: %s", display, root, strerror(errno));
	return fd;
}

static int open_beneath(int rootfd, const char *path, int flags, const char *display,
			kb_error *err)
{
	const char *rel = path;
	while (*rel == '/')
		rel++;
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return fail(err, errno, display);

	char walked[KB_PATH_MAX];
	int r = kb_path_walk_in_root(rootfd, path, display, walked, sizeof(walked), err);
	if (r < 0)
		return r;
	fd = openat(rootfd, *walked ? walked : ".", flags | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail(err, errno, display);
	return fd;
}

int kb_path_open_in_root(const char *root, const char *path, int flags, const char *display,
			 kb_error *err)
{
	if (kb_path_flags_write(flags))
		return kb_error_set(err, EROFS, "%s: kboot opens files read-only", display);
	_cleanup_close_ int rootfd = open_root(root, display, err);
	if (rootfd < 0)
		return rootfd;
	return open_beneath(rootfd, path, flags, display, err);
}

int kb_path_resolve_in_root(const char *root, const char *path, const char *display,
			    char *ret, size_t size, kb_error *err)
{
	char real_root[PATH_MAX];
	if (!realpath(root, real_root))
		return kb_error_set(err, errno, "%s: %s: %s", display, root, strerror(errno));
	_cleanup_close_ int rootfd = open_root(real_root, display, err);
	if (rootfd < 0)
		return rootfd;
	_cleanup_close_ int fd = open_beneath(rootfd, path, O_PATH, display, err);
	if (fd < 0)
		return fd;

	/* The kernel's own name for what we opened; without /proc, the walk's. */
	char local[PATH_MAX], proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, local, sizeof(local) - 1);
	if (n >= 0) {
		local[n] = '\0';
	} else {
		char walked[KB_PATH_MAX];
		int r = kb_path_walk_in_root(rootfd, path, display, walked, sizeof(walked), err);
		if (r < 0)
			return r;
		if (snprintf(local, sizeof(local), "%s%s%s", real_root,
			     strcmp(real_root, "/") && *walked ? "/" : "", walked) >= (int)sizeof(local))
			return kb_error_set(err, ENAMETOOLONG, "%s: path too long", display);
	}
	/* Belt and braces: what we hand out must lie inside the root. */
	size_t rn = strlen(real_root);
	bool inside = strcmp(real_root, "/") == 0 ||
		      (strncmp(local, real_root, rn) == 0 && (local[rn] == '\0' || local[rn] == '/'));
	if (!inside)
		return kb_error_set(err, EXDEV, "%s: leads outside its filesystem", display);
	if ((size_t)snprintf(ret, size, "%s", local) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", display);
	return 0;
}
