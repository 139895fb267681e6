/* Tab completion's candidates (see complete.h). */
#include "complete.h"
#include "boot.h"
#include "commands.h"
#include "subst.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/path.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

static int add(struct kbc_completions *c, const char *prefix, const char *name, const char *suffix)
{
	if (c->n >= KBC_COMPLETIONS_MAX)
		return 0;
	for (size_t i = 0; i < c->n; i++) /* a label and an entry may share a name */
		if (strncmp(c->v[i], prefix, strlen(prefix)) == 0 &&
		    strcmp(c->v[i] + strlen(prefix), name) == 0)
			return 0;
	char **v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->v = v;
	if (asprintf(&c->v[c->n], "%s%s%s", prefix, name, suffix) < 0)
		return -ENOMEM;
	c->n++;
	return 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Names in the directory that `word` is being typed in. */
static int complete_path(struct kbc_session *s, const char *word, struct kbc_completions *c)
{
	const char *slash = strrchr(word, '/');
	const char *colon = strchr(word, ':');
	char dir[KB_PATH_MAX];
	const char *base;
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - word + 1), word);
		base = slash + 1;
	} else if (colon) { /* "sda1:bo" */
		snprintf(dir, sizeof(dir), "%.*s", (int)(colon - word + 1), word);
		base = colon + 1;
	} else {
		dir[0] = '\0';
		base = word;
	}
	char local[KB_PATH_MAX];
	const char *dir_text = dir[0] ? dir : s->cwd;
	if (strcmp(dir_text, "//") == 0) /* kboot's own root */
		snprintf(local, sizeof(local), "/");
	else if (kb_path_to_local(dir_text, s->cwd, local, sizeof(local), NULL) < 0)
		return 0;
	_cleanup_closedir_ DIR *d = opendir(local);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.' && base[0] != '.')
			continue;
		if (!starts_with(de->d_name, base))
			continue;
		struct stat st;
		bool is_dir = fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
		int r = add(c, dir, de->d_name, is_dir ? "/" : "");
		if (r < 0)
			return r;
	}
	return 0;
}

static int complete_first_word(struct kbc_session *s, const char *word, struct kbc_completions *c)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < kbc_commands_count; i++)
		if (starts_with(kbc_commands[i].name, word))
			r = add(c, "", kbc_commands[i].name, "");
	for (size_t i = 0; r >= 0 && i < s->cfg.n_labels; i++)
		if (starts_with(s->cfg.labels[i].name, word))
			r = add(c, "", s->cfg.labels[i].name, "");
	if (r >= 0)
		r = complete_path(s, word, c);
	return r;
}

static int complete_entry(struct kbc_session *s, const char *word, struct kbc_completions *c)
{
	struct kb_entry_list l = { 0 };
	if (kbc_console_entries(s, &l, NULL) < 0)
		return 0;
	int r = 0;
	for (size_t i = 0; r >= 0 && i < l.n; i++)
		if (starts_with(l.v[i].id, word))
			r = add(c, "", l.v[i].id, "");
	kb_entry_list_free(&l);
	return r;
}

static int compare_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kbc_complete(struct kbc_session *s, const char *line, size_t *ret_start,
		struct kbc_completions *ret)
{
	size_t len = strlen(line), start = len;
	while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '\t')
		start--;
	size_t first = 0;
	while (line[first] == ' ' || line[first] == '\t')
		first++;
	const char *word = line + start;
	struct kbc_completions c = { 0 };
	int r;
	/* initrd=/boot/ini, if=//dev/…: complete the path after the '='. */
	const char *value = kbc_word_assigned_path(word);
	if (!value && strncmp(word, "initrd=", 7) == 0)
		value = word + 7;
	if (value) {
		start += (size_t)(value - word);
		word = value;
	}
	if (start == first) {
		r = complete_first_word(s, word, &c);
	} else if (strncmp(line + first, "boot ", 5) == 0 &&
		   strspn(line + first + 5, " \t") + first + 5 == start) {
		r = complete_entry(s, word, &c);
	} else {
		r = complete_path(s, word, &c);
	}
	if (r < 0) {
		kbc_completions_free(&c);
		return r;
	}
	if (c.n > 1) /* c.v is NULL when nothing matched */
		qsort(c.v, c.n, sizeof(*c.v), compare_words);
	*ret_start = start;
	*ret = c;
	return 0;
}

void kbc_completions_free(struct kbc_completions *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

size_t kbc_completions_common(const struct kbc_completions *c)
{
	if (c->n == 0)
		return 0;
	size_t n = strlen(c->v[0]);
	for (size_t i = 1; i < c->n; i++) {
		size_t k = 0;
		while (k < n && c->v[i][k] == c->v[0][k])
			k++;
		n = k;
	}
	return n;
}
