/* Running a shell command from the prompt: kboot's own programs directly,
 * programs only the target system has chrooted into it (paper §3.3). */
#pragma once
#include "kboot-core/words.h"
#include "kboot-core/error.h"

#include <stdbool.h>
#include <stddef.h>

enum kbc_run_where { KBC_RUN_NOWHERE, KBC_RUN_KBOOT, KBC_RUN_TARGET };

/* Where the line's command lives: kboot's PATH (or a shell builtin), or
 * only the target's. KBC_RUN_NOWHERE: unknown command. */
enum kbc_run_where kbc_run_locate(const struct kb_words *w, const char *cwd);
/* Substitute paths and run the line; returns the exit status (0..255), or a
 * negative errno with err filled ("foo: unknown command"). */
int kbc_run_line(const char *line, const struct kb_words *w, const char *cwd, kb_error *err);
/* Run argv (no substitution) in kboot with the terminal, e.g. `shell`. */
int kbc_run_argv(const char *const *argv, kb_error *err);
