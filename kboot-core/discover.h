/* Boot-entry discovery: every config format on every filesystem. One parser
 * per format, in a table; adding a format is one file and one row. */
#pragma once
#include "config.h"
#include "entry.h"
#include "error.h"

enum {
	KB_PARSE_FILE_MAX = 1024 * 1024, /* bytes of one config file */
	KB_INCLUDE_DEPTH_MAX = 8,        /* syslinux INCLUDE, grub source/configfile */
	KB_INCLUDE_FILES_MAX = 64,       /* files included by one config in all (each may repeat) */
	KB_ENTRIES_PER_CONFIG_MAX = 256,
	/* grub.cfg: blocks (menuentry bodies, if, loops, elif) open at once; each
	 * level is a few stack frames of the interpreter (kboot-core/grub.h). */
	KB_GRUB_NESTING_MAX = 32,
	/* grub.cfg: words and separators of a file and every file read before it
	 * in one run (their trees stay: functions and bodies point into them); a
	 * long Debian grub.cfg has ~5,000. */
	KB_GRUB_TOKENS_MAX = 64 * 1024,
};

/* A filesystem as a parser sees it. */
struct kb_fs {
	const char *device;     /* "vda2"; NULL for a plain directory */
	const char *mountpoint; /* where its files are now (a fixture dir in tests) */
	const char *uuid;       /* may be NULL */
	/* How files on it are named in generalized paths: "" when it is the
	 * target root, "/boot" when it is mounted at the target's /boot, NULL to
	 * use "device:" names. */
	const char *target_prefix;
	/* UUID of the root filesystem of the system this fs belongs to, for the
	 * root= of plain kernels (set for the target's /boot); NULL: fs->uuid
	 * when fs itself holds /sbin/init. */
	const char *root_uuid;
};

/* The generalized path name of `path` (absolute on fs). */
int kb_fs_path(const struct kb_fs *fs, const char *path, char *ret, size_t size);

struct kb_parser {
	const char *name; /* "grub", "bls", "syslinux", "plain" */
	int (*parse)(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err);
};
extern const struct kb_parser kb_parsers[];
extern const size_t kb_parsers_count;

/* Entries from kboot.conf labels (global, not per filesystem). */
int kb_entries_from_config(const struct kb_config *cfg, struct kb_entry_list *out, kb_error *err);
/* Run every parser on one filesystem; a parser's failure is logged and skipped. */
int kb_entries_discover_fs(const struct kb_fs *fs, struct kb_entry_list *out);
/* Everything: kboot.conf labels, the target, then every other filesystem
 * (mounted read-only on demand). Merged, defaults marked. */
int kb_entries_discover(const struct kb_config *cfg, struct kb_entry_list *ret, kb_error *err);
/* Leave one default: the entry kboot.conf's default= names (a label, an
 * entry id, title or grub id), else the first entry a config marked (the
 * target's grub default), else the first BLS entry. */
void kb_entries_mark_default(struct kb_entry_list *l, const char *config_default);
