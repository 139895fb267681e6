/* The console's link to kbootd (see link.h). */
#include "link.h"
#include "client.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/config.h"
#include "kboot-core/daemon.h"
#include "kboot-core/env.h"
#include "kboot-core/startup.h"
#include "kboot-core/watch.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

int kbc_link_attach(struct kbc_session *s, int wait_start_ms, kb_error *err)
{
	if (!kb_daemon_wait_running(wait_start_ms))
		return kb_error_set(err, ENOENT, "kbootd is not running");
	bool said = false;
	struct timespec step = { .tv_nsec = KBC_KBOOTD_POLL_MS * 1000000L };
	for (int waited = 0;; waited += KBC_KBOOTD_POLL_MS) {
		int r = kbc_client_connect(kb_env()->run_dir, &s->client, err);
		if (r >= 0) {
			kb_error e = { 0 };
			if (kbc_client_follow(s->client, &e) < 0)
				printf("%s\n", e.text); /* the status is then asked each time */
			return r;
		}
		if (!kb_daemon_running() || waited >= KBC_KBOOTD_READY_MS)
			return r;
		if (!said) {
			printf("Waiting for kbootd to find the boot entries...\n");
			fflush(stdout);
			said = true;
		}
		nanosleep(&step, NULL);
	}
}

/* The config the core runs on while the console is alone: the device
 * watch rediscovers with it, so it lives until kbootd is back. */
static struct kb_config local_cfg;
static bool have_local_cfg;

void kbc_link_go_local(struct kbc_session *s)
{
	kb_watch_stop();
	if (have_local_cfg)
		kb_config_free(&local_cfg);
	kb_error err = { 0 };
	/* The boot controller takes its own copy; the session keeps its labels. */
	if (kb_startup(NULL, &local_cfg, &err) < 0)
		printf("%s\n", err.text);
	have_local_cfg = true;
	/* No kbootd to see a USB stick come and go: the core does it here. */
	kb_error_clear(&err);
	if (kb_watch_start(&local_cfg, &err) < 0)
		printf("%s\n", err.text);
}

bool kbc_link_rejoin(struct kbc_session *s)
{
	if (s->client || !kb_daemon_running())
		return false;
	/* kbootd holds its lock from its first instruction, before it has
	 * found the entries: hand the countdown over now, so it resumes this
	 * one rather than run a second beside it. */
	bool had_countdown = kb_bootctl_hand_over() > 0;
	kb_watch_stop(); /* kbootd watches the devices from now on */
	kb_error err = { 0 };
	if (kbc_link_attach(s, 0, &err) >= 0) {
		printf("\nkbootd is back; this prompt follows it%s\n",
		       had_countdown ? ", and it carries on the countdown" : "");
		fflush(stdout);
		return true;
	}
	/* It did not answer after all: carry on alone. */
	kb_error e = { 0 };
	if (kb_watch_start(&local_cfg, &e) < 0)
		printf("%s\n", e.text);
	if (had_countdown)
		(void)kb_bootctl_resume_countdown(NULL);
	return false;
}

bool kbc_link_recover(struct kbc_session *s, int r)
{
	if (!s->client || !kbc_client_lost(r))
		return false;
	kbc_client_free(s->client);
	s->client = NULL;
	kb_error err = { 0 };
	if (kbc_link_attach(s, KBC_KBOOTD_RESPAWN_MS, &err) >= 0)
		return true;
	printf("kbootd is not running; the prompt goes on without it\n");
	fflush(stdout);
	kbc_link_go_local(s);
	/* kbootd's countdown, if it was counting down, goes on here. */
	kb_error e = { 0 };
	if (kb_bootctl_resume_countdown(&e) < 0)
		printf("%s\n", e.text);
	return true;
}
