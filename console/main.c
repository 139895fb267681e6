/* kboot-console: the boot prompt on the local console and serial line.
 * Start-up: the config, the target, discovery and the countdown, shared
 * with kbootd when it runs (client mode) or run here alone (local mode). */
#include "countdown.h"
#include "interrupt.h"
#include "link.h"
#include "prompt.h"
#include "session.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/config.h"
#include "kboot-core/env.h"
#include "kboot-core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void load_config(struct kbc_session *s)
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
	kbc_set_terminal_stderr(terminal);
}

/* Without kbootd: set up the target, find entries and count down here. */
static void start_local(struct kbc_session *s)
{
	kbc_link_go_local(s);
	kb_error err = { 0 };
	if (kb_bootctl_start_countdown(&err) < 0)
		printf("%s: autoboot is off (set default= in kboot.conf)\n", err.text);
}

/* --wait-for-kbootd=SECONDS: init starts kbootd and the console together,
 * so the console gives kbootd that long to show up before working alone. */
static int wait_option_ms(int argc, char **argv)
{
	static const char opt[] = "--wait-for-kbootd=";
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], opt, sizeof(opt) - 1) == 0) {
			int seconds = atoi(argv[i] + sizeof(opt) - 1);
			if (seconds > 0 && seconds <= KBC_KBOOTD_START_MAX_S)
				return seconds * 1000;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int wait_ms = wait_option_ms(argc, argv);
	kbc_interrupt_save_tty();
	kbc_interrupt_install();
	quiet_core_log();
	kb_log_set_stderr_level(kb_env()->debug ? KB_LOG_DEBUG : KB_LOG_WARN);

	struct kbc_session s;
	kbc_session_init(&s);

	kb_error err = { 0 };
	if (kbc_link_attach(&s, wait_ms, &err) >= 0) {
		load_config(&s); /* after kbootd's start-up: the target's kboot.conf */
		if (s.cfg.message && s.cfg.message[0])
			printf("%s\n", s.cfg.message);
		/* kbootd counts down: Ctrl-C must stop it before the shell. */
		kbc_interrupt_phase(KBC_PHASE_COUNTDOWN);
	} else {
		if (err.code != ENOENT) /* it left its address but does not answer */
			printf("%s; working without kbootd\n", err.text);
		start_local(&s);
		load_config(&s); /* after the config update: perhaps the target's */
		if (s.cfg.message && s.cfg.message[0])
			printf("%s\n", s.cfg.message);
		kbc_interrupt_phase(KBC_PHASE_COUNTDOWN);
	}

	if (kbc_countdown_run(&s) == KBC_COUNTDOWN_INTERRUPT || kbc_interrupted)
		kbc_emergency_shell();

	kbc_interrupt_phase(KBC_PHASE_PROMPT);
	printf("Type help for what a line can be; Tab completes.\n");
	fflush(stdout);
	kbc_prompt_run(&s);
	kbc_session_free(&s);
	return 0;
}
