/* The API's JSON, as kbootd writes it and the console reads it back: one
 * codec, so an entry or a status survives the trip, field for field, and
 * every error code a client can get back names the status it came with. */
#include "kboot-core/wire.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Through text, as over the wire. */
static cJSON *wire(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	assert_non_null(text);
	cJSON *back = cJSON_Parse(text);
	free(text);
	assert_non_null(back);
	return back;
}

static void test_an_entry_survives_the_trip(void **state)
{
	struct kb_entry e = {
		.id = "a1b2c3",
		.title = "Debian GNU/Linux",
		.kernel = "vda2:/vmlinuz-6.1",
		.initrds = { "vda2:/initrd.img-6.1", "vda2:/ucode.img" },
		.n_initrds = 2,
		.cmdline = "root=UUID=x ro quiet",
		.source = "vda2:/grub/grub.cfg",
		.version = "6.1.0-13-amd64",
		.type = KB_ENTRY_LINUX,
		.is_default = true,
	};
	cJSON *o = wire(kb_wire_entry(&e));
	struct kb_entry back;
	assert_int_equal(kb_wire_entry_read(o, &back, NULL), 0);
	assert_string_equal(back.id, e.id);
	assert_string_equal(back.title, e.title);
	assert_string_equal(back.kernel, e.kernel);
	assert_int_equal(back.n_initrds, 2);
	assert_string_equal(back.initrds[1], e.initrds[1]);
	assert_string_equal(back.cmdline, e.cmdline);
	assert_string_equal(back.source, e.source);
	assert_string_equal(back.version, e.version);
	assert_int_equal(back.type, KB_ENTRY_LINUX);
	assert_true(back.is_default);
	assert_null(back.broken);
	cJSON_Delete(o);
	/* An entry GRUB lists but cannot boot says why. */
	struct kb_entry broken = { .id = "d4e5f6", .title = "Installer",
				   .broken = "(uuid/vmlinuz: missing ')' after the device name" };
	o = wire(kb_wire_entry(&broken));
	assert_int_equal(kb_wire_entry_read(o, &back, NULL), 0);
	assert_string_equal(back.broken, broken.broken);
	assert_null(back.kernel);
	cJSON_Delete(o);
	/* Not an entry: refused, not half read. */
	cJSON *bad = cJSON_Parse("{\"title\":\"no id\"}");
	kb_error err = { 0 };
	assert_int_equal(kb_wire_entry_read(bad, &back, &err), -EINVAL);
	cJSON_Delete(bad);
}

static void test_a_status_survives_the_trip(void **state)
{
	struct kb_boot_status st = { .state = KB_BOOT_COUNTDOWN, .seconds_left = 7 };
	strcpy(st.countdown_entry, "a1b2c3");
	strcpy(st.countdown_title, "Debian");
	st.has_error = true;
	kb_error_set(&st.last_error, ENOEXEC, "/vmlinuz: not a Linux kernel");
	cJSON *root = cJSON_CreateObject();
	kb_wire_status_add(root, &st);
	cJSON *o = wire(root);
	struct kb_boot_status back;
	assert_int_equal(kb_wire_status_read(o, &back), 0);
	assert_int_equal(back.state, KB_BOOT_COUNTDOWN);
	assert_int_equal(back.seconds_left, 7);
	assert_string_equal(back.countdown_entry, "a1b2c3");
	assert_string_equal(back.countdown_title, "Debian");
	assert_true(back.has_error);
	assert_int_equal(back.last_error.code, ENOEXEC);
	assert_string_equal(back.last_error.text, "/vmlinuz: not a Linux kernel");
	cJSON_Delete(o);
}

/* A code read back gives an errno that the server would answer with the
 * same status: the client and the server speak one table. */
static void test_every_code_keeps_its_status(void **state)
{
	static const int errnums[] = { ENOENT, ENOTDIR, ENODEV, EINVAL, ENAMETOOLONG, EBUSY, EALREADY,
				       ENOEXEC, E2BIG, EACCES, EXDEV, ELOOP, ETIMEDOUT, EHOSTUNREACH,
				       ECONNREFUSED, ENOSPC, EROFS, ECANCELED, EAGAIN };
	for (size_t i = 0; i < sizeof(errnums) / sizeof(errnums[0]); i++) {
		const char *code, *again;
		int status = kb_wire_status_of(-errnums[i], &code);
		assert_int_equal(kb_wire_status_of(kb_wire_errno_of(code), &again), status);
		assert_string_equal(again, code);
	}
	static const struct {
		const char *code;
		int status;
	} sent[] = { { "entry_not_found", 404 }, { "no_such_route", 404 }, { "load_failed", 422 },
		     { "no_countdown", 409 },    { "already_booting", 409 }, { "invalid_field", 400 },
		     { "body_too_large", 413 },  { "too_many_attempts", 429 } };
	for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		const char *code;
		assert_int_equal(kb_wire_status_of(kb_wire_errno_of(sent[i].code), &code), sent[i].status);
	}
	/* The one exception: 401 is the login's, not a core errno's (a client
	 * reads the status for it). */
	assert_int_equal(kb_wire_errno_of("unauthorized"), EACCES);
	assert_int_equal(kb_wire_errno_of("no-such-code"), EIO);
	assert_int_equal(kb_wire_errno_of(NULL), EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_entry_survives_the_trip),
		cmocka_unit_test(test_a_status_survives_the_trip),
		cmocka_unit_test(test_every_code_keeps_its_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
