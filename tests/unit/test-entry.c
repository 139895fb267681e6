/* Entry lists: stable ids, lookup by id or number, merging duplicates. */
#include "kboot-core/entry.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static struct kb_entry make(const char *title, const char *kernel, const char *cmdline)
{
	return (struct kb_entry){ .title = (char *)title, .kernel = (char *)kernel,
				  .cmdline = (char *)cmdline, .type = KB_ENTRY_LINUX };
}

static void test_id_is_stable_and_depends_on_what_boots(void **state)
{
	struct kb_entry a = make("A", "/boot/vmlinuz", "quiet");
	struct kb_entry b = make("Another title", "/boot/vmlinuz", "quiet");
	struct kb_entry c = make("A", "/boot/vmlinuz", "quiet splash");
	kb_entry_compute_id(&a);
	kb_entry_compute_id(&b);
	kb_entry_compute_id(&c);
	assert_int_equal(strlen(a.id), 12);
	assert_string_equal(a.id, b.id); /* the title does not matter */
	assert_string_not_equal(a.id, c.id);
	char *initrd = "/boot/initrd.img";
	struct kb_entry d = a;
	d.id[0] = '\0';
	d.initrds[0] = initrd;
	d.n_initrds = 1;
	kb_entry_compute_id(&d);
	assert_string_not_equal(a.id, d.id);
}

static void test_add_copies_and_find(void **state)
{
	struct kb_entry_list l = { 0 };
	char title[] = "Debian";
	struct kb_entry e = make(title, "/boot/vmlinuz", "ro");
	assert_int_equal(kb_entry_list_add(&l, &e, NULL), 0);
	title[0] = 'X'; /* a deep copy: the list keeps its own text */
	struct kb_entry f = make("Second", "/boot/vmlinuz.old", "ro");
	assert_int_equal(kb_entry_list_add(&l, &f, NULL), 0);
	assert_string_equal(l.v[0].title, "Debian");
	assert_ptr_equal(kb_entry_find(&l, "1"), &l.v[0]);
	assert_ptr_equal(kb_entry_find(&l, "2"), &l.v[1]);
	assert_null(kb_entry_find(&l, "3"));
	assert_null(kb_entry_find(&l, "0"));
	assert_ptr_equal(kb_entry_find(&l, l.v[1].id), &l.v[1]);
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%.6s", l.v[1].id);
	assert_ptr_equal(kb_entry_find(&l, prefix), &l.v[1]);
	assert_null(kb_entry_find(&l, "nope"));
	kb_entry_list_free(&l);
}

static void test_merge_keeps_first_title_and_ors_default(void **state)
{
	struct kb_entry_list l = { 0 };
	struct kb_entry a = make("From grub", "/boot/vmlinuz", "root=/dev/sda2 ro");
	struct kb_entry other = make("Other", "/boot/vmlinuz", "single");
	struct kb_entry b = make("From BLS", "/boot/vmlinuz", "root=/dev/sda2 ro");
	b.is_default = true;
	b.version = "6.1";
	assert_int_equal(kb_entry_list_add(&l, &a, NULL), 0);
	assert_int_equal(kb_entry_list_add(&l, &other, NULL), 0);
	assert_int_equal(kb_entry_list_add(&l, &b, NULL), 0);
	kb_entry_list_merge(&l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].title, "From grub");
	assert_true(l.v[0].is_default);
	assert_string_equal(l.v[0].version, "6.1"); /* filled from the duplicate */
	assert_string_equal(l.v[1].title, "Other");
	kb_entry_list_free(&l);
}

static void test_legacy_entries_without_kernel_stay_apart(void **state)
{
	struct kb_entry_list l = { 0 };
	struct kb_entry w = { .title = "Windows", .source = "vda2:/boot/grub/grub.cfg",
			      .grub_id = "osprober-efi-1", .type = KB_ENTRY_LEGACY };
	struct kb_entry fw = { .title = "UEFI Firmware Settings", .source = "vda2:/boot/grub/grub.cfg",
			       .grub_id = "uefi-firmware", .type = KB_ENTRY_LEGACY };
	assert_int_equal(kb_entry_list_add(&l, &w, NULL), 0);
	assert_int_equal(kb_entry_list_add(&l, &fw, NULL), 0);
	kb_entry_list_merge(&l);
	assert_int_equal(l.n, 2);
	assert_string_equal(kb_entry_type_name(l.v[0].type), "legacy");
	assert_string_equal(kb_entry_type_name(KB_ENTRY_LINUX), "linux");
	kb_entry_list_free(&l);
}

/* The second of two entries of one GRUB menu that boot the same gets
 * another id (grub-menu-read.c asks for it): both stay after merging, and
 * the first still merges with the same kernel found by another format. */
static void test_nth_entry_of_one_menu_is_never_merged(void **state)
{
	struct kb_entry_list l = { 0 };
	struct kb_entry simple = make("Debian", "/boot/vmlinuz", "root=/dev/sda2 ro");
	struct kb_entry advanced = make("Advanced>Debian", "/boot/vmlinuz", "root=/dev/sda2 ro");
	struct kb_entry bls = make("Debian (BLS)", "/boot/vmlinuz", "root=/dev/sda2 ro");
	simple.source = advanced.source = "/boot/grub/grub.cfg";
	bls.source = "/boot/loader/entries/debian.conf";
	kb_entry_compute_id(&simple);
	kb_entry_compute_id_nth(&advanced, 1);
	assert_string_not_equal(simple.id, advanced.id);
	kb_entry_compute_id_nth(&bls, 0);
	assert_string_equal(simple.id, bls.id);
	assert_int_equal(kb_entry_list_add(&l, &simple, NULL), 0);
	assert_int_equal(kb_entry_list_add(&l, &advanced, NULL), 0);
	assert_int_equal(kb_entry_list_add(&l, &bls, NULL), 0);
	kb_entry_list_merge(&l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].title, "Debian");
	assert_string_equal(l.v[1].title, "Advanced>Debian");
	kb_entry_list_free(&l);
}

/* A broken entry (no kernel) is named by where it is, and copied whole. */
static void test_broken_entries_keep_their_reason(void **state)
{
	struct kb_entry_list l = { 0 };
	struct kb_entry a = { .title = "A", .source = "/boot/grub/grub.cfg", .grub_id = "A",
			      .broken = "(uuid/vmlinuz: missing ')' after the device name" };
	struct kb_entry b = a;
	b.grub_id = b.title = "B";
	assert_int_equal(kb_entry_list_add(&l, &a, NULL), 0);
	assert_int_equal(kb_entry_list_add(&l, &b, NULL), 0);
	kb_entry_list_merge(&l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].broken, a.broken);
	assert_null(l.v[0].kernel);
	kb_entry_list_free(&l);
}

static void test_limits(void **state)
{
	struct kb_entry e = make("x", "/k", "");
	e.n_initrds = KB_ENTRY_INITRDS_MAX + 1;
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	assert_int_equal(kb_entry_list_add(&l, &e, &err), -E2BIG);
	assert_string_equal(err.text, "x: more than 16 initrds");
	kb_entry_list_free(&l);
	kb_entry_list_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_is_stable_and_depends_on_what_boots),
		cmocka_unit_test(test_add_copies_and_find),
		cmocka_unit_test(test_merge_keeps_first_title_and_ors_default),
		cmocka_unit_test(test_legacy_entries_without_kernel_stay_apart),
		cmocka_unit_test(test_nth_entry_of_one_menu_is_never_merged),
		cmocka_unit_test(test_broken_entries_keep_their_reason),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
