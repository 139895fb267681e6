/* POST /api/v1/boot: boot an entry, or a kernel + initrds + command line.
 * A dry run loads, checks and unloads (200 with the plan); a real boot
 * answers 202 and the core hands over on its own thread. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/entry.h"
#include "kboot-core/fetch.h"
#include "kboot-core/log.h"
#include "kboot-core/path.h"
#include "kboot-core/wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static cJSON *plan_json(const struct kb_boot_plan *plan)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "title", plan->title);
	cJSON_AddStringToObject(o, "kernel", plan->kernel);
	cJSON *initrds = cJSON_AddArrayToObject(o, "initrd");
	for (size_t i = 0; i < plan->n_initrds; i++)
		cJSON_AddItemToArray(initrds, cJSON_CreateString(plan->initrds[i]));
	cJSON_AddStringToObject(o, "cmdline", plan->cmdline);
	cJSON *k = cJSON_AddObjectToObject(o, "kernel_info");
	cJSON_AddStringToObject(k, "kind", kb_file_kind_name(plan->kernel_info.kind));
	cJSON_AddStringToObject(k, "format", kb_file_format_name(plan->kernel_info.format));
	cJSON_AddItemToObject(k, "version", kbd_json_string_or_null(plan->kernel_info.version));
	cJSON_AddNumberToObject(k, "size", (double)plan->kernel_info.size);
	return o;
}

static bool entry_exists(const char *id)
{
	struct kb_entry_list list = { 0 };
	if (kb_bootctl_entries(&list, NULL) < 0)
		return true; /* let the core say what is wrong */
	bool found = kb_entry_find(&list, id) != NULL;
	kb_entry_list_free(&list);
	return found;
}

int kbd_boot_request_parse(const cJSON *body, struct kb_boot_request *req, const char **initrds,
			   struct kbd_refusal *no)
{
	static const char *const known[] = { "entry", "kernel", "device", "initrd", "cmdline", "dry_run",
					      "insecure" };
	const char *unknown = kbd_json_unknown_field(body, known, KB_ELEMENTSOF(known));
	if (unknown)
		return kbd_refuse(no, 400, "invalid_field", "unknown field \"%s\"", unknown);
	const cJSON *entry = cJSON_GetObjectItemCaseSensitive(body, "entry");
	const cJSON *kernel = cJSON_GetObjectItemCaseSensitive(body, "kernel");
	const cJSON *device = cJSON_GetObjectItemCaseSensitive(body, "device");
	const cJSON *initrd = cJSON_GetObjectItemCaseSensitive(body, "initrd");
	const cJSON *cmdline = cJSON_GetObjectItemCaseSensitive(body, "cmdline");
	const cJSON *dry_run = cJSON_GetObjectItemCaseSensitive(body, "dry_run");

	if (entry && !cJSON_IsString(entry))
		return kbd_refuse(no, 400, "invalid_field", "\"entry\" must be a string");
	if (kernel && !cJSON_IsString(kernel))
		return kbd_refuse(no, 400, "invalid_field", "\"kernel\" must be a string");
	if (device && (!cJSON_IsString(device) || !device->valuestring[0] ||
		       strlen(device->valuestring) >= KB_PATH_DEVICE_MAX))
		return kbd_refuse(no, 400, "invalid_field", "\"device\" must be a device name, like sda1");
	if (cmdline && !cJSON_IsString(cmdline))
		return kbd_refuse(no, 400, "invalid_field", "\"cmdline\" must be a string");
	if (dry_run && !cJSON_IsBool(dry_run))
		return kbd_refuse(no, 400, "invalid_field", "\"dry_run\" must be true or false");
	const cJSON *insecure = cJSON_GetObjectItemCaseSensitive(body, "insecure");
	if (insecure && !cJSON_IsBool(insecure))
		return kbd_refuse(no, 400, "invalid_field", "\"insecure\" must be true or false");
	if ((entry != NULL) + (kernel != NULL) + (device != NULL) != 1)
		return kbd_refuse(no, 400, "invalid_request", "give one of \"entry\", \"kernel\" or \"device\"");
	if ((entry || device) && initrd)
		return kbd_refuse(no, 400, "invalid_request",
				      "\"initrd\" goes with \"kernel\"; an entry has its own");
	if (cmdline && strlen(cmdline->valuestring) >= KB_CMDLINE_MAX)
		return kbd_refuse(no, 413, "too_large", "the command line is longer than %d bytes",
				      KB_CMDLINE_MAX - 1);

	size_t n = 0;
	if (cJSON_IsString(initrd))
		initrds[n++] = initrd->valuestring;
	else if (cJSON_IsArray(initrd)) {
		const cJSON *one;
		cJSON_ArrayForEach(one, initrd) {
			if (!cJSON_IsString(one))
				return kbd_refuse(no, 400, "invalid_field",
						      "\"initrd\" must be a list of paths");
			if (n == KB_ENTRY_INITRDS_MAX)
				return kbd_refuse(no, 413, "too_large", "more than %d initrds",
						      KB_ENTRY_INITRDS_MAX);
			initrds[n++] = one->valuestring;
		}
	} else if (initrd && !cJSON_IsNull(initrd))
		return kbd_refuse(no, 400, "invalid_field", "\"initrd\" must be a list of paths");

	if (kernel && (!kernel->valuestring[0] || strlen(kernel->valuestring) >= KB_PATH_MAX))
		return kbd_refuse(no, 400, "path_invalid", "\"kernel\" must be a path");
	if (kernel && kb_path_has_dotdot(kernel->valuestring))
		return kbd_refuse(no, 400, "path_invalid", "%s: \"..\" is not allowed",
				      kernel->valuestring);
	for (size_t i = 0; i < n; i++)
		if (!initrds[i][0] || strlen(initrds[i]) >= KB_PATH_MAX || kb_path_has_dotdot(initrds[i]))
			return kbd_refuse(no, 400, "path_invalid", "%s: not an allowed path", initrds[i]);
	*req = (struct kb_boot_request){
		.entry_id = entry ? entry->valuestring : NULL,
		.device = device ? device->valuestring : NULL,
		.kernel = kernel ? kernel->valuestring : NULL,
		.initrds = initrds,
		.n_initrds = n,
		.cmdline = cmdline ? cmdline->valuestring : NULL,
		.dry_run = cJSON_IsTrue(dry_run),
		.insecure = cJSON_IsTrue(insecure),
	};
	return 0;
}

/* Anything that is not the request's fault is a failure to load: 422. */
static int send_boot_error(struct mg_connection *conn, int r, const kb_error *err)
{
	const char *code;
	int status = kbd_status_for_errno(r, &code);
	if (status == 500 || status == 422) {
		status = 422;
		code = "load_failed";
	}
	return kbd_send_error(conn, status, code, "%s", err->text[0] ? err->text : strerror(-r));
}

int kbd_api_boot_post(struct mg_connection *conn, void *data)
{
	cJSON *body = NULL;
	int status = kbd_read_json(conn, &body);
	if (status)
		return status;
	const char *initrds[KB_ENTRY_INITRDS_MAX];
	struct kb_boot_request req;
	struct kbd_refusal no;
	status = kbd_boot_request_parse(body, &req, initrds, &no);
	if (!status && req.entry_id && !entry_exists(req.entry_id))
		status = kbd_refuse(&no, 404, "entry_not_found", "%s: no such entry", req.entry_id);
	if (status) {
		cJSON_Delete(body);
		return kbd_send_refusal(conn, &no);
	}
	_cleanup_free_ struct kb_boot_plan *plan = calloc(1, sizeof(*plan));
	if (!plan) {
		cJSON_Delete(body);
		return kbd_send_error(conn, 500, "internal", "out of memory");
	}
	kb_error err = { 0 };
	int r = kb_bootctl_boot(&req, plan, &err);
	bool dry_run = req.dry_run;
	cJSON_Delete(body);
	if (r < 0)
		return send_boot_error(conn, r, &err);

	cJSON *root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "dry_run", dry_run);
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	cJSON_AddStringToObject(root, "state", kb_boot_state_name(st.state));
	cJSON_AddItemToObject(root, "plan", plan_json(plan));
	if (plan->is_legacy)
		cJSON_AddItemToObject(root, "legacy", kb_wire_legacy(&plan->legacy));
	return kbd_send_json(conn, dry_run ? 200 : 202, root);
}
