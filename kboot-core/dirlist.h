/* A directory as a person sees it: sorted entries with their type, size,
 * time and kind (kernel, initrd, config), capped at a named limit. The
 * console's ls and the API's file browser both show this. */
#pragma once
#include "error.h"
#include "inspect.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { KB_DIR_PEEK_MAX = 16 * 1024 }; /* bytes read per file to name its kind */

enum kb_dirent_type { KB_DIRENT_FILE, KB_DIRENT_DIRECTORY, KB_DIRENT_SYMLINK, KB_DIRENT_OTHER };

struct kb_dirent {
	char *name;
	enum kb_dirent_type type; /* of the entry itself: a symlink is not followed */
	bool is_dir;              /* a directory, or a symlink to one */
	uint64_t size;
	int64_t mtime;
	enum kb_file_kind kind;       /* regular files only; KB_KIND_OTHER otherwise */
	char version[KB_VERSION_MAX]; /* a kernel's, when its first bytes say it */
};

struct kb_dir_listing {
	struct kb_dirent *v;
	size_t n;
	bool truncated; /* more than `max` entries: only the first max (by name) */
};

/* local_dir: a local path (already resolved); max: the caller's named limit.
 * Dot files are left out unless hidden is true; "." and ".." never appear. */
int kb_dir_list(const char *local_dir, size_t max, bool hidden, struct kb_dir_listing *ret,
		kb_error *err);
void kb_dir_listing_free(struct kb_dir_listing *l);
const char *kb_dirent_type_name(enum kb_dirent_type t);
