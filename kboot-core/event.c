/* The event bus: a fixed table of listeners, called outside the lock. */
#include "event.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct listener {
	kb_event_fn fn;
	void *data;
	bool used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct listener listeners[KB_EVENT_LISTENERS_MAX];

int kb_event_subscribe(kb_event_fn fn, void *data)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < KB_EVENT_LISTENERS_MAX; i++) {
		if (!listeners[i].used) {
			listeners[i] = (struct listener){ .fn = fn, .data = data, .used = true };
			pthread_mutex_unlock(&lock);
			return i;
		}
	}
	pthread_mutex_unlock(&lock);
	return -ENOSPC;
}

void kb_event_unsubscribe(int id)
{
	if (id < 0 || id >= KB_EVENT_LISTENERS_MAX)
		return;
	pthread_mutex_lock(&lock);
	listeners[id].used = false;
	pthread_mutex_unlock(&lock);
}

void kb_event_emit(const struct kb_event *ev)
{
	struct listener copy[KB_EVENT_LISTENERS_MAX];
	pthread_mutex_lock(&lock);
	for (int i = 0; i < KB_EVENT_LISTENERS_MAX; i++)
		copy[i] = listeners[i];
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < KB_EVENT_LISTENERS_MAX; i++)
		if (copy[i].used)
			copy[i].fn(ev, copy[i].data);
}

const char *kb_event_type_name(enum kb_event_type type)
{
	static const char *const names[] = {
		[KB_EVENT_STATE] = "state",
		[KB_EVENT_COUNTDOWN] = "countdown",
		[KB_EVENT_PROGRESS] = "progress",
		[KB_EVENT_DEVICE_ADDED] = "device-added",
		[KB_EVENT_DEVICE_REMOVED] = "device-removed",
		[KB_EVENT_ENTRIES] = "entries",
		[KB_EVENT_LOG] = "log",
	};
	if ((size_t)type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}
