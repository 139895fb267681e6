/* The menu GRUB shows from a grub.cfg, entry for entry. Running the file
 * only recorded menuentry/submenu items; their bodies run now, with the
 * variables as the whole file left them (GRUB runs a body when it is
 * chosen), each on its own copy and budget. A submenu's body runs in a new
 * context and makes a menu of its own. Every entry is its own kboot entry,
 * in GRUB's order; one GRUB cannot boot is listed broken, with the reason.
 * The default is picked as normal/menu.c picks it: by number, id or title,
 * a>b through submenus, then fallback when the default is broken. */
#include "grub-menu.h"
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct readout {
	struct grub_run *g;
	struct kb_entry_list *out;
	size_t first; /* where this grub.cfg's entries start in out */
	bool full;
	const struct grub_item *path[GRUB_SUBMENU_DEPTH_MAX];
	size_t depth;
};

/* GRUB's menuentry_eq: name matches spec up to its end or a single '>';
 * ">>" in spec is a '>' of the name. */
static bool name_matches(const char *name, const char *spec)
{
	for (;;) {
		if (spec[0] == '>' && spec[1] != '>')
			return *name == '\0';
		if (spec[0] == '>')
			spec++;
		if (*name != *spec)
			return false;
		if (!*name)
			return true;
		name++;
		spec++;
	}
}

/* What follows the first single '>' of a default, for the submenu. */
static const char *after_first_step(const char *spec)
{
	for (const char *p = spec; p && *p; p++) {
		if (p[0] == '>' && p[1] == '>')
			p++;
		else if (p[0] == '>')
			return p[1] ? p + 1 : NULL;
	}
	return NULL;
}

/* The position a default names in a menu, or -1. A number (C syntax, as
 * strtoul reads it) up to the end, a blank or a '>' is a position: GRUB
 * 2.06 boots "1>1" as the second entry of the second submenu (checked with
 * grub-emu). Anything else is an id, then a title (Red Hat's GRUB looks at
 * ids first, so that a BLS id starting with digits is not read as a number). */
static long entry_number(const struct grub_menu *m, const size_t *items, size_t n, const char *spec)
{
	if (!spec || !*spec)
		return -1;
	char *end;
	unsigned long v = strtoul(spec, &end, 0);
	if (isdigit((unsigned char)*spec) && (!*end || *end == '>' || isspace((unsigned char)*end)))
		return v < n ? (long)v : -1;
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < n; k++)
			if (name_matches(pass ? m->v[items[k]].title : m->v[items[k]].id, spec))
				return (long)k;
	return -1;
}

static int join_path(const struct readout *ro, const struct grub_item *it, bool ids, char **ret)
{
	struct kb_buf b;
	kb_buf_init(&b, KB_PATH_MAX);
	int r = kb_buf_adds(&b, "");
	for (size_t d = 0; d <= ro->depth && r >= 0; d++) {
		const struct grub_item *p = d < ro->depth ? ro->path[d] : it;
		const char *s = ids ? p->id : p->title;
		if (d > 0)
			r = kb_buf_adds(&b, ">");
		/* in an id path a '>' of the name is written ">>", as GRUB reads it */
		for (; *s && r >= 0; s++)
			r = ids && *s == '>' ? kb_buf_adds(&b, ">>") : kb_buf_add(&b, s, 1);
	}
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(ro->g->err, E2BIG, "menu titles nested too long");
	}
	*ret = kb_buf_steal(&b);
	return *ret ? 0 : kb_error_set(ro->g->err, ENOMEM, "out of memory");
}

/* Run a body (an entry's or a submenu's) the way GRUB runs it when chosen:
 * on a copy of the menu's variables, $1… from the item, its own budget. */
struct saved {
	struct kb_grubenv env;
	struct grub_argv *params;
	struct grub_menu *menu;
	struct grub_boot *boot;
	const char *file;
	unsigned steps, steps_max, iterations, iterations_max;
	size_t n_loops;
	bool stopped;
};

static int body_enter(struct grub_run *g, const struct kb_grubenv *env, struct grub_argv *params,
		      const char *file, struct saved *s)
{
	*s = (struct saved){ g->env,	   g->params,	   g->menu,	      g->boot,
			     g->file,	   g->steps,	   g->steps_max,      g->iterations,
			     g->iterations_max, g->n_loops, g->stopped };
	int r = kb_grubenv_copy(env, &g->env, g->err);
	if (r < 0) {
		g->env = s->env;
		return r;
	}
	g->params = params;
	g->file = file;
	g->steps = g->iterations = 0;
	g->steps_max = GRUB_BODY_STEPS_MAX;
	g->iterations_max = GRUB_BODY_ITERATIONS_MAX;
	g->stopped = false;
	g->status = 0;
	return 0;
}

/* Back to the state before the body; the body's variables are handed out. */
static void body_leave(struct grub_run *g, struct saved *s, struct kb_grubenv *ret_env)
{
	if (ret_env)
		*ret_env = g->env;
	else
		kb_grubenv_free(&g->env);
	while (g->n_loops > s->n_loops)
		free(g->loops[--g->n_loops]);
	g->env = s->env;
	g->params = s->params;
	g->menu = s->menu;
	g->boot = s->boot;
	g->file = s->file;
	g->steps = s->steps;
	g->steps_max = s->steps_max;
	g->iterations = s->iterations;
	g->iterations_max = s->iterations_max;
	g->stopped = s->stopped;
	g->breaks = 0;
	g->continuing = g->returning = false;
}

void grub_boot_clear(struct grub_boot *b)
{
	free(b->kernel);
	free(b->cmdline);
	free(b->device);
	free(b->broken);
	for (size_t i = 0; i < b->n_initrds; i++)
		free(b->initrds[i]);
	*b = (struct grub_boot){ 0 };
}

/* Append e with an id no other entry of this menu has: two entries that
 * boot the same are both GRUB's entries, and both stay. */
static int add_unique(struct readout *ro, struct kb_entry *e, long *ret)
{
	kb_entry_compute_id(e);
	for (unsigned nth = 1;; nth++) {
		bool taken = false;
		for (size_t i = ro->first; i < ro->out->n && !taken; i++)
			taken = !strcmp(ro->out->v[i].id, e->id);
		if (!taken)
			break;
		kb_entry_compute_id_nth(e, nth);
	}
	int r = kb_entry_list_add(ro->out, e, ro->g->err);
	if (r < 0)
		return r;
	*ret = (long)ro->out->n - 1;
	return 0;
}

static bool room(struct readout *ro, const struct grub_item *it)
{
	if (!ro->full && ro->out->n - ro->first >= GRUB_ENTRIES_MAX) {
		kb_warn("%s: more than %d menu entries; the rest are ignored", it->file,
			GRUB_ENTRIES_MAX);
		ro->full = true;
	}
	return !ro->full;
}

static int read_entry(struct readout *ro, const struct grub_menu *m, struct grub_item *it,
		      long *ret)
{
	struct grub_run *g = ro->g;
	*ret = -1;
	if (!room(ro, it))
		return 0;
	struct grub_boot boot = { 0 };
	struct saved s;
	_cleanup_free_ char *title = NULL, *grub_id = NULL;
	int r = join_path(ro, it, false, &title);
	if (r >= 0)
		r = join_path(ro, it, true, &grub_id);
	if (r >= 0)
		r = body_enter(g, &m->env, &it->args, it->file, &s);
	if (r < 0)
		return r;
	g->menu = NULL;
	g->boot = &boot;
	r = grub_setvar(g, "chosen", grub_id); /* what savedefault saves */
	if (r >= 0)
		r = grub_run_list(g, it->body);
	body_leave(g, &s, NULL);
	if (r >= 0 && !boot.broken && !boot.kernel && !boot.legacy)
		boot.broken = strdup("it loads no kernel (no linux command ran)");
	bool is_linux = boot.kernel && !boot.legacy && !boot.broken;
	struct kb_entry e = {
		.title = title,
		.kernel = boot.broken ? NULL : boot.kernel,
		.n_initrds = is_linux ? boot.n_initrds : 0,
		.cmdline = is_linux && boot.cmdline ? boot.cmdline : (char *)"",
		.source = (char *)it->file,
		.grub_id = grub_id,
		.type = boot.legacy && !boot.broken ? KB_ENTRY_LEGACY : KB_ENTRY_LINUX,
		.legacy_device = is_linux || boot.broken ? NULL : boot.device,
		.broken = boot.broken,
	};
	if (is_linux)
		memcpy(e.initrds, boot.initrds, sizeof(e.initrds));
	if (r >= 0)
		r = add_unique(ro, &e, ret);
	grub_boot_clear(&boot);
	return r;
}

static int read_menu(struct readout *ro, struct grub_menu *m, long **ret_items, size_t *ret_n,
		     long *ret_default);

static int read_submenu(struct readout *ro, const struct grub_menu *m, struct grub_item *it,
			long *ret)
{
	struct grub_run *g = ro->g;
	*ret = -1;
	if (ro->depth >= GRUB_SUBMENU_DEPTH_MAX) {
		kb_warn("%s: submenus nested more than %d deep; \"%s\" is skipped", it->file,
			GRUB_SUBMENU_DEPTH_MAX, it->title);
		return 0;
	}
	struct grub_menu sub = { 0 };
	struct saved s;
	int r = body_enter(g, &m->env, &it->args, it->file, &s);
	if (r < 0)
		return r;
	/* GRUB hands the submenu what follows the first '>' of default */
	const char *rest = after_first_step(kb_grubenv_get(&m->env, "default"));
	if (rest)
		r = grub_setvar(g, "default", rest);
	_cleanup_free_ char *chosen = NULL;
	if (r >= 0)
		r = join_path(ro, it, true, &chosen);
	if (r >= 0)
		r = grub_setvar(g, "chosen", chosen);
	g->menu = &sub;
	g->boot = NULL;
	if (r >= 0)
		r = grub_run_list(g, it->body);
	body_leave(g, &s, &sub.env);
	ro->path[ro->depth++] = it;
	if (r >= 0)
		r = read_menu(ro, &sub, NULL, NULL, ret);
	ro->depth--;
	grub_menu_free(&sub);
	return r;
}

static int read_item(struct readout *ro, struct grub_menu *m, struct grub_item *it, long *ret,
		     long *shown)
{
	*ret = -1;
	switch (it->kind) {
	case ITEM_ENTRY:
		return read_entry(ro, m, it, ret);
	case ITEM_SUBMENU:
		return read_submenu(ro, m, it, ret);
	case ITEM_BLS:
		return room(ro, it) ? add_unique(ro, &it->bls, ret) : 0;
	case ITEM_MENU: {
		/* a configfile's menu: GRUB shows it (and boots its default) first */
		size_t depth = ro->depth;
		long d;
		ro->depth = 0;
		int r = read_menu(ro, it->menu, NULL, NULL, &d);
		ro->depth = depth;
		if (*shown < 0)
			*shown = d;
		return r;
	}
	}
	return 0;
}

static int read_menu(struct readout *ro, struct grub_menu *m, long **ret_items, size_t *ret_n,
		     long *ret_default)
{
	_cleanup_free_ long *outs = calloc(m->n + 1, sizeof(*outs));
	_cleanup_free_ size_t *items = calloc(m->n + 1, sizeof(*items));
	if (!outs || !items)
		return kb_error_set(ro->g->err, ENOMEM, "out of memory");
	size_t n = 0;
	long shown = -1;
	int r = 0;
	for (size_t i = 0; i < m->n && r >= 0; i++) {
		long out = -1;
		r = read_item(ro, m, &m->v[i], &out, &shown);
		if (m->v[i].kind != ITEM_MENU) {
			outs[n] = out;
			items[n++] = i;
		}
	}
	if (r < 0)
		return r;
	long k = entry_number(m, items, n, kb_grubenv_get(&m->env, "default"));
	*ret_default = shown >= 0 ? shown : n ? outs[k >= 0 ? k : 0] : -1;
	if (ret_items) { /* the caller maps fallback positions with it */
		*ret_items = TAKE_PTR(outs);
		*ret_n = n;
	}
	return 0;
}

/* GRUB tries the fallback entries when the default fails: a broken
 * default gives way to the first fallback that is not broken. */
static void mark_default(struct readout *ro, struct grub_menu *top, const long *outs, size_t n,
			 long d)
{
	struct kb_entry_list *l = ro->out;
	const char *fallback = kb_grubenv_get(&top->env, "fallback");
	if (d >= 0 && l->v[d].broken && fallback && outs) {
		_cleanup_free_ size_t *items = calloc(top->n + 1, sizeof(*items));
		_cleanup_free_ char *list = strdup(fallback);
		size_t k = 0;
		for (size_t i = 0; items && i < top->n; i++)
			if (top->v[i].kind != ITEM_MENU)
				items[k++] = i;
		char *save = NULL;
		for (char *w = list && items ? strtok_r(list, " \t", &save) : NULL; w;
		     w = strtok_r(NULL, " \t", &save)) {
			long p = entry_number(top, items, k < n ? k : n, w);
			if (p >= 0 && outs[p] >= 0 && !l->v[outs[p]].broken) {
				d = outs[p];
				break;
			}
		}
	}
	if (d >= 0 && l->v[d].broken)
		kb_warn("%s: GRUB's default entry \"%s\" cannot be booted: %s", l->v[d].source,
			l->v[d].title, l->v[d].broken);
	if (d >= 0)
		l->v[d].is_default = true;
}

int grub_menu_read(const struct kb_fs *fs, const char *path, struct kb_entry_list *out,
		   kb_error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return kb_error_set(err, ENOMEM, "out of memory");
	*strrchr(dir, '/') = '\0';
	struct grub_menu top = { 0 };
	_cleanup_free_ struct grub_run *g = calloc(1, sizeof(*g));
	if (!g)
		return kb_error_set(err, ENOMEM, "out of memory");
	*g = (struct grub_run){ .fs = fs, .err = err, .menu = &top, .steps_max = GRUB_STEPS_MAX,
				.iterations_max = GRUB_LOOP_ITERATIONS_MAX };
	/* what GRUB has set before it reads grub.cfg: a BIOS GRUB 2.06, or an
	 * EFI one for a grub.cfg on an ESP */
	bool efi = strstr(path, "/EFI/") || strstr(path, "/efi/");
	const char *const preset[][2] = {
		{ "prefix", dir },		      { "config_directory", dir },
		{ "cmdpath", dir },		      { "grub_platform", efi ? "efi" : "pc" },
		{ "grub_cpu", efi ? "x86_64" : "i386" }, { "feature_menuentry_id", "y" },
		{ "feature_all_video_module", "y" }, { "feature_timeout_style", "y" },
		{ "feature_default_font_path", "y" }, { "feature_platform_search_hint", "y" },
		{ "feature_200_final", "y" },	      { "menuentry_id_option", "--id" },
	};
	int r = 0;
	for (size_t i = 0; i < KB_ELEMENTSOF(preset) && r >= 0; i++)
		r = grub_setvar(g, preset[i][0], preset[i][1]);
	if (r >= 0)
		r = grub_run_file(g, path);
	struct readout ro = { .g = g, .out = out, .first = out->n };
	_cleanup_free_ long *outs = NULL;
	size_t n_outs = 0;
	long d = -1;
	if (r >= 0) {
		top.env = g->env;
		g->env = (struct kb_grubenv){ 0 };
		r = read_menu(&ro, &top, &outs, &n_outs, &d);
	}
	if (r >= 0)
		mark_default(&ro, &top, outs, n_outs, d);
	grub_menu_free(&top);
	kb_grubenv_free(&g->env);
	for (size_t i = 0; i < g->n_funcs; i++)
		free(g->funcs[i].name);
	for (size_t i = 0; i < g->n_trees; i++)
		grub_node_free(g->trees[i]);
	free(g->trees);
	for (size_t i = 0; i < g->n_loops; i++)
		free(g->loops[i]);
	for (size_t i = 0; i < g->n_files; i++)
		free(g->files[i]);
	free(g->files);
	return r;
}
