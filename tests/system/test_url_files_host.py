"""Remote files through kbootd on the host, against servers on 127.0.0.1.
Browsing a URL says what it is from its first bytes (an HTTP Range request;
a server that ignores ranges is cut off), never the whole file. A download
made with "insecure" is never handed to a checked boot of the same URL."""
import http.server
import re
import threading

import pytest

from kbootd_host import make_bzimage
from net_servers import ftp_server, http_server, make_test_ca

BIG = 64 * 1024 * 1024    # what /big.iso and /norange/big.iso say they hold
HEAD_MAX = 64 * 1024      # KB_INSPECT_HEAD_MAX


class _Counting(http.server.BaseHTTPRequestHandler):
    """/big.iso: a bzImage header, then zeros to BIG bytes, with ranges;
    /norange/big.iso: the same, ignoring Range. Counts what it sends."""
    sent = 0
    ranges = []
    head = b""

    def log_message(self, *args):
        pass

    def do_GET(self):
        cls = type(self)
        want = self.headers.get("Range")
        cls.ranges.append(want)
        m = re.fullmatch(r"bytes=0-(\d+)", want or "")
        if self.path == "/big.iso" and m:
            last = min(int(m.group(1)), BIG - 1)
            self.send_response(206)
            self.send_header("Content-Range", "bytes 0-%d/%d" % (last, BIG))
            self.send_header("Content-Length", str(last + 1))
            self.end_headers()
            self._send(last + 1)
        elif self.path in ("/big.iso", "/norange/big.iso"):
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            self._send(BIG)
        else:
            self.send_error(404)

    def _send(self, n):
        cls = type(self)
        data = cls.head + b"\0" * (n - len(cls.head)) if n > len(cls.head) else cls.head[:n]
        try:
            for off in range(0, n, 65536):
                self.wfile.write(data[off:off + 65536])
                cls.sent += len(data[off:off + 65536])
        except OSError:
            pass  # kboot hung up: what it wanted, it had


@pytest.fixture
def counting_server(tmp_path):
    make_bzimage(tmp_path / "k")
    handler = type("Handler", (_Counting,), {"sent": 0, "ranges": [], "head": (tmp_path / "k").read_bytes()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.handler = handler
    yield server
    server.shutdown()
    server.server_close()


def describe(kbootd, url):
    return kbootd.session().get(kbootd.url("/files"), params={"path": url}, timeout=30)


def test_browsing_a_big_remote_file_reads_only_its_start(kbootd, counting_server):
    port = counting_server.server_address[1]
    r = describe(kbootd, "http://127.0.0.1:%d/big.iso" % port)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["type"], body["kind"], body["format"], body["size"]) == ("file", "kernel", "bzImage", BIG)
    assert body["version"].startswith("6.1.0-kboot-test")
    assert counting_server.handler.ranges == ["bytes=0-%d" % (HEAD_MAX - 1)]
    assert counting_server.handler.sent == HEAD_MAX


def test_a_server_that_ignores_the_range_is_cut_off(kbootd, counting_server):
    port = counting_server.server_address[1]
    r = describe(kbootd, "http://127.0.0.1:%d/norange/big.iso" % port)
    assert r.status_code == 200, r.text
    assert (r.json()["kind"], r.json()["size"]) == ("kernel", BIG)
    # What socket buffers took before kboot hung up, not the file.
    assert counting_server.handler.sent < BIG // 4


def test_browsing_a_big_file_on_ftp_reads_a_prefix_and_gives_its_size(kbootd, tmp_path):
    pytest.importorskip("pyftpdlib")
    site = tmp_path / "ftp"
    site.mkdir()
    make_bzimage(site / "big.iso")
    with open(site / "big.iso", "r+b") as f:
        f.truncate(BIG)
    server = ftp_server(str(site))
    try:
        r = describe(kbootd, "ftp://127.0.0.1:%d/big.iso" % server.port)
        assert r.status_code == 200, r.text
        assert (r.json()["kind"], r.json()["size"]) == ("kernel", BIG)
    finally:
        server.stop()


def test_an_unchecked_download_is_not_used_for_a_checked_boot(kbootd, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    make_bzimage(site / "vmlinuz")
    ca, cert, key = make_test_ca(str(tmp_path))
    bundle = kbootd.etc / "ssl" / "certs" / "ca-certificates.crt"
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_bytes(open(ca, "rb").read())
    server = http_server(str(site), tls_cert=cert, tls_key=key)
    try:
        # The certificate names kboot-test.example, not 127.0.0.1: only an
        # unchecked fetch accepts it.
        url = "https://127.0.0.1:%d/vmlinuz" % server.port
        s = kbootd.session()
        r = s.post(kbootd.url("/boot"), json={"kernel": url, "insecure": True, "dry_run": True}, timeout=30)
        assert r.status_code == 200, r.text
        r = s.post(kbootd.url("/boot"), json={"kernel": url, "dry_run": True}, timeout=30)
        assert r.status_code != 200, r.text
        message = r.json()["error"]["message"]
        assert "certificate" in message or "TLS handshake" in message, r.text
        # An insecure request may still use what it fetched.
        r = s.post(kbootd.url("/boot"), json={"kernel": url, "insecure": True, "dry_run": True}, timeout=30)
        assert r.status_code == 200, r.text
    finally:
        server.stop()
        bundle.unlink()
