/* Splitting a prompt line into words the way sh would see them: quotes and
 * backslashes are honoured, unquoted operators (| & ; < > ( )) are words of
 * their own, and every word remembers where it was typed so a line can be
 * rebuilt with some words replaced and everything else byte for byte. */
#pragma once
#include "kboot-core/error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	KB_LINE_MAX = 8192, /* a kernel path, initrds and a full command line */
	KB_WORDS_MAX = 512,
};

struct kb_word {
	char *text;        /* quotes removed */
	size_t start, end; /* the span typed, quotes included */
	bool literal;      /* had '…' somewhere: kept exactly as typed */
	bool quoted;       /* had any quoting at all */
	bool op;           /* an unquoted shell operator */
};

struct kb_words {
	struct kb_word *v;
	size_t n;
};

/* -EINVAL with "unterminated quote" when a quote is left open. */
int kb_words_split(const char *line, struct kb_words *ret, kb_error *err);
void kb_words_free(struct kb_words *w);
/* The text from word i's start to the end of the line, as typed ("" past the end). */
const char *kb_words_rest(const char *line, const struct kb_words *w, size_t i);
