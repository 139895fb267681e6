"""kbootd on the host, for API and browser tests: a fixture target tree (a
fake bzImage, an initrd, kboot.conf labels, grub.cfg, BLS entries), a
stand-in kexec that records its arguments, and a running build/host/kbootd
on 127.0.0.1 with a free port."""
import crypt
import json
import os
import pathlib
import re
import socket
import struct
import subprocess
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[2]
KBOOTD = pathlib.Path(os.environ.get("KBOOTD", REPO / "build" / "host" / "kbootd"))
WEBROOT = REPO / "webroot"

PASSWORD = "correct horse battery staple"
KERNEL_VERSION = "6.1.0-kboot-test (kboot@test) #1 SMP PREEMPT_DYNAMIC"
START_WAIT_S = 20     # bounded waits, never asserted on
POLL_S = 0.05


def make_bzimage(path, version=KERNEL_VERSION, size=16 * 1024):
    """A few KiB with a valid x86 boot-protocol 2.15 setup header: enough for
    kboot's inspector to call it a 64-bit kernel and read its version."""
    setup_sects = 4
    img = bytearray(size)
    img[0x1F1] = setup_sects
    struct.pack_into("<H", img, 0x1FE, 0xAA55)          # boot_flag
    img[0x200:0x202] = b"\xeb\x66"                     # jump
    img[0x202:0x206] = b"HdrS"                         # header magic
    struct.pack_into("<H", img, 0x206, 0x020F)          # protocol 2.15
    version_at = 0x1000
    struct.pack_into("<H", img, 0x20E, version_at - 0x200)  # kernel_version
    img[0x210] = 0xFF                                  # type_of_loader
    img[0x211] = 0x01                                  # loadflags: LOADED_HIGH
    struct.pack_into("<I", img, 0x214, 0x100000)        # code32_start
    struct.pack_into("<I", img, 0x22C, 0x7FFFFFFF)      # initrd_addr_max
    struct.pack_into("<I", img, 0x230, 0x200000)        # kernel_alignment
    img[0x234] = 1                                     # relocatable_kernel
    struct.pack_into("<H", img, 0x236, 0x0003)          # xloadflags: 64-bit, above 4G
    struct.pack_into("<I", img, 0x238, 2047)            # cmdline_size
    struct.pack_into("<I", img, 0x260, 0x1000000)       # init_size
    v = version.encode() + b"\0"
    img[version_at:version_at + len(v)] = v
    pathlib.Path(path).write_bytes(bytes(img))


def make_cpio(path):
    """A newc initramfs with one file, /init."""
    def entry(name, data, mode):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % x for x in (
            1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        out = hdr.encode() + name_b
        out += b"\0" * (-len(out) % 4) + data
        return out + b"\0" * (-len(out) % 4)
    blob = entry("init", b"#!/bin/sh\necho hello\n", 0o100755)
    blob += entry("TRAILER!!!", b"", 0)
    pathlib.Path(path).write_bytes(blob + b"\0" * (-len(blob) % 512))


KEXEC_STAND_IN = """#!/usr/bin/python3
# Stand-in for kexec-tools: records its arguments, one JSON list per line.
# Like kexec-tools it needs an action (-l, -u, -e, -p): without one the real
# kexec loads and then runs shutdown(8), which must never happen here.
# When $KBOOT_TEST_KEXEC_FAIL names an existing file, a load prints its text
# and fails the way kexec does; $KBOOT_TEST_KEXEC_EXEC_FAIL does the same for
# -e. While $KBOOT_TEST_KEXEC_HOLD names an existing file (at most 30 s), -e
# waits, as a handover under way would.
import json, os, sys, time
with open(os.environ["KBOOT_TEST_KEXEC_LOG"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
if not {"-l", "-u", "-e", "-p"} & set(sys.argv[1:]):
    sys.stderr.write("kexec stand-in: no action given (kexec-tools would call shutdown)\\n")
    sys.exit(1)
fail = os.environ.get("KBOOT_TEST_KEXEC_FAIL", "")
if fail and os.path.exists(fail) and "-l" in sys.argv and "-u" not in sys.argv:
    sys.stderr.write(open(fail).read())
    sys.exit(255)
hold = os.environ.get("KBOOT_TEST_KEXEC_HOLD", "")
deadline = time.monotonic() + 30
while "-e" in sys.argv and hold and os.path.exists(hold) and time.monotonic() < deadline:
    time.sleep(0.05)
exec_fail = os.environ.get("KBOOT_TEST_KEXEC_EXEC_FAIL", "")
if exec_fail and os.path.exists(exec_fail) and "-e" in sys.argv:
    sys.stderr.write(open(exec_fail).read())
    sys.exit(255)
sys.exit(0)
"""


def make_target(root):
    """The target system's tree: what kboot finds on a real disk."""
    root = pathlib.Path(root)
    for d in ("etc", "sbin", "boot/grub", "boot/loader/entries", "home/user"):
        (root / d).mkdir(parents=True, exist_ok=True)
    make_bzimage(root / "boot/vmlinuz-6.1.0-test")
    make_cpio(root / "boot/initrd.img-6.1.0-test")
    (root / "boot/config-6.1.0-test").write_text("CONFIG_64BIT=y\nCONFIG_KEXEC=y\n")
    (root / "boot/notes.txt").write_text("not a kernel, just notes\n")
    (root / "sbin/init").write_text("#!/bin/sh\n")
    (root / "etc/fstab").write_text("/dev/sda2 / ext4 defaults 0 1\n")
    (root / "etc/kboot.conf").write_text(
        "target_label='/boot/vmlinuz-6.1.0-test initrd=/boot/initrd.img-6.1.0-test root=/dev/sda2 ro'\n")
    (root / "boot/grub/grub.cfg").write_text(
        "set default=0\nset timeout=5\n"
        "menuentry 'Debian GNU/Linux' --id debian {\n"
        "  linux /boot/vmlinuz-6.1.0-test root=/dev/sda2 ro quiet\n"
        "  initrd /boot/initrd.img-6.1.0-test\n}\n")
    (root / "boot/loader/entries/test-6.1.0.conf").write_text(
        "title Test Linux (BLS)\nversion 6.1.0-test\n"
        "linux /boot/vmlinuz-6.1.0-test\ninitrd /boot/initrd.img-6.1.0-test\n"
        "options root=/dev/sda2 ro bls\n")
    return root


def server_limit(name):
    """A named limit from server/server.h, so tests follow the code."""
    text = (REPO / "server" / "server.h").read_text()
    m = re.search(r"\b%s = ([0-9* ]+)," % name, text)
    return eval(m.group(1))  # a product of integer literals


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Kbootd:
    """One kbootd process over its own fixture tree."""

    def __init__(self, tmp, *, timeout=-1, password_hash=True, auth_none=False, extra_conf="", webroot=WEBROOT,
                 hash_rounds=None):
        self.tmp = pathlib.Path(tmp)
        self.webroot = pathlib.Path(webroot)
        # The test build's gate writes "METHOD PATH" here for each handler it runs.
        self.dispatch_log = self.tmp / "dispatch.log"
        self.target = make_target(self.tmp / "target")
        self.run_dir = self.tmp / "run"
        self.etc = self.tmp / "etc"
        self.run_dir.mkdir(exist_ok=True)
        self.etc.mkdir(exist_ok=True)
        self.kexec = self.tmp / "kexec"
        self.kexec.write_text(KEXEC_STAND_IN)
        self.kexec.chmod(0o755)
        self.kexec_log = self.tmp / "kexec.log"
        self.kexec_fail = self.tmp / "kexec-fail.txt"
        self.kexec_exec_fail = self.tmp / "kexec-exec-fail.txt"
        self.kexec_hold = self.tmp / "kexec-hold"
        self.conf = self.etc / "kboot.conf"
        lines = ["default=debian", "timeout=%d" % timeout,
                 "debian='/boot/vmlinuz-6.1.0-test initrd=/boot/initrd.img-6.1.0-test root=/dev/sda2 quiet'",
                 "rescue='/boot/vmlinuz-6.1.0-test initrd=/boot/initrd.img-6.1.0-test root=/dev/sda2 single'",
                 "notes='/boot/notes.txt root=/dev/sda2'"]
        if password_hash:
            salt = crypt.mksalt(crypt.METHOD_SHA512, rounds=hash_rounds)
            lines.append("password_hash='%s'" % crypt.crypt(PASSWORD, salt))
        if auth_none:
            lines.append("auth=none")
        self.conf.write_text("\n".join(lines) + "\n" + extra_conf)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.stdout_path = self.tmp / "kbootd.stdout"
        self.stderr_path = self.tmp / "kbootd.stderr"
        self.proc = None
        self.token = None
        # An empty sysfs: the host's own disks are not kboot's to scan or mount.
        self.sys_dir = self.tmp / "sys"
        (self.sys_dir / "class" / "block").mkdir(parents=True, exist_ok=True)

    def env(self):
        env = dict(os.environ)
        env.update(KBOOT_TARGET_ROOT=str(self.target), KBOOT_RUN_DIR=str(self.run_dir),
                   KBOOT_KEXEC=str(self.kexec), KBOOT_CONF=str(self.conf), KBOOT_ETC=str(self.etc),
                   KBOOT_TEST_KEXEC_LOG=str(self.kexec_log), KBOOT_TEST_KEXEC_FAIL=str(self.kexec_fail),
                   KBOOT_TEST_KEXEC_EXEC_FAIL=str(self.kexec_exec_fail),
                   KBOOT_TEST_KEXEC_HOLD=str(self.kexec_hold),
                   KBOOT_SYSFS=str(self.sys_dir), KBOOT_TEST_DISPATCH_LOG=str(self.dispatch_log),
                   # The test's own kboot.conf rules, not the target's (paper §3.5).
                   KBOOT_CMDLINE="kboot=local")
        return env

    def start(self):
        assert KBOOTD.exists(), "build kbootd first: make build/host/kbootd"
        self.proc = subprocess.Popen(
            [str(KBOOTD), "--listen", "127.0.0.1:%d" % self.port, "--webroot", str(self.webroot),
             "--conf", str(self.conf)],
            env=self.env(), stdout=open(self.stdout_path, "w"), stderr=open(self.stderr_path, "w"))
        deadline = time.monotonic() + START_WAIT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kbootd exited with %s:\n%s" % (self.proc.returncode, self.stderr()))
            try:
                requests.get(self.base + "/api/v1/status", timeout=2)
                if (self.run_dir / "kbootd.url").exists():
                    self.dispatch_log.write_text("")  # the tests' own requests from here on
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(POLL_S)
        raise RuntimeError("kbootd did not start:\n" + self.stderr())

    def stop(self):
        if self.kexec_hold.exists():
            self.kexec_hold.unlink()  # a held `kexec -e` ends with the test
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.unmount_leftovers()

    def unmount_leftovers(self):
        """Discovery mounts the host's block devices under our run dir; undo
        that so the host's loop devices stay free."""
        prefix = str(self.run_dir) + "/"
        with open("/proc/mounts") as f:
            points = [line.split()[1] for line in f if line.split()[1].startswith(prefix)]
        for point in sorted(points, key=len, reverse=True):
            subprocess.run(["umount", "-l", point], check=False, stderr=subprocess.DEVNULL)

    def stderr(self):
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""

    def stdout(self):
        return self.stdout_path.read_text() if self.stdout_path.exists() else ""

    def url(self, route):
        return self.base + "/api/v1" + route

    def login(self, password=PASSWORD):
        r = requests.post(self.url("/session"), json={"password": password}, timeout=10)
        r.raise_for_status()
        self.token = r.json()["token"]
        return self.token

    def session(self):
        """A requests.Session that sends the Bearer token."""
        if not self.token:
            self.login()
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + self.token
        return s

    def dispatched(self):
        """The (method, path) of every handler the gate has run."""
        if not self.dispatch_log.exists():
            return []
        return [tuple(line.split(" ", 1)) for line in self.dispatch_log.read_text().splitlines() if line]

    def kexec_calls(self):
        if not self.kexec_log.exists():
            return []
        return [json.loads(line) for line in self.kexec_log.read_text().splitlines() if line]

    def wait_for(self, predicate, what, wait_s=START_WAIT_S):
        """Poll until predicate() is truthy; the bounded wait is not the assertion."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(POLL_S)
        return predicate()
