"""kexec_file_load (`kexec -s -l`) against kexec_load (`kexec -l`): the time to
load the demo kernel and initrd in the guest, -l as the baseline. This is why
kboot-core tries -l first and keeps -s for kernels in lockdown
(kboot-core/kexec-load.c)."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "system"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "disks"))
from qemu import KbootVM  # noqa: E402
import demo  # noqa: E402

LOADS = 10
# Runs in the guest's shell; /proc/uptime has centiseconds.
SCRIPT = ("k=/target/boot/vmlinuz-{ver}; i=/target/boot/initrd.img-{ver}; "
          "t0=$(cut -d' ' -f1 /proc/uptime); "
          "for n in $(seq {loads}); do kexec {mode} -l $k --initrd=$i --command-line=x || echo LOAD''FAILED; "
          "kexec {mode} -u; done; "
          "t1=$(cut -d' ' -f1 /proc/uptime); echo RESULT{tag} $t0 $t1")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "demo.img")
        ver = demo.build(disk, "build/out/kboot.bzImage")
        vm = KbootVM(tmp, disks=[disk], append="kboot=local",
                     files={"etc/kboot.conf": "timeout=-1\nauth=none\n"})
        try:
            vm.expect("kboot> ")
            results = {}
            for tag, mode in (("L", ""), ("S", "-s")):
                vm.sendline("shell")
                vm.expect(r"# ")
                vm.sendline(SCRIPT.format(ver=ver, loads=LOADS, mode=mode, tag=tag))
                m = vm.expect(rf"RESULT{tag} ([0-9.]+) ([0-9.]+)", timeout=600)
                results[mode or "-l"] = (float(m.group(2)) - float(m.group(1))) / LOADS
                if "LOADFAILED" in vm.serial_log():
                    sys.exit("a kexec load failed:\n" + vm.serial_log()[-3000:])
                vm.sendline("exit")
                vm.expect("kboot> ")
        finally:
            vm.kill()
    base = results["-l"]
    print(f"## kexec load: -s against -l (QEMU TCG, {LOADS} loads each, demo kernel + initrd)\n")
    print("| mode | seconds per load and unload | ratio to -l |")
    print("|---|---|---|")
    print(f"| `kexec -l` (kexec_load, baseline) | {base:.3f} | 1.00 |")
    print(f"| `kexec -s -l` (kexec_file_load) | {results['-s']:.3f} | {results['-s'] / base:.2f} |")
    print()


if __name__ == "__main__":
    main()
