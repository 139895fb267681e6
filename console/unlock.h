/* The prompt's `unlock` (a LUKS device, through kbootd), one table row in commands.c. */
#pragma once
#include "session.h"
#include "kboot-core/words.h"
#include "kboot-core/error.h"

int kbc_command_unlock(struct kbc_session *s, const char *line, const struct kb_words *w,
		      kb_error *err);
