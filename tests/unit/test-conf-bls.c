/* BLS Type #1 entries: fixture trees and the entries they must yield. */
#include "entries-assert.h"
#include "kboot-core/discover-util.h"

#include <stdlib.h>

#define MID "4b1f0c3e8e7a4c2f9d5b6a7c8d9e0f1a"
#define FED_OPTS "root=UUID=2d1c5f7e-8a9b-4c3d-9e2f-1a0b9c8d7e6f ro rootflags=subvol=root rhgb quiet"

/* Fedora 39's /boot partition: loader/entries with `options
 * $kernelopts` (and an unset $tuned_params / $tuned_initrd), kernelopts in
 * grub2/grubenv. Newest version first, rescue last; no default of its own. */
static void test_fedora_kernelopts_from_grubenv(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/bls/fedora39-boot",
			    .target_prefix = "/boot" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_bls(&fs, &l, &err), 0);
	ASSERT_ENTRIES(&l,
		{ "Fedora Linux (6.5.12-300.fc39.x86_64) 39 (Workstation Edition)",
		  "/boot/vmlinuz-6.5.12-300.fc39.x86_64", { "/boot/initramfs-6.5.12-300.fc39.x86_64.img" },
		  FED_OPTS, false, KB_ENTRY_LINUX, MID "-6.5.12-300.fc39.x86_64" },
		{ "Fedora Linux (6.5.6-300.fc39.x86_64) 39 (Workstation Edition)",
		  "/boot/vmlinuz-6.5.6-300.fc39.x86_64", { "/boot/initramfs-6.5.6-300.fc39.x86_64.img" },
		  FED_OPTS, false, KB_ENTRY_LINUX, MID "-6.5.6-300.fc39.x86_64" },
		{ "Fedora Linux (0-rescue-" MID ") 39 (Workstation Edition)",
		  "/boot/vmlinuz-0-rescue-" MID, { "/boot/initramfs-0-rescue-" MID ".img" }, FED_OPTS,
		  false, KB_ENTRY_LINUX, MID "-0-rescue" });
	assert_string_equal(l.v[0].version, "6.5.12-300.fc39.x86_64");
	assert_string_equal(l.v[0].source, "/boot/loader/entries/" MID "-6.5.12-300.fc39.x86_64.conf");
	kb_entry_list_free(&l);
}

/* systemd-boot order on an ESP: sort-key first (ascending), then
 * machine-id, then newest version; entries without sort-key after, newest
 * id first. Repeated options lines join; several initrd lines add up. */
static void test_sort_key_order_and_repeated_keys(void **state)
{
	struct kb_fs fs = { .device = "vda1", .mountpoint = KB_FIXTURES "/bls/systemd-boot-esp" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_bls(&fs, &l, &err), 0);
	ASSERT_ENTRIES(&l,
		{ "Arch Linux", "vda1:/vmlinuz-linux", { "vda1:/intel-ucode.img", "vda1:/initramfs-linux.img" },
		  "root=LABEL=arch rw quiet", false, KB_ENTRY_LINUX, "arch" },
		{ "Debian 6.1.0-13", "vda1:/debian/vmlinuz-6.1.0-13-amd64", { NULL },
		  "root=/dev/vda3 ro", false, KB_ENTRY_LINUX, "debian-6.1.0-13" },
		{ "Debian 6.1.0-9", "vda1:/debian/vmlinuz-6.1.0-9-amd64", { NULL },
		  "root=/dev/vda3 ro", false, KB_ENTRY_LINUX, "debian-6.1.0-9" },
		{ "unsorted-b", "vda1:/vmlinuz-b", { NULL }, "", false, KB_ENTRY_LINUX, NULL },
		{ "unsorted-a", "vda1:/vmlinuz-a", { NULL }, "", false, KB_ENTRY_LINUX, NULL });
	kb_entry_list_free(&l);
}

/* Arch's pair without sort-key or version: systemd-boot shows arch.conf
 * above arch-fallback.conf (ids compare with their ".conf"), so the first
 * BLS entry, kboot's last-resort default, is not the fallback. */
static void test_fallback_after_its_main_entry(void **state)
{
	struct kb_fs fs = { .device = "vda1", .mountpoint = KB_FIXTURES "/bls/arch-fallback" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_bls(&fs, &l, &err), 0);
	ASSERT_ENTRIES(&l,
		{ "Arch Linux", "vda1:/vmlinuz-linux", { "vda1:/initramfs-linux.img" },
		  "root=LABEL=arch rw", false, KB_ENTRY_LINUX, "arch" },
		{ "Arch Linux (fallback initramfs)", "vda1:/vmlinuz-linux",
		  { "vda1:/initramfs-linux-fallback.img" }, "root=LABEL=arch rw", false, KB_ENTRY_LINUX,
		  "arch-fallback" });
	kb_entry_list_free(&l);
}

/* An entry without `linux` is skipped (logged), the others stay. */
static void test_entry_without_linux_is_skipped(void **state)
{
	struct kb_fs fs = { .device = "vda1", .mountpoint = KB_FIXTURES "/bls/broken-entry" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_bls(&fs, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].title, "good");
	kb_entry_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fedora_kernelopts_from_grubenv),
		cmocka_unit_test(test_sort_key_order_and_repeated_keys),
		cmocka_unit_test(test_fallback_after_its_main_entry),
		cmocka_unit_test(test_entry_without_linux_is_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
