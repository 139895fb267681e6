"""Booting a GRUB entry kexec cannot load (chainloader) through the REST API,
on the host: kboot says what will happen, writes next_entry into the grubenv
beside that grub.cfg (checked with the real grub-editenv) and asks to reboot
(a stand-in records it). The QEMU test does the same on a real disk."""
import subprocess
import time

import pytest

from kbootd_host import Kbootd

GRUB_CFG_LEGACY = (
    "menuentry 'Windows 10' --id windows {\n"
    "  insmod chain\n  search --fs-uuid --set=root 1234-ABCD\n  chainloader /EFI/Microsoft/Boot/bootmgfw.efi\n}\n")
REBOOT_STAND_IN = "#!/bin/sh\necho reboot >> \"$(dirname \"$0\")/reboot.log\"\n"


class LegacyKbootd(Kbootd):
    """A target whose grub.cfg also chainloads Windows, with a grubenv."""

    def __init__(self, tmp, grubenv_size=None):
        super().__init__(tmp)
        grub = self.target / "boot/grub"
        with open(grub / "grub.cfg", "a") as f:
            f.write(GRUB_CFG_LEGACY)
        self.grubenv = grub / "grubenv"
        subprocess.run(["grub-editenv", str(self.grubenv), "create"], check=True)
        subprocess.run(["grub-editenv", str(self.grubenv), "set", "saved_entry=debian"], check=True)
        if grubenv_size:
            with open(self.grubenv, "ab") as f:
                f.write(b"#" * (grubenv_size - 1024))
        self.reboot = self.tmp / "reboot"
        self.reboot.write_text(REBOOT_STAND_IN)
        self.reboot.chmod(0o755)
        self.reboot_log = self.tmp / "reboot.log"

    def env(self):
        env = super().env()
        env["KBOOT_REBOOT"] = str(self.reboot)
        return env


@pytest.fixture
def legacy_kbootd(tmp_path):
    servers = []

    def start(**kwargs):
        server = LegacyKbootd(tmp_path / ("k%d" % len(servers)), **kwargs).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()


def windows(server):
    entries = server.session().get(server.url("/entries"), timeout=10).json()["entries"]
    return [e for e in entries if e["title"] == "Windows 10"][0]


def grub_editenv_list(path):
    return subprocess.run(["grub-editenv", str(path), "list"], check=True,
                          capture_output=True, text=True).stdout


def test_legacy_entry_listed_with_what_booting_it_does(legacy_kbootd):
    server = legacy_kbootd()
    e = windows(server)
    assert e["type"] == "legacy"
    assert e["legacy"] == {
        "method": "grub-next-entry", "next_entry": "windows", "grubenv": "/boot/grub/grubenv",
        "note": "reboots into GRUB's entry 'windows' (next_entry in /boot/grub/grubenv, for one boot)"}
    assert e["legacy_device"] == "UUID=1234-ABCD"  # what it chainloads, for `sda1` at the prompt


def test_dry_run_of_legacy_entry_says_what_and_writes_nothing(legacy_kbootd):
    server = legacy_kbootd()
    before = server.grubenv.read_bytes()
    r = server.session().post(server.url("/boot"), json={"entry": windows(server)["id"], "dry_run": True},
                              timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["legacy"]["next_entry"] == "windows"
    assert body["legacy"]["grubenv"] == "/boot/grub/grubenv"
    assert body["state"] == "idle"
    assert server.grubenv.read_bytes() == before
    assert not server.reboot_log.exists()


def test_boot_legacy_entry_sets_next_entry_and_reboots(legacy_kbootd):
    server = legacy_kbootd()
    r = server.session().post(server.url("/boot"), json={"entry": windows(server)["id"]}, timeout=10)
    assert r.status_code == 202, r.text
    assert r.json()["legacy"]["note"].startswith("reboots into GRUB's entry 'windows'")
    deadline = time.monotonic() + 20
    while not server.reboot_log.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.reboot_log.read_text() == "reboot\n"
    assert grub_editenv_list(server.grubenv) == "saved_entry=debian\nnext_entry=windows\n"
    assert server.grubenv.stat().st_size == 1024


def test_grubenv_grub_could_not_read_back_is_refused(legacy_kbootd):
    server = legacy_kbootd(grubenv_size=2048)
    before = server.grubenv.read_bytes()
    r = server.session().post(server.url("/boot"), json={"entry": windows(server)["id"]}, timeout=10)
    assert r.status_code == 422, r.text
    assert "2048 bytes, not the 1024 of a GRUB environment block" in r.json()["error"]["message"]
    assert server.grubenv.read_bytes() == before
    assert not server.reboot_log.exists()


def test_boot_legacy_entry_at_the_prompt_says_what_happens_first(tmp_path):
    from test_console_host import Console
    stub = tmp_path / "reboot"
    stub.write_text(REBOOT_STAND_IN)
    stub.chmod(0o755)
    console = Console(tmp_path / "c", extra_env={"KBOOT_REBOOT": str(stub)})
    with open(console.target / "boot/grub/grub.cfg", "a") as f:
        f.write(GRUB_CFG_LEGACY)
    grubenv = console.target / "boot/grub/grubenv"
    subprocess.run(["grub-editenv", str(grubenv), "create"], check=True)
    try:
        console.start()
        console.expect_prompt()
        listing = console.run("entries")
        number = [line.split()[0] for line in listing.splitlines() if "Windows 10" in line][0].strip(".)")
        console.child.sendline("boot " + number)
        console.child.expect_exact("'Windows 10' needs the first-stage loader: kboot reboots into GRUB's "
                                   "entry 'windows' (next_entry in /boot/grub/grubenv, for one boot).")
        console.expect_prompt()  # the stand-in reboot returns; a real one does not
        assert (tmp_path / "reboot.log").read_text() == "reboot\n"
        assert grub_editenv_list(grubenv) == "next_entry=windows\n"
    finally:
        console.stop()
