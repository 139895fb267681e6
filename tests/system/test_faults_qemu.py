"""Faults the kboot environment survives, end to end in QEMU (issue 7 §4):
kbootd killed during the countdown, a kexec load that fails on a truncated
kernel, the network gone in the middle of a download. Each must leave the
machine usable: an error a person can read, the state back to idle, and the
next boot working. (Corrupt disks: test_discovery_qemu.py; a disk pulled
while browsing: test_hotplug_qemu.py.) One boot per test; bounded waits."""
import os
import re
import socket
import sys
import threading
import time

import requests

from console_vm import COUNTDOWN, LINE_TIMEOUT, PROMPT, expect_target, run_line
from net_servers import GUEST_HOST_IP, http_server

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import demo  # noqa: E402
from gptdisk import Partition, build_disk  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HTTP_TIMEOUT = 30  # one request under TCG: a bound, not a measurement
LISTENING = r"kbootd \S+ listening on"


def admin(vm, password):
    s = requests.Session()
    s.auth = ("admin", password)
    # civetweb drops an idle keep-alive connection after 500 ms; through
    # QEMU's user network a client may send on it before it knows.
    s.headers["Connection"] = "close"
    return s


def status(s, vm):
    r = s.get(vm.url + "/api/v1/status", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


# --- kbootd killed with SIGKILL during the countdown ---------------------------------

class ServiceLine:
    """A root shell on the machine's second serial line (ttyS1), as an admin
    adds one to the image for service: the image's own rcS, then a shell on
    ttyS1. Reached here through a Unix socket QEMU serves."""

    def __init__(self, path):
        self.path = path
        self.sock = None

    @staticmethod
    def files():
        with open(os.path.join(REPO, "rootfs-overlay/etc/init.d/rcS")) as f:
            rcs = f.read()
        shell = "setsid sh -c 'exec sh </dev/ttyS1 >/dev/ttyS1 2>&1' &\n"
        assert rcs.rstrip().endswith("exit 0")
        return {"etc/init.d/rcS": rcs.rstrip()[:-len("exit 0")] + shell + "exit 0\n"}

    def qemu_args(self):
        return ["-serial", f"unix:{self.path},server=on,wait=off"]

    def run(self, command, timeout=LINE_TIMEOUT):
        """Run a command on the service line; its output up to a marker."""
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(self.path)
        self.sock.settimeout(timeout)
        marker = "END-OF-%d" % time.monotonic_ns()
        self.sock.sendall(f"{command}; echo {marker[:4]}\"\"{marker[4:]}-$?\n".encode())
        out = b""
        deadline = time.monotonic() + timeout
        while not re.search(rf"{marker}-\d+".encode(), out):
            assert time.monotonic() < deadline, f"no answer from the service line: {out!r}"
            chunk = self.sock.recv(4096)
            assert chunk, "the service line closed"
            out += chunk
        return out.decode(errors="replace")

    def close(self):
        if self.sock:
            self.sock.close()


def test_kbootd_killed_during_countdown(boot_vm, demo_disk, tmp_path):
    line = ServiceLine(str(tmp_path / "ttyS1.sock"))
    vm = boot_vm(disks=[demo_disk["path"]], files=ServiceLine.files(),
                 extra_args=line.qemu_args())
    try:
        title, _ = vm.expect(COUNTDOWN).groups()
        assert title == "demo"
        # A few seconds into the countdown, so that a second, full one would show.
        left = int(vm.expect(r"Booting 'demo' in (2[0-7]) s").group(1))
        out = line.run("killall -KILL kbootd && echo killed=yes")
        assert "killed=yes" in out, out

        # init starts kbootd again (a new one-time password, then it listens);
        # the console follows it, and one countdown goes on, on the console
        # and in the API alike.
        password = vm.expect_one_time_password()
        vm.expect(LISTENING)
        s = admin(vm, password)
        vm.wait_http()
        st = status(s, vm)
        assert st["state"] in ("countdown", "idle"), st
        if st["state"] == "countdown":
            assert st["countdown"]["title"] == "demo", st
            assert 0 <= st["countdown"]["seconds_left"] <= left, st
        # It runs out and boots the default, once.
        title, cmdline = expect_target(vm)
        assert title == "Debian GNU/Linux (kboot demo)"
        assert cmdline.endswith("entry=label"), cmdline
        after = vm.serial_log().split("exited. Scheduling for restart", 1)[1]
        shown = [int(n) for n in re.findall(r"Booting 'demo' in (\d+) s", after)]
        assert shown, after
        # One countdown: the seconds shown never go up again (two countdowns
        # drawn on one line would interleave).
        assert shown == sorted(shown, reverse=True), shown
        # ... and it is the same countdown, carried on, not a new one.
        assert shown[0] <= left, (left, shown)
        assert after.count("Handing over to") == 1, after
        assert "Emergency shell" not in after
    finally:
        line.close()


def test_a_console_alone_hands_its_countdown_to_a_kbootd_that_comes_back(boot_vm, demo_disk, tmp_path):
    """kbootd dies and cannot be started again for a while: the console goes
    on alone and carries on kbootd's countdown. When init can start kbootd
    again, the console hands the countdown over and follows it: one
    countdown all along, on the console and in the API, and one boot."""
    line = ServiceLine(str(tmp_path / "ttyS1.sock"))
    vm = boot_vm(disks=[demo_disk["path"]], files=ServiceLine.files(), extra_args=line.qemu_args())
    try:
        vm.expect(r"Booting 'demo' in (2[0-7]) s")
        out = line.run("mv /usr/sbin/kbootd /usr/sbin/kbootd.away && killall -KILL kbootd && echo killed=yes")
        assert "killed=yes" in out, out
        vm.expect(r"kbootd is not running; the prompt goes on without it")
        alone = int(vm.expect(r"Booting 'demo' in (\d+) s").group(1))
        assert alone > 3, "the countdown should still be running alone"
        line.run("mv /usr/sbin/kbootd.away /usr/sbin/kbootd")  # init's next respawn works
        password = vm.expect_one_time_password()  # kbootd says it before it listens
        vm.expect(r"kbootd is back; this prompt follows it, and it carries on the countdown")
        s = admin(vm, password)
        vm.wait_http()
        st = status(s, vm)
        assert st["state"] == "countdown", st
        assert 0 < st["countdown"]["seconds_left"] <= alone, (alone, st)
        title, cmdline = expect_target(vm)
        assert title == "Debian GNU/Linux (kboot demo)"
        after = vm.serial_log().split("the prompt goes on without it", 1)[1]
        shown = [int(n) for n in re.findall(r"Booting 'demo' in (\d+) s", after)]
        assert shown == sorted(shown, reverse=True), shown  # one countdown, never two
        assert after.count("Handing over to") == 1, after
    finally:
        line.close()


# --- the kexec load fails: a truncated kernel ------------------------------------------

def test_truncated_kernel_fails_then_another_entry_boots(boot_vm, kboot_image, tmp_path):
    kernel = kboot_image[0]
    ver = demo.kernel_version(kernel)
    # A second disk holds a copy of the kernel cut off halfway, as a failed
    # copy leaves it; the target's kboot.conf names it next to the good one.
    cut_tree = tmp_path / "cut"
    cut_tree.mkdir()
    data = open(kernel, "rb").read()
    (cut_tree / "vmlinuz-cut").write_bytes(data[:len(data) // 2])
    cut_disk = str(tmp_path / "cut.img")
    build_disk(cut_disk, [Partition("cut", 8, "ext4", str(cut_tree))])
    root = f"root=UUID={demo.ROOT_UUID} ro console=ttyS0"
    conf = (f"timeout=-1\n"
            f"cut='vdb1:/vmlinuz-cut initrd=/boot/initrd.img-{ver} {root} entry=cut'\n"
            f"demo='/boot/vmlinuz-{ver} initrd=/boot/initrd.img-{ver} {root} entry=label'\n")
    disk = str(tmp_path / "demo.img")
    demo.build(disk, kernel, kboot_conf=conf)

    vm = boot_vm(disks=[disk, cut_disk])
    password = vm.expect_one_time_password()
    vm.expect(PROMPT)
    s = admin(vm, password)
    vm.wait_http()
    r = s.get(vm.url + "/api/v1/entries", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    cut = [e["id"] for e in r.json()["entries"] if e["title"] == "cut"]
    assert cut, r.text

    # Through the API: 422 and the reason, and the machine is idle again.
    r = s.post(vm.url + "/api/v1/boot", json={"entry": cut[0]}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] in ("load_failed", "not_loadable"), error
    assert "vmlinuz-cut" in error["message"] and "cut short" in error["message"], error
    st = status(s, vm)
    assert st["state"] == "idle", st
    assert st["last_error"] and "cut short" in st["last_error"]["message"], st

    # At the console: the same words on one line, and the prompt again.
    lines = run_line(vm, "cut")
    assert any("vmlinuz-cut" in l and "cut short" in l for l in lines), lines
    assert status(s, vm)["state"] == "idle"
    # Then another entry boots.
    vm.sendline("demo")
    title, cmdline = expect_target(vm)
    assert title == demo.TITLE
    assert cmdline.endswith("entry=label"), cmdline


# --- the network goes away during a download ----------------------------------------

CACHE = "//run/kboot/cache"
NIC = "net0"
FETCH_BOUND_S = 120  # connect timeout + the core's low-speed limit + TCG: a bound


def cache_entries(s, vm):
    r = s.get(vm.url + "/api/v1/files", params={"path": CACHE}, timeout=HTTP_TIMEOUT)
    if r.status_code == 404:
        return []
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def test_network_goes_away_during_download(boot_vm, kboot_image, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "vmlinuz").write_bytes(open(kboot_image[0], "rb").read())
    server = http_server(str(served))
    try:
        vm = boot_vm(append="kboot=local", files={"etc/kboot.conf": "timeout=-1\n"},
                     qmp=True, nic_opts=f"id={NIC}")
        password = vm.expect_one_time_password()
        vm.expect(PROMPT)
        s = admin(vm, password)
        vm.wait_http()
        url = f"http://{GUEST_HOST_IP}:{server.port}/slow/vmlinuz"
        result = {}

        def boot():
            try:
                result["r"] = s.post(vm.url + "/api/v1/boot",
                                     json={"kernel": url, "cmdline": "console=ttyS0"},
                                     timeout=FETCH_BOUND_S)
            except requests.RequestException as e:
                result["e"] = e
        thread = threading.Thread(target=boot, daemon=True)
        thread.start()
        # Some of the kernel has arrived (a partial file in the cache) ...
        deadline = time.monotonic() + FETCH_BOUND_S
        while not any(".part" in e["name"] and e["size"] > 0 for e in cache_entries(s, vm)):
            assert time.monotonic() < deadline and thread.is_alive(), (result, cache_entries(s, vm))
            time.sleep(0.5)
        # ... when the cable is pulled. (That cuts this test's own line to
        # kbootd too: watch from the console, which reaches kbootd inside.)
        vm.qmp("set_link", name=NIC, up=False)
        deadline = time.monotonic() + FETCH_BOUND_S
        while any(".part" in l for l in run_line(vm, f"ls {CACHE}")):
            assert time.monotonic() < deadline, "the download hung after the network went away"
            time.sleep(1)
        vm.qmp("set_link", name=NIC, up=True)
        thread.join(FETCH_BOUND_S)
        assert not thread.is_alive(), "the boot request hung after the network went away"
        assert "r" in result, result
        r = result["r"]
        # The server that stopped answering is upstream: 504 timed_out, its own
        # status and code, not a generic 500 or 422.
        assert r.status_code == 504 and r.json()["error"]["code"] == "timed_out", r.text
        error = r.json()["error"]
        assert url in error["message"], error
        # No partial file is left, and nothing that looks like the kernel.
        assert cache_entries(s, vm) == [], cache_entries(s, vm)
        st = status(s, vm)
        assert st["state"] == "idle" and st["last_error"], st
        # Usable: the API answers, the console prompt runs a line.
        assert run_line(vm, "pwd") == ["/"]
        r = s.get(vm.url + "/api/v1/entries", timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, r.text
    finally:
        server.stop()
