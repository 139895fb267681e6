/* Events from the core to its front ends (kbootd turns them into SSE, the
 * console into lines). Listeners are called on the emitting thread, outside
 * the bus's lock, and must not block. */
#pragma once
#include <stdint.h>

enum kb_event_type {
	KB_EVENT_STATE,          /* text: new state name; error: last error or NULL */
	KB_EVENT_COUNTDOWN,      /* entry_id, text: title, seconds_left */
	KB_EVENT_PROGRESS,       /* text: "fetch"|"load", name: what, done/total bytes */
	KB_EVENT_DEVICE_ADDED,   /* name: device */
	KB_EVENT_DEVICE_REMOVED, /* name: device */
	KB_EVENT_ENTRIES,        /* the entry list changed */
	KB_EVENT_LOG,            /* text: the line, level */
};

struct kb_event {
	enum kb_event_type type;
	const char *text;
	const char *name;
	const char *entry_id;
	const char *error;
	int seconds_left;
	int level;
	uint64_t done, total;
};

enum { KB_EVENT_LISTENERS_MAX = 8 };
typedef void (*kb_event_fn)(const struct kb_event *ev, void *data);

/* Returns a listener id >= 0, or -ENOSPC past KB_EVENT_LISTENERS_MAX. */
int kb_event_subscribe(kb_event_fn fn, void *data);
void kb_event_unsubscribe(int id);
void kb_event_emit(const struct kb_event *ev);
const char *kb_event_type_name(enum kb_event_type type);
