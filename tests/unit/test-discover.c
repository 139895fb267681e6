/* Discovery on one filesystem: every parser in turn, one failing parser
 * does not hide the others, kboot.conf labels, and which entry is default. */
#include "entries-assert.h"
#include "kboot-core/config.h"

#include <errno.h>
#include <stdlib.h>

static void test_fs_path_names(void **state)
{
	char out[256];
	struct kb_fs target = { .device = "vda3", .mountpoint = "/target", .target_prefix = "" };
	struct kb_fs boot = { .device = "vda2", .mountpoint = "/target/boot", .target_prefix = "/boot" };
	struct kb_fs other = { .device = "sdb1", .mountpoint = "/run/kboot/mnt/sdb1" };
	struct kb_fs dir = { .mountpoint = "/srv/tree/" };
	assert_int_equal(kb_fs_path(&target, "/boot/vmlinuz", out, sizeof(out)), 0);
	assert_string_equal(out, "/boot/vmlinuz");
	assert_int_equal(kb_fs_path(&boot, "/vmlinuz", out, sizeof(out)), 0);
	assert_string_equal(out, "/boot/vmlinuz");
	assert_int_equal(kb_fs_path(&boot, "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/boot");
	assert_int_equal(kb_fs_path(&other, "grub//grub.cfg", out, sizeof(out)), 0);
	assert_string_equal(out, "sdb1:/grub/grub.cfg");
	assert_int_equal(kb_fs_path(&other, "/a/../../b", out, sizeof(out)), 0);
	assert_string_equal(out, "sdb1:/b");
	assert_int_equal(kb_fs_path(&dir, "/vmlinuz", out, sizeof(out)), 0);
	assert_string_equal(out, "//srv/tree/vmlinuz");
	assert_int_equal(kb_fs_path(&other, "/vmlinuz", out, 8), -ENAMETOOLONG);
}

/* The real Debian 12 tree: grub's five entries; the plain parser adds no
 * duplicates for kernels grub.cfg already names. Merging leaves all five:
 * the advanced-menu copy of the default kernel is GRUB's own entry, and
 * saved_entry may name it (issue 13; it used to fold into the first). */
static void test_debian12_all_parsers(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/debian12",
			    .uuid = "7f3b9a2e-1c4d-4e5f-9a6b-2c8d0e1f3a45", .target_prefix = "" };
	struct kb_entry_list l = { 0 };
	assert_int_equal(kb_entries_discover_fs(&fs, &l), 5);
	kb_entry_list_merge(&l);
	kb_entries_mark_default(&l, NULL);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.v[0].title, "Debian GNU/Linux");
	assert_true(l.v[0].is_default);
	assert_string_equal(l.v[1].title, "Advanced options for Debian GNU/Linux>Debian GNU/Linux, "
					  "with Linux 6.1.0-13-amd64");
	assert_string_not_equal(l.v[0].id, l.v[1].id);
	kb_entry_list_free(&l);
}

/* grub.cfg has a syntax error: it is skipped (and logged); the BLS entries
 * on the same filesystem are still found. */
static void test_failing_parser_does_not_stop_others(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/discover/broken-grub-with-bls" };
	struct kb_entry_list l = { 0 };
	assert_int_equal(kb_entries_discover_fs(&fs, &l), 1);
	ASSERT_ENTRIES(&l, { "Fedora", "vda2:/vmlinuz-6.5.6", { NULL }, "root=/dev/vda3" });
	kb_entries_mark_default(&l, NULL); /* no other default: the first BLS entry */
	assert_true(l.v[0].is_default);
	kb_entry_list_free(&l);
}

static void test_kboot_conf_labels(void **state)
{
	struct kb_config cfg;
	kb_error err = { 0 };
	assert_int_equal(kb_config_load(KB_FIXTURES "/config/paper.conf", &cfg, &err), 0);
	assert_int_equal(kb_config_set_label(&cfg, "broken", "/vmlinuz 'oops", &err), 0);
	struct kb_entry_list l = { 0 };
	assert_int_equal(kb_entries_from_config(&cfg, &l, &err), 3); /* "broken" is logged */
	ASSERT_ENTRIES(&l,
		{ "debian", "/boot/vmlinuz", { "/boot/initrd.img" }, "root=/dev/sda2 quiet", true },
		{ "rescue", "/boot/vmlinuz", { "/boot/initrd.img", "/boot/rescue.img" },
		  "root=/dev/sda2 single", false },
		{ "net", "http://server/boot/vmlinuz", { NULL },
		  "root=/dev/nfs nfsroot=server:/export console=\"ttyS0,115200n8 quiet\"", false });
	assert_string_equal(l.v[0].source, "kboot.conf");
	kb_entry_list_free(&l);
	kb_config_free(&cfg);
}

/* kboot.conf's default= wins over grub's; it may name a label, an entry
 * title or a grub id. Without it the first config-marked default stays;
 * a default= naming nothing is logged and ignored. */
static void test_default_precedence(void **state)
{
	struct kb_fs deb = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/debian12",
			     .uuid = "7f3b9a2e-1c4d-4e5f-9a6b-2c8d0e1f3a45", .target_prefix = "" };
	struct kb_fs bls = { .device = "vdb1", .mountpoint = KB_FIXTURES "/bls/fedora39-boot" };
	struct kb_entry_list l = { 0 };
	kb_entries_discover_fs(&deb, &l);
	kb_entries_discover_fs(&bls, &l);
	kb_entry_list_merge(&l);

	kb_entries_mark_default(&l, NULL);
	assert_true(l.v[0].is_default); /* grub's default=0 */

	/* titles in a submenu carry its title: this names nothing */
	kb_entries_mark_default(&l, "Debian GNU/Linux, with Linux 6.1.0-12-amd64");
	assert_true(l.v[0].is_default); /* grub's default stays */
	kb_entries_mark_default(&l, "gnulinux-advanced-7f3b9a2e-1c4d-4e5f-9a6b-2c8d0e1f3a45>"
				    "gnulinux-6.1.0-12-amd64-recovery-7f3b9a2e-1c4d-4e5f-9a6b-2c8d0e1f3a45");
	assert_true(l.v[4].is_default); /* by grub id */
	kb_entries_mark_default(&l, "Fedora Linux (6.5.6-300.fc39.x86_64) 39 (Workstation Edition)");
	assert_true(l.v[6].is_default); /* by title */
	size_t defaults = 0;
	for (size_t i = 0; i < l.n; i++)
		defaults += l.v[i].is_default;
	assert_int_equal(defaults, 1);
	kb_entry_list_free(&l);

	/* only BLS entries: the first by sort order */
	kb_entries_discover_fs(&bls, &l);
	kb_entries_mark_default(&l, "no-such-label");
	assert_true(l.v[0].is_default);
	assert_string_equal(l.v[0].version, "6.5.12-300.fc39.x86_64");
	kb_entry_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs_path_names),
		cmocka_unit_test(test_debian12_all_parsers),
		cmocka_unit_test(test_failing_parser_does_not_stop_others),
		cmocka_unit_test(test_kboot_conf_labels),
		cmocka_unit_test(test_default_precedence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
