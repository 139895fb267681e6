/* GET /api/v1/status: the boot state machine as a client sees it. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/ssh.h"

#include <string.h>

#ifndef KBOOT_VERSION
#define KBOOT_VERSION "0"
#endif

cJSON *kbd_error_json(int errnum, const char *message)
{
	const char *code;
	kbd_status_for_errno(errnum, &code);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	return e;
}

int kbd_api_status_get(struct mg_connection *conn, void *data)
{
	struct kb_boot_status st;
	kb_bootctl_status(&st);

	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "version", KBOOT_VERSION);
	cJSON_AddStringToObject(root, "state", kb_boot_state_name(st.state));
	if (st.state == KB_BOOT_COUNTDOWN) {
		cJSON *c = cJSON_AddObjectToObject(root, "countdown");
		cJSON_AddStringToObject(c, "entry", st.countdown_entry);
		cJSON_AddStringToObject(c, "title", st.countdown_title);
		cJSON_AddNumberToObject(c, "seconds_left", st.seconds_left);
	} else
		cJSON_AddNullToObject(root, "countdown");
	if (st.has_error)
		cJSON_AddItemToObject(root, "last_error", kbd_error_json(st.last_error.code, st.last_error.text));
	else
		cJSON_AddNullToObject(root, "last_error");
	cJSON_AddItemToObject(root, "booting",
			      kbd_json_string_or_null(st.state == KB_BOOT_BOOTING ? st.booting : NULL));
	cJSON_AddBoolToObject(root, "auth_none", kbd_auth_none());
	cJSON_AddItemToObject(root, "tls", kbd_tls_json());
	char fingerprint[KB_SSH_FINGERPRINT_MAX];
	if (kb_ssh_fingerprint(fingerprint, sizeof(fingerprint)) == 0)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(root, "ssh"), "fingerprint", fingerprint);
	else
		cJSON_AddNullToObject(root, "ssh");
	return kbd_send_json(conn, 200, root);
}
