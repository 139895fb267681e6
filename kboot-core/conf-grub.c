/* GRUB 2's grub.cfg, wherever GRUB images look for it: the parser-table
 * entry. The reading itself is GRUB's script language (grub.h). */
#include "cleanup.h"
#include "discover-util.h"
#include "grub.h"
#include "path.h"

#include <errno.h>
#include <stdio.h>

/* Debian, Ubuntu and Arch build GRUB with /boot/grub, Fedora, RHEL and
 * openSUSE with /boot/grub2 (/grub… when /boot is its own filesystem);
 * hand-made and live media also put it at the top. */
static const char *const grub_cfgs[] = { "/boot/grub/grub.cfg", "/grub/grub.cfg",
					 "/boot/grub2/grub.cfg", "/grub2/grub.cfg",
					 "/boot/grub.cfg",	 "/grub.cfg" };
/* EFI/<vendor>/grub.cfg on an ESP, also where the ESP sits at /boot/efi */
static const char *const efi_dirs[] = { "/EFI", "/efi", "/boot/efi/EFI" };

int kb_parse_grub(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err)
{
	for (size_t i = 0; i < KB_ELEMENTSOF(grub_cfgs); i++) {
		int r = grub_menu_read(fs, grub_cfgs[i], out, err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	bool esp_done = false;
	for (size_t k = 0; k < KB_ELEMENTSOF(efi_dirs); k++) {
		char local[KB_PATH_MAX];
		if (!kb_fs_exists(fs, efi_dirs[k]) ||
		    kb_fs_local(fs, efi_dirs[k], local, sizeof(local)) < 0)
			continue;
		if (esp_done && k < 2)
			continue; /* /EFI and /efi are one directory on FAT */
		esp_done = esp_done || k < 2;
		_cleanup_closedir_ DIR *d = opendir(local);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char path[KB_PATH_MAX];
			snprintf(path, sizeof(path), "%s/%.200s/grub.cfg", efi_dirs[k], de->d_name);
			int r = grub_menu_read(fs, path, out, err);
			if (r < 0 && r != -ENOENT)
				return r;
		}
	}
	return 0;
}
