/* syslinux/extlinux: the input is /extlinux/extlinux.conf; it may INCLUDE
 * itself, which exercises the include-depth limit. */
#include "fuzz-util.h"
#include "kboot-core/discover-util.h"

static struct kb_fs fs = { .device = "sdb1", .uuid = "1234-ABCD" };
static char mountpoint[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	snprintf(mountpoint, sizeof(mountpoint), "%s/fs", fuzz_root);
	fs.mountpoint = mountpoint;
	fuzz_write_text("fs/extlinux/menu.cfg", "MENU TITLE fuzz\nLABEL included\n  LINUX /vmlinuz\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write("fs/extlinux/extlinux.conf", data, size);
	struct kb_entry_list list = { 0 };
	kb_error err = { 0 };
	kb_parse_syslinux(&fs, &list, &err);
	kb_entries_mark_default(&list, NULL);
	kb_entry_list_free(&list);
	return 0;
}
