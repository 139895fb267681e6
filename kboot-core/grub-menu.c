/* The menu as the script makes it: menuentry and submenu record items
 * (their bodies run later, see grub-menu-read.c), blscfg adds the BLS
 * entries, configfile runs a file in a new context with its own menu. */
#include "grub-menu.h"
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void grub_menu_free(struct grub_menu *m)
{
	for (size_t i = 0; m && i < m->n; i++) {
		struct grub_item *it = &m->v[i];
		free(it->title);
		free(it->id);
		grub_argv_free(&it->args);
		kb_entry_clear(&it->bls);
		grub_menu_free(it->menu);
		free(it->menu);
	}
	if (!m)
		return;
	free(m->v);
	kb_grubenv_free(&m->env);
	*m = (struct grub_menu){ 0 };
}

static int push_item(struct grub_run *g, struct grub_menu *m, struct grub_item *it, unsigned line)
{
	if (g->items >= GRUB_ITEMS_MAX) {
		if (g->items++ == GRUB_ITEMS_MAX)
			kb_warn("%s:%u: more than %d menu items; the rest are ignored", g->file, line,
				GRUB_ITEMS_MAX);
		return -E2BIG;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct grub_item *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return kb_error_set(g->err, ENOMEM, "out of memory");
		m->v = v;
		m->cap = cap;
	}
	g->items++;
	m->v[m->n++] = *it;
	return 0;
}

/* menuentry's options as GRUB reads them (commands/menuentry.c, which
 * accepts dashes): --class, --users, --hotkey, --source and --id take a
 * value (the next word, or --opt=value), --unrestricted none, "--" ends
 * them, and any other word with dashes is an ordinary argument: a title,
 * or $2…. --source with a block is two definitions: GRUB refuses it.
 * Checked with grub-emu 2.06. */
static const char *entry_options(char **argv, size_t argc, bool block, const char **ret_id,
				 char **pos, size_t *ret_n)
{
	static const char *const valued[] = { "--class", "--users", "--hotkey", "--source", "--id" };
	bool options = true, source = false;
	*ret_n = 0;
	*ret_id = NULL;
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && !strcmp(a, "--")) {
			options = false;
			continue;
		}
		bool known = options && !strcmp(a, "--unrestricted");
		for (size_t k = 0; k < KB_ELEMENTSOF(valued) && options && !known; k++) {
			size_t l = strlen(valued[k]);
			if (strncmp(a, valued[k], l) != 0 || (a[l] && a[l] != '='))
				continue;
			known = true;
			const char *v = a[l] == '=' ? a + l + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!v)
				return "an option lacks its value";
			if (k == 4)
				*ret_id = v;
			source = source || k == 3;
		}
		if (!known)
			pos[(*ret_n)++] = argv[i];
	}
	if (source && block)
		return "--source and a body: two definitions";
	return *ret_n ? NULL : "no title";
}

int grub_menu_add(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		  bool submenu, unsigned line, int *status)
{
	*status = 2;
	if (!g->menu)
		return 0; /* inside an entry being booted: no menu is being made */
	if (!block) {
		kb_debug("%s:%u: %s without a body", g->file, line, argv[0]);
		return 0;
	}
	_cleanup_free_ char **pos = calloc(argc + 1, sizeof(*pos));
	if (!pos)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	const char *id;
	size_t n;
	const char *bad = entry_options(argv, argc, block != NULL, &id, pos, &n);
	if (bad) {
		kb_warn("%s:%u: %s: %s; GRUB does not list it", g->file, line, argv[0], bad);
		return 0;
	}
	struct grub_item it = { .kind = submenu ? ITEM_SUBMENU : ITEM_ENTRY, .body = block,
				.file = g->file };
	it.title = strdup(pos[0]);
	it.id = strdup(id ? id : pos[0]);
	int r = it.title && it.id ? 0 : -ENOMEM;
	for (size_t i = 0; i < n && r >= 0; i++) {
		char **v = realloc(it.args.v, (i + 2) * sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			break;
		}
		it.args.v = v;
		v[i] = strdup(pos[i]);
		v[i + 1] = NULL;
		it.args.n = i + 1;
		if (!v[i])
			r = -ENOMEM;
	}
	if (r >= 0)
		r = push_item(g, g->menu, &it, line);
	if (r < 0) {
		free(it.title);
		free(it.id);
		grub_argv_free(&it.args);
		return r == -E2BIG ? 0 : kb_error_set(g->err, ENOMEM, "out of memory");
	}
	*status = 0;
	return 0;
}

int grub_menu_add_bls(struct grub_run *g, int *status)
{
	struct kb_entry_list l = { 0 };
	size_t added = 0;
	kb_error e = { 0 };
	int r = kb_bls_parse_vars(g->fs, &g->env, &l, &added, &e);
	if (r < 0) {
		kb_entry_list_free(&l);
		if (r == -ENOMEM)
			return kb_error_set(g->err, ENOMEM, "out of memory");
		kb_warn("%s: blscfg: %s", g->file, e.text);
		*status = 2;
		return 0;
	}
	for (size_t i = 0; i < l.n && r >= 0; i++) {
		struct grub_item it = { .kind = ITEM_BLS, .file = g->file, .bls = l.v[i] };
		l.v[i] = (struct kb_entry){ 0 };
		it.title = strdup(it.bls.title ? it.bls.title : "");
		it.id = strdup(it.bls.grub_id ? it.bls.grub_id : it.title ? it.title : "");
		r = it.title && it.id ? push_item(g, g->menu, &it, 0) : -ENOMEM;
		if (r < 0) {
			free(it.title);
			free(it.id);
			kb_entry_clear(&it.bls);
		}
	}
	kb_entry_list_free(&l);
	if (r == -ENOMEM)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	*status = 0;
	return 0;
}

int grub_menu_configfile(struct grub_run *g, const char *path, unsigned line)
{
	_cleanup_free_ struct grub_menu *m = calloc(1, sizeof(*m));
	if (!m)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	struct kb_grubenv outer_env = g->env;
	struct grub_menu *outer = g->menu;
	int r = kb_grubenv_copy(&outer_env, &g->env, g->err);
	if (r < 0) {
		g->env = outer_env;
		return r;
	}
	g->menu = m;
	r = grub_run_file(g, path);
	m->env = g->env;
	g->env = outer_env;
	g->menu = outer;
	struct grub_item it = { .kind = ITEM_MENU, .file = g->file, .menu = m };
	if (r >= 0 && outer && m->n && push_item(g, outer, &it, line) >= 0) {
		m = NULL; /* the outer menu holds it now */
		return 0;
	}
	grub_menu_free(m);
	return r;
}

