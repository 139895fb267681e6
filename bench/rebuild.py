"""Rebuild time of the image after touching one .c file, against a `make
image` with nothing changed (the baseline: cpio reassembly alone)."""
import os
import subprocess
import time


def timed(cmd):
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def main():
    timed(["make", "image"])
    nothing = timed(["make", "image"])
    os.utime("kboot-core/log.c")
    touched = timed(["make", "image"])
    print("## Build time\n")
    print("| build | seconds | ratio to baseline |")
    print("|---|---|---|")
    print(f"| `make image`, nothing changed (baseline) | {nothing:.1f} | 1.00 |")
    print(f"| `make image` after touching kboot-core/log.c | {touched:.1f} | {touched / nothing:.2f} |")
    print()


if __name__ == "__main__":
    main()
