/* POST /api/v1/autoboot/cancel: stop the countdown to the default entry. */
#include "server.h"
#include "kboot-core/bootctl.h"

#include <errno.h>

int kbd_api_autoboot_cancel_post(struct mg_connection *conn, void *data)
{
	int status = kbd_discard_body(conn);
	if (status)
		return status;
	int r = kb_bootctl_cancel();
	if (r == -EALREADY)
		return kbd_send_error(conn, 409, "no_countdown", "no countdown is running");
	if (r == -EBUSY)
		return kbd_send_error(conn, 409, "already_booting",
				      "too late to cancel: the countdown is over and a boot is under way");
	if (r < 0)
		return kbd_send_core_error(conn, r, NULL);
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "state", kb_boot_state_name(st.state));
	return kbd_send_json(conn, 200, root);
}
