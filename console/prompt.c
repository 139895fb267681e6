/* The prompt on libedit's native API (see prompt.h). */
#include "prompt.h"
#include "complete.h"
#include "interrupt.h"
#include "line.h"
#include "kboot-core/cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prompt_text(EditLine *el)
{
	(void)el;
	return "kboot> ";
}

static const char *last_component(const char *word)
{
	size_t n = strlen(word);
	/* "/boot/grub/" lists as "grub/" */
	size_t end = n > 0 && word[n - 1] == '/' ? n - 1 : n;
	for (size_t i = end; i > 0; i--)
		if (word[i - 1] == '/' || word[i - 1] == ':')
			return word + i;
	return word;
}

static void list_candidates(const struct kbc_completions *c)
{
	size_t width = 1;
	for (size_t i = 0; i < c->n; i++)
		if (strlen(last_component(c->v[i])) + 2 > width)
			width = strlen(last_component(c->v[i])) + 2;
	size_t cols = 80 / width ? 80 / width : 1;
	printf("\n");
	for (size_t i = 0; i < c->n; i++) {
		printf("%-*s", (int)width, last_component(c->v[i]));
		if ((i + 1) % cols == 0 || i + 1 == c->n)
			printf("\n");
	}
	fflush(stdout);
}

/* Ctrl-C: drop the line and start a fresh one. The tty does not turn it into
 * SIGINT at the prompt (that would flush typed-ahead input and race with
 * libedit's read); the key comes here instead. */
static bool line_cancelled;

static unsigned char interrupt_key(EditLine *el, int ch)
{
	(void)el;
	(void)ch;
	line_cancelled = true;
	printf("^C\n");
	fflush(stdout);
	return CC_NEWLINE;
}

static unsigned char complete_key(EditLine *el, int ch)
{
	(void)ch;
	struct kbc_session *s = NULL;
	el_get(el, EL_CLIENTDATA, &s);
	const LineInfo *li = el_line(el);
	_cleanup_free_ char *line = strndup(li->buffer, (size_t)(li->cursor - li->buffer));
	if (!s || !line)
		return CC_ERROR;
	size_t start;
	struct kbc_completions c;
	if (kbc_complete(s, line, &start, &c) < 0)
		return CC_ERROR;
	unsigned char result = CC_REFRESH;
	size_t typed = strlen(line) - start, common = kbc_completions_common(&c);
	if (c.n == 0) {
		result = CC_REFRESH_BEEP;
	} else if (common > typed) {
		_cleanup_free_ char *more = strndup(c.v[0] + typed, common - typed);
		if (!more || el_insertstr(el, more) < 0)
			result = CC_ERROR;
		/* One candidate and not a directory: the word is done. */
		if (c.n == 1 && common && c.v[0][common - 1] != '/' && result != CC_ERROR)
			el_insertstr(el, " ");
	} else if (c.n == 1) {
		if (common && c.v[0][common - 1] != '/')
			el_insertstr(el, " ");
	} else {
		list_candidates(&c);
		result = CC_REDISPLAY;
	}
	kbc_completions_free(&c);
	return result;
}

int kbc_prompt_run(struct kbc_session *s)
{
	EditLine *el = el_init("kboot", stdin, stdout, stdout);
	History *hist = history_init();
	if (!el || !hist) {
		if (el)
			el_end(el);
		if (hist)
			history_end(hist);
		fprintf(stdout, "cannot start line editing\n");
		return -ENOMEM;
	}
	HistEvent ev;
	history(hist, &ev, H_SETSIZE, KBC_HISTORY_MAX);
	history(hist, &ev, H_SETUNIQUE, 1);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_PROMPT, prompt_text);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_CLIENTDATA, s);
	el_set(el, EL_ADDFN, "kb-complete", "complete a command, label, entry or path",
	       complete_key);
	el_set(el, EL_BIND, "^I", "kb-complete", NULL);
	el_set(el, EL_ADDFN, "kb-interrupt", "drop the line", interrupt_key);
	el_set(el, EL_BIND, "^C", "kb-interrupt", NULL);
	el_set(el, EL_SETTY, "-d", "-isig", NULL);

	while (!s->quit) {
		kbc_interrupted = 0;
		int count = 0;
		const char *got = el_gets(el, &count);
		if (!got) {
			if (kbc_interrupted || (count < 0 && errno == EINTR)) {
				printf("\n");
				el_reset(el);
				continue;
			}
			break; /* EOF: quietly; init starts a fresh console */
		}
		if (line_cancelled) {
			line_cancelled = false;
			continue;
		}
		_cleanup_free_ char *line = strdup(got);
		if (!line)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		history(hist, &ev, H_ENTER, line);
		kbc_line_run(s, line);
	}
	history_end(hist);
	el_end(el);
	return 0;
}
