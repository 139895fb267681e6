"""A target whose files are not files (issue 11 §2): a FIFO where grub.cfg
should be, and a FIFO named as a kernel. Opening a FIFO for reading waits
for a writer that never comes, so each of these used to hang kboot: kbootd
never listened, and a boot of the FIFO "kernel" stayed in `loading` so that
every later boot got 409. Now only regular files are read. Host kbootd over
a fixture tree (kbootd_host.py); no QEMU."""
import os

import pytest

from kbootd_host import Kbootd

FIFO_KERNEL = "/boot/vmlinuz-fifo"
HTTP_TIMEOUT = 30  # a bound for one request; a hang fails the test instead of stalling it


@pytest.fixture
def fifo_target(tmp_path):
    """kbootd over a target with a FIFO grub.cfg and a FIFO kernel behind
    the label "fifo". The FIFOs never get a writer."""
    server = Kbootd(tmp_path, extra_conf=f"fifo='{FIFO_KERNEL} root=/dev/sda2'\n")
    os.unlink(server.target / "boot/grub/grub.cfg")
    os.mkfifo(server.target / "boot/grub/grub.cfg")
    os.mkfifo(server.target / FIFO_KERNEL.lstrip("/"))
    try:
        yield server.start()  # raises if kbootd never answers
    finally:
        server.stop()


def entries(server):
    r = server.session().get(server.url("/entries"), timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def entry_id(server, title):
    return [e["id"] for e in entries(server) if e["title"] == title][0]


def test_a_fifo_grub_cfg_does_not_stop_kbootd_and_the_other_entries_are_listed(fifo_target):
    titles = [e["title"] for e in entries(fifo_target)]
    # kboot.conf's labels and the BLS entry; grub.cfg gave nothing.
    assert {"debian", "rescue", "fifo", "Test Linux (BLS)"} <= set(titles), titles
    assert "Debian GNU/Linux" not in titles
    r = fifo_target.session().get(fifo_target.url("/files"), params={"path": "/boot/grub"},
                                  timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert [e["name"] for e in r.json()["entries"]] == ["grub.cfg"]
    r = fifo_target.session().get(fifo_target.url("/files"),
                                  params={"path": "/boot/grub/grub.cfg"}, timeout=HTTP_TIMEOUT)
    assert 400 <= r.status_code < 500, r.text


def test_booting_a_fifo_kernel_is_refused_and_the_next_boot_works(fifo_target):
    s = fifo_target.session()
    r = s.post(fifo_target.url("/boot"), json={"entry": entry_id(fifo_target, "fifo")},
               timeout=HTTP_TIMEOUT)
    assert 400 <= r.status_code < 500 and r.status_code != 409, r.text
    message = r.json()["error"]["message"]
    assert "vmlinuz-fifo: not a regular file (a FIFO)" in message, message
    assert s.get(fifo_target.url("/status"), timeout=HTTP_TIMEOUT).json()["state"] == "idle"
    # The same kernel as a bare path.
    r = s.post(fifo_target.url("/boot"), json={"kernel": FIFO_KERNEL, "dry_run": True},
               timeout=HTTP_TIMEOUT)
    assert 400 <= r.status_code < 500 and r.status_code != 409, r.text

    r = s.post(fifo_target.url("/boot"),
               json={"entry": entry_id(fifo_target, "debian"), "dry_run": True},
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["kernel"].endswith("vmlinuz-6.1.0-test")
