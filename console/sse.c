/* Cutting kbootd's event stream into events. Written here rather than taken
 * from a library: the console already speaks HTTP through libcurl, which has
 * no SSE parser, and the part of the format kbootd sends (event:, data:,
 * comments, blank-line ends) is a few lines. Each event is read on its own,
 * never by searching what follows it in the buffer. */
#include "sse.h"

#include <stdio.h>
#include <string.h>

/* The value of a field line ("event: x" -> "x"), with its one optional space. */
static const char *field(const char *line, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	return line[n + 1] == ' ' ? line + n + 2 : line + n + 1;
}

bool kbc_sse_next(struct kb_buf *pending, struct kbc_sse_event *ret, size_t *ret_used)
{
	if (!pending->data)
		return false;
	char *lf = strstr(pending->data, "\n\n"), *crlf = strstr(pending->data, "\r\n\r\n");
	if (!lf && !crlf)
		return false;
	char *end = !crlf || (lf && lf < crlf) ? lf : crlf;
	size_t used = (size_t)(end - pending->data) + (end == lf ? 2 : 4);
	*end = '\0'; /* the event alone, from here on */
	*ret = (struct kbc_sse_event){ .type = "message" };
	for (char *line = pending->data; line && line < end;) {
		char *next = strchr(line, '\n');
		if (next) {
			*next = '\0';
			if (next > line && next[-1] == '\r')
				next[-1] = '\0';
			next++;
		}
		const char *v;
		if ((v = field(line, "event")))
			snprintf(ret->type, sizeof(ret->type), "%s", v);
		else if ((v = field(line, "data")) && !ret->data)
			ret->data = v;
		line = next;
	}
	*ret_used = used;
	return true;
}

void kbc_sse_drop(struct kb_buf *pending, size_t used)
{
	memmove(pending->data, pending->data + used, pending->len - used + 1);
	pending->len -= used;
}
