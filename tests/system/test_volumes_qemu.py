"""Targets on volumes, end to end (issue 14): a root on LVM, LVM on LUKS2,
md RAID1 for /boot and the root, btrfs subvolumes as Fedora has them. Each:
the target is found, its fstab is mounted as it says, an entry boots to the
target's banner, and the disks are byte-identical afterwards. LUKS is
unlocked from the API and from the prompt; a wrong passphrase is refused,
delays the next try, and writes nothing; kbootd killed in the middle of an
unlock leaves the passphrase nowhere under /run.

The volumes are built inside a guest by the image's own tools
(tests/disks/volumes.py): this machine's kernel has no device-mapper or md."""
import hashlib
import os
import re
import shutil
import sys
import threading
import time

import pexpect
import pytest
import requests

from qemu import KbootVM

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import demo  # noqa: E402
import volumes  # noqa: E402

PROMPT = r"kboot> "
BANNER = demo.BANNER + r": (.*) is running"
CMDLINE = r"TARGET-CMDLINE: ([^\r\n]*)\r*\n"
NO_COUNTDOWN = {"etc/kboot.conf": "timeout=-1\n"}
HTTP_TIMEOUT = 120  # argon2 and LVM under TCG on a loaded machine: a bound
BUILD_TIMEOUT = 600


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_in_guest(workdir, targets, sources, script, files=None):
    """Run the layout's script in the kboot image with the blank target
    disks first and the filesystem images after them."""
    os.makedirs(workdir, exist_ok=True)
    vm = KbootVM(workdir, disks=list(targets) + list(sources), nic=False,
                 append="rdinit=/build-volumes.sh panic=-1", files=dict(files or {}, **{"build-volumes.sh": script}))
    try:
        vm.expect(volumes.BUILD_DONE + " rc=0", timeout=BUILD_TIMEOUT)
        vm.child.expect(pexpect.EOF, timeout=60)
    except Exception:
        raise RuntimeError("building the volumes failed:\n" + vm.serial_log()[-4000:])
    finally:
        vm.kill()


def layout_fixture(make):
    @pytest.fixture(scope="module")
    def pristine(kboot_image, tmp_path_factory):
        tmp = str(tmp_path_factory.mktemp(make.__name__))
        targets, sources, script, ver, *files = make(tmp, kboot_image[0])
        targets = [targets] if isinstance(targets, str) else targets
        build_in_guest(os.path.join(tmp, "build"), targets, sources, script, *files)
        return targets, ver
    return pristine


pristine_lvm = layout_fixture(volumes.lvm_layout)
pristine_luks = layout_fixture(volumes.luks_lvm_layout)
pristine_md = layout_fixture(volumes.md_layout)
pristine_btrfs = layout_fixture(volumes.btrfs_layout)


def copies(pristine, tmp_path):
    targets, ver = pristine
    out = []
    for t in targets:
        dst = tmp_path / os.path.basename(t)
        shutil.copyfile(t, dst)
        out.append(str(dst))
    return out, ver


def api(vm):
    passwords = vm.one_time_passwords()
    assert passwords, "kbootd printed no one-time password on the console"
    s = requests.Session()
    s.auth = ("admin", passwords[-1])
    return s


def get_json(s, vm, route, **params):
    r = s.get(vm.url + route, params=params, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, f"GET {route} {params}: {r.status_code} {r.text}"
    return r.json()


def wait_for_entry(s, vm, title, timeout=HTTP_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for e in get_json(s, vm, "/api/v1/entries")["entries"]:
            if e["title"] == title:
                return e
        time.sleep(1)
    raise AssertionError(f"no entry {title!r}:\n" + vm.serial_log()[-3000:])


def check_target_and_boot(s, vm, marked_file):
    """The target's fstab is mounted (its second volume's mark is there) and
    the volumes entry boots to the banner."""
    entry = wait_for_entry(s, vm, volumes.TITLE)
    fstab = s.get(vm.url + "/api/v1/files", params={"path": "/etc/fstab"}, timeout=HTTP_TIMEOUT)
    assert fstab.status_code == 200, fstab.text
    listing = get_json(s, vm, "/api/v1/files", path=os.path.dirname(marked_file))
    assert os.path.basename(marked_file) in [e["name"] for e in listing["entries"]], listing
    r = s.post(vm.url + "/api/v1/boot", json={"entry": entry["id"]}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 202, r.text
    vm.expect(BANNER)
    assert "entry=volumes" in vm.expect(CMDLINE).group(1).split()


def test_root_on_lvm_is_found_mounted_and_booted(boot_vm, pristine_lvm, tmp_path):
    disks, _ = copies(pristine_lvm, tmp_path)
    before = [sha256(d) for d in disks]
    vm = boot_vm(disks=disks, files=NO_COUNTDOWN, append="kboot=local")
    vm.expect(PROMPT)
    s = api(vm)
    devices = get_json(s, vm, "/api/v1/devices")["devices"]
    assert any(d["fstype"] == "LVM2_member" for d in devices), devices
    check_target_and_boot(s, vm, "/home/mark.txt")
    vm.kill()
    assert [sha256(d) for d in disks] == before, "a disk changed"


def test_md_raid1_boot_and_root_are_assembled_read_only(boot_vm, pristine_md, tmp_path):
    disks, _ = copies(pristine_md, tmp_path)
    before = [sha256(d) for d in disks]
    vm = boot_vm(disks=disks, files=NO_COUNTDOWN, append="kboot=local")
    vm.expect(PROMPT)
    s = api(vm)
    check_target_and_boot(s, vm, "/boot/mark.txt")
    vm.kill()
    assert [sha256(d) for d in disks] == before, "a disk changed"


def test_fedora_btrfs_root_subvolume_is_found_and_home_mounted(boot_vm, pristine_btrfs, tmp_path):
    disks, _ = copies(pristine_btrfs, tmp_path)
    before = [sha256(d) for d in disks]
    vm = boot_vm(disks=disks, files=NO_COUNTDOWN, append="kboot=local")
    vm.expect(PROMPT)
    s = api(vm)
    check_target_and_boot(s, vm, "/home/mark.txt")
    vm.kill()
    assert [sha256(d) for d in disks] == before, "a disk changed"


def luks_device(s, vm):
    for d in get_json(s, vm, "/api/v1/devices")["devices"]:
        if d["fstype"] == "crypto_LUKS":
            return d
    raise AssertionError("no LUKS device listed")


def test_lvm_on_luks_unlocked_from_the_api(boot_vm, pristine_luks, tmp_path):
    disks, _ = copies(pristine_luks, tmp_path)
    before = [sha256(d) for d in disks]
    vm = boot_vm(disks=disks, files=NO_COUNTDOWN, append="kboot=local")
    vm.expect(PROMPT)
    s = api(vm)
    d = luks_device(s, vm)
    assert d["locked"] is True
    unlock = vm.url + f"/api/v1/devices/{d['name']}/unlock"

    # A wrong passphrase: refused with a sentence, and the next try must wait.
    r = s.post(unlock, json={"passphrase": "wrong horse"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 403, r.text
    assert "wrong passphrase or key (next try in 1 s)" in r.json()["error"]["message"]
    r = s.post(unlock, json={"passphrase": volumes.PASSPHRASE}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 429, r.text
    assert "try again in" in r.json()["error"]["message"]
    assert luks_device(s, vm)["locked"] is True
    time.sleep(2)
    r = s.post(unlock, json={"passphrase": "wrong again"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 403, r.text
    assert "(next try in 2 s)" in r.json()["error"]["message"], r.text  # it grows
    r = s.post(unlock, json={"passphrase": volumes.PASSPHRASE}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 429, r.text
    time.sleep(3)

    r = s.post(unlock, json={"passphrase": volumes.PASSPHRASE}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    assert luks_device(s, vm)["locked"] is False
    r = s.post(unlock, json={"passphrase": volumes.PASSPHRASE}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 409, r.text
    log = s.get(vm.url + "/api/v1/log", timeout=HTTP_TIMEOUT).text
    assert volumes.PASSPHRASE not in log and "wrong horse" not in log
    check_target_and_boot(s, vm, "/home/mark.txt")
    serial = vm.serial_log()
    vm.kill()
    assert volumes.PASSPHRASE not in serial and "wrong horse" not in serial
    assert [sha256(d) for d in disks] == before, "a disk changed"


def test_luks_unlocked_at_the_prompt_without_echo(boot_vm, pristine_luks, tmp_path):
    disks, _ = copies(pristine_luks, tmp_path)
    before = [sha256(d) for d in disks]
    vm = boot_vm(disks=disks, files=NO_COUNTDOWN, append="kboot=local")
    vm.expect(PROMPT)
    vm.sendline("devices")
    vm.expect(r"(vda\d?)\s+\S+\s+crypto_LUKS.*locked")
    name = vm.child.match.group(1)
    vm.expect(PROMPT)
    vm.sendline(f"unlock {name}")
    vm.expect(f"Passphrase for {name}: ")
    vm.sendline("not it")
    vm.expect(f"{name}: wrong passphrase or key")
    vm.expect(PROMPT)
    time.sleep(2)
    vm.sendline(f"unlock {name}")
    vm.expect(f"Passphrase for {name}: ")
    vm.sendline(volumes.PASSPHRASE)
    vm.expect(f"{name}: unlocked", timeout=HTTP_TIMEOUT)
    vm.expect(PROMPT)
    s = api(vm)
    check_target_and_boot(s, vm, "/home/mark.txt")
    serial = vm.serial_log()
    vm.kill()
    assert volumes.PASSPHRASE not in serial and "not it" not in serial, "the passphrase was echoed"
    assert [sha256(d) for d in disks] == before, "a disk changed"


def test_kbootd_killed_mid_unlock_leaves_no_passphrase_under_run(boot_vm, pristine_luks, tmp_path):
    disks, _ = copies(pristine_luks, tmp_path)
    # A control: the search below must find this file, and only this one.
    control = "etc/kboot-test-control.txt"
    vm = boot_vm(disks=disks, files=dict(NO_COUNTDOWN, **{control: volumes.PASSPHRASE + "\n"}),
                 append="kboot=local")
    vm.expect(PROMPT)
    s = api(vm)
    d = luks_device(s, vm)

    def unlock():
        try:
            s.post(vm.url + f"/api/v1/devices/{d['name']}/unlock", json={"passphrase": volumes.PASSPHRASE},
                   timeout=HTTP_TIMEOUT)
        except requests.RequestException:
            pass  # kbootd is gone: that is the point
    t = threading.Thread(target=unlock)
    t.start()
    time.sleep(0.5)
    vm.sendline("killall -9 kbootd")
    vm.expect(PROMPT)
    t.join()
    # The pattern is not the passphrase's own text, so the typed line cannot match itself.
    pattern = volumes.PASSPHRASE.replace("horse", "hors[e]")
    # "//run": kboot's own /run at the prompt ("/run" would be the target's).
    vm.sendline(f"find //run //tmp //etc -type f -exec grep -l -e '{pattern}' {{}} + | sed 's/^/FOUN''D: /'; "
                "echo GREP-DON''E")
    vm.expect("GREP-DONE")
    tail = vm.serial_log().rsplit("GREP-DON''E", 1)[-1]
    found = re.findall(r"FOUND: (\S+)", tail)
    assert found == ["/" + control], tail


@pytest.fixture
def browser():
    from kbootd_browser import chromium, chromium_available
    if not chromium_available():
        pytest.skip("chromium and chromium-driver are not installed")
    with chromium() as driver:
        yield driver


def test_luks_unlocked_from_the_browser_with_the_error_in_place(browser, boot_vm, pristine_luks, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    disks, _ = copies(pristine_luks, tmp_path)
    before = [sha256(d) for d in disks]
    vm = boot_vm(disks=disks, files=NO_COUNTDOWN, append="kboot=local")
    password = vm.expect_one_time_password()
    vm.wait_http("/login.html")
    wait = WebDriverWait(browser, HTTP_TIMEOUT)

    def visible(css):
        return wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    browser.get(vm.url + "/")
    visible("#login-password").send_keys(password, Keys.ENTER)
    field = visible("#devices form.unlock input[type=password]")
    field.send_keys("wrong horse", Keys.ENTER)
    error = visible("#devices form.unlock .unlock-error")
    assert "wrong passphrase or key" in error.text
    assert field.get_attribute("value") == ""
    time.sleep(2)
    visible("#devices form.unlock input[type=password]").send_keys(volumes.PASSPHRASE, Keys.ENTER)
    wait.until(EC.invisibility_of_element_located((By.CSS_SELECTOR, "#devices form.unlock")))
    s = api(vm)
    check_target_and_boot(s, vm, "/home/mark.txt")
    vm.kill()
    assert [sha256(d) for d in disks] == before, "a disk changed"


def test_luks_unlocked_with_a_key_file(boot_vm, pristine_luks, tmp_path):
    disks, _ = copies(pristine_luks, tmp_path)
    before = [sha256(d) for d in disks]
    # The key file's bytes are the key: no newline, as luksFormat was given it.
    vm = boot_vm(disks=disks, files=dict(NO_COUNTDOWN, **{"etc/keys/root.key": volumes.PASSPHRASE}),
                 append="kboot=local")
    vm.expect(PROMPT)
    s = api(vm)
    d = luks_device(s, vm)
    unlock = vm.url + f"/api/v1/devices/{d['name']}/unlock"
    r = s.post(unlock, json={"key_file": "//etc/keys/missing.key"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404, r.text
    r = s.post(unlock, json={"key_file": "//etc/keys/root.key"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    check_target_and_boot(s, vm, "/home/mark.txt")
    vm.kill()
    assert [sha256(d) for d in disks] == before, "a disk changed"
