/* GET /api/v1/log: the kboot environment's recent log lines. */
#include "server.h"
#include "kboot-core/log.h"

static void add_line(const struct kb_log_line *line, void *data)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "uptime", line->uptime);
	cJSON_AddStringToObject(o, "level", kb_log_level_name(line->level));
	cJSON_AddStringToObject(o, "text", line->text);
	cJSON_AddItemToArray(data, o);
}

int kbd_api_log_get(struct mg_connection *conn, void *data)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *lines = cJSON_AddArrayToObject(root, "lines");
	kb_log_foreach(add_line, lines);
	return kbd_send_json(conn, 200, root);
}
