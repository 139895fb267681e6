/* The kboot environment's log: a bounded ring of recent lines, mirrored to
 * stderr and published as KB_EVENT_LOG for live viewers. Thread-safe. */
#pragma once
#include <stddef.h>

enum kb_log_level {
	KB_LOG_SILENT = -1, /* only for kb_log_set_stderr_level: nothing on stderr */
	KB_LOG_ERR,
	KB_LOG_WARN,
	KB_LOG_INFO,
	KB_LOG_DEBUG,
};
enum { KB_LOG_LINES_MAX = 512, KB_LOG_LINE_MAX = 400 };

void kb_log(enum kb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define kb_err(...) kb_log(KB_LOG_ERR, __VA_ARGS__)
#define kb_warn(...) kb_log(KB_LOG_WARN, __VA_ARGS__)
#define kb_info(...) kb_log(KB_LOG_INFO, __VA_ARGS__)
#define kb_debug(...) kb_log(KB_LOG_DEBUG, __VA_ARGS__)

/* Lines below this level are kept out of stderr (the ring keeps all but debug). */
void kb_log_set_stderr_level(enum kb_log_level level);

struct kb_log_line {
	double uptime; /* seconds since boot (CLOCK_BOOTTIME) */
	enum kb_log_level level;
	char text[KB_LOG_LINE_MAX];
};
/* Call fn on each kept line, oldest first, under the log's lock. */
void kb_log_foreach(void (*fn)(const struct kb_log_line *line, void *data), void *data);
const char *kb_log_level_name(enum kb_log_level level);
