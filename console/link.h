/* The console's link to kbootd: find it at start, and when it stops answering
 * later (killed, crashed, restarted by init) find it again or carry on alone
 * on kboot-core, so the prompt keeps working either way. */
#pragma once
#include "session.h"
#include "kboot-core/error.h"

enum {
	KBC_KBOOTD_START_MAX_S = 60,    /* the longest --wait-for-kbootd accepted */
	KBC_KBOOTD_READY_MS = 120000,   /* kbootd's own start-up: disks, discovery */
	KBC_KBOOTD_RESPAWN_MS = 2000,   /* init restarts a dead kbootd at once */
	KBC_KBOOTD_POLL_MS = 200,
};

/* Connect to kbootd, giving it wait_start_ms to take its lock and then the
 * time it needs to answer; follows its events. -ENOENT: kbootd is not running. */
int kbc_link_attach(struct kbc_session *s, int wait_start_ms, kb_error *err);
/* Work alone: kb_startup here (the session's labels are kept). */
void kbc_link_go_local(struct kbc_session *s);
/* Alone on the core while kbootd runs again (init respawned it): hand the
 * countdown over and follow kbootd. True when the console switched. */
bool kbc_link_rejoin(struct kbc_session *s);
/* kbootd stopped answering (r is what the request gave): reconnect to a
 * restarted kbootd, or go local. True when the caller should try again. */
bool kbc_link_recover(struct kbc_session *s, int r);
