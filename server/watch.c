/* Devices come and go (a USB stick): scan once a second, announce the
 * difference, and find the entries again when anything changed. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/device.h"
#include "kboot-core/discover.h"
#include "kboot-core/event.h"
#include "kboot-core/log.h"
#include "kboot-core/storage.h"

static struct {
	const struct kb_config *cfg;
	struct kb_device_list known;
	bool changed;
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
}

void kbd_watch_free(void)
{
	kb_device_list_free(&watch.known);
}
