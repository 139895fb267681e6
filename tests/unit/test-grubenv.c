/* grubenv: a block written by grub-editenv (fixtures/grubenv/fedora/grubenv). */
#include "kboot-core/grubenv.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#ifndef KB_FIXTURES
#define KB_FIXTURES "tests/unit/fixtures"
#endif

static void test_grub_editenv_block(void **state)
{
	struct kb_grubenv env;
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_load(KB_FIXTURES "/grubenv/fedora/grubenv", &env, &err), 0);
	assert_int_equal(env.block_size, KB_GRUBENV_BLOCK_SIZE);
	assert_int_equal(env.n, 4);
	assert_string_equal(env.v[0].name, "saved_entry"); /* order kept */
	assert_string_equal(kb_grubenv_get(&env, "saved_entry"),
			    "4b1f0c3e8e7a4c2f9d5b6a7c8d9e0f1a-6.5.6-300.fc39.x86_64");
	assert_string_equal(kb_grubenv_get(&env, "kernelopts"),
			    "root=UUID=2d1c5f7e-8a9b-4c3d-9e2f-1a0b9c8d7e6f ro rootflags=subvol=root rhgb quiet");
	assert_string_equal(kb_grubenv_get(&env, "boot_success"), "0");
	/* grub-editenv escapes newline and backslash with a backslash */
	assert_string_equal(kb_grubenv_get(&env, "multi"), "line one\nline two\\back");
	assert_null(kb_grubenv_get(&env, "next_entry"));
	kb_grubenv_free(&env);
}

static void test_edit_in_place(void **state)
{
	struct kb_grubenv env;
	const char text[] = "# GRUB Environment Block\na=1\nb=2\n####";
	assert_int_equal(kb_grubenv_parse(text, sizeof(text) - 1, &env, NULL), 0);
	assert_int_equal(kb_grubenv_set(&env, "a", "one", NULL), 0);
	assert_int_equal(kb_grubenv_set(&env, "c", "3", NULL), 0);
	kb_grubenv_unset(&env, "b");
	assert_int_equal(env.n, 2);
	assert_string_equal(env.v[0].name, "a");
	assert_string_equal(env.v[0].value, "one");
	assert_string_equal(env.v[1].name, "c");
	kb_grubenv_free(&env);
}

static void test_not_a_grubenv(void **state)
{
	struct kb_grubenv env;
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_parse("saved_entry=x\n", 14, &env, &err), -EINVAL);
	assert_string_equal(err.text, "not a GRUB environment block (no signature)");
	assert_int_equal(kb_grubenv_load(KB_FIXTURES "/grubenv/none", &env, &err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grub_editenv_block),
		cmocka_unit_test(test_edit_in_place),
		cmocka_unit_test(test_not_a_grubenv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
