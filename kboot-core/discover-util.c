/* Reading files of a filesystem under discovery, version order, path tidying. */
#include "discover-util.h"
#include "buf.h"
#include "cleanup.h"
#include "fs-util.h"
#include "path.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int kb_fs_local(const struct kb_fs *fs, const char *path, char *ret, size_t size)
{
	const char *mp = fs->mountpoint ? fs->mountpoint : "";
	size_t ml = strlen(mp);
	while (ml > 0 && mp[ml - 1] == '/')
		ml--;
	int n = snprintf(ret, size, "%.*s/%s", (int)ml, mp, path[0] == '/' ? path + 1 : path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* strerror for reading a filesystem under discovery. Linux says EUCLEAN
 * (ext4's EFSCORRUPTED) or EBADMSG (EFSBADCRC) for a damaged filesystem;
 * musl 1.2.3 has no text for EUCLEAN at all ("No error information"). */
static const char *read_strerror(int errnum)
{
	if (errnum == EUCLEAN)
		return "the filesystem is damaged (structure needs cleaning; run fsck)";
	if (errnum == EBADMSG)
		return "the filesystem is damaged (bad checksum; run fsck)";
	return strerror(errnum);
}

/* The file is on fs itself, not on something mounted below its mountpoint. */
static int same_fs(const struct kb_fs *fs, const char *local, struct stat *ret)
{
	struct stat root;
	if (stat(local, ret) < 0)
		return -errno;
	if (stat(fs->mountpoint, &root) < 0)
		return -errno;
	return ret->st_dev == root.st_dev ? 0 : -EXDEV;
}

bool kb_fs_exists(const struct kb_fs *fs, const char *path)
{
	char local[KB_PATH_MAX];
	struct stat st;
	return kb_fs_local(fs, path, local, sizeof(local)) == 0 && same_fs(fs, local, &st) == 0;
}

int kb_fs_read(const struct kb_fs *fs, const char *path, char **ret_text, size_t *ret_len,
	       kb_error *err)
{
	char local[KB_PATH_MAX], name[KB_PATH_MAX];
	struct stat st;
	if (kb_fs_local(fs, path, local, sizeof(local)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", path);
	if (kb_fs_path(fs, path, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "%s", path);
	int r = same_fs(fs, local, &st);
	if (r == -ENOENT || r == -EXDEV || r == -ENOTDIR)
		return -ENOENT;
	if (r < 0)
		return kb_error_set(err, -r, "%s: %s", name, read_strerror(-r));
	if (S_ISDIR(st.st_mode))
		return kb_error_set(err, EISDIR, "%s: is a directory, not a config file", name);
	if (st.st_size > KB_PARSE_FILE_MAX)
		return kb_error_set(err, EFBIG, "%s: too large for a config file (%lld bytes, limit %d)",
				    name, (long long)st.st_size, KB_PARSE_FILE_MAX);
	_cleanup_close_ int fd = kb_open_regular(local, name, err);
	if (fd < 0)
		return fd;
	r = kb_read_fd(fd, KB_PARSE_FILE_MAX, ret_text, ret_len);
	if (r == -EFBIG)
		return kb_error_set(err, EFBIG, "%s: too large for a config file (limit %d bytes)",
				    name, KB_PARSE_FILE_MAX);
	if (r < 0)
		return kb_error_set(err, -r, "%s: %s", name, read_strerror(-r));
	return 0;
}

int kb_fs_load_grubenv(const struct kb_fs *fs, const char *const *paths, size_t n,
		       struct kb_grubenv *ret)
{
	kb_grubenv_init(ret);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		kb_error err = { 0 };
		int r = kb_fs_read(fs, paths[i], &text, &len, &err);
		if (r == -ENOENT)
			continue;
		if (r >= 0)
			r = kb_grubenv_parse(text, len, ret, &err);
		if (r >= 0)
			return 0;
		/* a broken grubenv must not hide the menu: GRUB ignores it too */
		kb_grubenv_init(ret);
	}
	return 0;
}

int kb_version_compare(const char *a, const char *b)
{
	for (;;) {
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++, b++;
			continue;
		}
		if (!*a || !*b)
			return (*a != 0) - (*b != 0);
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t la = 0, lb = 0;
			while (isdigit((unsigned char)a[la]))
				la++;
			while (isdigit((unsigned char)b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(a, b, la);
			if (c)
				return c < 0 ? -1 : 1;
			a += la, b += lb;
			continue;
		}
		/* a digit run is newer than letters ("6.1.10" > "6.1.rc") */
		if (isdigit((unsigned char)*a) != isdigit((unsigned char)*b))
			return isdigit((unsigned char)*a) ? 1 : -1;
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++, b++;
	}
}

void kb_path_normalize_abs(char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return; /* left as it was: still a usable path */
	char *out = path, *p = copy;
	*out++ = '/';
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t l = strcspn(p, "/");
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (out > path + 1) {
				out--; /* the '/' after the last component */
				while (out > path + 1 && out[-1] != '/')
					out--;
			}
		} else if (!(l == 1 && p[0] == '.')) {
			memcpy(out, p, l);
			out += l;
			*out++ = '/';
		}
		p += l;
	}
	if (out > path + 1)
		out--;
	*out = '\0';
}
