"""A firmware boot entry chosen through the REST API under OVMF (Debian's
ovmf): kboot lists the firmware's Boot#### entries from efivarfs, writes
BootNext for the chosen one and reboots; the firmware then boots that entry.

The machine boots the way a real one does, from its ESP: OVMF's -kernel path
would run the kernel again on every reset before BootNext is looked at, so
kboot is started from the ESP by the EFI shell's startup.nsh (the stub
loads its initrd from the ESP). The disk has bootindex=1, so BootOrder puts
it before the shell; it holds no \\EFI\\BOOT\\BOOTX64.EFI, so the firmware
falls through to the shell on the first boot. After kboot's reboot the first
entry the firmware loads must be the chosen one (the shell), not the disk."""
import os
import shutil
import sys
import tempfile

import pytest
import requests

from qemu import image_paths

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
from gptdisk import Partition, build_disk, make_cpio  # noqa: E402

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd"
KBOOT_CONF = "timeout=-1\n"  # no countdown: the test chooses
STARTUP_NSH = "fs0:\r\n\\kboot.efi console=ttyS0 kboot=local initrd=\\kboot.img\r\n"
# OVMF's boot manager on the serial console: "BdsDxe: loading Boot0002 "EFI
# Internal Shell" from ...", "BdsDxe: failed to load Boot0001 ...", "starting".
BDS_LINE = r'BdsDxe: (loading|failed to load|starting) (Boot[0-9A-F]{4}) "([^"\r\n]*)"'


def initrd_with_config(base, workdir):
    """The image's initramfs with our kboot.conf appended as a second cpio."""
    tree = os.path.join(workdir, "overlay")
    os.makedirs(os.path.join(tree, "etc"))
    with open(os.path.join(tree, "etc", "kboot.conf"), "w") as f:
        f.write(KBOOT_CONF)
    overlay = os.path.join(workdir, "overlay.cpio")
    make_cpio(tree, overlay, compress=None)
    out = os.path.join(workdir, "kboot.img")
    with open(out, "wb") as o:
        with open(base, "rb") as f:
            shutil.copyfileobj(f, o)
        o.write(b"\0" * (-o.tell() % 4))
        with open(overlay, "rb") as f:
            shutil.copyfileobj(f, o)
    return out


def esp_disk(path, workdir):
    """A GPT disk whose ESP holds kboot.efi (the bzImage: it has the EFI
    stub), kboot.img and the shell's startup.nsh."""
    kernel, base = image_paths()
    tree = os.path.join(workdir, "esp")
    os.makedirs(tree)
    shutil.copyfile(kernel, os.path.join(tree, "kboot.efi"))
    shutil.copyfile(initrd_with_config(base, workdir), os.path.join(tree, "kboot.img"))
    with open(os.path.join(tree, "startup.nsh"), "w") as f:
        f.write(STARTUP_NSH)
    build_disk(path, [Partition("esp", 24, "vfat", tree, type_code="ef00")])


@pytest.fixture
def ovmf_vars(tmp_path):
    if not (os.path.exists(OVMF_CODE) and os.path.exists(OVMF_VARS)):
        pytest.fail("OVMF is missing: install Debian's ovmf (deps/debian-packages.txt)")
    path = tmp_path / "OVMF_VARS.fd"
    shutil.copyfile(OVMF_VARS, path)  # the firmware's variables, writable, for this test only
    return str(path)


def test_choose_firmware_boot_entry_sets_bootnext_and_firmware_boots_it(boot_vm, tmp_path,
                                                                       ovmf_vars):
    disk = str(tmp_path / "esp.img")
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        esp_disk(disk, work)
    vm = boot_vm(
        direct_kernel=False, reboot=True,
        extra_args=["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                    "-drive", f"if=pflash,format=raw,file={ovmf_vars}",
                    "-drive", f"file={disk},if=none,id=esp,format=raw",
                    "-device", "virtio-blk-pci,drive=esp,bootindex=1"])

    # First boot: the disk has no boot loader, the shell runs startup.nsh.
    vm.expect(r"ESC[^\r\n]* in \d+ seconds")  # between colour escapes
    vm.send("\r")  # any other key starts startup.nsh at once
    password = vm.expect_one_time_password()
    vm.wait_http()
    auth = ("admin", password)
    entries = requests.get(vm.url + "/api/v1/entries", auth=auth, timeout=30).json()["entries"]
    uefi = [e for e in entries if e["title"].startswith("UEFI: ")]
    titles = [e["title"] for e in uefi]
    shell = [e for e in uefi if e["title"] == "UEFI: EFI Internal Shell"]
    assert len(shell) == 1, titles
    shell = shell[0]
    # BootOrder's order: the disk (bootindex=1) comes before the shell, so
    # only BootNext makes the firmware start the shell first.
    disk_first = [e for e in uefi if "HARDDISK" in e["title"] or "Misc Device" in e["title"]]
    assert disk_first and uefi.index(disk_first[0]) < uefi.index(shell), titles
    assert shell["type"] == "legacy"
    assert shell["source"].startswith("efivarfs:Boot")
    number = shell["source"][len("efivarfs:"):]
    assert shell["legacy"]["method"] == "uefi-bootnext"
    assert shell["legacy"]["next_entry"] == number
    note = f"reboots into the firmware's boot entry {number} 'EFI Internal Shell' (BootNext, for one boot)"
    assert shell["legacy"]["note"] == note

    # A dry run says what would happen and does nothing.
    r = requests.post(vm.url + "/api/v1/boot", json={"entry": shell["id"], "dry_run": True},
                      auth=auth, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["legacy"]["note"] == note
    assert vm.alive()

    r = requests.post(vm.url + "/api/v1/boot", json={"entry": shell["id"]}, auth=auth, timeout=30)
    assert r.status_code == 202, r.text
    assert r.json()["legacy"]["note"] == note
    try:
        vm.expect(r"reboot: Restarting system")
    except Exception:
        log = requests.get(vm.url + "/api/v1/log", auth=auth, timeout=30).text
        pytest.fail("kboot did not reboot; its log:\n" + log[-3000:])

    # Second boot: the firmware's first choice is the entry kboot named.
    # Without BootNext it would try the disk first ("failed to load Boot0001").
    m = vm.expect(BDS_LINE)
    assert m.groups() == ("loading", number, "EFI Internal Shell"), vm.serial_log()[-2000:]
    m = vm.expect(BDS_LINE)
    assert m.groups() == ("starting", number, "EFI Internal Shell")
    vm.expect(r"UEFI Interactive Shell")
