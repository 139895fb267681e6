/* POST /api/v1/boot/cancel: stop the download a boot is waiting for. The
 * boot then fails with "cancelled" and the partial file is removed. */
#include "server.h"
#include "kboot-core/fetch.h"
#include "kboot-core/log.h"

#include <errno.h>

int kbd_api_boot_cancel_post(struct mg_connection *conn, void *data)
{
	(void)data;
	int status = kbd_discard_body(conn);
	if (status)
		return status;
	if (kb_fetch_cancel() < 0)
		return kbd_send_error(conn, 409, "nothing_to_cancel", "no download is under way");
	kb_info("download cancelled through the API");
	cJSON *root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "cancelled", true);
	return kbd_send_json(conn, 200, root);
}
