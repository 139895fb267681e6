/* The boot line shared by kboot.conf labels and the console prompt. */
#include "kboot-core/bootline.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

static void test_kernel_initrds_cmdline(void **state)
{
	struct kb_bootline b;
	kb_error err = { 0 };
	assert_int_equal(kb_bootline_parse("/boot/vmlinuz initrd=/boot/ucode.img,/boot/initrd.img "
					   "root=/dev/sda2 initrd=sda1:/extra.img quiet",
					   &b, &err), 0);
	assert_string_equal(b.kernel, "/boot/vmlinuz");
	assert_int_equal(b.n_initrds, 3);
	assert_string_equal(b.initrds[0], "/boot/ucode.img");
	assert_string_equal(b.initrds[1], "/boot/initrd.img");
	assert_string_equal(b.initrds[2], "sda1:/extra.img");
	assert_string_equal(b.cmdline, "root=/dev/sda2 quiet"); /* root= stays */
	kb_bootline_free(&b);
}

static void test_quoting(void **state)
{
	struct kb_bootline b;
	kb_error err = { 0 };
	assert_int_equal(kb_bootline_parse("'/mnt/my kernels/vmlinuz' \"console=ttyS0,115200 quiet\" "
					   "a=\"x y\" b='$HOME' c=\\\"q\\\"", &b, &err), 0);
	assert_string_equal(b.kernel, "/mnt/my kernels/vmlinuz");
	assert_int_equal(b.n_initrds, 0);
	assert_string_equal(b.cmdline, "console=\"ttyS0,115200 quiet\" a=\"x y\" b=$HOME c=\"q\"");
	kb_bootline_free(&b);
}

static void test_only_kernel(void **state)
{
	struct kb_bootline b;
	assert_int_equal(kb_bootline_parse("  hda1:/bzImage  ", &b, NULL), 0);
	assert_string_equal(b.kernel, "hda1:/bzImage");
	assert_string_equal(b.cmdline, "");
	kb_bootline_free(&b);
}

static void test_errors(void **state)
{
	struct kb_bootline b;
	kb_error err = { 0 };
	assert_int_equal(kb_bootline_parse("", &b, &err), -EINVAL);
	assert_string_equal(err.text, "no kernel given (a boot line starts with a kernel path)");
	assert_int_equal(kb_bootline_parse("/vmlinuz 'quiet", &b, &err), -EINVAL);
	assert_string_equal(err.text, "unterminated single quote");
	assert_int_equal(kb_bootline_parse("/vmlinuz \"quiet", &b, &err), -EINVAL);
	assert_string_equal(err.text, "unterminated double quote");
	assert_int_equal(kb_bootline_parse("/vmlinuz initrd=", &b, &err), -EINVAL);
	assert_string_equal(err.text, "initrd= needs a path");
	assert_int_equal(kb_bootline_parse("/vmlinuz initrd=a,,b", &b, &err), -EINVAL);
	char many[256] = "/vmlinuz initrd=";
	for (int i = 0; i <= KB_ENTRY_INITRDS_MAX; i++)
		strcat(many, i ? ",i" : "i");
	assert_int_equal(kb_bootline_parse(many, &b, &err), -E2BIG);
	assert_string_equal(err.text, "more than 16 initrds");
}

static void test_split_for_the_console(void **state)
{
	char **argv = NULL;
	kb_error err = { 0 };
	assert_int_equal(kb_bootline_split("cd  'sda1:/my dir'\t\"x\\\"y\" a\\ b", &argv, &err), 4);
	assert_string_equal(argv[0], "cd");
	assert_string_equal(argv[1], "sda1:/my dir");
	assert_string_equal(argv[2], "x\"y");
	assert_string_equal(argv[3], "a b");
	assert_null(argv[4]);
	kb_strv_free(argv);
	assert_int_equal(kb_bootline_split("   ", &argv, &err), 0);
	assert_null(argv[0]);
	kb_strv_free(argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_initrds_cmdline),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_only_kernel),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_split_for_the_console),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
