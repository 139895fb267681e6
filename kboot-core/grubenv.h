/* GRUB's environment block (grubenv): a 1024-byte file that starts with
 * "# GRUB Environment Block\n", holds `name=value` lines (a backslash escapes
 * the next character, e.g. a newline) and is padded with '#'. Variables keep
 * their order and the block its size, so a writer can edit it in place.
 * Also used as a plain ordered variable table (grub.cfg's `set`). */
#pragma once
#include "error.h"

#include <stddef.h>

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
