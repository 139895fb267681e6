/* GRUB scenarios, petitboot's layout: each tests/unit/grub/<name>.scenario
 * holds the files of a filesystem (the grub.cfg first) and then the menu
 * GRUB shows from it, entry for entry. The format:
 *
 *   # what it shows, and how GRUB's behaviour was established
 *   --- fs uuid=<uuid>             (optional; device vda2, the target root)
 *   --- file /boot/grub/grub.cfg
 *   <the file, verbatim>
 *   --- entries
 *   <title, with submenu titles and '>'>
 *     kernel /boot/vmlinuz         (absent: none)
 *     initrd /a /b                 (absent: none)
 *     cmdline <text>               (absent: empty)
 *     id <grub id path>            (checked when given)
 *     type legacy                  (absent: linux)
 *     device <legacy device>       (checked when given)
 *     broken <part of the reason>  (absent: it must boot)
 *     default
 *
 * Every scenario runs as its own test; a failure prints the menu found. */
#include "entries-assert.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/discover-util.h"

#include <dirent.h>
#include <errno.h>
#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCENARIOS "tests/unit/grub"

enum { SCENARIOS_MAX = 128, WANT_MAX = 64, LINE_MAX_ = 4096 };

struct want_entry {
	char *title, *kernel, *initrds, *cmdline, *id, *type, *device, *broken;
	bool is_default;
};

static char names[SCENARIOS_MAX][256];
static struct CMUnitTest tests[SCENARIOS_MAX];

static char *slurp(const char *path)
{
	char *text = NULL;
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	assert_true(n >= 0);
	return text;
}

static void put_file(const char *root, const char *rel, const char *text, size_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static char *dup_rest(const char *s)
{
	while (*s == ' ')
		s++;
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

/* The entries section into wants; returns how many. */
static size_t parse_wants(char *text, struct want_entry *w)
{
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!*line || *line == '#')
			continue;
		if (*line != ' ') {
			assert_true(n < WANT_MAX);
			w[n++] = (struct want_entry){ .title = dup_rest(line) };
			continue;
		}
		assert_true(n > 0);
		struct want_entry *e = &w[n - 1];
		while (*line == ' ')
			line++;
		const char *rest = strchr(line, ' ') ? strchr(line, ' ') + 1 : "";
		if (!strncmp(line, "kernel", 6))
			e->kernel = dup_rest(rest);
		else if (!strncmp(line, "initrd", 6))
			e->initrds = dup_rest(rest);
		else if (!strncmp(line, "cmdline", 7))
			e->cmdline = strdup(rest);
		else if (!strncmp(line, "id", 2))
			e->id = dup_rest(rest);
		else if (!strncmp(line, "type", 4))
			e->type = dup_rest(rest);
		else if (!strncmp(line, "device", 6))
			e->device = dup_rest(rest);
		else if (!strncmp(line, "broken", 6))
			e->broken = dup_rest(rest);
		else if (!strcmp(line, "default"))
			e->is_default = true;
		else
			fail_msg("scenario: unknown line \"%s\"", line);
	}
	return n;
}

static const char *mismatch(const struct kb_entry *e, const struct want_entry *w)
{
	char initrds[LINE_MAX_] = "";
	for (size_t i = 0; i < e->n_initrds; i++)
		snprintf(initrds + strlen(initrds), sizeof(initrds) - strlen(initrds), "%s%s",
			 i ? " " : "", e->initrds[i]);
	if (strcmp(e->title, w->title))
		return "title";
	if (!str_eq(e->kernel, w->kernel))
		return "kernel";
	if (strcmp(initrds, w->initrds ? w->initrds : ""))
		return "initrds";
	if (strcmp(e->cmdline ? e->cmdline : "", w->cmdline ? w->cmdline : ""))
		return "cmdline";
	if (e->is_default != w->is_default)
		return "default";
	if (w->id && !str_eq(e->grub_id, w->id))
		return "id";
	if (strcmp(kb_entry_type_name(e->type), w->type ? w->type : "linux"))
		return "type";
	if (w->device && !str_eq(e->legacy_device, w->device))
		return "device";
	if (!w->broken != !e->broken || (w->broken && !strstr(e->broken, w->broken)))
		return "broken";
	return NULL;
}

static void show(const struct kb_entry_list *l)
{
	dump_entries(l);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].broken)
			print_message("  [%zu] broken: %s\n", i, l->v[i].broken);
}

static void run_scenario(void **state)
{
	const char *name = *state;
	char path[512], root[] = "/tmp/kb-grub-scenario-XXXXXX";
	snprintf(path, sizeof(path), SCENARIOS "/%s", name);
	_cleanup_free_ char *text = slurp(path);
	assert_non_null(mkdtemp(root));
	struct kb_fs fs = { .device = "vda2", .mountpoint = root,
			    .uuid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", .target_prefix = "" };
	char uuid[64] = "";
	char *wants_text = NULL;
	/* sections start with "--- " at the start of a line */
	for (char *p = strstr(text, "--- "); p; ) {
		char *eol = strchr(p, '\n');
		assert_non_null(eol);
		*eol = '\0';
		char *body = eol + 1, *next = strstr(body, "\n--- ");
		size_t len = next ? (size_t)(next - body) + 1 : strlen(body);
		if (!strncmp(body, "--- ", 4)) { /* an empty file */
			next = eol;
			len = 0;
		}
		if (!strncmp(p, "--- file ", 9))
			put_file(root, p + 9, body, len);
		else if (!strncmp(p, "--- fs uuid=", 12))
			snprintf(uuid, sizeof(uuid), "%s", p + 12);
		else if (!strcmp(p, "--- entries"))
			wants_text = body;
		else
			fail_msg("%s: unknown section \"%s\"", name, p);
		if (next)
			*next = '\0';
		p = next ? next + 1 : NULL;
	}
	if (uuid[0])
		fs.uuid = uuid;
	assert_non_null(wants_text);
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	int r = kb_parse_grub(&fs, &l, &err);
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (r < 0)
		fail_msg("%s: kb_parse_grub: %s", name, err.text);
	struct want_entry w[WANT_MAX];
	size_t n = parse_wants(wants_text, w);
	if (l.n != n) {
		show(&l);
		fail_msg("%s: got %zu entries, want %zu", name, l.n, n);
	}
	kb_entry_list_merge(&l); /* one GRUB menu: nothing merges */
	assert_int_equal(l.n, n);
	for (size_t i = 0; i < n; i++) {
		const char *bad = mismatch(&l.v[i], &w[i]);
		if (bad) {
			show(&l);
			fail_msg("%s: entry %zu (\"%s\"): wrong %s", name, i, l.v[i].title, bad);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(w[i].title);
		free(w[i].kernel);
		free(w[i].initrds);
		free(w[i].cmdline);
		free(w[i].id);
		free(w[i].type);
		free(w[i].device);
		free(w[i].broken);
	}
	kb_entry_list_free(&l);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int main(void)
{
	_cleanup_closedir_ DIR *d = opendir(SCENARIOS);
	if (!d) {
		fprintf(stderr, "%s: %s\n", SCENARIOS, strerror(errno));
		return 1;
	}
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < SCENARIOS_MAX) {
		size_t l = strlen(de->d_name);
		if (l > 9 && !strcmp(de->d_name + l - 9, ".scenario"))
			snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ names[i], run_scenario, NULL, NULL, names[i] };
	return _cmocka_run_group_tests("grub scenarios", tests, n, NULL, NULL);
}
