/* Volumes below the filesystems: md arrays, LVM volume groups and LUKS devices.
 * kboot assembles and opens them read-only with the static tools (mdadm, lvm,
 * cryptsetup) run as child processes with fixed argument lists, never a shell;
 * nothing is written to a disk, and the tools' state lives under <run_dir>. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	KB_STORAGE_KEY_MAX = 8192,       /* bytes of a passphrase or key file */
	KB_STORAGE_ROUNDS_MAX = 4,       /* md, then LVM, again: LVM in md in LVM... */
	KB_STORAGE_TOOL_TIMEOUT_S = 120, /* argon2 under emulation is slow */
	KB_STORAGE_OUTPUT_MAX = 16384,   /* bytes of a tool's stdout or stderr kept */
	KB_STORAGE_UNLOCK_DELAY_MAX_S = 30, /* the wait after a wrong key doubles up to this */
};

/* Assemble every md array (read-only, no resync) and activate every LVM
 * volume group (read-only, no metadata written) found on the devices, until
 * a round finds nothing new. Returns how many tools ran; problems are logged. */
int kb_storage_assemble(kb_error *err);

/* Open a locked LUKS device read-only as /dev/mapper/luks-<UUID>, with a
 * passphrase or key (exact bytes; the caller wipes its copy). -EACCES
 * for a wrong key; -EAGAIN while a wrong key's delay runs (err says how long);
 * -EALREADY when it is open already. Then assembles what appeared inside. */
int kb_storage_unlock(const char *devname, const void *key, size_t key_len, kb_error *err);
/* The same with the contents of a file (a kboot path, "sdb1:/keys/root.key"). */
int kb_storage_unlock_key_file(const char *devname, const char *key_path, kb_error *err);

/* --- storage-run.c, storage-md.c, storage-lvm.c: inside the module --------- */
struct kb_buf;
/* Run argv[0] (found in PATH) with argv and extra environment (NULL-ended,
 * may be NULL), input on its stdin; its stdout into *out (may be NULL) and a
 * one-line summary of its stderr into msg. Returns its exit status, or -errno. */
int kb_storage_run(const char *const *argv, const char *const *env, const void *input,
		   size_t input_len, struct kb_buf *out, char *msg, size_t msg_size);
/* Where the tools keep their state: <run_dir>/storage/<what>, created. */
int kb_storage_dir(const char *what, char *ret, size_t size, kb_error *err);
int kb_storage_md_assemble(kb_error *err);
int kb_storage_lvm_activate(kb_error *err);
