"""The REST API v1 as automation uses it (issue 4), against the host kbootd
over a fixture target tree, with a stand-in kexec that records its arguments."""
import json
import time
import threading

import pytest
import requests

from kbootd_host import KERNEL_VERSION, PASSWORD, START_WAIT_S, server_limit

KERNEL = "/boot/vmlinuz-6.1.0-test"
INITRD = "/boot/initrd.img-6.1.0-test"


def openapi_routes(kbootd):
    doc = kbootd.session().get(kbootd.url("/openapi.json"), timeout=10).json()
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def entry_id(server, title):
    """The id of the entry with this title (ids are derived from what boots)."""
    entries = server.session().get(server.url("/entries"), timeout=10).json()["entries"]
    return [e["id"] for e in entries if e["title"] == title][0]


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]


# --- shapes --------------------------------------------------------------------

def test_status_shows_version_state_and_no_countdown(kbootd):
    st = kbootd.session().get(kbootd.url("/status"), timeout=10).json()
    assert st["version"]
    assert st["state"] == "idle"
    assert st["countdown"] is None
    assert st["last_error"] is None
    assert st["auth_none"] is False


def test_entries_list_labels_with_the_default_marked(kbootd):
    entries = kbootd.session().get(kbootd.url("/entries"), timeout=10).json()["entries"]
    assert entries
    for e in entries:
        assert set(e) >= {"id", "title", "kernel", "initrd", "cmdline", "source", "default"}
        assert isinstance(e["initrd"], list)
    defaults = [e for e in entries if e["default"]]
    assert len(defaults) == 1
    assert "quiet" in defaults[0]["cmdline"]
    assert any(e["kernel"] == KERNEL for e in entries)


def test_devices_have_the_documented_fields(kbootd):
    devices = kbootd.session().get(kbootd.url("/devices"), timeout=10).json()["devices"]
    assert isinstance(devices, list)
    for d in devices:
        assert set(d) >= {"name", "path", "size", "fstype", "label", "uuid", "partuuid", "removable", "mountpoint"}
        assert d["path"] == "/dev/" + d["name"]


def test_files_lists_boot_with_kinds(kbootd):
    listing = kbootd.session().get(kbootd.url("/files"), params={"path": "/boot"}, timeout=10).json()
    assert listing["type"] == "directory"
    assert listing["truncated"] is False
    by_name = {e["name"]: e for e in listing["entries"]}
    assert by_name["vmlinuz-6.1.0-test"]["kind"] == "kernel"
    assert by_name["vmlinuz-6.1.0-test"]["type"] == "file"
    assert by_name["initrd.img-6.1.0-test"]["kind"] == "initrd"
    assert by_name["notes.txt"]["kind"] == "other"
    assert by_name["grub"]["type"] == "directory"
    assert by_name["vmlinuz-6.1.0-test"]["path"] == KERNEL


def test_files_shows_a_kernels_version(kbootd):
    info = kbootd.session().get(kbootd.url("/files"), params={"path": KERNEL}, timeout=10).json()
    assert info["type"] == "file"
    assert info["kind"] == "kernel"
    assert info["version"].startswith(KERNEL_VERSION.split()[0])
    assert info["size"] == 16 * 1024


def test_files_shows_an_initrd_without_version(kbootd):
    info = kbootd.session().get(kbootd.url("/files"), params={"path": INITRD}, timeout=10).json()
    assert info["kind"] == "initrd"
    assert info["version"] is None


def test_log_has_lines(kbootd):
    lines = kbootd.session().get(kbootd.url("/log"), timeout=10).json()["lines"]
    assert lines
    assert {"uptime", "level", "text"} <= set(lines[0])


def test_password_hash_never_appears_in_responses_or_log(kbootd):
    s = kbootd.session()
    secret = [l for l in kbootd.conf.read_text().splitlines() if l.startswith("password_hash")][0]
    secret = secret.split("=", 1)[1].strip("'")
    for route in ("/status", "/entries", "/log", "/devices"):
        assert secret not in s.get(kbootd.url(route), timeout=10).text
    assert secret not in kbootd.stderr()


# --- the OpenAPI document --------------------------------------------------------

TESTED_ROUTES = {("GET", "/status"), ("GET", "/entries"), ("GET", "/devices"), ("GET", "/files"),
                 ("GET", "/log"), ("GET", "/events"), ("GET", "/openapi.json"), ("POST", "/boot"),
                 ("POST", "/autoboot/cancel"), ("POST", "/session"), ("DELETE", "/session"),
                 # issue 6, tested in test_network_qemu.py
                 ("GET", "/network"), ("PUT", "/network"), ("POST", "/boot/cancel"),
                 # issue 14, end to end in test_volumes_qemu.py
                 ("POST", "/devices/{name}/unlock")}


def example(route):
    """A route as a request names it: a device for its {name} segment."""
    return route.replace("{name}", "vda1")


def test_unlock_names_the_device_and_wants_one_key(kbootd):
    s = kbootd.session()
    r = s.post(kbootd.url("/devices/vda1/unlock"), json={"passphrase": "secret"}, timeout=10)
    assert_error(r, 404, "not_found")
    assert "vda1: no such device" in r.json()["error"]["message"]
    for body in ({}, {"passphrase": 1}, {"passphrase": "a", "key_file": "/k"}):
        assert_error(s.post(kbootd.url("/devices/vda1/unlock"), json=body, timeout=10), 400, "invalid_field")
    assert_error(s.post(kbootd.url("/devices/vda+1/unlock"), json={"passphrase": "a"}, timeout=10),
                 400, "path_invalid")
    assert_error(s.post(kbootd.url("/devices/.../unlock"), json={"passphrase": "a"}, timeout=10),
                 404, "not_found")
    assert "secret" not in kbootd.stderr()


def test_openapi_documents_every_tested_route(kbootd):
    routes = openapi_routes(kbootd)
    assert TESTED_ROUTES <= routes, TESTED_ROUTES - routes
    assert routes <= TESTED_ROUTES, "an undocumented-by-tests route: %s" % (routes - TESTED_ROUTES)


def test_every_route_refuses_without_credentials(kbootd):
    for method, route in sorted(openapi_routes(kbootd)):
        if route == "/session":
            continue
        r = requests.request(method, kbootd.url(example(route)), timeout=10,
                             json={} if method == "POST" else None)
        assert_error(r, 401, "unauthorized")


def test_every_route_refuses_a_wrong_password(kbootd_factory):
    server = kbootd_factory()
    routes = openapi_routes(server)
    for method, route in sorted(routes):
        if route == "/session":
            continue
        r = requests.request(method, server.url(example(route)), auth=("admin", "wrong"), timeout=10,
                             json={} if method == "POST" else None)
        assert r.status_code == 401, (method, route, r.text)


def test_basic_auth_with_the_password_works(kbootd):
    r = requests.get(kbootd.url("/status"), auth=("admin", PASSWORD), timeout=10)
    assert r.status_code == 200
    assert r.json()["state"]


def test_local_token_file_is_private_and_accepted(kbootd):
    path = kbootd.run_dir / "local-token"
    assert path.stat().st_mode & 0o777 == 0o600
    token = path.read_text().strip()
    r = requests.get(kbootd.url("/status"), headers={"Authorization": "Bearer " + token}, timeout=10)
    assert r.status_code == 200
    assert (kbootd.run_dir / "kbootd.url").read_text().strip() == kbootd.base


def test_logout_invalidates_the_token(kbootd):
    token = requests.post(kbootd.url("/session"), json={"password": PASSWORD}, timeout=10).json()["token"]
    h = {"Authorization": "Bearer " + token}
    assert requests.get(kbootd.url("/status"), headers=h, timeout=10).status_code == 200
    assert requests.delete(kbootd.url("/session"), headers=h, timeout=10).status_code == 200
    assert_error(requests.get(kbootd.url("/status"), headers=h, timeout=10), 401, "unauthorized")


def test_an_unused_session_expires(kbootd_factory):
    server = kbootd_factory(extra_conf="session_timeout=1\n")
    login = requests.post(server.url("/session"), json={"password": PASSWORD}, timeout=10).json()
    assert login["expires_in"] == 1
    h = {"Authorization": "Bearer " + login["token"]}
    assert requests.get(server.url("/status"), headers=h, timeout=10).status_code == 200
    time.sleep(2.5)  # past the configured idle time; the check itself is not timed
    r = requests.get(server.url("/status"), headers=h, timeout=10)
    assert_error(r, 401, "unauthorized")
    assert "expired" in r.json()["error"]["message"]


def test_session_tokens_differ(kbootd):
    tokens = {requests.post(kbootd.url("/session"), json={"password": PASSWORD}, timeout=10).json()["token"]
              for _ in range(3)}
    assert len(tokens) == 3
    assert all(len(t) >= 32 for t in tokens)


def test_login_sets_a_strict_httponly_cookie(kbootd):
    r = requests.post(kbootd.url("/session"), json={"password": PASSWORD}, timeout=10)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_cookie_change_needs_a_matching_origin(kbootd):
    debian = entry_id(kbootd, "debian")
    s = requests.Session()
    s.post(kbootd.url("/session"), json={"password": PASSWORD}, timeout=10).raise_for_status()
    assert s.get(kbootd.url("/status"), timeout=10).status_code == 200  # reads need no Origin
    r = s.post(kbootd.url("/boot"), json={"entry": debian, "dry_run": True},
               headers={"Origin": "http://evil.example"}, timeout=10)
    assert_error(r, 403, "origin_mismatch")
    r = s.post(kbootd.url("/boot"), json={"entry": debian, "dry_run": True}, timeout=10)
    assert_error(r, 403, "origin_mismatch")
    r = s.post(kbootd.url("/boot"), json={"entry": debian, "dry_run": True},
               headers={"Origin": kbootd.base}, timeout=10)
    assert r.status_code == 200, r.text


def test_cross_origin_change_with_basic_credentials_is_refused(kbootd):
    """A browser sends Basic credentials it has cached on another site's form
    post too; only its Origin header tells. Automation (no Origin) is served."""
    debian = entry_id(kbootd, "debian")
    auth = ("admin", PASSWORD)
    for origin in ("http://evil.example", "null"):
        r = requests.post(kbootd.url("/boot"), json={"entry": debian, "dry_run": True}, auth=auth,
                          headers={"Origin": origin}, timeout=10)
        assert_error(r, 403, "origin_mismatch")
        r = requests.post(kbootd.url("/autoboot/cancel"), auth=auth, headers={"Origin": origin},
                          timeout=10)
        assert_error(r, 403, "origin_mismatch")
    r = requests.post(kbootd.url("/boot"), json={"entry": debian, "dry_run": True}, auth=auth,
                      headers={"Origin": kbootd.base}, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.post(kbootd.url("/boot"), json={"entry": debian, "dry_run": True}, auth=auth,
                      timeout=10)
    assert r.status_code == 200, r.text


def test_failed_logins_are_slowed_down(kbootd_factory):
    server = kbootd_factory()
    statuses = [requests.post(server.url("/session"), json={"password": "wrong%d" % i}, timeout=10).status_code
                for i in range(6)]
    assert statuses[0] == 401
    assert 429 in statuses
    r = requests.post(server.url("/session"), json={"password": PASSWORD}, timeout=10)
    assert_error(r, 429, "too_many_attempts")  # even the right password waits
    assert int(r.headers["Retry-After"]) >= 1


def test_one_time_password_without_a_hash(kbootd_factory):
    server = kbootd_factory(password_hash=False)
    out = server.wait_for(lambda: "one-time password:" in server.stdout() and server.stdout(), "password")
    password = out.split("one-time password:")[1].split()[0]
    assert requests.get(server.url("/status"), timeout=10).status_code == 401
    assert requests.get(server.url("/status"), auth=("admin", password), timeout=10).status_code == 200


def test_auth_none_opens_the_api_and_says_so(kbootd_factory):
    server = kbootd_factory(password_hash=False, auth_none=True)
    st = requests.get(server.url("/status"), timeout=10).json()
    assert st["auth_none"] is True


# --- bad inputs -------------------------------------------------------------------

BAD_INPUTS = [
    # (name, method, route, kwargs, status, code)
    ("malformed json", "POST", "/boot", {"data": "{not json", "headers": {"Content-Type": "application/json"}},
     400, "malformed_json"),
    ("not an object", "POST", "/boot", {"json": ["debian"]}, 400, "invalid_field"),
    ("entry not a string", "POST", "/boot", {"json": {"entry": 5}}, 400, "invalid_field"),
    ("dry_run not a bool", "POST", "/boot", {"json": {"entry": "debian", "dry_run": "yes"}}, 400, "invalid_field"),
    ("initrd not a list", "POST", "/boot", {"json": {"kernel": KERNEL, "initrd": 7}}, 400, "invalid_field"),
    ("cmdline not a string", "POST", "/boot", {"json": {"entry": "debian", "cmdline": ["a"]}}, 400, "invalid_field"),
    ("unknown field", "POST", "/boot", {"json": {"entry": "debian", "kernal": KERNEL}}, 400, "invalid_field"),
    ("entry and kernel", "POST", "/boot", {"json": {"entry": "debian", "kernel": KERNEL}}, 400, "invalid_request"),
    ("neither entry nor kernel", "POST", "/boot", {"json": {"dry_run": True}}, 400, "invalid_request"),
    ("unknown entry", "POST", "/boot", {"json": {"entry": "no-such-entry", "dry_run": True}}, 404, "entry_not_found"),
    ("missing kernel file", "POST", "/boot", {"json": {"kernel": "/boot/vmlinuz-missing", "dry_run": True}},
     404, "not_found"),
    ("non-kernel", "POST", "/boot", {"json": {"kernel": "/boot/notes.txt", "dry_run": True}}, 422, "load_failed"),
    ("dotdot kernel", "POST", "/boot", {"json": {"kernel": "/boot/../etc/fstab", "dry_run": True}},
     400, "path_invalid"),
    ("10 MiB body", "POST", "/boot", {"data": b"{" + b" " * (10 << 20) + b"}",
                                      "headers": {"Content-Type": "application/json"}}, 413, "body_too_large"),
    ("wrong content type", "POST", "/boot", {"data": '{"entry":"debian"}', "headers": {"Content-Type": "text/plain"}},
     415, "unsupported_media_type"),
    ("dotdot path", "GET", "/files", {"params": {"path": "/boot/../etc"}}, 400, "path_invalid"),
    ("missing file", "GET", "/files", {"params": {"path": "/boot/nothing-here"}}, 404, "not_found"),
    ("no path", "GET", "/files", {}, 400, "invalid_request"),
    ("unknown route", "GET", "/nothing", {}, 404, "no_such_route"),
    ("wrong method", "DELETE", "/entries", {}, 405, "method_not_allowed"),
    ("login not json", "POST", "/session", {"data": "password=x"}, 415, "unsupported_media_type"),
    ("login password not a string", "POST", "/session", {"json": {"password": 1}}, 400, "invalid_field"),
]


@pytest.mark.parametrize("name,method,route,kwargs,status,code", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_with_status_and_code(kbootd, name, method, route, kwargs, status, code):
    r = kbootd.session().request(method, kbootd.url(route), timeout=30, **kwargs)
    assert_error(r, status, code)


def test_bad_credentials_are_refused(kbootd_factory):
    server = kbootd_factory()
    assert_error(requests.get(server.url("/entries"), timeout=10), 401, "unauthorized")
    assert_error(requests.get(server.url("/entries"), headers={"Authorization": "Bearer nope"}, timeout=10),
                 401, "unauthorized")
    assert_error(requests.post(server.url("/session"), json={"password": "wrong"}, timeout=10),
                 401, "unauthorized")
    assert_error(requests.get(server.url("/entries"), auth=("admin", "wrong"), timeout=10), 401, "unauthorized")


def test_security_headers_on_the_ui_and_api(kbootd):
    r = requests.get(kbootd.base + "/", timeout=10)
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = requests.get(kbootd.url("/status"), timeout=10)
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_no_directory_listing(kbootd):
    r = requests.get(kbootd.base + "/api/", timeout=10)
    assert r.status_code == 401
    r = requests.get(kbootd.base + "/nonexistent-dir/", timeout=10)
    assert r.status_code == 404


# --- booting -----------------------------------------------------------------------

def load_calls(calls):
    return [c for c in calls if ("-l" in c or "-s" in c) and "-u" not in c]


def test_dry_run_boot_of_an_entry_returns_the_plan(kbootd):
    before = len(kbootd.kexec_calls())
    r = kbootd.session().post(kbootd.url("/boot"), json={"entry": entry_id(kbootd, "debian"), "dry_run": True,
                                                         "cmdline": "root=/dev/sda2 console=ttyS0"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True
    plan = body["plan"]
    assert plan["kernel"] == KERNEL
    assert plan["initrd"] == [INITRD]
    assert plan["cmdline"] == "root=/dev/sda2 console=ttyS0"
    assert plan["kernel_info"]["kind"] == "kernel"
    calls = kbootd.kexec_calls()[before:]
    loads = load_calls(calls)
    assert loads, calls
    load = loads[-1]
    assert any(a.endswith("vmlinuz-6.1.0-test") for a in load)
    assert any(a.startswith("--initrd=") and a.endswith("initrd.img-6.1.0-test") for a in load)
    assert "--command-line=root=/dev/sda2 console=ttyS0" in load
    assert "-u" in calls[-1]
    assert not any("-e" in c for c in calls)
    assert kbootd.session().get(kbootd.url("/status"), timeout=10).json()["state"] == "idle"


def test_dry_run_boot_of_a_bare_kernel(kbootd):
    r = kbootd.session().post(kbootd.url("/boot"), json={"kernel": KERNEL, "initrd": [INITRD],
                                                         "cmdline": "init=/bin/sh", "dry_run": True}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["cmdline"] == "init=/bin/sh"


def test_kexec_load_failure_gives_kexecs_words(kbootd):
    kbootd.kexec_fail.write_text("Cannot determine the file type of /boot/x\n")
    try:
        r = kbootd.session().post(kbootd.url("/boot"), json={"entry": entry_id(kbootd, "debian"), "dry_run": True},
                                  timeout=30)
    finally:
        kbootd.kexec_fail.unlink()
    assert_error(r, 422, "load_failed")
    assert "Cannot determine the file type" in r.json()["error"]["message"]
    st = kbootd.session().get(kbootd.url("/status"), timeout=10).json()
    assert st["state"] == "idle"


def test_real_boot_answers_202_and_kexec_executes(kbootd_factory):
    server = kbootd_factory()
    r = server.session().post(server.url("/boot"), json={"entry": entry_id(server, "rescue")}, timeout=30)
    assert r.status_code == 202, r.text
    assert r.json()["plan"]["cmdline"].endswith("single")
    executed = server.wait_for(lambda: any("-e" in c for c in server.kexec_calls()), "kexec -e")
    assert executed, server.kexec_calls()


def test_boot_while_another_is_under_way_is_409(kbootd_factory):
    server = kbootd_factory()
    s = server.session()
    debian = entry_id(server, "debian")
    results = []

    def boot():
        results.append(s.post(server.url("/boot"), json={"entry": debian}, timeout=30))
    threads = [threading.Thread(target=boot) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    r = s.post(server.url("/boot"), json={"entry": debian, "dry_run": True}, timeout=30)
    statuses = sorted(x.status_code for x in results + [r])
    assert statuses.count(202) == 1, [x.text for x in results + [r]]
    assert 409 in statuses
    assert_error([x for x in results + [r] if x.status_code == 409][0], 409, "busy")


# --- countdown and events --------------------------------------------------------

def test_countdown_is_visible_and_cancellable(kbootd_factory):
    server = kbootd_factory(timeout=300)
    s = server.session()
    st = s.get(server.url("/status"), timeout=10).json()
    assert st["state"] == "countdown"
    assert st["countdown"]["entry"]
    assert 0 < st["countdown"]["seconds_left"] <= 300
    r = s.post(server.url("/autoboot/cancel"), timeout=10)
    assert r.status_code == 200, r.text
    st = s.get(server.url("/status"), timeout=10).json()
    assert st["state"] == "idle" and st["countdown"] is None
    assert_error(s.post(server.url("/autoboot/cancel"), timeout=10), 409, "no_countdown")
    assert not any("-e" in c for c in server.kexec_calls())


def test_cancelling_a_download_when_none_runs_says_so(kbootd):
    # The cancel itself is tested against a real slow download in test_network_qemu.py.
    assert_error(kbootd.session().post(kbootd.url("/boot/cancel"), timeout=10), 409,
                 "nothing_to_cancel")


def read_events(response, want, limit=200):
    """Events (name, data) from an SSE response until want(events) holds."""
    events, name = [], None
    for line in response.iter_lines(chunk_size=1, decode_unicode=True):
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[len("data: "):])))
            if want(events) or len(events) >= limit:
                break
    return events


def test_events_deliver_countdown_ticks_and_a_state_change(kbootd_factory):
    server = kbootd_factory(timeout=300)
    s = server.session()
    with s.get(server.url("/events"), stream=True, timeout=START_WAIT_S) as r:
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/event-stream")
        first = read_events(r, lambda ev: any(n == "countdown" for n, _ in ev))
        assert first[0] == ("state", {"state": "countdown", "error": None})
        tick = [d for n, d in first if n == "countdown"][0]
        assert tick["seconds_left"] > 0 and tick["entry"]
        s.post(server.url("/autoboot/cancel"), timeout=10).raise_for_status()
        later = read_events(r, lambda ev: any(n == "state" and d["state"] == "idle" for n, d in ev))
        assert ("state", {"state": "idle", "error": None}) in [(n, {"state": d["state"], "error": d["error"]})
                                                               for n, d in later if n == "state"]


def test_events_are_capped(kbootd):
    s = kbootd.session()
    streams = [s.get(kbootd.url("/events"), stream=True, timeout=10) for _ in range(server_limit("KBD_SSE_CLIENTS_MAX"))]
    try:
        assert all(r.status_code == 200 for r in streams)
        assert_error(s.get(kbootd.url("/events"), timeout=10), 503, "too_many_clients")
    finally:
        for r in streams:
            r.close()


def test_static_files_next_to_api_need_no_login(kbootd):
    # civetweb matches handler URIs as plain prefixes: "/api" must not swallow "/api.js".
    assert requests.get(kbootd.base + "/rest.js", timeout=10).status_code == 200
    assert requests.get(kbootd.base + "/apinothing", timeout=10).status_code == 404
    assert requests.get(kbootd.base + "/login.html", timeout=10).status_code == 200


# --- named limits, at the limit and one past it (issue 7) ---------------------------

def test_body_at_the_limit_is_read_and_one_byte_more_is_413(kbootd):
    limit = server_limit("KBD_BODY_MAX")
    s = kbootd.session()
    headers = {"Content-Type": "application/json"}
    at = b'{"entry": "x", "dry_run": true}'
    at = at[:-1] + b" " * (limit - len(at)) + b"}"
    assert len(at) == limit
    assert_error(s.post(kbootd.url("/boot"), data=at, headers=headers, timeout=30), 404, "entry_not_found")
    past = at[:-1] + b" }"
    assert_error(s.post(kbootd.url("/boot"), data=past, headers=headers, timeout=30), 413, "body_too_large")


def test_oversized_headers_are_refused_and_the_server_lives_on(kbootd):
    limit = server_limit("KBD_HEADER_MAX")
    s = kbootd.session()
    r = s.get(kbootd.url("/status"), headers={"X-Filler": "a" * (limit + 1)}, timeout=10)
    assert r.status_code in (413, 431, 400)
    assert s.get(kbootd.url("/status"), timeout=10).status_code == 200


def test_directory_listing_is_capped_and_says_so(kbootd):
    limit = server_limit("KBD_DIR_ENTRIES_MAX")
    for name, count in (("at-limit", limit), ("past-limit", limit + 1)):
        d = kbootd.target / "home" / name
        d.mkdir()
        for i in range(count):
            (d / ("f%05d" % i)).write_text("")
    s = kbootd.session()
    at = s.get(kbootd.url("/files"), params={"path": "/home/at-limit"}, timeout=30).json()
    assert at["truncated"] is False and len(at["entries"]) == limit
    past = s.get(kbootd.url("/files"), params={"path": "/home/past-limit"}, timeout=30).json()
    assert past["truncated"] is True and len(past["entries"]) == limit


def test_path_longer_than_the_limit_is_refused(kbootd):
    r = kbootd.session().get(kbootd.url("/files"), params={"path": "/" + "a" * 5000}, timeout=10)
    assert_error(r, 400, "path_invalid")


def test_tls_auto_on_a_build_without_tls_says_so_and_serves_http(kbootd_factory):
    """The host build has no mbedTLS: tls=auto is reported, not ignored, and
    the status says plain HTTP (the image makes the certificate:
    test_kbootd_qemu.py)."""
    server = kbootd_factory(extra_conf="tls=auto\n")
    assert "tls=auto needs a build with TLS" in server.stderr()
    r = server.session().get(server.url("/status"), timeout=10)
    assert r.status_code == 200 and r.json()["tls"] is None
