/* What a prompt line is, in the kboot paper's order (§3.3): a label, the
 * path of a kernel with its arguments, a device with a legacy boot sector, a
 * built-in command, or any other shell command. Plus `name=value`, which sets
 * a label for the session. */
#pragma once
#include "session.h"
#include "kboot-core/words.h"

enum kb_line_kind {
	KB_LINE_EMPTY,   /* nothing, or a # comment */
	KB_LINE_ASSIGN,  /* name=value */
	KB_LINE_LABEL,   /* a label from kboot.conf or set at the prompt */
	KB_LINE_KERNEL,  /* a kernel's path, initrd=…, then the command line */
	KB_LINE_LEGACY,  /* sda, /dev/sda */
	KB_LINE_BUILTIN, /* cd, ls, boot, … */
	KB_LINE_COMMAND, /* anything else: a shell command */
};

enum { KB_LABEL_DEPTH_MAX = 8 }; /* labels expanding to labels */

/* Decide what the line is; looks at the files a path names (a kernel, or a
 * program to run?) but changes nothing. */
enum kb_line_kind kb_line_classify(const struct kb_session *s, const struct kb_words *w);
/* "name=value…": the name and the value (one quoted word unquoted, else the
 * rest of the line as typed). -EINVAL when the line is not an assignment. */
int kb_line_assignment(const char *line, char **ret_name, char **ret_value);
/* The label's command with the rest of the line appended ("debian single"). */
int kb_line_expand_label(const struct kb_session *s, const char *line, const struct kb_words *w,
			 char **ret);
/* Run one line. Errors are one line on stderr; the return is 0 or -errno. */
int kb_line_run(struct kb_session *s, const char *line);
