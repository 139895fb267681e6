/* The JSON bodies of kbootd's POST and PUT endpoints, checked the way the
 * handlers check them, without a connection: POST /api/v1/session (login)
 * and POST /api/v1/boot. (POST /api/v1/autoboot/cancel and DELETE
 * /api/v1/session read no body.) PUT /api/v1/network's body checks still
 * send their own errors (api-network.c); once they fill a kbd_refusal like
 * the others, they belong here too. */
#include "fuzz-util.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/entry.h"
#include "kboot-core/path.h"
#include "server/server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > KBD_BODY_MAX)
		return 0; /* refused before parsing (413) */
	/* kbd_read_json reads the body into a buffer with a NUL after it. */
	char *text = fuzz_strndup(data, size);
	cJSON *body = NULL;
	struct kbd_refusal no;
	if (kbd_json_object_parse(text, size, &body, &no) == 0) {
		const char *password;
		if (kbd_login_password(body, &password, &no) == 0 && strlen(password) > KBD_PASSWORD_MAX)
			abort();
		const char *initrds[KB_ENTRY_INITRDS_MAX];
		struct kb_boot_request req;
		if (kbd_boot_request_parse(body, &req, initrds, &no) == 0) {
			/* What the core is handed must hold together. */
			/* Exactly one of an entry, a kernel or a device. */
			if ((req.entry_id != NULL) + (req.kernel != NULL) + (req.device != NULL) != 1 ||
			    req.n_initrds > KB_ENTRY_INITRDS_MAX || ((req.entry_id || req.device) && req.n_initrds) ||
			    (req.device && (!req.device[0] || strlen(req.device) >= KB_PATH_DEVICE_MAX)))
				abort();
			for (size_t i = 0; i < req.n_initrds; i++)
				if (!req.initrds[i][0] || kb_path_has_dotdot(req.initrds[i]))
					abort();
		} else if (no.status < 400 || no.status > 499 || !no.code) {
			abort();
		}
		cJSON_Delete(body);
	} else if (no.status != 400) {
		abort();
	}
	free(text);
	return 0;
}
