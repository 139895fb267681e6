/* Boot Loader Specification Type #1 entries: *.conf in /loader/entries (an
 * ESP or a /boot partition) and in /boot/loader/entries (a root with /boot
 * inside). Paths in an entry are on the filesystem holding the entries.
 * $kernelopts and other $vars come from grubenv; order is systemd-boot's. */
#include "bootline.h"
#include "buf.h"
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"
#include "path.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const bls_dirs[] = { "/loader/entries", "/boot/loader/entries" };
static const char *const grubenv_paths[] = { "/grub2/grubenv", "/boot/grub2/grubenv",
					     "/grub/grubenv", "/boot/grub/grubenv" };

enum { BLS_OPTIONS_MAX = KB_CMDLINE_MAX };

struct bls {
	struct kb_entry e;
	char *id; /* file name without .conf: what grub's saved_entry holds */
	char *machine_id;
};

static void bls_clear(struct bls *b)
{
	kb_entry_clear(&b->e);
	free(b->id);
	free(b->machine_id);
	*b = (struct bls){ 0 };
}

/* $name and ${name} from vars; unknown names expand to nothing, as in GRUB. */
static int expand(const char *in, const struct kb_grubenv *vars, char **ret, kb_error *err)
{
	struct kb_buf b;
	kb_buf_init(&b, BLS_OPTIONS_MAX);
	int r = kb_buf_adds(&b, "");
	for (const char *p = in; *p && r >= 0;) {
		if (*p != '$') {
			r = kb_buf_add(&b, p++, 1);
			continue;
		}
		bool brace = p[1] == '{';
		const char *name = p + 1 + brace;
		size_t l = 0;
		while (isalnum((unsigned char)name[l]) || name[l] == '_')
			l++;
		if (l == 0 || (brace && name[l] != '}')) {
			r = kb_buf_add(&b, p++, 1);
			continue;
		}
		char key[KB_GRUBENV_NAME_MAX];
		snprintf(key, sizeof(key), "%.*s", (int)l, name);
		const char *v = kb_grubenv_get(vars, key);
		if (v)
			r = kb_buf_adds(&b, v);
		p = name + l + brace;
	}
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(err, E2BIG, "expanded text longer than %d bytes", BLS_OPTIONS_MAX);
	}
	*ret = kb_buf_steal(&b);
	return 0;
}

/* A path in an entry, named on fs. Fedora writes /vmlinuz-… when /boot is a
 * partition and /boot/vmlinuz-… otherwise; accept the first that exists. */
static int entry_path(const struct kb_fs *fs, const char *path, char **ret, kb_error *err)
{
	char abs[KB_PATH_MAX], name[KB_PATH_MAX];
	snprintf(abs, sizeof(abs), "%s%s", path[0] == '/' ? "" : "/", path);
	kb_path_normalize_abs(abs);
	if (!kb_fs_exists(fs, abs)) {
		char boot[KB_PATH_MAX];
		int n = snprintf(boot, sizeof(boot), "/boot%s", abs);
		if (n > 0 && (size_t)n < sizeof(boot) && kb_fs_exists(fs, boot))
			snprintf(abs, sizeof(abs), "%s", boot);
	}
	if (kb_fs_path(fs, abs, name, sizeof(name)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", path);
	*ret = strdup(name);
	return *ret ? 0 : kb_error_set(err, ENOMEM, "out of memory");
}

static int set_once(char **field, const char *value, kb_error *err)
{
	char *v = strdup(value);
	if (!v)
		return kb_error_set(err, ENOMEM, "out of memory");
	free(*field);
	*field = v;
	return 0;
}

static int add_initrds(const struct kb_fs *fs, struct bls *b, const char *value, kb_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	if (!copy)
		return kb_error_set(err, ENOMEM, "out of memory");
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (b->e.n_initrds >= KB_ENTRY_INITRDS_MAX)
			return kb_error_set(err, E2BIG, "more than %d initrds", KB_ENTRY_INITRDS_MAX);
		int r = entry_path(fs, w, &b->e.initrds[b->e.n_initrds], err);
		if (r < 0)
			return r;
		b->e.n_initrds++;
	}
	return 0;
}

static int parse_line(const struct kb_fs *fs, const struct kb_grubenv *vars, struct bls *b,
		      struct kb_buf *options, char *line, kb_error *err)
{
	line += strspn(line, " \t");
	size_t l = strlen(line);
	while (l && (line[l - 1] == ' ' || line[l - 1] == '\t' || line[l - 1] == '\r'))
		line[--l] = '\0';
	if (!*line || *line == '#')
		return 0;
	char *value = line + strcspn(line, " \t");
	if (*value)
		*value++ = '\0';
	value += strspn(value, " \t");
	_cleanup_free_ char *x = NULL;
	int r = expand(value, vars, &x, err);
	if (r < 0)
		return r;

	if (strcmp(line, "title") == 0)
		return set_once(&b->e.title, x, err);
	if (strcmp(line, "version") == 0)
		return set_once(&b->e.version, x, err);
	if (strcmp(line, "sort-key") == 0)
		return set_once(&b->e.sort_key, x, err);
	if (strcmp(line, "machine-id") == 0)
		return set_once(&b->machine_id, x, err);
	if (strcmp(line, "linux") == 0) {
		free(b->e.kernel);
		b->e.kernel = NULL;
		return entry_path(fs, x, &b->e.kernel, err);
	}
	if (strcmp(line, "efi") == 0 && !b->e.kernel) {
		b->e.type = KB_ENTRY_LEGACY;
		return 0;
	}
	if (strcmp(line, "initrd") == 0)
		return add_initrds(fs, b, x, err);
	if (strcmp(line, "options") == 0) {
		/* repeated options lines are joined with a space */
		if (options->len && kb_buf_adds(options, " ") < 0)
			return kb_error_set(err, E2BIG, "options longer than %d bytes", BLS_OPTIONS_MAX);
		if (kb_buf_adds(options, x) < 0)
			return kb_error_set(err, E2BIG, "options longer than %d bytes", BLS_OPTIONS_MAX);
		return 0;
	}
	return 0; /* devicetree, architecture, … do not matter to kexec */
}

/* Words re-joined with single spaces, as GRUB passes them. */
static int tidy_cmdline(const char *in, char **ret, kb_error *err)
{
	_cleanup_free_ char *copy = strdup(in);
	_cleanup_free_ char **words = calloc(strlen(in) / 2 + 2, sizeof(char *));
	if (!copy || !words)
		return kb_error_set(err, ENOMEM, "out of memory");
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	return kb_bootline_join(words, n, ret, err);
}

static int parse_file(const struct kb_fs *fs, const struct kb_grubenv *vars, const char *dir,
		      const char *file, struct bls *ret, kb_error *err)
{
	char path[KB_PATH_MAX], source[KB_PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	_cleanup_free_ char *text = NULL;
	int r = kb_fs_read(fs, path, &text, NULL, err);
	if (r < 0)
		return r;
	if (kb_fs_path(fs, path, source, sizeof(source)) < 0)
		snprintf(source, sizeof(source), "%s", path);

	struct bls b = { .e.type = KB_ENTRY_LINUX };
	struct kb_buf options;
	kb_buf_init(&options, BLS_OPTIONS_MAX);
	r = kb_buf_adds(&options, "");
	unsigned line = 0;
	for (char *l = text, *next; l && r >= 0; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		line++;
		r = parse_line(fs, vars, &b, &options, l, err);
		if (r < 0)
			kb_error_prefix(err, "%s:%u: ", source, line);
	}
	if (r >= 0)
		r = tidy_cmdline(options.data ? options.data : "", &b.e.cmdline, err);
	kb_buf_free(&options);
	if (r >= 0 && !b.e.kernel && b.e.type != KB_ENTRY_LEGACY)
		r = kb_error_set(err, EINVAL, "%s: no linux line", source);
	if (r >= 0) {
		b.id = strndup(file, strlen(file) - strlen(".conf"));
		b.e.source = strdup(source);
		if (!b.e.title)
			b.e.title = strdup(b.e.version ? b.e.version : b.id ? b.id : file);
		if (b.id)
			b.e.grub_id = strdup(b.id);
		if (!b.id || !b.e.source || !b.e.title || !b.e.grub_id)
			r = kb_error_set(err, ENOMEM, "out of memory");
	}
	if (r < 0) {
		bls_clear(&b);
		return r;
	}
	*ret = b;
	return 0;
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* systemd-boot's tie-break: the newest entry id first, where the id is the
 * file name with its ".conf" (so "arch.conf" comes before
 * "arch-fallback.conf", as in systemd-boot's menu; without the suffix the
 * longer name would count as newer). */
static int compare_file_names(const struct bls *a, const struct bls *b)
{
	char fa[NAME_MAX + 1], fb[NAME_MAX + 1];
	snprintf(fa, sizeof(fa), "%s.conf", a->id);
	snprintf(fb, sizeof(fb), "%s.conf", b->id);
	return -kb_version_compare(fa, fb);
}

/* systemd-boot: entries with a sort-key first, by sort-key, machine-id, then
 * newest version; then newest file name. */
static int bls_compare(const void *pa, const void *pb)
{
	const struct bls *a = pa, *b = pb;
	int r = (a->e.sort_key == NULL) - (b->e.sort_key == NULL);
	if (r)
		return r;
	if (a->e.sort_key && b->e.sort_key) {
		if ((r = strcmp(a->e.sort_key, b->e.sort_key)))
			return r;
		if ((r = strcmp_null(a->machine_id, b->machine_id)))
			return r;
		if ((r = -kb_version_compare(a->e.version ? a->e.version : "",
					     b->e.version ? b->e.version : "")))
			return r;
	}
	return compare_file_names(a, b);
}

static bool is_conf(const char *name)
{
	size_t l = strlen(name);
	return name[0] != '.' && l > 5 && strcmp(name + l - 5, ".conf") == 0;
}

static int parse_dir(const struct kb_fs *fs, const struct kb_grubenv *vars, const char *dir,
		     struct kb_entry_list *out, size_t *added, kb_error *err)
{
	char local[KB_PATH_MAX];
	if (!kb_fs_exists(fs, dir) || kb_fs_local(fs, dir, local, sizeof(local)) < 0)
		return 0;
	_cleanup_closedir_ DIR *d = opendir(local);
	if (!d)
		return 0;
	struct bls *v = calloc(KB_ENTRIES_PER_CONFIG_MAX, sizeof(*v));
	if (!v)
		return kb_error_set(err, ENOMEM, "out of memory");
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_conf(de->d_name))
			continue;
		if (n >= KB_ENTRIES_PER_CONFIG_MAX) {
			kb_warn("%s: more than %d BLS entries; the rest are ignored", local,
				KB_ENTRIES_PER_CONFIG_MAX);
			break;
		}
		kb_error ferr = { 0 };
		if (parse_file(fs, vars, dir, de->d_name, &v[n], &ferr) < 0) {
			kb_warn("BLS entry skipped: %s", ferr.text);
			continue;
		}
		n++;
	}
	qsort(v, n, sizeof(*v), bls_compare);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (r >= 0 && (r = kb_entry_list_add(out, &v[i].e, err)) >= 0)
			(*added)++;
		bls_clear(&v[i]);
	}
	free(v);
	return r;
}

int kb_bls_parse_vars(const struct kb_fs *fs, const struct kb_grubenv *vars,
		      struct kb_entry_list *out, size_t *ret_added, kb_error *err)
{
	size_t added = 0;
	for (size_t i = 0; i < KB_ELEMENTSOF(bls_dirs); i++) {
		int r = parse_dir(fs, vars, bls_dirs[i], out, &added, err);
		if (r < 0)
			return r;
	}
	if (ret_added)
		*ret_added = added;
	return 0;
}

int kb_parse_bls(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err)
{
	struct kb_grubenv env;
	kb_fs_load_grubenv(fs, grubenv_paths, KB_ELEMENTSOF(grubenv_paths), &env);
	int r = kb_bls_parse_vars(fs, &env, out, NULL, err);
	kb_grubenv_free(&env);
	return r;
}
