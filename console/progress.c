/* The console's progress line (see progress.h). */
#include "progress.h"
#include "kboot-core/event.h"
#include "kboot-core/fetch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool active, line_open;
static int listener = -1;

static void on_event(const struct kb_event *ev, void *data)
{
	(void)data;
	if (ev->type == KB_EVENT_PROGRESS)
		kbc_progress_show(ev->text, ev->name, ev->done, ev->total);
}

void kbc_progress_begin(void)
{
	pthread_mutex_lock(&lock);
	active = true;
	line_open = false;
	pthread_mutex_unlock(&lock);
	if (listener < 0)
		listener = kb_event_subscribe(on_event, NULL);
}

void kbc_progress_finish(void)
{
	if (listener >= 0) {
		kb_event_unsubscribe(listener);
		listener = -1;
	}
	pthread_mutex_lock(&lock);
	if (line_open)
		fputs("\n", stdout);
	fflush(stdout);
	active = false;
	line_open = false;
	pthread_mutex_unlock(&lock);
}

void kbc_progress_show(const char *phase, const char *name, uint64_t done, uint64_t total)
{
	char done_text[32], total_text[32];
	kb_fetch_format_size(done, done_text, sizeof(done_text));
	kb_fetch_format_size(total, total_text, sizeof(total_text));
	pthread_mutex_lock(&lock);
	/* Downloads only: loading a local file is quick and says nothing new. */
	if (active && phase && strcmp(phase, "fetch") == 0) {
		/* \r and erase-to-end: the same line, however the numbers shrink. */
		if (total > 0)
			printf("\rfetching %s: %s of %s\033[K", name ? name : "", done_text, total_text);
		else
			printf("\rfetching %s: %s\033[K", name ? name : "", done_text);
		line_open = true;
		if (total > 0 && done >= total) {
			fputs("\n", stdout);
			line_open = false;
		}
		fflush(stdout);
	}
	pthread_mutex_unlock(&lock);
}
