"""NFS exports are mounted where kboot says, never where a server's symlink
points (issue 11 §1). The export holds `l1 -> /`: a client that makes its
mount point by path inside the export's mount would, for host:/l1/usr,
mount the export over kboot's own /usr (kbootd, kexec, the webroot), and a
deeper path would make directories in kboot's root. Each export gets a
fresh directory of kboot's own under /run/kboot/nfs instead.
nfs-ganesha on the host (net_servers.py), the guest at 10.0.2.2; one boot."""
import os
import re

import pytest
import requests

from console_vm import PROMPT, run_line
from net_servers import GUEST_HOST_IP as HOST, nfs_server

HTTP_TIMEOUT = 60  # one request under TCG, an NFS mount included: a bound
LOCAL = {"append": "kboot=local", "disks": [], "files": {"etc/kboot.conf": "timeout=-1\n"}}


@pytest.fixture
def hostile_export(tmp_path):
    """An export at the server's root (pseudo "/") with a symlink l1 -> / and
    a usr/ of its own, so that host:/l1/usr is mountable."""
    tree = tmp_path / "export"
    (tree / "usr" / "share").mkdir(parents=True)
    (tree / "usr" / "share" / "FROM-THE-SERVER").write_text("the server's /usr\n")
    (tree / "vmlinuz").write_text("a file at the export's root\n")
    os.symlink("/", tree / "l1")
    server = nfs_server(str(tree), str(tmp_path), pseudo="/")
    yield str(tree)
    server.stop()


def files(s, vm, path):
    return s.get(vm.url + "/api/v1/files", params={"path": path}, timeout=HTTP_TIMEOUT)


def test_a_server_symlink_cannot_mount_an_export_over_kboots_own_tree(boot_vm, hostile_export):
    vm = boot_vm(**LOCAL)
    password = vm.expect_one_time_password()
    vm.wait_http()
    s = requests.Session()
    s.auth = ("admin", password)
    s.headers["Connection"] = "close"  # see test_hotplug_qemu.session

    # A one-component path mounts the export's root ...
    r = files(s, vm, f"{HOST}:/vmlinuz")
    assert r.status_code == 200, r.text
    # ... and a path through the symlink must not reach kboot's /usr.
    files(s, vm, f"{HOST}:/l1/usr")
    files(s, vm, f"{HOST}:/l1/usr/share")
    # Nor may a path deeper than the export prefixes kboot tries make
    # directories in kboot's own root through the symlink.
    deep = "/l1/" + "/".join(f"deep{i}" for i in range(20))
    assert files(s, vm, f"{HOST}:{deep}").status_code == 404
    assert files(s, vm, "//deep0").status_code == 404

    assert s.get(vm.url + "/api/v1/status", timeout=HTTP_TIMEOUT).status_code == 200
    r = files(s, vm, "//usr/sbin/kbootd")
    assert r.status_code == 200, r.text
    assert r.json()["format"] == "ELF", r.json()
    r = files(s, vm, "//usr/share")
    assert r.status_code == 200, r.text
    assert "FROM-THE-SERVER" not in [e["name"] for e in r.json()["entries"]]

    vm.expect(PROMPT)
    mounts = [m.split() for m in run_line(vm, "cat //proc/mounts")]
    nfs = [m for m in mounts if len(m) > 2 and m[2].startswith("nfs")]
    assert nfs, mounts
    for m in nfs:
        assert re.match(r"/run/kboot/nfs/10\.0\.2\.2/[^/]+$", m[1]), m
        assert {"ro", "nosuid", "nodev", "noexec"} <= set(m[3].split(",")), m
