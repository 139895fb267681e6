/* GRUB 2 grub.cfg: each test names a fixture tree (the filesystem the config
 * sits on) and the menu GRUB would show from it. */
#include "entries-assert.h"
#include "kboot-core/discover-util.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEB_UUID "7f3b9a2e-1c4d-4e5f-9a6b-2c8d0e1f3a45"
#define DEB_ROOT "root=UUID=" DEB_UUID
#define DEB_SIMPLE_ID "gnulinux-simple-" DEB_UUID
#define DEB_ADV "gnulinux-advanced-" DEB_UUID

static struct kb_entry_list parse_ok(const struct kb_fs *fs)
{
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	int r = kb_parse_grub(fs, &l, &err);
	if (r < 0)
		fail_msg("kb_parse_grub: %s", err.text);
	return l;
}

/* fixtures/grub/debian12/boot/grub/grub.cfg: real grub-mkconfig output
 * (Debian 12, two kernels, stock /etc/default/grub). The target's root fs. */
static void test_debian12_grub_mkconfig(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/debian12",
			    .uuid = DEB_UUID, .target_prefix = "" };
	struct kb_entry_list l = parse_ok(&fs);
	ASSERT_ENTRIES(&l,
		{ "Debian GNU/Linux", "/boot/vmlinuz-6.1.0-13-amd64",
		  { "/boot/initrd.img-6.1.0-13-amd64" }, DEB_ROOT " ro quiet", true,
		  KB_ENTRY_LINUX, DEB_SIMPLE_ID },
		{ "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-13-amd64",
		  "/boot/vmlinuz-6.1.0-13-amd64", { "/boot/initrd.img-6.1.0-13-amd64" },
		  DEB_ROOT " ro quiet", false, KB_ENTRY_LINUX,
		  DEB_ADV ">gnulinux-6.1.0-13-amd64-advanced-" DEB_UUID },
		{ "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-13-amd64 (recovery mode)",
		  "/boot/vmlinuz-6.1.0-13-amd64", { "/boot/initrd.img-6.1.0-13-amd64" },
		  DEB_ROOT " ro single", false, KB_ENTRY_LINUX,
		  DEB_ADV ">gnulinux-6.1.0-13-amd64-recovery-" DEB_UUID },
		{ "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-12-amd64",
		  "/boot/vmlinuz-6.1.0-12-amd64", { "/boot/initrd.img-6.1.0-12-amd64" },
		  DEB_ROOT " ro quiet", false, KB_ENTRY_LINUX, NULL },
		{ "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-12-amd64 (recovery mode)",
		  "/boot/vmlinuz-6.1.0-12-amd64", { "/boot/initrd.img-6.1.0-12-amd64" },
		  DEB_ROOT " ro single", false, KB_ENTRY_LINUX, NULL });
	assert_string_equal(l.v[0].source, "/boot/grub/grub.cfg");
	kb_entry_list_free(&l);
}

/* fixtures/grub/debian12-savedefault: grub-mkconfig output made here
 * (GRUB_DEFAULT=saved, GRUB_SAVEDEFAULT=true; recipe in the fixtures'
 * README) with a grubenv from grub-editenv naming the advanced-menu entry
 * of 6.1.0-12. That entry is the default; the advanced copy of 6.1.0-13
 * boots what the first entry boots and is still its own entry. */
static void test_debian12_saved_default(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/debian12-savedefault",
			    .uuid = DEB_UUID, .target_prefix = "" };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 5);
	kb_entry_list_merge(&l);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.v[i].is_default, i == 3);
	assert_string_equal(l.v[3].grub_id, DEB_ADV ">gnulinux-6.1.0-12-amd64-advanced-" DEB_UUID);
	assert_string_equal(l.v[3].kernel, "/boot/vmlinuz-6.1.0-12-amd64");
	assert_string_equal(l.v[1].cmdline, l.v[0].cmdline);
	assert_string_equal(l.v[0].cmdline, DEB_ROOT " ro quiet");
	kb_entry_list_free(&l);
}

/* The same grub.cfg on a disk that is not the target: names carry the device. */
static void test_debian12_on_other_disk(void **state)
{
	struct kb_fs fs = { .device = "sdb2", .mountpoint = KB_FIXTURES "/grub/debian12",
			    .uuid = DEB_UUID };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.v[0].kernel, "sdb2:/boot/vmlinuz-6.1.0-13-amd64");
	assert_string_equal(l.v[0].initrds[0], "sdb2:/boot/initrd.img-6.1.0-13-amd64");
	assert_string_equal(l.v[0].source, "sdb2:/boot/grub/grub.cfg");
	kb_entry_list_free(&l);
}

/* grubenv next_entry (grub-reboot) picks the default for one boot, through
 * the header script grub-mkconfig wrote. */
static void test_debian12_next_entry(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/debian12-next-entry",
			    .uuid = DEB_UUID, .target_prefix = "" };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.v[i].is_default, i == 3);
	assert_string_equal(l.v[3].title, "Advanced options for Debian GNU/Linux>Debian GNU/Linux, "
					  "with Linux 6.1.0-12-amd64");
	kb_entry_list_free(&l);
}

/* Real grub-mkconfig output for /boot on its own partition: `search
 * --fs-uuid` names the /boot fs, kernel paths are relative to it. */
static void test_debian12_separate_boot(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/debian12-separate-boot",
			    .uuid = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", .target_prefix = "/boot" };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].title, "Debian GNU/Linux");
	assert_string_equal(l.v[0].kernel, "/boot/vmlinuz-6.1.0-13-amd64");
	assert_string_equal(l.v[0].initrds[0], "/boot/initrd.img-6.1.0-13-amd64");
	assert_string_equal(l.v[0].cmdline, "root=UUID=9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a ro quiet");
	assert_true(l.v[0].is_default);
	assert_string_equal(l.v[0].source, "/boot/grub/grub.cfg");
	kb_entry_list_free(&l);
}

/* When the fs holding grub.cfg is not the one `search` finds, kernels are
 * named by UUID. */
static void test_search_other_filesystem(void **state)
{
	struct kb_fs fs = { .device = "vda1", .mountpoint = KB_FIXTURES "/grub/debian12-separate-boot",
			    .uuid = "00000000-0000-0000-0000-000000000000" };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].kernel,
			    "UUID=3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f:/vmlinuz-6.1.0-13-amd64");
	kb_entry_list_free(&l);
}

/* Hand-written config: variables, a submenu with a title default, if/else,
 * two initrds, a kernel on another disk, a chainloader (legacy) entry. A
 * menuentry inside a function body is not defined. */
static void test_submenu_chainload(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/submenu-chainload",
			    .uuid = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" };
	struct kb_entry_list l = parse_ok(&fs);
	ASSERT_ENTRIES(&l,
		{ "Linux 6.6.1", "vda2:/boot/vmlinuz-6.6.1", { "vda2:/boot/initrd.img-6.6.1" },
		  "root=/dev/vda2 ro console=ttyS0,115200 quiet", false, KB_ENTRY_LINUX, "linux-main" },
		{ "Tests>Kernel with two initrds", "vda2:/boot/vmlinuz-6.6.1",
		  { "vda2:/boot/intel-ucode.img", "vda2:/boot/initrd.img-6.6.1" },
		  /* GRUB's lib/cmdline.c quotes a whole word that holds a blank */
		  "root=/dev/vda2 \"acpi_osi=Windows 2015\"", true, KB_ENTRY_LINUX,
		  "Tests>Kernel with two initrds" },
		{ "Tests>Kernel on the data disk",
		  "UUID=11111111-2222-3333-4444-555555555555:/vmlinuz-test", { NULL },
		  "root=LABEL=data", false, KB_ENTRY_LINUX, NULL },
		{ "Tests>BIOS only", "vda2:/boot/vmlinuz-bios", { NULL }, "", false, KB_ENTRY_LINUX, NULL },
		{ "Windows Boot Manager (on /dev/sda1)", NULL, { NULL }, "", false, KB_ENTRY_LEGACY,
		  "osprober-efi-0A1B-2C3D" });
	kb_entry_list_free(&l);
}

/* Fedora: grub.cfg says `blscfg`; the BLS entries become the menu, in BLS
 * order, and `default=${saved_entry}` picks one by its BLS id. The
 * fallback-counting block must not fire (boot_counter is unset). */
static void test_fedora_blscfg_saved_entry(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/fedora39-blscfg",
			    .uuid = "3c6f7b2a-0d1e-4f5a-8b9c-7d6e5f4a3b2c", .target_prefix = "/boot" };
	struct kb_entry_list l = parse_ok(&fs);
#define FED_OPTS "root=UUID=2d1c5f7e-8a9b-4c3d-9e2f-1a0b9c8d7e6f ro rootflags=subvol=root rhgb quiet"
#define MID "4b1f0c3e8e7a4c2f9d5b6a7c8d9e0f1a"
	ASSERT_ENTRIES(&l,
		{ "Fedora Linux (6.5.12-300.fc39.x86_64) 39 (Workstation Edition)",
		  "/boot/vmlinuz-6.5.12-300.fc39.x86_64", { "/boot/initramfs-6.5.12-300.fc39.x86_64.img" },
		  FED_OPTS, false, KB_ENTRY_LINUX, MID "-6.5.12-300.fc39.x86_64" },
		{ "Fedora Linux (6.5.6-300.fc39.x86_64) 39 (Workstation Edition)",
		  "/boot/vmlinuz-6.5.6-300.fc39.x86_64", { "/boot/initramfs-6.5.6-300.fc39.x86_64.img" },
		  FED_OPTS, true, KB_ENTRY_LINUX, MID "-6.5.6-300.fc39.x86_64" },
		{ "Fedora Linux (0-rescue-" MID ") 39 (Workstation Edition)", "/boot/vmlinuz-0-rescue-" MID,
		  { "/boot/initramfs-0-rescue-" MID ".img" }, FED_OPTS, false, KB_ENTRY_LINUX,
		  MID "-0-rescue" });
	kb_entry_list_free(&l);
}

/* level1.cfg … level10.cfg each source the next: the main file and 8 nested
 * files are read, the rest skipped with a warning, and nothing fails. */
static void test_include_depth_limit(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/include-depth" };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 1 + KB_INCLUDE_DEPTH_MAX);
	assert_string_equal(l.v[0].title, "Level 0");
	assert_string_equal(l.v[8].title, "Level 8");
	assert_string_equal(l.v[8].source, "vda2:/boot/grub/level8.cfg");
	kb_entry_list_free(&l);
}

/* A file sourcing itself stops at the depth limit. Each pass defines the
 * same entry again, and GRUB lists every one of them: merging never folds
 * entries of one GRUB menu together (it used to, issue 13). */
static void test_include_loop_stops(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/include-loop" };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 1 + KB_INCLUDE_DEPTH_MAX);
	kb_entry_list_merge(&l);
	assert_int_equal(l.n, 1 + KB_INCLUDE_DEPTH_MAX);
	kb_entry_list_free(&l);
}

static void test_unterminated_quote_is_an_error_with_line(void **state)
{
	struct kb_fs fs = { .device = "vda2", .mountpoint = KB_FIXTURES "/grub/unterminated" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_grub(&fs, &l, &err), -EINVAL);
	assert_string_equal(err.text, "vda2:/boot/grub/grub.cfg:4: unterminated quote");
	kb_entry_list_free(&l);
}

/* Debian's EFI stub hands over to grub.cfg on another filesystem: no entries
 * here (that filesystem is searched on its own). */
static void test_esp_stub_has_no_entries(void **state)
{
	struct kb_fs fs = { .device = "vda1", .mountpoint = KB_FIXTURES "/grub/esp-stub",
			    .uuid = "ABCD-1234" };
	struct kb_entry_list l = parse_ok(&fs);
	assert_int_equal(l.n, 0);
	kb_entry_list_free(&l);
}

/* A grub.cfg over KB_PARSE_FILE_MAX is refused with a clear error. */
static void test_oversize_config(void **state)
{
	char dir[] = "/tmp/kb-grub-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/grub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/grub/grub.cfg", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i <= KB_PARSE_FILE_MAX / 32; i++)
		fprintf(f, "# padding padding padding padding padding padding padding pad\n");
	fclose(f);
	struct kb_fs fs = { .device = "vdb1", .mountpoint = dir };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_parse_grub(&fs, &l, &err), -EFBIG);
	assert_non_null(strstr(err.text, "vdb1:/grub/grub.cfg: too large for a config file"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/grub", dir);
	rmdir(path);
	rmdir(dir);
	kb_entry_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian12_grub_mkconfig),
		cmocka_unit_test(test_debian12_on_other_disk),
		cmocka_unit_test(test_debian12_next_entry),
		cmocka_unit_test(test_debian12_saved_default),
		cmocka_unit_test(test_debian12_separate_boot),
		cmocka_unit_test(test_search_other_filesystem),
		cmocka_unit_test(test_submenu_chainload),
		cmocka_unit_test(test_fedora_blscfg_saved_entry),
		cmocka_unit_test(test_include_depth_limit),
		cmocka_unit_test(test_include_loop_stops),
		cmocka_unit_test(test_unterminated_quote_is_an_error_with_line),
		cmocka_unit_test(test_esp_stub_has_no_entries),
		cmocka_unit_test(test_oversize_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
