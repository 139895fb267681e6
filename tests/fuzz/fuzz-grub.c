/* grub.cfg through the GRUB script interpreter (kboot-core/grub-*.c): the
 * input is /boot/grub/grub.cfg on a filesystem that also has a grubenv and
 * one BLS entry (for load_env, next_entry and blscfg); the input may source
 * or configfile itself, which exercises the include limits. Seeds: the
 * scenarios of tests/unit/grub (run.sh) and tests/fuzz/corpus/fuzz-grub. */
#include "fuzz-util.h"
#include "kboot-core/discover-util.h"

static struct kb_fs fs = { .device = "vda2", .uuid = "0f5e8f0a-6d30-4c43-8b4f-9b58e3f3c0de" };
static char mountpoint[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	snprintf(mountpoint, sizeof(mountpoint), "%s/fs", fuzz_root);
	fs.mountpoint = mountpoint;
	char env[1024];
	int n = snprintf(env, sizeof(env), "%ssaved_entry=gnulinux-advanced>gnulinux-6.1\nkernelopts=root=/dev/vda3 ro\n",
			 KB_GRUBENV_SIGNATURE);
	memset(env + n, '#', sizeof(env) - (size_t)n);
	fuzz_write("fs/boot/grub/grubenv", env, sizeof(env));
	fuzz_write_text("fs/boot/loader/entries/fedora-6.5.conf",
			"title Fedora (6.5)\nversion 6.5\nlinux /vmlinuz-6.5\ninitrd /initramfs-6.5.img\n"
			"options $kernelopts\n");
	fuzz_write_text("fs/boot/vmlinuz-6.1", "not really a kernel");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write("fs/boot/grub/grub.cfg", data, size);
	struct kb_entry_list list = { 0 };
	kb_error err = { 0 };
	kb_parse_grub(&fs, &list, &err);
	kb_entry_list_merge(&list);
	kb_entries_mark_default(&list, NULL);
	kb_entry_list_free(&list);
	return 0;
}
