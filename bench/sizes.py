"""Image sizes: the kernel, and the initramfs under each compression, against
the uncompressed cpio as the baseline."""
import os
import statistics
import subprocess
import time

ROOTFS = "build/rootfs"
KERNEL = "build/out/kboot.bzImage"
# name: (compress, decompress)
COMPRESSORS = {
    "xz -9e --check=crc32": (["xz", "-9e", "--check=crc32", "-T1"], ["xz", "-dc"]),
    "zstd -19": (["zstd", "-19", "-q"], ["zstd", "-dcq"]),
    "gzip -9": (["gzip", "-9n"], ["gzip", "-dc"]),
    "lz4 -l -9": (["lz4", "-l", "-9", "-q"], ["lz4", "-dcq"]),
}
UNPACK_RUNS = 5
BUDGET = 3 * 1024 * 1024  # issue 2: the compressed initramfs stays within 3 MiB


# Issue 14's volume tools: what each adds to the zstd image (links included).
LVM_LINKS = ["pvs", "vgs", "lvs", "pvscan", "vgscan", "lvscan", "vgchange", "lvchange",
             "pvdisplay", "vgdisplay", "lvdisplay"]
TOOLS = {
    "mdadm": ["usr/sbin/mdadm"],
    "cryptsetup (libcryptsetup, json-c, popt, libuuid, libblkid, argon2)": ["usr/sbin/cryptsetup"],
    "lvm2: `lvm` and its links": ["usr/sbin/lvm"] + [f"usr/sbin/{a}" for a in LVM_LINKS],
    "lvm2: `dmsetup`": ["usr/sbin/dmsetup"],
}


def cpio_bytes(without=()):
    files = subprocess.run(["find", ".", "-mindepth", "1"], cwd=ROOTFS, capture_output=True,
                           text=True, check=True).stdout.split()
    drop = {"./" + f for f in without}
    files = [f for f in files if f not in drop]
    return subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0", "--reproducible"],
                          cwd=ROOTFS, input=("\n".join(sorted(files)) + "\n").encode(),
                          capture_output=True, check=True).stdout


def unpack_seconds(cmd, data):
    """Median time to decompress on the host: a proxy for the kernel's unpacking."""
    times = []
    for _ in range(UNPACK_RUNS):
        start = time.monotonic()
        subprocess.run(cmd, input=data, capture_output=True, check=True)
        times.append(time.monotonic() - start)
    return statistics.median(times)


def biggest_files(n=8):
    sizes = []
    for d, _, files in os.walk(ROOTFS):
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                sizes.append((os.path.getsize(p), os.path.relpath(p, ROOTFS)))
    return sorted(sizes, reverse=True)[:n]


def zstd_size(data):
    return len(subprocess.run(["zstd", "-19", "-q"], input=data, capture_output=True,
                              check=True).stdout)


def tool_deltas():
    present = {name: paths for name, paths in TOOLS.items()
               if os.path.exists(os.path.join(ROOTFS, paths[0]))}
    if not present:
        return
    full = zstd_size(cpio_bytes())
    print("What the volume tools add (issue 14), each measured by leaving it out of the zstd -19 image:\n")
    print("| tool | binary KiB | zstd image delta, KiB |")
    print("|---|---|---|")
    total = []
    for name, paths in present.items():
        total += paths
        delta = full - zstd_size(cpio_bytes(paths))
        print(f"| {name} | {os.path.getsize(os.path.join(ROOTFS, paths[0])) / 1024:.0f} | {delta / 1024:.0f} |")
    delta = full - zstd_size(cpio_bytes(total))
    print(f"| **all of them** | | **{delta / 1024:.0f}** |")
    print()


def main():
    raw = cpio_bytes()
    print("## Image size\n")
    print(f"Kernel `kboot.bzImage`: {os.path.getsize(KERNEL) / 1024:.0f} KiB.\n")
    print("| initramfs | bytes | KiB | ratio to the cpio | within 3 MiB | host unpack, ms |")
    print("|---|---|---|---|---|---|")
    print(f"| cpio, uncompressed (baseline) | {len(raw)} | {len(raw) / 1024:.0f} | 1.000 | {'yes' if len(raw) <= BUDGET else 'no'} | |")
    for name, (pack, unpack) in COMPRESSORS.items():
        out = subprocess.run(pack, input=raw, capture_output=True, check=True).stdout
        ms = unpack_seconds(unpack, out) * 1000
        print(f"| {name} | {len(out)} | {len(out) / 1024:.0f} | {len(out) / len(raw):.3f} | {'yes' if len(out) <= BUDGET else 'no'} | {ms:.0f} |")
    print("\nLargest files in the initramfs:\n")
    print("| file | KiB |")
    print("|---|---|")
    for size, path in biggest_files():
        print(f"| `{path}` | {size / 1024:.0f} |")
    print()
    tool_deltas()


if __name__ == "__main__":
    main()
