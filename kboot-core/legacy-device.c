/* GRUB names a BIOS disk hdN, N counting from 0 in the order the firmware
 * lists its disks, and a partition hdN,msdosM / hdN,gptM / hdN,M. Linux does
 * not know the BIOS order; we take the order of the disks in
 * /sys/class/block (kb_devices_scan sorts them by name: sda, sdb, vda, …),
 * which is what it is in practice, but a firmware may order them otherwise.
 * A UUID (search --fs-uuid) is exact; prefer it when the config has one. */
#include "legacy-device.h"
#include "legacy.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Not BIOS disks: loop, RAM, optical, device-mapper, md and network devices. */
static bool is_bios_disk(const struct kb_device *d)
{
	static const char *const not_disks[] = { "loop", "ram", "zram", "sr", "dm-", "md", "nbd" };
	if (d->is_partition)
		return false;
	for (size_t i = 0; i < sizeof(not_disks) / sizeof(not_disks[0]); i++)
		if (strncmp(d->name, not_disks[i], strlen(not_disks[i])) == 0)
			return false;
	return true;
}

/* The partition number in a name: sda1 -> 1, nvme0n1p2 -> 2; 0 for a disk. */
static long partition_number(const struct kb_device *d)
{
	if (!d->is_partition || !d->parent[0])
		return 0;
	size_t n = strlen(d->parent);
	if (strncmp(d->name, d->parent, n) != 0)
		return 0;
	const char *p = d->name + n;
	if (*p == 'p')
		p++;
	char *end;
	long m = strtol(p, &end, 10);
	return *p && !*end ? m : 0;
}

/* "hd0,msdos1" -> disk 0, partition 1; "hd1" -> disk 1, partition 0. */
static bool parse_hd(const char *s, long *disk, long *part)
{
	if (strncmp(s, "hd", 2) != 0)
		return false;
	char *end;
	*disk = strtol(s + 2, &end, 10);
	if (end == s + 2 || *disk < 0)
		return false;
	*part = 0;
	if (!*end)
		return true;
	if (*end != ',')
		return false;
	const char *p = end + 1;
	while (*p >= 'a' && *p <= 'z') /* msdos, gpt, bsd, … */
		p++;
	*part = strtol(p, &end, 10);
	return *p && !*end && *part > 0;
}

static const char *disk_name(const struct kb_device *d)
{
	return d->is_partition ? d->parent : d->name;
}

static bool hd_matches(const char *grub_dev, const struct kb_device *d,
		       const struct kb_device_list *all)
{
	long disk, part;
	if (!parse_hd(grub_dev, &disk, &part))
		return false;
	const struct kb_device *nth = NULL;
	long k = 0;
	for (size_t i = 0; i < all->n && !nth; i++)
		if (is_bios_disk(&all->v[i]) && k++ == disk)
			nth = &all->v[i];
	if (!nth || strcmp(nth->name, disk_name(d)) != 0)
		return false;
	if (!d->is_partition)
		return true; /* the disk itself, or one of its partitions */
	return part == partition_number(d);
}

static bool uuid_matches(const char *uuid, const struct kb_device *d,
			 const struct kb_device_list *all)
{
	if (d->uuid[0] && strcasecmp(d->uuid, uuid) == 0)
		return true;
	if (d->is_partition)
		return false;
	for (size_t i = 0; i < all->n; i++) /* a partition of the disk d */
		if (all->v[i].is_partition && !strcmp(all->v[i].parent, d->name) &&
		    all->v[i].uuid[0] && !strcasecmp(all->v[i].uuid, uuid))
			return true;
	return false;
}

bool kb_legacy_device_matches(const char *grub_dev, const struct kb_device *d,
			      const struct kb_device_list *all)
{
	if (!grub_dev || !*grub_dev)
		return false;
	if (strncmp(grub_dev, "UUID=", 5) == 0)
		return uuid_matches(grub_dev + 5, d, all);
	return hd_matches(grub_dev, d, all);
}

int kb_legacy_device_entries(const struct kb_entry_list *l, const char *word, size_t *ret, size_t max,
			     bool *ret_exact, kb_error *err)
{
	const char *name = strncmp(word, "/dev/", 5) == 0 ? word + 5 : word;
	struct kb_device d;
	if (kb_device_find(name, &d, NULL) < 0)
		return kb_error_set(err, ENODEV, "%s: no such device", word);
	struct kb_device_list all = { 0 };
	(void)kb_devices_scan(&all, NULL); /* without it, UUIDs still match */
	size_t n = 0;
	*ret_exact = false;
	for (int pass = 0; pass < 2 && n == 0; pass++) {
		for (size_t i = 0; i < l->n && n < max; i++) {
			const struct kb_entry *e = &l->v[i];
			struct kb_legacy_plan plan;
			if (e->type != KB_ENTRY_LEGACY || kb_legacy_plan(e, &plan, NULL) < 0)
				continue;
			bool known = e->legacy_device && strncmp(e->legacy_device, "FILE=", 5) != 0;
			if (pass == 0 ? kb_legacy_device_matches(e->legacy_device, &d, &all) : !known)
				ret[n++] = i;
		}
		*ret_exact = pass == 0;
	}
	kb_device_list_free(&all);
	return (int)n;
}

int kb_legacy_device_entry(const struct kb_entry_list *l, const char *word, kb_error *err)
{
	size_t found[KB_LEGACY_MATCHES_MAX];
	bool exact;
	int n = kb_legacy_device_entries(l, word, found, KB_LEGACY_MATCHES_MAX, &exact, err);
	if (n < 0)
		return n;
	if (n == 1 && exact)
		return (int)found[0];
	if (n == 0)
		return kb_error_set(err, EOPNOTSUPP,
				    "%s: kboot cannot chainload a boot sector itself, and no GRUB entry "
				    "chainloads it (add one to grub.cfg, e.g. `chainloader +1`, and "
				    "boot it from kboot)",
				    word);
	char which[256] = "";
	for (int k = 0; k < n && strlen(which) + 16 < sizeof(which); k++)
		snprintf(which + strlen(which), sizeof(which) - strlen(which), "%s%zu", k ? ", " : "",
			 found[k] + 1);
	return kb_error_set(err, EOPNOTSUPP,
			    "%s: kboot cannot tell which GRUB entry boots it (entries %s %s); "
			    "choose one of them",
			    word, which, exact ? "chainload it" : "chainload a device kboot cannot tell");
}
