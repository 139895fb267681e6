/* The prompt's built-in commands (see commands.h). */
#include "commands.h"
#include "boot.h"
#include "net-command.h"
#include "legacy.h"
#include "run.h"
#include "unlock.h"
#include "kboot-core/buf.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/device.h"
#include "kboot-core/dirlist.h"
#include "kboot-core/env.h"
#include "kboot-core/inspect.h"
#include "kboot-core/mount.h"
#include "kboot-core/path.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	KBC_LS_ENTRIES_MAX = 4096, /* names listed from one directory */
	KBC_SCREEN_COLUMNS = 80,
};

static int usage(const char *name, kb_error *err);

/* --- cd, pwd ---------------------------------------------------------------- */

static int cmd_cd(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	if (w->n > 2)
		return usage("cd", err);
	const char *to = w->n > 1 ? w->v[1].text : "/";
	struct kb_path p;
	int r = kb_path_parse(to, s->cwd, &p, err);
	if (r < 0)
		return r;
	char local[KB_PATH_MAX], canon[KB_PATH_MAX];
	r = kb_path_resolve(&p, local, sizeof(local), err);
	if (r < 0)
		return r;
	struct stat st;
	if (stat(local, &st) < 0)
		return kb_error_set(err, errno, "%s: %s", to,
				    errno == ENOENT ? "no such directory" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return kb_error_set(err, ENOTDIR, "%s: not a directory", to);
	if (kb_path_format(&p, canon, sizeof(canon)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "%s: name too long", to);
	snprintf(s->cwd, sizeof(s->cwd), "%s", canon);
	return 0;
}

static int cmd_pwd(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	printf("%s\n", s->cwd);
	return 0;
}

/* --- ls ------------------------------------------------------------------------ */

static void print_long(const struct kb_dirent *e)
{
	if (e->is_dir) {
		printf("%-8s %12s  %s/\n", "dir", "", e->name);
		return;
	}
	printf("%-8s %12" PRIu64 "  %s%s%s\n", kb_file_kind_name(e->kind), e->size, e->name,
	       e->version[0] ? "  " : "", e->version);
}

static void print_columns(const struct kb_dir_listing *l)
{
	size_t width = 1;
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].name) + 3 > width)
			width = strlen(l->v[i].name) + 3;
	size_t cols = KBC_SCREEN_COLUMNS / width ? KBC_SCREEN_COLUMNS / width : 1;
	size_t rows = (l->n + cols - 1) / cols;
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols && c * rows + r < l->n; c++) {
			const struct kb_dirent *e = &l->v[c * rows + r];
			int used = printf("%s%s", e->name, e->is_dir ? "/" : "");
			bool last = c + 1 == cols || (c + 1) * rows + r >= l->n;
			if (!last)
				printf("%*s", (int)(width - (size_t)used), "");
		}
		printf("\n");
	}
}

static int list_one(struct kbc_session *s, const char *what, bool long_form, bool show_name,
		    kb_error *err)
{
	char local[KB_PATH_MAX];
	int r = kb_path_to_local(what, s->cwd, local, sizeof(local), err);
	if (r < 0)
		return r;
	struct stat st;
	if (stat(local, &st) < 0)
		return kb_error_set(err, errno, "%s: %s", what,
				    errno == ENOENT ? "no such file or directory" : strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (!long_form) {
			printf("%s\n", what);
			return 0;
		}
		struct kb_file_info info = { 0 };
		(void)kb_inspect_file(local, &info, NULL);
		struct kb_dirent e = { .name = (char *)what, .size = (uint64_t)st.st_size,
				       .kind = info.kind };
		memcpy(e.version, info.version, sizeof(e.version));
		print_long(&e);
		return 0;
	}
	struct kb_dir_listing l;
	r = kb_dir_list(local, KBC_LS_ENTRIES_MAX, false, &l, err);
	if (r < 0)
		return kb_error_set(err, -r, "%s: %s", what, strerror(-r));
	if (show_name)
		printf("%s:\n", what);
	if (long_form)
		for (size_t i = 0; i < l.n; i++)
			print_long(&l.v[i]);
	else
		print_columns(&l);
	if (l.truncated)
		printf("(only the first %d names)\n", KBC_LS_ENTRIES_MAX);
	kb_dir_listing_free(&l);
	return 0;
}

static int cmd_ls(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	bool long_form = false;
	size_t paths = 0;
	for (size_t i = 1; i < w->n; i++) {
		if (strcmp(w->v[i].text, "-l") == 0)
			long_form = true;
		else if (w->v[i].text[0] == '-' && w->v[i].text[1])
			return usage("ls", err);
		else
			paths++;
	}
	if (paths == 0)
		return list_one(s, s->cwd, long_form, false, err);
	int result = 0;
	for (size_t i = 1; i < w->n; i++) {
		if (w->v[i].text[0] == '-' && w->v[i].text[1])
			continue;
		kb_error e = { 0 };
		int r = list_one(s, w->v[i].text, long_form, paths > 1, &e);
		if (r < 0) {
			if (paths == 1) {
				*err = e;
				return r;
			}
			printf("%s\n", e.text);
			result = r;
		}
	}
	(void)result; /* each failure was reported on its own line */
	return 0;
}

/* --- help -------------------------------------------------------------------- */

static int cmd_help(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	printf("A line can be:\n"
	       "  a label from kboot.conf         debian single\n"
	       "  name=value                      sets a label for this session\n"
	       "  a kernel with arguments         /boot/vmlinuz initrd=/boot/initrd.img quiet\n"
	       "  a device (legacy boot)          sda\n"
	       "  a command below, or any shell command, with paths like //etc/fstab,\n"
	       "  /boot/grub/grub.cfg (the target), sda1:/boot, http://host/file\n\n");
	for (size_t i = 0; i < kbc_commands_count; i++) {
		char left[64];
		snprintf(left, sizeof(left), "%s %s", kbc_commands[i].name, kbc_commands[i].usage);
		printf("  %-31s %s\n", left, kbc_commands[i].help);
	}
	return 0;
}

/* --- entries, boot ---------------------------------------------------------- */

static int cmd_entries(struct kbc_session *s, const char *line, const struct kb_words *w,
		       kb_error *err)
{
	struct kb_entry_list l = { 0 };
	int r = kbc_console_entries(s, &l, err);
	if (r < 0)
		return r;
	if (l.n == 0)
		printf("No boot entries found.\n");
	for (size_t i = 0; i < l.n; i++) {
		const struct kb_entry *e = &l.v[i];
		printf("%2zu  %-24s %s%s%s\n", i + 1, e->id, e->title ? e->title : e->kernel,
		       e->is_default ? "  (default)" : "",
		       e->type == KB_ENTRY_LEGACY ? "  (legacy)" : "");
		if (e->broken)
			printf("    cannot be booted: %s\n", e->broken);
		if (!e->kernel)
			continue;
		printf("    %s", e->kernel);
		for (size_t k = 0; k < e->n_initrds; k++)
			printf(" initrd=%s", e->initrds[k]);
		printf("%s%s\n", e->cmdline && e->cmdline[0] ? " " : "", e->cmdline ? e->cmdline : "");
	}
	kb_entry_list_free(&l);
	return 0;
}

static int cmd_boot(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	if (w->n < 2)
		return usage("boot", err);
	_cleanup_free_ char *cmdline = NULL;
	if (w->n > 2) {
		cmdline = strdup(line + w->v[2].start);
		if (!cmdline)
			return kb_error_set(err, ENOMEM, "out of memory");
		size_t n = strlen(cmdline);
		while (n > 0 && isspace((unsigned char)cmdline[n - 1]))
			cmdline[--n] = '\0';
	}
	struct kb_boot_request req = { .entry_id = w->v[1].text, .cmdline = cmdline, .insecure = s->insecure };
	kbc_console_announce_legacy(s, req.entry_id);
	return kbc_console_boot(s, &req, err);
}

/* --- devices ------------------------------------------------------------------- */

static void human_size(uint64_t bytes, char *ret, size_t size)
{
	static const char units[] = "BKMGTP";
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(ret, size, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static int cmd_devices(struct kbc_session *s, const char *line, const struct kb_words *w,
		       kb_error *err)
{
	struct kb_device_list l = { 0 };
	int r = kb_devices_scan(&l, err);
	if (r < 0)
		return r;
	printf("%-12s %8s %-8s %-16s %s\n", "NAME", "SIZE", "FSTYPE", "LABEL", "UUID");
	for (size_t i = 0; i < l.n; i++) {
		const struct kb_device *d = &l.v[i];
		char size[16];
		human_size(d->size, size, sizeof(size));
		printf("%-12s %8s %-8s %-16s %s%s%s%s\n", d->name, size, d->fstype, d->label, d->uuid,
		       d->removable ? "  removable" : "", d->mountpoint[0] ? "  mounted" : "",
		       kb_device_locked(d) ? "  locked" : "");
	}
	if (l.n == 0)
		printf("No block devices.\n");
	kb_device_list_free(&l);
	return 0;
}

/* --- leaving, shell, reboot, poweroff ------------------------------------------------ */

/* Over SSH the session ends; at the machine's own console init starts a
 * fresh prompt at once, as for Ctrl-D on an empty line. */
static int cmd_exit(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	s->quit = true;
	return 0;
}

static int cmd_shell(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	printf("Leave the shell with exit or Ctrl-D to come back to the prompt.\n");
	const char *const argv[] = { "/bin/sh", "-i", NULL };
	int r = kbc_run_argv(argv, err);
	return r < 0 ? r : 0;
}

/* reboot(2) itself only where the image asks for it (KBOOT_REBOOT=syscall);
 * elsewhere BusyBox's `reboot -f`, which tests can stub on PATH. */
static int restart(const char *what, int how, kb_error *err)
{
	kb_error e = { 0 };
	sync();
	if (kb_umount_all(&e) < 0)
		printf("%s\n", e.text);
	sync();
	const char *mode = getenv("KBOOT_REBOOT");
	if (mode && strcmp(mode, "syscall") == 0) {
		reboot(how);
		return kb_error_set(err, errno, "%s: %s", what, strerror(errno));
	}
	const char *const argv[] = { what, "-f", NULL };
	int r = kbc_run_argv(argv, err);
	if (r > 0)
		return kb_error_set(err, EIO, "%s -f failed (exit status %d)", what, r);
	return r;
}

static int cmd_reboot(struct kbc_session *s, const char *line, const struct kb_words *w,
		      kb_error *err)
{
	return restart("reboot", RB_AUTOBOOT, err);
}

static int cmd_poweroff(struct kbc_session *s, const char *line, const struct kb_words *w,
			kb_error *err)
{
	return restart("poweroff", RB_POWER_OFF, err);
}

const struct kbc_command kbc_commands[] = {
	{ "boot", "<entry|number> [cmdline]", "boot an entry, optionally with another command line", cmd_boot },
	{ "cd", "[path]", "change the current directory (any generalized path)", cmd_cd },
	{ "devices", "", "list block devices", cmd_devices },
	{ "entries", "", "list boot entries", cmd_entries },
	{ "exit", "", "leave the prompt (over SSH: end the session; Ctrl-D does the same)", cmd_exit },
	{ "help", "", "this text", cmd_help },
	{ "insecure", "<boot line>", "boot from https without checking the server's certificate", kbc_command_insecure },
	{ "logout", "", "the same as exit", cmd_exit },
	{ "ls", "[-l] [path...]", "list a directory; -l shows kinds and kernel versions", cmd_ls },
	{ "net", "[dhcp [iface] | static iface addr/prefix [gw] [dns] | none]", "show the network, or set it up at once", kbc_command_net },
	{ "poweroff", "", "power the machine off", cmd_poweroff },
	{ "pwd", "", "print the current directory", cmd_pwd },
	{ "reboot", "", "restart the machine through the firmware", cmd_reboot },
	{ "shell", "", "a shell; exit it to come back here", cmd_shell },
	{ "unlock", "<device>", "open a locked LUKS device read-only (asks for the passphrase)", kbc_command_unlock },
};
const size_t kbc_commands_count = KB_ELEMENTSOF(kbc_commands);

const struct kbc_command *kbc_command_find(const char *name)
{
	for (size_t i = 0; i < kbc_commands_count; i++)
		if (strcmp(kbc_commands[i].name, name) == 0)
			return &kbc_commands[i];
	return NULL;
}

static int usage(const char *name, kb_error *err)
{
	const struct kbc_command *c = kbc_command_find(name);
	return kb_error_set(err, EINVAL, "usage: %s %s", name, c ? c->usage : "");
}

int kbc_command_run(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	const struct kbc_command *c = kbc_command_find(w->v[0].text);
	if (!c)
		return kb_error_set(err, ENOENT, "%s: unknown command", w->v[0].text);
	int r = c->run(s, line, w, err);
	fflush(stdout);
	return r;
}
