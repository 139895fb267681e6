/* Devices come and go: every front end that runs the core sees a USB stick
 * that appears, and one that goes, the same way. A scan lists the block
 * devices, announces what changed (device events), drops the mounts of a
 * device that went, and finds the entries again (an entries event). */
#pragma once
#include "config.h"
#include "error.h"

/* The devices there now, against which the ticks compare; cfg is what
 * rediscovery reads and must outlive the watch. */
int kb_watch_init(const struct kb_config *cfg, kb_error *err);
/* One scan (kbootd calls it once a second from its main loop). */
void kb_watch_tick(void);
void kb_watch_free(void);
/* No target yet and a LUKS device locked: say so and hold the countdown
 * until a tick finds the target (true); else false: start it now. */
bool kb_watch_defer_countdown(void);
/* The same once a second on a thread of its own, for a process with no
 * loop to tick from (the console alone); stop joins it. */
int kb_watch_start(const struct kb_config *cfg, kb_error *err);
void kb_watch_stop(void);
