/* Small file-system helpers (see fs-util.h). */
#include "fs-util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif

int kb_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* One step down: name in dirfd, never through a symlink or across a mount.
 * No fallback without openat2 (Linux 5.6+): a mount point kboot cannot
 * check is a mount point kboot does not make. */
static int open_child(int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int kb_dir_make_beneath(const char *root, const char *rel, kb_error *err)
{
	_cleanup_close_ int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", root, strerror(errno));
	char name[NAME_MAX + 1];
	for (const char *s = rel; *s;) {
		size_t len = strcspn(s, "/");
		if (len == 0) {
			s++;
			continue;
		}
		if (len > NAME_MAX)
			return kb_error_set(err, ENAMETOOLONG, "%s/%s: a name is too long", root, rel);
		memcpy(name, s, len);
		name[len] = '\0';
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return kb_error_set(err, EINVAL, "%s/%s: \".\" and \"..\" are not allowed",
					    root, rel);
		if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST)
			return kb_error_set(err, errno, "%s/%s: cannot make %s: %s", root, rel, name,
					    strerror(errno));
		int child = open_child(fd, name);
		if (child == -EXDEV || child == -ELOOP)
			return kb_error_set(err, -child,
					    "%s/%s: %s is %s; kboot makes its mount points only in "
					    "its own directories",
					    root, rel, name,
					    child == -EXDEV ? "a mount point" : "a symbolic link");
		if (child < 0)
			return kb_error_set(err, -child, "%s/%s: %s: %s", root, rel, name,
					    strerror(-child));
		close(fd);
		fd = child;
		s += len;
	}
	return TAKE_FD(fd);
}

static const char *kind_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "of an unknown type";
}

int kb_check_regular(int fd, const char *display, kb_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return kb_error_set(err, errno, "%s: %s", display, strerror(errno));
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode))
		return kb_error_set(err, EISDIR, "%s: is a directory", display);
	return kb_error_set(err, EINVAL, "%s: not a regular file (%s)", display,
			    kind_name(st.st_mode));
}

int kb_open_regular(const char *path, const char *display, kb_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", display, strerror(errno));
	int r = kb_check_regular(fd, display, err);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

int kb_lock_file(const char *path, kb_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return kb_error_set(err, e, "%s: cannot lock: %s", path, strerror(e));
		}
	return fd;
}
