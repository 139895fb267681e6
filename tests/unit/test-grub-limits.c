/* The named limits of the GRUB reader (kboot-core/grub.h), each at the
 * limit and one past it: statements nested, tokens, loop rounds, functions
 * called inside each other, commands run (a hostile fan-out finishes),
 * submenus nested, and one entry's own budget. Past a limit the reader
 * stops with a warning and keeps what it found; nothing fails or hangs. */
#include "entries-assert.h"
#include "kboot-core/buf.h"
#include "kboot-core/discover-util.h"
#include "kboot-core/grub.h"

#include <errno.h>
#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char root[64];

static int make_root(void **state)
{
	snprintf(root, sizeof(root), "/tmp/kb-grub-limits-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/grub", root);
	return mkdir(dir, 0755);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static int remove_root(void **state)
{
	return nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put_cfg(const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/grub/grub.cfg", root);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static struct kb_entry_list parse_text(const char *text)
{
	put_cfg(text);
	struct kb_fs fs = { .device = "vdb1", .mountpoint = root, .target_prefix = "" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	if (kb_parse_grub(&fs, &l, &err) < 0)
		fail_msg("kb_parse_grub: %s", err.text);
	return l;
}

static char *text_of(struct kb_buf *b)
{
	assert_non_null(b->data);
	return b->data;
}

/* n ifs around a menuentry: with its body, n + 1 blocks open at once. */
static char *nested_ifs(int n)
{
	struct kb_buf b;
	kb_buf_init(&b, 1 << 20);
	for (int i = 0; i < n; i++)
		assert_int_equal(kb_buf_adds(&b, "if true; then\n"), 0);
	assert_int_equal(kb_buf_adds(&b, "menuentry deep { linux /deep; }\n"), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(kb_buf_adds(&b, "fi\n"), 0);
	assert_int_equal(kb_buf_adds(&b, "menuentry after { linux /after; }\n"), 0);
	return text_of(&b);
}

static void test_nesting_at_and_past_the_limit(void **state)
{
	char *text = nested_ifs(GRUB_NEST_DEPTH_MAX - 1);
	struct kb_entry_list l = parse_text(text);
	free(text);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].kernel, "/deep");
	kb_entry_list_free(&l);

	/* one more: the file is refused, with the line of the block too many */
	text = nested_ifs(GRUB_NEST_DEPTH_MAX);
	put_cfg(text);
	free(text);
	struct kb_fs fs = { .device = "vdb1", .mountpoint = root, .target_prefix = "" };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_grub(&fs, &l, &err), -E2BIG);
	char want[96];
	snprintf(want, sizeof(want), "/grub/grub.cfg:%d: blocks nested more than %d deep",
		 GRUB_NEST_DEPTH_MAX + 1, GRUB_NEST_DEPTH_MAX);
	assert_string_equal(err.text, want);
	kb_entry_list_free(&l);
}

/* A menuentry (7 tokens with its newline), then `true` lines of 2 tokens. */
static char *tokens(size_t n)
{
	struct kb_buf b;
	kb_buf_init(&b, KB_PARSE_FILE_MAX);
	assert_int_equal(kb_buf_adds(&b, "menuentry x { linux /v }\n"), 0);
	for (size_t t = 7; t + 2 <= n; t += 2)
		assert_int_equal(kb_buf_adds(&b, "true\n"), 0);
	if (n % 2 == 0)
		assert_int_equal(kb_buf_adds(&b, "true"), 0); /* one more word, no newline */
	return text_of(&b);
}

static void test_tokens_at_and_past_the_limit(void **state)
{
	char *text = tokens(GRUB_TOKENS_MAX);
	struct kb_entry_list l = parse_text(text);
	free(text);
	assert_int_equal(l.n, 1);
	kb_entry_list_free(&l);

	text = tokens(GRUB_TOKENS_MAX + 1);
	put_cfg(text);
	free(text);
	struct kb_fs fs = { .device = "vdb1", .mountpoint = root, .target_prefix = "" };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_grub(&fs, &l, &err), -E2BIG);
	assert_non_null(strstr(err.text, "words and separators"));
	kb_entry_list_free(&l);
}

/* for over `outer` words, each running a for over `inner` words. */
static char *loops(int outer, int inner)
{
	struct kb_buf b;
	kb_buf_init(&b, 1 << 20);
	assert_int_equal(kb_buf_adds(&b, "for a in"), 0);
	for (int i = 0; i < outer; i++)
		assert_int_equal(kb_buf_addf(&b, " %d", i), 0);
	assert_int_equal(kb_buf_adds(&b, "; do\n  for b in"), 0);
	for (int i = 0; i < inner; i++)
		assert_int_equal(kb_buf_addf(&b, " %d", i), 0);
	assert_int_equal(kb_buf_adds(&b, "; do true; done\ndone\nmenuentry after { linux /after; }\n"), 0);
	return text_of(&b);
}

static void test_loop_rounds_at_and_past_the_limit(void **state)
{
	int outer = 100, inner = GRUB_LOOP_ITERATIONS_MAX / outer - 1; /* 100 + 100 * 99 rounds */
	char *text = loops(outer, inner);
	struct kb_entry_list l = parse_text(text);
	free(text);
	assert_int_equal(l.n, 1);
	kb_entry_list_free(&l);

	text = loops(outer + 1, inner); /* 101 + 101 * 99 rounds: the run stops */
	l = parse_text(text);
	free(text);
	assert_int_equal(l.n, 0);
	kb_entry_list_free(&l);
}

/* f calls itself: GRUB_CALL_DEPTH_MAX calls run, the next is refused, and
 * the file goes on. */
static void test_recursion_stops_at_the_call_depth(void **state)
{
	struct kb_entry_list l = parse_text("function f { set d=\"${d}x\"; f; }\nf\n"
					    "menuentry \"$d\" { linux /after; }\n");
	assert_int_equal(l.n, 1);
	assert_int_equal(strlen(l.v[0].title), GRUB_CALL_DEPTH_MAX);
	kb_entry_list_free(&l);
}

/* f calls itself twice: 2^32 calls without GRUB_STEPS_MAX. */
static void test_fan_out_stops_at_the_step_limit(void **state)
{
	time_t start = time(NULL);
	struct kb_entry_list l = parse_text("menuentry before { linux /before; }\n"
					    "function f { f; f; }\nf\n"
					    "menuentry after { linux /after; }\n");
	assert_true(time(NULL) - start < 20);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].kernel, "/before");
	kb_entry_list_free(&l);
}

static char *submenus(int n)
{
	struct kb_buf b;
	kb_buf_init(&b, 1 << 20);
	for (int i = 0; i < n; i++)
		assert_int_equal(kb_buf_addf(&b, "submenu s%d {\n", i), 0);
	assert_int_equal(kb_buf_adds(&b, "menuentry deep { linux /deep; }\n"), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(kb_buf_adds(&b, "}\n"), 0);
	assert_int_equal(kb_buf_adds(&b, "menuentry top { linux /top; }\n"), 0);
	return text_of(&b);
}

static void test_submenus_at_and_past_the_limit(void **state)
{
	char *text = submenus(GRUB_SUBMENU_DEPTH_MAX);
	struct kb_entry_list l = parse_text(text);
	free(text);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].title, "s0>s1>s2>s3>s4>s5>s6>s7>deep");
	kb_entry_list_free(&l);

	text = submenus(GRUB_SUBMENU_DEPTH_MAX + 1);
	l = parse_text(text);
	free(text);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].kernel, "/top");
	kb_entry_list_free(&l);
}

/* An entry's body has its own budget: an endless loop there stops it (the
 * initrd after it is not reached) and the next entry is read as usual. */
static void test_entry_body_budget(void **state)
{
	struct kb_entry_list l = parse_text(
		"menuentry spin { linux /spin; while true; do true; done; initrd /never; }\n"
		"menuentry fine { linux /fine; initrd /initrd; }\n");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].kernel, "/spin");
	assert_int_equal(l.v[0].n_initrds, 0);
	assert_string_equal(l.v[1].initrds[0], "/initrd");
	kb_entry_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_at_and_past_the_limit),
		cmocka_unit_test(test_tokens_at_and_past_the_limit),
		cmocka_unit_test(test_loop_rounds_at_and_past_the_limit),
		cmocka_unit_test(test_recursion_stops_at_the_call_depth),
		cmocka_unit_test(test_fan_out_stops_at_the_step_limit),
		cmocka_unit_test(test_submenus_at_and_past_the_limit),
		cmocka_unit_test(test_entry_body_budget),
	};
	return cmocka_run_group_tests(tests, make_root, remove_root);
}
