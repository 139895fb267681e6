/* The firmware's boot entries (Boot#### in efivarfs) as legacy entries:
 * kboot cannot boot them itself, but it can set BootNext and reboot. */
#include "uefi.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void kb_entries_discover_uefi(struct kb_entry_list *out)
{
	char dir[KB_UEFI_DIR_MAX];
	if (kb_uefi_efivars_dir(dir) < 0) {
		kb_warn("efivarfs: the path is too long");
		return;
	}
	struct kb_uefi_boot_option *v = calloc(KB_UEFI_BOOT_OPTIONS_MAX, sizeof(*v));
	if (!v) {
		kb_warn("efivarfs: out of memory");
		return;
	}
	size_t n = 0;
	kb_error err = { 0 };
	if (kb_uefi_boot_options(dir, v, KB_UEFI_BOOT_OPTIONS_MAX, &n, &err) < 0) {
		if (err.code == ENOENT)
			kb_debug("no UEFI boot entries: %s", err.text);
		else
			kb_warn("UEFI boot entries: %s", err.text);
		free(v);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char title[KB_UEFI_DESCRIPTION_MAX + 16], source[64], name[16];
		snprintf(title, sizeof(title), "UEFI: %s", v[i].description);
		snprintf(name, sizeof(name), "Boot%04X", v[i].number);
		snprintf(source, sizeof(source), KB_UEFI_SOURCE_PREFIX "%s", name);
		kb_debug("efivarfs: %s '%s' %s%s", name, v[i].description, v[i].device_path,
			 v[i].is_current ? " (BootCurrent: it started kboot)" : "");
		/* grub_id carries the one-shot name, as for GRUB entries: legacy.c
		 * hands over whatever the entry's source says how to. */
		struct kb_entry e = {
			.title = title,
			.source = source,
			.grub_id = name,
			.type = KB_ENTRY_LEGACY,
		};
		if (kb_entry_list_add(out, &e, NULL) < 0)
			break;
	}
	free(v);
}
