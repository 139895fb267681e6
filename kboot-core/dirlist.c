/* Directory listings with file kinds (see dirlist.h). */
#include "dirlist.h"
#include "cleanup.h"
#include "fs-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *kb_dirent_type_name(enum kb_dirent_type t)
{
	switch (t) {
	case KB_DIRENT_FILE:
		return "file";
	case KB_DIRENT_DIRECTORY:
		return "directory";
	case KB_DIRENT_SYMLINK:
		return "symlink";
	case KB_DIRENT_OTHER:
		break;
	}
	return "other";
}

static enum kb_dirent_type type_of(mode_t mode)
{
	if (S_ISREG(mode))
		return KB_DIRENT_FILE;
	if (S_ISDIR(mode))
		return KB_DIRENT_DIRECTORY;
	if (S_ISLNK(mode))
		return KB_DIRENT_SYMLINK;
	return KB_DIRENT_OTHER;
}

/* Name a regular file's kind from its first bytes. O_NONBLOCK and
 * O_NOFOLLOW: a listing never waits on a FIFO or follows a link out. */
static void peek(int dfd, struct kb_dirent *e, char *head)
{
	_cleanup_close_ int fd =
		openat(dfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || kb_check_regular(fd, e->name, NULL) < 0)
		return;
	size_t len = 0;
	while (len < KB_DIR_PEEK_MAX) {
		ssize_t n = read(fd, head + len, KB_DIR_PEEK_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	struct kb_file_info info = { 0 };
	if (kb_inspect_buffer(e->name, head, len, e->size, &info) < 0)
		return;
	e->kind = info.kind;
	memcpy(e->version, info.version, sizeof(e->version));
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct kb_dirent *)a)->name, ((const struct kb_dirent *)b)->name);
}

void kb_dir_listing_free(struct kb_dir_listing *l)
{
	for (size_t i = 0; l->v && i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	*l = (struct kb_dir_listing){ 0 };
}

int kb_dir_list(const char *local_dir, size_t max, bool hidden, struct kb_dir_listing *ret,
		kb_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(local_dir);
	if (!d)
		return kb_error_set(err, errno, "%s: %s", local_dir, strerror(errno));
	struct kb_dir_listing l = { .v = calloc(max ? max : 1, sizeof(*l.v)) };
	if (!l.v)
		return kb_error_set(err, ENOMEM, "out of memory");
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!hidden && de->d_name[0] == '.')
			continue;
		if (l.n == max) {
			l.truncated = true;
			break;
		}
		l.v[l.n].name = strdup(de->d_name);
		if (!l.v[l.n].name) {
			kb_dir_listing_free(&l);
			return kb_error_set(err, ENOMEM, "out of memory");
		}
		l.n++;
	}
	if (!de && errno) {
		int e = errno;
		kb_dir_listing_free(&l);
		return kb_error_set(err, e, "%s: %s", local_dir, strerror(e));
	}
	qsort(l.v, l.n, sizeof(*l.v), compare_entries);

	_cleanup_free_ char *head = malloc(KB_DIR_PEEK_MAX);
	if (!head) {
		kb_dir_listing_free(&l);
		return kb_error_set(err, ENOMEM, "out of memory");
	}
	int dfd = dirfd(d);
	for (size_t i = 0; i < l.n; i++) {
		struct kb_dirent *e = &l.v[i];
		struct stat st;
		e->type = KB_DIRENT_OTHER;
		e->kind = KB_KIND_OTHER;
		if (fstatat(dfd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished while listing: shown without details */
		e->type = type_of(st.st_mode);
		e->size = (uint64_t)st.st_size;
		e->mtime = (int64_t)st.st_mtime;
		struct stat target;
		e->is_dir = S_ISDIR(st.st_mode) ||
			    (S_ISLNK(st.st_mode) && fstatat(dfd, e->name, &target, 0) == 0 &&
			     S_ISDIR(target.st_mode));
		if (e->type == KB_DIRENT_FILE)
			peek(dfd, e, head);
	}
	*ret = l;
	return 0;
}
