/* Ctrl-C handling and the emergency shell (see interrupt.h). */
#include "interrupt.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/fetch.h"

#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

volatile sig_atomic_t kbc_interrupted;
static volatile sig_atomic_t phase = KBC_PHASE_STARTUP;
static struct termios saved_tty;
static volatile sig_atomic_t have_saved_tty;
static int terminal_stderr = -1;

void kbc_set_terminal_stderr(int fd)
{
	terminal_stderr = fd;
}

/* Async-signal-safe: used from the handler and from forked children. */
void kbc_restore_terminal_stderr(void)
{
	if (terminal_stderr >= 0)
		dup2(terminal_stderr, STDERR_FILENO);
}

/* Computed before any signal can arrive: the handler may only open(2) it. */
static char autoboot_marker[512];

void kbc_emergency_shell(void)
{
	static const char msg[] = "\nEmergency shell; exit it to restart the console.\n";
	/* No countdown may boot the machine behind the shell, wherever it runs. */
	if (autoboot_marker[0]) {
		int fd = open(autoboot_marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	if (have_saved_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	kbc_restore_terminal_stderr();
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	signal(SIGINT, SIG_DFL);
	execl("/bin/sh", "sh", "-i", (char *)NULL);
	static const char fail[] = "cannot run /bin/sh\n";
	(void)!write(STDOUT_FILENO, fail, sizeof(fail) - 1);
	_exit(127);
}

static void on_interrupt(int sig)
{
	(void)sig;
	if (phase == KBC_PHASE_STARTUP)
		kbc_emergency_shell(); /* exec is async-signal-safe */
	(void)kb_fetch_cancel(); /* a download this console runs (alone on the core) */
	kbc_interrupted = 1;
}

void kbc_interrupt_install(void)
{
	if (kb_autoboot_marker_path(autoboot_marker, sizeof(autoboot_marker)) < 0)
		autoboot_marker[0] = '\0';
	struct sigaction sa = { .sa_handler = on_interrupt }; /* no SA_RESTART: wake poll/read */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

void kbc_interrupt_phase(enum kbc_console_phase p)
{
	phase = p;
	kbc_interrupted = 0;
}

void kbc_interrupt_save_tty(void)
{
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tty) == 0)
		have_saved_tty = 1;
}
