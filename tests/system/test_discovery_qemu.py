"""Boot-entry discovery in the kboot image, end to end (issue 3 §5 and "Done
when"; issue 7 §4-5): what GRUB's menu shows is what kboot lists; broken
disks do not stop discovery; an ESP's BLS entries boot; and a whole session
that ends in a boot writes nothing to the disks it read.

Expectations come from the files on the disk images themselves (read with
debugfs, never mounted), not from a copy in this file."""
import hashlib
import os
import re
import subprocess
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import demo  # noqa: E402
import scenarios  # noqa: E402

COUNTDOWN = r"Booting '([^']+)' in \d+ s"
PROMPT = r"kboot> "
BANNER = demo.BANNER + r": (.*) is running"
# A whole line: pexpect matches on what has arrived so far.
CMDLINE = r"TARGET-CMDLINE: ([^\r\n]*)\r*\n"
# Our own kboot.conf (with kboot=local): no countdown to race against.
NO_COUNTDOWN = {"etc/kboot.conf": "timeout=-1\n"}
HTTP_TIMEOUT = 60  # a bound for one request under TCG, not a measurement


# --- helpers ------------------------------------------------------------------
def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def api(vm):
    """An HTTP session as admin with the one-time password kbootd printed."""
    passwords = vm.one_time_passwords()
    assert passwords, "kbootd printed no one-time password on the console"
    s = requests.Session()
    s.auth = ("admin", passwords[-1])
    return s


def get_json(session, vm, route, **params):
    r = session.get(vm.url + route, params=params, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, f"GET {route} {params}: {r.status_code} {r.text}"
    return r.json()


def entries(session, vm):
    return get_json(session, vm, "/api/v1/entries")["entries"]


def boot(session, vm, entry_id, dry_run):
    return session.post(vm.url + "/api/v1/boot", json={"entry": entry_id, "dry_run": dry_run},
                        timeout=HTTP_TIMEOUT)


def menu_item(e):
    """What a person compares between two boot menus."""
    return (e["title"], e["kernel"], tuple(e["initrd"]), e["cmdline"])


def grub_menu(cfg, prefix):
    """The entries GRUB's menu shows for a grub-mkconfig grub.cfg whose files
    are on the filesystem mounted at `prefix` in the target. A submenu's
    entries are named by GRUB's title path ("Submenu>Entry"), the form
    saved_entry uses."""
    items, stack, cur = [], [], None
    for line in cfg.splitlines():
        s = line.strip()
        m = re.match(r"(menuentry|submenu)\s+'([^']*)'.*\{$", s)
        if m:
            stack.append(m.group(2))
            if m.group(1) == "menuentry":
                cur = {"linux": None, "args": "", "initrd": ()}
            continue
        if s == "}" and stack:
            if cur is not None:
                items.append((">".join(stack), prefix + cur["linux"],
                              tuple(prefix + i for i in cur["initrd"]), cur["args"]))
                cur = None
            stack.pop()
            continue
        words = s.split()
        if cur is not None and words and words[0] in ("linux", "linux16", "linuxefi"):
            cur["linux"], cur["args"] = words[1], " ".join(words[2:])
        elif cur is not None and words and words[0] in ("initrd", "initrd16", "initrdefi"):
            cur["initrd"] = tuple(words[1:])
    return items


def kboot_conf_labels(text):
    """label='kernel initrd=… args' lines of a kboot.conf, and its default."""
    items, default = [], None
    for line in text.splitlines():
        m = re.match(r"\s*([\w.-]+)\s*=\s*'([^']*)'\s*$", line)
        if m:
            kernel, *words = m.group(2).split()
            initrds = tuple(w[len("initrd="):] for w in words if w.startswith("initrd="))
            args = " ".join(w for w in words if not w.startswith("initrd="))
            items.append((m.group(1), kernel, initrds, args))
        m = re.match(r"\s*default\s*=\s*(\S+)", line)
        if m:
            default = m.group(1)
    return items, default


def bls_entry(text, prefix):
    keys = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.strip().partition(" ")
            keys.setdefault(k, []).append(v.strip())
    return (keys["title"][0], prefix + keys["linux"][0],
            tuple(prefix + i for i in keys.get("initrd", [])), " ".join(keys.get("options", [])))


def ext4_fingerprint(disk, tmp_path):
    """Per ext4 partition: e2fsck -fn's verdict and dumpe2fs -h (mount count,
    last mount and write times, state)."""
    out = {}
    for n, offset, size in scenarios.gpt_partitions(disk):
        part = scenarios.extract(disk, offset, size, str(tmp_path / f"p{n}.img"))
        probe = subprocess.run(["blkid", "-p", "-o", "value", "-s", "TYPE", part],
                               capture_output=True, text=True).stdout.strip()
        if probe == "ext4":
            fsck = subprocess.run(["e2fsck", "-fn", part], capture_output=True, text=True)
            head = subprocess.run(["dumpe2fs", "-h", part], capture_output=True, text=True,
                                  check=True).stdout
            out[n] = {"fsck_status": fsck.returncode, "fsck": fsck.stdout, "dumpe2fs": head}
        os.unlink(part)
    return out


def dumpe2fs_field(head, name):
    m = re.search(rf"^{name}:\s*(.*)$", head, re.M)
    return m.group(1) if m else None


# --- tests --------------------------------------------------------------------
def test_entries_match_grubs_menu(boot_vm, demo_disk, tmp_path):
    """Demo disk: /boot on its own partition (mounted by UUID in fstab), a
    vfat ESP. kboot lists GRUB's menu (menuentry and the submenu's entry), the
    kboot.conf labels and the BLS entry, each with the title, kernel, initrds
    and command line its config gives; the default is kboot.conf's."""
    disk = demo_disk["path"]
    grub = grub_menu(scenarios.ext4_cat(disk, 2, "/grub/grub.cfg", tmp_path), "/boot")
    labels, conf_default = kboot_conf_labels(scenarios.ext4_cat(disk, 3, "/etc/kboot.conf", tmp_path))
    bls = [bls_entry(scenarios.ext4_cat(disk, 2, "/loader/entries/kboot-demo-bls.conf", tmp_path),
                     "/boot")]
    assert len(grub) == 2 and any(">" in g[0] for g in grub), grub  # the parse above worked
    assert len(labels) == 2 and conf_default

    vm = boot_vm(disks=[disk])
    vm.expect(COUNTDOWN)
    vm.send(" ")
    vm.expect(PROMPT)
    listed = entries(api(vm), vm)
    got = [menu_item(e) for e in listed]

    for item in grub:
        assert item in got, f"GRUB's menu shows {item}; kboot lists {got}"
    assert sorted(got) == sorted(grub + labels + bls), "kboot lists exactly these entries"
    assert [e["title"] for e in listed if e["default"]] == [conf_default]


def test_corrupt_filesystem_does_not_stop_discovery(boot_vm, kboot_image, tmp_path):
    """Disks before the good one: ext4 with a corrupt superblock; ext4 set to
    errors=panic with a cleared inode under /boot/grub; a GPT entry past the end
    of the disk; an MBR partition claiming 1 TiB on a 16 MiB disk around a
    cut-short ext4. The good disk's extlinux.conf entries are still listed,
    kbootd and the prompt answer, the broken filesystems are named in the log,
    and none of the disks changed (ext4 records errors in its superblock,
    even on a read-only mount, unless the device itself is read-only)."""
    corrupt = scenarios.corrupt_disk(str(tmp_path / "corrupt.img"))
    lying = scenarios.lying_mbr_disk(str(tmp_path / "lying.img"))
    good = str(tmp_path / "good.img")
    ver = scenarios.good_extlinux_disk(good, kboot_image[0])
    disks = [corrupt, lying, good]
    before = {d: sha256(d) for d in disks}

    # panic=-1: if the kernel panics anyway, QEMU exits at once (-no-reboot).
    vm = boot_vm(disks=disks, append="kboot=local panic=-1", files=NO_COUNTDOWN)
    vm.expect(PROMPT)
    session = api(vm)
    assert get_json(session, vm, "/api/v1/status")["state"] == "idle"
    listed = entries(session, vm)
    want = [(title, f"vdc1:/boot/vmlinuz-{ver}", (f"vdc1:/boot/initrd.img-{ver}",), args)
            for title, args in zip(scenarios.GOOD_TITLES,
                                   ("console=ttyS0 entry=good", "console=ttyS0 entry=rescue single"))]
    assert sorted(menu_item(e) for e in listed) == sorted(want)
    assert [e["title"] for e in listed if e["default"]] == [scenarios.GOOD_TITLES[0]]

    log = "\n".join(line["text"] for line in get_json(session, vm, "/api/v1/log")["lines"])
    for dev in ("vda1", "vdb1"):
        assert re.search(rf"{dev}: not searched for boot entries: .*mount failed", log), log
    assert re.search(r"vda2:/boot/grub/grub.cfg: the filesystem is damaged", log), log

    vm.sendline("entries")
    vm.expect(re.escape(scenarios.GOOD_TITLES[1]))
    vm.expect(PROMPT)
    vm.sendline("pwd")
    vm.expect(r"\n/\r*\n")
    vm.kill()
    assert {d: sha256(d) for d in disks} == before, "a disk kboot only read was written"


def test_vfat_esp_with_bls_entries(boot_vm, kboot_image, tmp_path):
    """vda: a lone ESP with systemd-boot's /loader/entries and its kernel;
    vdb: a target whose fstab mounts its ESP (with a BLS entry) at /boot/efi.
    The lone ESP's entries name files as vda1:/…, the target's as
    /boot/efi/…; each dry-runs, and one boots for real."""
    esp, target = str(tmp_path / "esp.img"), str(tmp_path / "target.img")
    ver = scenarios.esp_bls_disk(esp, kboot_image[0])
    scenarios.target_with_esp_disk(target, kboot_image[0])

    vm = boot_vm(disks=[esp, target], append="kboot=local", files=NO_COUNTDOWN)
    vm.expect(PROMPT)
    session = api(vm)
    by_title = {e["title"]: e for e in entries(session, vm)}
    for title in scenarios.ESP_BLS_TITLES:
        e = by_title.get(title)
        assert e, f"{title!r} not listed: {sorted(by_title)}"
        assert e["kernel"] == "vda1:/EFI/Linux/vmlinuz"
        assert e["initrd"] == ["vda1:/EFI/Linux/initrd.img"]
        assert e["source"].startswith("vda1:/loader/entries/")
        assert e["version"] == ver
    e = by_title.get(scenarios.ESP_TARGET_TITLE)
    assert e, f"{scenarios.ESP_TARGET_TITLE!r} not listed: {sorted(by_title)}"
    assert (e["kernel"], e["initrd"]) == ("/boot/efi/linux/vmlinuz", ["/boot/efi/linux/initrd.img"])

    for title in scenarios.ESP_BLS_TITLES + (scenarios.ESP_TARGET_TITLE,):
        r = boot(session, vm, by_title[title]["id"], dry_run=True)
        assert r.status_code == 200, f"dry run of {title!r}: {r.status_code} {r.text}"
        plan = r.json()["plan"]
        assert plan["kernel_info"]["kind"] == "kernel"
        assert plan["kernel_info"]["version"].startswith(ver)
        assert r.json()["state"] == "idle"

    r = boot(session, vm, by_title[scenarios.ESP_BLS_TITLES[0]]["id"], dry_run=False)
    assert r.status_code == 202, r.text
    vm.expect(BANNER)
    cmdline = vm.expect(CMDLINE).group(1)
    assert "entry=esp-bls" in cmdline.split()


def test_nothing_is_written(boot_vm, demo_disk, tmp_path):
    """A whole session on the demo disk (list entries, browse files and
    devices, dry-run a boot, then boot the target for real) leaves the disk
    image byte-identical, and e2fsck/dumpe2fs see the ext4 filesystems as
    before: clean, same mount count and last mount time."""
    disk = demo_disk["path"]
    ver = demo_disk["version"]
    before_sum = sha256(disk)
    before_fs = ext4_fingerprint(disk, tmp_path)
    assert len(before_fs) == 2 and all(fs["fsck_status"] == 0 for fs in before_fs.values())

    vm = boot_vm(disks=[disk])
    vm.expect(COUNTDOWN)
    vm.send(" ")
    vm.expect(PROMPT)
    session = api(vm)
    listed = entries(session, vm)
    default = [e for e in listed if e["default"]]
    assert len(default) == 1
    get_json(session, vm, "/api/v1/devices")
    for path in ("/", "/boot", "/etc/fstab", f"/boot/vmlinuz-{ver}", f"/boot/initrd.img-{ver}",
                 "/boot/grub/grub.cfg", "vda1:/", "vda1:/EFI/BOOT/README.txt", "vda2:/loader/entries"):
        get_json(session, vm, "/api/v1/files", path=path)
    r = boot(session, vm, default[0]["id"], dry_run=True)
    assert r.status_code == 200, r.text
    r = boot(session, vm, default[0]["id"], dry_run=False)
    assert r.status_code == 202, r.text
    vm.expect(BANNER)
    assert "entry=label" in vm.expect(CMDLINE).group(1).split()
    vm.kill()  # the target runs from its initramfs and never opens the disk

    assert sha256(disk) == before_sum, "the demo disk image changed"
    after_fs = ext4_fingerprint(disk, tmp_path)
    for n, fs in before_fs.items():
        for field in ("Mount count", "Last mount time", "Last write time", "Filesystem state"):
            assert dumpe2fs_field(after_fs[n]["dumpe2fs"], field) == \
                dumpe2fs_field(fs["dumpe2fs"], field), f"partition {n}: {field}"
        assert after_fs[n]["fsck_status"] == 0, after_fs[n]["fsck"]
        assert after_fs[n]["fsck"] == fs["fsck"]
