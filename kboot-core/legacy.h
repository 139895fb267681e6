/* Booting what kexec cannot (chainload, ntldr, kfreebsd, multiboot): hand the
 * choice back to the first-stage loader and reboot (the kboot paper, §3.2).
 * For a GRUB menu entry that is grub-reboot's way: next_entry=<the entry> in
 * the grubenv beside the grub.cfg it came from; GRUB boots it once. For a
 * firmware boot entry (uefi.h) it is BootNext=<Boot####> in efivarfs. */
#pragma once
#include "entry.h"
#include "error.h"
#include "path.h"

enum { KB_LEGACY_NOTE_MAX = KB_PATH_MAX + 512 };

struct kb_legacy_plan {
	char method[32];          /* "grub-next-entry", "uefi-bootnext" */
	char next_entry[256];     /* GRUB's id or title path of the entry; "Boot0003" */
	char grubenv[KB_PATH_MAX]; /* generalized: "vda2:/grub/grubenv"; "" for UEFI */
	char note[KB_LEGACY_NOTE_MAX]; /* for a person: what will happen */
};

/* What handing e over would do; pure (no I/O). -EOPNOTSUPP, with a reason,
 * for a legacy entry kboot cannot hand over (not from a grub.cfg). */
int kb_legacy_plan(const struct kb_entry *e, struct kb_legacy_plan *ret, kb_error *err);
/* Check, reading only, that the grubenv is there and GRUB could read back
 * what kboot would write (see kb_grubenv_check_file). A dry run stops here. */
int kb_legacy_check(const struct kb_legacy_plan *p, kb_error *err);
/* Write next_entry the way GRUB's save_env does: unmount everything kboot
 * mounted, make that one device writable, rewrite the block's own 1024
 * bytes where the filesystem keeps them (after checking the old bytes are
 * there), sync, make the device read-only again. Nothing else on the disk
 * changes. (A directory kboot did not mount, as in tests, is edited in place.) */
int kb_legacy_write(const struct kb_legacy_plan *p, kb_error *err);
/* Sync, unmount everything, reboot through the firmware. KBOOT_REBOOT:
 * "syscall" reboot(2); another value is a command run instead (tests);
 * unset, `reboot -f` from PATH (BusyBox in the image). Returns on failure. */
int kb_legacy_reboot(kb_error *err);
