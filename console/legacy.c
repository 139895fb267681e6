/* Legacy boots from the console: announce the handoff, answer `sda`. */
#include "legacy.h"
#include "boot.h"
#include "kboot-core/device.h"
#include "kboot-core/legacy-device.h"
#include "kboot-core/legacy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void kbc_console_announce_legacy(struct kbc_session *s, const char *entry_id)
{
	struct kb_entry_list l = { 0 };
	if (kbc_console_entries(s, &l, NULL) < 0)
		return;
	const struct kb_entry *e = kb_entry_find(&l, entry_id);
	struct kb_legacy_plan plan;
	if (e && e->type == KB_ENTRY_LEGACY && kb_legacy_plan(e, &plan, NULL) >= 0) {
		printf("'%s' needs the first-stage loader: kboot %s.\n",
		       e->title ? e->title : e->id, plan.note);
		fflush(stdout);
	}
	kb_entry_list_free(&l);
}

/* The device goes to the core as it is typed, so the prompt and the API
 * boot it alike (kb_legacy_device_entry decides); the prompt also lists the
 * entries a person could choose from when the core cannot tell. */
int kbc_console_boot_device(struct kbc_session *s, const char *word, kb_error *err)
{
	struct kb_entry_list l = { 0 };
	int r = kbc_console_entries(s, &l, err);
	if (r < 0)
		return r;
	int i = kb_legacy_device_entry(&l, word, err);
	if (i >= 0) {
		char id[KB_ENTRY_ID_MAX];
		snprintf(id, sizeof(id), "%s", l.v[i].id);
		kb_entry_list_free(&l);
		kbc_console_announce_legacy(s, id);
		struct kb_boot_request req = { .device = word };
		return kbc_console_boot(s, &req, err);
	}
	size_t found[KB_LEGACY_MATCHES_MAX];
	bool exact;
	int n = kb_legacy_device_entries(&l, word, found, KB_LEGACY_MATCHES_MAX, &exact, NULL);
	if (n > 0)
		printf("kboot hands a boot sector over to GRUB; GRUB entries that %s:\n",
		       exact ? "chainload it" : "chainload a device kboot cannot tell");
	for (int k = 0; k < n; k++)
		printf("  boot %zu    %s\n", found[k] + 1,
		       l.v[found[k]].title ? l.v[found[k]].title : l.v[found[k]].id);
	kb_entry_list_free(&l);
	return i;
}
