/* The shared boot state as the console sees it: through kbootd when it runs
 * (one state for browser and console), straight through kboot-core when not. */
#pragma once
#include "session.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/entry.h"

enum {
	KBC_BOOT_WAIT_MS = 30 * 1000, /* a handover that neither happens nor fails */
	KBC_BOOT_POLL_MS = 100,
};

void kbc_console_status(struct kbc_session *s, struct kb_boot_status *ret);
int kbc_console_entries(struct kbc_session *s, struct kb_entry_list *ret, kb_error *err);
/* Stop the countdown; 0 also when none ran. */
int kbc_console_cancel(struct kbc_session *s, kb_error *err);
/* Boot and wait: returns only when the boot failed (err says why in one line)
 * or, on a machine that does not hand over, when it gave up waiting. */
int kbc_console_boot(struct kbc_session *s, const struct kb_boot_request *req, kb_error *err);
/* Wait while a boot is loading or handing over; the error if it fails. */
int kbc_console_wait_boot(struct kbc_session *s, kb_error *err);
