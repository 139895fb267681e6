"""The gate in front of every request (issue 11): one route table, exact
paths, static files from the UI's own list, nothing written, the Host and
Origin checked. Each test also tries to get round the guarantee: other
cases, encodings, methods, and races."""
import concurrent.futures
import hashlib
import json
import os
import shutil
import socket
import subprocess

import pytest
import requests

from kbootd_host import KBOOTD, PASSWORD, WEBROOT, server_limit
from raw_http import request

REFUSED = {400, 401, 403, 404, 405, 411, 413, 414, 421}


def route_table():
    """(method, path, access) rows, from the table the gate dispatches from."""
    out = subprocess.run([str(KBOOTD), "--routes"], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split()) for line in out.splitlines()]


def different_paths(path):
    """Paths that are not this route's path, however a lax server reads them."""
    head, _, last = path.rpartition("/")
    return [
        path.upper(), "/API" + path[4:], "/Api" + path[4:], head + "/" + last.capitalize(),
        path.replace("/v1/", "//v1/"), "/" + path, path.replace("/v1/", "/./v1/"), "/." + path,
        path.replace("/v1/", "/x/../v1/"), "/x/.." + path, path.replace("/v1/", "/%2e/v1/"),
        path.replace("/v1/", "/x/%2e%2e/v1/"), path.replace("/", "%2f").replace("%2f", "/", 1),
        path.replace("/v1/", "/v1%2F"), path + "/", path + ".", path + "%00", path + "%2e", path + "%20",
        path + ";", path + "%5c", path + "%c0%af", "/%2561" + path[2:], path + "/..", path + "/.",
    ]


def same_path_encoded(path):
    """The route's own path with letters percent-encoded: the same path once decoded."""
    return ["/%61" + path[2:], path[:-1] + "%" + "%02x" % ord(path[-1]), "/a%70i" + path[4:], path[:-1] + "%%%02X" % ord(path[-1])]


def test_route_table_is_what_the_openapi_document_describes(kbootd):
    table = route_table()
    doc = kbootd.session().get(kbootd.url("/openapi.json"), timeout=10).json()
    documented = {(method.upper(), "/api/v1" + path) for path, ops in doc["paths"].items() for method in ops}
    assert {(m, p) for m, p, _ in table} == documented
    # Only logging in and out can be done without a login.
    assert {(m, p) for m, p, a in table if a == "public"} == {("POST", "/api/v1/session"),
                                                              ("DELETE", "/api/v1/session")}


def test_look_alikes_of_every_route_are_refused_and_run_no_handler(kbootd):
    token = kbootd.login()
    kbootd.dispatch_log.write_text("")
    seen = []
    for method, path, _ in route_table():
        path = path.replace("{name}", "vda1")  # a device-name segment, as a request has it
        for variant in different_paths(path):
            for headers in ({}, {"Authorization": "Bearer " + token}):
                r = request(kbootd.port, method, variant, headers=dict(headers, **{"Content-Type": "application/json"}),
                            body=b"{}" if method != "GET" else b"")
                assert r.status in REFUSED, (method, variant, r.status, r.body)
                seen.append(r.status)
        for variant in same_path_encoded(path):
            r = request(kbootd.port, method, variant, body=b"{}" if method != "GET" else b"",
                        headers={"Content-Type": "application/json"})
            # Decoded once it is the route itself: without credentials, 401.
            if path != "/api/v1/session":
                assert r.status == 401, (method, variant, r.status, r.body)
    # Only the public login route, reached by its own path encoded.
    session = [("POST", "/api/v1/session"), ("DELETE", "/api/v1/session")]
    assert sorted(kbootd.dispatched()) == sorted(session * len(same_path_encoded("/api/v1/session"))), \
        "a refused request ran a handler"
    assert kbootd.kexec_calls() == []
    assert {400, 404} <= set(seen)
    # The server lives on and the real paths still work.
    assert kbootd.session().get(kbootd.url("/status"), timeout=10).status_code == 200


def test_unknown_api_paths_and_methods_answer_only_after_login(kbootd):
    for method, target in (("GET", "/api/v2/status"), ("GET", "/api"), ("GET", "/api/"), ("DELETE", "/api/v1/status"),
                           ("PATCH", "/api/v1/boot"), ("HEAD", "/api/v1/status"), ("OPTIONS", "/api/v1/entries")):
        assert request(kbootd.port, method, target).status == 401, (method, target)
    s = kbootd.session()
    assert s.get(kbootd.base + "/api/v2/status", timeout=10).status_code == 404
    r = s.delete(kbootd.url("/status"), timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
    r = s.request("PATCH", kbootd.url("/session"), timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "POST, DELETE"


METHODS = ["PUT", "DELETE", "MKCOL", "PROPFIND", "PROPPATCH", "PATCH", "POST", "MOVE", "COPY", "OPTIONS",
           "TRACE", "LOCK", "UNLOCK", "SEARCH"]
UNKNOWN_TO_CIVETWEB = {"MOVE", "COPY", "TRACE", "SEARCH"}
LOOK_ALIKES = ["/api.html", "/apix.js", "/API/x", "/api", "/apinothing", "/new.html", "/x/y.js",
               "/index.html.gz", "/openapi.json", "/.hidden.js", "/Index.html"]


def tree_digest(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            out[os.path.relpath(p, root)] = (hashlib.sha256(open(p, "rb").read()).hexdigest()
                                             if os.path.isfile(p) else "dir")
    return out


@pytest.fixture
def own_webroot_kbootd(kbootd_factory, tmp_path):
    webroot = tmp_path / "webroot"
    shutil.copytree(WEBROOT, webroot)
    (webroot / "index.html.gz").write_bytes(b"\x1f\x8b")  # as the image has them
    return kbootd_factory(webroot=webroot), webroot


def test_no_method_but_get_and_head_touches_a_static_path_and_nothing_is_written(own_webroot_kbootd):
    server, webroot = own_webroot_kbootd
    before = tree_digest(webroot)
    ui_paths = ["/"] + ["/" + n for n in sorted(os.listdir(WEBROOT)) if not n.endswith(".json")]
    basic = "Basic " + __import__("base64").b64encode(("admin:" + PASSWORD).encode()).decode()
    body = b"<script>alert(document.cookie)</script>"
    for path in ui_paths + LOOK_ALIKES:
        for method in METHODS:
            for auth in ({}, {"Authorization": basic}):
                headers = dict(auth, **{"Destination": "http://127.0.0.1/pwned.html", "Content-Type": "text/html"})
                r = request(server.port, method, path, headers=headers, body=body)
                assert r.status in REFUSED, (method, path, r.status, r.body)
                if method in UNKNOWN_TO_CIVETWEB:
                    assert r.status == 400, (method, path, r.status)  # refused before the gate
                elif path in ui_paths:
                    assert r.status == 405 and r.header("Allow") == "GET, HEAD", (method, path, r.status)
        if path in LOOK_ALIKES and path not in ("/api", "/API/x"):
            assert request(server.port, "GET", path).status == 404, path
    assert tree_digest(webroot) == before
    assert server.dispatched() == []
    for path in ui_paths:
        assert request(server.port, "GET", path).status == 200, path
        r = request(server.port, "HEAD", path)
        assert r.status == 200 and r.body == b"", path


def test_the_api_description_is_behind_the_login_and_not_a_ui_file(kbootd):
    assert request(kbootd.port, "GET", "/openapi.json").status == 404
    assert request(kbootd.port, "GET", "/api/v1/openapi.json").status == 401
    r = kbootd.session().get(kbootd.url("/openapi.json"), timeout=10)
    assert r.status_code == 200 and r.json()["openapi"].startswith("3.")


def test_only_regular_named_files_of_the_webroot_are_served(kbootd_factory, tmp_path):
    webroot = tmp_path / "webroot"
    shutil.copytree(WEBROOT, webroot)
    secret = tmp_path / "secret.txt"
    secret.write_text("kboot.conf password_hash")
    (webroot / "link.js").symlink_to(secret)
    (webroot / "notes.txt").write_text("not a UI type")
    (webroot / "sub").mkdir()
    (webroot / "sub" / "x.js").write_text("x")
    os.mkfifo(webroot / "fifo.js")
    server = kbootd_factory(webroot=webroot)
    for path in ("/link.js", "/notes.txt", "/sub", "/sub/x.js", "/fifo.js"):
        r = request(server.port, "GET", path)
        assert r.status == 404, (path, r.status)
        assert b"password_hash" not in r.body
    assert request(server.port, "GET", "/app.js").status == 200


def test_ui_files_at_the_limit_are_served_and_past_it_said(kbootd_factory, tmp_path):
    limit = server_limit("KBD_UI_FILES_MAX")
    for name, count in (("at", limit), ("past", limit + 1)):
        webroot = tmp_path / name
        webroot.mkdir()
        for i in range(count):
            (webroot / ("f%03d.js" % i)).write_text("export {};\n")
        server = kbootd_factory(webroot=webroot)
        served = sum(request(server.port, "GET", "/f%03d.js" % i).status == 200 for i in range(count))
        assert served == limit
        said = "more than %d UI files" % limit in server.stderr()
        assert said == (count > limit)


def test_a_body_past_the_cap_is_refused_and_the_connection_closed(kbootd):
    """413 without reading (or discarding) a body that is still to come: the
    server closes, so recv ends instead of waiting for 10 GiB."""
    token = kbootd.login()
    for headers in ({"Content-Length": str(10 << 30)}, {"Transfer-Encoding": "chunked"}):
        r = request(kbootd.port, "POST", "/api/v1/boot", close=False,
                    headers=dict(headers, **{"Authorization": "Bearer " + token, "Content-Type": "application/json"}))
        assert r.status in (411, 413), r.raw
        assert r.header("connection") == "close"
        assert json.loads(r.body)["error"]["code"] in ("body_too_large", "length_required")
    assert kbootd.dispatched() == [] or ("POST", "/api/v1/boot") not in kbootd.dispatched()


def test_parallel_wrong_logins_get_no_more_tries_than_one_client_may(kbootd_factory):
    """Each try is charged before the password is checked: 32 guesses at once
    from one address are not 32 tries. The hash is made slow (a million
    rounds), so every guess arrives while the first ones are still being
    checked: a check that counted failures only once they were known would
    let all of them through."""
    server = kbootd_factory(hash_rounds=1000000)
    free = server_limit("KBD_LOGIN_FREE_ATTEMPTS")

    def guess(i):
        return requests.post(server.url("/session"), json={"password": "guess%d" % i}, timeout=30).status_code
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(guess, range(32)))
    assert statuses.count(401) <= free, statuses
    assert statuses.count(429) >= 32 - free, statuses


def test_auth_none_answers_only_to_the_machines_own_names(kbootd_factory):
    server = kbootd_factory(password_hash=False, auth_none=True)
    host = socket.gethostname()
    for name in ("127.0.0.1:%d" % server.port, "localhost:%d" % server.port, host, host + ".local:80",
                 "[::1]:%d" % server.port, "127.0.0.1"):
        r = request(server.port, "GET", "/api/v1/status", headers={"Host": name})
        assert r.status == 200, (name, r.status, r.body)
    for name in ("evil.example", "evil.example:%d" % server.port, host + ".evil.example", "evil.local",
                 "127.0.0.1.nip.io", "", "127.0.0.1:80:80", "x y"):
        r = request(server.port, "GET", "/api/v1/status", headers={"Host": name})
        assert r.status in (400, 421), (name, r.status)
    assert server.dispatched() == [("GET", "/api/v1/status")] * 6


def test_a_cross_site_page_cannot_cancel_or_boot_without_credentials(kbootd_factory):
    """auth=none: a no-cors form post from another site (text/plain, no
    preflight) is refused; so is one that names no Origin but is cross-site."""
    server = kbootd_factory(password_hash=False, auth_none=True, timeout=30)
    for route in ("/api/v1/autoboot/cancel", "/api/v1/boot/cancel", "/api/v1/boot"):
        for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                        {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
            r = request(server.port, "POST", route, body=b'{"entry":"debian"}',
                        headers=dict(headers, **{"Content-Type": "text/plain"}))
            assert r.status == 403, (route, headers, r.status)
    assert server.dispatched() == []
    assert requests.get(server.url("/status"), timeout=10).json()["state"] == "countdown"
    r = requests.post(server.url("/autoboot/cancel"), headers={"Origin": server.base}, timeout=10)
    assert r.status_code == 200
