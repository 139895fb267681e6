/* The paper's `hda7`: a chainload entry records the device it boots
 * (conf-grub.c), and the device a person types is matched to it by UUID or
 * by GRUB's disk numbering (legacy-device.c). */
#include "entries-assert.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/discover-util.h"
#include "kboot-core/legacy-device.h"

static const char *device_of(const struct kb_entry_list *l, const char *title)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].title && !strcmp(l->v[i].title, title))
			return l->v[i].legacy_device;
	fail_msg("no entry '%s'", title);
	return NULL;
}

static void test_chainload_entries_record_their_device(void **state)
{
	(void)state;
	struct kb_fs fs = { .device = "sda2", .mountpoint = KB_FIXTURES "/grub/chainload-devices",
			    .uuid = "0b6c2a3e-1111-2222-3333-444455556666", .target_prefix = "" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	if (kb_parse_grub(&fs, &l, &err) < 0)
		fail_msg("kb_parse_grub: %s", err.text);
	assert_int_equal(l.n, 5);
	assert_null(device_of(&l, "Debian"));
	/* search --fs-uuid runs after set root: the UUID wins, as in GRUB */
	assert_string_equal(device_of(&l, "Windows 7 (loader) (on /dev/sda1)"), "UUID=1A2B3C4D5E6F7788");
	assert_string_equal(device_of(&l, "FreeDOS"), "hd1,gpt2");
	assert_string_equal(device_of(&l, "Second disk MBR"), "hd1");
	assert_string_equal(device_of(&l, "Windows Boot Manager"), "FILE=/bootmgr");
	for (size_t i = 1; i < l.n; i++)
		assert_int_equal(l.v[i].type, KB_ENTRY_LEGACY);
	kb_entry_list_free(&l);
}

static struct kb_device dev(const char *name, const char *parent, const char *uuid)
{
	struct kb_device d = { .is_partition = parent[0] != '\0' };
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.parent, sizeof(d.parent), "%s", parent);
	snprintf(d.uuid, sizeof(d.uuid), "%s", uuid);
	return d;
}

static void test_typed_devices_match_grub_names(void **state)
{
	(void)state;
	/* kb_devices_scan order: loop0 and sr0 are not BIOS disks */
	struct kb_device v[] = { dev("loop0", "", ""),	  dev("nvme0n1", "", ""),
				 dev("nvme0n1p1", "nvme0n1", "1A2B3C4D5E6F7788"),
				 dev("nvme0n1p2", "nvme0n1", ""), dev("sda", "", ""),
				 dev("sda1", "sda", "AAAA-BBBB"), dev("sda2", "sda", ""),
				 dev("sr0", "", "") };
	struct kb_device_list all = { v, KB_ELEMENTSOF(v) };
	assert_true(kb_legacy_device_matches("hd0,msdos1", &v[2], &all));
	assert_true(kb_legacy_device_matches("hd0,gpt2", &v[3], &all));
	assert_false(kb_legacy_device_matches("hd0,gpt2", &v[2], &all));
	assert_true(kb_legacy_device_matches("hd1,gpt2", &v[6], &all));
	assert_true(kb_legacy_device_matches("hd1", &v[4], &all));
	assert_false(kb_legacy_device_matches("hd1", &v[5], &all)); /* the disk, not sda1 */
	assert_true(kb_legacy_device_matches("hd1,1", &v[4], &all)); /* sda: its partitions too */
	assert_false(kb_legacy_device_matches("hd2", &v[7], &all));
	assert_true(kb_legacy_device_matches("UUID=1a2b3c4d5e6f7788", &v[2], &all));
	assert_true(kb_legacy_device_matches("UUID=1A2B3C4D5E6F7788", &v[1], &all));
	assert_false(kb_legacy_device_matches("UUID=1A2B3C4D5E6F7788", &v[4], &all));
	assert_false(kb_legacy_device_matches("FILE=/bootmgr", &v[2], &all));
	assert_false(kb_legacy_device_matches(NULL, &v[2], &all));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chainload_entries_record_their_device),
		cmocka_unit_test(test_typed_devices_match_grub_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
