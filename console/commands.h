/* The prompt's built-in commands, one table row each. */
#pragma once
#include "session.h"
#include "kboot-core/words.h"
#include "kboot-core/error.h"

#include <stddef.h>

struct kbc_command {
	const char *name;
	const char *usage; /* arguments, for help */
	const char *help;  /* one line */
	int (*run)(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err);
};

extern const struct kbc_command kbc_commands[];
extern const size_t kbc_commands_count;

const struct kbc_command *kbc_command_find(const char *name);
int kbc_command_run(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err);
