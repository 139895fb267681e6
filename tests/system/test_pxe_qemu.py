"""PXE-style boot in QEMU: QEMU's user network hands out a boot file and
serves a TFTP directory; with no disk at all, kboot offers "Network boot:
<bootfile>" and the labels of the pxelinux.cfg it finds for this machine on
that server, and boots one of those labels from TFTP."""
import os
import sys

import requests

from net_servers import GUEST_HOST_IP as HOST

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import demo  # noqa: E402

BANNER = r"KBOOT-DEMO-TARGET: .* is running"
QEMU_MAC = "52-54-00-12-34-56"  # QEMU's first NIC


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def tftp_tree(root, kernel):
    """boot/pxelinux.0's directory holds the kernel, the initrd and
    pxelinux.cfg: one config for this MAC, and a default that must lose to it."""
    boot = os.path.join(root, "boot")
    demo.write_target_files(boot, kernel)
    write(os.path.join(boot, "pxelinux.0"), "not a real pxelinux\n")
    write(os.path.join(boot, "pxelinux.cfg", "01-" + QEMU_MAC),
          "# for this machine only\n"
          "LABEL pxe-demo\n"
          "  MENU LABEL PXE demo target\n"
          "  KERNEL vmlinuz\n"
          "  APPEND initrd=initrd.img console=ttyS0 from=pxe\n")
    write(os.path.join(boot, "pxelinux.cfg", "default"),
          "LABEL everyone-else\n  KERNEL vmlinuz\n  APPEND console=ttyS0 from=default\n")


def test_pxelinux_label_from_dhcp_boot_options_boots_the_target(boot_vm, kboot_image, tmp_path):
    tftp = tmp_path / "tftp"
    tftp_tree(str(tftp), kboot_image[0])
    vm = boot_vm(disks=[], append="kboot=local",
                 nic_opts=f"tftp={tftp},bootfile=boot/pxelinux.0")
    pw = vm.expect(r"one-time password: (\S+)\r*\n").group(1)
    vm.wait_http("/api/v1/status")

    r = requests.get(vm.url + "/api/v1/entries", auth=("admin", pw), timeout=30)
    assert r.status_code == 200, r.text
    entries = {e["title"]: e for e in r.json()["entries"]}
    assert "Network boot: boot/pxelinux.0" in entries, list(entries)
    assert entries["Network boot: boot/pxelinux.0"]["kernel"] == f"tftp://{HOST}/boot/pxelinux.0"
    # the MAC's config, not the default one
    assert "everyone-else" not in entries, list(entries)
    label = entries.get("PXE demo target")
    assert label, list(entries)
    assert label["kernel"] == f"tftp://{HOST}/boot/vmlinuz"
    assert label["initrd"] == [f"tftp://{HOST}/boot/initrd.img"]

    r = requests.post(vm.url + "/api/v1/boot", auth=("admin", pw), timeout=60,
                      json={"entry": label["id"]})
    assert r.status_code == 202, r.text
    vm.expect(BANNER)
    line = vm.expect(r"TARGET-CMDLINE: ([^\r\n]*)\r*\n").group(1)
    assert line.strip().endswith("from=pxe"), line
