/* Loading and executing a kernel through kexec-tools. All paths are local
 * (already resolved). Every failure carries what kexec printed. */
#pragma once
#include "error.h"
#include "inspect.h"

#include <stdbool.h>
#include <stddef.h>

enum { KB_KEXEC_OUTPUT_MAX = 4096 };

struct kb_kexec_image {
	const char *kernel;
	const char *const *initrds; /* concatenated when more than one */
	size_t n_initrds;
	const char *cmdline;
};

/* Before loading: a kernel for this machine, a command line it accepts,
 * initrds that fit in free memory. Fills *ret_info when non-NULL. */
int kb_kexec_check(const struct kb_kexec_image *img, struct kb_file_info *ret_info, kb_error *err);
int kb_kexec_load(const struct kb_kexec_image *img, kb_error *err);
int kb_kexec_unload(kb_error *err);
/* Unmount everything (reverse order), sync, `kexec -e`. Returns only on failure. */
int kb_kexec_exec(kb_error *err);
