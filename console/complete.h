/* Tab completion's candidates: commands, labels and entry ids, and file
 * names in generalized paths on any device (sda1:/bo, /boot/vm, //etc/fs). */
#pragma once
#include "session.h"

#include <stddef.h>

enum { KBC_COMPLETIONS_MAX = 1024 };

struct kbc_completions {
	char **v; /* whole words; directories end in '/' */
	size_t n;
};

/* line: the text up to the cursor. *ret_start: where the word being
 * completed begins (every candidate replaces line + *ret_start). */
int kbc_complete(struct kbc_session *s, const char *line, size_t *ret_start,
		struct kbc_completions *ret);
void kbc_completions_free(struct kbc_completions *c);
/* The longest prefix all candidates share. */
size_t kbc_completions_common(const struct kbc_completions *c);
