/* What a prompt line is and doing it (see line.h). */
#include "line.h"
#include "legacy.h"
#include "boot.h"
#include "commands.h"
#include "run.h"
#include "subst.h"
#include "kboot-core/bootline.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/device.h"
#include "kboot-core/inspect.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "name=" with a shell-variable name; a device tag (UUID=…:/p) is a path. */
static bool is_assignment_word(const struct kb_word *word)
{
	const char *t = word->text;
	if (word->op || !(isalpha((unsigned char)t[0]) || t[0] == '_'))
		return false;
	size_t n = 1;
	while (isalnum((unsigned char)t[n]) || t[n] == '_' || t[n] == '-' || t[n] == '.')
		n++;
	return t[n] == '=' && !kbc_is_device_file(t);
}

/* "sda", "/dev/sda": a whole device (its boot sector), not a file on it. */
static bool is_device_word(const char *t)
{
	if (strchr(t, ':'))
		return false;
	const char *name = strncmp(t, "/dev/", 5) == 0 ? t + 5 : t;
	return kb_path_is_device_word(name, strlen(name));
}

static bool is_remote(const char *t)
{
	struct kb_path p;
	if (kb_path_parse(t, "/", &p, NULL) < 0)
		return false;
	return p.kind == KB_PATH_URL || p.kind == KB_PATH_NFS;
}

/* What a path word names: a kernel (or something to try booting), a
 * program (a shell command), or nothing we know of. */
static enum kbc_line_kind classify_path(const struct kbc_session *s, const char *t, bool must_exist)
{
	if (is_remote(t))
		return KBC_LINE_KERNEL;
	char local[KB_PATH_MAX];
	struct stat st;
	if (kb_path_to_local(t, s->cwd, local, sizeof(local), NULL) < 0 || stat(local, &st) < 0)
		return must_exist ? KBC_LINE_EMPTY : KBC_LINE_KERNEL; /* boot says "no such file" */
	if (!S_ISREG(st.st_mode)) /* boot says "is a directory"; "boot" is a command */
		return must_exist ? KBC_LINE_EMPTY : KBC_LINE_KERNEL;
	struct kb_file_info info;
	bool kernel = kb_inspect_file(local, &info, NULL) >= 0 && info.kind == KB_KIND_KERNEL;
	bool executable = access(local, X_OK) == 0;
	/* The inspector calls every ELF executable a (vmlinux) kernel; one with
	 * its x bit set is far likelier a program, like the target's /bin/ls. */
	if (kernel && !(executable && info.format == KB_FORMAT_ELF))
		return KBC_LINE_KERNEL;
	if (executable)
		return KBC_LINE_COMMAND;
	return must_exist ? KBC_LINE_EMPTY : KBC_LINE_KERNEL; /* boot says "not a kernel" */
}

enum kbc_line_kind kbc_line_classify(const struct kbc_session *s, const struct kb_words *w)
{
	if (w->n == 0 || w->v[0].text[0] == '#')
		return KBC_LINE_EMPTY;
	const struct kb_word *first = &w->v[0];
	if (first->op)
		return KBC_LINE_COMMAND;
	const char *t = first->text;
	if (is_assignment_word(first))
		return KBC_LINE_ASSIGN;
	if (!first->quoted && kb_config_label(&s->cfg, t))
		return KBC_LINE_LABEL;
	if (is_device_word(t))
		return KBC_LINE_LEGACY;
	if (kbc_word_is_path(t))
		return classify_path(s, t, false);
	/* A relative name is a kernel only when it is one; otherwise a command. */
	enum kbc_line_kind k = classify_path(s, t, true);
	if (k == KBC_LINE_KERNEL)
		return k;
	if (kbc_command_find(t))
		return KBC_LINE_BUILTIN;
	if (k == KBC_LINE_EMPTY && strchr(t, '/') && kbc_run_locate(w, s->cwd) == KBC_RUN_NOWHERE)
		return KBC_LINE_KERNEL; /* "boot/vmlinuz-x": say what is wrong with the file */
	return KBC_LINE_COMMAND;
}

int kbc_line_assignment(const char *line, char **ret_name, char **ret_value)
{
	while (isspace((unsigned char)*line))
		line++;
	const char *eq = strchr(line, '=');
	if (!eq || eq == line)
		return -EINVAL;
	for (const char *p = line; p < eq; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
			return -EINVAL;
	const char *value = eq + 1;
	size_t n = strlen(value);
	while (n > 0 && isspace((unsigned char)value[n - 1]))
		n--;
	_cleanup_free_ char *raw = strndup(value, n);
	_cleanup_free_ char *name = strndup(line, (size_t)(eq - line));
	if (!raw || !name)
		return -ENOMEM;
	/* debian='/boot/vmlinuz quiet' is one word: unquote it. */
	struct kb_words w;
	char *v = NULL;
	if (kb_words_split(raw, KB_WORDS_OPERATORS, &w, NULL) >= 0) {
		if (w.n == 1 && w.v[0].quoted && w.v[0].start == 0 && w.v[0].end == n)
			v = strdup(w.v[0].text);
		kb_words_free(&w);
	}
	if (!v)
		v = TAKE_PTR(raw);
	if (!v)
		return -ENOMEM;
	*ret_name = TAKE_PTR(name);
	*ret_value = v;
	return 0;
}

int kbc_line_expand_label(const struct kbc_session *s, const char *line, const struct kb_words *w,
			 char **ret)
{
	const struct kb_label *label = kb_config_label(&s->cfg, w->v[0].text);
	if (!label)
		return -ENOENT;
	const char *rest = line + w->v[0].end;
	while (isspace((unsigned char)*rest))
		rest++;
	if (asprintf(ret, "%s%s%s", label->command ? label->command : "", *rest ? " " : "", rest) < 0)
		return -ENOMEM;
	return 0;
}

static void print_error(const kb_error *e, int r)
{
	printf("%s\n", e->text[0] ? e->text : strerror(-r));
}

/* A path for the boot request: relative names made absolute against cwd. */
static int absolute(const struct kbc_session *s, const char *text, char *ret, size_t size,
		    kb_error *err)
{
	struct kb_path p;
	int r = kb_path_parse(text, s->cwd, &p, err);
	if (r < 0)
		return r;
	return kb_path_format(&p, ret, size) < 0 ? kb_error_set(err, ENAMETOOLONG,
								  "%s: name too long", text)
						   : 0;
}

/* Fail early, in the person's words, on what kexec would stumble over. */
static int check_file(const struct kbc_session *s, const char *text, kb_error *err)
{
	if (is_remote(text))
		return 0;
	char local[KB_PATH_MAX];
	int r = kb_path_to_local(text, s->cwd, local, sizeof(local), err);
	if (r < 0)
		return r;
	struct stat st;
	if (stat(local, &st) < 0)
		return kb_error_set(err, errno, "%s: %s", text,
				    errno == ENOENT ? "no such file" : strerror(errno));
	if (S_ISDIR(st.st_mode))
		return kb_error_set(err, EISDIR, "%s: is a directory", text);
	return 0;
}

static int run_kernel(struct kbc_session *s, const char *line, kb_error *err)
{
	struct kb_bootline bl = { 0 };
	int r = kb_bootline_parse(line, &bl, err);
	if (r < 0)
		return r;
	/* The paths as the core takes them, on the heap: 68 KiB with the initrds. */
	_cleanup_free_ struct {
		char kernel[KB_PATH_MAX];
		char initrds[KB_ENTRY_INITRDS_MAX][KB_PATH_MAX];
	} *paths = calloc(1, sizeof(*paths));
	if (!paths) {
		kb_bootline_free(&bl);
		return kb_error_set(err, ENOMEM, "out of memory");
	}
	const char *initrd_ptrs[KB_ENTRY_INITRDS_MAX];
	r = check_file(s, bl.kernel, err);
	if (r >= 0)
		r = absolute(s, bl.kernel, paths->kernel, sizeof(paths->kernel), err);
	for (size_t i = 0; r >= 0 && i < bl.n_initrds && i < KB_ENTRY_INITRDS_MAX; i++) {
		r = check_file(s, bl.initrds[i], err);
		if (r >= 0)
			r = absolute(s, bl.initrds[i], paths->initrds[i], KB_PATH_MAX, err);
		initrd_ptrs[i] = paths->initrds[i];
	}
	if (r >= 0) {
		struct kb_boot_request req = {
			.kernel = paths->kernel,
			.initrds = initrd_ptrs,
			.n_initrds = bl.n_initrds,
			.cmdline = bl.cmdline ? bl.cmdline : "",
			.insecure = s->insecure,
		};
		r = kbc_console_boot(s, &req, err);
	}
	kb_bootline_free(&bl);
	return r;
}

static int run_assign(struct kbc_session *s, const char *line, kb_error *err)
{
	_cleanup_free_ char *name = NULL, *value = NULL;
	int r = kbc_line_assignment(line, &name, &value);
	if (r < 0)
		return kb_error_set(err, -r, "%s", r == -ENOMEM ? "out of memory" : "not a name=value");
	return kb_config_set_label(&s->cfg, name, value, err);
}

static int run_line(struct kbc_session *s, const char *line, int depth, kb_error *err)
{
	struct kb_words w;
	int r = kb_words_split(line, KB_WORDS_OPERATORS, &w, err);
	if (r < 0)
		return r;
	switch (kbc_line_classify(s, &w)) {
	case KBC_LINE_EMPTY:
		break;
	case KBC_LINE_ASSIGN:
		r = run_assign(s, line, err);
		break;
	case KBC_LINE_LABEL: {
		_cleanup_free_ char *expanded = NULL;
		if (depth >= KBC_LABEL_DEPTH_MAX)
			r = kb_error_set(err, ELOOP, "%s: labels nest too deep (a loop?)",
					 w.v[0].text);
		else if ((r = kbc_line_expand_label(s, line, &w, &expanded)) < 0)
			r = kb_error_set(err, -r, "%s: cannot expand", w.v[0].text);
		else
			r = run_line(s, expanded, depth + 1, err);
		break;
	}
	case KBC_LINE_KERNEL:
		r = run_kernel(s, line, err);
		break;
	case KBC_LINE_LEGACY:
		r = kbc_console_boot_device(s, w.v[0].text, err);
		break;
	case KBC_LINE_BUILTIN:
		r = kbc_command_run(s, line, &w, err);
		break;
	case KBC_LINE_COMMAND:
		r = kbc_run_line(line, &w, s->cwd, err);
		r = r > 0 ? 0 : r; /* a command's own failure is its own to report */
		break;
	}
	kb_words_free(&w);
	return r;
}

int kbc_line_run(struct kbc_session *s, const char *line)
{
	kb_error err = { 0 };
	int r = run_line(s, line, 0, &err);
	if (r < 0)
		print_error(&err, r);
	fflush(stdout);
	return r < 0 ? r : 0;
}
