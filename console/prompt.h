/* The `kboot> ` prompt: libedit line editing, history for the session, and
 * Tab completion (complete.h). Returns at EOF (init respawns the console). */
#pragma once
#include "session.h"

enum { KB_HISTORY_MAX = 500 };

int kb_prompt_run(struct kb_session *s);
