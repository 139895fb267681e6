"""USB disks that come and go while kboot runs (issue 3 §1: a stick that
appears is listed with no rescan request; issue 7 §4: a disk pulled while
its directory is open in the browser gives an error, not a hang).

The stick is a real usb-storage device on an xHCI controller, plugged in and
pulled out through QEMU's monitor (QMP device_add/device_del) as a person
would plug it into the machine. One boot per test; every wait is bounded."""
import os
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
from gptdisk import Partition, build_disk  # noqa: E402

HTTP_TIMEOUT = 30      # one request under TCG: a bound, not a measurement
APPEAR_WITHIN_S = 10   # the watch scans every second; a bound for a loaded CI machine
USB_LABEL = "KBOOTUSB"
USB_TITLE = "USB rescue"
NO_COUNTDOWN = {"etc/kboot.conf": "timeout=-1\n"}
USB_DRIVE = "usbdisk"
USB_DEVICE = "usbstick"


def usb_stick(tmp_path, kernel):
    """A GPT stick with one vfat partition holding a syslinux.cfg and a kernel."""
    tree = tmp_path / "usb-tree"
    (tree / "syslinux").mkdir(parents=True)
    (tree / "syslinux" / "syslinux.cfg").write_text(
        "DEFAULT rescue\n"
        "LABEL rescue\n"
        f"  MENU LABEL {USB_TITLE}\n"
        "  KERNEL /vmlinuz\n"
        "  APPEND console=ttyS0 usb=rescue\n")
    (tree / "vmlinuz").write_bytes(open(kernel, "rb").read())
    path = tmp_path / "usb.img"
    build_disk(str(path), [Partition("usb", 16, "vfat", str(tree), label=USB_LABEL,
                                     type_code="0700")])
    return str(path)


def start_vm(boot_vm, stick):
    """kboot with an xHCI controller and the stick's drive ready to plug in."""
    return boot_vm(append="kboot=local", files=NO_COUNTDOWN, qmp=True,
                   extra_args=["-device", "qemu-xhci,id=xhci",
                               "-drive", f"if=none,id={USB_DRIVE},format=raw,file={stick}"])


def session(vm):
    """An admin session with the one-time password kbootd printed."""
    password = vm.expect_one_time_password()
    vm.wait_http()
    s = requests.Session()
    s.auth = ("admin", password)
    # One connection per request: civetweb drops an idle keep-alive connection
    # after 500 ms, and through QEMU's user network the client can send on it
    # before it learns that (a browser retries such a request; requests does not).
    s.headers["Connection"] = "close"
    return s


def plug_in(vm):
    vm.qmp("device_add", driver="usb-storage", bus="xhci.0", drive=USB_DRIVE, id=USB_DEVICE,
           removable=True)


def usb_partition(s, vm):
    """The stick's vfat partition as GET /devices lists it, or None."""
    r = s.get(vm.url + "/api/v1/devices", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    found = [d for d in r.json()["devices"] if d["label"] == USB_LABEL and d["partition"]]
    return found[0] if found else None


def wait_for(what, probe, within=APPEAR_WITHIN_S):
    """Poll probe() until it gives something true; bounded."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            assert value, f"{what}: not seen within {within} s"
            return value
        time.sleep(0.5)


def usb_entries(s, vm):
    r = s.get(vm.url + "/api/v1/entries", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["entries"] if e["title"] == USB_TITLE]


def test_usb_stick_hot_added_is_listed(boot_vm, kboot_image, tmp_path):
    vm = start_vm(boot_vm, usb_stick(tmp_path, kboot_image[0]))
    s = session(vm)
    assert usb_partition(s, vm) is None
    assert usb_entries(s, vm) == []

    plug_in(vm)
    part = wait_for("the stick in GET /devices", lambda: usb_partition(s, vm))
    assert part["fstype"] == "vfat"
    disk = [d for d in s.get(vm.url + "/api/v1/devices", timeout=HTTP_TIMEOUT).json()["devices"]
            if d["name"] == part["parent"]]
    assert disk and disk[0]["removable"], disk
    # Its syslinux.cfg entry is found without anyone asking for a rescan.
    entry = wait_for("the stick's entry in GET /entries", lambda: usb_entries(s, vm))[0]
    assert entry["kernel"].endswith("/vmlinuz"), entry
    assert entry["cmdline"] == "console=ttyS0 usb=rescue", entry


def test_usb_disk_removed_while_browsing(boot_vm, kboot_image, tmp_path):
    vm = start_vm(boot_vm, usb_stick(tmp_path, kboot_image[0]))
    s = session(vm)
    plug_in(vm)
    part = wait_for("the stick in GET /devices", lambda: usb_partition(s, vm))
    directory = f"{part['name']}:/syslinux"
    r = s.get(vm.url + "/api/v1/files", params={"path": directory}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert [e["name"] for e in r.json()["entries"]] == ["syslinux.cfg"]

    vm.qmp("device_del", id=USB_DEVICE)
    wait_for("the stick gone from GET /devices", lambda: usb_partition(s, vm) is None)
    # The browser, still showing the directory, asks again: an error in
    # words, not a hang and not the old listing.
    r = s.get(vm.url + "/api/v1/files", params={"path": directory}, timeout=HTTP_TIMEOUT)
    assert r.status_code in (404, 410, 500), r.text
    assert r.headers["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert error["code"] and error["message"], error
    r = s.get(vm.url + "/api/v1/files", params={"path": directory + "/syslinux.cfg"},
              timeout=HTTP_TIMEOUT)
    assert r.status_code in (404, 410, 500), r.text
    # kbootd lives on.
    r = s.get(vm.url + "/api/v1/status", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.json()["state"] == "idle", r.text
    assert usb_entries(s, vm) == []


def mount_dirs(s, vm):
    """The names under kboot's own mount directory, //run/kboot/mnt."""
    r = s.get(vm.url + "/api/v1/files", params={"path": "//run/kboot/mnt"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    return [e["name"] for e in r.json()["entries"]]


def test_a_new_stick_under_the_old_ones_name_shows_its_own_files(boot_vm, kboot_image, tmp_path):
    """Stick A is read (so mounted), then pulled; stick B, other files, is
    plugged in and the kernel gives it A's freed name. What B's name lists is
    B's files: never A's dead mount, never an error (issue 11 §12)."""
    stick_a = usb_stick(tmp_path / "a", kboot_image[0])
    tree_b = tmp_path / "b-tree"
    (tree_b / "only-on-b").mkdir(parents=True)
    (tree_b / "only-on-b" / "hello.txt").write_text("stick B\n")
    stick_b = str(tmp_path / "b.img")
    build_disk(stick_b, [Partition("usb", 16, "vfat", str(tree_b), label="KBOOTUSBB",
                                   type_code="0700")])
    vm = boot_vm(append="kboot=local", files=NO_COUNTDOWN, qmp=True,
                 extra_args=["-device", "qemu-xhci,id=xhci",
                             "-drive", f"if=none,id={USB_DRIVE},format=raw,file={stick_a}",
                             "-drive", f"if=none,id=usbdiskb,format=raw,file={stick_b}"])
    s = session(vm)
    plug_in(vm)
    part_a = wait_for("stick A in GET /devices", lambda: usb_partition(s, vm))
    root = f"{part_a['name']}:/"
    r = s.get(vm.url + "/api/v1/files", params={"path": root}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert "syslinux" in [e["name"] for e in r.json()["entries"]]

    vm.qmp("device_del", id=USB_DEVICE)
    wait_for("stick A gone from GET /devices", lambda: usb_partition(s, vm) is None)
    # kboot lets go of A's mount as its device watch sees A go (once a
    # second); until then the kernel keeps A's name taken.
    wait_for("A's mount dropped", lambda: part_a["name"] not in mount_dirs(s, vm))
    vm.qmp("device_add", driver="usb-storage", bus="xhci.0", drive="usbdiskb", id="usbstickb",
           removable=True)

    def stick_b_partition():
        r = s.get(vm.url + "/api/v1/devices", timeout=HTTP_TIMEOUT)
        found = [d for d in r.json()["devices"] if d["label"] == "KBOOTUSBB" and d["partition"]]
        return found[0] if found else None
    part_b = wait_for("stick B in GET /devices", stick_b_partition)
    assert part_b["name"] == part_a["name"], (part_a, part_b)
    r = s.get(vm.url + "/api/v1/files", params={"path": root}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert [e["name"] for e in r.json()["entries"]] == ["only-on-b"], r.json()
    r = s.get(vm.url + "/api/v1/files", params={"path": root + "only-on-b/hello.txt"},
              timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.json()["size"] == len("stick B\n"), r.text


def test_a_console_without_kbootd_sees_a_stick_come(boot_vm, kboot_image, tmp_path):
    """The device watch is the core's: with kbootd gone (and kept from
    starting again), the console alone lists a stick that is plugged in, and
    its entries."""
    from console_vm import PROMPT, run_line
    from test_faults_qemu import ServiceLine
    stick = usb_stick(tmp_path, kboot_image[0])
    line = ServiceLine(str(tmp_path / "ttyS1.sock"))
    files = dict(NO_COUNTDOWN, **ServiceLine.files())
    vm = boot_vm(append="kboot=local", files=files, qmp=True,
                 extra_args=["-device", "qemu-xhci,id=xhci",
                             "-drive", f"if=none,id={USB_DRIVE},format=raw,file={stick}"] + line.qemu_args())
    try:
        vm.expect(PROMPT)
        out = line.run("mv /usr/sbin/kbootd /usr/sbin/kbootd.away && killall -KILL kbootd && echo killed=yes")
        assert "killed=yes" in out, out
        vm.sendline("entries")  # asks kbootd, finds it gone
        vm.expect(r"kbootd is not running; the prompt goes on without it")
        vm.expect(PROMPT)
        plug_in(vm)
        deadline = time.monotonic() + APPEAR_WITHIN_S
        while True:  # bounded: the watch scans every second, then reads the stick
            entries = "\n".join(run_line(vm, "entries"))
            if USB_TITLE in entries or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert USB_TITLE in entries, entries
        assert USB_LABEL in "\n".join(run_line(vm, "devices"))
    finally:
        line.close()
