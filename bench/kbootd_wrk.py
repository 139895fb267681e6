"""kbootd throughput (issue 4): GET /api/v1/entries with wrk at 16
connections against the host kbootd (Bearer token), and, in the same run,
nginx serving the same JSON bytes as a static file; kbootd's RSS idle and
under that load; the UI's total transfer size gzipped."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))
from kbootd_host import Kbootd, free_port, server_limit  # noqa: E402

WEBROOT = REPO / "webroot"
CONNECTIONS = 16
THREADS = 2
DURATION_S = 10
GOAL = 0.5             # kbootd at least half of nginx's requests/s
UI_BUDGET = 60 * 1024  # issue 4: the UI transfers at most 60 KiB gzipped
RSS_SAMPLE_S = 0.1
START_WAIT_S = 20

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes auto;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        location = /api/v1/entries {{ default_type application/json; }}
    }}
}}
"""


def wrk(url, headers=()):
    cmd = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", "%ds" % DURATION_S, "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p99_ms": p99_ms, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(1) if errors else "none"}


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def under_load(pid, fn):
    """Run fn() while sampling pid's RSS; returns (fn's result, peak RSS KiB)."""
    peak = [rss_kib(pid)]
    done = threading.Event()

    def sample():
        while not done.wait(RSS_SAMPLE_S):
            peak[0] = max(peak[0], rss_kib(pid))
    t = threading.Thread(target=sample)
    t.start()
    try:
        return fn(), peak[0]
    finally:
        done.set()
        t.join()


def start_nginx(tmp, body):
    www = tmp / "www" / "api" / "v1"
    www.mkdir(parents=True)
    (www / "entries").write_bytes(body)
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read the 0700 temp dir
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=port, user=user))
    proc = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d/api/v1/entries" % port
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).content == body:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("nginx did not start: " + (tmp / "error.log").read_text())


def ui_files():
    """Every file the UI loads, from its two pages: stylesheets, scripts and
    the modules they import."""
    todo, seen = ["index.html", "login.html"], []
    while todo:
        name = todo.pop()
        if name in seen or not (WEBROOT / name).is_file():
            continue
        seen.append(name)
        text = (WEBROOT / name).read_text()
        refs = re.findall(r'(?:src|href)="(?:\./)?([\w.-]+\.(?:js|css))"', text)
        refs += re.findall(r"""(?:import|from)\s*['"]\./([\w.-]+\.js)['"]""", text)
        todo += refs
    return sorted(seen)


def gzip9(path):
    return len(subprocess.run(["gzip", "-9n", "-c", str(path)], capture_output=True, check=True).stdout)


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit("kbootd_wrk: %s is not installed (Debian: wrk, nginx-light)" % tool)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="kboot-bench-wrk-"))
    kbootd = nginx = None
    try:
        kbootd = Kbootd(tmp / "kbootd").start()
        token = kbootd.login()
        auth = "Authorization: Bearer " + token
        body = requests.get(kbootd.url("/entries"), headers={"Authorization": "Bearer " + token},
                            timeout=10).content
        nginx, nginx_url = start_nginx(tmp / "nginx", body)

        time.sleep(1)  # settle after start-up before the idle sample
        idle = rss_kib(kbootd.proc.pid)
        k, loaded = under_load(kbootd.proc.pid, lambda: wrk(kbootd.url("/entries"), [auth]))
        n = wrk(nginx_url)
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(10)
        if kbootd:
            kbootd.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    ratio = k["rps"] / n["rps"]
    files = ui_files()
    sizes = {f: gzip9(WEBROOT / f) for f in files}
    raw = {f: (WEBROOT / f).stat().st_size for f in files}
    total = sum(sizes.values())

    print("## kbootd throughput\n")
    print("`GET /api/v1/entries` (%d bytes of JSON, %d entries), wrk %s, %d connections, %d threads, %d s, "
          "on this machine's %d cores. kbootd: build/host/kbootd with a Bearer token (civetweb, %d worker "
          "threads). nginx: Debian's nginx-light, `worker_processes auto`, the same bytes as a static file, "
          "no authentication.\n"
          % (len(body), body.count(b'"id"'), wrk_version(), CONNECTIONS, THREADS, DURATION_S,
             os.cpu_count(), server_limit("KBD_SSE_CLIENTS_MAX") + server_limit("KBD_THREADS_HEADROOM")))
    print("| server | requests/s | p99 latency | non-2xx | socket errors |")
    print("|---|---:|---:|---:|---|")
    print("| kbootd | %.0f | %.2f ms | %d | %s |" % (k["rps"], k["p99_ms"], k["non2xx"], k["errors"]))
    print("| nginx (baseline) | %.0f | %.2f ms | %d | %s |" % (n["rps"], n["p99_ms"], n["non2xx"], n["errors"]))
    print()
    print("kbootd / nginx: **%.2f×** (goal ≥ %.1f×: %s).\n" % (ratio, GOAL, "met" if ratio >= GOAL else "NOT met"))
    print("kbootd's RSS (VmRSS): %d KiB idle, %d KiB at most under that load.\n" % (idle, loaded))
    print("The UI's transfer size, every file its pages load, each `gzip -9` (civetweb serves the "
          "pre-gzipped copies the image carries):\n")
    print("| file | bytes | gzip -9 |")
    print("|---|---:|---:|")
    for f in files:
        print("| %s | %d | %d |" % (f, raw[f], sizes[f]))
    print("| **total** | %d | **%d** (%.1f KiB; budget %d KiB: %s) |\n"
          % (sum(raw.values()), total, total / 1024, UI_BUDGET // 1024, "met" if total <= UI_BUDGET else "NOT met"))


def wrk_version():
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    m = re.search(r"wrk (?:debian/)?([\w.+-]+)", out)  # "wrk debian/4.1.0-3+b2 [epoll] ..."
    return m.group(1) if m else "(version unknown)"


if __name__ == "__main__":
    main()
