/* GRUB script evaluator: words into fields, statements run, as GRUB's
 * script/execute.c does. Variables are one environment shared by
 * functions (only $1… $# $@ $* are per call); $? is the last status. An
 * unquoted $var splits on blanks, a quoted one does not; unquoted `\c` is
 * c but `\xHH` reaches commands as written. Unknown commands are skipped
 * with $? 0, as GRUB does. Every loop round, call and command counts
 * against a named limit (grub.h). */
#include "grub.h"
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STATUS_TEXT_MAX = 16 };

void grub_argv_free(struct grub_argv *a)
{
	for (size_t i = 0; a && i < a->n; i++)
		free(a->v[i]);
	if (a)
		free(a->v);
	if (a)
		*a = (struct grub_argv){ 0 };
}

static int argv_push(struct grub_argv *a, char *s)
{
	if (!s)
		return -ENOMEM;
	if (a->n >= GRUB_ARGS_MAX) {
		free(s);
		return -E2BIG;
	}
	char **v = realloc(a->v, (a->n + 2) * sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	a->v = v;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

int grub_stop(struct grub_run *g, unsigned line, const char *what, int limit)
{
	if (!g->stopped)
		kb_warn("%s:%u: more than %d %s; the rest of the %s is not run", g->file, line,
			limit, what, g->steps_max == GRUB_STEPS_MAX ? "file" : "menu entry");
	g->stopped = true;
	return 0;
}

const char *grub_var(const struct grub_run *g, const char *name, char *tmp, size_t tmp_size)
{
	if (!strcmp(name, "?")) {
		snprintf(tmp, tmp_size, "%d", g->status);
		return tmp;
	}
	if (!strcmp(name, "#")) {
		snprintf(tmp, tmp_size, "%zu", g->params ? g->params->n : 0);
		return tmp;
	}
	if (isdigit((unsigned char)name[0])) {
		unsigned long k = strtoul(name, NULL, 10);
		if (k == 0 || !g->params || k > g->params->n)
			return "";
		return g->params->v[k - 1];
	}
	const char *v = kb_grubenv_get(&g->env, name);
	return v ? v : "";
}

int grub_setvar(struct grub_run *g, const char *name, const char *value)
{
	/* $1…, $#, $@, $* cannot be set; $? is ours */
	if (!*name || isdigit((unsigned char)name[0]) || strchr("#*@?", name[0]))
		return 0;
	/* GRUB's hook on root: "(hd0,gpt2)" is kept as "hd0,gpt2" */
	size_t len = strlen(value);
	_cleanup_free_ char *inner = !strcmp(name, "root") && len >= 2 && value[0] == '(' &&
						     value[len - 1] == ')' ?
					     strndup(value + 1, len - 2) :
					     NULL;
	kb_error e = { 0 };
	int r = kb_grubenv_set(&g->env, name, inner ? inner : value, &e);
	if (r == -ENOMEM)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	if (r < 0)
		kb_debug("%s: set %.40s: %s", g->file, name, e.text);
	return 0;
}

int grub_unescape_append(struct kb_buf *b, const char *s)
{
	int r = 0;
	while (*s && r >= 0) {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3])) {
			r = kb_buf_add(b, s, 4);
			s += 4;
		} else if (s[0] == '\\') {
			if (s[1])
				r = kb_buf_add(b, s + 1, 1);
			s += s[1] ? 2 : 1;
		} else {
			size_t l = strcspn(s, "\\");
			r = kb_buf_add(b, s, l);
			s += l;
		}
	}
	return r;
}

/* Building fields: the current one, and whether it exists yet ("" does). */
struct fields {
	struct grub_argv *out;
	struct kb_buf cur;
	bool have;
};

static int field_end(struct fields *f)
{
	if (!f->have)
		return 0;
	f->have = false;
	char *s = kb_buf_steal(&f->cur);
	kb_buf_init(&f->cur, GRUB_WORD_MAX);
	return argv_push(f->out, s);
}

static int field_add(struct fields *f, const char *s, size_t len)
{
	f->have = true;
	return kb_buf_add(&f->cur, s, len);
}

/* An unquoted value: blanks split it, the first piece joins what is before. */
static int add_split(struct fields *f, const char *v)
{
	int r = 0;
	bool first = true;
	while (*v && r >= 0) {
		while (isspace((unsigned char)*v))
			v++;
		if (!*v)
			break;
		size_t l = 0;
		while (v[l] && !isspace((unsigned char)v[l]))
			l++;
		if (!first)
			r = field_end(f);
		if (r >= 0)
			r = field_add(f, v, l);
		first = false;
		v += l;
	}
	return r;
}

static int add_var(struct grub_run *g, struct fields *f, const char *name, bool quoted)
{
	char tmp[STATUS_TEXT_MAX];
	if (!strcmp(name, "@") || !strcmp(name, "*")) {
		/* "$@" is one field per parameter, "$*" one field for all */
		int r = 0;
		bool join = quoted && name[0] == '*';
		for (size_t i = 0; g->params && i < g->params->n && r >= 0; i++) {
			if (i > 0)
				r = join ? field_add(f, " ", 1) : field_end(f);
			if (r >= 0)
				r = quoted ? field_add(f, g->params->v[i], strlen(g->params->v[i])) :
					     add_split(f, g->params->v[i]);
		}
		return r;
	}
	const char *v = grub_var(g, name, tmp, sizeof(tmp));
	if (quoted)
		return *v ? field_add(f, v, strlen(v)) : 0;
	return add_split(f, v);
}

/* $"…": variables expanded; \xHH kept, \\ and \$ resolved, other
 * backslashes kept (GRUB's parse_string). */
static int add_gettext(struct grub_run *g, struct fields *f, const char *s)
{
	int r = field_add(f, "", 0);
	while (*s && r >= 0) {
		if (s[0] == '\\' && (s[1] == '\\' || s[1] == '$')) {
			r = field_add(f, s + 1, 1);
			s += 2;
		} else if (s[0] == '$' && (s[1] == '{' || isalnum((unsigned char)s[1]) || s[1] == '_' ||
					   s[1] == '?' || s[1] == '#')) {
			const char *name = s + 1 + (s[1] == '{');
			size_t l = s[1] == '{' ? strcspn(name, "}") :
				   (s[1] == '?' || s[1] == '#') ? 1 :
				   isdigit((unsigned char)s[1]) ? strspn(name, "0123456789") :
								   strspn(name, "abcdefghijklmnopqrstuvwxyz"
										"ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
			if (s[1] == '{' && !name[l]) {
				r = field_add(f, s, strlen(s));
				break;
			}
			char key[KB_GRUBENV_NAME_MAX], tmp[STATUS_TEXT_MAX];
			snprintf(key, sizeof(key), "%.*s", (int)l, name);
			const char *v = grub_var(g, key, tmp, sizeof(tmp));
			r = field_add(f, v, strlen(v));
			s = name + l + (s[1] == '{');
		} else {
			r = field_add(f, s, 1);
			s++;
		}
	}
	return r;
}

int grub_expand(struct grub_run *g, const struct grub_word *words, size_t n, unsigned line,
		struct grub_argv *ret)
{
	struct grub_argv out = { 0 };
	struct fields f = { .out = &out };
	kb_buf_init(&f.cur, GRUB_WORD_MAX);
	int r = 0;
	for (size_t w = 0; w < n && r >= 0; w++) {
		for (size_t i = 0; i < words[w].n && r >= 0; i++) {
			const struct grub_part *p = &words[w].parts[i];
			switch (p->type) {
			case GRUB_PART_TEXT:
				f.have = f.have || *p->text;
				r = grub_unescape_append(&f.cur, p->text);
				break;
			case GRUB_PART_SQ:
			case GRUB_PART_DQ:
				r = field_add(&f, p->text, strlen(p->text));
				break;
			case GRUB_PART_VAR:
			case GRUB_PART_DQVAR:
				r = add_var(g, &f, p->text, p->type == GRUB_PART_DQVAR);
				break;
			case GRUB_PART_GETTEXT:
				r = add_gettext(g, &f, p->text);
				break;
			}
		}
		if (r >= 0)
			r = field_end(&f);
	}
	kb_buf_free(&f.cur);
	if (r < 0) {
		grub_argv_free(&out);
		if (r == -ENOMEM)
			return kb_error_set(g->err, ENOMEM, "out of memory");
		kb_warn("%s:%u: command longer than GRUB_WORD_MAX/GRUB_ARGS_MAX (%d bytes, %d words); "
			"skipped", g->file, line, GRUB_WORD_MAX, GRUB_ARGS_MAX);
		return -E2BIG;
	}
	*ret = out;
	return 0;
}

const struct grub_func *grub_func_find(const struct grub_run *g, const char *name)
{
	for (size_t i = 0; i < g->n_funcs; i++)
		if (!strcmp(g->funcs[i].name, name))
			return &g->funcs[i];
	return NULL;
}

static int define_function(struct grub_run *g, const struct grub_node *n)
{
	for (size_t i = 0; i < g->n_funcs; i++) {
		if (!strcmp(g->funcs[i].name, n->name)) {
			g->funcs[i].body = n->block;
			return 0;
		}
	}
	if (g->n_funcs >= GRUB_FUNCTIONS_MAX)
		return grub_stop(g, n->line, "functions", GRUB_FUNCTIONS_MAX);
	char *name = strdup(n->name);
	if (!name)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	g->funcs[g->n_funcs++] = (struct grub_func){ name, n->block };
	return 0;
}

static int copy_argv(char **argv, size_t argc, struct grub_argv *ret)
{
	*ret = (struct grub_argv){ 0 };
	for (size_t i = 0; i < argc; i++) {
		int r = argv_push(ret, strdup(argv[i]));
		if (r < 0) {
			grub_argv_free(ret);
			return r;
		}
	}
	return 0;
}

int grub_call(struct grub_run *g, const struct grub_node *body, char **argv, size_t argc)
{
	if (g->call_depth >= GRUB_CALL_DEPTH_MAX) {
		kb_debug("%s: functions nested more than %d deep: not called", g->file,
			 GRUB_CALL_DEPTH_MAX);
		g->status = 2;
		return 0;
	}
	struct grub_argv params;
	if (copy_argv(argv, argc, &params) < 0)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	struct grub_argv *outer = g->params;
	unsigned loops = g->active_loops;
	g->params = &params;
	g->active_loops = 0; /* break inside a function does not leave the caller's loop */
	g->call_depth++;
	int r = grub_run_list(g, body);
	g->call_depth--;
	g->returning = false;
	g->active_loops = loops;
	g->params = outer;
	grub_argv_free(&params);
	return r;
}

static int run_command(struct grub_run *g, const struct grub_node *n)
{
	struct grub_argv a;
	int r = grub_expand(g, n->words, n->n_words, n->line, &a);
	if (r == -E2BIG) {
		g->status = 2;
		return 0;
	}
	if (r < 0)
		return r;
	size_t at = 0;
	bool invert = a.n > 0 && !strcmp(a.v[0], "!");
	at = invert ? 1 : 0;
	int status = 0;
	if (a.n <= at) {
		g->status = invert ? 2 : 0;
		grub_argv_free(&a);
		return 0;
	}
	const char *name = a.v[at];
	const struct grub_builtin *b = grub_builtin_find(name);
	const struct grub_func *fn = b ? NULL : grub_func_find(g, name);
	const char *eq = strchr(name, '=');
	if (b) {
		r = b->run(g, a.v + at, a.n - at, n->block, n->line, &status);
	} else if (fn) {
		r = grub_call(g, fn->body, a.v + at + 1, a.n - at - 1);
		status = g->status;
	} else if (eq && eq != name) {
		_cleanup_free_ char *var = strndup(name, (size_t)(eq - name));
		r = var ? grub_setvar(g, var, eq + 1) : kb_error_set(g->err, ENOMEM, "out of memory");
		invert = false;
	} else {
		/* GRUB prints "can't find command" and the status is 0, even
		 * with '!' (grub-emu 2.06: `if nosuch` and `if ! nosuch` both
		 * take the then branch) */
		kb_debug("%s:%u: %s: not a command kboot knows; skipped", g->file, n->line, name);
		status = 0;
		invert = false;
	}
	grub_argv_free(&a);
	if (invert)
		status = status == 0 ? 1 : 0;
	g->status = status;
	return r;
}

static int run_node(struct grub_run *g, const struct grub_node *n);

static int run_loop(struct grub_run *g, const struct grub_node *n)
{
	struct grub_argv a = { 0 };
	if (n->type == GRUB_NODE_FOR) {
		int r = grub_expand(g, n->words, n->n_words, n->line, &a);
		if (r == -E2BIG)
			return 0;
		if (r < 0)
			return r;
	}
	g->active_loops++;
	int r = 0, status = 0;
	for (size_t i = 0; r >= 0 && !g->stopped && !g->returning; i++) {
		if (g->continuing && g->breaks == 1) {
			g->breaks = 0;
			g->continuing = false;
		}
		if (g->breaks)
			break;
		if (n->type == GRUB_NODE_FOR && i >= a.n)
			break;
		if (++g->iterations > g->iterations_max) {
			grub_stop(g, n->line, "loop rounds", (int)g->iterations_max);
			break;
		}
		if (n->type == GRUB_NODE_FOR) {
			r = grub_setvar(g, n->name, a.v[i]);
		} else {
			r = grub_run_list(g, n->cond);
			status = g->status;
			if (r < 0 || g->returning || g->stopped)
				break;
			if (n->type == GRUB_NODE_WHILE ? status != 0 : status == 0)
				break;
		}
		if (r >= 0)
			r = grub_run_list(g, n->block);
		status = g->status;
	}
	if (g->breaks)
		g->breaks--;
	if (!g->breaks)
		g->continuing = false;
	g->active_loops--;
	grub_argv_free(&a);
	g->status = status;
	return r;
}

static int run_node(struct grub_run *g, const struct grub_node *n)
{
	if (++g->steps > g->steps_max)
		return grub_stop(g, n->line, "commands run", (int)g->steps_max);
	switch (n->type) {
	case GRUB_NODE_CMD:
		return run_command(g, n);
	case GRUB_NODE_IF: {
		int r = grub_run_list(g, n->cond);
		if (r < 0 || g->returning || g->stopped)
			return r;
		if (g->status == 0)
			return grub_run_list(g, n->block);
		if (n->otherwise)
			return grub_run_list(g, n->otherwise);
		g->status = 0;
		return 0;
	}
	case GRUB_NODE_FOR:
	case GRUB_NODE_WHILE:
	case GRUB_NODE_UNTIL:
		return run_loop(g, n);
	case GRUB_NODE_FUNCTION:
		return define_function(g, n);
	}
	return 0;
}

int grub_run_list(struct grub_run *g, const struct grub_node *list)
{
	if (g->depth >= GRUB_RUN_DEPTH_MAX)
		return grub_stop(g, list ? list->line : 0, "levels of running blocks, calls and files",
				 GRUB_RUN_DEPTH_MAX);
	g->depth++;
	int r = 0;
	for (const struct grub_node *n = list; n && r >= 0; n = n->next) {
		if (g->breaks || g->stopped)
			break;
		r = run_node(g, n);
		if (g->returning)
			break;
	}
	g->depth--;
	return r;
}

static int keep_tree(struct grub_run *g, struct grub_node *tree)
{
	if (g->n_trees == g->cap_trees) {
		size_t cap = g->cap_trees ? g->cap_trees * 2 : 64;
		struct grub_node **v = realloc(g->trees, cap * sizeof(*v));
		if (!v) {
			grub_node_free(tree);
			return kb_error_set(g->err, ENOMEM, "out of memory");
		}
		g->trees = v;
		g->cap_trees = cap;
	}
	g->trees[g->n_trees++] = tree;
	return 0;
}

int grub_run_text(struct grub_run *g, const char *name, const char *text)
{
	struct grub_tokens t;
	int r = grub_lex(name, text, GRUB_TOKENS_MAX - g->tokens, &t, g->err);
	if (r < 0)
		return r;
	g->tokens += t.n;
	const char *outer = g->file;
	g->file = name;
	struct grub_parser p = { .toks = &t, .file = name };
	bool eof = false;
	while (r >= 0 && !eof && !g->stopped) {
		struct grub_node *chunk;
		r = grub_parse_chunk(&p, &chunk, &eof, g->err);
		if (r >= 0 && chunk)
			r = keep_tree(g, chunk);
		if (r >= 0 && chunk)
			r = grub_run_list(g, chunk);
		g->returning = false; /* return at the top of a file ends only that chunk */
	}
	g->file = outer;
	grub_tokens_free(&t);
	return r;
}

/* The file's generalized name, kept for the run (entries point at it). */
static int keep_file_name(struct grub_run *g, const char *path, const char **ret)
{
	_cleanup_free_ char *name = malloc(KB_PATH_MAX);
	if (!name)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	if (kb_fs_path(g->fs, path, name, KB_PATH_MAX) < 0)
		snprintf(name, KB_PATH_MAX, "%s", path);
	for (size_t i = 0; i < g->n_files; i++) {
		if (!strcmp(g->files[i], name)) {
			*ret = g->files[i];
			return 0;
		}
	}
	char **v = realloc(g->files, (g->n_files + 1) * sizeof(*v));
	if (!v)
		return kb_error_set(g->err, ENOMEM, "out of memory");
	g->files = v;
	g->files[g->n_files++] = TAKE_PTR(name);
	*ret = g->files[g->n_files - 1];
	return 0;
}

int grub_run_file(struct grub_run *g, const char *path)
{
	_cleanup_free_ char *text = NULL;
	int r = kb_fs_read(g->fs, path, &text, NULL, g->err);
	if (r < 0)
		return r;
	const char *name = NULL;
	r = keep_file_name(g, path, &name);
	if (r < 0)
		return r;
	g->include_depth++;
	r = grub_run_text(g, name, text);
	g->include_depth--;
	return r;
}
