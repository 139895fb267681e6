/* Path name substitution for shell commands (see subst.h). */
#include "subst.h"
#include "kboot-core/buf.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/env.h"
#include "kboot-core/path.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a word is comes from the core's one scheme table (kb_path_kind_of),
 * so the prompt never reads a path otherwise than a boot does. */
static bool kind_is(const char *text, enum kb_path_kind kind)
{
	enum kb_path_kind k;
	return kb_path_kind_of(text, &k) == 0 && k == kind;
}

bool kbc_is_device_file(const char *text)
{
	return kind_is(text, KB_PATH_DEVICE_FILE);
}

bool kbc_word_is_path(const char *text)
{
	if (!text || !*text || text[0] == '-')
		return false;
	if (text[0] == '/')
		return true;
	enum kb_path_kind k;
	return kb_path_kind_of(text, &k) == 0 &&
	       (k == KB_PATH_URL || k == KB_PATH_DEVICE_FILE || k == KB_PATH_NFS);
}

const char *kbc_word_assigned_path(const char *text)
{
	enum kb_path_kind k;
	if (!text || !(isalpha((unsigned char)text[0]) || text[0] == '_') ||
	    (kb_path_kind_of(text, &k) == 0 && (k == KB_PATH_DEVICE || k == KB_PATH_DEVICE_FILE)))
		return NULL; /* UUID=x:/boot is a path, not x assigned */
	const char *p = text;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (*p != '=' || !kbc_word_is_path(p + 1))
		return NULL;
	return p + 1;
}

/* Where a not-yet-existing file would be: its directory's local name + its base name. */
static int subst_through_parent(const char *text, const char *cwd, char *ret, size_t size,
				kb_error *err)
{
	const char *slash = strrchr(text, '/');
	if (!slash || !slash[1])
		return -ENOENT;
	char dir[KB_PATH_MAX];
	size_t n = (size_t)(slash - text);
	if (n + 2 > sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, text, n);
	/* keep the root itself: "/x" -> "/", "//x" -> "//", "sda1:/x" -> "sda1:/" */
	if (n == 0 || text[n - 1] == '/' || text[n - 1] == ':')
		dir[n++] = '/';
	dir[n] = '\0';
	char local[KB_PATH_MAX];
	int r = kb_path_to_local(dir, cwd, local, sizeof(local), err);
	if (r < 0)
		return r;
	size_t l = strlen(local);
	bool sep = l > 0 && local[l - 1] != '/';
	if ((size_t)snprintf(ret, size, "%s%s%s", local, sep ? "/" : "", slash + 1) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: name too long", text);
	return 0;
}

int kbc_subst_path(const char *text, const char *cwd, bool inside_target, char *ret, size_t size,
		  kb_error *err)
{
	_cleanup_free_ struct kb_path *p = malloc(sizeof(*p));
	if (!p)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = kb_path_parse(text, cwd, p, err);
	if (r < 0)
		return r;
	if (inside_target && p->kind == KB_PATH_TARGET) {
		if ((size_t)snprintf(ret, size, "%s", p->path) >= size)
			return kb_error_set(err, ENAMETOOLONG, "%s: name too long", text);
		return 0;
	}
	char local[KB_PATH_MAX];
	kb_error e = { 0 };
	r = kb_path_resolve(p, local, sizeof(local), &e);
	if (r == -ENOENT && p->kind != KB_PATH_URL && p->kind != KB_PATH_DEVICE) {
		kb_error e2 = { 0 };
		if (subst_through_parent(text, cwd, local, sizeof(local), &e2) == 0)
			r = 0;
	}
	if (r < 0) {
		if (err)
			*err = e;
		return r;
	}
	if (inside_target) {
		const char *root = kb_env()->target_root;
		size_t n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			n--;
		if (strncmp(local, root, n) != 0 || (local[n] != '/' && local[n] != '\0'))
			return kb_error_set(err, EXDEV,
					    "%s: not visible inside the target system, where this "
					    "command runs",
					    text);
		snprintf(ret, size, "%s", local[n] ? local + n : "/");
		return 0;
	}
	if ((size_t)snprintf(ret, size, "%s", local) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: name too long", text);
	return 0;
}

int kbc_shell_quote(struct kb_buf *b, const char *text)
{
	int r = kb_buf_adds(b, "'");
	for (const char *p = text; r >= 0 && *p; p++)
		r = *p == '\'' ? kb_buf_adds(b, "'\\''") : kb_buf_add(b, p, 1);
	if (r >= 0)
		r = kb_buf_adds(b, "'");
	return r;
}

/* The same, but glob characters stay live, so ls on //etc with a * pattern still globs. */
int kbc_shell_quote_glob(struct kb_buf *b, const char *text)
{
	int r = 0;
	while (r >= 0 && *text) {
		size_t n = strcspn(text, "*?[]");
		if (n) {
			_cleanup_free_ char *part = strndup(text, n);
			r = part ? kbc_shell_quote(b, part) : -ENOMEM;
		}
		text += n;
		size_t g = strspn(text, "*?[]");
		if (r >= 0 && g)
			r = kb_buf_add(b, text, g);
		text += g;
	}
	return r;
}

/* The substituted text of one word, or NULL when it stays as typed. */
static int subst_word(const struct kb_word *word, const char *cwd,
		      bool inside_target, char **ret, kb_error *err)
{
	*ret = NULL;
	if (word->op || word->literal)
		return 0;
	/* /dev/null, /dev/ttyS0, /dev/sda: kboot's own device nodes (the
	 * target's /dev is not populated); "/dev/sda6:/p" is a device file. */
	if (strncmp(word->text, "/dev/", 5) == 0 && !strchr(word->text, ':'))
		return 0;
	const char *path = kbc_word_is_path(word->text) ? word->text : NULL;
	const char *value = path ? NULL : kbc_word_assigned_path(word->text);
	if (!path && !value)
		return 0;
	char local[KB_PATH_MAX];
	int r = kbc_subst_path(path ? path : value, cwd, inside_target, local, sizeof(local), err);
	if (r < 0)
		return r;
	if (path)
		*ret = strdup(local);
	else if (asprintf(ret, "%.*s%s", (int)(value - word->text), word->text, local) < 0)
		*ret = NULL;
	return *ret ? 0 : kb_error_set(err, ENOMEM, "out of memory");
}

int kbc_subst_line(const char *line, const struct kb_words *w, const char *cwd, bool inside_target,
		  char **ret, kb_error *err)
{
	struct kb_buf b;
	kb_buf_init(&b, KB_WORDS_TEXT_MAX * 4);
	size_t at = 0;
	int r = kb_buf_adds(&b, "");
	for (size_t i = 0; r >= 0 && i < w->n; i++) {
		_cleanup_free_ char *local = NULL;
		int s = subst_word(&w->v[i], cwd, inside_target, &local, err);
		if (s < 0) {
			kb_buf_free(&b);
			return s; /* err says which word */
		}
		if (!local)
			continue;
		r = kb_buf_add(&b, line + at, w->v[i].start - at);
		if (r >= 0)
			r = w->v[i].quoted ? kbc_shell_quote(&b, local) : kbc_shell_quote_glob(&b, local);
		at = w->v[i].end;
	}
	if (r >= 0)
		r = kb_buf_adds(&b, line + at);
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(err, -r, "%s",
				    r == -E2BIG ? "the line is too long after substitution"
						: "out of memory");
	}
	*ret = kb_buf_steal(&b);
	return *ret ? 0 : kb_error_set(err, ENOMEM, "out of memory");
}

void kbc_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

int kbc_subst_argv(const struct kb_words *w, const char *cwd, bool inside_target, char ***ret,
		  kb_error *err)
{
	char **argv = calloc(w->n + 1, sizeof(*argv));
	if (!argv)
		return kb_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < w->n; i++) {
		char *local = NULL;
		int r = subst_word(&w->v[i], cwd, inside_target, &local, err);
		if (r >= 0 && !local && !(local = strdup(w->v[i].text)))
			r = kb_error_set(err, ENOMEM, "out of memory");
		if (r < 0) {
			kbc_argv_free(argv);
			return r;
		}
		argv[i] = local;
	}
	*ret = argv;
	return 0;
}
