/* Splitting prompt lines into words (see words.h). */
#include "words.h"
#include "kboot-core/buf.h"
#include "kboot-core/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_operator(char c)
{
	return c && strchr("|&;<>()", c);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int push(struct kb_words *w, struct kb_word *word, kb_error *err)
{
	if (w->n >= KB_WORDS_MAX)
		return kb_error_set(err, E2BIG, "too many words (at most %d)", KB_WORDS_MAX);
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

int kb_words_split(const char *line, struct kb_words *ret, kb_error *err)
{
	struct kb_words w = { 0 };
	size_t len = strlen(line);
	if (len > KB_LINE_MAX)
		return kb_error_set(err, E2BIG, "line too long (at most %d bytes)", KB_LINE_MAX);

	size_t i = 0;
	int r = 0;
	while (r >= 0) {
		while (is_blank(line[i]))
			i++;
		if (!line[i])
			break;
		struct kb_word word = { .start = i };
		if (is_operator(line[i])) {
			size_t n = operator_len(line + i);
			word.text = strndup(line + i, n);
			word.op = true;
			i += n;
			word.end = i;
			if (!word.text) {
				r = kb_error_set(err, ENOMEM, "out of memory");
				break;
			}
			r = push(&w, &word, err);
			if (r < 0)
				free(word.text);
			continue;
		}
		struct kb_buf text;
		kb_buf_init(&text, KB_LINE_MAX + 1);
		char quote = 0;
		(void)kb_buf_adds(&text, ""); /* never NULL, even for '' */
		for (; line[i]; i++) {
			char c = line[i];
			if (quote == '\'') {
				if (c == '\'')
					quote = 0;
				else
					r = kb_buf_add(&text, &c, 1);
			} else if (quote == '"') {
				if (c == '"')
					quote = 0;
				else if (c == '\\' && line[i + 1] && strchr("\"\\$`", line[i + 1]))
					r = kb_buf_add(&text, &line[++i], 1);
				else
					r = kb_buf_add(&text, &c, 1);
			} else if (is_blank(c) || is_operator(c)) {
				break;
			} else if (c == '\'' || c == '"') {
				quote = c;
				word.quoted = true;
				word.literal |= c == '\'';
			} else if (c == '\\' && line[i + 1]) {
				word.quoted = true;
				r = kb_buf_add(&text, &line[++i], 1);
			} else {
				r = kb_buf_add(&text, &c, 1);
			}
			if (r < 0)
				break;
		}
		if (r >= 0 && quote)
			r = kb_error_set(err, EINVAL, "unterminated %s quote",
					 quote == '\'' ? "single" : "double");
		else if (r < 0)
			r = kb_error_set(err, -r, "out of memory");
		word.end = i;
		word.text = kb_buf_steal(&text);
		kb_buf_free(&text);
		if (r >= 0 && !word.text)
			r = kb_error_set(err, ENOMEM, "out of memory");
		if (r >= 0)
			r = push(&w, &word, err);
		if (r < 0)
			free(word.text);
	}
	if (r < 0) {
		kb_words_free(&w);
		return r;
	}
	*ret = w;
	return 0;
}

void kb_words_free(struct kb_words *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].text);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

const char *kb_words_rest(const char *line, const struct kb_words *w, size_t i)
{
	if (i >= w->n)
		return "";
	return line + w->v[i].start;
}
