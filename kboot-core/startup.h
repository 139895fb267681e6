/* The start-up every front end shares: kboot.conf, the target system, the
 * paper's config update (§3.5), discovery, and the boot controller. The
 * caller then starts the countdown when it owns the boot state. */
#pragma once
#include "config.h"
#include "error.h"

/* Fills *ret_cfg (always: defaults when kboot.conf is missing or broken) and
 * initializes the boot controller with every entry found. Problems along the
 * way are logged and do not stop the rest; the return is < 0 only when the
 * boot controller could not be set up. */
int kb_startup(const char *conf_path, struct kb_config *ret_cfg, kb_error *err);
