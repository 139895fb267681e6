/* A download's progress on the console: one line rewritten in place,
 * "fetching http://…/vmlinuz: 12.3 MiB of 40.0 MiB", shown only while this
 * console waits for a boot it asked for (not in the middle of the prompt). */
#pragma once
#include <stdint.h>

/* Show progress lines from now on; in local mode, from the core's events. */
void kbc_progress_begin(void);
/* Stop showing them; ends a half-written line so the next output starts clean. */
void kbc_progress_finish(void);
/* One update (any thread); only phase "fetch" (a download) is shown. */
void kbc_progress_show(const char *phase, const char *name, uint64_t done, uint64_t total);
