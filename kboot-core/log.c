/* The log ring: the last KB_LOG_LINES_MAX lines, for GET /api/v1/log and
 * the console; each line also goes to stderr and out as an event. */
#include "log.h"
#include "event.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct kb_log_line *ring; /* KB_LOG_LINES_MAX lines, allocated at the first line */
static size_t ring_next, ring_count;
static enum kb_log_level stderr_level = KB_LOG_INFO;

static double uptime_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kb_log_set_stderr_level(enum kb_log_level level)
{
	stderr_level = level;
}

const char *kb_log_level_name(enum kb_log_level level)
{
	switch (level) {
	case KB_LOG_SILENT:
		return "silent";
	case KB_LOG_ERR:
		return "error";
	case KB_LOG_WARN:
		return "warning";
	case KB_LOG_INFO:
		return "info";
	case KB_LOG_DEBUG:
		return "debug";
	}
	return "info";
}

void kb_log(enum kb_log_level level, const char *fmt, ...)
{
	struct kb_log_line line = { .uptime = uptime_now(), .level = level };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line.text, sizeof(line.text), fmt, ap);
	va_end(ap);

	if (level <= stderr_level)
		fprintf(stderr, "kboot: %s\n", line.text);
	if (level == KB_LOG_DEBUG)
		return;

	pthread_mutex_lock(&lock);
	if (!ring)
		ring = calloc(KB_LOG_LINES_MAX, sizeof(*ring)); /* no memory: stderr and events only */
	if (ring) {
		ring[ring_next] = line;
		ring_next = (ring_next + 1) % KB_LOG_LINES_MAX;
		if (ring_count < KB_LOG_LINES_MAX)
			ring_count++;
	}
	pthread_mutex_unlock(&lock);

	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_LOG, .text = line.text, .level = level });
}

void kb_log_foreach(void (*fn)(const struct kb_log_line *line, void *data), void *data)
{
	pthread_mutex_lock(&lock);
	size_t first = (ring_next + KB_LOG_LINES_MAX - ring_count) % KB_LOG_LINES_MAX;
	for (size_t i = 0; i < ring_count; i++)
		fn(&ring[(first + i) % KB_LOG_LINES_MAX], data);
	pthread_mutex_unlock(&lock);
}
