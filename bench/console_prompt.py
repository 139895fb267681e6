"""Time to the console prompt under QEMU TCG (issue 5): from QEMU's start until
the serial console shows the countdown, and the guest's uptime read at the
prompt right after a key stopped it (`cat //proc/uptime`: kboot's own /proc),
on the demo disk as the tests boot it; against boot_time.py's baseline image
(same kernel, an init that prints its uptime), measured in the same run."""
import os
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boot_time import RUNS, baseline_initrd, time_baseline  # noqa: E402  (adds the test paths)
from qemu import KbootVM, image_paths  # noqa: E402
from console_vm import COUNTDOWN, PROMPT, run_line  # noqa: E402
import demo  # noqa: E402


def time_console(tmp, disk):
    """(seconds from QEMU start to the countdown, guest uptime at the prompt)"""
    start = time.monotonic()
    vm = KbootVM(tempfile.mkdtemp(dir=tmp), disks=[disk])
    try:
        vm.expect(COUNTDOWN)
        wall = time.monotonic() - start
        vm.send(" ")
        vm.expect(PROMPT)
        lines = run_line(vm, "cat //proc/uptime")
        m = re.match(r"([0-9.]+) ", lines[-1] if lines else "")
        if not m:
            raise RuntimeError(f"no uptime at the prompt: {lines}")
        return wall, float(m.group(1))
    finally:
        vm.kill()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        initrd = baseline_initrd(tmp)
        disk = os.path.join(tmp, "demo.img")
        demo.build(disk, image_paths()[0])
        base = [time_baseline(initrd) for _ in range(RUNS)]
        runs = [time_console(tmp, disk) for _ in range(RUNS)]
    b_wall = statistics.median(w for w, _ in base)
    b_up = statistics.median(u for _, u in base)
    c_wall = statistics.median(w for w, _ in runs)
    c_up = statistics.median(u for _, u in runs)
    print("## Time to the console prompt (QEMU TCG, 512 MiB, demo disk, median of %d runs)\n" % RUNS)
    print("| to | from QEMU start | ratio | guest uptime | ratio |")
    print("|---|---|---|---|---|")
    print(f"| baseline init prints (busybox only) | {b_wall:.2f} s | 1.00 | {b_up:.2f} s | 1.00 |")
    print(f"| console countdown shown / prompt answers | {c_wall:.2f} s | {c_wall / b_wall:.2f} | "
          f"{c_up:.2f} s | {c_up / b_up:.2f} |")
    print()
    print("Guest uptime is read at the prompt with `cat //proc/uptime` right after a key "
          "stopped the countdown, so it also counts the key and one typed line.\n")


if __name__ == "__main__":
    main()
