/* Legacy boots from the console: announce the handoff, answer `sda`. */
#include "legacy.h"
#include "boot.h"
#include "kboot-core/device.h"
#include "kboot-core/legacy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void kb_console_announce_legacy(struct kb_session *s, const char *entry_id)
{
	struct kb_entry_list l = { 0 };
	if (kb_console_entries(s, &l, NULL) < 0)
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

int kb_console_boot_device(struct kb_session *s, const char *word, kb_error *err)
{
	const char *name = strncmp(word, "/dev/", 5) == 0 ? word + 5 : word;
	struct kb_device d;
	if (kb_device_find(name, &d, NULL) < 0)
		return kb_error_set(err, ENODEV, "%s: no such device", word);
	struct kb_entry_list l = { 0 };
	int r = kb_console_entries(s, &l, err);
	if (r < 0)
		return r;
	size_t found = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct kb_legacy_plan plan;
		if (l.v[i].type != KB_ENTRY_LEGACY || kb_legacy_plan(&l.v[i], &plan, NULL) < 0)
			continue;
		if (!found++)
			printf("kboot hands a boot sector over to GRUB; GRUB entries that chainload "
			       "or boot another system:\n");
		printf("  boot %zu    %s\n", i + 1, l.v[i].title ? l.v[i].title : l.v[i].id);
	}
	kb_entry_list_free(&l);
	if (found)
		return kb_error_set(err, EOPNOTSUPP,
				    "%s: kboot cannot tell which of these boots it; choose one with "
				    "boot N",
				    word);
	return kb_error_set(err, EOPNOTSUPP,
			    "%s: kboot cannot chainload a boot sector itself, and no GRUB entry "
			    "chainloads one (add one to grub.cfg, e.g. `chainloader +1`, and "
			    "boot it from here)",
			    word);
}
