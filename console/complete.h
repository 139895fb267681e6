/* Tab completion's candidates: commands, labels and entry ids, and file
 * names in generalized paths on any device (sda1:/bo, /boot/vm, //etc/fs). */
#pragma once
#include "session.h"

#include <stddef.h>

enum { KB_COMPLETIONS_MAX = 1024 };

struct kb_completions {
	char **v; /* whole words; directories end in '/' */
	size_t n;
};

/* line: the text up to the cursor. *ret_start: where the word being
 * completed begins (every candidate replaces line + *ret_start). */
int kb_complete(struct kb_session *s, const char *line, size_t *ret_start,
		struct kb_completions *ret);
void kb_completions_free(struct kb_completions *c);
/* The longest prefix all candidates share. */
size_t kb_completions_common(const struct kb_completions *c);
