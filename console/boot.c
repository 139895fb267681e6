/* Booting from the console, through kbootd or the core (see boot.h). */
#include "boot.h"
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void kb_console_status(struct kb_session *s, struct kb_boot_status *ret)
{
	if (s->client)
		kb_client_last_status(s->client, ret);
	else
		kb_bootctl_status(ret);
}

int kb_console_entries(struct kb_session *s, struct kb_entry_list *ret, kb_error *err)
{
	if (s->client)
		return kb_client_entries(s->client, ret, err);
	return kb_bootctl_entries(ret, err);
}

int kb_console_cancel(struct kb_session *s, kb_error *err)
{
	if (s->client)
		return kb_client_cancel(s->client, err);
	int r = kb_bootctl_cancel();
	return r == -EALREADY ? 0 : r;
}

static void sleep_ms(int ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

int kb_console_wait_boot(struct kb_session *s, kb_error *err)
{
	char shown[KB_PATH_MAX] = "";
	for (int waited = 0; waited < KB_BOOT_WAIT_MS; waited += KB_BOOT_POLL_MS) {
		struct kb_boot_status st;
		kb_console_status(s, &st);
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
		sleep_ms(KB_BOOT_POLL_MS);
	}
	return kb_error_set(err, ETIMEDOUT, "the handover has not happened yet; back at the prompt");
}

int kb_console_boot(struct kb_session *s, const struct kb_boot_request *req, kb_error *err)
{
	int r;
	if (s->client) {
		r = kb_client_boot(s->client, req, err);
	} else {
		struct kb_boot_plan plan;
		r = kb_bootctl_boot(req, &plan, err);
		if (r >= 0 && !req->dry_run) {
			printf("Booting %s\n", plan.title);
			fflush(stdout);
		}
	}
	if (r < 0 || req->dry_run)
		return r;
	return kb_console_wait_boot(s, err);
}
