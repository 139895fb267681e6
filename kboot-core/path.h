/* Generalized path names (the kboot paper's Table 1, plus https, tftp and
 * UUID=/LABEL=/PARTUUID= devices). Parsing is pure; resolving mounts or
 * fetches as needed and gives a local path. One scheme per file, in a table. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	KB_PATH_MAX = 4096,       /* bytes, with the NUL: longer text is refused */
	KB_PATH_DEVICE_MAX = 256, /* "sda1", "UUID=…", an NFS host */
	KB_PATH_SYMLINKS_MAX = 40, /* links followed in one resolution, like the kernel */
};

enum kb_path_kind {
	KB_PATH_TARGET,      /* /boot/vmlinuz: in the target system */
	KB_PATH_KBOOT,       /* //etc/fstab: in kboot's own root */
	KB_PATH_DEVICE,      /* sda1, /dev/sda1: the device itself */
	KB_PATH_DEVICE_FILE, /* sda1:/p, /dev/sda6:p, UUID=…:/p, LABEL=…:/p */
	KB_PATH_NFS,         /* host:/export/p */
	KB_PATH_URL,         /* http://, https://, ftp://, tftp:// */
};

struct kb_path_scheme;

struct kb_path {
	enum kb_path_kind kind;
	const struct kb_path_scheme *scheme;
	char device[KB_PATH_DEVICE_MAX]; /* "sda1", "UUID=…"; the host for NFS */
	char path[KB_PATH_MAX];          /* normalized, absolute ("/"); the URL for URLs */
	bool insecure; /* a URL: fetch without checking the certificate (false when parsed) */
};

struct kb_path_scheme {
	const char *name;
	/* Does this text belong to the scheme? Tried in table order. */
	bool (*match)(const char *text);
	int (*parse)(const char *text, struct kb_path *ret, kb_error *err);
	/* A local path for the file or directory (mounting, fetching). */
	int (*resolve)(const struct kb_path *p, char *ret, size_t size, kb_error *err);
	/* An open fd, read-only (symlinks stay inside the filesystem's root). */
	int (*open)(const struct kb_path *p, int flags, kb_error *err);
};

/* Which form a text is, in table order (first match wins):
 *   scheme://…            URL (http, https, ftp, tftp; other schemes are refused)
 *   //p                   kboot's own root
 *   UUID=u[:p] LABEL=l[:p] PARTUUID=u[:p]   a device by tag (the value ends at the first ':')
 *   X:p                   device file, when X is /dev/… or a device word (below)
 *   /dev/X, X             the device itself, when X is a device word
 *   H:/p                  NFS: any other H without '/'; H:p (not absolute) is an error
 *   /p                    the target system
 *   anything else         relative to cwd ("./sda1" for a file called sda1)
 * A device word is a name in /sys/class/block, or one shaped like a kernel
 * block device (sd*, hd*, vd*, xvd*, nvme*n*, mmcblk*, sr*, md*, dm-*, loop*,
 * nbd*, ubiblock*), present or not, so "sda1:/p" is never taken for a host called sda1. */
/* text: a generalized path; cwd: the generalized path relative names are
 * taken against ("/" when NULL). ".." is folded lexically and never climbs
 * above the root of the path's namespace. */
int kb_path_parse(const char *text, const char *cwd, struct kb_path *ret, kb_error *err);
/* Which form a text is, by the same table kb_path_parse reads it with, for
 * every front end that must tell a path from another word: 0 and *ret;
 * -ENOENT for a name relative to the current directory; -EINVAL and the
 * like for text that is no path (mailto:x, host:relative). */
int kb_path_kind_of(const char *text, enum kb_path_kind *ret);
/* A device word: a name /sys/class/block knows, or one shaped like a kernel
 * block device (see above). len: the word is text[0..len). */
bool kb_path_is_device_word(const char *word, size_t len);
/* The canonical text of a parsed path ("vda2:/boot", "/etc", "//etc"). */
int kb_path_format(const struct kb_path *p, char *ret, size_t size);
int kb_path_resolve(const struct kb_path *p, char *ret_local, size_t size, kb_error *err);
/* parse + resolve. */
int kb_path_to_local(const char *text, const char *cwd, char *ret_local, size_t size, kb_error *err);
/* Join a directory's generalized path and a child name ("vda2:/" + "boot"). */
int kb_path_child(const char *dir, const char *name, char *ret, size_t size);
bool kb_path_has_dotdot(const char *text);
/* Open what a path names, read-only (flags such as O_RDONLY, O_DIRECTORY,
 * O_PATH; write flags fail with -EROFS), with symlinks confined to the
 * filesystem the path is in. For listing a directory or reading a file. */
int kb_path_open(const struct kb_path *p, int flags, kb_error *err);
