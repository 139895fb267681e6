/* Shared by the parser tests: fixture filesystems and "these are the entries
 * it must yield" tables. Tests run from the repo root (tests/run-unit.sh). */
#pragma once
#include "kboot-core/discover.h"
#include "kboot-core/entry.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Want-tables leave trailing fields (type, grub_id) out when they do not matter. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#ifndef KB_FIXTURES
#define KB_FIXTURES "tests/unit/fixtures"
#endif

struct want {
	const char *title;
	const char *kernel; /* NULL for a legacy entry without one */
	const char *initrds[4];
	const char *cmdline;
	bool is_default;
	enum kb_entry_type type;
	const char *grub_id; /* checked when non-NULL */
};

static inline void dump_entries(const struct kb_entry_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct kb_entry *e = &l->v[i];
		print_message("  [%zu] %s%s\n      kernel %s\n", i, e->title,
			      e->is_default ? " (default)" : "", e->kernel ? e->kernel : "(none)");
		for (size_t k = 0; k < e->n_initrds; k++)
			print_message("      initrd %s\n", e->initrds[k]);
		print_message("      cmdline \"%s\" type %s grub_id %s source %s\n",
			      e->cmdline ? e->cmdline : "(null)", kb_entry_type_name(e->type),
			      e->grub_id ? e->grub_id : "-", e->source ? e->source : "-");
	}
}

static inline bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static inline const char *entry_mismatch(const struct kb_entry *e, const struct want *w)
{
	size_t n = 0;
	while (n < 4 && w->initrds[n])
		n++;
	if (!str_eq(e->title, w->title))
		return "title";
	if (!str_eq(e->kernel, w->kernel))
		return "kernel";
	if (e->n_initrds != n)
		return "number of initrds";
	for (size_t i = 0; i < n; i++)
		if (!str_eq(e->initrds[i], w->initrds[i]))
			return "initrd";
	if (!str_eq(e->cmdline ? e->cmdline : "", w->cmdline ? w->cmdline : ""))
		return "cmdline";
	if (e->is_default != w->is_default)
		return "is_default";
	if (e->type != w->type)
		return "type";
	if (w->grub_id && !str_eq(e->grub_id, w->grub_id))
		return "grub_id";
	return NULL;
}

static inline void assert_entries(const struct kb_entry_list *l, const struct want *w, size_t n)
{
	if (l->n != n) {
		dump_entries(l);
		fail_msg("got %zu entries, want %zu", l->n, n);
	}
	for (size_t i = 0; i < n; i++) {
		const char *bad = entry_mismatch(&l->v[i], &w[i]);
		if (bad) {
			dump_entries(l);
			fail_msg("entry %zu (\"%s\"): wrong %s; want title \"%s\" kernel %s cmdline \"%s\"%s",
				 i, l->v[i].title, bad, w[i].title, w[i].kernel ? w[i].kernel : "(none)",
				 w[i].cmdline ? w[i].cmdline : "", w[i].is_default ? " (default)" : "");
		}
	}
}

#define ASSERT_ENTRIES(l, ...)                                                                 \
	do {                                                                                   \
		static const struct want want_[] = { __VA_ARGS__ };                            \
		assert_entries((l), want_, sizeof(want_) / sizeof(want_[0]));                  \
	} while (0)
