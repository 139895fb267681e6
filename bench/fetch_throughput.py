"""HTTP download throughput into kboot's fetch cache (kb_fetch, the host
build) for a 256 MiB file from a loopback server, against the curl command
line tool fetching the same file to /dev/shm in the same run (issue 6: goal
at least 0.9x). Both write to tmpfs; runs alternate; the median counts."""
import os
import shutil
import statistics
import subprocess
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SIZE = 256 * 1024 * 1024
RUNS = 7

DRIVER = r"""
#include "kboot-core/fetch.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct kb_fetch_request req = { .url = argv[1], .refresh = true };
	char path[4096];
	kb_error err = { 0 };
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int r = kb_fetch(&req, path, sizeof(path), &err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (r < 0) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	unlink(path);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
"""

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_driver(work):
    subprocess.run(["make", "-s", "build/host/libkboot-core.a"], cwd=REPO, check=True)
    src = os.path.join(work, "fetch-bench.c")
    with open(src, "w") as f:
        f.write(DRIVER)
    libs = subprocess.run(["pkg-config", "--libs", "mount", "blkid", "libcurl"], check=True,
                          capture_output=True, text=True).stdout.split()
    binary = os.path.join(work, "fetch-bench")
    subprocess.run(["gcc", "-O2", "-std=gnu11", "-I", REPO, src,
                    os.path.join(REPO, "build/host/libkboot-core.a"), *libs, "-lpthread",
                    "-o", binary], check=True)
    return binary


def start_server(work, root):
    port = free_port()
    if shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"):
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=work, port=port, root=root))
        proc = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-p", work],
                                stderr=subprocess.DEVNULL)
        name = "nginx (sendfile)"
    else:
        proc = subprocess.Popen(["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
                                 str(port)], cwd=root, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        name = "python3 http.server"
    for _ in range(100):
        if subprocess.run(["curl", "-sfo", "/dev/null", f"http://127.0.0.1:{port}/"],
                          capture_output=True).returncode in (0, 22):
            break
        time.sleep(0.05)
    return proc, port, name


def main():
    work = tempfile.mkdtemp(prefix="kboot-fetch-bench-", dir="/dev/shm")
    proc = None
    try:
        os.chmod(work, 0o755)  # nginx workers run as nobody
        root = os.path.join(work, "www")
        os.makedirs(root)
        with open(os.path.join(root, "big.bin"), "wb") as f:
            f.write(os.urandom(1024 * 1024) * (SIZE // (1024 * 1024)))
        driver = build_driver(work)
        proc, port, server = start_server(work, root)
        url = f"http://127.0.0.1:{port}/big.bin"
        env = dict(os.environ, KBOOT_RUN_DIR=os.path.join(work, "run"))
        out = os.path.join(work, "curl-out.bin")
        kboot, cli = [], []
        for _ in range(RUNS):
            r = subprocess.run([driver, url], env=env, capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"kb_fetch failed: {r.stderr.strip()}")
            kboot.append(float(r.stdout))
            start = time.monotonic()
            subprocess.run(["curl", "-sf", "-o", out, url], check=True)
            cli.append(time.monotonic() - start)
            os.unlink(out)
        mib = SIZE / (1024 * 1024)
        k, c = statistics.median(kboot), statistics.median(cli)
        # Each pair ran back to back: its ratio is least touched by other load.
        ratio = statistics.median(ci / ki for ci, ki in zip(cli, kboot))
        print("## URL fetch throughput (HTTP, loopback)\n")
        print(f"A {mib:.0f} MiB file from {server} on 127.0.0.1, into tmpfs; median of {RUNS} "
              "alternating runs; the ratio is the median of the pairs' ratios.\n")
        print("| client | seconds | MiB/s | ratio to curl |")
        print("|---|---|---|---|")
        print(f"| `curl -o /dev/shm/…` (baseline) | {c:.3f} | {mib / c:.0f} | 1.00 |")
        print(f"| kb_fetch into <run_dir>/cache | {k:.3f} | {mib / k:.0f} | {ratio:.2f} |")
        print()
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
