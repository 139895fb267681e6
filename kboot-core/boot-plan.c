/* A boot plan: what to boot, as generalized paths, from an entry or a bare
 * kernel; then every path resolved to a local file and loaded with kexec.
 * The boot controller (bootctl.c) runs these for each boot. */
#include "boot-plan.h"
#include "cleanup.h"
#include "fetch.h"
#include "kexec.h"
#include "legacy.h"
#include "legacy-device.h"
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int legacy_plan_into(const struct kb_entry *e, struct kb_boot_plan *plan, kb_error *err)
{
	int r = kb_legacy_plan(e, &plan->legacy, err);
	plan->is_legacy = r >= 0;
	snprintf(plan->title, sizeof(plan->title), "%s", e->title ? e->title : e->id);
	return r;
}

int kb_boot_plan_from(const struct kb_boot_request *req, const struct kb_entry_list *entries,
		      struct kb_boot_plan *plan, kb_error *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->insecure = req->insecure;
	if (req->device) { /* the paper's `hda7`: handed to the GRUB entry that boots it */
		int i = kb_legacy_device_entry(entries, req->device, err);
		if (i < 0)
			return i;
		return legacy_plan_into(&entries->v[i], plan, err);
	}
	if (req->entry_id) {
		const struct kb_entry *e = kb_entry_find(entries, req->entry_id);
		if (!e)
			return kb_error_set(err, ENOENT, "%s: no such entry", req->entry_id);
		if (e->broken)
			return kb_error_set(err, EINVAL, "%s: cannot be booted: %s",
					    e->title ? e->title : req->entry_id, e->broken);
		if (e->type == KB_ENTRY_LEGACY)
			return legacy_plan_into(e, plan, err);
		if (!e->kernel)
			return kb_error_set(err, EINVAL, "%s: has no kernel",
					    e->title ? e->title : req->entry_id);
		snprintf(plan->title, sizeof(plan->title), "%s", e->title ? e->title : e->kernel);
		snprintf(plan->kernel, sizeof(plan->kernel), "%s", e->kernel);
		for (size_t i = 0; i < e->n_initrds && i < KB_ENTRY_INITRDS_MAX; i++)
			snprintf(plan->initrds[plan->n_initrds++], KB_PATH_MAX, "%s",
				 e->initrds[i]);
		snprintf(plan->cmdline, sizeof(plan->cmdline), "%s",
			 req->cmdline ? req->cmdline : e->cmdline ? e->cmdline : "");
	} else {
		if (!req->kernel || !req->kernel[0])
			return kb_error_set(err, EINVAL, "nothing to boot: give an entry or a kernel");
		if (req->n_initrds > KB_ENTRY_INITRDS_MAX)
			return kb_error_set(err, E2BIG, "too many initrds (at most %d)",
					    KB_ENTRY_INITRDS_MAX);
		snprintf(plan->title, sizeof(plan->title), "%s", req->kernel);
		snprintf(plan->kernel, sizeof(plan->kernel), "%s", req->kernel);
		for (size_t i = 0; i < req->n_initrds; i++)
			snprintf(plan->initrds[plan->n_initrds++], KB_PATH_MAX, "%s",
				 req->initrds[i]);
		snprintf(plan->cmdline, sizeof(plan->cmdline), "%s",
			 req->cmdline ? req->cmdline : "");
	}
	if (strlen(req->cmdline ? req->cmdline : "") >= KB_CMDLINE_MAX)
		return kb_error_set(err, E2BIG, "command line longer than %d bytes",
				    KB_CMDLINE_MAX - 1);
	return 0;
}

static void hold_endp(bool *holding)
{
	if (*holding)
		kb_fetch_hold_end();
}

/* Resolve every path to a local file and load it with kexec. Downloads stay
 * in the cache until kexec has them, whatever else is fetched meanwhile. */
/* A generalized path's local file; an https one is checked unless the
 * request asked otherwise. */
static int local_file(const char *text, bool insecure, char *ret, size_t size, kb_error *err)
{
	_cleanup_free_ struct kb_path *p = malloc(sizeof(*p));
	if (!p)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = kb_path_parse(text, NULL, p, err);
	if (r < 0)
		return r;
	p->insecure = insecure;
	return kb_path_resolve(p, ret, size, err);
}

int kb_boot_plan_load(struct kb_boot_plan *plan, kb_error *err)
{
	/* Local names on the heap: 68 KiB with the initrds. */
	_cleanup_free_ struct {
		char kernel[KB_PATH_MAX];
		char initrds[KB_ENTRY_INITRDS_MAX][KB_PATH_MAX];
	} *local = calloc(1, sizeof(*local));
	if (!local)
		return kb_error_set(err, ENOMEM, "out of memory");
	char *local_kernel = local->kernel;
	const char *initrd_ptrs[KB_ENTRY_INITRDS_MAX];
	kb_fetch_hold_begin();
	_cleanup_(hold_endp) bool holding __attribute__((unused)) = true;

	int r = local_file(plan->kernel, plan->insecure, local->kernel, sizeof(local->kernel), err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < plan->n_initrds; i++) {
		r = local_file(plan->initrds[i], plan->insecure, local->initrds[i], KB_PATH_MAX, err);
		if (r < 0)
			return r;
		initrd_ptrs[i] = local->initrds[i];
	}
	struct kb_kexec_image img = { .kernel = local_kernel,
				      .initrds = initrd_ptrs,
				      .n_initrds = plan->n_initrds,
				      .cmdline = plan->cmdline };
	r = kb_kexec_check(&img, &plan->kernel_info, err);
	if (r < 0) {
		/* Name the path the person gave, not the local one. */
		if (strncmp(err ? err->text : "", local_kernel, strlen(local_kernel)) == 0 && err) {
			char rest[KB_ERROR_TEXT_MAX];
			snprintf(rest, sizeof(rest), "%s", err->text + strlen(local_kernel));
			kb_error_set(err, err->code, "%s%s", plan->kernel, rest);
		}
		return r;
	}
	return kb_kexec_load(&img, err);
}

