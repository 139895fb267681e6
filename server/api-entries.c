/* GET /api/v1/entries: what can be booted, the default marked. The JSON is
 * made once per change of the entries (the core's "entries" event), not per
 * request: the UI and automation poll this. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/entry.h"
#include "kboot-core/event.h"
#include "kboot-core/log.h"
#include "kboot-core/wire.h"

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
		cJSON_AddItemToArray(arr, kb_wire_entry(&list.v[i]));
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

int kbd_api_entries_get(struct mg_connection *conn, void *data)
{
	_cleanup_free_ char *text = NULL;
	kb_error err = { 0 };
	int r = entries_text(&text, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	return kbd_send_json_text(conn, 200, text);
}

void kbd_entries_init(void)
{
	if (kb_event_subscribe(on_event, NULL) < 0)
		kb_warn("entries: no change events; every request makes its own answer");
}
