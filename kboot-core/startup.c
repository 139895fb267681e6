/* Shared start-up (see startup.h). */
#include "startup.h"
#include "bootctl.h"
#include "discover.h"
#include "env.h"
#include "log.h"
#include "net.h"
#include "storage.h"
#include "target.h"

#include <errno.h>
#include <string.h>

static void load_config(const char *path, struct kb_config *cfg)
{
	kb_error err = { 0 };
	int r = kb_config_load(path, cfg, &err);
	if (r == 0)
		return;
	if (r == -ENOENT)
		kb_info("%s: not found, using defaults", path);
	else
		kb_err("%s (using defaults)", err.text);
	kb_config_init(cfg);
}

int kb_startup(const char *conf_path, struct kb_config *ret_cfg, kb_error *err)
{
	if (!conf_path)
		conf_path = kb_env()->conf_path;
	load_config(conf_path, ret_cfg);

	kb_error e = { 0 };
	/* md arrays and LVs first: the target may be on them. */
	if (kb_storage_assemble(&e) < 0)
		kb_warn("volumes: %s", e.text);
	kb_error_clear(&e);
	if (kb_target_setup(ret_cfg, &e) < 0) {
		kb_warn("target: %s", e.text);
	} else {
		kb_error_clear(&e);
		int taken = kb_target_config_update(&e);
		if (taken < 0)
			kb_warn("config update: %s", e.text);
		/* The target's kboot.conf replaced ours: it rules from now on. */
		if (taken > 0 && strcmp(conf_path, kb_env()->conf_path) == 0) {
			kb_config_free(ret_cfg);
			load_config(conf_path, ret_cfg);
		}
	}

	/* The network from the final config: before discovery, which looks
	 * at the DHCP lease for a network boot entry. */
	kb_error_clear(&e);
	if (kb_net_startup(ret_cfg, &e) < 0)
		kb_warn("network: %s", e.text);

	struct kb_entry_list entries = { 0 };
	kb_error_clear(&e);
	if (kb_entries_discover(ret_cfg, &entries, &e) < 0)
		kb_warn("discovery: %s", e.text);
	int r = kb_bootctl_init(ret_cfg, &entries, err);
	kb_entry_list_free(&entries);
	return r;
}
