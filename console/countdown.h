/* The countdown on the console, the same one the browser shows:
 * "Booting 'Debian GNU/Linux' in 7 s; press any key for the prompt",
 * rewritten in place each second. Any key stops it for everybody. */
#pragma once
#include "session.h"

enum kb_countdown_end {
	KB_COUNTDOWN_NONE,      /* none was running */
	KB_COUNTDOWN_KEY,       /* stopped here with a key */
	KB_COUNTDOWN_ELSEWHERE, /* stopped from the browser or the API */
	KB_COUNTDOWN_FAILED,    /* it ran out, and the boot failed (said why) */
	KB_COUNTDOWN_INTERRUPT, /* Ctrl-C: stopped; the caller starts the emergency shell */
};

enum { KB_COUNTDOWN_POLL_MS = 100 };

enum kb_countdown_end kb_countdown_run(struct kb_session *s);
