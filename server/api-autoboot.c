/* POST /api/v1/autoboot/cancel: stop the countdown to the default entry. */
#include "server.h"
#include "kboot-core/bootctl.h"

#include <errno.h>

static int autoboot_cancel(struct mg_connection *conn, void *data)
{
	if (!kbd_method_is(conn, "POST"))
		return kbd_send_method_not_allowed(conn, "POST");
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

void kbd_autoboot_register(struct mg_context *ctx)
{
	mg_set_request_handler(ctx, "/api/v1/autoboot/cancel", autoboot_cancel, NULL);
}
