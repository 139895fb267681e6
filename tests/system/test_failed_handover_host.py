"""A handover that fails puts the target back, on the host as root: the target
is an ext4 image on a loop device (a fake sysfs shows kbootd only that one),
mounted read-only at start. A boot unmounts everything before `kexec -e`; when
the stand-in's -e fails, the target is mounted again, its files can be
browsed, and the next boot loads. Skipped without root or loop devices."""
import os
import shutil
import subprocess
import time

import pytest

from kbootd_host import Kbootd, make_target

ROOT_UUID = "6a1c0f3e-1d2b-4c5d-8e9f-0a1b2c3d4e11"
EXEC_FAILURE = "kexec_core: Starting new kernel failed (test)\n"


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


GRUB_CFG_LEGACY = (
    "menuentry 'Windows 10' --id windows {\n"
    "  insmod chain\n  chainloader /EFI/Microsoft/Boot/bootmgfw.efi\n}\n")
REBOOT_FAILS = "#!/bin/sh\necho 'reboot: no, not now' >&2\nexit 1\n"


class DiskKbootd(Kbootd):
    """A kbootd whose target is a real filesystem it mounts itself, with a
    reboot that fails."""

    def __init__(self, tmp, loop):
        super().__init__(tmp, extra_conf="root=UUID=%s\n" % ROOT_UUID)
        self.mount_point = self.tmp / "target-mnt"
        self.mount_point.mkdir()
        os.symlink(os.path.realpath("/sys/class/block/" + loop), self.sys_dir / "class" / "block" / loop)
        self.reboot = self.tmp / "reboot"
        self.reboot.write_text(REBOOT_FAILS)
        self.reboot.chmod(0o755)

    def env(self):
        env = super().env()
        del env["KBOOT_TARGET_ROOT"]
        env["KBOOT_TARGET_MOUNT"] = str(self.mount_point)
        env["KBOOT_REBOOT"] = str(self.reboot)
        return env


@pytest.fixture
def disk_kbootd(tmp_path):
    if os.geteuid() != 0 or not shutil.which("losetup") or not shutil.which("mkfs.ext4"):
        pytest.skip("needs root, losetup and mkfs.ext4")
    tree = make_target(tmp_path / "tree")
    with open(tree / "boot/grub/grub.cfg", "a") as f:
        f.write(GRUB_CFG_LEGACY)
    if shutil.which("grub-editenv"):
        subprocess.run(["grub-editenv", str(tree / "boot/grub/grubenv"), "create"], check=True)
    image = tmp_path / "root.img"
    subprocess.run(["truncate", "-s", "32M", str(image)], check=True)
    sh("mkfs.ext4", "-q", "-F", "-U", ROOT_UUID, "-d", str(tree), str(image))
    try:
        dev = sh("losetup", "-f", "--show", str(image))
    except subprocess.CalledProcessError as e:
        pytest.skip("loop devices do not work here: %s" % e.stderr)
    server = None
    try:
        server = DiskKbootd(tmp_path / "k", os.path.basename(dev)).start()
        server.has_grubenv = (tree / "boot/grub/grubenv").exists()
        yield server
    finally:
        if server:
            server.stop()
            subprocess.run(["umount", "-R", "-l", str(server.mount_point)], stderr=subprocess.DEVNULL)
        subprocess.run(["losetup", "-d", dev], check=False)


def entry_id(server, title):
    entries = server.session().get(server.url("/entries"), timeout=10).json()["entries"]
    return [e["id"] for e in entries if e["title"] == title][0]


def wait_idle(server, s):
    def idle():
        st = s.get(server.url("/status"), timeout=10).json()
        return st if st["state"] == "idle" else None
    return server.wait_for(idle, "idle again")


def test_target_comes_back_after_a_failed_kexec(disk_kbootd):
    server = disk_kbootd
    s = server.session()
    r = s.get(server.url("/files"), params={"path": "/boot"}, timeout=10)
    assert r.status_code == 200, r.text  # mounted at start
    server.kexec_exec_fail.write_text(EXEC_FAILURE)

    debian = entry_id(server, "debian")
    r = s.post(server.url("/boot"), json={"entry": debian}, timeout=30)
    assert r.status_code == 202, r.text
    st = wait_idle(server, s)
    assert st and "Starting new kernel failed (test)" in st["last_error"]["message"], st
    assert [c for c in server.kexec_calls() if "-e" in c]

    # Browsing works again, without a device having changed.
    r = s.get(server.url("/files"), params={"path": "/boot"}, timeout=10)
    assert r.status_code == 200, r.text
    assert "vmlinuz-6.1.0-test" in [e["name"] for e in r.json()["entries"]]
    with open("/proc/self/mountinfo") as f:
        mine = [line.split()[4] for line in f if line.split()[4] == str(server.mount_point)]
    assert mine == [str(server.mount_point)]  # once, not stacked
    assert " ro," in " " + sh("findmnt", "-n", "-o", "OPTIONS", str(server.mount_point)) + ","

    # And the next boot loads the kernel from it.
    loads = len([c for c in server.kexec_calls() if "-l" in c])
    server.kexec_exec_fail.unlink()
    r = s.post(server.url("/boot"), json={"entry": debian, "dry_run": True}, timeout=30)
    assert r.status_code == 200, r.text
    assert len([c for c in server.kexec_calls() if "-l" in c]) == loads + 1


def test_target_comes_back_after_a_grubenv_handover_that_did_not_reboot(disk_kbootd):
    server = disk_kbootd
    s = server.session()
    if not server.has_grubenv:
        pytest.skip("needs grub-editenv")
    windows = entry_id(server, "Windows 10")
    r = s.post(server.url("/boot"), json={"entry": windows}, timeout=30)
    assert r.status_code == 202, r.text
    st = wait_idle(server, s)
    assert st and "reboot failed" in st["last_error"]["message"], st
    # The write unmounted everything; the reboot did not happen: all back.
    r = s.get(server.url("/files"), params={"path": "/boot/grub"}, timeout=10)
    assert r.status_code == 200, r.text
    assert "grubenv" in [e["name"] for e in r.json()["entries"]]
