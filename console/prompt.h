/* The `kboot> ` prompt: libedit line editing, history for the session, and
 * Tab completion (complete.h). Returns at EOF (init respawns the console). */
#pragma once
#include "session.h"

enum { KBC_HISTORY_MAX = 500 };

int kbc_prompt_run(struct kbc_session *s);
