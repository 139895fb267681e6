/* Error text formatting shared by every core module. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int kb_error_set(kb_error *e, int errnum, const char *fmt, ...)
{
	if (errnum < 0)
		errnum = -errnum;
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
		e->code = errnum;
	}
	return -errnum;
}

int kb_error_prefix(kb_error *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char prefix[KB_ERROR_TEXT_MAX], old[KB_ERROR_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->text, sizeof(old));
	/* A message too long for the buffer loses its tail, never its prefix. */
	size_t plen = strnlen(prefix, sizeof(e->text) - 1);
	size_t olen = strnlen(old, sizeof(e->text) - 1 - plen);
	memcpy(e->text, prefix, plen);
	memcpy(e->text + plen, old, olen);
	e->text[plen + olen] = '\0';
	return -(e->code ? e->code : 1);
}

void kb_error_clear(kb_error *e)
{
	if (e) {
		e->code = 0;
		e->text[0] = '\0';
	}
}
