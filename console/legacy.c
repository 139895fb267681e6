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

enum { KB_LEGACY_MATCHES_MAX = 64 }; /* entries listed for one device */

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

/* The legacy entries that boot d (legacy_device names it); when none does,
 * those whose device kboot cannot tell (search --file, none given). */
static size_t matching(const struct kb_entry_list *l, const struct kb_device *d, bool *exact,
		       size_t *ret, size_t max)
{
	struct kb_device_list all = { 0 };
	(void)kb_devices_scan(&all, NULL); /* without it, UUIDs still match */
	size_t n = 0;
	for (int pass = 0; pass < 2 && n == 0; pass++) {
		for (size_t i = 0; i < l->n && n < max; i++) {
			const struct kb_entry *e = &l->v[i];
			struct kb_legacy_plan plan;
			if (e->type != KB_ENTRY_LEGACY || kb_legacy_plan(e, &plan, NULL) < 0)
				continue;
			bool known = e->legacy_device && strncmp(e->legacy_device, "FILE=", 5) != 0;
			if (pass == 0 ? kb_legacy_device_matches(e->legacy_device, d, &all) : !known)
				ret[n++] = i;
		}
		*exact = pass == 0;
	}
	kb_device_list_free(&all);
	return n;
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
	size_t found[KB_LEGACY_MATCHES_MAX];
	bool exact = false;
	size_t n = matching(&l, &d, &exact, found, KB_LEGACY_MATCHES_MAX);
	if (n == 1 && exact) { /* hand it over, as `boot N` does */
		char id[KB_ENTRY_ID_MAX];
		snprintf(id, sizeof(id), "%s", l.v[found[0]].id);
		kb_entry_list_free(&l);
		struct kb_boot_request req = { .entry_id = id };
		kb_console_announce_legacy(s, id);
		return kb_console_boot(s, &req, err);
	}
	if (n)
		printf("kboot hands a boot sector over to GRUB; GRUB entries that %s:\n",
		       exact ? "chainload it" : "chainload a device kboot cannot tell");
	for (size_t k = 0; k < n; k++)
		printf("  boot %zu    %s\n", found[k] + 1,
		       l.v[found[k]].title ? l.v[found[k]].title : l.v[found[k]].id);
	kb_entry_list_free(&l);
	if (n)
		return kb_error_set(err, EOPNOTSUPP,
				    "%s: kboot cannot tell which of these boots it; choose one with "
				    "boot N",
				    word);
	return kb_error_set(err, EOPNOTSUPP,
			    "%s: kboot cannot chainload a boot sector itself, and no GRUB entry "
			    "chainloads it (add one to grub.cfg, e.g. `chainloader +1`, and "
			    "boot it from here)",
			    word);
}
