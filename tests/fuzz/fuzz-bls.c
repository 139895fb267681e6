/* BLS Type #1 entries: the input is /loader/entries/fuzz.conf on a
 * filesystem that also has a grubenv (for $kernelopts). */
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
	int n = snprintf(env, sizeof(env), "%skernelopts=root=/dev/vda3 ro quiet\nsaved_entry=fuzz\n",
			 KB_GRUBENV_SIGNATURE);
	memset(env + n, '#', sizeof(env) - (size_t)n);
	fuzz_write("fs/grub2/grubenv", env, sizeof(env));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write("fs/loader/entries/fuzz.conf", data, size);
	struct kb_entry_list list = { 0 };
	kb_error err = { 0 };
	kb_parse_bls(&fs, &list, &err);
	kb_entry_list_merge(&list);
	kb_entries_mark_default(&list, "fuzz");
	kb_entry_list_free(&list);
	return 0;
}
