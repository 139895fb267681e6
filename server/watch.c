/* Devices come and go (a USB stick): scan once a second, announce the
 * difference, and find the entries again when anything changed. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/device.h"
#include "kboot-core/discover.h"
#include "kboot-core/event.h"
#include "kboot-core/log.h"
#include "kboot-core/storage.h"
#include "kboot-core/target.h"

static struct {
	const struct kb_config *cfg;
	struct kb_device_list known;
	bool changed;
	bool countdown_deferred; /* until a locked device brings the target */
} watch;

static void added(const struct kb_device *d, void *data)
{
	watch.changed = true;
	kb_info("device added: %s", d->name);
	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_DEVICE_ADDED, .name = d->name });
}

static void removed(const struct kb_device *d, void *data)
{
	watch.changed = true;
	kb_info("device removed: %s", d->name);
	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_DEVICE_REMOVED, .name = d->name });
}

int kbd_watch_init(const struct kb_config *cfg, kb_error *err)
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

bool kbd_watch_defer_countdown(void)
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

void kbd_watch_tick(void)
{
	struct kb_device_list now = { 0 };
	if (kb_devices_scan(&now, NULL) < 0)
		return;
	watch.changed = false;
	kb_devices_diff(&watch.known, &now, added, removed, NULL);
	kb_device_list_free(&watch.known);
	watch.known = now;
	if (!watch.changed)
		return;
	/* A new disk may hold an md member or a PV: bring up what is on it
	 * (the next tick sees what appeared), then look for entries again. */
	kb_error err = { 0 };
	if (kb_storage_assemble(&err) < 0)
		kb_warn("volumes: %s", err.text);
	rediscover();
	start_deferred_countdown();
}

void kbd_watch_free(void)
{
	kb_device_list_free(&watch.known);
}
