/* GET /api/v1/entries: what can be booted, the default marked. The JSON is
 * made once per change of the entries (the core's "entries" event), not per
 * request: the UI and automation poll this. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/entry.h"
#include "kboot-core/event.h"
#include "kboot-core/legacy.h"
#include "kboot-core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct {
	pthread_mutex_t lock;
	unsigned generation; /* bumped by every "entries" event */
	unsigned text_generation;
	char *text;          /* the body for text_generation, or NULL */
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Runs on the emitting thread: no blocking beyond the short lock. */
static void on_event(const struct kb_event *ev, void *data)
{
	if (ev->type != KB_EVENT_ENTRIES)
		return;
	pthread_mutex_lock(&cache.lock);
	cache.generation++;
	pthread_mutex_unlock(&cache.lock);
}

static cJSON *entry_json(const struct kb_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", e->id);
	cJSON_AddStringToObject(o, "title", e->title ? e->title : e->id);
	cJSON_AddItemToObject(o, "kernel", kbd_json_string_or_null(e->kernel));
	cJSON *initrds = cJSON_AddArrayToObject(o, "initrd");
	for (size_t i = 0; i < e->n_initrds; i++)
		cJSON_AddItemToArray(initrds, cJSON_CreateString(e->initrds[i]));
	cJSON_AddStringToObject(o, "cmdline", e->cmdline ? e->cmdline : "");
	cJSON_AddItemToObject(o, "source", kbd_json_string_or_null(e->source));
	cJSON_AddItemToObject(o, "version", kbd_json_string_or_null(e->version));
	cJSON_AddStringToObject(o, "type", kb_entry_type_name(e->type));
	cJSON_AddBoolToObject(o, "default", e->is_default);
	struct kb_legacy_plan legacy;
	if (e->type == KB_ENTRY_LEGACY && kb_legacy_plan(e, &legacy, NULL) >= 0)
		cJSON_AddItemToObject(o, "legacy", kbd_legacy_json(&legacy));
	if (e->legacy_device) /* what a chainload entry boots: "hd0,msdos1", "UUID=…" */
		cJSON_AddStringToObject(o, "legacy_device", e->legacy_device);
	if (e->broken) /* listed because GRUB lists it; why it cannot boot */
		cJSON_AddStringToObject(o, "broken", e->broken);
	return o;
}

/* The body for the current entries: a copy of the cached one, or made now
 * and cached. The generation is read before the entries, so a change that
 * lands in between only makes the next request build again. */
static int entries_text(char **ret, kb_error *err)
{
	pthread_mutex_lock(&cache.lock);
	unsigned generation = cache.generation;
	char *text = cache.text && cache.text_generation == generation ? strdup(cache.text) : NULL;
	pthread_mutex_unlock(&cache.lock);
	if (text) {
		*ret = text;
		return 0;
	}
	struct kb_entry_list list = { 0 };
	int r = kb_bootctl_entries(&list, err);
	if (r < 0)
		return r;
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "entries");
	for (size_t i = 0; i < list.n; i++)
		cJSON_AddItemToArray(arr, entry_json(&list.v[i]));
	kb_entry_list_free(&list);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!text)
		return kb_error_set(err, ENOMEM, "out of memory");
	char *copy = strdup(text);
	pthread_mutex_lock(&cache.lock);
	if (copy && generation == cache.generation) {
		free(cache.text);
		cache.text = copy;
		cache.text_generation = generation;
		copy = NULL;
	}
	pthread_mutex_unlock(&cache.lock);
	free(copy);
	*ret = text;
	return 0;
}

static int entries_get(struct mg_connection *conn, void *data)
{
	if (!kbd_method_is(conn, "GET") && !kbd_method_is(conn, "HEAD"))
		return kbd_send_method_not_allowed(conn, "GET");
	_cleanup_free_ char *text = NULL;
	kb_error err = { 0 };
	int r = entries_text(&text, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	return kbd_send_json_text(conn, 200, text);
}

void kbd_entries_register(struct mg_context *ctx)
{
	if (kb_event_subscribe(on_event, NULL) < 0)
		kb_warn("entries: no change events; every request makes its own answer");
	mg_set_request_handler(ctx, "/api/v1/entries", entries_get, NULL);
}
