/* Size-capped growable buffer, and whole-file reads built on it. */
#include "buf.h"
#include "cleanup.h"
#include "fs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void kb_buf_init(struct kb_buf *b, size_t max)
{
	*b = (struct kb_buf){ .max = max };
}

static int grow(struct kb_buf *b, size_t need)
{
	if (need > b->max)
		return -E2BIG;
	if (need + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int kb_buf_add(struct kb_buf *b, const void *data, size_t len)
{
	if (len > b->max - b->len)
		return -E2BIG;
	int r = grow(b, b->len + len);
	if (r < 0)
		return r;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int kb_buf_adds(struct kb_buf *b, const char *s)
{
	return kb_buf_add(b, s, strlen(s));
}

int kb_buf_vaddf(struct kb_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n > b->max - b->len)
		return -E2BIG;
	int r = grow(b, b->len + (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int kb_buf_addf(struct kb_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kb_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void kb_buf_reset(struct kb_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *kb_buf_steal(struct kb_buf *b)
{
	char *p = b->data ? b->data : strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void kb_buf_free(struct kb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int kb_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len)
{
	_cleanup_close_ int fd = kb_open_regular(path, path, NULL);
	if (fd < 0)
		return fd;
	return kb_read_fd(fd, max, ret_text, ret_len);
}

int kb_read_fd(int fd, size_t max, char **ret_text, size_t *ret_len)
{
	struct kb_buf b;
	kb_buf_init(&b, max);
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			kb_buf_free(&b);
			return r;
		}
		if (n == 0)
			break;
		int r = kb_buf_add(&b, chunk, (size_t)n);
		if (r < 0) {
			kb_buf_free(&b);
			return r == -E2BIG ? -EFBIG : r;
		}
	}
	if (ret_len)
		*ret_len = b.len;
	*ret_text = kb_buf_steal(&b);
	return *ret_text ? 0 : -ENOMEM;
}
