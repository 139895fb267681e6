/* Ctrl-C on the console: before the prompt it is the way out to an emergency
 * shell (the paper's kboot has one too); at the prompt it clears the line. */
#pragma once
#include <signal.h>
#include <stdbool.h>

enum kbc_console_phase {
	KBC_PHASE_STARTUP,   /* Ctrl-C: the emergency shell at once */
	KBC_PHASE_COUNTDOWN, /* Ctrl-C: stop the countdown, then the emergency shell */
	KBC_PHASE_PROMPT,    /* Ctrl-C: drop the line being typed */
};

extern volatile sig_atomic_t kbc_interrupted;

void kbc_interrupt_install(void);
void kbc_interrupt_phase(enum kbc_console_phase phase);
/* Remember the terminal's settings, restored before the emergency shell. */
void kbc_interrupt_save_tty(void);
/* exec /bin/sh -i; init respawns the console when it exits. */
void kbc_emergency_shell(void) __attribute__((noreturn));
/* Where children's stderr goes: the terminal, while the console's own
 * stderr only collects the core's log (see main.c). -1: leave fd 2 alone. */
void kbc_set_terminal_stderr(int fd);
void kbc_restore_terminal_stderr(void);
