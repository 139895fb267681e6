/* GET /api/v1/devices: block devices and partitions, scanned on request. */
#include "server.h"
#include "kboot-core/device.h"

static cJSON *device_json(const struct kb_device *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "path", d->path);
	cJSON_AddItemToObject(o, "parent", kbd_json_string_or_null(d->parent));
	cJSON_AddNumberToObject(o, "size", (double)d->size);
	cJSON_AddItemToObject(o, "fstype", kbd_json_string_or_null(d->fstype));
	cJSON_AddItemToObject(o, "label", kbd_json_string_or_null(d->label));
	cJSON_AddItemToObject(o, "uuid", kbd_json_string_or_null(d->uuid));
	cJSON_AddItemToObject(o, "partuuid", kbd_json_string_or_null(d->partuuid));
	cJSON_AddBoolToObject(o, "removable", d->removable);
	cJSON_AddBoolToObject(o, "partition", d->is_partition);
	cJSON_AddItemToObject(o, "mountpoint", kbd_json_string_or_null(d->mountpoint));
	/* A LUKS device waiting for a key (POST /api/v1/devices/{name}/unlock). */
	cJSON_AddBoolToObject(o, "locked", kb_device_locked(d));
	return o;
}

int kbd_api_devices_get(struct mg_connection *conn, void *data)
{
	struct kb_device_list list = { 0 };
	kb_error err = { 0 };
	int r = kb_devices_scan(&list, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "devices");
	for (size_t i = 0; i < list.n; i++)
		cJSON_AddItemToArray(arr, device_json(&list.v[i]));
	kb_device_list_free(&list);
	return kbd_send_json(conn, 200, root);
}
