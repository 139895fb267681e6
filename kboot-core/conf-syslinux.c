/* syslinux, extlinux and isolinux configs: LABEL, MENU LABEL, KERNEL/LINUX,
 * APPEND (with initrd= inside), INITRD, DEFAULT/ONTIMEOUT/MENU DEFAULT and
 * INCLUDE. Relative paths are taken against the config's directory.
 * Keywords are case-insensitive; arguments are words, without quoting. */
#include "bootline.h"
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

/* Where syslinux, extlinux and isolinux look for their config, and the
 * names they try there; in each directory the first name found is the
 * config (the loader reads only that one). */
static const char *const syslinux_dirs[] = { "/boot/extlinux", "/extlinux", "/boot/syslinux",
					     "/syslinux",      "/boot/isolinux", "/isolinux",
					     "" };
static const char *const syslinux_names[] = { "extlinux.conf", "syslinux.cfg", "isolinux.cfg" };

enum { SYSLINUX_WORDS_MAX = 512 };

struct label {
	char *name, *title;
	char *kernel;
	char *append; /* NULL: none given (the global APPEND applies) */
	char *initrds[KB_ENTRY_INITRDS_MAX];
	size_t n_initrds;
	bool legacy, is_default;
	char source[KB_PATH_MAX];
};

struct sys {
	const struct kb_fs *fs;
	kb_error *err;
	char dir[KB_PATH_MAX]; /* the main config's directory: relative paths start here */
	char *global_append;
	char *default_label;
	char *ontimeout; /* with a UI module, the label the timeout boots */
	struct label *labels;
	size_t n;
	struct label *cur;
	unsigned included; /* files read through INCLUDE, against KB_INCLUDE_FILES_MAX */
};

static void label_clear(struct label *l)
{
	free(l->name);
	free(l->title);
	free(l->kernel);
	free(l->append);
	for (size_t i = 0; i < l->n_initrds; i++)
		free(l->initrds[i]);
}

static int replace(char **field, const char *value, kb_error *err)
{
	char *v = strdup(value);
	if (!v)
		return kb_error_set(err, ENOMEM, "out of memory");
	free(*field);
	*field = v;
	return 0;
}

/* A path in the config, as a generalized name: absolute on the filesystem,
 * or relative to the config's directory. */
static int config_path(const struct sys *s, const char *p, char *ret, size_t size)
{
	char abs[KB_PATH_MAX];
	int n = snprintf(abs, sizeof(abs), "%s/%s", p[0] == '/' ? "" : s->dir, p);
	if (n < 0 || (size_t)n >= sizeof(abs))
		return -ENAMETOOLONG;
	kb_path_normalize_abs(abs);
	return snprintf(ret, size, "%s", abs) >= (int)size ? -ENAMETOOLONG : 0;
}

static int named(const struct sys *s, const char *p, char **ret)
{
	char abs[KB_PATH_MAX], name[KB_PATH_MAX];
	if (config_path(s, p, abs, sizeof(abs)) < 0 || kb_fs_path(s->fs, abs, name, sizeof(name)) < 0)
		return kb_error_set(s->err, ENAMETOOLONG, "%s: path too long", p);
	*ret = strdup(name);
	return *ret ? 0 : kb_error_set(s->err, ENOMEM, "out of memory");
}

static int add_initrd_list(struct sys *s, struct label *l, const char *list)
{
	_cleanup_free_ char *copy = strdup(list);
	if (!copy)
		return kb_error_set(s->err, ENOMEM, "out of memory");
	char *save = NULL;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (l->n_initrds >= KB_ENTRY_INITRDS_MAX)
			return kb_error_set(s->err, E2BIG, "%s: more than %d initrds", l->name,
					    KB_ENTRY_INITRDS_MAX);
		int r = named(s, p, &l->initrds[l->n_initrds]);
		if (r < 0)
			return r;
		l->n_initrds++;
	}
	return 0;
}

static bool is_module(const char *kernel)
{
	static const char *const exts[] = { ".c32", ".com", ".cbt", ".bin", ".bss", ".0", ".bs" };
	size_t kl = strlen(kernel);
	for (size_t i = 0; i < KB_ELEMENTSOF(exts); i++) {
		size_t el = strlen(exts[i]);
		if (kl > el && strcasecmp(kernel + kl - el, exts[i]) == 0)
			return true;
	}
	return false;
}

static int new_label(struct sys *s, const char *name, const char *source)
{
	if (s->n >= KB_ENTRIES_PER_CONFIG_MAX) {
		s->cur = NULL;
		kb_warn("%s: more than %d labels; the rest are ignored", source,
			KB_ENTRIES_PER_CONFIG_MAX);
		return 0;
	}
	struct label *l = &s->labels[s->n];
	*l = (struct label){ .name = strdup(name) };
	if (!l->name)
		return kb_error_set(s->err, ENOMEM, "out of memory");
	snprintf(l->source, sizeof(l->source), "%s", source);
	s->n++;
	s->cur = l;
	return 0;
}

static int run_file(struct sys *s, const char *path, int depth);

/* The first word of arg (arg is cut after it); NULL when there is none. */
static char *first_word(char *arg)
{
	arg += strspn(arg, " \t");
	if (!*arg)
		return NULL;
	arg[strcspn(arg, " \t")] = '\0';
	return arg;
}

static int keyword(struct sys *s, const char *source, unsigned line, char *kw, char *arg,
		   int depth)
{
	struct label *l = s->cur;
	if (!strcasecmp(kw, "MENU")) {
		char *sub = arg;
		arg += strcspn(arg, " \t");
		if (*arg)
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		if (!strcasecmp(sub, "LABEL") && l) {
			/* '^' marks the hotkey */
			char *o = arg;
			for (char *p = arg; *p; p++)
				if (*p != '^')
					*o++ = *p;
			*o = '\0';
			return replace(&l->title, arg, s->err);
		}
		if (!strcasecmp(sub, "DEFAULT") && l)
			l->is_default = true;
		if (!strcasecmp(sub, "INCLUDE"))
			return run_file(s, first_word(arg), depth + 1);
		return 0;
	}
	if (!strcasecmp(kw, "LABEL"))
		return new_label(s, arg, source);
	if (!strcasecmp(kw, "DEFAULT") || !strcasecmp(kw, "ONTIMEOUT")) {
		char *word = first_word(arg);
		char **field = !strcasecmp(kw, "DEFAULT") ? &s->default_label : &s->ontimeout;
		return word ? replace(field, word, s->err) : 0;
	}
	if (!strcasecmp(kw, "INCLUDE"))
		return run_file(s, first_word(arg), depth + 1);
	if (!strcasecmp(kw, "APPEND")) {
		const char *v = strcmp(arg, "-") == 0 ? "" : arg;
		return replace(l ? &l->append : &s->global_append, v, s->err);
	}
	if (!l)
		return 0; /* TIMEOUT, PROMPT, UI, SAY, … */
	if (!strcasecmp(kw, "KERNEL") || !strcasecmp(kw, "LINUX")) {
		char *word = first_word(arg);
		if (!word)
			return kb_error_set(s->err, EINVAL, "%s:%u: %s needs a file", source, line, kw);
		l->legacy = !strcasecmp(kw, "KERNEL") && is_module(word);
		free(l->kernel);
		l->kernel = NULL;
		return named(s, word, &l->kernel);
	}
	if (!strcasecmp(kw, "INITRD")) {
		char *word = first_word(arg);
		return word ? add_initrd_list(s, l, word) : 0;
	}
	if (!strcasecmp(kw, "COM32") || !strcasecmp(kw, "BOOT") || !strcasecmp(kw, "BSS") ||
	    !strcasecmp(kw, "PXE") || !strcasecmp(kw, "FDIMAGE") || !strcasecmp(kw, "COMBOOT") ||
	    !strcasecmp(kw, "LOCALBOOT") || !strcasecmp(kw, "CONFIG")) {
		l->legacy = true;
		return 0;
	}
	return 0; /* FDT, FDTDIR, IPAPPEND, SYSAPPEND, TEXT HELP, … */
}

static int run_file(struct sys *s, const char *file, int depth)
{
	if (!file)
		return 0;
	char path[KB_PATH_MAX], source[KB_PATH_MAX];
	if (config_path(s, file, path, sizeof(path)) < 0)
		return kb_error_set(s->err, ENAMETOOLONG, "%s: path too long", file);
	if (kb_fs_path(s->fs, path, source, sizeof(source)) < 0)
		snprintf(source, sizeof(source), "%s", path);
	if (depth > KB_INCLUDE_DEPTH_MAX) {
		kb_warn("%s: not included: files nested more than %d deep", source,
			KB_INCLUDE_DEPTH_MAX);
		return 0;
	}
	/* Depth alone does not bound the work: a file including itself twice
	 * would be read 2^KB_INCLUDE_DEPTH_MAX times. */
	if (depth > 0 && s->included++ >= KB_INCLUDE_FILES_MAX) {
		if (s->included == KB_INCLUDE_FILES_MAX + 1)
			kb_warn("%s: not included: more than %d included files", source,
				KB_INCLUDE_FILES_MAX);
		return 0;
	}
	_cleanup_free_ char *text = NULL;
	int r = kb_fs_read(s->fs, path, &text, NULL, s->err);
	if (r == -ENOENT && depth > 0) {
		kb_warn("%s: included file not found", source);
		return 0;
	}
	if (r < 0)
		return r;
	bool in_text = false;
	unsigned line = 0;
	for (char *p = text; p && *p && r >= 0;) {
		char *l = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
		line++;
		l += strspn(l, " \t");
		size_t len = strlen(l);
		while (len && isspace((unsigned char)l[len - 1]))
			l[--len] = '\0';
		if (in_text) {
			in_text = strcasecmp(l, "ENDTEXT") != 0;
			continue;
		}
		if (!*l || *l == '#')
			continue;
		char *arg = l + strcspn(l, " \t");
		if (*arg)
			*arg++ = '\0';
		arg += strspn(arg, " \t");
		if (!strcasecmp(l, "TEXT")) {
			in_text = true;
			continue;
		}
		r = keyword(s, source, line, l, arg, depth);
	}
	return r;
}

/* APPEND words: initrd=… become initrds, the rest the command line. */
static int split_append(struct sys *s, struct label *l, const char *append, char **ret_cmdline)
{
	_cleanup_free_ char *copy = strdup(append ? append : "");
	_cleanup_free_ char **words = calloc(SYSLINUX_WORDS_MAX, sizeof(char *));
	if (!copy || !words)
		return kb_error_set(s->err, ENOMEM, "out of memory");
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strncmp(w, "initrd=", 7)) {
			int r = add_initrd_list(s, l, w + 7);
			if (r < 0)
				return r;
		} else if (n < SYSLINUX_WORDS_MAX) {
			words[n++] = w;
		}
	}
	return kb_bootline_join(words, n, ret_cmdline, s->err);
}

static int emit(struct sys *s, struct label *l, bool may_default, struct kb_entry_list *out)
{
	_cleanup_free_ char *cmdline = NULL;
	int r = split_append(s, l, l->append ? l->append : s->global_append, &cmdline);
	if (r < 0)
		return r;
	bool is_linux = l->kernel && !l->legacy;
	const char *def = s->ontimeout ? s->ontimeout : s->default_label;
	struct kb_entry e = {
		.title = l->title ? l->title : l->name,
		.kernel = l->kernel,
		.n_initrds = is_linux ? l->n_initrds : 0,
		.cmdline = is_linux ? cmdline : (char *)"",
		.source = l->source,
		.grub_id = NULL,
		.type = is_linux ? KB_ENTRY_LINUX : KB_ENTRY_LEGACY,
		.is_default = may_default && (l->is_default || (def && !strcmp(def, l->name))),
	};
	if (is_linux)
		memcpy(e.initrds, l->initrds, sizeof(e.initrds));
	return kb_entry_list_add(out, &e, s->err);
}

static int parse_cfg(const struct kb_fs *fs, const char *path, const char *dir,
		     struct kb_entry_list *out, kb_error *err)
{
	struct sys s = { .fs = fs, .err = err };
	snprintf(s.dir, sizeof(s.dir), "%s", dir);
	s.labels = calloc(KB_ENTRIES_PER_CONFIG_MAX, sizeof(*s.labels));
	if (!s.labels)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = run_file(&s, path, 0);
	bool any_default = false;
	for (size_t i = 0; i < s.n && r >= 0; i++) {
		r = emit(&s, &s.labels[i], !any_default, out);
		any_default = any_default || out->v[out->n - 1].is_default;
	}
	for (size_t i = 0; i < s.n; i++)
		label_clear(&s.labels[i]);
	free(s.labels);
	free(s.global_append);
	free(s.default_label);
	free(s.ontimeout);
	return r;
}

int kb_parse_syslinux(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err)
{
	for (size_t i = 0; i < KB_ELEMENTSOF(syslinux_dirs); i++) {
		const char *dir = syslinux_dirs[i];
		int r = -ENOENT;
		for (size_t k = 0; k < KB_ELEMENTSOF(syslinux_names) && r == -ENOENT; k++) {
			char path[KB_PATH_MAX];
			snprintf(path, sizeof(path), "%s/%s", dir, syslinux_names[k]);
			r = parse_cfg(fs, path, dir, out, err);
		}
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

int kb_parse_syslinux_config(const struct kb_fs *fs, const char *path, const char *dir,
			     struct kb_entry_list *out, kb_error *err)
{
	return parse_cfg(fs, path, dir, out, err);
}
