/* The prompt's `net` (the network through kboot-core/net.h) and `insecure`
 * (boot a line with https certificate checks off), one table row each in
 * commands.c. */
#pragma once
#include "session.h"
#include "kboot-core/words.h"
#include "kboot-core/error.h"

int kbc_command_net(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err);
int kbc_command_insecure(struct kbc_session *s, const char *line, const struct kb_words *w,
			kb_error *err);
