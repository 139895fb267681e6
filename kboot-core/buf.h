/* A growable string with a hard size cap (like curl's dynbuf): the one way
 * the core builds text of unknown length. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

struct kb_buf {
	char *data; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	size_t max; /* the cap; adding past it fails with -E2BIG */
};

void kb_buf_init(struct kb_buf *b, size_t max);
int kb_buf_add(struct kb_buf *b, const void *data, size_t len);
int kb_buf_adds(struct kb_buf *b, const char *s);
int kb_buf_addf(struct kb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kb_buf_vaddf(struct kb_buf *b, const char *fmt, va_list ap);
void kb_buf_reset(struct kb_buf *b);
/* Take the text (never NULL on success: "" for an empty buffer). */
char *kb_buf_steal(struct kb_buf *b);
void kb_buf_free(struct kb_buf *b);

/* Read a whole file into a fresh buffer, failing with -EFBIG past max bytes.
 * Only a regular file is read (kb_open_regular): -EINVAL for a FIFO or a
 * device node, -EISDIR for a directory. */
int kb_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len);
/* The same from an open descriptor, to its end. */
int kb_read_fd(int fd, size_t max, char **ret_text, size_t *ret_len);
