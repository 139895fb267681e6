/* syslinux/extlinux/isolinux configs: fixture trees and their entries. */
#include "entries-assert.h"
#include "kboot-core/discover-util.h"

#define DEB_ROOT "root=UUID=7f3b9a2e-1c4d-4e5f-9a6b-2c8d0e1f3a45"

/* fixtures/syslinux/extlinux/boot/extlinux/extlinux.conf: INCLUDE first,
 * MENU LABEL titles ('^' hotkeys dropped), relative paths against the
 * config's directory, initrd= inside APPEND, INITRD with two files, a
 * global APPEND for labels without one, `APPEND -`, TEXT HELP skipped,
 * FDT ignored, a chain.c32 label as a legacy entry, DEFAULT l1. */
static void test_extlinux(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/syslinux/extlinux",
			    .target_prefix = "" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_syslinux(&fs, &l, &err), 0);
	ASSERT_ENTRIES(&l,
		{ "Rescue", "/boot/vmlinuz-6.1.0-13-amd64",
		  { "/boot/initrd.img-6.1.0-13-amd64", "/boot/rescue.img" }, "root=/dev/sda2 single", false },
		{ "Debian GNU/Linux, kernel 6.1.0-13-amd64", "/boot/vmlinuz-6.1.0-13-amd64",
		  { "/boot/initrd.img-6.1.0-13-amd64" }, DEB_ROOT " ro quiet", false },
		{ "Debian GNU/Linux, kernel 6.1.0-12-amd64", "/boot/vmlinuz-6.1.0-12-amd64",
		  { "/boot/initrd.img-6.1.0-12-amd64" }, DEB_ROOT " ro", true },
		{ "bare", "/boot/vmlinuz-6.1.0-12-amd64", { NULL }, "", false },
		{ "serial", "/boot/vmlinuz-6.1.0-12-amd64", { NULL }, "console=ttyS0", false },
		{ "Boot from first hard disk", "/boot/extlinux/chain.c32", { NULL }, "", false,
		  KB_ENTRY_LEGACY });
	assert_string_equal(l.v[0].source, "/boot/extlinux/common.cfg");
	assert_string_equal(l.v[1].source, "/boot/extlinux/extlinux.conf");
	kb_entry_list_free(&l);
}

/* isolinux.cfg includes itself: reading stops at the depth limit. */
static void test_include_loop_stops(void **state)
{
	struct kb_fs fs = { .device = "sr0", .mountpoint = KB_FIXTURES "/syslinux/isolinux-loop" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_syslinux(&fs, &l, &err), 0);
	assert_int_equal(l.n, 1 + KB_INCLUDE_DEPTH_MAX);
	assert_string_equal(l.v[0].kernel, "sr0:/live/vmlinuz");
	assert_string_equal(l.v[0].initrds[0], "sr0:/live/initrd.img");
	assert_string_equal(l.v[0].cmdline, "boot=live");
	assert_true(l.v[0].is_default);
	for (size_t i = 1; i < l.n; i++)
		assert_false(l.v[i].is_default); /* one default per config */
	kb_entry_list_free(&l);
}

/* fixtures/syslinux/search-list: configs where syslinux itself looks
 * (/boot/syslinux, /syslinux, /). In one directory the first of
 * extlinux.conf, syslinux.cfg, isolinux.cfg is the config, as the loader
 * reads only that one: /boot/syslinux/syslinux.cfg is not read. */
static void test_syslinux_search_list(void **state)
{
	struct kb_fs fs = { .device = "sdb1", .mountpoint = KB_FIXTURES "/syslinux/search-list" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_syslinux(&fs, &l, &err), 0);
	ASSERT_ENTRIES(&l, { "first", "sdb1:/vmlinuz-first", { NULL }, "", false },
		       { "dir", "sdb1:/syslinux/vmlinuz-dir", { NULL }, "", false },
		       { "top", "sdb1:/vmlinuz-top", { NULL }, "root=/dev/sda1", true });
	assert_string_equal(l.v[2].source, "sdb1:/syslinux.cfg");
	kb_entry_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extlinux),
		cmocka_unit_test(test_include_loop_stops),
		cmocka_unit_test(test_syslinux_search_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
