/* The prompt's `unlock NAME`: asks for the passphrase without echo and hands
 * it to kbootd (or to the core when kbootd is not running); the typed text
 * is wiped as soon as it is sent. */
#include "unlock.h"
#include "client.h"
#include "kboot-core/storage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void wipe_free(char **p)
{
	if (*p) {
		explicit_bzero(*p, KB_STORAGE_KEY_MAX + 1);
		free(*p);
	}
}

/* One line from stdin with echo off (when it is a terminal), newline cut. */
static int read_secret(const char *prompt, char *buf, size_t size, kb_error *err)
{
	struct termios old, quiet;
	bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
	fputs(prompt, stdout);
	fflush(stdout);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ICANON;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	size_t n = 0;
	int r = 0;
	for (;;) {
		char c;
		ssize_t got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR) {
			r = kb_error_set(err, ECANCELED, "cancelled");
			break;
		}
		if (got <= 0 || c == '\n' || c == '\r')
			break;
		if (n + 1 >= size) {
			r = kb_error_set(err, E2BIG, "a passphrase longer than %zu bytes", size - 1);
			break;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputs("\n", stdout);
	return r;
}

int kbc_command_unlock(struct kbc_session *s, const char *line, const struct kb_words *w,
		      kb_error *err)
{
	if (w->n != 2)
		return kb_error_set(err, EINVAL, "usage: unlock <device>");
	const char *name = w->v[1].text;
	__attribute__((cleanup(wipe_free))) char *pass = calloc(1, KB_STORAGE_KEY_MAX + 1);
	if (!pass)
		return kb_error_set(err, ENOMEM, "out of memory");
	char prompt[96];
	snprintf(prompt, sizeof(prompt), "Passphrase for %.40s: ", name);
	int r = read_secret(prompt, pass, KB_STORAGE_KEY_MAX + 1, err);
	if (r < 0)
		return r;
	if (!pass[0])
		return kb_error_set(err, EINVAL, "%s: no passphrase given; not unlocking", name);
	printf("Unlocking %s...\n", name);
	fflush(stdout);
	if (s->client)
		r = kbc_client_unlock(s->client, name, pass, err);
	else
		r = kb_storage_unlock(name, pass, strlen(pass), err);
	if (r < 0)
		return r;
	printf("%s: unlocked (read-only)\n", name);
	return 0;
}
