"""A GRUB entry that chainloads, chosen through the REST API in QEMU: kboot
sets next_entry in the grubenv beside that grub.cfg, the way GRUB's save_env
does (the block's own bytes), and reboots (-no-reboot: QEMU exits). Then, on
the host, the real grub-editenv reads next_entry back, nothing else on the
disk changed, and e2fsck finds the filesystem clean."""
import hashlib
import os
import subprocess
import sys
import tempfile

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
from gptdisk import FIRST_LBA_OFFSET, MIB, Partition, build_disk  # noqa: E402

PART_MIB = 16
SIGNATURE = b"# GRUB Environment Block\n"
GRUB_CFG = """set default=0
set timeout=5
menuentry 'Windows Boot Manager (on /dev/vda2)' --class windows --id windows-chain {
	insmod part_gpt
	insmod chain
	set root='hd0,gpt2'
	chainloader +1
}
"""


def legacy_disk(path):
    """vda1: ext4 with /grub/grub.cfg (the chainload entry) and a grubenv
    made by grub-editenv; vda2: a raw partition standing in for Windows."""
    with tempfile.TemporaryDirectory() as tree:
        os.makedirs(os.path.join(tree, "grub"))
        with open(os.path.join(tree, "grub", "grub.cfg"), "w") as f:
            f.write(GRUB_CFG)
        env = os.path.join(tree, "grub", "grubenv")
        subprocess.run(["grub-editenv", env, "create"], check=True)
        subprocess.run(["grub-editenv", env, "set", "saved_entry=0"], check=True)
        raw = os.path.join(tree, "..", os.path.basename(tree) + ".raw")
        with open(raw, "wb") as f:
            f.write(b"\xeb\x63\x90" + b"\0" * 507 + b"\x55\xaa")
        try:
            build_disk(path, [Partition("boot", PART_MIB, "ext4", tree, label="boot"),
                              Partition("windows", 1, "raw", raw_image=raw, type_code="0700")])
        finally:
            os.unlink(raw)


def grubenv_offset(path):
    data = open(path, "rb").read()
    assert data.count(SIGNATURE) == 1
    return data.index(SIGNATURE)


def sha256_without(path, start, length=1024):
    data = open(path, "rb").read()
    return hashlib.sha256(data[:start] + data[start + length:]).hexdigest()


def grubenv_on_disk(disk, tmp_path):
    """The /boot partition copied out of the disk image, its grubenv, and
    what the real grub-editenv lists in it."""
    part = str(tmp_path / "vda1.img")
    subprocess.run(["dd", f"if={disk}", f"of={part}", "bs=1M", f"skip={FIRST_LBA_OFFSET // MIB}",
                    f"count={PART_MIB}", "status=none"], check=True)
    env = str(tmp_path / "grubenv")
    subprocess.run(["debugfs", "-R", f"dump /grub/grubenv {env}", part], check=True, capture_output=True)
    listing = subprocess.run(["grub-editenv", env, "list"], check=True, capture_output=True, text=True).stdout
    return part, env, listing


def test_choose_chainload_entry_sets_grub_next_entry_and_reboots(boot_vm, tmp_path):
    disk = str(tmp_path / "legacy.img")
    legacy_disk(disk)
    offset = grubenv_offset(disk)
    before = sha256_without(disk, offset)

    vm = boot_vm(disks=[disk], append="kboot=local", files={"etc/kboot.conf": "timeout=-1\n"})
    password = vm.expect_one_time_password()
    vm.wait_http()
    auth = ("admin", password)
    entries = requests.get(vm.url + "/api/v1/entries", auth=auth, timeout=30).json()["entries"]
    chain = [e for e in entries if e["title"].startswith("Windows Boot Manager")]
    assert len(chain) == 1, entries
    assert chain[0]["type"] == "legacy"
    assert chain[0]["legacy"]["grubenv"] == "vda1:/grub/grubenv"
    assert chain[0]["legacy"]["note"].startswith("reboots into GRUB's entry 'windows-chain'")

    r = requests.post(vm.url + "/api/v1/boot", json={"entry": chain[0]["id"]}, auth=auth, timeout=30)
    assert r.status_code == 202, r.text
    assert r.json()["legacy"] == {
        "method": "grub-next-entry", "next_entry": "windows-chain", "grubenv": "vda1:/grub/grubenv",
        "note": "reboots into GRUB's entry 'windows-chain' (next_entry in vda1:/grub/grubenv, for one boot)"}
    vm.wait_exit()  # the reboot: QEMU runs with -no-reboot

    part, env, listing = grubenv_on_disk(disk, tmp_path)
    assert listing == "saved_entry=0\nnext_entry=windows-chain\n"
    assert os.path.getsize(env) == 1024
    assert sha256_without(disk, offset) == before, "bytes outside the grubenv block changed"
    fsck = subprocess.run(["e2fsck", "-fn", part], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_typing_the_device_at_the_prompt_hands_its_chainload_entry_to_grub(boot_vm, tmp_path):
    """The paper's `hda7`: `/dev/vda2` at the prompt is the entry whose
    `set root='hd0,gpt2'` chainloads it; kboot says so, sets next_entry and
    reboots."""
    disk = str(tmp_path / "legacy.img")
    legacy_disk(disk)
    vm = boot_vm(disks=[disk], append="kboot=local", files={"etc/kboot.conf": "timeout=-1\n"})
    vm.expect("kboot> ")
    vm.sendline("/dev/vda2")
    vm.expect(r"'Windows Boot Manager \(on /dev/vda2\)' needs the first-stage loader: kboot reboots "
              r"into GRUB's entry 'windows-chain' \(next_entry in vda1:/grub/grubenv, for one boot\)")
    vm.wait_exit()  # the reboot: QEMU runs with -no-reboot
    part, env, listing = grubenv_on_disk(disk, tmp_path)
    assert listing == "saved_entry=0\nnext_entry=windows-chain\n"


def test_the_api_boots_a_device_the_way_the_prompt_does(boot_vm, tmp_path):
    """POST /api/v1/boot {"device": "vda2"}: the core picks the entry that
    chainloads it, as for `/dev/vda2` at the prompt; a device nothing boots
    is refused with the reason, and nothing is written."""
    disk = str(tmp_path / "legacy.img")
    legacy_disk(disk)
    offset = grubenv_offset(disk)
    before = sha256_without(disk, offset)
    vm = boot_vm(disks=[disk], append="kboot=local", files={"etc/kboot.conf": "timeout=-1\n"})
    auth = ("admin", vm.expect_one_time_password())
    vm.wait_http()
    r = requests.post(vm.url + "/api/v1/boot", json={"device": "vda9"}, auth=auth, timeout=30)
    assert r.status_code == 404 and r.json()["error"]["message"] == "vda9: no such device", r.text
    r = requests.post(vm.url + "/api/v1/boot", json={"device": "vda1", "dry_run": True}, auth=auth, timeout=30)
    assert r.status_code == 422 and "no GRUB entry chainloads it" in r.json()["error"]["message"], r.text
    r = requests.post(vm.url + "/api/v1/boot", json={"device": "/dev/vda2"}, auth=auth, timeout=30)
    assert r.status_code == 202, r.text
    assert r.json()["legacy"]["next_entry"] == "windows-chain"
    vm.wait_exit()  # the reboot: QEMU runs with -no-reboot
    part, env, listing = grubenv_on_disk(disk, tmp_path)
    assert listing == "saved_entry=0\nnext_entry=windows-chain\n"
    assert sha256_without(disk, offset) == before
