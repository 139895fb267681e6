"""Build times of kboot's own code: `make image` after touching one .c file,
and a clean build of kboot (host and image objects removed; the cached
third-party builds and kernel stay), against `make image` with nothing
changed (the baseline: the initramfs is reassembled every time)."""
import os
import shutil
import statistics
import subprocess
import time

RUNS = 3


def timed(*targets):
    start = time.monotonic()
    subprocess.run(["make", "-s", *targets], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def median_of(prepare, *targets):
    times = []
    for _ in range(RUNS):
        prepare()
        times.append(timed(*targets))
    return statistics.median(times)


def main():
    timed("all", "image")
    nothing = median_of(lambda: None, "image")
    touched = median_of(lambda: os.utime("kboot-core/log.c"), "image")
    clean = median_of(lambda: [shutil.rmtree(d, ignore_errors=True)
                               for d in ("build/host", "build/musl")], "all", "image")
    print(f"## Build time (median of {RUNS})\n")
    print("| build | seconds | ratio to baseline |")
    print("|---|---|---|")
    print(f"| `make image`, nothing changed (baseline) | {nothing:.1f} | 1.00 |")
    print(f"| `make image` after touching kboot-core/log.c | {touched:.1f} | {touched / nothing:.2f} |")
    print(f"| `make all image` after removing build/host and build/musl | {clean:.1f} | {clean / nothing:.2f} |")
    print()
    print("A clean build of the third-party libraries and the kernel is measured once, not here "
          "(see bench/build.notes.md).\n")


if __name__ == "__main__":
    main()
