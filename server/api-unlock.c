/* POST /api/v1/devices/{name}/unlock: open a locked LUKS device read-only
 * with {"passphrase": "..."} or {"key_file": "<kboot path>"}. The passphrase
 * is wiped from the parsed body once cryptsetup has it. */
#include "server.h"
#include "kboot-core/storage.h"

#include <string.h>

static void wipe_json_strings(cJSON *o)
{
	for (cJSON *c = o ? o->child : NULL; c; c = c->next)
		if (cJSON_IsString(c) && c->valuestring)
			explicit_bzero(c->valuestring, strlen(c->valuestring));
}

int kbd_api_device_unlock_post(struct mg_connection *conn, void *data)
{
	const char *name = data; /* the {name} segment, checked by the gate */
	cJSON *body = NULL;
	int status = kbd_read_json(conn, &body);
	if (status)
		return status;
	const cJSON *pass = cJSON_GetObjectItemCaseSensitive(body, "passphrase");
	const cJSON *key_file = cJSON_GetObjectItemCaseSensitive(body, "key_file");
	kb_error err = { 0 };
	int r;
	if (cJSON_IsString(pass) && !key_file) {
		r = kb_storage_unlock(name, pass->valuestring, strlen(pass->valuestring), &err);
	} else if (cJSON_IsString(key_file) && !pass) {
		r = kb_storage_unlock_key_file(name, key_file->valuestring, &err);
	} else {
		wipe_json_strings(body);
		cJSON_Delete(body);
		return kbd_send_error(conn, 400, "invalid_field",
				      "give either \"passphrase\" or \"key_file\", a string");
	}
	wipe_json_strings(body);
	cJSON_Delete(body);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "name", name);
	cJSON_AddBoolToObject(root, "unlocked", true);
	return kbd_send_json(conn, 200, root);
}
