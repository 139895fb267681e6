/* GRUB 2 grub.cfg, as grub-mkconfig writes it on Debian, Ubuntu and Fedora.
 * A small interpreter of GRUB's script: variables (grubenv preloaded, as
 * load_env would), `search --set`, if/elif/else with simple `[ … ]` tests
 * (other conditions count as true), menuentry/submenu bodies run where they
 * are defined, source/configfile on the same filesystem, and `blscfg`.
 * Functions and loops are skipped; other commands are ignored. */
#include "bootline.h"
#include "buf.h"
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const grub_cfgs[] = { "/boot/grub/grub.cfg", "/grub/grub.cfg",
					 "/boot/grub2/grub.cfg", "/grub2/grub.cfg" };
static const char *const efi_dirs[] = { "/EFI", "/efi" };

enum {
	GRUB_ARGS_MAX = 512,      /* words in one command */
	GRUB_MENU_DEPTH_MAX = 8,  /* submenu nesting */
	GRUB_WORD_MAX = KB_CMDLINE_MAX,
};

struct tok {
	const char *s;
	size_t len;
	unsigned line;
	bool sep; /* newline or ';' */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

struct comp {
	int index;
	char *title, *id;
};

struct item { /* where an entry sits in the menu, for `default` */
	size_t entry; /* index in out */
	size_t depth;
	struct comp c[GRUB_MENU_DEPTH_MAX + 1];
};

struct cur_entry {
	char *kernel;
	char *cmdline;
	char *initrds[KB_ENTRY_INITRDS_MAX];
	size_t n_initrds;
	bool legacy;
	char *device; /* what chainloader/ntldr boots: "hd0,msdos1", "UUID=…" */
};

struct grub {
	const struct kb_fs *fs;
	struct kb_grubenv vars;
	struct kb_entry_list *out;
	kb_error *err;
	const char *file; /* for messages: the generalized path of the file */
	int include_depth;
	unsigned nesting;     /* blocks open now, against KB_GRUB_NESTING_MAX */
	size_t tokens_alive;  /* of this file and those sourcing it, against KB_GRUB_TOKENS_MAX */
	unsigned included; /* files read by source/configfile, against KB_INCLUDE_FILES_MAX */
	/* the menu being built */
	size_t depth;
	struct comp level[GRUB_MENU_DEPTH_MAX]; /* the enclosing submenus */
	int counter[GRUB_MENU_DEPTH_MAX + 1];
	struct item *items;
	size_t n_items;
	struct cur_entry *cur; /* inside a menuentry body */
	bool full;
};

struct cursor {
	const struct toks *t;
	size_t i;
};

/* ---- lexing ---------------------------------------------------------- */

static int tok_add(struct toks *t, size_t max, const char *s, size_t len, unsigned line, bool sep)
{
	if (t->n >= max)
		return -E2BIG;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct tok *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct tok){ s, len, line, sep };
	return 0;
}

/* At most max tokens: what is left of KB_GRUB_TOKENS_MAX. */
static int lex(const char *name, const char *text, size_t max, struct toks *ret, kb_error *err)
{
	struct toks t = { 0 };
	unsigned line = 1;
	const char *p = text;
	int r = 0;
	while (*p && r >= 0) {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
		} else if (p[0] == '\\' && p[1] == '\n') {
			p += 2;
			line++;
		} else if (*p == '#') {
			while (*p && *p != '\n')
				p++;
		} else if (*p == '\n' || *p == ';') {
			r = tok_add(&t, max, p, 1, line, true);
			line += *p == '\n';
			p++;
		} else {
			const char *start = p;
			unsigned at = line;
			while (*p && !strchr(" \t\r\n;", *p)) {
				if (*p == '\'' || *p == '"') {
					char q = *p++;
					unsigned qline = line;
					while (*p && *p != q) {
						if (q == '"' && *p == '\\' && p[1])
							p++;
						line += *p == '\n';
						p++;
					}
					if (!*p) {
						free(t.v);
						return kb_error_set(err, EINVAL, "%s:%u: unterminated quote",
								    name, qline);
					}
					p++;
				} else if (*p == '\\' && p[1]) {
					line += p[1] == '\n';
					p += 2;
				} else {
					p++;
				}
			}
			r = tok_add(&t, max, start, (size_t)(p - start), at, false);
		}
	}
	if (r < 0) {
		free(t.v);
		if (r == -E2BIG)
			return kb_error_set(err, E2BIG, "%s:%u: more than %d words and separators "
					    "(with the files that source it)", name, line,
					    KB_GRUB_TOKENS_MAX);
		return kb_error_set(err, ENOMEM, "out of memory");
	}
	*ret = t;
	return 0;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return !t->sep && t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* ---- expansion ------------------------------------------------------- */

struct fields {
	char *v[GRUB_ARGS_MAX];
	size_t n;
	struct kb_buf cur;
	bool have; /* cur is a field even when empty ("" was written) */
};

static void fields_free(struct fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	f->n = 0;
	kb_buf_free(&f->cur);
}

static int fields_end(struct fields *f)
{
	if (!f->have)
		return 0;
	if (f->n >= GRUB_ARGS_MAX)
		return -E2BIG;
	f->v[f->n++] = kb_buf_steal(&f->cur);
	kb_buf_init(&f->cur, GRUB_WORD_MAX);
	f->have = false;
	return f->v[f->n - 1] ? 0 : -ENOMEM;
}

static int fields_add(struct fields *f, const char *s, size_t len)
{
	f->have = true;
	return kb_buf_add(&f->cur, s, len);
}

static const char *var_value(const struct grub *g, const char **pp)
{
	const char *p = *pp + 1; /* after '$' */
	bool brace = *p == '{';
	const char *name = p + brace;
	size_t l = 0;
	while (name[l] && (name[l] == '_' || (name[l] >= 'a' && name[l] <= 'z') ||
			   (name[l] >= 'A' && name[l] <= 'Z') || (name[l] >= '0' && name[l] <= '9')))
		l++;
	if (l == 0 && strchr("?#@*", name[0]))
		l = 1;
	if (l == 0 || (brace && name[l] != '}'))
		return NULL;
	*pp = name + l + brace;
	char key[KB_GRUBENV_NAME_MAX];
	snprintf(key, sizeof(key), "%.*s", (int)l, name);
	const char *v = kb_grubenv_get(&g->vars, key);
	return v ? v : "";
}

/* One raw word into fields: quotes removed, $vars expanded, unquoted
 * expansions split on blanks (as GRUB does). */
static int expand_word(const struct grub *g, const struct tok *t, struct fields *f)
{
	const char *p = t->s, *end = t->s + t->len;
	int r = 0;
	while (p < end && r >= 0) {
		if (*p == '\'') {
			const char *q = memchr(p + 1, '\'', (size_t)(end - p - 1));
			if (!q)
				q = end; /* lex() saw it closed; be safe anyway */
			r = fields_add(f, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (*p == '"') {
			p++;
			f->have = true;
			while (p < end && *p != '"' && r >= 0) {
				if (*p == '\\' && p + 1 < end && strchr("\"\\$\n", p[1])) {
					if (p[1] != '\n')
						r = fields_add(f, p + 1, 1);
					p += 2;
				} else if (*p == '$') {
					const char *v = var_value(g, &p);
					r = v ? fields_add(f, v, strlen(v)) : fields_add(f, p++, 1);
				} else {
					r = fields_add(f, p++, 1);
				}
			}
			p++;
		} else if (*p == '\\' && p + 1 < end) {
			if (p[1] != '\n')
				r = fields_add(f, p + 1, 1);
			p += 2;
		} else if (*p == '$') {
			const char *v = var_value(g, &p);
			if (!v) {
				r = fields_add(f, p++, 1);
				continue;
			}
			for (const char *s = v; *s && r >= 0;) {
				if (*s == ' ' || *s == '\t' || *s == '\n') {
					r = fields_end(f);
					s += strspn(s, " \t\n");
				} else {
					size_t l = strcspn(s, " \t\n");
					r = fields_add(f, s, l);
					s += l;
				}
			}
		} else {
			r = fields_add(f, p++, 1);
		}
	}
	return r;
}

/* The words of a command, from the cursor to the next separator (or, with
 * stop_at_brace, to an unquoted "{"). */
static int command_words(struct grub *g, struct cursor *c, bool run, bool stop_at_brace,
			 struct fields *f)
{
	*f = (struct fields){ 0 };
	kb_buf_init(&f->cur, GRUB_WORD_MAX);
	int r = 0;
	for (; c->i < c->t->n && !c->t->v[c->i].sep; c->i++) {
		if (stop_at_brace && tok_is(&c->t->v[c->i], "{"))
			break;
		if (!run || r < 0)
			continue;
		r = expand_word(g, &c->t->v[c->i], f);
		if (r >= 0)
			r = fields_end(f);
	}
	if (r < 0) {
		fields_free(f);
		return kb_error_set(g->err, -r == E2BIG ? E2BIG : ENOMEM, "%s:%u: command too long",
				    g->file, c->i < c->t->n ? c->t->v[c->i].line : 0);
	}
	return 0;
}

/* ---- paths ----------------------------------------------------------- */

enum where { HERE, ELSEWHERE };

/* Split a GRUB file name into the device it is on and the path on it:
 * "(hd0,gpt2)/x", "($root)/x" after expansion, or "/x" on $root. */
static enum where grub_path(const struct grub *g, const char *word, char *dev, size_t dsize,
			    char *path, size_t psize)
{
	const char *root = kb_grubenv_get(&g->vars, "root");
	const char *p = word;
	snprintf(dev, dsize, "%s", root ? root : "");
	if (*p == '(') {
		const char *close = strchr(p, ')');
		if (close) {
			snprintf(dev, dsize, "%.*s", (int)(close - p - 1), p + 1);
			p = close + 1;
		}
	}
	snprintf(path, psize, "/%s", p);
	kb_path_normalize_abs(path);
	if (strncmp(dev, "UUID=", 5) == 0)
		return g->fs->uuid && strcasecmp(dev + 5, g->fs->uuid) == 0 ? HERE : ELSEWHERE;
	if (strncmp(dev, "LABEL=", 6) == 0)
		return ELSEWHERE;
	return HERE; /* hd0,gpt2, lvm/…: the filesystem the config is on */
}

static int name_file(const struct grub *g, const char *word, char **ret)
{
	char dev[KB_PATH_DEVICE_MAX], path[KB_PATH_MAX], name[KB_PATH_MAX + KB_PATH_DEVICE_MAX];
	int n;
	if (grub_path(g, word, dev, sizeof(dev), path, sizeof(path)) == HERE) {
		if (kb_fs_path(g->fs, path, name, sizeof(name)) < 0)
			return kb_error_set(g->err, ENAMETOOLONG, "%s: path too long", word);
	} else {
		n = snprintf(name, sizeof(name), "%s:%s", dev, path);
		if (n < 0 || (size_t)n >= sizeof(name))
			return kb_error_set(g->err, ENAMETOOLONG, "%s: path too long", word);
	}
	*ret = strdup(name);
	return *ret ? 0 : kb_error_set(g->err, ENOMEM, "out of memory");
}

/* ---- commands -------------------------------------------------------- */

static int set_var(struct grub *g, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment)
		return 0;
	char name[KB_GRUBENV_NAME_MAX];
	snprintf(name, sizeof(name), "%.*s", (int)(eq - assignment), assignment);
	return kb_grubenv_set(&g->vars, name, eq + 1, g->err);
}

static bool is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	if (!eq || eq == w)
		return false;
	for (const char *p = w; p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* search [--no-floppy] (--fs-uuid|-u|--label|-l|--file|-f) [--set[=VAR]] [--hint…] NAME,
 * and search.fs_uuid NAME [VAR]. */
static int cmd_search(struct grub *g, char **argv, size_t argc, const char *mode)
{
	const char *var = "root", *name = NULL;
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--fs-uuid") || !strcmp(a, "-u"))
			mode = "UUID";
		else if (!strcmp(a, "--label") || !strcmp(a, "-l"))
			mode = "LABEL";
		else if (!strcmp(a, "--file") || !strcmp(a, "-f"))
			mode = "file";
		else if (!strncmp(a, "--set=", 6))
			var = a + 6;
		else if (a[0] == '-')
			continue; /* --set, --no-floppy, --hint…=… */
		else if (!name)
			name = a;
		else
			var = a;
	}
	if (!name || !*mode)
		return 0;
	if (!strcmp(mode, "file")) /* this filesystem as far as paths go (grub_path) */
		mode = "FILE";
	char value[KB_PATH_DEVICE_MAX];
	snprintf(value, sizeof(value), "%s=%s", mode, name);
	return kb_grubenv_set(&g->vars, var, value, g->err);
}

static int cmd_linux(struct grub *g, char **argv, size_t argc)
{
	if (!g->cur || argc < 2)
		return 0;
	struct cur_entry *e = g->cur;
	free(e->kernel);
	free(e->cmdline);
	e->kernel = e->cmdline = NULL;
	int r = name_file(g, argv[1], &e->kernel);
	if (r >= 0)
		r = kb_bootline_join(argv + 2, argc - 2, &e->cmdline, g->err);
	return r;
}

static int cmd_initrd(struct grub *g, char **argv, size_t argc)
{
	if (!g->cur)
		return 0;
	struct cur_entry *e = g->cur;
	for (size_t i = 0; i < e->n_initrds; i++)
		free(e->initrds[i]);
	e->n_initrds = 0;
	for (size_t i = 1; i < argc; i++) {
		if (e->n_initrds >= KB_ENTRY_INITRDS_MAX)
			return kb_error_set(g->err, E2BIG, "more than %d initrds", KB_ENTRY_INITRDS_MAX);
		int r = name_file(g, argv[i], &e->initrds[e->n_initrds]);
		if (r < 0)
			return r;
		e->n_initrds++;
	}
	return 0;
}

static bool file_test(struct grub *g, const char *op, const char *word)
{
	char dev[KB_PATH_DEVICE_MAX], path[KB_PATH_MAX], local[KB_PATH_MAX];
	struct stat st;
	if (grub_path(g, word, dev, sizeof(dev), path, sizeof(path)) != HERE ||
	    !kb_fs_exists(g->fs, path) || kb_fs_local(g->fs, path, local, sizeof(local)) < 0 ||
	    stat(local, &st) < 0)
		return false;
	if (!strcmp(op, "-s"))
		return st.st_size > 0;
	if (!strcmp(op, "-d"))
		return S_ISDIR(st.st_mode);
	if (!strcmp(op, "-f"))
		return S_ISREG(st.st_mode);
	return true;
}

/* One test without -a/-o. What we cannot judge counts as true. */
static bool test_simple(struct grub *g, char **a, size_t n)
{
	bool neg = n && !strcmp(a[0], "!");
	if (neg)
		a++, n--;
	bool res = true;
	if (n == 0)
		res = false;
	else if (n == 1)
		res = a[0][0] != '\0';
	else if (n == 2 && !strcmp(a[0], "-n"))
		res = a[1][0] != '\0';
	else if (n == 2 && !strcmp(a[0], "-z"))
		res = a[1][0] == '\0';
	else if (n == 2 && a[0][0] == '-' && a[0][1] && strchr("efsd", a[0][1]) && !a[0][2])
		res = file_test(g, a[0], a[1]);
	else if (n == 3 && (!strcmp(a[1], "=") || !strcmp(a[1], "==")))
		res = !strcmp(a[0], a[2]);
	else if (n == 3 && !strcmp(a[1], "!="))
		res = strcmp(a[0], a[2]) != 0;
	else if (n == 3 && a[1][0] == '-') {
		long x = strtol(a[0], NULL, 10), y = strtol(a[2], NULL, 10);
		const char *op = a[1] + 1;
		res = !strcmp(op, "eq") ? x == y : !strcmp(op, "ne") ? x != y :
		      !strcmp(op, "lt") ? x < y : !strcmp(op, "gt") ? x > y :
		      !strcmp(op, "le") ? x <= y : !strcmp(op, "ge") ? x >= y : true;
	}
	return res != neg;
}

/* -o binds loosest, then -a, as in test(1). */
static bool test_expr(struct grub *g, char **a, size_t n)
{
	for (const char *op = "-o"; op; op = strcmp(op, "-o") ? NULL : "-a") {
		for (size_t i = n; i-- > 0;) {
			if (strcmp(a[i], op) != 0 || i == 0 || i + 1 == n)
				continue;
			bool left = test_expr(g, a, i);
			if (!strcmp(op, "-o"))
				return left || test_expr(g, a + i + 1, n - i - 1);
			return left && test_expr(g, a + i + 1, n - i - 1);
		}
	}
	return test_simple(g, a, n);
}

/* `[ … ]` and `test …`: status 0 for true. */
static int cmd_test(struct grub *g, char **argv, size_t argc)
{
	size_t n = argc - 1;
	if (!strcmp(argv[0], "[") && n && !strcmp(argv[n], "]"))
		n--;
	return test_expr(g, argv + 1, n) ? 0 : 1;
}

static int run_file(struct grub *g, const char *path);

static int cmd_include(struct grub *g, char **argv, size_t argc, unsigned line)
{
	if (argc < 2)
		return 0;
	char dev[KB_PATH_DEVICE_MAX], path[KB_PATH_MAX];
	if (grub_path(g, argv[1], dev, sizeof(dev), path, sizeof(path)) != HERE) {
		kb_debug("%s:%u: %s %s is on another filesystem; it is searched on its own", g->file,
			 line, argv[0], argv[1]);
		return 0;
	}
	if (g->include_depth > KB_INCLUDE_DEPTH_MAX) {
		kb_warn("%s:%u: %s %s skipped: files nested more than %d deep", g->file, line,
			argv[0], argv[1], KB_INCLUDE_DEPTH_MAX);
		return 0;
	}
	/* Depth alone does not bound the work: a file sourcing itself twice
	 * would be read 2^KB_INCLUDE_DEPTH_MAX times. */
	if (g->included++ >= KB_INCLUDE_FILES_MAX) {
		if (g->included == KB_INCLUDE_FILES_MAX + 1)
			kb_warn("%s:%u: %s %s skipped: more than %d included files", g->file, line,
				argv[0], argv[1], KB_INCLUDE_FILES_MAX);
		return 0;
	}
	int r = run_file(g, path);
	return r == -ENOENT ? 0 : r;
}

static int record_item(struct grub *g, size_t entry, const char *title, const char *id)
{
	if (g->n_items >= KB_ENTRIES_PER_CONFIG_MAX)
		return -E2BIG;
	struct item *it = &g->items[g->n_items];
	*it = (struct item){ .entry = entry, .depth = g->depth };
	for (size_t d = 0; d < g->depth; d++) {
		it->c[d].index = g->level[d].index;
		it->c[d].title = g->level[d].title ? strdup(g->level[d].title) : NULL;
		it->c[d].id = g->level[d].id ? strdup(g->level[d].id) : NULL;
	}
	it->c[g->depth].index = g->counter[g->depth]++;
	it->c[g->depth].title = title ? strdup(title) : NULL;
	it->c[g->depth].id = id ? strdup(id) : NULL;
	g->n_items++;
	return 0;
}

static int cmd_blscfg(struct grub *g)
{
	size_t before = g->out->n, added = 0; /* BLS entries become menu items here */
	int r = kb_bls_parse_vars(g->fs, &g->vars, g->out, &added, g->err);
	if (r < 0)
		return r;
	for (size_t i = before; i < g->out->n && r >= 0; i++)
		r = record_item(g, i, g->out->v[i].title, g->out->v[i].grub_id);
	return r == -E2BIG ? 0 : r;
}

static bool is_legacy_command(const char *c)
{
	static const char *const legacy[] = { "chainloader", "ntldr",	  "kfreebsd",
					      "knetbsd",     "kopenbsd",  "multiboot",
					      "multiboot2",  "appleloader", "xnu_kernel",
					      "xnu_kernel64", "legacy_kernel", "plan9" };
	for (size_t i = 0; i < KB_ELEMENTSOF(legacy); i++)
		if (!strcmp(c, legacy[i]))
			return true;
	return false;
}

/* The device a chainloader/ntldr boots: "(hd0,1)+1" names it, else $root
 * ("hd0,msdos1", "(hd1,gpt2)", "UUID=…" from search --fs-uuid, "FILE=…"
 * from search --file). */
static int legacy_device(struct grub *g, char **argv, size_t argc)
{
	const char *dev = kb_grubenv_get(&g->vars, "root");
	size_t len = dev ? strlen(dev) : 0;
	for (size_t i = 1; i < argc; i++) {
		if (argv[i][0] == '(' && strchr(argv[i], ')')) {
			dev = argv[i];
			len = (size_t)(strchr(argv[i], ')') - argv[i]);
			break;
		}
		if (argv[i][0] != '-') /* a path on $root; options like --force skipped */
			break;
	}
	if (dev && dev[0] == '(') {
		dev++;
		len = len > 0 ? len - 1 : 0;
		if (len && dev[len - 1] == ')')
			len--;
	}
	free(g->cur->device);
	g->cur->device = dev && len ? strndup(dev, len) : NULL;
	return !dev || !len || g->cur->device ? 0 : kb_error_set(g->err, ENOMEM, "out of memory");
}

/* A simple command; *status is its exit status (0: true). */
static int run_command(struct grub *g, char **argv, size_t argc, unsigned line, int *status)
{
	*status = 0;
	if (argc == 0)
		return 0;
	const char *c = argv[0];
	if (!strcmp(c, "[") || !strcmp(c, "test")) {
		*status = cmd_test(g, argv, argc);
		return 0;
	}
	if (!strcmp(c, "false")) {
		*status = 1;
		return 0;
	}
	if (!strcmp(c, "set")) {
		for (size_t i = 1; i < argc; i++) {
			int r = set_var(g, argv[i]);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (is_assignment(c) && argc == 1)
		return set_var(g, c);
	if (!strcmp(c, "unset")) {
		for (size_t i = 1; i < argc; i++)
			kb_grubenv_unset(&g->vars, argv[i]);
		return 0;
	}
	if (!strcmp(c, "search"))
		return cmd_search(g, argv, argc, "");
	if (!strcmp(c, "search.fs_uuid"))
		return cmd_search(g, argv, argc, "UUID");
	if (!strcmp(c, "search.fs_label"))
		return cmd_search(g, argv, argc, "LABEL");
	if (!strcmp(c, "linux") || !strcmp(c, "linux16") || !strcmp(c, "linuxefi"))
		return cmd_linux(g, argv, argc);
	if (!strcmp(c, "initrd") || !strcmp(c, "initrd16") || !strcmp(c, "initrdefi"))
		return cmd_initrd(g, argv, argc);
	if (is_legacy_command(c)) {
		if (g->cur)
			g->cur->legacy = true;
		if (g->cur && (!strcmp(c, "chainloader") || !strcmp(c, "ntldr")))
			return legacy_device(g, argv, argc);
		return 0;
	}
	if (!strcmp(c, "source") || !strcmp(c, "configfile") || !strcmp(c, "."))
		return cmd_include(g, argv, argc, line);
	if (!strcmp(c, "blscfg") && !g->cur)
		return cmd_blscfg(g);
	return 0; /* insmod, echo, load_video, terminal_output, … */
}

/* ---- structure --------------------------------------------------------- */

static int run_list(struct grub *g, struct cursor *c, bool run, const char *const *terms,
		    const char **ret_term, int *status);

static int expect_term(struct grub *g, const char *what, unsigned line, const char *term,
		       const char *want)
{
	if (term && !strcmp(term, want))
		return 0;
	return kb_error_set(g->err, EINVAL, "%s:%u: '%s' without '%s'", g->file, line, what, want);
}

/* Every block recurses into run_list: without a bound, 2,000 nested `{`
 * overflowed the stack of kbootd and the console alike. */
static int enter_block(struct grub *g, unsigned line)
{
	if (g->nesting >= KB_GRUB_NESTING_MAX)
		return kb_error_set(g->err, E2BIG, "%s:%u: blocks nested more than %d deep", g->file,
				    line, KB_GRUB_NESTING_MAX);
	g->nesting++;
	return 0;
}

static int if_clauses(struct grub *g, struct cursor *c, bool run, unsigned line)
{
	static const char *const then_t[] = { "then", NULL };
	static const char *const body_t[] = { "elif", "else", "fi", NULL };
	static const char *const fi_t[] = { "fi", NULL };
	bool taken = false;
	const char *term = NULL;
	int status = 0;
	for (;;) {
		int r = run_list(g, c, run && !taken, then_t, &term, &status);
		if (r >= 0)
			r = expect_term(g, "if", line, term, "then");
		if (r < 0)
			return r;
		bool go = run && !taken && status == 0;
		r = run_list(g, c, go, body_t, &term, &status);
		if (r < 0)
			return r;
		taken = taken || go;
		if (!term)
			return expect_term(g, "if", line, term, "fi");
		if (!strcmp(term, "fi"))
			return 0;
		if (!strcmp(term, "else")) {
			r = run_list(g, c, run && !taken, fi_t, &term, &status);
			return r < 0 ? r : expect_term(g, "if", line, term, "fi");
		}
		/* elif: another condition */
	}
}

static int run_if(struct grub *g, struct cursor *c, bool run, unsigned line)
{
	int r = enter_block(g, line);
	if (r < 0)
		return r;
	r = if_clauses(g, c, run, line);
	g->nesting--;
	return r;
}

static int skip_loop(struct grub *g, struct cursor *c, unsigned line, const char *what)
{
	static const char *const do_t[] = { "do", NULL };
	static const char *const done_t[] = { "done", NULL };
	const char *term = NULL;
	int status;
	int r = enter_block(g, line);
	if (r < 0)
		return r;
	r = run_list(g, c, false, do_t, &term, &status);
	if (r >= 0)
		r = expect_term(g, what, line, term, "do");
	if (r >= 0)
		r = run_list(g, c, false, done_t, &term, &status);
	g->nesting--;
	return r < 0 ? r : expect_term(g, what, line, term, "done");
}

static int block_body(struct grub *g, struct cursor *c, bool run, unsigned line, const char *what)
{
	static const char *const close_t[] = { "}", NULL };
	if (c->i >= c->t->n || !tok_is(&c->t->v[c->i], "{"))
		return kb_error_set(g->err, EINVAL, "%s:%u: %s without '{'", g->file, line, what);
	c->i++;
	const char *term = NULL;
	int status;
	int r = enter_block(g, line);
	if (r < 0)
		return r;
	r = run_list(g, c, run, close_t, &term, &status);
	g->nesting--;
	return r < 0 ? r : expect_term(g, what, line, term, "}");
}

/* menuentry/submenu arguments: the title and --id; other options skipped. */
static void menu_args(struct fields *f, const char **ret_title, const char **ret_id)
{
	static const char *const with_arg[] = { "--class", "--users", "--hotkey", "--id", "--source" };
	*ret_title = *ret_id = NULL;
	for (size_t i = 1; i < f->n; i++) {
		const char *a = f->v[i];
		bool takes = false;
		for (size_t k = 0; k < KB_ELEMENTSOF(with_arg); k++)
			takes = takes || !strcmp(a, with_arg[k]);
		if (takes && i + 1 < f->n) {
			if (!strcmp(a, "--id"))
				*ret_id = f->v[i + 1];
			i++;
		} else if (!strncmp(a, "--id=", 5)) {
			*ret_id = a + 5;
		} else if (a[0] == '-' && a[1] == '-') {
			continue;
		} else if (!*ret_title) {
			*ret_title = a;
		}
	}
	if (!*ret_title)
		*ret_title = "";
}

/* "A>B>C" from the enclosing submenus' field and the last part. */
static int menu_path(const struct grub *g, bool ids, const char *last, char **ret)
{
	struct kb_buf b;
	kb_buf_init(&b, KB_PATH_MAX);
	int r = kb_buf_adds(&b, "");
	for (size_t d = 0; d < g->depth && r >= 0; d++) {
		const char *part = ids && g->level[d].id ? g->level[d].id : g->level[d].title;
		r = kb_buf_addf(&b, "%s>", part ? part : "");
	}
	if (r >= 0)
		r = kb_buf_adds(&b, last);
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(g->err, E2BIG, "menu titles nested too long");
	}
	*ret = kb_buf_steal(&b);
	return 0;
}

static void cur_clear(struct cur_entry *e)
{
	free(e->kernel);
	free(e->cmdline);
	free(e->device);
	for (size_t i = 0; i < e->n_initrds; i++)
		free(e->initrds[i]);
	*e = (struct cur_entry){ 0 };
}

static int add_entry(struct grub *g, const struct cur_entry *ce, const char *title, const char *id,
		     unsigned line)
{
	if (g->full)
		return 0;
	if (g->n_items >= KB_ENTRIES_PER_CONFIG_MAX) {
		kb_warn("%s: more than %d menu entries; the rest are ignored", g->file,
			KB_ENTRIES_PER_CONFIG_MAX);
		g->full = true;
		return 0;
	}
	_cleanup_free_ char *full_title = NULL, *grub_id = NULL;
	int r = menu_path(g, false, title, &full_title);
	if (r >= 0)
		r = menu_path(g, true, id ? id : title, &grub_id);
	if (r < 0)
		return r;
	char source[KB_PATH_MAX];
	snprintf(source, sizeof(source), "%s", g->file);
	bool is_linux = ce->kernel && !ce->legacy;
	struct kb_entry e = {
		.title = full_title,
		.kernel = ce->kernel,
		.n_initrds = is_linux ? ce->n_initrds : 0,
		.cmdline = is_linux && ce->cmdline ? ce->cmdline : (char *)"",
		.source = source,
		.grub_id = grub_id,
		.type = is_linux ? KB_ENTRY_LINUX : KB_ENTRY_LEGACY,
		.legacy_device = is_linux ? NULL : ce->device,
	};
	if (is_linux)
		memcpy(e.initrds, ce->initrds, sizeof(e.initrds));
	r = kb_entry_list_add(g->out, &e, g->err);
	if (r < 0)
		return r;
	r = record_item(g, g->out->n - 1, title, id);
	return r < 0 ? kb_error_set(g->err, -r, "%s:%u: out of memory", g->file, line) : 0;
}

static int run_menuentry(struct grub *g, struct cursor *c, bool run, unsigned line, bool submenu)
{
	const char *what = submenu ? "submenu" : "menuentry";
	struct fields f;
	/* a menuentry inside a menuentry is only defined when that one runs */
	bool go = run && !g->cur && !(submenu && g->depth >= GRUB_MENU_DEPTH_MAX);
	int r = command_words(g, c, go, true, &f);
	if (r < 0)
		return r;
	if (!go) {
		fields_free(&f);
		return block_body(g, c, false, line, what);
	}
	const char *title, *id;
	menu_args(&f, &title, &id);

	struct kb_grubenv saved;
	r = kb_grubenv_copy(&g->vars, &saved, g->err);
	if (r < 0) {
		fields_free(&f);
		return r;
	}
	if (submenu) {
		g->level[g->depth] = (struct comp){ g->counter[g->depth]++, (char *)title, (char *)id };
		g->depth++;
		g->counter[g->depth] = 0;
		r = block_body(g, c, true, line, what);
		g->depth--;
	} else {
		struct cur_entry ce = { 0 };
		g->cur = &ce;
		r = block_body(g, c, true, line, what);
		g->cur = NULL;
		if (r >= 0)
			r = add_entry(g, &ce, title, id, line);
		cur_clear(&ce);
	}
	/* what a menuentry body sets does not leak out */
	kb_grubenv_free(&g->vars);
	g->vars = saved;
	fields_free(&f);
	return r;
}

/* Out of line so that the 4 KiB of fields sit on the stack once, at the
 * innermost command, not in every run_list frame of a nested block. */
static __attribute__((noinline)) int simple_command(struct grub *g, struct cursor *c, bool run,
						    unsigned line, int *status)
{
	struct fields f;
	int r = command_words(g, c, run, false, &f);
	if (r >= 0 && run)
		r = run_command(g, f.v, f.n, line, status);
	if (r >= 0 && !run)
		*status = 0;
	fields_free(&f);
	return r;
}

static bool is_term(const struct tok *t, const char *const *terms)
{
	for (size_t i = 0; terms && terms[i]; i++)
		if (tok_is(t, terms[i]))
			return true;
	return false;
}

static int run_list(struct grub *g, struct cursor *c, bool run, const char *const *terms,
		    const char **ret_term, int *status)
{
	*ret_term = NULL;
	*status = 0;
	while (c->i < c->t->n) {
		const struct tok *t = &c->t->v[c->i];
		if (t->sep) {
			c->i++;
			continue;
		}
		if (is_term(t, terms)) {
			for (size_t k = 0; terms[k]; k++)
				if (tok_is(t, terms[k]))
					*ret_term = terms[k];
			c->i++;
			return 0;
		}
		unsigned line = t->line;
		int r;
		if (tok_is(t, "if")) {
			c->i++;
			r = run_if(g, c, run, line);
		} else if (tok_is(t, "for") || tok_is(t, "while") || tok_is(t, "until")) {
			c->i++;
			r = skip_loop(g, c, line, "loop");
		} else if (tok_is(t, "function")) {
			c->i += 2; /* the name */
			r = block_body(g, c, false, line, "function");
		} else if (tok_is(t, "menuentry") || tok_is(t, "submenu")) {
			bool sub = tok_is(t, "submenu");
			r = run_menuentry(g, c, run, line, sub);
		} else if (tok_is(t, "{")) {
			r = block_body(g, c, run, line, "block");
		} else if (tok_is(t, "}") || tok_is(t, "fi") || tok_is(t, "then") ||
			   tok_is(t, "else") || tok_is(t, "elif") || tok_is(t, "done") ||
			   tok_is(t, "do")) {
			r = kb_error_set(g->err, EINVAL, "%s:%u: unexpected '%.*s'", g->file, line,
					 (int)t->len, t->s);
		} else {
			r = simple_command(g, c, run, line, status);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int run_file(struct grub *g, const char *path)
{
	_cleanup_free_ char *text = NULL;
	int r = kb_fs_read(g->fs, path, &text, NULL, g->err);
	if (r < 0)
		return r;
	char name[KB_PATH_MAX];
	if (kb_fs_path(g->fs, path, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "%s", path);
	struct toks t;
	r = lex(name, text, KB_GRUB_TOKENS_MAX - g->tokens_alive, &t, g->err);
	if (r == -E2BIG && g->include_depth > 0) {
		/* a sourced file too big for what is left: the rest still counts */
		kb_warn("%s; not read", g->err ? g->err->text : name);
		return 0;
	}
	if (r < 0)
		return r;
	const char *outer = g->file;
	g->file = name;
	g->include_depth++;
	g->tokens_alive += t.n;
	struct cursor c = { &t, 0 };
	const char *term;
	int status;
	r = run_list(g, &c, true, NULL, &term, &status);
	g->tokens_alive -= t.n;
	g->include_depth--;
	g->file = outer;
	free(t.v);
	return r;
}

/* ---- default ------------------------------------------------------------ */

static bool comp_matches(const struct comp *c, const char *part)
{
	char *end;
	long n = strtol(part, &end, 10);
	if (*part && !*end)
		return n == c->index;
	return (c->title && !strcmp(c->title, part)) || (c->id && !strcmp(c->id, part));
}

static bool item_matches(const struct item *it, const char *spec)
{
	_cleanup_free_ char *copy = strdup(spec);
	if (!copy)
		return false;
	size_t d = 0;
	char *save = NULL;
	for (char *part = strtok_r(copy, ">", &save); part; part = strtok_r(NULL, ">", &save), d++)
		if (d > it->depth || !comp_matches(&it->c[d], part))
			return false;
	return d == it->depth + 1;
}

static void mark_default(struct grub *g)
{
	const char *spec = kb_grubenv_get(&g->vars, "default");
	if (spec && !strcmp(spec, "saved"))
		spec = kb_grubenv_get(&g->vars, "saved_entry");
	if (!spec || !*spec)
		spec = "0";
	for (size_t i = 0; i < g->n_items; i++) {
		if (item_matches(&g->items[i], spec)) {
			g->out->v[g->items[i].entry].is_default = true;
			return;
		}
	}
	/* GRUB falls back to the first entry */
	if (g->n_items)
		g->out->v[g->items[0].entry].is_default = true;
}

static void items_free(struct grub *g)
{
	for (size_t i = 0; i < g->n_items; i++)
		for (size_t d = 0; d <= g->items[i].depth; d++) {
			free(g->items[i].c[d].title);
			free(g->items[i].c[d].id);
		}
	free(g->items);
}

static int parse_cfg(const struct kb_fs *fs, const char *path, struct kb_entry_list *out,
		     kb_error *err)
{
	char dir[KB_PATH_MAX], env_path[KB_PATH_MAX + 16];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	snprintf(env_path, sizeof(env_path), "%s/grubenv", dir);
	const char *env_paths[] = { env_path };

	struct grub g = { .fs = fs, .out = out, .err = err };
	g.items = calloc(KB_ENTRIES_PER_CONFIG_MAX, sizeof(*g.items));
	if (!g.items)
		return kb_error_set(err, ENOMEM, "out of memory");
	kb_fs_load_grubenv(fs, env_paths, 1, &g.vars); /* load_env, before anything */
	const char *const preset[][2] = {
		{ "prefix", dir },	       { "config_directory", dir },
		{ "root", "" },		       { "grub_platform", "pc" },
		{ "grub_cpu", "i386" },	       { "feature_menuentry_id", "y" },
		{ "feature_all_video_module", "y" }, { "feature_timeout_style", "y" },
		{ "feature_default_font_path", "y" }, { "feature_platform_search_hint", "y" },
		{ "feature_200_final", "y" },  { "menuentry_id_option", "--id" },
	};
	int r = 0;
	for (size_t i = 0; i < KB_ELEMENTSOF(preset) && r >= 0; i++)
		r = kb_grubenv_set(&g.vars, preset[i][0], preset[i][1], err);
	size_t first = out->n;
	if (r >= 0)
		r = run_file(&g, path);
	if (r >= 0 && out->n > first)
		mark_default(&g);
	items_free(&g);
	kb_grubenv_free(&g.vars);
	return r;
}

int kb_parse_grub(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err)
{
	int r = 0;
	for (size_t i = 0; i < KB_ELEMENTSOF(grub_cfgs); i++) {
		r = parse_cfg(fs, grub_cfgs[i], out, err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	/* EFI/<vendor>/grub.cfg: usually a stub that hands over to /boot */
	for (size_t k = 0; k < KB_ELEMENTSOF(efi_dirs); k++) {
		char local[KB_PATH_MAX];
		if (!kb_fs_exists(fs, efi_dirs[k]) ||
		    kb_fs_local(fs, efi_dirs[k], local, sizeof(local)) < 0)
			continue;
		_cleanup_closedir_ DIR *d = opendir(local);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char path[KB_PATH_MAX];
			snprintf(path, sizeof(path), "%s/%.200s/grub.cfg", efi_dirs[k], de->d_name);
			r = parse_cfg(fs, path, out, err);
			if (r < 0 && r != -ENOENT)
				return r;
		}
		break; /* /EFI and /efi are one directory on FAT */
	}
	return 0;
}
