/* Booting from the console, through kbootd or the core (see boot.h). */
#include "boot.h"
#include "client.h"
#include "link.h"
#include "progress.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each asks kbootd when the console has it; when kbootd stops answering,
 * kbc_link_recover finds a restarted kbootd or leaves the console alone on
 * the core, and the question is asked once more of whichever it is. Alone,
 * each first looks whether kbootd is back (kbc_link_rejoin): there is never a
 * second state machine beside it. */

static int cancel_here(kb_error *err)
{
	int r = kb_bootctl_cancel();
	if (r == -EBUSY)
		return kb_error_set(err, EBUSY,
				    "too late to cancel: the countdown is over and a boot is under way");
	return r == -EALREADY ? 0 : r;
}

void kbc_console_status(struct kbc_session *s, struct kb_boot_status *ret)
{
	kbc_link_rejoin(s);
	if (s->client) {
		int r = kbc_client_last_status(s->client, ret, NULL);
		if (r >= 0 || !kbc_link_recover(s, r))
			return; /* kept the last status it had */
		if (s->client) {
			kbc_client_last_status(s->client, ret, NULL);
			return;
		}
	}
	kb_bootctl_status(ret);
}

int kbc_console_entries(struct kbc_session *s, struct kb_entry_list *ret, kb_error *err)
{
	kbc_link_rejoin(s);
	if (!s->client)
		return kb_bootctl_entries(ret, err);
	kb_error first = { 0 };
	int r = kbc_client_entries(s->client, ret, &first);
	if (r < 0 && kbc_link_recover(s, r))
		return s->client ? kbc_client_entries(s->client, ret, err) : kb_bootctl_entries(ret, err);
	if (r < 0 && err)
		*err = first;
	return r;
}

int kbc_console_cancel(struct kbc_session *s, kb_error *err)
{
	kbc_link_rejoin(s);
	if (!s->client)
		return cancel_here(err);
	kb_error first = { 0 };
	int r = kbc_client_cancel(s->client, &first);
	if (r < 0 && kbc_link_recover(s, r))
		return s->client ? kbc_client_cancel(s->client, err) : cancel_here(err);
	if (r < 0 && err)
		*err = first;
	return r;
}

static void sleep_ms(int ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

int kbc_console_wait_boot(struct kbc_session *s, kb_error *err)
{
	char shown[KB_PATH_MAX] = "";
	for (int waited = 0; waited < KBC_BOOT_WAIT_MS; waited += KBC_BOOT_POLL_MS) {
		struct kb_boot_status st;
		kbc_console_status(s, &st);
		if (st.state == KB_BOOT_BOOTING && st.booting[0] && strcmp(shown, st.booting)) {
			printf("Handing over to %s\n", st.booting);
			fflush(stdout);
			snprintf(shown, sizeof(shown), "%s", st.booting);
		}
		if (st.state == KB_BOOT_IDLE || st.state == KB_BOOT_COUNTDOWN) {
			if (st.has_error) {
				if (err)
					*err = st.last_error;
				return -(st.last_error.code ? st.last_error.code : EIO);
			}
			return 0;
		}
		sleep_ms(KBC_BOOT_POLL_MS);
	}
	return kb_error_set(err, ETIMEDOUT, "the handover has not happened yet; back at the prompt");
}

static int boot_here(const struct kb_boot_request *req, kb_error *err)
{
	_cleanup_free_ struct kb_boot_plan *plan = calloc(1, sizeof(*plan)); /* 83 KiB */
	if (!plan)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = kb_bootctl_boot(req, plan, err);
	if (r >= 0 && !req->dry_run) {
		printf("Booting %s\n", plan->title);
		fflush(stdout);
	}
	return r;
}

static int boot_once(struct kbc_session *s, const struct kb_boot_request *req, kb_error *err)
{
	kbc_link_rejoin(s);
	int r;
	if (!s->client) {
		r = boot_here(req, err);
	} else {
		kb_error first = { 0 };
		r = kbc_client_boot(s->client, req, &first);
		if (r < 0 && kbc_link_recover(s, r))
			r = s->client ? kbc_client_boot(s->client, req, err) : boot_here(req, err);
		else if (r < 0 && err)
			*err = first;
	}
	if (r < 0 || req->dry_run)
		return r;
	return kbc_console_wait_boot(s, err);
}

/* Downloads show their progress line while this console waits for its boot. */
int kbc_console_boot(struct kbc_session *s, const struct kb_boot_request *req, kb_error *err)
{
	kbc_progress_begin();
	int r = boot_once(s, req, err);
	kbc_progress_finish();
	return r;
}
