/* The named limits of the config parsers (issue 7 §3), each at the limit and
 * one past it: bytes of a config file (KB_PARSE_FILE_MAX, and kboot.conf's
 * KB_CONFIG_SIZE_MAX), files nested by syslinux INCLUDE and grub
 * source/configfile (KB_INCLUDE_DEPTH_MAX deep, KB_INCLUDE_FILES_MAX in all), and entries per config
 * (KB_ENTRIES_PER_CONFIG_MAX, kboot.conf's KB_CONFIG_LABELS_MAX), grub.cfg's
 * blocks nested (KB_GRUB_NESTING_MAX) and tokens held (KB_GRUB_TOKENS_MAX).
 * Each test builds its filesystem in a scratch directory. */
#include "kboot-core/config.h"
#include "kboot-core/discover-util.h"
#include "kboot-core/discover.h"

#include <errno.h>
#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char root[64];

static int make_root(void **state)
{
	snprintf(root, sizeof(root), "/tmp/kb-limits-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static int remove_root(void **state)
{
	return nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write root/rel (parents made) from a printf format. */
static void put(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(const char *rel, const char *fmt, ...)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

/* Text of exactly `size` bytes: `head`, then '#' comment lines. */
static char *padded(const char *head, size_t size)
{
	char *t = malloc(size + 1);
	assert_non_null(t);
	size_t n = strlen(head);
	assert_true(n < size);
	memcpy(t, head, n);
	memset(t + n, '#', size - n);
	for (size_t i = n + 63; i < size; i += 64)
		t[i] = '\n';
	t[size - 1] = '\n';
	t[size] = '\0';
	return t;
}

static struct kb_fs fs_here(void)
{
	return (struct kb_fs){ .device = "vdb1", .mountpoint = root };
}

static int parse(int (*parser)(const struct kb_fs *, struct kb_entry_list *, kb_error *),
		 struct kb_entry_list *l, kb_error *err)
{
	struct kb_fs fs = fs_here();
	*l = (struct kb_entry_list){ 0 };
	return parser(&fs, l, err);
}

/* --- bytes of one config file ------------------------------------------------ */

static const char GRUB_ENTRY[] = "menuentry 'Linux' {\n\tlinux /vmlinuz root=/dev/vda2\n}\n";
static const char SYSLINUX_ENTRY[] = "LABEL linux\n  LINUX /vmlinuz\n  APPEND root=/dev/vda2\n";

static void test_grub_cfg_of_exactly_the_limit_is_read(void **state)
{
	char *text = padded(GRUB_ENTRY, KB_PARSE_FILE_MAX);
	put("grub/grub.cfg", "%s", text);
	free(text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].kernel, "vdb1:/vmlinuz");
	kb_entry_list_free(&l);
}

static void test_grub_cfg_one_byte_past_the_limit_is_refused(void **state)
{
	char *text = padded(GRUB_ENTRY, KB_PARSE_FILE_MAX + 1);
	put("grub/grub.cfg", "%s", text);
	free(text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), -EFBIG);
	assert_non_null(strstr(err.text, "vdb1:/grub/grub.cfg: too large for a config file"));
	kb_entry_list_free(&l);
}

static void test_extlinux_conf_at_and_past_the_limit(void **state)
{
	char *text = padded(SYSLINUX_ENTRY, KB_PARSE_FILE_MAX);
	put("extlinux/extlinux.conf", "%s", text);
	free(text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_syslinux, &l, &err), 0);
	assert_int_equal(l.n, 1);
	kb_entry_list_free(&l);

	text = padded(SYSLINUX_ENTRY, KB_PARSE_FILE_MAX + 1);
	put("extlinux/extlinux.conf", "%s", text);
	free(text);
	assert_int_equal(parse(kb_parse_syslinux, &l, &err), -EFBIG);
	assert_non_null(strstr(err.text, "vdb1:/extlinux/extlinux.conf: too large for a config file"));
	kb_entry_list_free(&l);
}

/* A BLS entry past the limit is skipped; the others stay. */
static void test_bls_entry_at_and_past_the_limit(void **state)
{
	char *text = padded("title At\nlinux /vmlinuz-at\n", KB_PARSE_FILE_MAX);
	put("loader/entries/at.conf", "%s", text);
	free(text);
	text = padded("title Past\nlinux /vmlinuz-past\n", KB_PARSE_FILE_MAX + 1);
	put("loader/entries/past.conf", "%s", text);
	free(text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_bls, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].title, "At");
	kb_entry_list_free(&l);
}

static void test_kboot_conf_at_and_past_the_limit(void **state)
{
	char *text = padded("default=a\na='/vmlinuz quiet'\n", KB_CONFIG_SIZE_MAX);
	struct kb_config c;
	kb_error err = { 0 };
	assert_int_equal(kb_config_parse(text, KB_CONFIG_SIZE_MAX, &c, &err), 0);
	assert_int_equal(c.n_labels, 1);
	kb_config_free(&c);
	free(text);

	text = padded("default=a\na='/vmlinuz quiet'\n", KB_CONFIG_SIZE_MAX + 1);
	assert_int_equal(kb_config_parse(text, KB_CONFIG_SIZE_MAX + 1, &c, &err), -EFBIG);
	assert_string_equal(err.text, "kboot.conf: larger than 256 KiB");
	free(text);
}

/* --- include depth ---------------------------------------------------------- */

/* The main file and files 1..KB_INCLUDE_DEPTH_MAX+1, each including the next
 * and holding one entry titled "level N": every file down to the limit is
 * read, the one past it is not, and nothing fails. */
static void assert_levels(const struct kb_entry_list *l)
{
	assert_int_equal(l->n, 1 + KB_INCLUDE_DEPTH_MAX);
	char want[32];
	for (int i = 0; i <= KB_INCLUDE_DEPTH_MAX; i++) {
		snprintf(want, sizeof(want), "level %d", i);
		assert_string_equal(l->v[i].title, want);
	}
}

static void test_grub_configfile_nesting_stops_past_the_limit(void **state)
{
	for (int i = 0; i <= KB_INCLUDE_DEPTH_MAX + 1; i++) {
		char name[64];
		if (i == 0)
			snprintf(name, sizeof(name), "grub/grub.cfg");
		else
			snprintf(name, sizeof(name), "grub/level%d.cfg", i);
		put(name, "menuentry 'level %d' {\n\tlinux /vmlinuz-%d\n}\nconfigfile /grub/level%d.cfg\n",
		    i, i, i + 1);
	}
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_levels(&l);
	kb_entry_list_free(&l);
}

static void test_grub_source_nesting_stops_past_the_limit(void **state)
{
	for (int i = 0; i <= KB_INCLUDE_DEPTH_MAX + 1; i++) {
		char name[64];
		if (i == 0)
			snprintf(name, sizeof(name), "grub/grub.cfg");
		else
			snprintf(name, sizeof(name), "grub/level%d.cfg", i);
		put(name, "menuentry 'level %d' {\n\tlinux /vmlinuz-%d\n}\nsource /grub/level%d.cfg\n", i,
		    i, i + 1);
	}
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_levels(&l);
	kb_entry_list_free(&l);
}

static void test_syslinux_include_nesting_stops_past_the_limit(void **state)
{
	for (int i = 0; i <= KB_INCLUDE_DEPTH_MAX + 1; i++) {
		char name[64];
		if (i == 0)
			snprintf(name, sizeof(name), "extlinux/extlinux.conf");
		else
			snprintf(name, sizeof(name), "extlinux/level%d.cfg", i);
		put(name, "LABEL l%d\n  MENU LABEL level %d\n  LINUX /vmlinuz-%d\nINCLUDE level%d.cfg\n", i,
		    i, i, i + 1);
	}
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_syslinux, &l, &err), 0);
	assert_levels(&l);
	kb_entry_list_free(&l);
}

/* Files included in all, whatever the depth: the main file includes
 * inc1..inc<MAX+1>, each holding one entry; inc<MAX> is read, the next not. */
static void test_syslinux_included_files_stop_past_the_limit(void **state)
{
	char *main_text = malloc(64 * (KB_INCLUDE_FILES_MAX + 2));
	assert_non_null(main_text);
	size_t len = (size_t)sprintf(main_text, "LABEL main\n  LINUX /vmlinuz\n");
	for (int i = 1; i <= KB_INCLUDE_FILES_MAX + 1; i++) {
		char name[64];
		snprintf(name, sizeof(name), "extlinux/inc%d.cfg", i);
		put(name, "LABEL inc%d\n  LINUX /vmlinuz-%d\n", i, i);
		len += (size_t)sprintf(main_text + len, "INCLUDE inc%d.cfg\n", i);
	}
	put("extlinux/extlinux.conf", "%s", main_text);
	free(main_text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_syslinux, &l, &err), 0);
	assert_int_equal(l.n, 1 + KB_INCLUDE_FILES_MAX);
	char last[16];
	snprintf(last, sizeof(last), "inc%d", KB_INCLUDE_FILES_MAX);
	assert_string_equal(l.v[l.n - 1].title, last);
	kb_entry_list_free(&l);
}

static void test_grub_sourced_files_stop_past_the_limit(void **state)
{
	char *main_text = malloc(64 * (KB_INCLUDE_FILES_MAX + 2));
	assert_non_null(main_text);
	size_t len = (size_t)sprintf(main_text, "menuentry main {\n\tlinux /vmlinuz\n}\n");
	for (int i = 1; i <= KB_INCLUDE_FILES_MAX + 1; i++) {
		char name[64];
		snprintf(name, sizeof(name), "grub/inc%d.cfg", i);
		put(name, "menuentry inc%d {\n\tlinux /vmlinuz-%d\n}\n", i, i);
		len += (size_t)sprintf(main_text + len, "source /grub/inc%d.cfg\n", i);
	}
	put("grub/grub.cfg", "%s", main_text);
	free(main_text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, 1 + KB_INCLUDE_FILES_MAX);
	char last[16];
	snprintf(last, sizeof(last), "inc%d", KB_INCLUDE_FILES_MAX);
	assert_string_equal(l.v[l.n - 1].title, last);
	kb_entry_list_free(&l);
}

/* A file that includes itself several times would be read 6^8 times
 * without the total cap (fuzzing found it; it hung discovery). */
static void test_self_inclusion_fan_out_finishes(void **state)
{
	put("extlinux/extlinux.conf", "LABEL x\n  LINUX /vmlinuz\n%s",
	    "INCLUDE extlinux.conf\nINCLUDE extlinux.conf\nINCLUDE extlinux.conf\n"
	    "INCLUDE extlinux.conf\nINCLUDE extlinux.conf\nINCLUDE extlinux.conf\n");
	put("grub/grub.cfg", "menuentry x {\n\tlinux /vmlinuz\n}\n%s",
	    "source /grub/grub.cfg\nsource /grub/grub.cfg\nsource /grub/grub.cfg\n"
	    "source /grub/grub.cfg\nsource /grub/grub.cfg\nsource /grub/grub.cfg\n");
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_syslinux, &l, &err), 0);
	assert_int_equal(l.n, 1 + KB_INCLUDE_FILES_MAX);
	kb_entry_list_free(&l);
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, 1 + KB_INCLUDE_FILES_MAX);
	kb_entry_list_free(&l);
}

/* --- entries per config ------------------------------------------------------- */

static void write_grub_entries(int n)
{
	char *text = malloc((size_t)n * 64 + 1);
	assert_non_null(text);
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "menuentry 'e%d' {\n\tlinux /vmlinuz-%d\n}\n", i, i);
	put("grub/grub.cfg", "%s", text);
	free(text);
}

static void test_grub_entries_at_and_past_the_limit(void **state)
{
	struct kb_entry_list l;
	kb_error err = { 0 };
	write_grub_entries(KB_ENTRIES_PER_CONFIG_MAX);
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, KB_ENTRIES_PER_CONFIG_MAX);
	kb_entry_list_free(&l);

	write_grub_entries(KB_ENTRIES_PER_CONFIG_MAX + 1); /* the last is dropped, with a warning */
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, KB_ENTRIES_PER_CONFIG_MAX);
	char last[16];
	snprintf(last, sizeof(last), "e%d", KB_ENTRIES_PER_CONFIG_MAX - 1);
	assert_string_equal(l.v[l.n - 1].title, last);
	kb_entry_list_free(&l);
}

static void write_syslinux_labels(int n)
{
	char *text = malloc((size_t)n * 48 + 1);
	assert_non_null(text);
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "LABEL e%d\n  LINUX /vmlinuz-%d\n", i, i);
	put("extlinux/extlinux.conf", "%s", text);
	free(text);
}

static void test_syslinux_labels_at_and_past_the_limit(void **state)
{
	struct kb_entry_list l;
	kb_error err = { 0 };
	write_syslinux_labels(KB_ENTRIES_PER_CONFIG_MAX);
	assert_int_equal(parse(kb_parse_syslinux, &l, &err), 0);
	assert_int_equal(l.n, KB_ENTRIES_PER_CONFIG_MAX);
	kb_entry_list_free(&l);

	write_syslinux_labels(KB_ENTRIES_PER_CONFIG_MAX + 1);
	assert_int_equal(parse(kb_parse_syslinux, &l, &err), 0);
	assert_int_equal(l.n, KB_ENTRIES_PER_CONFIG_MAX);
	char last[16];
	snprintf(last, sizeof(last), "e%d", KB_ENTRIES_PER_CONFIG_MAX - 1);
	assert_string_equal(l.v[l.n - 1].title, last);
	kb_entry_list_free(&l);
}

static void test_bls_entries_at_and_past_the_limit(void **state)
{
	struct kb_entry_list l;
	kb_error err = { 0 };
	char name[64];
	for (int i = 0; i < KB_ENTRIES_PER_CONFIG_MAX; i++) {
		snprintf(name, sizeof(name), "loader/entries/e%03d.conf", i);
		put(name, "title e%03d\nlinux /vmlinuz-%d\n", i, i);
	}
	assert_int_equal(parse(kb_parse_bls, &l, &err), 0);
	assert_int_equal(l.n, KB_ENTRIES_PER_CONFIG_MAX);
	kb_entry_list_free(&l);

	snprintf(name, sizeof(name), "loader/entries/e%03d.conf", KB_ENTRIES_PER_CONFIG_MAX);
	put(name, "title one too many\nlinux /vmlinuz-x\n");
	assert_int_equal(parse(kb_parse_bls, &l, &err), 0);
	assert_int_equal(l.n, KB_ENTRIES_PER_CONFIG_MAX); /* which one is dropped is readdir order */
	kb_entry_list_free(&l);
}

static char *kboot_conf_labels(int n)
{
	char *text = malloc((size_t)n * 32 + 1);
	assert_non_null(text);
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "l%d='/vmlinuz-%d'\n", i, i);
	return text;
}

static void test_kboot_conf_labels_at_and_past_the_limit(void **state)
{
	struct kb_config c;
	kb_error err = { 0 };
	char *text = kboot_conf_labels(KB_CONFIG_LABELS_MAX);
	assert_int_equal(kb_config_parse(text, strlen(text), &c, &err), 0);
	assert_int_equal(c.n_labels, KB_CONFIG_LABELS_MAX);
	kb_config_free(&c);
	free(text);

	text = kboot_conf_labels(KB_CONFIG_LABELS_MAX + 1);
	assert_int_equal(kb_config_parse(text, strlen(text), &c, &err), -E2BIG);
	char want[64];
	snprintf(want, sizeof(want), "kboot.conf:%d: more than %d labels", KB_CONFIG_LABELS_MAX + 1,
		 KB_CONFIG_LABELS_MAX);
	assert_string_equal(err.text, want);
	free(text);
}

/* --- grub.cfg nesting and tokens ------------------------------------------------- */

/* GRUB_ENTRY inside `depth` blocks made by `open`/`close`; the menuentry's
 * own body is one more level. */
static char *nested(const char *open, const char *close, int depth)
{
	size_t size = (strlen(open) + strlen(close)) * (size_t)depth + sizeof(GRUB_ENTRY) + 64;
	char *t = malloc(size);
	assert_non_null(t);
	size_t n = 0;
	for (int i = 0; i < depth; i++)
		n += (size_t)sprintf(t + n, "%s", open);
	n += (size_t)sprintf(t + n, "%s", GRUB_ENTRY);
	for (int i = 0; i < depth; i++)
		n += (size_t)sprintf(t + n, "%s", close);
	return t;
}

static void assert_grub_nesting(const char *open, const char *close)
{
	struct kb_entry_list l;
	kb_error err = { 0 };
	char *text = nested(open, close, KB_GRUB_NESTING_MAX - 1);
	put("grub/grub.cfg", "%s", text);
	free(text);
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].kernel, "vdb1:/vmlinuz");
	kb_entry_list_free(&l);

	text = nested(open, close, KB_GRUB_NESTING_MAX);
	put("grub/grub.cfg", "%s", text);
	free(text);
	assert_int_equal(parse(kb_parse_grub, &l, &err), -E2BIG);
	char want[128];
	snprintf(want, sizeof(want), "vdb1:/grub/grub.cfg:%d: blocks nested more than %d deep",
		 KB_GRUB_NESTING_MAX + 1, KB_GRUB_NESTING_MAX);
	assert_string_equal(err.text, want);
	kb_entry_list_free(&l);
}

static void test_grub_loops_nested_at_and_past_the_limit(void **state)
{
	assert_grub_nesting("for x in 1; do\n", "done\n");
}

static void test_grub_ifs_nested_at_and_past_the_limit(void **state)
{
	assert_grub_nesting("if true ; then\n", "fi\n");
}

/* 2,000 `{` once overflowed the stack of every process that read the file.
 * A `{` that starts a statement is a syntax error in GRUB (parser.y: a block
 * only ends a command): each such line is dropped and the entry read. 2,000
 * nested ifs are refused. */
static void test_grub_thousands_of_braces_are_an_error_not_a_crash(void **state)
{
	char *text = nested("{\n", "}\n", 2000);
	put("grub/grub.cfg", "%s", text);
	free(text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, 1);
	kb_entry_list_free(&l);

	text = nested("if true; then\n", "fi\n", 2000);
	put("grub/grub.cfg", "%s", text);
	free(text);
	assert_int_equal(parse(kb_parse_grub, &l, &err), -E2BIG);
	assert_non_null(strstr(err.text, "blocks nested more than"));
	kb_entry_list_free(&l);
}

/* GRUB_ENTRY is 10 tokens (menuentry 'Linux' { NL linux /vmlinuz root= NL } NL);
 * each "x\n" two more; `extra` adds a last word without its newline. */
static char *grub_tokens(size_t tokens, bool extra)
{
	size_t lines = (tokens - 10) / 2;
	assert_int_equal((tokens - 10) % 2, 0);
	char *t = malloc(sizeof(GRUB_ENTRY) + lines * 2 + 2);
	assert_non_null(t);
	size_t n = (size_t)sprintf(t, "%s", GRUB_ENTRY);
	for (size_t i = 0; i < lines; i++)
		t[n++] = 'x', t[n++] = '\n';
	if (extra)
		t[n++] = 'x';
	t[n] = '\0';
	return t;
}

static void test_grub_tokens_at_and_past_the_limit(void **state)
{
	struct kb_entry_list l;
	kb_error err = { 0 };
	char *text = grub_tokens(KB_GRUB_TOKENS_MAX, false);
	put("grub/grub.cfg", "%s", text);
	free(text);
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, 1);
	kb_entry_list_free(&l);

	text = grub_tokens(KB_GRUB_TOKENS_MAX, true);
	put("grub/grub.cfg", "%s", text);
	free(text);
	assert_int_equal(parse(kb_parse_grub, &l, &err), -E2BIG);
	char want[128];
	snprintf(want, sizeof(want), "more than %d words and separators", KB_GRUB_TOKENS_MAX);
	assert_non_null(strstr(err.text, want));
	assert_memory_equal(err.text, "vdb1:/grub/grub.cfg:", 20);
	kb_entry_list_free(&l);
}

/* 1 MiB of ';' is a million tokens: refused, not 24 MiB of them. */
static void test_grub_a_file_of_separators_is_refused(void **state)
{
	char *text = malloc(KB_PARSE_FILE_MAX + 1);
	assert_non_null(text);
	memset(text, ';', KB_PARSE_FILE_MAX);
	text[KB_PARSE_FILE_MAX] = '\0';
	put("grub/grub.cfg", "%s", text);
	free(text);
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), -E2BIG);
	kb_entry_list_free(&l);
}

/* The budget covers a file and those sourcing it, which stay alive while it
 * runs: a sourced file past what is left is skipped, the rest still read. */
static void test_grub_sourced_file_past_the_token_budget_is_skipped(void **state)
{
	char *text = grub_tokens(KB_GRUB_TOKENS_MAX, false);
	put("grub/big.cfg", "%s", text);
	free(text);
	put("grub/grub.cfg", "menuentry before {\n\tlinux /vmlinuz-1\n}\nsource /grub/big.cfg\n"
			     "menuentry after {\n\tlinux /vmlinuz-2\n}\n");
	struct kb_entry_list l;
	kb_error err = { 0 };
	assert_int_equal(parse(kb_parse_grub, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].title, "before");
	assert_string_equal(l.v[1].title, "after");
	kb_entry_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grub_cfg_of_exactly_the_limit_is_read, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_cfg_one_byte_past_the_limit_is_refused, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_extlinux_conf_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_bls_entry_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test(test_kboot_conf_at_and_past_the_limit),
		cmocka_unit_test_setup_teardown(test_grub_configfile_nesting_stops_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_source_nesting_stops_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_syslinux_include_nesting_stops_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_syslinux_included_files_stop_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_sourced_files_stop_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_self_inclusion_fan_out_finishes, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_entries_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_syslinux_labels_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_bls_entries_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test(test_kboot_conf_labels_at_and_past_the_limit),
		cmocka_unit_test_setup_teardown(test_grub_loops_nested_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_ifs_nested_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_thousands_of_braces_are_an_error_not_a_crash, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_tokens_at_and_past_the_limit, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_a_file_of_separators_is_refused, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_grub_sourced_file_past_the_token_budget_is_skipped, make_root, remove_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
