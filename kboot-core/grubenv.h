/* GRUB's environment block (grubenv): a 1024-byte file that starts with
 * "# GRUB Environment Block\n", holds `name=value` lines (a backslash escapes
 * the next character, e.g. a newline) and is padded with '#'. Variables keep
 * their order and the block its size, so a writer can edit it in place.
 * Also used as a plain ordered variable table (grub.cfg's `set`). */
#pragma once
#include "error.h"

#include <stddef.h>
#include <stdint.h>

enum {
	KB_GRUBENV_BLOCK_SIZE = 1024, /* what grub-editenv creates */
	KB_GRUBENV_SIZE_MAX = 64 * 1024,
	KB_GRUBENV_VARS_MAX = 256,
	KB_GRUBENV_NAME_MAX = 128,
};

#define KB_GRUBENV_SIGNATURE "# GRUB Environment Block\n"

struct kb_grubenv_var {
	char *name;
	char *value;
};

struct kb_grubenv {
	struct kb_grubenv_var *v;
	size_t n, cap;
	size_t block_size; /* size of the block read (0: not from a file) */
};

void kb_grubenv_init(struct kb_grubenv *env);
int kb_grubenv_parse(const char *data, size_t len, struct kb_grubenv *ret, kb_error *err);
int kb_grubenv_load(const char *path, struct kb_grubenv *ret, kb_error *err);
/* NULL when unset. */
const char *kb_grubenv_get(const struct kb_grubenv *env, const char *name);
/* Replace in place, or append. */
int kb_grubenv_set(struct kb_grubenv *env, const char *name, const char *value, kb_error *err);
void kb_grubenv_unset(struct kb_grubenv *env, const char *name);
int kb_grubenv_copy(const struct kb_grubenv *src, struct kb_grubenv *ret, kb_error *err);
void kb_grubenv_free(struct kb_grubenv *env);

/* Writing (grubenv-write.c): edit the block in place the way GRUB's own
 * grub_envblk_set does, so comments stay and the size never changes: a
 * value is replaced where it stands, a new variable goes where the '#'
 * padding starts, `\` and newline are escaped with `\`. value NULL unsets.
 * -ENOSPC when it does not fit, -EINVAL for a broken block or a bad name. */
int kb_grubenv_block_set(char *block, size_t size, const char *name, const char *value,
			 kb_error *err);
/* Can GRUB read this open file back as written? Refuses (-EOPNOTSUPP, a
 * sentence saying why) btrfs and ZFS, a file that is not exactly
 * KB_GRUBENV_BLOCK_SIZE bytes, a sparse one, and one whose blocks are not
 * plain (inline, encoded, unwritten; FIEMAP where the filesystem has it). */
int kb_grubenv_check_file(int fd, const char *name, kb_error *err);
/* Set (value non-NULL) or unset one variable in the grubenv file at path,
 * in place: check, read, edit, rewrite the same 1024 bytes, fsync. */
int kb_grubenv_update(const char *path, const char *name, const char *value, kb_error *err);
/* Where the block lies on the device its filesystem is on, in bytes
 * (FIEMAP; one plain extent): GRUB's save_env writes those sectors directly,
 * and so does kboot, so nothing else on the disk changes. -EOPNOTSUPP when
 * the filesystem cannot say. */
int kb_grubenv_locate(int fd, const char *name, uint64_t *ret_offset, kb_error *err);
