/* The boot controller: one state machine for the whole kboot environment,
 * idle -> countdown -> loading -> booting, back to idle with an error when
 * anything fails. One boot at a time, whichever front end asks. Thread-safe. */
#pragma once
#include "config.h"
#include "entry.h"
#include "error.h"
#include "inspect.h"
#include "legacy.h"
#include "path.h"

#include <stdbool.h>

enum kb_boot_state { KB_BOOT_IDLE, KB_BOOT_COUNTDOWN, KB_BOOT_LOADING, KB_BOOT_BOOTING };

enum { KB_HANDOVER_DELAY_MS = 500 }; /* lets "booting" reach every client first */

struct kb_boot_request {
	const char *entry_id; /* an entry id or its 1-based number; or NULL ... */
	const char *device;   /* ... or a device typed ("sda1"): the GRUB entry that chainloads it ... */
	const char *kernel;   /* ... and a kernel's generalized path */
	const char *const *initrds;
	size_t n_initrds;
	const char *cmdline; /* NULL: the entry's own (or "" for a bare kernel) */
	bool dry_run;        /* load, check, unload: nothing boots */
	bool insecure;       /* https paths: skip certificate checks (logged) */
};

struct kb_boot_plan {
	char title[256];
	char kernel[KB_PATH_MAX]; /* generalized */
	char initrds[KB_ENTRY_INITRDS_MAX][KB_PATH_MAX];
	size_t n_initrds;
	char cmdline[KB_CMDLINE_MAX];
	struct kb_file_info kernel_info;
	bool insecure;  /* from the request: its https paths are fetched unchecked */
	bool is_legacy; /* a legacy entry: no kernel; the handoff below instead */
	struct kb_legacy_plan legacy;
};

struct kb_boot_status {
	enum kb_boot_state state;
	char countdown_entry[KB_ENTRY_ID_MAX];
	char countdown_title[256];
	int seconds_left;
	bool has_error;
	kb_error last_error;
	char booting[KB_PATH_MAX]; /* the kernel being handed over to */
};

/* The controller takes copies of both. */
int kb_bootctl_init(const struct kb_config *cfg, const struct kb_entry_list *entries, kb_error *err);
int kb_bootctl_set_entries(const struct kb_entry_list *entries, kb_error *err);
/* Copy the current entries out (caller frees with kb_entry_list_free). */
int kb_bootctl_entries(struct kb_entry_list *ret, kb_error *err);
/* Start the countdown for the default entry with the configured timeout;
 * -ENOENT when there is no default, 0 with nothing done when timeout < 0 or
 * when a countdown was stopped before in this run (<run_dir>/autoboot-stopped:
 * a restarted kbootd does not count down behind the person who stopped it). */
int kb_bootctl_start_countdown(kb_error *err);
/* Stop the countdown (and remember that, see above); -EALREADY when none ran,
 * -EBUSY when it is too late: the countdown fired (or a boot was asked for)
 * and the boot is loading or handing over. The countdown's end and the start
 * of loading are one step, so 0 always means nothing boots. */
int kb_bootctl_cancel(void);
/* Resume the countdown another process left in <run_dir>/countdown, if one
 * was running when it went; 0 with nothing done otherwise. */
int kb_bootctl_resume_countdown(kb_error *err);
/* Another process (kbootd) takes over: stop this one's countdown without
 * calling it stopped, leaving <run_dir>/countdown for the other to resume.
 * 1 when a countdown was handed over, 0 when none ran. */
int kb_bootctl_hand_over(void);
/* Resolve, check and load synchronously (state "loading"). A dry run unloads
 * and returns to idle; a real boot sets "booting" and executes after
 * KB_HANDOVER_DELAY_MS on its own thread. -EBUSY when a boot is under way.
 * A legacy entry is checked instead of loaded (plan->legacy says what will
 * happen; a dry run writes nothing); booting it writes grubenv and reboots. */
int kb_bootctl_boot(const struct kb_boot_request *req, struct kb_boot_plan *ret_plan, kb_error *err);
void kb_bootctl_status(struct kb_boot_status *ret);
/* The file that stops autoboot for this run of kboot, from any process:
 * a running countdown checks it every second and a new one never starts.
 * Creating it is all a signal handler has to do. */
int kb_autoboot_marker_path(char *ret, size_t size);
const char *kb_boot_state_name(enum kb_boot_state s);
