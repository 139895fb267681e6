/* The volume tools' runner: a fixed argv without a shell, the key on stdin
 * byte for byte, stdout kept, the last line of stderr as the reason, the
 * exit status returned. */
#include "kboot-core/buf.h"
#include "kboot-core/error.h"
#include "kboot-core/storage.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void test_the_key_reaches_stdin_exactly_and_stdout_is_kept(void **state)
{
	const char *const argv[] = { "cat", NULL };
	struct kb_buf out;
	kb_buf_init(&out, KB_STORAGE_OUTPUT_MAX);
	char msg[128];
	static const char key[] = "pass word\nwith a newline, no end";
	assert_int_equal(kb_storage_run(argv, NULL, key, sizeof(key) - 1, &out, msg, sizeof(msg)), 0);
	assert_int_equal(out.len, sizeof(key) - 1);
	assert_memory_equal(out.data, key, sizeof(key) - 1);
	assert_string_equal(msg, "");
	kb_buf_free(&out);
}

static void test_no_shell_reads_the_arguments(void **state)
{
	/* A shell would expand this; the tool gets it as one literal word. */
	const char *const argv[] = { "printf", "%s", "$(echo no) ; `true`", NULL };
	struct kb_buf out;
	kb_buf_init(&out, KB_STORAGE_OUTPUT_MAX);
	char msg[128];
	assert_int_equal(kb_storage_run(argv, NULL, NULL, 0, &out, msg, sizeof(msg)), 0);
	assert_string_equal(out.data, "$(echo no) ; `true`");
	kb_buf_free(&out);
}

static void test_exit_status_and_last_stderr_line(void **state)
{
	const char *const argv[] = { "ls", "/nonexistent-kboot-a", NULL };
	char msg[256];
	int r = kb_storage_run(argv, NULL, NULL, 0, NULL, msg, sizeof(msg));
	assert_true(r > 0);
	assert_non_null(strstr(msg, "nonexistent-kboot-a"));
	assert_null(strchr(msg, '\n'));
}

static void test_a_missing_tool_is_127_with_a_reason(void **state)
{
	const char *const argv[] = { "kboot-no-such-tool", NULL };
	char msg[256];
	assert_int_equal(kb_storage_run(argv, NULL, NULL, 0, NULL, msg, sizeof(msg)), 127);
	assert_non_null(strstr(msg, "cannot run kboot-no-such-tool"));
}

static void test_extra_environment_is_given_and_nothing_else(void **state)
{
	const char *const argv[] = { "env", NULL };
	const char *const env[] = { "LVM_SYSTEM_DIR=/run/kboot/storage/lvm", NULL };
	struct kb_buf out;
	kb_buf_init(&out, KB_STORAGE_OUTPUT_MAX);
	char msg[128];
	assert_int_equal(kb_storage_run(argv, env, NULL, 0, &out, msg, sizeof(msg)), 0);
	assert_non_null(strstr(out.data, "LVM_SYSTEM_DIR=/run/kboot/storage/lvm\n"));
	assert_non_null(strstr(out.data, "PATH="));
	assert_null(strstr(out.data, "HOME="));
	kb_buf_free(&out);
}

static void test_a_key_past_the_limit_is_refused(void **state)
{
	static char key[KB_STORAGE_KEY_MAX + 1];
	const char *const argv[] = { "cat", NULL };
	char msg[64];
	assert_int_equal(kb_storage_run(argv, NULL, key, sizeof(key), NULL, msg, sizeof(msg)), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_key_reaches_stdin_exactly_and_stdout_is_kept),
		cmocka_unit_test(test_no_shell_reads_the_arguments),
		cmocka_unit_test(test_exit_status_and_last_stderr_line),
		cmocka_unit_test(test_a_missing_tool_is_127_with_a_reason),
		cmocka_unit_test(test_extra_environment_is_given_and_nothing_else),
		cmocka_unit_test(test_a_key_past_the_limit_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
