/* Boot entry lists: deep copies, stable ids, lookup and merging. */
#include "entry.h"
#include "cleanup.h"
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ID_HEX_DIGITS = 12 };

void kb_entry_clear(struct kb_entry *e)
{
	if (!e)
		return;
	free(e->title);
	free(e->kernel);
	for (size_t i = 0; i < e->n_initrds && i < KB_ENTRY_INITRDS_MAX; i++)
		free(e->initrds[i]);
	free(e->cmdline);
	free(e->source);
	free(e->version);
	free(e->sort_key);
	free(e->grub_id);
	free(e->legacy_device);
	free(e->broken);
	*e = (struct kb_entry){ 0 };
}

static int dup_field(char **dst, const char *src)
{
	if (!src) {
		*dst = NULL;
		return 0;
	}
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int kb_entry_copy(const struct kb_entry *src, struct kb_entry *ret, kb_error *err)
{
	if (src->n_initrds > KB_ENTRY_INITRDS_MAX)
		return kb_error_set(err, E2BIG, "%s: more than %d initrds",
				    src->title ? src->title : "entry", KB_ENTRY_INITRDS_MAX);
	struct kb_entry e = { 0 };
	memcpy(e.id, src->id, sizeof(e.id));
	e.id[sizeof(e.id) - 1] = '\0';
	e.type = src->type;
	e.is_default = src->is_default;
	int r = 0;
	r |= dup_field(&e.title, src->title);
	r |= dup_field(&e.kernel, src->kernel);
	r |= dup_field(&e.cmdline, src->cmdline);
	r |= dup_field(&e.source, src->source);
	r |= dup_field(&e.version, src->version);
	r |= dup_field(&e.sort_key, src->sort_key);
	r |= dup_field(&e.grub_id, src->grub_id);
	r |= dup_field(&e.legacy_device, src->legacy_device);
	r |= dup_field(&e.broken, src->broken);
	for (size_t i = 0; i < src->n_initrds; i++) {
		r |= dup_field(&e.initrds[i], src->initrds[i]);
		e.n_initrds = i + 1;
	}
	if (r) {
		kb_entry_clear(&e);
		return kb_error_set(err, ENOMEM, "out of memory");
	}
	*ret = e;
	return 0;
}

/* FNV-1a, 64 bits; fields separated so ("ab","c") differs from ("a","bc"). */
static uint64_t hash_add(uint64_t h, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff; /* field separator: a byte no text holds */
	h *= 0x100000001b3ULL;
	return h;
}

void kb_entry_compute_id_nth(struct kb_entry *e, unsigned nth)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	h = hash_add(h, e->type == KB_ENTRY_LEGACY ? "legacy" : "linux");
	if (!e->kernel) {
		/* nothing boots through kexec: name it by where it was found */
		h = hash_add(h, e->source);
		h = hash_add(h, e->grub_id ? e->grub_id : e->title);
	}
	h = hash_add(h, e->kernel);
	for (size_t i = 0; i < e->n_initrds && i < KB_ENTRY_INITRDS_MAX; i++)
		h = hash_add(h, e->initrds[i]);
	h = hash_add(h, e->cmdline);
	if (nth > 0) {
		char n[16];
		snprintf(n, sizeof(n), "#%u", nth);
		h = hash_add(h, n);
	}
	snprintf(e->id, sizeof(e->id), "%0*llx", ID_HEX_DIGITS,
		 (unsigned long long)(h >> (64 - 4 * ID_HEX_DIGITS)));
}

void kb_entry_compute_id(struct kb_entry *e)
{
	kb_entry_compute_id_nth(e, 0);
}

int kb_entry_list_add(struct kb_entry_list *l, const struct kb_entry *e, kb_error *err)
{
	if (l->n >= KB_ENTRIES_MAX) {
		kb_warn("more than %d boot entries: dropping \"%s\"", KB_ENTRIES_MAX,
			e->title ? e->title : "(untitled)");
		return kb_error_set(err, E2BIG, "more than %d boot entries", KB_ENTRIES_MAX);
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct kb_entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return kb_error_set(err, ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	struct kb_entry copy;
	int r = kb_entry_copy(e, &copy, err);
	if (r < 0)
		return r;
	if (!copy.id[0])
		kb_entry_compute_id(&copy);
	l->v[l->n++] = copy;
	return 0;
}

void kb_entry_list_free(struct kb_entry_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		kb_entry_clear(&l->v[i]);
	free(l->v);
	*l = (struct kb_entry_list){ 0 };
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

const struct kb_entry *kb_entry_find(const struct kb_entry_list *l, const char *id_or_number)
{
	if (!l || !id_or_number || !*id_or_number)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id_or_number) == 0)
			return &l->v[i];
	if (all_digits(id_or_number) && strlen(id_or_number) < 6) {
		unsigned long k = strtoul(id_or_number, NULL, 10);
		return k >= 1 && k <= l->n ? &l->v[k - 1] : NULL;
	}
	/* a unique id prefix of 4 or more digits, as people type them */
	size_t len = strlen(id_or_number);
	const struct kb_entry *found = NULL;
	if (len < 4)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (strncmp(l->v[i].id, id_or_number, len) != 0)
			continue;
		if (found)
			return NULL;
		found = &l->v[i];
	}
	return found;
}

static bool same_boot(const struct kb_entry *a, const struct kb_entry *b)
{
	return strcmp(a->id, b->id) == 0;
}

/* Fill what `keep` lacks from its duplicate `dup`. */
static void absorb(struct kb_entry *keep, struct kb_entry *dup)
{
	keep->is_default = keep->is_default || dup->is_default;
	char **fields[][2] = {
		{ &keep->version, &dup->version },
		{ &keep->sort_key, &dup->sort_key },
		{ &keep->grub_id, &dup->grub_id },
		{ &keep->legacy_device, &dup->legacy_device },
		{ &keep->title, &dup->title },
	};
	for (size_t i = 0; i < KB_ELEMENTSOF(fields); i++)
		if (!*fields[i][0])
			*fields[i][0] = TAKE_PTR(*fields[i][1]);
}

void kb_entry_list_merge(struct kb_entry_list *l)
{
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct kb_entry *e = &l->v[i];
		if (!e->id[0])
			kb_entry_compute_id(e);
		bool merged = false;
		for (size_t j = 0; j < out; j++) {
			if (same_boot(&l->v[j], e)) {
				absorb(&l->v[j], e);
				kb_entry_clear(e);
				merged = true;
				break;
			}
		}
		if (!merged) {
			if (out != i) {
				l->v[out] = *e;
				*e = (struct kb_entry){ 0 };
			}
			out++;
		}
	}
	l->n = out;
}

const char *kb_entry_type_name(enum kb_entry_type t)
{
	switch (t) {
	case KB_ENTRY_LINUX:
		return "linux";
	case KB_ENTRY_LEGACY:
		return "legacy";
	}
	return "unknown";
}
