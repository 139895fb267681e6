/* The firmware's boot entries through efivarfs: Boot#### load options in
 * BootOrder's order, and BootNext, which makes the firmware boot one of them
 * once at the next reset (the UEFI way of handing a boot back to the firmware).
 * An efivarfs file is 4 bytes of attributes (little-endian) then the data. */
#pragma once
#include "entry.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	KB_UEFI_BOOT_OPTIONS_MAX = 128,     /* Boot#### variables read; more are ignored */
	KB_UEFI_VARIABLE_MAX = 64 * 1024,   /* bytes of one variable's data */
	KB_UEFI_DESCRIPTION_MAX = 128,      /* bytes of a description in UTF-8 */
	KB_UEFI_DEVICE_PATH_TEXT_MAX = 256, /* bytes of the device path summary */
	KB_UEFI_DEVICE_PATH_NODES_MAX = 64,
};

/* EFI_LOAD_OPTION attributes */
enum {
	KB_UEFI_LOAD_OPTION_ACTIVE = 0x1,
	KB_UEFI_LOAD_OPTION_HIDDEN = 0x8,
	KB_UEFI_LOAD_OPTION_CATEGORY = 0x1f00,
};

/* Variable attributes: what BootNext is written with (0x7). */
enum {
	KB_UEFI_VARIABLE_NON_VOLATILE = 0x1,
	KB_UEFI_VARIABLE_BOOTSERVICE_ACCESS = 0x2,
	KB_UEFI_VARIABLE_RUNTIME_ACCESS = 0x4,
};

/* The EFI global variable GUID, as efivarfs spells it in file names. */
#define KB_UEFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
/* An entry's source: this prefix, then "Boot0003". */
#define KB_UEFI_SOURCE_PREFIX "efivarfs:"

struct kb_uefi_boot_option {
	uint16_t number;     /* the #### of Boot#### */
	uint32_t attributes; /* KB_UEFI_LOAD_OPTION_* */
	char description[KB_UEFI_DESCRIPTION_MAX];
	/* "HD(1,GPT)/\EFI\BOOT\BOOTX64.EFI", "FvFile", "PciRoot/Pci(2.0)"...: a
	 * short summary for people and logs, not a full device path text. */
	char device_path[KB_UEFI_DEVICE_PATH_TEXT_MAX];
	bool is_current; /* BootCurrent: the entry that started kboot */
};

enum { KB_UEFI_DIR_MAX = 4096 };
/* <KBOOT_SYSFS or /sys>/firmware/efi/efivars, into the caller's buffer. */
int kb_uefi_efivars_dir(char ret[KB_UEFI_DIR_MAX]);

/* Decode one EFI_LOAD_OPTION (the variable's data, without the attribute
 * bytes). -EINVAL with a reason for anything malformed: a description
 * without its terminating NUL, a file path list longer than the data, a
 * device path node of length < 4 or running past its list. Pure. */
int kb_uefi_parse_load_option(const uint8_t *data, size_t size, uint16_t number,
			      struct kb_uefi_boot_option *ret, kb_error *err);

/* Read one global variable ("BootOrder", "Boot0003") from dir: its data into
 * buf (at most size bytes), its length in *ret_len. -ENOENT when it is not
 * there, -EFBIG when larger than size, -EINVAL when shorter than the 4
 * attribute bytes. */
int kb_uefi_read_variable(const char *dir, const char *name, uint8_t *buf, size_t size,
			  size_t *ret_len, uint32_t *ret_attributes, kb_error *err);

/* The active, visible Boot#### options in dir: BootOrder's order first, then
 * the rest by number. Malformed variables are skipped with a warning. At
 * most max (<= KB_UEFI_BOOT_OPTIONS_MAX). -ENOENT when dir is not there
 * (no UEFI, or efivarfs not mounted). */
int kb_uefi_boot_options(const char *dir, struct kb_uefi_boot_option *v, size_t max,
			 size_t *ret_n, kb_error *err);

/* Check that Boot<number> is there, a valid, active load option; its
 * decoded form in *ret (may be NULL). Reads only. */
int kb_uefi_check_boot_option(const char *dir, uint16_t number,
			      struct kb_uefi_boot_option *ret, kb_error *err);

/* Write BootNext = number (attributes 0x7) in dir, clearing the file's
 * immutable flag for this one write when efivarfs set it; read it back. */
int kb_uefi_set_boot_next(const char *dir, uint16_t number, kb_error *err);

/* Parse "Boot0003" (4 hex digits) into *ret. */
int kb_uefi_parse_boot_name(const char *s, uint16_t *ret);

/* Discovery: the firmware's boot entries as legacy entries titled
 * "UEFI: <description>", source "efivarfs:Boot0003", grub_id "Boot0003"
 * (the one-shot name legacy.c hands over). Nothing when there is no efivarfs. */
void kb_entries_discover_uefi(struct kb_entry_list *out);
