/* The countdown on the console, the same one the browser shows:
 * "Booting 'Debian GNU/Linux' in 7 s; press any key for the prompt",
 * rewritten in place each second. Any key stops it for everybody. */
#pragma once
#include "session.h"

enum kbc_countdown_end {
	KBC_COUNTDOWN_NONE,      /* none was running */
	KBC_COUNTDOWN_KEY,       /* stopped here with a key */
	KBC_COUNTDOWN_ELSEWHERE, /* stopped from the browser or the API */
	KBC_COUNTDOWN_FAILED,    /* it ran out, and the boot failed (said why) */
	KBC_COUNTDOWN_INTERRUPT, /* Ctrl-C: stopped; the caller starts the emergency shell */
};

enum { KBC_COUNTDOWN_POLL_MS = 100 };

enum kbc_countdown_end kbc_countdown_run(struct kbc_session *s);
