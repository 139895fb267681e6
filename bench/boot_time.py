"""Boot time under QEMU TCG: from QEMU's start, and from the kernel's start
(guest uptime), until kbootd answers HTTP and until the console shows its
countdown; against a baseline image on the same kernel whose init only prints
its uptime and powers off."""
import os
import shutil
import statistics
import sys
import tempfile
import time

import pexpect
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "system"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "disks"))
from gptdisk import make_cpio  # noqa: E402
from qemu import KbootVM, image_paths  # noqa: E402
import demo  # noqa: E402

RUNS = 3
BASELINE_INIT = """#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "BASELINE-UP $(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox poweroff -f
"""
CONF = "timeout=30\nauth=none\nnetwork=dhcp\n"


def baseline_initrd(tmp):
    tree = os.path.join(tmp, "baseline")
    os.makedirs(os.path.join(tree, "bin"))
    os.makedirs(os.path.join(tree, "proc"))
    shutil.copy("/bin/busybox", os.path.join(tree, "bin/busybox"))
    with open(os.path.join(tree, "init"), "w") as f:
        f.write(BASELINE_INIT)
    os.chmod(os.path.join(tree, "init"), 0o755)
    out = os.path.join(tmp, "baseline.cpio.gz")
    make_cpio(tree, out)
    return out


def time_baseline(initrd):
    kernel, _ = image_paths()
    start = time.monotonic()
    child = pexpect.spawn("qemu-system-x86_64", ["-accel", "tcg", "-m", "512", "-display", "none",
                          "-monitor", "none", "-serial", "stdio", "-no-reboot", "-device", "virtio-rng-pci", "-kernel", kernel,
                          "-initrd", initrd, "-append", "console=ttyS0"], encoding="utf-8",
                          codec_errors="replace", timeout=120)
    try:
        child.expect(r"BASELINE-UP ([0-9.]+)")
        wall = time.monotonic() - start
        uptime = float(child.match.group(1))
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return wall, uptime


def time_kboot(tmp, disk):
    start = time.monotonic()
    vm = KbootVM(tempfile.mkdtemp(dir=tmp), disks=[disk], append="kboot=local",
                 files={"etc/kboot.conf": CONF})
    try:
        vm.expect(r"Booting '[^']+' in \d+ s")
        prompt_wall = time.monotonic() - start
        vm.wait_http("/api/v1/status")
        http_wall = time.monotonic() - start
        lines = requests.get(vm.url + "/api/v1/log", timeout=10).json().get("lines", [])
        up = [l.get("uptime") for l in lines if "listening" in l.get("text", "")]
        return prompt_wall, http_wall, (up[0] if up else None)
    finally:
        vm.kill()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        initrd = baseline_initrd(tmp)
        disk = os.path.join(tmp, "demo.img")
        demo.build(disk, "build/out/kboot.bzImage")
        base = [time_baseline(initrd) for _ in range(RUNS)]
        kb = [time_kboot(tmp, disk) for _ in range(RUNS)]
    b_wall = statistics.median(w for w, _ in base)
    b_up = statistics.median(u for _, u in base)
    p_wall = statistics.median(p for p, _, _ in kb)
    h_wall = statistics.median(h for _, h, _ in kb)
    ups = [u for _, _, u in kb if u is not None]
    print("## Boot time (QEMU TCG, 512 MiB, median of %d runs)\n" % RUNS)
    print("| to | from QEMU start | ratio to baseline | guest uptime |")
    print("|---|---|---|---|")
    print(f"| baseline init prints (busybox only) | {b_wall:.2f} s | 1.00 | {b_up:.2f} s |")
    print(f"| console countdown shown | {p_wall:.2f} s | {p_wall / b_wall:.2f} | |")
    print(f"| kbootd answers HTTP | {h_wall:.2f} s | {h_wall / b_wall:.2f} | "
          f"{statistics.median(ups):.2f} s |" if ups else
          f"| kbootd answers HTTP | {h_wall:.2f} s | {h_wall / b_wall:.2f} | n/a |")
    print()


if __name__ == "__main__":
    main()
