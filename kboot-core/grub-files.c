/* Files as a GRUB script names them, and the commands that read them:
 * source/configfile, load_env and search. "(dev)/path" or "/path" on
 * $root; the config's own filesystem is the one kboot can look at, any
 * other is named by what search found ("UUID=…:/path"). A device GRUB
 * would not know, or "(" without ")", fails as it fails in GRUB. */
#include "grub.h"
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"
#include "path.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Device names GRUB's drivers give: hd0,gpt2 cd0 lvm/vg-root md/0 … */
static bool grub_knows_device(const char *dev)
{
	static const char *const numbered[] = { "hd", "cd", "fd", "ahci", "ata", "usb", "scsi",
						"md" };
	static const char *const prefixed[] = { "lvm/", "lvmid/", "md/", "mduuid/", "cryptouuid/",
						"crypto", "memdisk", "host", "ieee1275/", "nvme" };
	for (size_t i = 0; i < KB_ELEMENTSOF(numbered); i++) {
		size_t l = strlen(numbered[i]);
		if (!strncmp(dev, numbered[i], l) &&
		    (isdigit((unsigned char)dev[l]) || (!strcmp(numbered[i], "cd") && !dev[l])))
			return true;
	}
	for (size_t i = 0; i < KB_ELEMENTSOF(prefixed); i++)
		if (!strncmp(dev, prefixed[i], strlen(prefixed[i])))
			return true;
	return false;
}

enum grub_where grub_file_where(const struct grub_run *g, const char *word, char *dev,
				size_t dsize, char *path, size_t psize)
{
	const char *root = kb_grubenv_get(&g->env, "root");
	const char *p = word;
	snprintf(dev, dsize, "%s", root ? root : "");
	if (*p == '(') {
		const char *close = strchr(p, ')');
		if (!close)
			return GRUB_MALFORMED;
		snprintf(dev, dsize, "%.*s", (int)(close - p - 1), p + 1);
		p = close + 1;
	}
	snprintf(path, psize, "/%s", p);
	kb_path_normalize_abs(path);
	for (size_t i = 0; i < g->n_loops; i++)
		if (!strcmp(dev, g->loops[i]))
			return GRUB_IN_IMAGE;
	if (!strncmp(dev, "UUID=", 5))
		return g->fs->uuid && !strcasecmp(dev + 5, g->fs->uuid) ? GRUB_HERE : GRUB_ELSEWHERE;
	if (!strncmp(dev, "LABEL=", 6) || !strncmp(dev, "tftp", 4) || !strncmp(dev, "http", 4) ||
	    !strncmp(dev, "pxe", 3))
		return GRUB_ELSEWHERE;
	/* "", FILE=… (search --file) and hd0,gpt2…: the filesystem of the config */
	if (!*dev || !strncmp(dev, "FILE=", 5) || grub_knows_device(dev))
		return GRUB_HERE;
	return GRUB_MISSING;
}

int grub_file_name(struct grub_run *g, const char *word, char **ret_name, char **ret_broken)
{
	char dev[KB_PATH_DEVICE_MAX];
	_cleanup_free_ char *path = malloc(KB_PATH_MAX), *name = malloc(KB_PATH_MAX + KB_PATH_DEVICE_MAX);
	*ret_name = *ret_broken = NULL;
	if (!path || !name)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	enum grub_where w = grub_file_where(g, word, dev, sizeof(dev), path, KB_PATH_MAX);
	int n = 0;
	switch (w) {
	case GRUB_HERE:
		n = kb_fs_path(g->fs, path, name, KB_PATH_MAX) < 0 ? -1 : 0;
		break;
	case GRUB_ELSEWHERE:
		n = snprintf(name, KB_PATH_MAX + KB_PATH_DEVICE_MAX, "%s:%s", dev, path);
		break;
	case GRUB_IN_IMAGE:
		n = asprintf(ret_broken, "%.200s: inside the loopback image (%s), which kboot does not "
					 "open", word, dev);
		break;
	case GRUB_MISSING:
		n = asprintf(ret_broken, "%.200s: no such device (%s)", word, dev);
		break;
	case GRUB_MALFORMED:
		n = asprintf(ret_broken, "%.200s: missing ')' after the device name", word);
		break;
	}
	if (w != GRUB_HERE && w != GRUB_ELSEWHERE)
		return n < 0 ? kb_error_set(g->err, ENOMEM, "out of memory") : 0;
	if (n < 0 || (size_t)n >= KB_PATH_MAX + KB_PATH_DEVICE_MAX) {
		n = asprintf(ret_broken, "%.200s: path too long", word);
		return n < 0 ? kb_error_set(g->err, ENOMEM, "out of memory") : 0;
	}
	*ret_name = TAKE_PTR(name);
	return 0;
}

bool grub_file_test(const struct grub_run *g, char op, const char *word)
{
	char dev[KB_PATH_DEVICE_MAX], path[KB_PATH_MAX], local[KB_PATH_MAX];
	struct stat st;
	if (grub_file_where(g, word, dev, sizeof(dev), path, sizeof(path)) != GRUB_HERE ||
	    !kb_fs_exists(g->fs, path) || kb_fs_local(g->fs, path, local, sizeof(local)) < 0 ||
	    stat(local, &st) < 0)
		return false;
	switch (op) {
	case 's': /* GRUB opens it: a directory does not open */
		return S_ISREG(st.st_mode) && st.st_size > 0;
	case 'd':
		return S_ISDIR(st.st_mode);
	case 'f':
		return !S_ISDIR(st.st_mode);
	default:
		return true;
	}
}

/* source FILE / . FILE in this context; configfile FILE in a new one */
int grub_cmd_source(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		    unsigned line, int *status)
{
	*status = 2;
	if (argc != 2)
		return 0;
	char dev[KB_PATH_DEVICE_MAX];
	_cleanup_free_ char *path = malloc(KB_PATH_MAX);
	if (!path)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	if (grub_file_where(g, argv[1], dev, sizeof(dev), path, KB_PATH_MAX) != GRUB_HERE) {
		kb_debug("%s:%u: %s %s is not on this filesystem; it is searched on its own", g->file,
			 line, argv[0], argv[1]);
		return 0;
	}
	if (g->include_depth > GRUB_INCLUDE_DEPTH_MAX) {
		kb_warn("%s:%u: %s %s skipped: files nested more than %d deep", g->file, line,
			argv[0], argv[1], GRUB_INCLUDE_DEPTH_MAX);
		return 0;
	}
	/* Depth alone does not bound the work: a file sourcing itself twice
	 * would be read 2^GRUB_INCLUDE_DEPTH_MAX times. */
	if (g->included++ >= GRUB_INCLUDE_FILES_MAX) {
		if (g->included == GRUB_INCLUDE_FILES_MAX + 1)
			kb_warn("%s:%u: %s %s skipped: more than %d included files", g->file, line,
				argv[0], argv[1], GRUB_INCLUDE_FILES_MAX);
		return 0;
	}
	kb_error e = { 0 };
	kb_error *outer = g->err;
	g->err = &e;
	int r = argv[0][0] == 'c' ? grub_menu_configfile(g, path, line) : grub_run_file(g, path);
	g->err = outer;
	if (r == -ENOMEM)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	if (r < 0 && r != -ENOENT)
		kb_warn("%s:%u: %s %s: %s", g->file, line, argv[0], argv[1], e.text);
	*status = r < 0 ? 2 : g->status;
	return 0;
}

/* load_env [-f FILE] [--skip-sig] [NAME…]: $prefix/grubenv unless -f */
int grub_cmd_load_env(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		      unsigned line, int *status)
{
	const char *file = NULL;
	size_t names = argc;
	*status = 2;
	for (size_t i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file")) && i + 1 < argc)
			file = argv[++i];
		else if (!strncmp(argv[i], "--file=", 7))
			file = argv[i] + 7;
		else if (argv[i][0] == '-')
			continue; /* --skip-sig, -s */
		else if (names == argc)
			names = i;
	}
	char fallback[KB_PATH_MAX], dev[KB_PATH_DEVICE_MAX], path[KB_PATH_MAX], local[KB_PATH_MAX];
	if (!file) {
		const char *prefix = kb_grubenv_get(&g->env, "prefix");
		snprintf(fallback, sizeof(fallback), "%s/grubenv", prefix ? prefix : "");
		file = fallback;
	}
	if (grub_file_where(g, file, dev, sizeof(dev), path, sizeof(path)) != GRUB_HERE ||
	    !kb_fs_exists(g->fs, path) || kb_fs_local(g->fs, path, local, sizeof(local)) < 0)
		return 0;
	struct kb_grubenv env;
	if (kb_grubenv_load(local, &env, NULL) < 0)
		return 0;
	int r = 0;
	for (size_t i = 0; i < env.n && r >= 0; i++) {
		bool wanted = names == argc;
		for (size_t k = names; k < argc && !wanted; k++)
			wanted = argv[k][0] != '-' && !strcmp(argv[k], env.v[i].name);
		if (wanted)
			r = grub_setvar(g, env.v[i].name, env.v[i].value);
	}
	kb_grubenv_free(&env);
	*status = 0;
	return r;
}

/* search [--no-floppy] (-f|-l|-u|--file|--label|--fs-uuid) [--set[=VAR]]
 * [--hint…] NAME, and search.fs_uuid NAME [VAR] and friends. The
 * result names the filesystem the way grub_file_where reads it. */
int grub_cmd_search(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		    unsigned line, int *status)
{
	const char *mode = !strcmp(argv[0], "search.fs_uuid")  ? "UUID" :
			   !strcmp(argv[0], "search.fs_label") ? "LABEL" :
			   !strcmp(argv[0], "search.file")     ? "FILE" :
								 "";
	const char *var = NULL, *name = NULL;
	*status = 0;
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--fs-uuid") || !strcmp(a, "-u"))
			mode = "UUID";
		else if (!strcmp(a, "--label") || !strcmp(a, "-l"))
			mode = "LABEL";
		else if (!strcmp(a, "--file") || !strcmp(a, "-f"))
			mode = "FILE";
		else if (!strncmp(a, "--set=", 6))
			var = a + 6;
		else if (!strcmp(a, "--set") || !strcmp(a, "-s"))
			var = var ? var : "root";
		else if (!strncmp(a, "--hint", 6) && !strchr(a, '=') && i + 1 < argc)
			i++; /* --hint VALUE: hints are ignored */
		else if (a[0] == '-')
			continue;
		else if (!name)
			name = a;
		else if (!var) /* search.fs_uuid NAME VAR [HINT…] */
			var = a;
	}
	if (!name || !*mode) {
		*status = 1;
		return 0;
	}
	if (!var)
		return 0; /* only prints what it found */
	char value[KB_PATH_DEVICE_MAX];
	snprintf(value, sizeof(value), "%s=%s", mode, name);
	return grub_setvar(g, var, value);
}
