/* The gate's pure parts: the one form of a request path, the route table's
 * lookups, the Host names, the login backoff's clients, and the errno table
 * that gives each core failure its own status. */
#include "server/server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

static int path_of(const char *raw, char *ret, size_t size)
{
	struct kbd_refusal no;
	return kbd_request_path(raw, ret, size, &no);
}

static void test_request_path_is_decoded_once(void **state)
{
	char p[KBD_REQUEST_PATH_MAX + 1];
	assert_int_equal(path_of("/api/v1/status", p, sizeof(p)), 0);
	assert_string_equal(p, "/api/v1/status");
	assert_int_equal(path_of("/%61pi/v1/%73tatus", p, sizeof(p)), 0);
	assert_string_equal(p, "/api/v1/status");
	/* Once: an escaped escape stays an escape, and '%' is no path character. */
	assert_int_equal(path_of("/%2561pi", p, sizeof(p)), 400);
	assert_int_equal(path_of("/", p, sizeof(p)), 0);
	assert_string_equal(p, "/");
	assert_int_equal(path_of("/api/", p, sizeof(p)), 0); /* a path no row names: 404 later */
}

static void test_request_path_refuses_every_other_form(void **state)
{
	static const char *const bad[] = {
		"", "api/v1/status", "/api//v1", "//api", "/api/./v1", "/./api", "/api/../v1", "/api/..",
		"/api/.", "/%2e/api", "/api/%2E%2e/x", "/api%2fv1", "/api%2Fv1", "/api%5cv1", "/api\\v1",
		"/api%00", "/api%0", "/api%zz", "/api%", "/api%0d%0aSet-Cookie:x", "/api v1", "/api%20",
		"/api;x", "/api%c0%af", "/\xc3\xa9", "/api?x", "/api#x", "/a:b", "/a@b", "/a+b",
	};
	char p[KBD_REQUEST_PATH_MAX + 1];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kbd_refusal no;
		int status = kbd_request_path(bad[i], p, sizeof(p), &no);
		if (status != 400)
			fail_msg("\"%s\": %d, want 400", bad[i], status);
		assert_string_equal(no.code, "path_invalid");
	}
	assert_int_equal(kbd_request_path(NULL, p, sizeof(p), &(struct kbd_refusal){ 0 }), 400);
}

static void test_request_path_limit_at_and_past(void **state)
{
	char raw[KBD_REQUEST_PATH_MAX + 8], p[KBD_REQUEST_PATH_MAX + 1];
	memset(raw, 'a', sizeof(raw));
	raw[0] = '/';
	raw[KBD_REQUEST_PATH_MAX] = '\0';
	assert_int_equal(path_of(raw, p, sizeof(p)), 0);
	assert_int_equal(strlen(p), KBD_REQUEST_PATH_MAX);
	raw[KBD_REQUEST_PATH_MAX] = 'a';
	raw[KBD_REQUEST_PATH_MAX + 1] = '\0';
	assert_int_equal(path_of(raw, p, sizeof(p)), 414);
	/* Escapes count as the byte they decode to. */
	char enc[KBD_REQUEST_PATH_MAX * 3 + 4] = "/";
	for (int i = 1; i < KBD_REQUEST_PATH_MAX; i++)
		strcat(enc, "%61");
	assert_int_equal(path_of(enc, p, sizeof(p)), 0);
	strcat(enc, "%61");
	assert_int_equal(path_of(enc, p, sizeof(p)), 414);
}

static void test_routes_are_exact_and_case_sensitive(void **state)
{
	bool known;
	char name[32];
	const struct kbd_route *r = kbd_route_find("GET", "/api/v1/status", &known, name, sizeof(name));
	assert_non_null(r);
	assert_true(known);
	assert_int_equal(r->access, KBD_LOGIN);
	assert_null(kbd_route_find("get", "/api/v1/status", &known, name, sizeof(name)));
	assert_true(known);
	assert_null(kbd_route_find("GET", "/API/v1/status", &known, name, sizeof(name)));
	assert_false(known);
	assert_null(kbd_route_find("GET", "/api/v1/files/content", &known, name, sizeof(name)));
	assert_false(known);
	assert_null(kbd_route_find("POST", "/api/v1/boot/cancel/", &known, name, sizeof(name)));
	assert_false(known);
	assert_non_null(kbd_route_find("POST", "/api/v1/boot/cancel", &known, name, sizeof(name)));
	assert_int_equal(kbd_route_find("POST", "/api/v1/session", &known, name, sizeof(name))->access, KBD_PUBLIC);
	char allow[64];
	assert_int_equal(kbd_route_methods("/api/v1/network", allow, sizeof(allow)), 0);
	assert_string_equal(allow, "GET, PUT");
	assert_int_equal(kbd_route_methods("/api/v1/nothing", allow, sizeof(allow)), -ENOENT);
}

static void test_a_device_name_segment_takes_device_names_only(void **state)
{
	bool known;
	char name[32];
	const struct kbd_route *r =
		kbd_route_find("POST", "/api/v1/devices/nvme0n1p3/unlock", &known, name, sizeof(name));
	assert_non_null(r);
	assert_true(r->names_device);
	assert_string_equal(name, "nvme0n1p3");
	assert_non_null(kbd_route_find("POST", "/api/v1/devices/dm-0/unlock", &known, name, sizeof(name)));
	assert_string_equal(name, "dm-0");
	static const char *const refused[] = {
		"/api/v1/devices//unlock",	     "/api/v1/devices/../unlock",
		"/api/v1/devices/./unlock",	     "/api/v1/devices/a/b/unlock",
		"/api/v1/devices/{name}/unlock",     "/api/v1/devices/vda%31/unlock",
		"/api/v1/devices/vda 1/unlock",	     "/api/v1/devices/vda1/unlock/",
		"/api/v1/devices/vda1/Unlock",	     "/api/v1/devices/vda1",
		"/api/v1/devices/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/unlock",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_null(kbd_route_find("POST", refused[i], &known, name, sizeof(name)));
		assert_false(known);
	}
	assert_null(kbd_route_find("GET", "/api/v1/devices/vda1/unlock", &known, name, sizeof(name)));
	assert_true(known);
	char allow[64];
	assert_int_equal(kbd_route_methods("/api/v1/devices/vda1/unlock", allow, sizeof(allow)), 0);
	assert_string_equal(allow, "POST");
}

static void test_host_names(void **state)
{
	char h[64];
	assert_int_equal(kbd_host_name("kboot.local:8080", h, sizeof(h)), 0);
	assert_string_equal(h, "kboot.local");
	assert_int_equal(kbd_host_name("[::1]:80", h, sizeof(h)), 0);
	assert_string_equal(h, "[::1]");
	assert_int_equal(kbd_host_name("10.0.0.5", h, sizeof(h)), 0);
	static const char *const bad[] = { NULL, "", "a b", "x\r\nSet-Cookie: y", "a:b:c", "a:", "[::1", "h/x",
					   "a:80x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kbd_host_name(bad[i], h, sizeof(h)), -EINVAL);
	assert_true(kbd_host_is_ours("127.0.0.1:80"));
	assert_true(kbd_host_is_ours("[::1]"));
	assert_true(kbd_host_is_ours("LOCALHOST"));
	assert_false(kbd_host_is_ours("evil.example"));
	assert_false(kbd_host_is_ours("127.0.0.1.evil.example"));
	assert_false(kbd_host_is_ours("[evil]"));
	assert_false(kbd_host_is_ours(NULL));
}

static void test_login_clients_are_addresses_or_ipv6_64s(void **state)
{
	char a[64], b[64];
	assert_int_equal(kbd_login_client_key("2001:db8:1:2:aaaa::1", a, sizeof(a)), 0);
	assert_int_equal(kbd_login_client_key("2001:db8:1:2:bbbb:cccc:dddd:eeee", b, sizeof(b)), 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "2001:db8:1:2::/64");
	assert_int_equal(kbd_login_client_key("2001:db8:1:3::1", b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(kbd_login_client_key("::ffff:192.0.2.7", a, sizeof(a)), 0);
	assert_string_equal(a, "192.0.2.7");
	assert_int_equal(kbd_login_client_key("192.0.2.7", b, sizeof(b)), 0);
	assert_string_equal(a, b);
	assert_int_equal(kbd_login_client_key("192.0.2.8", b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
}

static void test_each_core_failure_has_its_own_status(void **state)
{
	static const struct {
		int errnum, status;
		const char *code;
	} want[] = {
		{ EXDEV, 403, "outside_filesystem" }, { ELOOP, 400, "too_many_links" },
		{ ETIMEDOUT, 504, "timed_out" },      { EHOSTUNREACH, 502, "unreachable" },
		{ ENETUNREACH, 502, "unreachable" },  { ECONNREFUSED, 502, "refused" },
		{ ENOENT, 404, "not_found" },         { EIO, 500, "internal" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *code;
		assert_int_equal(kbd_status_for_errno(-want[i].errnum, &code), want[i].status);
		assert_string_equal(code, want[i].code);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_path_is_decoded_once),
		cmocka_unit_test(test_request_path_refuses_every_other_form),
		cmocka_unit_test(test_request_path_limit_at_and_past),
		cmocka_unit_test(test_routes_are_exact_and_case_sensitive),
		cmocka_unit_test(test_a_device_name_segment_takes_device_names_only),
		cmocka_unit_test(test_host_names),
		cmocka_unit_test(test_login_clients_are_addresses_or_ipv6_64s),
		cmocka_unit_test(test_each_core_failure_has_its_own_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
