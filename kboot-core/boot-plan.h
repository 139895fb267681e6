/* Boot plans, for the boot controller (bootctl.c) alone. */
#pragma once
#include "bootctl.h"
#include "entry.h"

/* The plan for req: an entry of entries (the caller keeps them from
 * changing) or a bare kernel; -ENOENT for no such entry, -EINVAL for one
 * that cannot be booted. */
int kb_boot_plan_from(const struct kb_boot_request *req, const struct kb_entry_list *entries,
		      struct kb_boot_plan *plan, kb_error *err);
/* Resolve every path of the plan (fetching, mounting) and load it with
 * kexec; downloads stay in the cache until kexec has them. */
int kb_boot_plan_load(struct kb_boot_plan *plan, kb_error *err);
