/* Small file-system helpers (see fs-util.h). */
#include "fs-util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
