/* Errors for people: a negative errno for the program, one sentence for the user.
 * Every core call that can fail takes a `kb_error *` (may be NULL) and fills it. */
#pragma once
#include <stddef.h>

enum { KB_ERROR_TEXT_MAX = 512 };

typedef struct kb_error {
	int code;                     /* positive errno, 0 when no error */
	char text[KB_ERROR_TEXT_MAX]; /* e.g. "sda3: no such device" */
} kb_error;

/* Fill *e (if non-NULL) and return -errnum, so callers write
 * `return kb_error_set(err, ENOENT, "%s: no such file", p);` */
int kb_error_set(kb_error *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix an existing message: "vda2:/boot/x: " + text. Returns -e->code. */
int kb_error_prefix(kb_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void kb_error_clear(kb_error *e);
