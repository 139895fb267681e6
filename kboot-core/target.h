/* The target system (the kboot paper's "booted environment"): its root,
 * mounted read-only at env->target_root, and its /etc/fstab below it. */
#pragma once
#include "config.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

/* Find the root (cfg->root, else probe for /etc/fstab and /sbin/init), mount
 * it and its fstab read-only. Idempotent. With KBOOT_TARGET_ROOT set, only
 * checks the directory exists. */
int kb_target_setup(const struct kb_config *cfg, kb_error *err);
bool kb_target_present(void);
/* Device name of the target root ("vda3"), "" when a plain directory. */
int kb_target_root_device(char *ret, size_t size);
/* Paper §3.5: copy kboot.conf, fstab and hosts from the target's /etc into
 * kboot's /etc, unless kboot=local. Returns how many files were taken. */
int kb_target_config_update(kb_error *err);
