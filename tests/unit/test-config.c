/* kboot.conf: the paper's shell syntax, petitboot's label=kernel args, and
 * the errors a person sees. */
#include "kboot-core/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#ifndef KB_FIXTURES
#define KB_FIXTURES "tests/unit/fixtures"
#endif

static void test_paper_syntax(void **state)
{
	struct kb_config c;
	kb_error err = { 0 };
	assert_int_equal(kb_config_load(KB_FIXTURES "/config/paper.conf", &c, &err), 0);
	assert_string_equal(c.default_label, "debian");
	assert_int_equal(c.timeout_s, 5);
	assert_string_equal(c.root, "UUID=7f3b9a2e-1c4d-4e5f-9a6b-2c8d0e1f3a45");
	assert_string_equal(c.message, "Welcome to kboot");
	assert_string_equal(c.password_hash, "$6$kboot$1FoRd6P8mvrEXNCYT2mk7q0qNTBNRFlZ.yY3wxcwOsoyqKCWjjvyY3/Y7O6ZzLmbOsQpZ4yYo0ZsRYuQeZM7I1");
	assert_int_equal(c.n_labels, 3);
	assert_string_equal(kb_config_label(&c, "debian")->command,
			    "/boot/vmlinuz initrd=/boot/initrd.img root=/dev/sda2 quiet");
	assert_string_equal(kb_config_label(&c, "rescue")->command,
			    "/boot/vmlinuz initrd=/boot/initrd.img,/boot/rescue.img root=/dev/sda2 single");
	/* inner quotes survive for the boot-line parser */
	assert_string_equal(kb_config_label(&c, "net")->command,
			    "http://server/boot/vmlinuz root=/dev/nfs nfsroot=server:/export \"console=ttyS0,115200n8 quiet\"");
	assert_null(kb_config_label(&c, "timeout"));
	kb_config_free(&c);
}

static void test_petitboot_syntax(void **state)
{
	struct kb_config c;
	kb_error err = { 0 };
	assert_int_equal(kb_config_load(KB_FIXTURES "/config/petitboot.conf", &c, &err), 0);
	assert_string_equal(c.default_label, "linux");
	assert_int_equal(c.timeout_s, 10);
	assert_int_equal(c.n_labels, 2);
	assert_string_equal(c.labels[0].name, "linux");
	assert_string_equal(c.labels[0].command, "/boot/vmlinuz root=/dev/sda1 initrd=/boot/initrd");
	assert_string_equal(c.labels[1].command,
			    "sda1:/boot/vmlinuz.old initrd=sda1:/boot/initrd.old root=/dev/sda1 ro");
	kb_config_free(&c);
}

static void test_defaults_when_empty(void **state)
{
	struct kb_config c;
	assert_int_equal(kb_config_parse("\n# nothing\n\n", 12, &c, NULL), 0);
	assert_null(c.default_label);
	assert_int_equal(c.timeout_s, 10);
	assert_int_equal(c.n_labels, 0);
	assert_false(c.auth_none);
	kb_config_free(&c);
}

static void expect_error(const char *text, int code, const char *message)
{
	struct kb_config c;
	kb_error err = { 0 };
	assert_int_equal(kb_config_parse(text, strlen(text), &c, &err), -code);
	assert_string_equal(err.text, message);
}

static void test_errors_name_the_line(void **state)
{
	expect_error("default=a\n\nlinux='/boot/vmlinuz quiet\n", EINVAL,
		     "kboot.conf:3: unterminated single quote");
	expect_error("timeout=soon\n", EINVAL,
		     "kboot.conf:1: timeout=soon: expected seconds (0-86400), or -1 for never");
	expect_error("a=1\njust words\n", EINVAL, "kboot.conf:2: expected name=value");
	expect_error("auth=maybe\n", EINVAL, "kboot.conf:1: auth=maybe: expected \"password\" or \"none\"");
	expect_error("x='multi\nline'\nbad line\n", EINVAL, "kboot.conf:3: expected name=value");
	expect_error("tls=on\n", EINVAL, "kboot.conf:1: tls=on: expected auto (a certificate made at start) or off");
}

/* tls= is kbootd's (auto: a certificate made at start; off: plain HTTP), never a label. */
static void test_tls_setting(void **state)
{
	struct kb_config c;
	const char text[] = "tls=auto\n";
	assert_int_equal(kb_config_parse(text, strlen(text), &c, NULL), 0);
	assert_string_equal(c.tls, "auto");
	assert_int_equal(c.n_labels, 0);
	kb_config_free(&c);
	assert_int_equal(kb_config_parse("\n", 1, &c, NULL), 0);
	assert_null(c.tls);
	kb_config_free(&c);
}

/* session_timeout= is kbootd's idle limit for a login, 30 minutes unless set,
 * from 1 s to a week. */
static void test_session_timeout_setting(void **state)
{
	struct kb_config c;
	assert_int_equal(kb_config_parse("\n", 1, &c, NULL), 0);
	assert_int_equal(c.session_timeout_s, 30 * 60);
	kb_config_free(&c);
	assert_int_equal(kb_config_parse("session_timeout=1\n", 18, &c, NULL), 0);
	assert_int_equal(c.session_timeout_s, 1);
	assert_int_equal(c.n_labels, 0);
	kb_config_free(&c);
	assert_int_equal(kb_config_parse("session_timeout=604800\n", 23, &c, NULL), 0);
	assert_int_equal(c.session_timeout_s, 604800);
	kb_config_free(&c);
	expect_error("session_timeout=0\n", EINVAL,
		     "kboot.conf:1: session_timeout=0: expected seconds (1-604800)");
	expect_error("session_timeout=604801\n", EINVAL,
		     "kboot.conf:1: session_timeout=604801: expected seconds (1-604800)");
}

static void test_size_limit(void **state)
{
	static char big[KB_CONFIG_SIZE_MAX + 2];
	memset(big, '#', sizeof(big) - 1);
	struct kb_config c;
	kb_error err = { 0 };
	assert_int_equal(kb_config_parse(big, sizeof(big) - 1, &c, &err), -EFBIG);
	assert_string_equal(err.text, "kboot.conf: larger than 256 KiB");
}

static void test_labels_limit_and_set_label(void **state)
{
	struct kb_config c;
	kb_config_init(&c);
	kb_error err = { 0 };
	assert_int_equal(kb_config_set_label(&c, "mine", "/vmlinuz quiet", &err), 0);
	assert_int_equal(kb_config_set_label(&c, "mine", "/vmlinuz-2", &err), 0); /* replaces */
	assert_int_equal(c.n_labels, 1);
	assert_string_equal(kb_config_label(&c, "mine")->command, "/vmlinuz-2");
	assert_int_equal(kb_config_set_label(&c, "timeout", "3", &err), -EINVAL);
	assert_int_equal(kb_config_set_label(&c, "bad name", "x", &err), -EINVAL);
	char name[16];
	for (int i = 1; i < KB_CONFIG_LABELS_MAX; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		assert_int_equal(kb_config_set_label(&c, name, "/k", &err), 0);
	}
	assert_int_equal(kb_config_set_label(&c, "onemore", "/k", &err), -E2BIG);
	assert_true(kb_config_is_setting("default"));
	assert_false(kb_config_is_setting("debian"));
	kb_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_syntax),
		cmocka_unit_test(test_petitboot_syntax),
		cmocka_unit_test(test_defaults_when_empty),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_tls_setting),
		cmocka_unit_test(test_session_timeout_setting),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_labels_limit_and_set_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
