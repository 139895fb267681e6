/* The kboot environment's fixed places: defaults, overridden by KBOOT_* variables,
 * plus the kboot=local and kboot.debug kernel parameters from /proc/cmdline. */
#include "env.h"
#include "buf.h"
#include "cleanup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { KB_CMDLINE_MAX = 64 * 1024 };

static struct kb_env env;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

/* Strings we own; freed on reload. */
static char *owned[6];

static const char *setting(size_t slot, const char *var, const char *fallback)
{
	const char *v = getenv(var);
	free(owned[slot]);
	owned[slot] = strdup(v && *v ? v : fallback);
	return owned[slot] ? owned[slot] : fallback;
}

static bool debug_value_on(const char *v)
{
	return !(strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "off") == 0 ||
		 strcmp(v, "false") == 0);
}

/* One kernel parameter; `word` is NUL-terminated with quotes removed. */
static void apply_param(const char *word)
{
	if (strcmp(word, "kboot=local") == 0)
		env.local_config = true;
	else if (strcmp(word, "kboot.debug") == 0)
		env.debug = true;
	else if (strncmp(word, "kboot.debug=", 12) == 0)
		env.debug = debug_value_on(word + 12);
}

/* Kernel command-line words are separated by spaces; double quotes group.
 * Everything after a lone "--" belongs to init, not to the kernel. */
static void parse_cmdline(const char *text)
{
	char word[256];
	const char *s = text;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		size_t n = 0;
		bool quoted = false;
		for (; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
			if (*s == '"')
				quoted = !quoted;
			else if (n + 1 < sizeof(word))
				word[n++] = *s;
		}
		word[n] = '\0';
		if (strcmp(word, "--") == 0)
			break;
		apply_param(word);
	}
}

static void load(void)
{
	const char *target = getenv("KBOOT_TARGET_ROOT");
	env.target_is_dir = target && *target;
	env.target_root = setting(0, env.target_is_dir ? "KBOOT_TARGET_ROOT" : "KBOOT_TARGET_MOUNT",
				  "/target");
	env.run_dir = setting(1, "KBOOT_RUN_DIR", "/run/kboot");
	env.kexec_bin = setting(2, "KBOOT_KEXEC", "kexec");
	env.etc_dir = setting(3, "KBOOT_ETC", "/etc");
	env.sys_dir = setting(4, "KBOOT_SYSFS", "/sys");

	/* kboot.conf lives in kboot's /etc unless named on its own. */
	_cleanup_free_ char *conf = NULL;
	if (asprintf(&conf, "%s/kboot.conf", env.etc_dir) < 0)
		conf = NULL;
	env.conf_path = setting(5, "KBOOT_CONF", conf ? conf : "/etc/kboot.conf");

	env.local_config = false;
	env.debug = false;
	const char *cmdline = getenv("KBOOT_CMDLINE");
	if (cmdline) {
		parse_cmdline(cmdline);
		return;
	}
	_cleanup_free_ char *text = NULL;
	/* No /proc (early, or a test chroot): no kernel parameters. */
	if (kb_read_file("/proc/cmdline", KB_CMDLINE_MAX, &text, NULL) == 0)
		parse_cmdline(text);
}

const struct kb_env *kb_env(void)
{
	pthread_once(&env_once, load);
	return &env;
}

void kb_env_reload(void)
{
	pthread_once(&env_once, load);
	load();
}
