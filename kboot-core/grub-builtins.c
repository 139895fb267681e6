/* GRUB's commands, one table row each. What a command does to the menu or
 * to the boot (linux, initrd, chainloader…) follows GRUB; commands that only
 * touch the screen, modules or hardware are rows that succeed and do
 * nothing, as petitboot's nops[] are. save_env never writes. */
#include "grub.h"
#include "cleanup.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A command's result: 0 true, 1 false (GRUB's test failure), 2 an error. */
enum { OK = 0, FALSE = 1, FAILED = 2 };

#define CMD(name)                                                                              \
	static int name(struct grub_run *g, char **argv, size_t argc,                          \
			const struct grub_node *block, unsigned line, int *status)

static int oom(struct grub_run *g)
{
	return kb_error_set(g->err, ENOMEM, "out of memory");
}

CMD(cmd_nop)
{
	*status = OK;
	return 0;
}

CMD(cmd_false)
{
	*status = FALSE;
	return 0;
}

/* set NAME=VALUE: only the first argument counts, as in GRUB's corecmd.c */
CMD(cmd_set)
{
	*status = OK;
	if (argc < 2)
		return 0;
	const char *eq = strchr(argv[1], '=');
	if (!eq) {
		*status = FAILED; /* "not an assignment" */
		return 0;
	}
	_cleanup_free_ char *name = strndup(argv[1], (size_t)(eq - argv[1]));
	return name ? grub_setvar(g, name, eq + 1) : oom(g);
}

CMD(cmd_unset)
{
	for (size_t i = 1; i < argc; i++)
		kb_grubenv_unset(&g->env, argv[i]);
	*status = OK;
	return 0;
}

/* break/continue [N]: N loops, at most the ones running */
CMD(cmd_break)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	*status = OK;
	if (n == 0) {
		*status = FAILED;
		return 0;
	}
	g->breaks = n > g->active_loops ? g->active_loops : (unsigned)n;
	g->continuing = argv[0][0] == 'c';
	return 0;
}

CMD(cmd_return)
{
	if (!g->params) {
		*status = FAILED; /* not in a function body */
		return 0;
	}
	*status = argc > 1 ? (int)strtol(argv[1], NULL, 10) : g->status;
	g->returning = true;
	return 0;
}

CMD(cmd_shift)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	*status = OK;
	if (!g->params || n > g->params->n) {
		*status = FAILED;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		free(g->params->v[i]);
	memmove(g->params->v, g->params->v + n, (g->params->n - n + 1) * sizeof(char *));
	g->params->n -= n;
	return 0;
}

/* setparams A B…: the positional parameters become A B… */
CMD(cmd_setparams)
{
	*status = OK;
	if (!g->params) {
		*status = FAILED;
		return 0;
	}
	struct grub_argv a = { 0 };
	for (size_t i = 1; i < argc; i++) {
		char **v = realloc(a.v, (a.n + 2) * sizeof(*v));
		char *s = v ? strdup(argv[i]) : NULL;
		if (v)
			a.v = v;
		if (!s) {
			grub_argv_free(&a);
			return oom(g);
		}
		a.v[a.n++] = s;
		a.v[a.n] = NULL;
	}
	grub_argv_free(g->params);
	*g->params = a;
	return 0;
}

/* eval ARGS: the arguments joined by blanks, run as a script */
CMD(cmd_eval)
{
	struct kb_buf b;
	kb_buf_init(&b, GRUB_WORD_MAX);
	int r = kb_buf_adds(&b, "");
	for (size_t i = 1; i < argc && r >= 0; i++)
		r = kb_buf_addf(&b, "%s%s", i > 1 ? " " : "", argv[i]);
	if (r < 0 || g->call_depth >= GRUB_CALL_DEPTH_MAX) {
		kb_buf_free(&b);
		*status = FAILED;
		return r == -ENOMEM ? oom(g) : 0;
	}
	g->call_depth++;
	r = grub_run_text(g, g->file, b.data);
	g->call_depth--;
	kb_buf_free(&b);
	*status = g->status;
	return r == -EINVAL || r == -E2BIG ? 0 : r;
}

/* regexp [--set [N:]VAR]… REGEX STRING: POSIX extended, as GRUB's regexp.c */
CMD(cmd_regexp)
{
	const char *sets[GRUB_ARGS_MAX];
	size_t n_sets = 0, pos = 1;
	*status = FAILED;
	for (; pos < argc; pos++) {
		if (!strcmp(argv[pos], "--set") || !strcmp(argv[pos], "-s")) {
			if (++pos < argc)
				sets[n_sets++] = argv[pos];
		} else if (!strncmp(argv[pos], "--set=", 6)) {
			sets[n_sets++] = argv[pos] + 6;
		} else {
			break;
		}
	}
	if (argc - pos != 2 || strlen(argv[pos]) > GRUB_REGEX_MAX)
		return 0;
	/* back-references can cost exponential time: GRUB's ERE has them, we refuse them */
	for (const char *p = argv[pos]; *p; p++)
		if (p[0] == '\\' && p[1] >= '1' && p[1] <= '9')
			return 0;
	regex_t re;
	if (regcomp(&re, argv[pos], REG_EXTENDED) != 0)
		return 0;
	enum { MATCHES_MAX = 10 };
	regmatch_t m[MATCHES_MAX];
	int r = 0;
	if (regexec(&re, argv[pos + 1], MATCHES_MAX, m, 0) == 0) {
		*status = OK;
		for (size_t i = 0; i < n_sets && r >= 0; i++) {
			char *end;
			unsigned long k = strtoul(sets[i], &end, 10);
			const char *var = *end == ':' ? end + 1 : sets[i];
			if (*end != ':')
				k = 1;
			if (k >= MATCHES_MAX || m[k].rm_so < 0)
				continue;
			_cleanup_free_ char *v = strndup(argv[pos + 1] + m[k].rm_so,
							 (size_t)(m[k].rm_eo - m[k].rm_so));
			r = v ? grub_setvar(g, var, v) : oom(g);
		}
	}
	regfree(&re);
	return r;
}

/* loopback [-d] NAME FILE: NAME now names an image kboot cannot look into */
CMD(cmd_loopback)
{
	*status = OK;
	bool del = argc > 1 && !strcmp(argv[1], "-d");
	if (argc < 3)
		return 0;
	const char *name = argv[del ? 2 : 1];
	for (size_t i = 0; i < g->n_loops; i++) {
		if (!strcmp(g->loops[i], name)) {
			if (del) {
				free(g->loops[i]);
				g->loops[i] = g->loops[--g->n_loops];
			}
			return 0;
		}
	}
	if (del || g->n_loops >= GRUB_LOOP_DEVICES_MAX) {
		*status = del ? OK : FAILED;
		return 0;
	}
	g->loops[g->n_loops] = strdup(name);
	if (!g->loops[g->n_loops])
		return oom(g);
	g->n_loops++;
	return 0;
}

/* The kernel command line as GRUB's lib/cmdline.c builds it: a word with
 * a blank is put in double quotes; \ ' and " get a backslash, except
 * \xHH, which GRUB passes on untouched. */
static int kernel_cmdline(struct grub_run *g, char **argv, size_t argc, char **ret)
{
	struct kb_buf b;
	kb_buf_init(&b, KB_CMDLINE_MAX);
	int r = kb_buf_adds(&b, "");
	for (size_t i = 0; i < argc && r >= 0; i++) {
		const char *s = argv[i];
		bool blank = strchr(s, ' ') != NULL;
		if (i > 0)
			r = kb_buf_adds(&b, " ");
		if (r >= 0 && blank)
			r = kb_buf_adds(&b, "\"");
		while (*s && r >= 0) {
			if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
			    isxdigit((unsigned char)s[3])) {
				r = kb_buf_add(&b, s, 4);
				s += 4;
				continue;
			}
			if (*s == '\\' || *s == '\'' || *s == '"')
				r = kb_buf_adds(&b, "\\");
			if (r >= 0)
				r = kb_buf_add(&b, s, 1);
			s++;
		}
		if (r >= 0 && blank)
			r = kb_buf_adds(&b, "\"");
	}
	if (r < 0) {
		kb_buf_free(&b);
		return r == -ENOMEM ? oom(g) : kb_error_set(g->err, E2BIG, "kernel command line too long");
	}
	*ret = kb_buf_steal(&b);
	return *ret ? 0 : oom(g);
}

static int set_broken(struct grub_run *g, char *why)
{
	if (!why)
		return oom(g);
	free(g->boot->broken);
	g->boot->broken = why;
	return 0;
}

CMD(cmd_linux)
{
	*status = FAILED;
	if (!g->boot)
		return 0;
	struct grub_boot *b = g->boot;
	free(b->kernel);
	free(b->cmdline);
	b->kernel = b->cmdline = NULL;
	free(b->broken);
	b->broken = NULL;
	if (argc < 2)
		return set_broken(g, strdup("linux: no kernel named"));
	char *broken = NULL;
	int r = grub_file_name(g, argv[1], &b->kernel, &broken);
	if (r >= 0 && broken)
		return set_broken(g, broken);
	if (r >= 0)
		r = kernel_cmdline(g, argv + 2, argc - 2, &b->cmdline);
	if (r == -E2BIG) {
		free(b->kernel);
		b->kernel = NULL;
		return set_broken(g, strdup("the kernel command line is too long"));
	}
	*status = r >= 0 ? OK : FAILED;
	return r;
}

CMD(cmd_initrd)
{
	*status = FAILED;
	if (!g->boot)
		return 0;
	struct grub_boot *b = g->boot;
	for (size_t i = 0; i < b->n_initrds; i++)
		free(b->initrds[i]);
	b->n_initrds = 0;
	if (!b->kernel && !b->broken) /* GRUB: "you need to load the kernel first" */
		return set_broken(g, strdup("initrd before any kernel was loaded"));
	for (size_t i = 1; i < argc; i++) {
		if (b->n_initrds >= KB_ENTRY_INITRDS_MAX)
			return set_broken(g, strdup("more initrds than kboot takes"));
		char *broken = NULL;
		int r = grub_file_name(g, argv[i], &b->initrds[b->n_initrds], &broken);
		if (r < 0)
			return r;
		if (broken)
			return set_broken(g, broken);
		b->n_initrds++;
	}
	*status = OK;
	return 0;
}

/* The device a chainloader/ntldr boots: "(hd0,1)+1" names it, else $root
 * ("hd0,msdos1", "UUID=…" from search --fs-uuid, "FILE=…" from search --file). */
CMD(cmd_legacy)
{
	*status = OK;
	if (!g->boot)
		return 0;
	g->boot->legacy = true;
	if (strcmp(argv[0], "chainloader") != 0 && strcmp(argv[0], "ntldr") != 0)
		return 0;
	const char *dev = kb_grubenv_get(&g->env, "root");
	size_t len = dev ? strlen(dev) : 0;
	for (size_t i = 1; i < argc; i++) {
		const char *close = argv[i][0] == '(' ? strchr(argv[i], ')') : NULL;
		if (close) {
			dev = argv[i] + 1;
			len = (size_t)(close - dev);
			break;
		}
		if (argv[i][0] != '-') /* a path on $root; options like --force skipped */
			break;
	}
	free(g->boot->device);
	g->boot->device = dev && len ? strndup(dev, len) : NULL;
	return !dev || !len || g->boot->device ? 0 : oom(g);
}

CMD(cmd_menuentry)
{
	return grub_menu_add(g, argv, argc, block, argv[0][0] == 's', line, status);
}

CMD(cmd_blscfg)
{
	*status = OK;
	return g->menu ? grub_menu_add_bls(g, status) : 0;
}

static const struct grub_builtin builtins[] = {
	{ ".", grub_cmd_source },
	{ "[", grub_cmd_test },
	{ "appleloader", cmd_legacy },
	{ "blscfg", cmd_blscfg },
	{ "break", cmd_break },
	{ "chainloader", cmd_legacy },
	{ "configfile", grub_cmd_source },
	{ "continue", cmd_break },
	{ "eval", cmd_eval },
	{ "export", cmd_nop }, /* GRUB copies every variable into a new context anyway */
	{ "false", cmd_false },
	{ "fwsetup", cmd_legacy },
	{ "initrd", cmd_initrd },
	{ "initrd16", cmd_initrd },
	{ "initrdefi", cmd_initrd },
	{ "kfreebsd", cmd_legacy },
	{ "knetbsd", cmd_legacy },
	{ "kopenbsd", cmd_legacy },
	{ "legacy_kernel", cmd_legacy },
	{ "linux", cmd_linux },
	{ "linux16", cmd_linux },
	{ "linuxefi", cmd_linux },
	{ "load_env", grub_cmd_load_env },
	{ "loopback", cmd_loopback },
	{ "menuentry", cmd_menuentry },
	{ "multiboot", cmd_legacy },
	{ "multiboot2", cmd_legacy },
	{ "ntldr", cmd_legacy },
	{ "plan9", cmd_legacy },
	{ "regexp", cmd_regexp },
	{ "return", cmd_return },
	{ "search", grub_cmd_search },
	{ "search.file", grub_cmd_search },
	{ "search.fs_label", grub_cmd_search },
	{ "search.fs_uuid", grub_cmd_search },
	{ "set", cmd_set },
	{ "setparams", cmd_setparams },
	{ "shift", cmd_shift },
	{ "source", grub_cmd_source },
	{ "submenu", cmd_menuentry },
	{ "test", grub_cmd_test },
	{ "true", cmd_nop },
	{ "unset", cmd_unset },
	{ "xen_hypervisor", cmd_legacy },
	{ "xnu_kernel", cmd_legacy },
	{ "xnu_kernel64", cmd_legacy },
};

/* Commands GRUB has that change nothing kboot reads: they succeed. (So does
 * an unknown command, in GRUB as here; the list says what was considered.) */
static const char *const nops[] = {
	"background_color", "background_image", "boot",	   "cat",	   "clear",
	"cryptomount",	    "cutmem",		"devicetree", "echo",	   "efi_gop",
	"efi_uga",	    "font",		"gfxterm",    "gettext",   "halt",
	"insmod",	    "keymap",		"loadfont",   "lsmod",	   "module",
	"module2",	    "play",		"reboot",     "rmmod",	   "save_env",
	"serial",	    "set_gfxpayload",	"sleep",      "terminal",  "terminal_input",
	"terminal_output",  "terminfo",		"tpm",	      "usb",	   "videoinfo",
	"probe",	    "background",	"lsefi",      "outb",	   "acpi",
	"badram",	    "cmosclean",	"drivemap",   "parttool",  "xnu_mkext",
	"xnu_kextdir",	    "xnu_splash",	"xnu_uuid",   "xnu_devprop_load", "xen_module",
	"kfreebsd_module",  "kfreebsd_loadenv", "kopenbsd_ramdisk", "knetbsd_module",
};

/* Commands that report "no": keystatus with no key held, hwmatch with no list. */
static const char *const falses[] = { "keystatus", "hwmatch", "read" };

const struct grub_builtin *grub_builtin_find(const char *name)
{
	static const struct grub_builtin nop = { "nop", cmd_nop }, no = { "false", cmd_false };
	for (size_t i = 0; i < KB_ELEMENTSOF(builtins); i++)
		if (!strcmp(name, builtins[i].name))
			return &builtins[i];
	for (size_t i = 0; i < KB_ELEMENTSOF(nops); i++)
		if (!strcmp(name, nops[i]))
			return &nop;
	for (size_t i = 0; i < KB_ELEMENTSOF(falses); i++)
		if (!strcmp(name, falses[i]))
			return &no;
	return NULL;
}
