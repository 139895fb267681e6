/* The prompt's built-in commands, one table row each. */
#pragma once
#include "session.h"
#include "kboot-core/words.h"
#include "kboot-core/error.h"

#include <stddef.h>

struct kb_command {
	const char *name;
	const char *usage; /* arguments, for help */
	const char *help;  /* one line */
	int (*run)(struct kb_session *s, const char *line, const struct kb_words *w, kb_error *err);
};

extern const struct kb_command kb_commands[];
extern const size_t kb_commands_count;

const struct kb_command *kb_command_find(const char *name);
int kb_command_run(struct kb_session *s, const char *line, const struct kb_words *w, kb_error *err);
