/* kboot.conf: settings and labels, in the kboot paper's shell-variable syntax
 * and petitboot's `label=kernel args` form:
 *     default=debian
 *     timeout=5
 *     debian='/boot/vmlinuz initrd=/boot/initrd.img root=/dev/sda2 quiet'
 * Known keys are settings; every other `name=value` is a label. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	KB_CONFIG_SIZE_MAX = 256 * 1024, /* bytes of kboot.conf */
	KB_CONFIG_LABELS_MAX = 256,
	KB_LABEL_NAME_MAX = 64,
};

struct kb_label {
	char *name;
	char *command; /* "kernel-path args...", or any prompt line */
};

struct kb_config {
	char *default_label;
	int timeout_s; /* seconds before booting the default; -1: never */
	char *root;    /* target root: device, UUID=, LABEL= or PARTUUID= */
	char *message;
	/* networking, applied once at start (net-startup.c) */
	char *network; /* "dhcp" (default), "static", "none" */
	char *interface, *address, *gateway, *dns, *hostname;
	/* kbootd */
	char *password_hash; /* crypt(3) SHA-512 */
	bool auth_none;      /* auth=none: lab images only */
	char *listen;        /* civetweb listening_ports syntax, e.g. "80" */
	int session_timeout_s; /* kbootd: a session unused this long expires */
	char *tls;           /* "auto": a certificate made at start; "off": plain HTTP; NULL: <etc>/kboot/tls.pem if it exists */
	struct kb_label *labels;
	size_t n_labels;
};

/* A config with defaults and no labels. */
void kb_config_init(struct kb_config *c);
int kb_config_parse(const char *text, size_t len, struct kb_config *ret, kb_error *err);
int kb_config_load(const char *path, struct kb_config *ret, kb_error *err);
void kb_config_free(struct kb_config *c);
const struct kb_label *kb_config_label(const struct kb_config *c, const char *name);
/* Add or replace a label (the prompt's `name=value`). */
int kb_config_set_label(struct kb_config *c, const char *name, const char *command, kb_error *err);
bool kb_config_is_setting(const char *key);
