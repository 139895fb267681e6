/* The canonical text of a parsed path reads back as the same path (fuzzing
 * found each case below: tests/fuzz/corpus/fuzz-path/regress-*). */
#include "kboot-core/path.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void assert_canonical(const char *text, const char *cwd, const char *want)
{
	static struct kb_path p, again;
	char formatted[KB_PATH_MAX + KB_PATH_DEVICE_MAX], formatted2[sizeof(formatted)];
	kb_error err = { 0 };
	assert_int_equal(kb_path_parse(text, cwd, &p, &err), 0);
	assert_int_equal(kb_path_format(&p, formatted, sizeof(formatted)), 0);
	assert_string_equal(formatted, want);
	assert_int_equal(kb_path_parse(formatted, NULL, &again, &err), 0);
	assert_int_equal(again.kind, p.kind);
	assert_string_equal(again.device, p.device);
	assert_string_equal(again.path, p.path);
	assert_int_equal(kb_path_format(&again, formatted2, sizeof(formatted2)), 0);
	assert_string_equal(formatted2, want);
}

/* "/dev/foo" is a device even when "foo" alone is not a device word. */
static void test_dev_name_keeps_its_dev_prefix(void **state)
{
	assert_canonical("/dev/foo:/boot/vmlinuz", NULL, "/dev/foo:/boot/vmlinuz");
	assert_canonical("/dev/foo", NULL, "/dev/foo");
	assert_canonical("/dev/sda1:/boot", NULL, "sda1:/boot");
	assert_canonical("UUID=1234:/boot", NULL, "UUID=1234:/boot");
}

/* The target's own /dev/x is not the device /dev/x. */
static void test_target_dev_directory_is_not_a_device(void **state)
{
	assert_canonical("../dev/sda1", "/boot", "/./dev/sda1");
	assert_canonical("/./dev/sda1:x", NULL, "/./dev/sda1:x");
}

/* A relative name against a URL keeps its query out of the path. */
static void test_relative_url_keeps_its_query(void **state)
{
	assert_canonical("b/./c?x=/../y", "http://host/a/", "http://host/a/b/c?x=/../y");
	assert_canonical("../k#frag", "http://host/a/b?q", "http://host/a/k#frag");
}

int main(void)
{
	setenv("KBOOT_SYSFS", "/nonexistent", 1); /* device words by shape only */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_name_keeps_its_dev_prefix),
		cmocka_unit_test(test_target_dev_directory_is_not_a_device),
		cmocka_unit_test(test_relative_url_keeps_its_query),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
