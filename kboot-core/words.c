/* Shell-style words (see words.h). */
#include "words.h"
#include "buf.h"
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_operator(char c)
{
	return c && strchr("|&;<>()", c);
}

static bool is_blank(char c, unsigned flags)
{
	return c == ' ' || c == '\t' || c == '\r' || (c == '\n' && !(flags & KB_WORDS_ONE_LINE));
}

static int push(struct kb_words *w, struct kb_word *word, kb_error *err)
{
	if (w->n >= KB_WORDS_MAX)
		return kb_error_set(err, E2BIG, "more than %d words", KB_WORDS_MAX);
	struct kb_word *v = realloc(w->v, (w->n + 1) * sizeof(*v));
	if (!v)
		return kb_error_set(err, ENOMEM, "out of memory");
	w->v = v;
	w->v[w->n++] = *word;
	return 0;
}

/* One operator word: "|", "||", "&", "&&", ";", "<", ">", ">>", "(", ")". */
static size_t operator_len(const char *p)
{
	if ((p[0] == '|' || p[0] == '&' || p[0] == '>') && p[1] == p[0])
		return 2;
	return 1;
}

/* One word from text + *at (not blank, not an operator) into word. */
static int lex_word(const char *text, size_t *at, unsigned flags, struct kb_word *word, kb_error *err)
{
	struct kb_buf buf;
	kb_buf_init(&buf, KB_WORDS_TEXT_MAX + 1);
	int r = kb_buf_adds(&buf, ""); /* never NULL, even for '' */
	char quote = 0;
	size_t i = *at;
	for (; text[i] && r >= 0; i++) {
		char c = text[i];
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				r = kb_buf_add(&buf, &c, 1);
		} else if (c == '\\' && text[i + 1] == '\n') {
			i++; /* a line continuation, quoted or not */
		} else if (quote == '"') {
			if (c == '"')
				quote = 0;
			else if (c == '\\' && text[i + 1] && strchr("\"\\$`", text[i + 1]))
				r = kb_buf_add(&buf, &text[++i], 1);
			else
				r = kb_buf_add(&buf, &c, 1);
		} else if (is_blank(c, flags) || c == '\n' || ((flags & KB_WORDS_OPERATORS) && is_operator(c))) {
			break;
		} else if (c == '\'' || c == '"') {
			quote = c;
			word->quoted = true;
			word->literal |= c == '\'';
		} else if (c == '\\' && text[i + 1]) {
			word->quoted = true;
			r = kb_buf_add(&buf, &text[++i], 1);
		} else {
			r = kb_buf_add(&buf, &c, 1);
		}
	}
	if (r < 0) {
		kb_buf_free(&buf);
		return kb_error_set(err, E2BIG, "a word longer than %d bytes", KB_WORDS_TEXT_MAX);
	}
	if (quote) {
		kb_buf_free(&buf);
		return kb_error_set(err, EINVAL, "unterminated %s quote", quote == '\'' ? "single" : "double");
	}
	word->end = *at = i;
	word->text = kb_buf_steal(&buf);
	return word->text ? 0 : kb_error_set(err, ENOMEM, "out of memory");
}

int kb_words_split(const char *text, unsigned flags, struct kb_words *ret, kb_error *err)
{
	_cleanup_(kb_words_free) struct kb_words w = { 0 };
	size_t i = 0;
	for (;;) {
		while (is_blank(text[i], flags))
			i++;
		/* The limit is on what is lexed: with ONE_LINE, text goes on
		 * past the line (the rest of kboot.conf). */
		if (i > KB_WORDS_TEXT_MAX)
			return kb_error_set(err, E2BIG, "longer than %d bytes", KB_WORDS_TEXT_MAX);
		if (!text[i] || text[i] == '\n')
			break;
		if ((flags & KB_WORDS_ONE_LINE) && text[i] == '#') {
			i += strcspn(text + i, "\n"); /* a comment, to the end of the line */
			break;
		}
		struct kb_word word = { .start = i };
		int r;
		if ((flags & KB_WORDS_OPERATORS) && is_operator(text[i])) {
			size_t n = operator_len(text + i);
			word.text = strndup(text + i, n);
			word.op = true;
			word.end = i += n;
			r = word.text ? 0 : kb_error_set(err, ENOMEM, "out of memory");
		} else {
			r = lex_word(text, &i, flags, &word, err);
		}
		if (r >= 0)
			r = push(&w, &word, err);
		if (r < 0) {
			free(word.text);
			return r;
		}
	}
	if (i > KB_WORDS_TEXT_MAX)
		return kb_error_set(err, E2BIG, "longer than %d bytes", KB_WORDS_TEXT_MAX);
	w.end = i;
	*ret = w;
	w = (struct kb_words){ 0 };
	return 0;
}

void kb_words_free(struct kb_words *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].text);
	free(w->v);
	*w = (struct kb_words){ 0 };
}
