/* Shell-style words, lexed once for everyone: boot lines (kboot.conf labels,
 * what a person types), kboot.conf values, and the prompt's command lines.
 * '…' is literal; "…" honours \" \\ \$ \` escapes; a backslash escapes the
 * next character; a backslash before a newline joins lines, inside double
 * quotes too, as in sh. Every word remembers where it was typed, so a line
 * can be rebuilt with some words replaced and the rest byte for byte. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	KB_WORDS_TEXT_MAX = 8192, /* bytes of the text lexed: a kernel, initrds and a command line */
	KB_WORDS_MAX = 512,       /* words in it */
};

enum kb_words_flags {
	/* Unquoted | & ; < > ( ) are words of their own (the prompt, for sh). */
	KB_WORDS_OPERATORS = 1 << 0,
	/* An unquoted newline ends the words, and so does a # that starts a
	 * word (the rest of the line is a comment): a kboot.conf value. */
	KB_WORDS_ONE_LINE = 1 << 1,
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
	size_t end; /* where lexing stopped: the end, or (ONE_LINE) the newline */
};

/* The words of text (flags: enum kb_words_flags). -EINVAL "unterminated
 * single quote" when a quote is left open, -E2BIG past the limits above. */
int kb_words_split(const char *text, unsigned flags, struct kb_words *ret, kb_error *err);
void kb_words_free(struct kb_words *w);
