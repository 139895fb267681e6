/* Boot entries: what discovery finds and what a front end boots. Kernel and
 * initrd paths are generalized path names (see path.h). */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	KB_ENTRY_ID_MAX = 64,
	KB_ENTRY_INITRDS_MAX = 16,
	KB_ENTRIES_MAX = 1024, /* across all sources; more are dropped with a warning */
	KB_CMDLINE_MAX = 4096, /* longer than any x86 kernel accepts (2048) */
};

enum kb_entry_type {
	KB_ENTRY_LINUX,  /* kexec can boot it */
	KB_ENTRY_LEGACY, /* needs the first-stage loader: GRUB boots it after a reset */
};

struct kb_entry {
	char id[KB_ENTRY_ID_MAX]; /* stable across rescans: derived from what boots */
	char *title;
	char *kernel; /* generalized path name */
	char *initrds[KB_ENTRY_INITRDS_MAX];
	size_t n_initrds;
	char *cmdline;
	char *source;  /* generalized path of the config it came from, e.g. "vda2:/grub/grub.cfg" */
	char *version; /* kernel version when the config says it (BLS, plain) */
	char *sort_key;
	char *grub_id; /* menuentry --id / title path, for grubenv next_entry */
	char *legacy_device; /* a chainload/ntldr entry's device, as GRUB names it:
			      * "hd0,msdos1", "hd1", "UUID=…"; NULL if unknown */
	char *broken; /* why it cannot be booted ("(uuid/vmlinuz: missing ')'"); NULL if it can */
	enum kb_entry_type type;
	bool is_default;
};

struct kb_entry_list {
	struct kb_entry *v;
	size_t n, cap;
};

/* Append a copy of the strings in *e (deep copy); computes e->id if empty. */
int kb_entry_list_add(struct kb_entry_list *l, const struct kb_entry *e, kb_error *err);
void kb_entry_list_free(struct kb_entry_list *l);
const struct kb_entry *kb_entry_find(const struct kb_entry_list *l, const char *id_or_number);
/* Merge entries that boot the same kernel+initrds+cmdline (the same id); keep the first
 * title. Entries of one GRUB menu never share an id (kb_entry_compute_id_nth), so only
 * what different formats found is merged. */
void kb_entry_list_merge(struct kb_entry_list *l);
void kb_entry_compute_id(struct kb_entry *e);
/* The id of the nth entry of one menu that boots the same (nth 0: kb_entry_compute_id):
 * such entries are each their own entry, never merged. */
void kb_entry_compute_id_nth(struct kb_entry *e, unsigned nth);
/* Free the strings of *e (not e itself) and zero it; NULL-safe. */
void kb_entry_clear(struct kb_entry *e);
/* Deep copy of *src into *ret (id copied as is). */
int kb_entry_copy(const struct kb_entry *src, struct kb_entry *ret, kb_error *err);
const char *kb_entry_type_name(enum kb_entry_type t);
