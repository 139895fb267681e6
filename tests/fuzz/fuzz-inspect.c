/* The file-kind inspector: the input is a file's first bytes, looked at as a
 * kernel, an initramfs and a config name, at its own size and as the head of
 * a larger file. */
#include "fuzz-util.h"
#include "kboot-core/inspect.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "vmlinuz-6.1.0", "initrd.img-6.1.0", "grub.cfg", "x" };
	if (size > KB_INSPECT_HEAD_MAX)
		size = KB_INSPECT_HEAD_MAX;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct kb_file_info info;
		kb_inspect_buffer(names[i], data, size, size, &info);
		kb_inspect_buffer(names[i], data, size, (uint64_t)size + 16 * 1024 * 1024, &info);
		kb_file_kind_name(info.kind);
		kb_file_format_name(info.format);
	}
	return 0;
}
