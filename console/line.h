/* What a prompt line is, in the kboot paper's order (§3.3): a label, the
 * path of a kernel with its arguments, a device with a legacy boot sector, a
 * built-in command, or any other shell command. Plus `name=value`, which sets
 * a label for the session. */
#pragma once
#include "session.h"
#include "kboot-core/words.h"

enum kbc_line_kind {
	KBC_LINE_EMPTY,   /* nothing, or a # comment */
	KBC_LINE_ASSIGN,  /* name=value */
	KBC_LINE_LABEL,   /* a label from kboot.conf or set at the prompt */
	KBC_LINE_KERNEL,  /* a kernel's path, initrd=…, then the command line */
	KBC_LINE_LEGACY,  /* sda, /dev/sda */
	KBC_LINE_BUILTIN, /* cd, ls, boot, … */
	KBC_LINE_COMMAND, /* anything else: a shell command */
};

enum { KBC_LABEL_DEPTH_MAX = 8 }; /* labels expanding to labels */

/* Decide what the line is; looks at the files a path names (a kernel, or a
 * program to run?) but changes nothing. */
enum kbc_line_kind kbc_line_classify(const struct kbc_session *s, const struct kb_words *w);
/* "name=value…": the name and the value (one quoted word unquoted, else the
 * rest of the line as typed). -EINVAL when the line is not an assignment. */
int kbc_line_assignment(const char *line, char **ret_name, char **ret_value);
/* The label's command with the rest of the line appended ("debian single"). */
int kbc_line_expand_label(const struct kbc_session *s, const char *line, const struct kb_words *w,
			 char **ret);
/* Run one line. Errors are one line on stderr; the return is 0 or -errno. */
int kbc_line_run(struct kbc_session *s, const char *line);
