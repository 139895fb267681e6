/* Plain kernels (vmlinuz-VER, bzImage-VER) with their initrds. */
#include "entries-assert.h"
#include "kboot-core/discover-util.h"

#define UUID "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"

/* A root filesystem (it has /sbin/init): root=UUID= of itself, newest
 * version first (6.1.0-10 is newer than 6.1.0-9), initrd.img-VER and
 * initramfs-VER.img matched, a kernel without initrd kept, .sig ignored. */
static void test_root_filesystem(void **state)
{
	struct kb_fs fs = { .device = "vda3", .mountpoint = KB_FIXTURES "/plain/root-with-boot",
			    .uuid = UUID };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_plain(&fs, &l, &err), 0);
	ASSERT_ENTRIES(&l,
		{ "Linux 6.7.0", "vda3:/boot/bzImage-6.7.0", { "vda3:/boot/initramfs-6.7.0.img" },
		  "root=UUID=" UUID " ro" },
		{ "Linux 6.1.0-10-amd64", "vda3:/boot/vmlinuz-6.1.0-10-amd64",
		  { "vda3:/boot/initrd.img-6.1.0-10-amd64" }, "root=UUID=" UUID " ro" },
		{ "Linux 6.1.0-9-amd64", "vda3:/boot/vmlinuz-6.1.0-9-amd64",
		  { "vda3:/boot/initrd.img-6.1.0-9-amd64" }, "root=UUID=" UUID " ro" },
		{ "Linux 5.10.0-26-amd64", "vda3:/vmlinuz-5.10.0-26-amd64", { NULL },
		  "root=UUID=" UUID " ro" });
	assert_string_equal(l.v[0].version, "6.7.0");
	kb_entry_list_free(&l);
}

/* The target's /boot partition: root= is the target root's UUID. */
static void test_boot_partition_of_target(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/plain/boot-partition",
			    .target_prefix = "/boot", .root_uuid = UUID };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_plain(&fs, &l, &err), 0);
	ASSERT_ENTRIES(&l, { "Linux 6.1.0-13-amd64", "/boot/vmlinuz-6.1.0-13-amd64",
			     { "/boot/initrd.img-6.1.0-13-amd64" }, "root=UUID=" UUID " ro" });
	kb_entry_list_free(&l);
}

/* A /boot partition of an unknown system: no root= can be derived. */
static void test_unknown_root(void **state)
{
	struct kb_fs fs = { .device = "sdb1", .mountpoint = KB_FIXTURES "/plain/boot-partition",
			    .uuid = "1111-2222" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_plain(&fs, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].cmdline, "ro");
	kb_entry_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_filesystem),
		cmocka_unit_test(test_boot_partition_of_target),
		cmocka_unit_test(test_unknown_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
