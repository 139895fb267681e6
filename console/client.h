/* The console as a client of kbootd (the REST API over libcurl), so the
 * console and the browser share one state: one countdown, one boot. */
#pragma once
#include "kboot-core/bootctl.h"
#include "kboot-core/entry.h"
#include "kboot-core/error.h"

#include <errno.h>
#include <stdbool.h>

enum {
	KBC_CLIENT_BODY_MAX = 4 * 1024 * 1024, /* bytes of one API answer */
	KBC_CLIENT_TIMEOUT_S = 10,             /* per request (not the event stream) */
	KBC_CLIENT_CONNECT_TIMEOUT_MS = 1500,
};

struct kbc_client;

/* Read <run_dir>/kbootd.url and <run_dir>/local-token and ask for the status.
 * -ENOENT when kbootd left no URL, -ECONNREFUSED (or another error) when it
 * does not answer: the console then works alone. Every request reads both
 * files again when kbootd refuses it or its connection, since a restarted
 * kbootd listens with a new token; kbootd gone for good gives -ECONNREFUSED,
 * -ECONNRESET or -ETIMEDOUT (kbc_client_lost). */
int kbc_client_connect(const char *run_dir, struct kbc_client **ret, kb_error *err);
void kbc_client_free(struct kbc_client *c);

static inline bool kbc_client_lost(int r)
{
	return r == -ECONNREFUSED || r == -ECONNRESET || r == -ETIMEDOUT;
}

int kbc_client_status(struct kbc_client *c, struct kb_boot_status *ret, kb_error *err);
int kbc_client_entries(struct kbc_client *c, struct kb_entry_list *ret, kb_error *err);
int kbc_client_cancel(struct kbc_client *c, kb_error *err);
/* POST /api/v1/devices/{name}/unlock; the request body is wiped after. */
int kbc_client_unlock(struct kbc_client *c, const char *name, const char *passphrase, kb_error *err);
/* POST /api/v1/boot; 0 once kbootd accepted it (202), or its error message.
 * No total timeout (a download may take long; progress comes as events to
 * kbc_progress_show); Ctrl-C meanwhile asks kbootd to cancel the download. */
int kbc_client_boot(struct kbc_client *c, const struct kb_boot_request *req, kb_error *err);

/* Follow GET /api/v1/events on a thread; every event refreshes the status
 * kept for kbc_client_last_status (the countdown's ticks, a stop from the
 * browser). Without the stream, kbc_client_last_status asks each time. */
int kbc_client_follow(struct kbc_client *c, kb_error *err);
int kbc_client_last_status(struct kbc_client *c, struct kb_boot_status *ret, kb_error *err);
