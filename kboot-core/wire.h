/* The REST API's JSON, written and read in one place: kbootd encodes with
 * it and the console, a client of kbootd, decodes with it, so the two can
 * never disagree on a field. It also holds the API's error vocabulary: each
 * core errno's machine code and the HTTP status the API answers it with. */
#pragma once
#include "bootctl.h"
#include "entry.h"
#include "legacy.h"

#include <cJSON.h>

/* {"id", "title", "kernel", "initrd": [], "cmdline", "source", "version",
 * "type", "default", "legacy"?, "legacy_device"?}. */
cJSON *kb_wire_entry(const struct kb_entry *e);
/* An entry back from that; its strings stay owned by o. */
int kb_wire_entry_read(const cJSON *o, struct kb_entry *ret, kb_error *err);
/* {"method", "next_entry", "grubenv", "note"}: what a legacy handoff does. */
cJSON *kb_wire_legacy(const struct kb_legacy_plan *legacy);

/* The boot state machine's part of GET /api/v1/status: "state",
 * "countdown" {"entry", "title", "seconds_left"} or null, "last_error"
 * {"code", "message"} or null, "booting". Added to root. */
void kb_wire_status_add(cJSON *root, const struct kb_boot_status *st);
int kb_wire_status_read(const cJSON *o, struct kb_boot_status *ret);

/* {"code", "message"} for a core failure (errnum: ±errno). */
cJSON *kb_wire_error(int errnum, const char *message);
/* The API's status and code for a core errno (±): 500 "internal" for one
 * the table does not name. */
int kb_wire_status_of(int errnum, const char **ret_code);
/* The errno a client takes an error code for; EIO for a code it does not know. */
int kb_wire_errno_of(const char *code);
