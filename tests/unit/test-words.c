/* Shell-style words, lexed once for the prompt, boot lines and kboot.conf
 * values: quotes, escapes, operators, continuations, comments and limits. */
#include "kboot-core/words.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_split_honours_quotes_and_backslashes(void **state)
{
	struct kb_words w;
	assert_int_equal(kb_words_split("  echo 'a b'  \"c \\\"d\\\"\" e\\ f ''", KB_WORDS_OPERATORS, &w, NULL), 0);
	assert_int_equal(w.n, 5);
	assert_string_equal(w.v[0].text, "echo");
	assert_string_equal(w.v[1].text, "a b");
	assert_true(w.v[1].literal);
	assert_string_equal(w.v[2].text, "c \"d\"");
	assert_true(w.v[2].quoted);
	assert_false(w.v[2].literal);
	assert_string_equal(w.v[3].text, "e f");
	assert_string_equal(w.v[4].text, "");
	kb_words_free(&w);
}

static void test_split_makes_operators_words(void **state)
{
	struct kb_words w;
	assert_int_equal(kb_words_split("cat //etc/fstab|grep x>>out 2>/dev/null", KB_WORDS_OPERATORS, &w, NULL), 0);
	const char *want[] = { "cat", "//etc/fstab", "|", "grep", "x", ">>", "out", "2", ">",
			       "/dev/null" };
	assert_int_equal(w.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < w.n; i++)
		assert_string_equal(w.v[i].text, want[i]);
	assert_true(w.v[2].op);
	assert_false(w.v[1].op);
	kb_words_free(&w);
}

static void test_split_refuses_an_open_quote(void **state)
{
	struct kb_words w;
	kb_error err = { 0 };
	assert_int_equal(kb_words_split("cat 'oops", KB_WORDS_OPERATORS, &w, &err), -EINVAL);
	assert_string_equal(err.text, "unterminated single quote");
}

static void test_one_line_stops_at_newline_and_comment(void **state)
{
	struct kb_words w;
	const char *text = "a 'b\nc' d # note\nnext=line\n";
	assert_int_equal(kb_words_split(text, KB_WORDS_ONE_LINE, &w, NULL), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.v[1].text, "b\nc"); /* a quote spans lines */
	assert_string_equal(text + w.end, "\nnext=line\n");
	kb_words_free(&w);
	/* Without ONE_LINE, newlines are blanks and # is a character. */
	assert_int_equal(kb_words_split("x\n#y", 0, &w, NULL), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.v[1].text, "#y");
	kb_words_free(&w);
}

static void test_a_backslash_newline_joins_lines(void **state)
{
	struct kb_words w;
	assert_int_equal(kb_words_split("ab\\\ncd \"e\\\nf\"", KB_WORDS_ONE_LINE, &w, NULL), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.v[0].text, "abcd");
	assert_string_equal(w.v[1].text, "ef");
	kb_words_free(&w);
}

static void test_limits_at_and_past(void **state)
{
	struct kb_words w;
	kb_error err = { 0 };
	char *text = malloc(KB_WORDS_TEXT_MAX + 2);
	assert_non_null(text);
	memset(text, 'a', KB_WORDS_TEXT_MAX);
	text[KB_WORDS_TEXT_MAX] = '\0';
	assert_int_equal(kb_words_split(text, 0, &w, &err), 0);
	assert_int_equal(strlen(w.v[0].text), KB_WORDS_TEXT_MAX);
	kb_words_free(&w);
	text[KB_WORDS_TEXT_MAX] = 'a';
	text[KB_WORDS_TEXT_MAX + 1] = '\0';
	assert_int_equal(kb_words_split(text, 0, &w, &err), -E2BIG);
	/* Words: KB_WORDS_MAX of "a " fit, one more does not. */
	char *many = malloc(2 * KB_WORDS_MAX + 3);
	assert_non_null(many);
	for (size_t i = 0; i < KB_WORDS_MAX; i++)
		memcpy(many + 2 * i, "a ", 2);
	many[2 * KB_WORDS_MAX] = '\0';
	assert_int_equal(kb_words_split(many, 0, &w, &err), 0);
	assert_int_equal(w.n, KB_WORDS_MAX);
	kb_words_free(&w);
	strcpy(many + 2 * KB_WORDS_MAX, "b");
	assert_int_equal(kb_words_split(many, 0, &w, &err), -E2BIG);
	free(many);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_honours_quotes_and_backslashes),
		cmocka_unit_test(test_split_makes_operators_words),
		cmocka_unit_test(test_split_refuses_an_open_quote),
		cmocka_unit_test(test_one_line_stops_at_newline_and_comment),
		cmocka_unit_test(test_a_backslash_newline_joins_lines),
		cmocka_unit_test(test_limits_at_and_past),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
