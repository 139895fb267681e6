/* Boot lines: shell-like word splitting, and kernel/initrds/command line. */
#include "bootline.h"
#include "buf.h"
#include "cleanup.h"
#include "words.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void kb_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static void strv_freep(char ***v)
{
	kb_strv_free(*v);
}

int kb_bootline_split(const char *text, char ***ret_argv, kb_error *err)
{
	_cleanup_(kb_words_free) struct kb_words w = { 0 };
	int r = kb_words_split(text, 0, &w, err);
	if (r < 0)
		return r;
	_cleanup_(strv_freep) char **argv = calloc(w.n + 1, sizeof(char *));
	if (!argv)
		return kb_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < w.n; i++)
		argv[i] = TAKE_PTR(w.v[i].text);
	*ret_argv = TAKE_PTR(argv);
	return (int)w.n;
}

int kb_bootline_join(char *const *words, size_t n, char **ret, kb_error *err)
{
	struct kb_buf b;
	kb_buf_init(&b, KB_CMDLINE_MAX);
	int r = kb_buf_adds(&b, "");
	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *w = words[i];
		if (i > 0)
			r = kb_buf_adds(&b, " ");
		if (r >= 0 && !w[strcspn(w, " \t\n")]) {
			r = kb_buf_adds(&b, w);
			continue;
		}
		/* the kernel reads key="a b" (and "a b") as one parameter */
		const char *eq = strchr(w, '=');
		size_t key = eq && (size_t)(eq - w) < strcspn(w, " \t\n") ? (size_t)(eq - w) + 1 : 0;
		if (r >= 0)
			r = kb_buf_addf(&b, "%.*s\"%s\"", (int)key, w, w + key);
	}
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(err, E2BIG, "command line longer than %d bytes", KB_CMDLINE_MAX);
	}
	*ret = kb_buf_steal(&b);
	return *ret ? 0 : kb_error_set(err, ENOMEM, "out of memory");
}

void kb_bootline_free(struct kb_bootline *b)
{
	if (!b)
		return;
	free(b->kernel);
	for (size_t i = 0; i < b->n_initrds; i++)
		free(b->initrds[i]);
	free(b->cmdline);
	*b = (struct kb_bootline){ 0 };
}

/* "initrd=a,b" adds a and b. */
static int add_initrds(struct kb_bootline *b, const char *list, kb_error *err)
{
	if (!*list)
		return kb_error_set(err, EINVAL, "initrd= needs a path");
	const char *p = list;
	for (;;) {
		size_t l = strcspn(p, ",");
		if (l == 0)
			return kb_error_set(err, EINVAL, "empty path in initrd=%s", list);
		if (b->n_initrds >= KB_ENTRY_INITRDS_MAX)
			return kb_error_set(err, E2BIG, "more than %d initrds", KB_ENTRY_INITRDS_MAX);
		b->initrds[b->n_initrds] = strndup(p, l);
		if (!b->initrds[b->n_initrds])
			return kb_error_set(err, ENOMEM, "out of memory");
		b->n_initrds++;
		if (!p[l])
			return 0;
		p += l + 1;
	}
}

int kb_bootline_parse(const char *text, struct kb_bootline *ret, kb_error *err)
{
	_cleanup_(strv_freep) char **argv = NULL;
	int n = kb_bootline_split(text, &argv, err);
	if (n < 0)
		return n;
	struct kb_bootline b = { 0 };
	_cleanup_free_ char **rest = calloc((size_t)n + 1, sizeof(char *));
	if (!rest)
		return kb_error_set(err, ENOMEM, "out of memory");
	size_t n_rest = 0;
	int r = 0;
	for (int i = 0; i < n && r >= 0; i++) {
		if (strncmp(argv[i], "initrd=", 7) == 0)
			r = add_initrds(&b, argv[i] + 7, err);
		else if (b.kernel)
			rest[n_rest++] = argv[i];
		else if (!(b.kernel = strdup(argv[i])))
			r = kb_error_set(err, ENOMEM, "out of memory");
	}
	if (r >= 0 && (!b.kernel || !*b.kernel))
		r = kb_error_set(err, EINVAL, "no kernel given (a boot line starts with a kernel path)");
	if (r >= 0)
		r = kb_bootline_join(rest, n_rest, &b.cmdline, err);
	if (r < 0) {
		kb_bootline_free(&b);
		return r;
	}
	*ret = b;
	return 0;
}
