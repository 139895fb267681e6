/* Devices come and go (a USB stick): scan once a second, announce the
 * difference, and find the entries again when anything changed (see
 * watch.h). kbootd ticks from its main loop; a console alone on the core
 * runs the same ticks on a thread. */
#include "watch.h"
#include "bootctl.h"
#include "device.h"
#include "discover.h"
#include "event.h"
#include "log.h"
#include "mount.h"
#include "storage.h"
#include "target.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static struct {
	const struct kb_config *cfg;
	struct kb_device_list known;
	bool changed, removed;
	bool countdown_deferred; /* until a locked device brings the target */
	pthread_t thread;
	bool threaded;
	atomic_bool stop;
} watch;

static void added(const struct kb_device *d, void *data)
{
	watch.changed = true;
	kb_info("device added: %s", d->name);
	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_DEVICE_ADDED, .name = d->name });
}

static void removed(const struct kb_device *d, void *data)
{
	watch.changed = watch.removed = true;
	kb_info("device removed: %s", d->name);
	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_DEVICE_REMOVED, .name = d->name });
}

int kb_watch_init(const struct kb_config *cfg, kb_error *err)
{
	watch.cfg = cfg;
	return kb_devices_scan(&watch.known, err);
}

static void rediscover(void)
{
	struct kb_entry_list entries = { 0 };
	kb_error err = { 0 };
	int r = kb_entries_discover(watch.cfg, &entries, &err);
	if (r < 0) {
		kb_warn("discovery after a device change: %s", err.text);
		kb_entry_list_free(&entries);
		return;
	}
	r = kb_bootctl_set_entries(&entries, &err);
	kb_entry_list_free(&entries);
	if (r < 0) {
		kb_warn("new entries: %s", err.text);
		return;
	}
	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_ENTRIES });
}

bool kb_watch_defer_countdown(void)
{
	if (kb_target_present())
		return false;
	for (size_t i = 0; i < watch.known.n; i++) {
		if (!kb_device_locked(&watch.known.v[i]))
			continue;
		kb_info("autoboot: waiting for %s to be unlocked (the UI, the API or `unlock %s` at "
			"the prompt): the target may be on it",
			watch.known.v[i].name, watch.known.v[i].name);
		watch.countdown_deferred = true;
		return true;
	}
	return false;
}

/* The deferred countdown starts once the target has appeared. */
static void start_deferred_countdown(void)
{
	if (!watch.countdown_deferred || !kb_target_present())
		return;
	watch.countdown_deferred = false;
	kb_error err = { 0 };
	if (kb_bootctl_start_countdown(&err) < 0)
		kb_warn("autoboot: %s", err.text);
}

void kb_watch_tick(void)
{
	struct kb_device_list now = { 0 };
	if (kb_devices_scan(&now, NULL) < 0)
		return;
	watch.changed = watch.removed = false;
	kb_devices_diff(&watch.known, &now, added, removed, NULL);
	kb_device_list_free(&watch.known);
	watch.known = now;
	kb_error err = { 0 };
	/* Before the next device of that name is looked at: see mount.h. */
	if (watch.removed && kb_mount_drop_stale(&err) < 0)
		kb_warn("dropping the mounts of a device that went: %s", err.text);
	if (!watch.changed)
		return;
	/* A new disk may hold an md member or a PV: bring up what is on it
	 * (the next tick sees what appeared), then look for entries again. */
	kb_error_clear(&err);
	if (kb_storage_assemble(&err) < 0)
		kb_warn("volumes: %s", err.text);
	rediscover();
	start_deferred_countdown();
}

void kb_watch_free(void)
{
	kb_device_list_free(&watch.known);
	watch.known = (struct kb_device_list){ 0 };
}

static void *watch_main(void *arg)
{
	while (!atomic_load(&watch.stop)) {
		struct timespec second = { .tv_sec = 1 };
		nanosleep(&second, NULL);
		if (!atomic_load(&watch.stop))
			kb_watch_tick();
	}
	return NULL;
}

int kb_watch_start(const struct kb_config *cfg, kb_error *err)
{
	if (watch.threaded)
		return 0;
	int r = kb_watch_init(cfg, err);
	if (r < 0)
		return r;
	atomic_store(&watch.stop, false);
	r = pthread_create(&watch.thread, NULL, watch_main, NULL);
	if (r != 0) {
		kb_watch_free();
		return kb_error_set(err, r, "cannot watch the devices: %s", strerror(r));
	}
	watch.threaded = true;
	return 0;
}

void kb_watch_stop(void)
{
	if (!watch.threaded)
		return;
	atomic_store(&watch.stop, true);
	pthread_join(watch.thread, NULL);
	watch.threaded = false;
	kb_watch_free();
}
