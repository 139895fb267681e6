/* Boot-entry discovery on one filesystem: the parser table, generalized
 * names of files on a filesystem, kboot.conf labels, and default marking. */
#include "discover.h"
#include "bootline.h"
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct kb_parser kb_parsers[] = {
	{ "grub", kb_parse_grub },
	{ "bls", kb_parse_bls },
	{ "syslinux", kb_parse_syslinux },
	/* last: it only adds kernels no other format on the filesystem names */
	{ "plain", kb_parse_plain },
};
const size_t kb_parsers_count = KB_ELEMENTSOF(kb_parsers);

int kb_fs_path(const struct kb_fs *fs, const char *path, char *ret, size_t size)
{
	char norm[KB_PATH_MAX];
	int n = snprintf(norm, sizeof(norm), "/%s", path);
	if (n < 0 || (size_t)n >= sizeof(norm))
		return -ENAMETOOLONG;
	kb_path_normalize_abs(norm);
	if (fs->target_prefix) {
		/* "/boot" + "/" is "/boot", "" + "/" is "/" */
		bool root = strcmp(norm, "/") == 0;
		if (root && fs->target_prefix[0])
			n = snprintf(ret, size, "%s", fs->target_prefix);
		else
			n = snprintf(ret, size, "%s%s", fs->target_prefix, norm);
	} else if (fs->device) {
		n = snprintf(ret, size, "%s:%s", fs->device, norm);
	} else {
		/* a plain directory: name it in kboot's own root */
		char local[KB_PATH_MAX];
		if (kb_fs_local(fs, norm, local, sizeof(local)) < 0)
			return -ENAMETOOLONG;
		kb_path_normalize_abs(local);
		n = snprintf(ret, size, "/%s", local);
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int kb_entries_from_config(const struct kb_config *cfg, struct kb_entry_list *out, kb_error *err)
{
	int added = 0;
	for (size_t i = 0; i < cfg->n_labels; i++) {
		const struct kb_label *label = &cfg->labels[i];
		struct kb_bootline b;
		kb_error perr = { 0 };
		if (kb_bootline_parse(label->command, &b, &perr) < 0) {
			kb_warn("kboot.conf: label %s: %s", label->name, perr.text);
			continue;
		}
		struct kb_entry e = {
			.title = label->name,
			.kernel = b.kernel,
			.n_initrds = b.n_initrds,
			.cmdline = b.cmdline,
			.source = (char *)"kboot.conf",
			.type = KB_ENTRY_LINUX,
			.is_default = cfg->default_label && strcmp(cfg->default_label, label->name) == 0,
		};
		memcpy(e.initrds, b.initrds, sizeof(e.initrds));
		int r = kb_entry_list_add(out, &e, err);
		kb_bootline_free(&b);
		if (r < 0)
			return r;
		added++;
	}
	return added;
}

static void truncate_list(struct kb_entry_list *l, size_t n)
{
	while (l->n > n)
		kb_entry_clear(&l->v[--l->n]);
}

int kb_entries_discover_fs(const struct kb_fs *fs, struct kb_entry_list *out)
{
	char where[KB_PATH_MAX];
	if (kb_fs_path(fs, "/", where, sizeof(where)) < 0)
		snprintf(where, sizeof(where), "%s", fs->mountpoint);
	size_t before = out->n;
	for (size_t i = 0; i < kb_parsers_count; i++) {
		size_t n0 = out->n;
		kb_error err = { 0 };
		int r = kb_parsers[i].parse(fs, out, &err);
		if (r < 0) {
			kb_warn("%s: %s configuration skipped: %s", where, kb_parsers[i].name,
				err.text[0] ? err.text : strerror(-r));
			truncate_list(out, n0);
		}
	}
	return (int)(out->n - before);
}

static struct kb_entry *find_config_default(struct kb_entry_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].source && strcmp(l->v[i].source, "kboot.conf") == 0 && l->v[i].title &&
		    strcmp(l->v[i].title, name) == 0)
			return &l->v[i];
	const struct kb_entry *e = kb_entry_find(l, name);
	if (e)
		return (struct kb_entry *)e;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].title && strcmp(l->v[i].title, name) == 0)
			return &l->v[i];
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].grub_id && strcmp(l->v[i].grub_id, name) == 0)
			return &l->v[i];
	return NULL;
}

static bool is_bls(const struct kb_entry *e)
{
	return e->source && strstr(e->source, "/loader/entries/");
}

void kb_entries_mark_default(struct kb_entry_list *l, const char *config_default)
{
	struct kb_entry *chosen = NULL;
	if (config_default && *config_default) {
		chosen = find_config_default(l, config_default);
		if (!chosen)
			kb_warn("kboot.conf: default=%s names no boot entry", config_default);
	}
	for (size_t i = 0; i < l->n && !chosen; i++)
		if (l->v[i].is_default)
			chosen = &l->v[i];
	for (size_t i = 0; i < l->n && !chosen; i++)
		if (is_bls(&l->v[i]))
			chosen = &l->v[i];
	for (size_t i = 0; i < l->n; i++)
		l->v[i].is_default = &l->v[i] == chosen;
}
