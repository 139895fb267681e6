/* The console's countdown (see countdown.h). */
#include "countdown.h"
#include "boot.h"
#include "interrupt.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Keys arrive one at a time and unechoed while the countdown runs. */
static bool raw_keys(struct termios *saved)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, saved) < 0)
		return false;
	struct termios t = *saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

/* The title for the countdown line; kbootd's status may give only the id. */
static void countdown_title(struct kbc_session *s, const struct kb_boot_status *st, char *ret,
			    size_t size)
{
	if (st->countdown_title[0]) {
		snprintf(ret, size, "%s", st->countdown_title);
		return;
	}
	snprintf(ret, size, "%s", st->countdown_entry);
	struct kb_entry_list l = { 0 };
	if (kbc_console_entries(s, &l, NULL) < 0)
		return;
	const struct kb_entry *e = kb_entry_find(&l, st->countdown_entry);
	if (e && e->title)
		snprintf(ret, size, "%s", e->title);
	kb_entry_list_free(&l);
}

/* A key was pressed: read it so it does not reach the prompt. */
static bool key_pressed(bool *stdin_open)
{
	if (!*stdin_open)
		return false;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return false;
	/* Typed ahead into a pipe (tests, scripts): the lines are for the prompt. */
	if (!isatty(STDIN_FILENO))
		return true;
	char buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		*stdin_open = false; /* nobody can press a key: let it run out */
	return n > 0;
}

static void wait_tick(bool stdin_open)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	poll(&p, stdin_open ? 1 : 0, KBC_COUNTDOWN_POLL_MS);
}

static enum kbc_countdown_end follow(struct kbc_session *s)
{
	bool stdin_open = true, shown = false;
	int shown_seconds = -1;
	char shown_entry[KB_ENTRY_ID_MAX] = "";
	for (;;) {
		if (kbc_interrupted) {
			kbc_console_cancel(s, NULL);
			if (shown)
				printf("\n");
			return KBC_COUNTDOWN_INTERRUPT;
		}
		if (key_pressed(&stdin_open)) {
			kb_error err = { 0 };
			int r = kbc_console_cancel(s, &err);
			if (r < 0)
				printf("\n%s", err.text);
			if (r == -EBUSY) {
				shown = true; /* too late: the loop follows the boot it lost to */
				continue;
			}
			if (shown)
				printf("\n");
			return KBC_COUNTDOWN_KEY;
		}
		struct kb_boot_status st;
		kbc_console_status(s, &st);
		if (st.state == KB_BOOT_COUNTDOWN) {
			if (st.seconds_left != shown_seconds || strcmp(st.countdown_entry, shown_entry)) {
				char title[256];
				countdown_title(s, &st, title, sizeof(title));
				printf("\r\033[KBooting '%s' in %d s; press any key for the prompt", title,
				       st.seconds_left);
				fflush(stdout);
				shown = true;
				shown_seconds = st.seconds_left;
				snprintf(shown_entry, sizeof(shown_entry), "%s", st.countdown_entry);
			}
		} else if (st.state == KB_BOOT_LOADING || st.state == KB_BOOT_BOOTING) {
			if (shown)
				printf("\n");
			kb_error err = { 0 };
			if (kbc_console_wait_boot(s, &err) < 0) {
				printf("%s\n", err.text);
				return KBC_COUNTDOWN_FAILED;
			}
			return KBC_COUNTDOWN_ELSEWHERE;
		} else {
			if (shown)
				printf("\r\033[KThe countdown was stopped.\n");
			if (st.has_error && shown) {
				printf("%s\n", st.last_error.text);
				return KBC_COUNTDOWN_FAILED;
			}
			return shown ? KBC_COUNTDOWN_ELSEWHERE : KBC_COUNTDOWN_NONE;
		}
		wait_tick(stdin_open);
	}
}

enum kbc_countdown_end kbc_countdown_run(struct kbc_session *s)
{
	struct termios saved;
	bool raw = raw_keys(&saved);
	enum kbc_countdown_end end = follow(s);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	fflush(stdout);
	return end;
}
