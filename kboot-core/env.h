/* Where things are: the kboot environment's fixed places, overridable from the
 * process environment so tests can point the core at a fixture tree. */
#pragma once
#include <stdbool.h>

struct kb_env {
	/* the target system: "/target" (KBOOT_TARGET_ROOT, or KBOOT_TARGET_MOUNT
	 * to move where it is mounted without making it a plain directory) */
	const char *target_root;
	const char *run_dir;     /* kboot's state and mounts: "/run/kboot" (KBOOT_RUN_DIR) */
	const char *kexec_bin;   /* kexec-tools binary: "kexec" (KBOOT_KEXEC) */
	const char *conf_path;   /* kboot.conf: "<etc_dir>/kboot.conf" (KBOOT_CONF) */
	const char *etc_dir;     /* kboot's own /etc: "/etc" (KBOOT_ETC) */
	const char *sys_dir;     /* sysfs: "/sys" (KBOOT_SYSFS; tests use a fake tree) */
	/* KBOOT_TARGET_ROOT was given: the target is a directory already in
	 * place, so nothing is mounted for it and no device is probed for it. */
	bool target_is_dir;
	bool local_config; /* kernel parameter kboot=local: keep the image's config */
	bool debug;        /* kernel parameter kboot.debug */
};

const struct kb_env *kb_env(void);
/* Re-read the process environment and /proc/cmdline (tests call this; the
 * variable KBOOT_CMDLINE, when set, is used as the command line's text). */
void kb_env_reload(void);
