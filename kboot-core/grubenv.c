/* Reading GRUB's environment block into an ordered name/value table. */
#include "grubenv.h"
#include "buf.h"
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kb_grubenv_init(struct kb_grubenv *env)
{
	*env = (struct kb_grubenv){ 0 };
}

void kb_grubenv_free(struct kb_grubenv *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->n; i++) {
		free(env->v[i].name);
		free(env->v[i].value);
	}
	free(env->v);
	kb_grubenv_init(env);
}

static struct kb_grubenv_var *find(const struct kb_grubenv *env, const char *name)
{
	for (size_t i = 0; i < env->n; i++)
		if (strcmp(env->v[i].name, name) == 0)
			return &env->v[i];
	return NULL;
}

const char *kb_grubenv_get(const struct kb_grubenv *env, const char *name)
{
	const struct kb_grubenv_var *var = env ? find(env, name) : NULL;
	return var ? var->value : NULL;
}

int kb_grubenv_set(struct kb_grubenv *env, const char *name, const char *value, kb_error *err)
{
	if (!*name || strlen(name) >= KB_GRUBENV_NAME_MAX)
		return kb_error_set(err, EINVAL, "invalid variable name \"%.40s\"", name);
	struct kb_grubenv_var *var = find(env, name);
	if (var) {
		char *v = strdup(value);
		if (!v)
			return kb_error_set(err, ENOMEM, "out of memory");
		free(var->value);
		var->value = v;
		return 0;
	}
	if (env->n >= KB_GRUBENV_VARS_MAX)
		return kb_error_set(err, E2BIG, "more than %d variables", KB_GRUBENV_VARS_MAX);
	if (env->n == env->cap) {
		size_t cap = env->cap ? env->cap * 2 : 16;
		struct kb_grubenv_var *v = realloc(env->v, cap * sizeof(*v));
		if (!v)
			return kb_error_set(err, ENOMEM, "out of memory");
		env->v = v;
		env->cap = cap;
	}
	_cleanup_free_ char *n = strdup(name);
	_cleanup_free_ char *v = strdup(value);
	if (!n || !v)
		return kb_error_set(err, ENOMEM, "out of memory");
	env->v[env->n++] = (struct kb_grubenv_var){ TAKE_PTR(n), TAKE_PTR(v) };
	return 0;
}

void kb_grubenv_unset(struct kb_grubenv *env, const char *name)
{
	struct kb_grubenv_var *var = find(env, name);
	if (!var)
		return;
	free(var->name);
	free(var->value);
	size_t i = (size_t)(var - env->v);
	memmove(&env->v[i], &env->v[i + 1], (env->n - i - 1) * sizeof(*var));
	env->n--;
}

int kb_grubenv_copy(const struct kb_grubenv *src, struct kb_grubenv *ret, kb_error *err)
{
	struct kb_grubenv env;
	kb_grubenv_init(&env);
	for (size_t i = 0; i < src->n; i++) {
		int r = kb_grubenv_set(&env, src->v[i].name, src->v[i].value, err);
		if (r < 0) {
			kb_grubenv_free(&env);
			return r;
		}
	}
	env.block_size = src->block_size;
	*ret = env;
	return 0;
}

/* One line "name=value" (escapes already removed) into env. */
static int add_line(struct kb_grubenv *env, const char *line, kb_error *err)
{
	const char *eq = strchr(line, '=');
	if (!eq || eq == line)
		return 0; /* GRUB skips what is not name=value */
	_cleanup_free_ char *name = strndup(line, (size_t)(eq - line));
	if (!name)
		return kb_error_set(err, ENOMEM, "out of memory");
	return kb_grubenv_set(env, name, eq + 1, err);
}

int kb_grubenv_parse(const char *data, size_t len, struct kb_grubenv *ret, kb_error *err)
{
	size_t sig = strlen(KB_GRUBENV_SIGNATURE);
	if (len < sig || memcmp(data, KB_GRUBENV_SIGNATURE, sig) != 0)
		return kb_error_set(err, EINVAL, "not a GRUB environment block (no signature)");
	if (len > KB_GRUBENV_SIZE_MAX)
		return kb_error_set(err, EFBIG, "GRUB environment block larger than %d bytes",
				    KB_GRUBENV_SIZE_MAX);

	struct kb_grubenv env;
	kb_grubenv_init(&env);
	env.block_size = len;
	struct kb_buf line;
	kb_buf_init(&line, KB_GRUBENV_SIZE_MAX);
	int r = 0;
	for (size_t i = sig; i <= len && r >= 0; i++) {
		char c = i < len ? data[i] : '\n';
		if (line.len == 0 && c == '#') {
			/* padding or a comment: up to the end of the line */
			while (i < len && data[i] != '\n')
				i++;
			continue;
		}
		if (c == '\n' || c == '\0') {
			if (line.len)
				r = add_line(&env, line.data, err);
			kb_buf_reset(&line);
			continue;
		}
		if (c == '\\' && i + 1 < len)
			c = data[++i];
		if (kb_buf_add(&line, &c, 1) < 0)
			r = kb_error_set(err, ENOMEM, "out of memory");
	}
	kb_buf_free(&line);
	if (r < 0) {
		kb_grubenv_free(&env);
		return r;
	}
	*ret = env;
	return 0;
}

int kb_grubenv_load(const char *path, struct kb_grubenv *ret, kb_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = kb_read_file(path, KB_GRUBENV_SIZE_MAX, &text, &len);
	if (r == -EFBIG)
		return kb_error_set(err, EFBIG, "%s: larger than %d bytes", path, KB_GRUBENV_SIZE_MAX);
	if (r < 0)
		return kb_error_set(err, -r, "%s: %s", path, strerror(-r));
	r = kb_grubenv_parse(text, len, ret, err);
	if (r < 0)
		return kb_error_prefix(err, "%s: ", path);
	return 0;
}
