/* Server-sent events as the console reads kbootd's /api/v1/events: the
 * stream cut into whole events, each with its type and data. */
#pragma once
#include "kboot-core/buf.h"

#include <stdbool.h>
#include <stddef.h>

enum { KBC_SSE_TYPE_MAX = 32 }; /* bytes of an event name; longer ones are cut */

struct kbc_sse_event {
	char type[KBC_SSE_TYPE_MAX]; /* the "event:" field, "message" without one */
	const char *data;            /* the first "data:" field's value, or NULL (a comment, a ping) */
};

/* The first whole event of pending (a blank line ends one: "\n\n" or
 * "\r\n\r\n"): true and *ret filled, with ret->data pointing into pending.
 * kbc_sse_drop then removes it. False when no event is complete yet. */
bool kbc_sse_next(struct kb_buf *pending, struct kbc_sse_event *ret, size_t *ret_used);
void kbc_sse_drop(struct kb_buf *pending, size_t used);
