/* The console's side of legacy boots (kboot-core/legacy.h): saying what a
 * handoff to the first-stage loader will do before it happens. */
#pragma once
#include "session.h"

/* Print the handoff's note when entry_id names a legacy entry. */
void kbc_console_announce_legacy(struct kbc_session *s, const char *entry_id);
/* `sda`, `/dev/sda`: a device with a boot sector. The one GRUB entry that
 * chainloads it (legacy_device) is handed over as `boot N` does; otherwise
 * (kboot cannot chainload it itself) name the GRUB entries that might, or
 * say there are none. */
int kbc_console_boot_device(struct kbc_session *s, const char *word, kb_error *err);
