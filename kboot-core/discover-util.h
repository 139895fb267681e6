/* Helpers shared by the config-format parsers (conf-*.c) and discovery.
 * Internal to kboot-core: front ends use discover.h. */
#pragma once
#include "discover.h"
#include "entry.h"
#include "error.h"
#include "grubenv.h"

#include <stdbool.h>
#include <stddef.h>

/* One parser per format; discover.c lists them in kb_parsers[]. */
int kb_parse_grub(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err);
int kb_parse_bls(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err);
int kb_parse_syslinux(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err);
int kb_parse_plain(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err);
/* One syslinux config at `path` on fs, relative paths taken against `dir`
 * (pxelinux: the boot file's directory, not the config's). -ENOENT when absent. */
int kb_parse_syslinux_config(const struct kb_fs *fs, const char *path, const char *dir,
			     struct kb_entry_list *out, kb_error *err);
/* PXE-style entries from the DHCP boot options (discover-pxe.c): "Network
 * boot: <bootfile>" and the labels of the pxelinux.cfg on that TFTP server,
 * with tftp:// paths. Nothing without a lease that names a boot file. */
void kb_entries_discover_pxe(struct kb_entry_list *out);

/* BLS entries with $vars expanded from `vars` (grubenv, or grub's variables
 * when reached through grub.cfg's `blscfg`). Appends in sort order; gives
 * how many were added. */
int kb_bls_parse_vars(const struct kb_fs *fs, const struct kb_grubenv *vars,
		      struct kb_entry_list *out, size_t *ret_added, kb_error *err);

/* Read a config file at `path` on fs (absolute on fs), capped at
 * KB_PARSE_FILE_MAX. -ENOENT (no message) when absent or when the path
 * crosses into another filesystem mounted below fs. */
int kb_fs_read(const struct kb_fs *fs, const char *path, char **ret_text, size_t *ret_len,
	       kb_error *err);
/* The file exists on fs itself (not on a filesystem mounted below it). */
bool kb_fs_exists(const struct kb_fs *fs, const char *path);
/* mountpoint + path, for opendir() and friends. */
int kb_fs_local(const struct kb_fs *fs, const char *path, char *ret, size_t size);
/* Load the first grubenv found among the given fs paths; an empty env when none. */
int kb_fs_load_grubenv(const struct kb_fs *fs, const char *const *paths, size_t n,
		       struct kb_grubenv *ret);

/* Version order like systemd's strverscmp_improved: digit runs compare as
 * numbers, '~' sorts before anything (even the end). */
int kb_version_compare(const char *a, const char *b);

/* "/a/./b//c" -> "/a/b/c"; ".." folded, never above "/". */
void kb_path_normalize_abs(char *path);
