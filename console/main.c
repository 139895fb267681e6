/* kboot-console: the boot prompt on the local console and serial line.
 * Start-up: the config, the target, discovery and the countdown, shared
 * with kbootd when it runs (client mode) or run here alone (local mode). */
#include "client.h"
#include "countdown.h"
#include "interrupt.h"
#include "prompt.h"
#include "session.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/config.h"
#include "kboot-core/discover.h"
#include "kboot-core/env.h"
#include "kboot-core/log.h"
#include "kboot-core/target.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void load_config(struct kb_session *s)
{
	const char *path = kb_env()->conf_path;
	struct kb_config cfg;
	kb_error err = { 0 };
	if (kb_config_load(path, &cfg, &err) < 0) {
		if (err.code != ENOENT)
			printf("%s (using defaults)\n", err.text);
		return; /* the session keeps kb_config_init's defaults */
	}
	kb_config_free(&s->cfg);
	s->cfg = cfg;
}

/* The core logs to stderr; on the console its lines would repeat what the
 * prompt says in its own words, so they go to the log ring only (and
 * kbootd's log pane). Children still get the terminal. kboot.debug keeps them. */
static void quiet_core_log(void)
{
	if (kb_env()->debug)
		return;
	int terminal = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (terminal < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0) {
		if (terminal >= 0)
			close(terminal);
		if (null >= 0)
			close(null);
		return;
	}
	close(null);
	kb_set_terminal_stderr(terminal);
}

/* Without kbootd: set up the target, find entries and count down here. */
static void start_local(struct kb_session *s)
{
	kb_error err = { 0 };
	if (kb_target_setup(&s->cfg, &err) < 0)
		printf("%s\n", err.text);
	else if (kb_target_config_update(&err) > 0)
		load_config(s); /* paper §3.5: the target's newer kboot.conf */

	struct kb_entry_list entries = { 0 };
	kb_error_clear(&err);
	if (kb_entries_discover(&s->cfg, &entries, &err) < 0)
		printf("%s\n", err.text);
	kb_error_clear(&err);
	if (kb_bootctl_init(&s->cfg, &entries, &err) < 0)
		printf("%s\n", err.text);
	kb_entry_list_free(&entries);

	kb_error_clear(&err);
	if (kb_bootctl_start_countdown(&err) < 0)
		printf("%s: autoboot is off (set default= in kboot.conf)\n", err.text);
}

static void start_client(struct kb_session *s)
{
	kb_error err = { 0 };
	if (kb_client_follow(s->client, &err) < 0)
		printf("%s\n", err.text); /* the countdown still shows, by asking */
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	kb_interrupt_save_tty();
	kb_interrupt_install();
	quiet_core_log();
	kb_log_set_stderr_level(kb_env()->debug ? KB_LOG_DEBUG : KB_LOG_WARN);

	struct kb_session s;
	kb_session_init(&s);
	load_config(&s);
	if (s.cfg.message && s.cfg.message[0])
		printf("%s\n", s.cfg.message);

	kb_error err = { 0 };
	if (kb_client_connect(kb_env()->run_dir, &s.client, &err) >= 0) {
		/* kbootd counts down: Ctrl-C must stop it before the shell. */
		kb_interrupt_phase(KB_PHASE_COUNTDOWN);
		start_client(&s);
	} else {
		if (err.code != ENOENT) /* it left its address but does not answer */
			printf("%s; working without kbootd\n", err.text);
		start_local(&s);
		kb_interrupt_phase(KB_PHASE_COUNTDOWN);
	}

	if (kb_countdown_run(&s) == KB_COUNTDOWN_INTERRUPT || kb_interrupted)
		kb_emergency_shell();

	kb_interrupt_phase(KB_PHASE_PROMPT);
	printf("Type help for what a line can be; Tab completes.\n");
	fflush(stdout);
	kb_prompt_run(&s);
	kb_session_free(&s);
	return 0;
}
