"""TFTP throughput, with and without a negotiated block size (issue 6): a
32 MiB file from tftpd-hpa on 127.0.0.1 (run in the foreground on a free
port, serving a temp dir), fetched by the curl command-line tool with plain
RFC 1350 512-byte blocks (--tftp-no-options, the baseline) and with blksize
1468 (a full Ethernet frame) and 8192, and by kboot's kb_fetch (the host
build), which asks for what fetch.c sets. Runs alternate; medians count."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from fetch_throughput import build_driver, free_port  # noqa: E402

SIZE = 32 * 1024 * 1024
RUNS = 3
TFTPD = "/usr/sbin/in.tftpd"

CLIENTS = [
    ("`curl --tftp-no-options` (512-byte blocks, baseline)", ["--tftp-no-options"]),
    ("`curl --tftp-blksize 1468`", ["--tftp-blksize", "1468"]),
    ("`curl --tftp-blksize 8192`", ["--tftp-blksize", "8192"]),
]


def start_tftpd(root):
    port = free_port()
    # -L: stay in the foreground; -u: the user it drops to (root when we are root).
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    proc = subprocess.Popen([TFTPD, "-L", "-u", user, "-a", f"127.0.0.1:{port}", "-s", root],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = os.path.join(root, "probe")
    with open(probe, "w") as f:
        f.write("x")
    for _ in range(100):
        if subprocess.run(["curl", "-sf", "-o", "/dev/null", f"tftp://127.0.0.1:{port}/probe"],
                          capture_output=True).returncode == 0:
            return proc, port
        time.sleep(0.05)
    proc.terminate()
    raise SystemExit("tftpd-hpa did not answer")


def timed(args):
    start = time.monotonic()
    subprocess.run(args, check=True)
    return time.monotonic() - start


def main():
    if not os.path.exists(TFTPD):
        print("## TFTP throughput\n\nSkipped: tftpd-hpa is not installed (`make deps`).\n")
        return
    work = tempfile.mkdtemp(prefix="kboot-tftp-bench-", dir="/dev/shm")
    proc = None
    try:
        os.chmod(work, 0o755)
        root = os.path.join(work, "tftp")
        os.makedirs(root)
        with open(os.path.join(root, "big.bin"), "wb") as f:
            f.write(os.urandom(1024 * 1024) * (SIZE // (1024 * 1024)))
        driver = build_driver(work)
        proc, port = start_tftpd(root)
        url = f"tftp://127.0.0.1:{port}/big.bin"
        out = os.path.join(work, "out.bin")
        env = dict(os.environ, KBOOT_RUN_DIR=os.path.join(work, "run"))
        times = {name: [] for name, _ in CLIENTS}
        times["kb_fetch"] = []
        for _ in range(RUNS):
            for name, opts in CLIENTS:
                times[name].append(timed(["curl", "-sf", *opts, "-o", out, url]))
                if os.path.getsize(out) != SIZE:
                    raise SystemExit(f"{name}: short file")
                os.unlink(out)
            r = subprocess.run([driver, url], env=env, capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"kb_fetch failed: {r.stderr.strip()}")
            times["kb_fetch"].append(float(r.stdout))
        mib = SIZE / (1024 * 1024)
        base = statistics.median(times[CLIENTS[0][0]])
        print("## TFTP throughput\n")
        print(f"A {mib:.0f} MiB file from tftpd-hpa on 127.0.0.1 into tmpfs; median of {RUNS} "
              "alternating runs. Each 512-byte block is one round trip, so the block size "
              "decides the speed.\n")
        print("| client | seconds | MiB/s | ratio to 512-byte blocks |")
        print("|---|---|---|---|")
        for name in [n for n, _ in CLIENTS] + ["kb_fetch"]:
            t = statistics.median(times[name])
            label = "kb_fetch into <run_dir>/cache" if name == "kb_fetch" else name
            print(f"| {label} | {t:.3f} | {mib / t:.1f} | {base / t:.2f} |")
        print()
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
