/* GET /api/v1/openapi.json: the API's own description (webroot/openapi.json),
 * behind the same authentication as the routes it describes. */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>

static char openapi_path[4096];

int kbd_api_openapi_get(struct mg_connection *conn, void *data)
{
	FILE *f = fopen(openapi_path, "re");
	if (!f)
		return kbd_send_error(conn, 404, "not_found", "openapi.json is missing from the webroot");
	fclose(f);
	mg_send_mime_file(conn, openapi_path, "application/json");
	return 200;
}

void kbd_openapi_init(const char *webroot)
{
	snprintf(openapi_path, sizeof(openapi_path), "%s/openapi.json", webroot);
}
