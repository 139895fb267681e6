/* GET /api/v1/events: Server-Sent Events. One core listener formats each
 * event once and queues it for every stream; each stream's worker thread
 * writes its queue. A slow client loses its oldest events, never blocks the
 * core. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/event.h"
#include "kboot-core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { KBD_SSE_PING_S = 5 }; /* a comment line this often finds dead clients */

struct stream {
	bool used;
	char **queue; /* KBD_SSE_QUEUE_MAX slots, allocated while the stream is open */
	size_t head, len;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	int listener;
	struct stream streams[KBD_SSE_CLIENTS_MAX];
} sse = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .listener = -1 };

static cJSON *event_data(const struct kb_event *ev)
{
	cJSON *o = cJSON_CreateObject();
	switch (ev->type) {
	case KB_EVENT_STATE:
		cJSON_AddItemToObject(o, "state", kbd_json_string_or_null(ev->text));
		cJSON_AddItemToObject(o, "error", kbd_json_string_or_null(ev->error));
		break;
	case KB_EVENT_COUNTDOWN:
		cJSON_AddItemToObject(o, "entry", kbd_json_string_or_null(ev->entry_id));
		cJSON_AddItemToObject(o, "title", kbd_json_string_or_null(ev->text));
		cJSON_AddNumberToObject(o, "seconds_left", ev->seconds_left);
		break;
	case KB_EVENT_PROGRESS:
		cJSON_AddItemToObject(o, "phase", kbd_json_string_or_null(ev->text));
		cJSON_AddItemToObject(o, "name", kbd_json_string_or_null(ev->name));
		cJSON_AddNumberToObject(o, "done", (double)ev->done);
		cJSON_AddNumberToObject(o, "total", (double)ev->total);
		break;
	case KB_EVENT_DEVICE_ADDED:
	case KB_EVENT_DEVICE_REMOVED:
		cJSON_AddItemToObject(o, "name", kbd_json_string_or_null(ev->name));
		break;
	case KB_EVENT_ENTRIES:
		break;
	case KB_EVENT_LOG:
		cJSON_AddStringToObject(o, "level", kb_log_level_name((enum kb_log_level)ev->level));
		cJSON_AddItemToObject(o, "text", kbd_json_string_or_null(ev->text));
		break;
	}
	return o;
}

/* "event: NAME\ndata: JSON\n\n"; NULL when out of memory. */
static char *format_event(const char *name, cJSON *data)
{
	_cleanup_free_ char *json = data ? cJSON_PrintUnformatted(data) : NULL;
	cJSON_Delete(data);
	if (!json)
		return NULL;
	char *text = NULL;
	if (asprintf(&text, "event: %s\ndata: %s\n\n", name, json) < 0)
		return NULL;
	return text;
}

static void push(struct stream *s, char *text)
{
	if (s->len == KBD_SSE_QUEUE_MAX) {
		free(s->queue[s->head]);
		s->head = (s->head + 1) % KBD_SSE_QUEUE_MAX;
		s->len--;
	}
	s->queue[(s->head + s->len) % KBD_SSE_QUEUE_MAX] = text;
	s->len++;
}

/* Runs on the emitting thread: no blocking, no logging (the log emits too). */
static void on_event(const struct kb_event *ev, void *data)
{
	_cleanup_free_ char *text = format_event(kb_event_type_name(ev->type), event_data(ev));
	if (!text)
		return;
	pthread_mutex_lock(&sse.lock);
	for (size_t i = 0; i < KBD_SSE_CLIENTS_MAX; i++) {
		struct stream *s = &sse.streams[i];
		if (!s->used)
			continue;
		char *copy = strdup(text);
		if (copy)
			push(s, copy);
	}
	pthread_cond_broadcast(&sse.wake);
	pthread_mutex_unlock(&sse.lock);
}

static struct stream *stream_open(void)
{
	char **queue = calloc(KBD_SSE_QUEUE_MAX, sizeof(*queue));
	if (!queue)
		return NULL;
	struct stream *found = NULL;
	pthread_mutex_lock(&sse.lock);
	for (size_t i = 0; i < KBD_SSE_CLIENTS_MAX && !sse.stopping; i++)
		if (!sse.streams[i].used) {
			found = &sse.streams[i];
			*found = (struct stream){ .used = true, .queue = TAKE_PTR(queue) };
			break;
		}
	pthread_mutex_unlock(&sse.lock);
	free(queue);
	return found;
}

static void stream_close(struct stream *s)
{
	pthread_mutex_lock(&sse.lock);
	for (size_t i = 0; i < s->len; i++)
		free(s->queue[(s->head + i) % KBD_SSE_QUEUE_MAX]);
	free(s->queue);
	*s = (struct stream){ 0 };
	pthread_mutex_unlock(&sse.lock);
}

static int write_text(struct mg_connection *conn, const char *text)
{
	size_t len = strlen(text);
	return mg_write(conn, text, len) == (int)len ? 0 : -EIO;
}

/* What a new client needs to draw the current state at once. */
static int send_snapshot(struct mg_connection *conn)
{
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	cJSON *state = cJSON_CreateObject();
	cJSON_AddStringToObject(state, "state", kb_boot_state_name(st.state));
	cJSON_AddItemToObject(state, "error", kbd_json_string_or_null(st.has_error ? st.last_error.text : NULL));
	_cleanup_free_ char *text = format_event("state", state);
	if (!text || write_text(conn, text) < 0)
		return -EIO;
	if (st.state != KB_BOOT_COUNTDOWN)
		return 0;
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "entry", st.countdown_entry);
	cJSON_AddStringToObject(c, "title", st.countdown_title);
	cJSON_AddNumberToObject(c, "seconds_left", st.seconds_left);
	_cleanup_free_ char *tick = format_event("countdown", c);
	return tick && write_text(conn, tick) == 0 ? 0 : -EIO;
}

static void stream_loop(struct mg_connection *conn, struct stream *s)
{
	for (;;) {
		pthread_mutex_lock(&sse.lock);
		if (s->len == 0 && !sse.stopping) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += KBD_SSE_PING_S;
			pthread_cond_timedwait(&sse.wake, &sse.lock, &until);
		}
		if (sse.stopping) {
			pthread_mutex_unlock(&sse.lock);
			return;
		}
		char *text = NULL;
		if (s->len > 0) {
			text = s->queue[s->head];
			s->queue[s->head] = NULL;
			s->head = (s->head + 1) % KBD_SSE_QUEUE_MAX;
			s->len--;
		}
		pthread_mutex_unlock(&sse.lock);
		int r = write_text(conn, text ? text : ": ping\n\n");
		free(text);
		if (r < 0)
			return;
	}
}

int kbd_api_events_get(struct mg_connection *conn, void *data)
{
	struct stream *s = stream_open();
	if (!s)
		return kbd_send_error(conn, 503, "too_many_clients",
				      "already %d event streams open; close one and retry", KBD_SSE_CLIENTS_MAX);
	mg_response_header_start(conn, 200);
	mg_response_header_add(conn, "Content-Type", "text/event-stream", -1);
	mg_response_header_add(conn, "Cache-Control", "no-store", -1);
	mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
	mg_response_header_send(conn);
	if (send_snapshot(conn) == 0)
		stream_loop(conn, s);
	stream_close(s);
	return 200;
}

int kbd_events_start(kb_error *err)
{
	int id = kb_event_subscribe(on_event, NULL);
	if (id < 0)
		return kb_error_set(err, id, "cannot listen to core events: %s", strerror(-id));
	sse.listener = id;
	return 0;
}

void kbd_events_stop(void)
{
	pthread_mutex_lock(&sse.lock);
	sse.stopping = true;
	pthread_cond_broadcast(&sse.wake);
	pthread_mutex_unlock(&sse.lock);
	if (sse.listener >= 0)
		kb_event_unsubscribe(sse.listener);
	sse.listener = -1;
}
