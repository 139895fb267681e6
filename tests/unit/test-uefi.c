/* The firmware's boot entries from a fixture efivarfs tree (each file: 4
 * bytes of attributes, then the variable's data): the listing a person sees,
 * BootNext as the firmware will read it, and malformed variables that must
 * be skipped, never crash. */
#include "kboot-core/uefi.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/entry.h"
#include "kboot-core/env.h"
#include "kboot-core/legacy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char root[] = "/tmp/kboot-uefi-XXXXXX";
static char efivars[sizeof(root) + 64];

struct bytes {
	uint8_t v[1024];
	size_t n;
};

static void put(struct bytes *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->v));
	memcpy(b->v + b->n, p, n);
	b->n += n;
}

static void put16(struct bytes *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(b, x, 2);
}

static void put32(struct bytes *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void put_ucs2(struct bytes *b, const char *s)
{
	for (; *s; s++)
		put16(b, (unsigned char)*s);
	put16(b, 0);
}

/* Device path nodes */
static void node_hd(struct bytes *b, uint32_t partition)
{
	put16(b, 0x0104);
	put16(b, 42);
	put32(b, partition);
	uint8_t rest[42 - 8] = { 0 };
	put(b, rest, sizeof(rest));
}

static void node_file(struct bytes *b, const char *path)
{
	put16(b, 0x0404);
	put16(b, (unsigned)(4 + 2 * (strlen(path) + 1)));
	put_ucs2(b, path);
}

static void node_fvfile(struct bytes *b)
{
	put16(b, 0x0604);
	put16(b, 20);
	uint8_t guid[16] = { 0x83, 0xa5, 0x04, 0x7c };
	put(b, guid, sizeof(guid));
}

static void node_end(struct bytes *b)
{
	put16(b, 0xff7f);
	put16(b, 4);
}

enum path_kind { PATH_DISK, PATH_SHELL };

/* An EFI_LOAD_OPTION as efibootmgr or the firmware writes it. */
static struct bytes load_option(uint32_t attributes, const char *description, enum path_kind k)
{
	struct bytes path = { 0 }, b = { 0 };
	if (k == PATH_DISK) {
		node_hd(&path, 1);
		node_file(&path, "\\EFI\\Microsoft\\Boot\\bootmgfw.efi");
	} else {
		node_fvfile(&path);
	}
	node_end(&path);
	put32(&b, attributes);
	put16(&b, (unsigned)path.n);
	put_ucs2(&b, description);
	put(&b, path.v, path.n);
	return b;
}

static void write_var_raw(const char *name, const void *data, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s-%s", efivars, name, KB_UEFI_GLOBAL_GUID);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

/* attributes 0x7, then data */
static void write_var(const char *name, const struct bytes *data)
{
	struct bytes b = { 0 };
	put32(&b, 0x7);
	put(&b, data->v, data->n);
	write_var_raw(name, b.v, b.n);
}

static void write_boot_order(const unsigned *v, size_t n)
{
	struct bytes b = { 0 };
	for (size_t i = 0; i < n; i++)
		put16(&b, v[i]);
	write_var("BootOrder", &b);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	snprintf(efivars, sizeof(efivars), "%s/firmware/efi/efivars", root);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", efivars);
	if (system(cmd) != 0)
		return -1;
	setenv("KBOOT_SYSFS", root, 1);
	kb_env_reload();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static int empty_efivars(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -f %s/*", efivars);
	return system(cmd);
}

/* OVMF's entries: its UiApp (hidden), a disk, the shell, and two more. */
static void ovmf_like_tree(void)
{
	struct bytes o = load_option(0x109, "UiApp", PATH_SHELL);
	write_var("Boot0000", &o);
	o = load_option(0x1, "Windows Boot Manager", PATH_DISK);
	write_var("Boot0001", &o);
	o = load_option(0x1, "EFI Internal Shell", PATH_SHELL);
	write_var("Boot0002", &o);
	o = load_option(0x0, "Old entry, inactive", PATH_DISK);
	write_var("Boot0003", &o);
	o = load_option(0x1, "Not in BootOrder", PATH_DISK);
	write_var("Boot000A", &o);
	unsigned order[] = { 2, 0, 1, 3 };
	write_boot_order(order, 4);
	struct bytes current = { 0 };
	put16(&current, 2);
	write_var("BootCurrent", &current);
}

static void test_load_option_decoded(void **state)
{
	(void)state;
	struct bytes b = load_option(0x1, "Windows Boot Manager", PATH_DISK);
	struct kb_uefi_boot_option o;
	kb_error err = { 0 };
	assert_int_equal(kb_uefi_parse_load_option(b.v, b.n, 3, &o, &err), 0);
	assert_int_equal(o.number, 3);
	assert_int_equal(o.attributes, 1);
	assert_string_equal(o.description, "Windows Boot Manager");
	assert_string_equal(o.device_path, "HD(1)/\\EFI\\Microsoft\\Boot\\bootmgfw.efi");
}

static void test_non_ascii_description_is_utf8(void **state)
{
	(void)state;
	struct bytes path = { 0 }, b = { 0 };
	node_end(&path);
	put32(&b, 1);
	put16(&b, (unsigned)path.n);
	put16(&b, 'D');
	put16(&b, 0x00e9); /* é */
	put16(&b, 0x20ac); /* € */
	put16(&b, 0xd800); /* a lone surrogate */
	put16(&b, 0x0007); /* a control character */
	put16(&b, 0);
	put(&b, path.v, path.n);
	struct kb_uefi_boot_option o;
	assert_int_equal(kb_uefi_parse_load_option(b.v, b.n, 1, &o, NULL), 0);
	assert_string_equal(o.description, "D\xc3\xa9\xe2\x82\xac??");
}

static void test_listed_in_boot_order_hidden_and_inactive_skipped(void **state)
{
	(void)state;
	ovmf_like_tree();
	struct kb_uefi_boot_option v[8];
	size_t n = 0;
	kb_error err = { 0 };
	assert_int_equal(kb_uefi_boot_options(efivars, v, 8, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].number, 2);
	assert_string_equal(v[0].description, "EFI Internal Shell");
	assert_string_equal(v[0].device_path, "FvFile");
	assert_true(v[0].is_current);
	assert_int_equal(v[1].number, 1);
	assert_false(v[1].is_current);
	assert_int_equal(v[2].number, 0xA);
	assert_string_equal(v[2].description, "Not in BootOrder");
}

static const struct kb_entry *by_title(const struct kb_entry_list *l, const char *title)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].title && strcmp(l->v[i].title, title) == 0)
			return &l->v[i];
	return NULL;
}

static void test_entries_and_what_booting_one_does(void **state)
{
	(void)state;
	ovmf_like_tree();
	struct kb_entry_list l = { 0 };
	kb_entries_discover_uefi(&l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].title, "UEFI: EFI Internal Shell");
	const struct kb_entry *e = by_title(&l, "UEFI: Windows Boot Manager");
	assert_non_null(e);
	assert_int_equal(e->type, KB_ENTRY_LEGACY);
	assert_string_equal(e->source, "efivarfs:Boot0001");

	struct kb_legacy_plan p;
	kb_error err = { 0 };
	assert_int_equal(kb_legacy_plan(e, &p, &err), 0);
	assert_string_equal(p.method, "uefi-bootnext");
	assert_string_equal(p.next_entry, "Boot0001");
	assert_string_equal(p.grubenv, "");
	assert_string_equal(p.note, "reboots into the firmware's boot entry Boot0001 "
				    "'Windows Boot Manager' (BootNext, for one boot)");
	/* the check (a dry run stops there) writes nothing */
	assert_int_equal(kb_legacy_check(&p, &err), 0);
	uint8_t buf[8];
	size_t len;
	assert_int_equal(kb_uefi_read_variable(efivars, "BootNext", buf, sizeof(buf), &len, NULL,
					       NULL), -ENOENT);

	/* the handoff: BootNext = 0x0001 with attributes 0x7, as the firmware reads it */
	assert_int_equal(kb_legacy_write(&p, &err), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/BootNext-%s", efivars, KB_UEFI_GLOBAL_GUID);
	uint8_t raw[16];
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, raw, sizeof(raw)), 6);
	close(fd);
	const uint8_t want[6] = { 7, 0, 0, 0, 1, 0 };
	assert_memory_equal(raw, want, 6);

	/* a second choice replaces it whole */
	e = by_title(&l, "UEFI: Not in BootOrder");
	assert_int_equal(kb_legacy_plan(e, &p, &err), 0);
	assert_int_equal(kb_legacy_write(&p, &err), 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, raw, sizeof(raw)), 6);
	close(fd);
	const uint8_t want_a[6] = { 7, 0, 0, 0, 0xA, 0 };
	assert_memory_equal(raw, want_a, 6);
	kb_entry_list_free(&l);
}

static void test_gone_entry_refused_with_reason(void **state)
{
	(void)state;
	ovmf_like_tree();
	struct kb_entry e = { .title = "UEFI: Gone", .source = "efivarfs:Boot0009",
			      .type = KB_ENTRY_LEGACY };
	struct kb_legacy_plan p;
	kb_error err = { 0 };
	assert_int_equal(kb_legacy_plan(&e, &p, &err), 0);
	assert_int_equal(kb_legacy_write(&p, &err), -ENOENT);
	assert_non_null(strstr(err.text, "Boot0009: the firmware has no such boot entry"));
	/* an entry the firmware marks inactive is refused too */
	e.source = "efivarfs:Boot0003";
	assert_int_equal(kb_legacy_plan(&e, &p, &err), 0);
	assert_int_equal(kb_legacy_check(&p, &err), -EINVAL);
	assert_non_null(strstr(err.text, "inactive"));
	/* a made-up source name */
	e.source = "efivarfs:Boot12345";
	assert_int_equal(kb_legacy_plan(&e, &p, &err), -EINVAL);
}

static void test_no_efivarfs_no_entries(void **state)
{
	(void)state;
	setenv("KBOOT_SYSFS", "/nonexistent-kboot-sysfs", 1);
	kb_env_reload();
	struct kb_entry_list l = { 0 };
	kb_entries_discover_uefi(&l);
	assert_int_equal(l.n, 0);
	setenv("KBOOT_SYSFS", root, 1);
	kb_env_reload();
}

/* Every prefix of a valid option, every odd length, every byte flipped:
 * a clean -EINVAL or a decoded option with bounded strings. */
static void check_parse(const uint8_t *p, size_t n)
{
	struct kb_uefi_boot_option o;
	memset(&o, 0x55, sizeof(o));
	kb_error err = { 0 };
	int r = kb_uefi_parse_load_option(p, n, 7, &o, &err);
	if (r < 0) {
		assert_int_equal(r, -EINVAL);
		assert_true(err.text[0] != '\0');
		return;
	}
	assert_non_null(memchr(o.description, '\0', sizeof(o.description)));
	assert_non_null(memchr(o.device_path, '\0', sizeof(o.device_path)));
}

static void test_malformed_load_options_never_crash(void **state)
{
	(void)state;
	struct bytes b = load_option(0x1, "Windows Boot Manager", PATH_DISK);
	for (size_t n = 0; n < b.n; n++) {
		/* a copy of exactly n bytes on the heap, so ASan sees any overread */
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, b.v, n);
		check_parse(cut, n);
		if (n < b.n - 1) /* every cut but the last node's end is malformed */
			assert_int_equal(kb_uefi_parse_load_option(cut, n, 1, &(struct kb_uefi_boot_option){ 0 },
								   NULL), -EINVAL);
		free(cut);
	}
	for (size_t i = 0; i < b.n; i++)
		for (unsigned bit = 0; bit < 8; bit++) {
			uint8_t *flip = malloc(b.n);
			memcpy(flip, b.v, b.n);
			flip[i] ^= (uint8_t)(1u << bit);
			check_parse(flip, b.n);
			free(flip);
		}
	/* a node of length 0 must not loop forever */
	struct bytes z = { 0 };
	put32(&z, 1);
	put16(&z, 8);
	put_ucs2(&z, "x");
	put16(&z, 0x0104);
	put16(&z, 0);
	put16(&z, 0xff7f);
	put16(&z, 4);
	assert_int_equal(kb_uefi_parse_load_option(z.v, z.n, 1, &(struct kb_uefi_boot_option){ 0 },
						   NULL), -EINVAL);
	/* random bytes, a fixed seed */
	uint32_t seed = 12345;
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(round % 97);
		uint8_t *r = malloc(n ? n : 1);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			r[i] = (uint8_t)(seed >> 16);
		}
		if (n >= 6 && round % 2) /* plausible headers reach deeper */
			r[4] = (uint8_t)(n / 3), r[5] = 0;
		check_parse(r, n);
		free(r);
	}
}

static void test_malformed_variables_skipped(void **state)
{
	(void)state;
	ovmf_like_tree();
	write_var_raw("Boot0004", "\x07\x00", 2); /* shorter than its attributes */
	struct bytes o = load_option(0x1, "Cut short", PATH_DISK);
	o.n -= 3;
	write_var("Boot0005", &o); /* truncated device path */
	uint8_t big[KB_UEFI_VARIABLE_MAX + 16] = { 7 };
	write_var_raw("Boot0006", big, sizeof(big)); /* over the size limit */
	write_var_raw("BootOrder", "\x07\x00\x00\x00\x06\x00\x01", 7); /* odd length */
	write_var_raw("BootCurrent", "\x07\x00\x00\x00\x01", 5);      /* odd length */
	write_var_raw("Boot00GZ", "\x07\x00\x00\x00", 4);            /* not a Boot#### name */

	struct kb_uefi_boot_option v[8];
	size_t n = 0;
	assert_int_equal(kb_uefi_boot_options(efivars, v, 8, &n, NULL), 0);
	assert_int_equal(n, 3); /* 0001, then by number 0002, 000A */
	assert_int_equal(v[0].number, 1);
	assert_false(v[0].is_current);
	assert_int_equal(v[1].number, 2);
	assert_int_equal(v[2].number, 0xA);

	uint8_t buf[16];
	size_t len;
	kb_error err = { 0 };
	assert_int_equal(kb_uefi_read_variable(efivars, "Boot0006", buf, sizeof(buf), &len, NULL,
					       &err), -EFBIG);
}

static void test_entries_capped_at_max(void **state)
{
	(void)state;
	for (unsigned i = 0; i < KB_UEFI_BOOT_OPTIONS_MAX + 8; i++) {
		char name[16];
		snprintf(name, sizeof(name), "Boot%04X", i);
		struct bytes o = load_option(0x1, name, PATH_DISK);
		write_var(name, &o);
	}
	struct kb_uefi_boot_option *v = calloc(KB_UEFI_BOOT_OPTIONS_MAX, sizeof(*v));
	size_t n = 0;
	assert_int_equal(kb_uefi_boot_options(efivars, v, 4, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_int_equal(kb_uefi_boot_options(efivars, v, KB_UEFI_BOOT_OPTIONS_MAX, &n, NULL), 0);
	assert_int_equal(n, KB_UEFI_BOOT_OPTIONS_MAX);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_option_decoded),
		cmocka_unit_test(test_non_ascii_description_is_utf8),
		cmocka_unit_test_setup(test_listed_in_boot_order_hidden_and_inactive_skipped,
				       empty_efivars),
		cmocka_unit_test_setup(test_entries_and_what_booting_one_does, empty_efivars),
		cmocka_unit_test_setup(test_gone_entry_refused_with_reason, empty_efivars),
		cmocka_unit_test(test_no_efivarfs_no_entries),
		cmocka_unit_test(test_malformed_load_options_never_crash),
		cmocka_unit_test_setup(test_malformed_variables_skipped, empty_efivars),
		cmocka_unit_test_setup(test_entries_capped_at_max, empty_efivars),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
