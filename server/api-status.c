/* GET /api/v1/status: the boot state machine as a client sees it. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/ssh.h"
#include "kboot-core/wire.h"

#include <string.h>

#ifndef KBOOT_VERSION
#define KBOOT_VERSION "0"
#endif

int kbd_api_status_get(struct mg_connection *conn, void *data)
{
	struct kb_boot_status st;
	kb_bootctl_status(&st);

	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "version", KBOOT_VERSION);
	kb_wire_status_add(root, &st);
	cJSON_AddBoolToObject(root, "auth_none", kbd_auth_none());
	cJSON_AddItemToObject(root, "tls", kbd_tls_json());
	char fingerprint[KB_SSH_FINGERPRINT_MAX];
	if (kb_ssh_fingerprint(fingerprint, sizeof(fingerprint)) == 0)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "ssh"), "fingerprint", fingerprint);
	else
		cJSON_AddNullToObject(root, "ssh");
	return kbd_send_json(conn, 200, root);
}
