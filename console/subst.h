/* Path name substitution for shell commands (the paper's §3.3): words that
 * are generalized path names become the local paths the command can open. */
#pragma once
#include "kboot-core/words.h"
#include "kboot-core/error.h"

#include <stdbool.h>
#include <stddef.h>

/* "sda1:…", "/dev/sda6:…", "UUID=…:…", "LABEL=…:…", "PARTUUID=…:…", as the
 * core's path table reads them (kb_path_kind_of). */
bool kbc_is_device_file(const char *text);
/* Does a word name a generalized path that substitution rewrites?
 * "//p", "/p", "dev:/p", "dev:p", "host:/p", "scheme://…" do; plain words,
 * relative paths and options ("-l", "--x=/p") do not. */
bool kbc_word_is_path(const char *text);
/* For "name=value" words (dd's if=/dev/x), where the value starts. NULL if none. */
const char *kbc_word_assigned_path(const char *text);

/* The local name of one generalized path. inside_target: the command runs
 * chrooted into the target, so target paths stay as they are and anything
 * outside the target cannot be named (-EXDEV). A path that does not exist
 * yet (a file to create) is named through its directory. */
int kbc_subst_path(const char *text, const char *cwd, bool inside_target, char *ret, size_t size,
		  kb_error *err);

/* The line with every path word replaced by its local name, shell-quoted;
 * everything else exactly as typed (for /bin/sh -c). */
int kbc_subst_line(const char *line, const struct kb_words *w, const char *cwd, bool inside_target,
		  char **ret, kb_error *err);
/* The same as an argv (words' unquoted texts, paths replaced), for execvp. */
int kbc_subst_argv(const struct kb_words *w, const char *cwd, bool inside_target, char ***ret,
		  kb_error *err);
void kbc_argv_free(char **argv);
/* Append text to b quoted for sh: 'it'\''s'. */
struct kb_buf;
int kbc_shell_quote(struct kb_buf *b, const char *text);
int kbc_shell_quote_glob(struct kb_buf *b, const char *text);
