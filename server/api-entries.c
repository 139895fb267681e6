/* GET /api/v1/entries: what can be booted, the default marked. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/entry.h"

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
	return o;
}

static int entries_get(struct mg_connection *conn, void *data)
{
	if (!kbd_method_is(conn, "GET") && !kbd_method_is(conn, "HEAD"))
		return kbd_send_method_not_allowed(conn, "GET");
	struct kb_entry_list list = { 0 };
	kb_error err = { 0 };
	int r = kb_bootctl_entries(&list, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "entries");
	for (size_t i = 0; i < list.n; i++)
		cJSON_AddItemToArray(arr, entry_json(&list.v[i]));
	kb_entry_list_free(&list);
	return kbd_send_json(conn, 200, root);
}

void kbd_entries_register(struct mg_context *ctx)
{
	mg_set_request_handler(ctx, "/api/v1/entries", entries_get, NULL);
}
