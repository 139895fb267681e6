"""A target disk whose files are not all files (issue 11 §2), in QEMU: its
grub.cfg is a FIFO, and a FIFO and a character device sit beside the
kernels. kboot reads only regular files and mounts the target nodev, nosuid
and noexec; kbootd and the console start, list the entry beside the FIFO and
boot it (kexec reads the kernel from the noexec mount; it does not run it).
One boot; bounded waits."""
import os
import re
import sys

import requests

from console_vm import PROMPT, expect_target, run_line

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import scenarios  # noqa: E402

HTTP_TIMEOUT = 60  # one request under TCG: a bound, not a measurement
NO_COUNTDOWN = {"etc/kboot.conf": "timeout=-1\n"}


def test_a_fifo_grub_cfg_on_a_disk_neither_hangs_kboot_nor_hides_the_other_entries(
        boot_vm, kboot_image, tmp_path):
    disk = str(tmp_path / "fifo.img")
    scenarios.fifo_target_disk(disk, kboot_image[0])
    vm = boot_vm(disks=[disk], append="kboot=local", files=NO_COUNTDOWN)
    password = vm.expect_one_time_password()
    vm.wait_http()
    s = requests.Session()
    s.auth = ("admin", password)
    s.headers["Connection"] = "close"  # see test_hotplug_qemu.session

    r = s.get(vm.url + "/api/v1/entries", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    listed = [e for e in r.json()["entries"] if e["title"] == scenarios.FIFO_TARGET_TITLE]
    assert len(listed) == 1, r.json()["entries"]

    r = s.post(vm.url + "/api/v1/boot", json={"kernel": "/boot/vmlinuz-fifo", "dry_run": True},
               timeout=HTTP_TIMEOUT)
    assert 400 <= r.status_code < 500 and r.status_code != 409, r.text
    assert "not a regular file (a FIFO)" in r.json()["error"]["message"]

    # The console's own discovery came through too, and the target is
    # mounted read-only, nodev, nosuid and noexec: the device node on it
    # opens nothing (the image has no tool that reads one byte of it).
    vm.expect(PROMPT)
    mounts = run_line(vm, "cat //proc/mounts")
    target = [m for m in mounts if re.match(r"/dev/vda1 /target ", m)]
    assert target, mounts
    options = target[0].split()[3].split(",")
    assert {"ro", "nodev", "nosuid", "noexec"} <= set(options), target[0]

    # The entry beside the FIFO boots from the noexec mount.
    r = s.post(vm.url + "/api/v1/boot", json={"entry": listed[0]["id"]}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 202, r.text
    _, cmdline = expect_target(vm)
    assert cmdline == "console=ttyS0 entry=beside-fifo"
