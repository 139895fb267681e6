/* The boot line: what a kboot.conf label holds and what a person types at
 * the prompt:
 *     KERNEL-PATH [initrd=P[,P...]]... [root=...] words...
 * with shell-style quoting as words.h lexes it. The kernel is the first word
 * that is not initrd=; initrd= may repeat or list paths with commas; every
 * other word (root= included) is the kernel command line. */
#pragma once
#include "entry.h"
#include "error.h"

#include <stddef.h>

#include "words.h"

enum {
	KB_BOOTLINE_MAX = KB_WORDS_TEXT_MAX, /* bytes of one boot line */
};

/* Split text into words (quotes removed). *ret_argv is NULL-terminated;
 * free it with kb_strv_free. Returns the number of words. */
int kb_bootline_split(const char *text, char ***ret_argv, kb_error *err);
void kb_strv_free(char **v);

/* Join words into a kernel command line, quoting words with blanks the
 * way the kernel reads them (key="a b"). Caller frees. */
int kb_bootline_join(char *const *words, size_t n, char **ret, kb_error *err);

struct kb_bootline {
	char *kernel;
	char *initrds[KB_ENTRY_INITRDS_MAX];
	size_t n_initrds;
	char *cmdline; /* "" when there are no other words */
};

int kb_bootline_parse(const char *text, struct kb_bootline *ret, kb_error *err);
void kb_bootline_free(struct kb_bootline *b);
