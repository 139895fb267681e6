/* The REST API's JSON (see wire.h). */
#include "wire.h"
#include "cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* errno → code and status; the first row for an errno is the one sent, and
 * every row is read back by kb_wire_errno_of. */
static const struct {
	int errnum;
	int status;
	const char *code;
} errors[] = {
	{ ENOENT, 404, "not_found" },        { ENOTDIR, 404, "not_found" },
	{ ENODEV, 404, "not_found" },        { ENXIO, 404, "not_found" },
	{ EINVAL, 400, "invalid_request" },  { ENAMETOOLONG, 400, "path_invalid" },
	{ EBUSY, 409, "busy" },              { EALREADY, 409, "conflict" },
	{ ENOEXEC, 422, "not_loadable" },    { E2BIG, 413, "too_large" },
	{ EFBIG, 413, "too_large" },         { EACCES, 403, "forbidden" },
	{ EPERM, 403, "forbidden" },
	/* A path that leaves its filesystem, or a symlink loop, is the
	 * request's doing; a network that does not answer is not kboot's. */
	{ EXDEV, 403, "outside_filesystem" }, { ELOOP, 400, "too_many_links" },
	{ ETIMEDOUT, 504, "timed_out" },     { EHOSTUNREACH, 502, "unreachable" },
	{ ENETUNREACH, 502, "unreachable" }, { ECONNREFUSED, 502, "refused" },
	{ ENOSPC, 507, "no_space" },         { EROFS, 403, "read_only" },
	{ ECANCELED, 409, "cancelled" },     { EKEYREJECTED, 502, "untrusted_certificate" },
	/* Codes kbootd sends for its own refusals, read back by clients. */
	{ EACCES, 401, "unauthorized" },     { ENOENT, 404, "entry_not_found" },
	{ ENOENT, 404, "no_such_route" },    { ENOEXEC, 422, "load_failed" },
	{ EALREADY, 409, "no_countdown" },   { EALREADY, 409, "nothing_to_cancel" },
	{ EBUSY, 409, "already_booting" },   { EINVAL, 400, "invalid_field" },
	{ EINVAL, 400, "malformed_json" },   { E2BIG, 413, "body_too_large" },
	{ EAGAIN, 429, "try_later" },        { EAGAIN, 429, "too_many_attempts" },
};

int kb_wire_status_of(int errnum, const char **ret_code)
{
	if (errnum < 0)
		errnum = -errnum;
	for (size_t i = 0; i < KB_ELEMENTSOF(errors); i++)
		if (errors[i].errnum == errnum) {
			*ret_code = errors[i].code;
			return errors[i].status;
		}
	*ret_code = "internal";
	return 500;
}

int kb_wire_errno_of(const char *code)
{
	for (size_t i = 0; code && i < KB_ELEMENTSOF(errors); i++)
		if (strcmp(errors[i].code, code) == 0)
			return errors[i].errnum;
	return EIO;
}

cJSON *kb_wire_error(int errnum, const char *message)
{
	const char *code;
	kb_wire_status_of(errnum, &code);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	return e;
}

static cJSON *string_or_null(const char *s)
{
	return s && s[0] ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static const char *string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *kb_wire_legacy(const struct kb_legacy_plan *legacy)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "method", legacy->method);
	cJSON_AddStringToObject(o, "next_entry", legacy->next_entry);
	cJSON_AddStringToObject(o, "grubenv", legacy->grubenv);
	cJSON_AddStringToObject(o, "note", legacy->note);
	return o;
}

cJSON *kb_wire_entry(const struct kb_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", e->id);
	cJSON_AddStringToObject(o, "title", e->title ? e->title : e->id);
	cJSON_AddItemToObject(o, "kernel", string_or_null(e->kernel));
	cJSON *initrds = cJSON_AddArrayToObject(o, "initrd");
	for (size_t i = 0; i < e->n_initrds; i++)
		cJSON_AddItemToArray(initrds, cJSON_CreateString(e->initrds[i]));
	cJSON_AddStringToObject(o, "cmdline", e->cmdline ? e->cmdline : "");
	cJSON_AddItemToObject(o, "source", string_or_null(e->source));
	cJSON_AddItemToObject(o, "version", string_or_null(e->version));
	cJSON_AddStringToObject(o, "type", kb_entry_type_name(e->type));
	cJSON_AddBoolToObject(o, "default", e->is_default);
	struct kb_legacy_plan legacy;
	if (e->type == KB_ENTRY_LEGACY && kb_legacy_plan(e, &legacy, NULL) >= 0)
		cJSON_AddItemToObject(o, "legacy", kb_wire_legacy(&legacy));
	if (e->legacy_device) /* what a chainload entry boots: "hd0,msdos1", "UUID=…" */
		cJSON_AddStringToObject(o, "legacy_device", e->legacy_device);
	if (e->broken) /* listed because GRUB lists it; why it cannot boot */
		cJSON_AddStringToObject(o, "broken", e->broken);
	return o;
}

int kb_wire_entry_read(const cJSON *o, struct kb_entry *ret, kb_error *err)
{
	const char *id = string_of(o, "id");
	if (!cJSON_IsObject(o) || !id)
		return kb_error_set(err, EINVAL, "an entry without an id");
	struct kb_entry e = { 0 };
	snprintf(e.id, sizeof(e.id), "%s", id);
	e.title = (char *)string_of(o, "title");
	e.kernel = (char *)string_of(o, "kernel");
	e.cmdline = (char *)string_of(o, "cmdline");
	e.source = (char *)string_of(o, "source");
	e.version = (char *)string_of(o, "version");
	const char *type = string_of(o, "type");
	e.type = type && strcmp(type, kb_entry_type_name(KB_ENTRY_LEGACY)) == 0 ? KB_ENTRY_LEGACY : KB_ENTRY_LINUX;
	e.is_default = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "default"));
	/* a legacy entry's GRUB id, so a client can say what booting it does */
	e.grub_id = (char *)string_of(cJSON_GetObjectItemCaseSensitive(o, "legacy"), "next_entry");
	e.legacy_device = (char *)string_of(o, "legacy_device");
	e.broken = (char *)string_of(o, "broken");
	const cJSON *i;
	cJSON_ArrayForEach(i, cJSON_GetObjectItemCaseSensitive(o, "initrd"))
	{
		if (cJSON_IsString(i) && e.n_initrds < KB_ENTRY_INITRDS_MAX)
			e.initrds[e.n_initrds++] = i->valuestring;
	}
	*ret = e;
	return 0;
}

void kb_wire_status_add(cJSON *root, const struct kb_boot_status *st)
{
	cJSON_AddStringToObject(root, "state", kb_boot_state_name(st->state));
	if (st->state == KB_BOOT_COUNTDOWN) {
		cJSON *c = cJSON_AddObjectToObject(root, "countdown");
		cJSON_AddStringToObject(c, "entry", st->countdown_entry);
		cJSON_AddStringToObject(c, "title", st->countdown_title);
		cJSON_AddNumberToObject(c, "seconds_left", st->seconds_left);
	} else {
		cJSON_AddNullToObject(root, "countdown");
	}
	if (st->has_error)
		cJSON_AddItemToObject(root, "last_error", kb_wire_error(st->last_error.code, st->last_error.text));
	else
		cJSON_AddNullToObject(root, "last_error");
	cJSON_AddItemToObject(root, "booting", string_or_null(st->state == KB_BOOT_BOOTING ? st->booting : NULL));
}

static enum kb_boot_state state_from_name(const char *name)
{
	static const enum kb_boot_state all[] = { KB_BOOT_IDLE, KB_BOOT_COUNTDOWN, KB_BOOT_LOADING,
						  KB_BOOT_BOOTING };
	for (size_t i = 0; name && i < KB_ELEMENTSOF(all); i++)
		if (strcmp(name, kb_boot_state_name(all[i])) == 0)
			return all[i];
	return KB_BOOT_IDLE;
}

int kb_wire_status_read(const cJSON *o, struct kb_boot_status *ret)
{
	if (!cJSON_IsObject(o))
		return -EINVAL;
	struct kb_boot_status st = { .state = state_from_name(string_of(o, "state")) };
	const cJSON *cd = cJSON_GetObjectItemCaseSensitive(o, "countdown");
	if (cJSON_IsObject(cd)) {
		const cJSON *left = cJSON_GetObjectItemCaseSensitive(cd, "seconds_left");
		const char *entry = string_of(cd, "entry"), *title = string_of(cd, "title");
		snprintf(st.countdown_entry, sizeof(st.countdown_entry), "%s", entry ? entry : "");
		snprintf(st.countdown_title, sizeof(st.countdown_title), "%s", title ? title : "");
		st.seconds_left = cJSON_IsNumber(left) ? left->valueint : 0;
	}
	const cJSON *le = cJSON_GetObjectItemCaseSensitive(o, "last_error");
	if (cJSON_IsObject(le)) {
		const char *m = string_of(le, "message");
		st.has_error = true;
		kb_error_set(&st.last_error, kb_wire_errno_of(string_of(le, "code")), "%s",
			     m ? m : "the last boot failed");
	}
	const char *booting = string_of(o, "booting");
	snprintf(st.booting, sizeof(st.booting), "%s", booting ? booting : "");
	*ret = st;
	return 0;
}
