/* kboot.conf: settings and labels, then each label's boot line as an entry. */
#include "fuzz-util.h"
#include "kboot-core/config.h"
#include "kboot-core/discover.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_config cfg;
	kb_error err = { 0 };
	/* The exact bytes, no NUL after them: the parser must respect len. */
	if (kb_config_parse((const char *)data, size, &cfg, &err) < 0)
		return 0;
	struct kb_entry_list list = { 0 };
	kb_entries_from_config(&cfg, &list, &err);
	kb_entries_mark_default(&list, cfg.default_label);
	kb_config_label(&cfg, "default");
	kb_config_set_label(&cfg, "fuzz", "/boot/vmlinuz root=/dev/sda1", &err);
	kb_entry_list_free(&list);
	kb_config_free(&cfg);
	return 0;
}
