"""Booting the target from the network, in QEMU: the kernel and initrd come
from real servers on 127.0.0.1 (HTTP, HTTPS with a test CA, QEMU's TFTP,
FTP), which the guest reaches at 10.0.2.2. Failures show a message a person
can act on, at the console and in the API, and leave no partial file."""
import os
import re
import sys

import pytest
import requests

from net_servers import GUEST_HOST_IP as HOST, HTTPS_NAME, ftp_server, http_server, make_test_ca
from qemu import REPO

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import demo  # noqa: E402

# pyftpdlib 1.5 imports asyncore and spwd, which Python 3.11 calls deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PROMPT = r"kboot> "
BANNER = r"KBOOT-DEMO-TARGET: .* is running"
# No disks: nothing to discover, so no countdown; the image's network=dhcp.
LOCAL = {"append": "kboot=local", "disks": []}


@pytest.fixture(scope="module")
def served(kboot_image, tmp_path_factory):
    """The demo target's vmlinuz and initrd.img, on HTTP, HTTPS and FTP."""
    root = tmp_path_factory.mktemp("served")
    files = root / "files"
    demo.write_target_files(str(files), kboot_image[0])
    ca, cert, key = make_test_ca(str(root))
    servers = {
        "http": http_server(str(files)),
        "https": http_server(str(files), cert, key),
        "ftp": ftp_server(str(files)),
    }
    yield {"dir": str(files), "ca": ca, **servers}
    for s in servers.values():
        s.stop()


def image_ca_bundle():
    for path in (os.path.join(REPO, "build/rootfs/etc/ssl/certs/ca-certificates.crt"),
                 "/etc/ssl/certs/ca-certificates.crt"):
        if os.path.exists(path):
            with open(path) as f:
                return f.read()
    return ""


def https_files(ca):
    """The image's CA bundle plus the test CA, and the test name at 10.0.2.2."""
    with open(ca) as f:
        bundle = image_ca_bundle() + f.read()
    return {"etc/ssl/certs/ca-certificates.crt": bundle,
            "etc/hosts": f"127.0.0.1\tlocalhost\n{HOST}\t{HTTPS_NAME}\n"}


def password(vm):
    """kbootd's one-time password, once kbootd answers."""
    pw = vm.expect_one_time_password()
    vm.wait_http("/api/v1/status")
    return pw


def boot_line(base, tag):
    return f"{base}/vmlinuz initrd={base}/initrd.img console=ttyS0 from={tag}"


def expect_target(vm, tag):
    vm.expect(BANNER)
    line = vm.expect(r"TARGET-CMDLINE: ([^\r\n]*)\r*\n").group(1)
    assert line.strip() == f"console=ttyS0 from={tag}"


def api_boot(vm, pw, kernel, initrd, tag):
    return requests.post(vm.url + "/api/v1/boot", auth=("admin", pw), timeout=60,
                         json={"kernel": kernel, "initrd": [initrd],
                               "cmdline": f"console=ttyS0 from={tag}"})


def test_boot_from_http_typed_at_console(boot_vm, served):
    vm = boot_vm(**LOCAL)
    vm.expect(PROMPT)
    vm.sendline(boot_line(f"http://{HOST}:{served['http'].port}", "http"))
    expect_target(vm, "http")


def test_boot_from_http_through_the_api(boot_vm, served):
    vm = boot_vm(**LOCAL)
    pw = password(vm)
    base = f"http://{HOST}:{served['http'].port}"
    r = api_boot(vm, pw, f"{base}/vmlinuz", f"{base}/initrd.img", "http-api")
    assert r.status_code == 202, r.text
    expect_target(vm, "http-api")


def test_boot_from_https_with_the_image_ca_bundle(boot_vm, served):
    vm = boot_vm(files=https_files(served["ca"]), **LOCAL)
    pw = password(vm)
    base = f"https://{HTTPS_NAME}:{served['https'].port}"
    r = api_boot(vm, pw, f"{base}/vmlinuz", f"{base}/initrd.img", "https")
    assert r.status_code == 202, r.text
    expect_target(vm, "https")


def test_boot_from_tftp_typed_at_console(boot_vm, served):
    vm = boot_vm(nic_opts=f"tftp={served['dir']}", **LOCAL)
    vm.expect(PROMPT)
    vm.sendline(boot_line(f"tftp://{HOST}", "tftp"))
    expect_target(vm, "tftp")


def test_boot_from_ftp_through_the_api(boot_vm, served):
    vm = boot_vm(**LOCAL)
    pw = password(vm)
    base = f"ftp://{HOST}:{served['ftp'].port}"
    r = api_boot(vm, pw, f"{base}/vmlinuz", f"{base}/initrd.img", "ftp")
    assert r.status_code == 202, r.text
    expect_target(vm, "ftp")


def test_failed_fetches_say_why_and_leave_no_partial_file(boot_vm, served, tmp_path):
    tftp_dir = tmp_path / "tftp-empty"
    tftp_dir.mkdir()
    # The test name resolves, but the image does not trust the test CA.
    hosts = {"etc/hosts": https_files(served["ca"])["etc/hosts"]}
    vm = boot_vm(nic_opts=f"tftp={tftp_dir}", files=hosts, **LOCAL)
    pw = password(vm)
    vm.expect(PROMPT)
    http = f"http://{HOST}:{served['http'].port}"
    https = f"https://{HTTPS_NAME}:{served['https'].port}"
    closed = f"http://{HOST}:1"
    failures = [
        (f"{http}/no-such-kernel", re.escape(f"{http}/no-such-kernel: 404 Not Found")),
        (f"{closed}/vmlinuz", re.escape(f"{closed}/vmlinuz: connection refused")),
        (f"tftp://{HOST}/vmlinuz", re.escape(f"tftp://{HOST}/vmlinuz: file not found (TFTP error 1)")),
        (f"{http}/cut/vmlinuz",
         re.escape(f"{http}/cut/vmlinuz: the server closed the connection after ") + r"[\d.]+ MiB of [\d.]+ MiB"),
        ("http://nohost/vmlinuz", re.escape("http://nohost/vmlinuz: unknown host nohost")),
        (f"{https}/vmlinuz", re.escape(f"{https}/vmlinuz: the server's certificate is not trusted")),
    ]
    for kernel, message in failures:
        vm.sendline(f"{kernel} console=ttyS0")
        vm.expect(message)
        vm.expect(PROMPT)

    # The API says the same, as a 4xx with the sentence.
    r = api_boot(vm, pw, f"{http}/cut/vmlinuz", f"{http}/initrd.img", "cut")
    assert 400 <= r.status_code < 500
    error = r.json()["error"]
    assert re.match(re.escape(f"{http}/cut/vmlinuz: the server closed the connection after"),
                    error["message"])

    # Nothing half-written is left in the RAM cache, and the UI still answers.
    r = requests.get(vm.url + "/api/v1/files", params={"path": "//run/kboot/cache"},
                     auth=("admin", pw), timeout=30)
    if r.status_code == 200:
        names = [e["name"] for e in r.json().get("entries", [])]
        assert not [n for n in names if "part" in n], names
    else:
        assert r.status_code == 404, r.text  # no cache directory at all: nothing left either


def test_dhcp_shown_by_the_api_and_a_static_address_takes_effect_at_once(boot_vm):
    from qemu import free_port
    static_port = free_port()  # kbootd again, once the guest is 10.0.2.50
    vm = boot_vm(nic_opts=f"hostfwd=tcp:127.0.0.1:{static_port}-10.0.2.50:80", **LOCAL)
    auth = ("admin", password(vm))
    net = requests.get(vm.url + "/api/v1/network", auth=auth, timeout=30).json()
    eth0 = next(i for i in net["interfaces"] if i["name"] == "eth0")
    assert eth0["mode"] == "dhcp"
    assert "10.0.2.15/24" in eth0["addresses"]
    assert eth0["dhcp"]["address"] == "10.0.2.15"
    assert net["dns"] == ["10.0.2.3"]
    assert {"destination": "default", "gateway": "10.0.2.2", "interface": "eth0"}.items() <= \
        next(r for r in net["routes"] if r["destination"] == "default").items()

    bad = requests.put(vm.url + "/api/v1/network", auth=auth, timeout=30,
                       json={"mode": "static", "interface": "eth9", "address": "10.0.2.50/24"})
    assert bad.status_code == 404
    assert bad.json()["error"]["message"] == "eth9: no such network interface"

    static = {"mode": "static", "interface": "eth0", "address": "10.0.2.50/24",
              "gateway": "10.0.2.2", "dns": ["10.0.2.3"]}
    try:  # the answer may be lost with the old address
        requests.put(vm.url + "/api/v1/network", auth=auth, json=static, timeout=10)
    except requests.RequestException:
        pass
    new_url = f"http://127.0.0.1:{static_port}"
    net = requests.get(new_url + "/api/v1/network", auth=auth, timeout=30).json()
    eth0 = next(i for i in net["interfaces"] if i["name"] == "eth0")
    assert eth0["mode"] == "static"
    assert eth0["addresses"][0] == "10.0.2.50/24"
    assert "10.0.2.15/24" not in eth0["addresses"]
    assert eth0["dhcp"] is None and not eth0["dhcp_client_running"]
    assert any(r["destination"] == "default" and r["gateway"] == "10.0.2.2" for r in net["routes"])


def test_a_static_network_with_comments_in_kboot_conf_is_applied(boot_vm):
    """kboot.conf's network lines are read by the core's own parser, comments
    and all (rcS once took "static # lab" for the value and fell back to
    DHCP), and applied once at start."""
    conf = ("timeout=-1\nnetwork=static   # the lab's fixed address\n"
            "address=10.0.2.15/24 # where QEMU forwards to\n"
            "gateway=10.0.2.2\ndns=10.0.2.3\nhostname=lab-node7 # the inventory's name\n")
    vm = boot_vm(files={"etc/kboot.conf": conf}, **LOCAL)
    auth = ("admin", password(vm))
    net = requests.get(vm.url + "/api/v1/network", auth=auth, timeout=30).json()
    eth0 = next(i for i in net["interfaces"] if i["name"] == "eth0")
    assert eth0["mode"] == "static", eth0
    assert eth0["addresses"][0] == "10.0.2.15/24"
    assert eth0["dhcp"] is None and not eth0["dhcp_client_running"]
    assert net["hostname"] == "lab-node7"
    assert net["dns"] == ["10.0.2.3"]


def test_a_network_setting_only_the_targets_kboot_conf_has_is_applied(boot_vm, kboot_image, tmp_path):
    """The network is set up from the final config: after the paper's config
    update took the target's kboot.conf (§3.5), not from the image's alone."""
    disk = tmp_path / "target.img"
    demo.build(str(disk), kboot_image[0], kboot_conf="timeout=-1\nhostname=from-the-target\n")
    vm = boot_vm(disks=[str(disk)])
    auth = ("admin", password(vm))
    net = requests.get(vm.url + "/api/v1/network", auth=auth, timeout=30).json()
    assert net["hostname"] == "from-the-target"
    eth0 = next(i for i in net["interfaces"] if i["name"] == "eth0")
    assert eth0["mode"] == "dhcp" and eth0["dhcp"]["address"] == "10.0.2.15"


@pytest.fixture(scope="module")
def nfs_export(served, tmp_path_factory):
    """The demo target's files as 10.0.2.2:/export (nfs-ganesha, NFSv4)."""
    from net_servers import nfs_server
    server = nfs_server(served["dir"], str(tmp_path_factory.mktemp("ganesha")))
    yield "/export"
    server.stop()


def test_boot_from_nfs_typed_at_console(boot_vm, nfs_export):
    vm = boot_vm(**LOCAL)
    vm.expect(PROMPT)
    vm.sendline(boot_line(f"{HOST}:{nfs_export}", "nfs"))
    expect_target(vm, "nfs")


def test_nfs_export_that_does_not_exist_says_so(boot_vm, nfs_export):
    vm = boot_vm(**LOCAL)
    vm.expect(PROMPT)
    vm.sendline(f"ls {HOST}:{nfs_export}")
    vm.expect(r"initrd\.img")
    vm.expect(PROMPT)
    vm.sendline(f"{HOST}:/nosuch/vmlinuz console=ttyS0")
    vm.expect(re.escape(f"{HOST}:/nosuch/vmlinuz: the server {HOST} has no export /nosuch"))
    vm.expect(PROMPT)


def test_download_progress_and_cancel_at_console_and_in_the_api(boot_vm, served):
    import threading
    from console_vm import send_interrupt
    vm = boot_vm(**LOCAL)
    auth = ("admin", password(vm))
    vm.expect(PROMPT)
    slow = f"http://{HOST}:{served['http'].port}/slow/vmlinuz"
    vm.sendline(f"{slow} console=ttyS0")
    # One line, rewritten in place, from kbootd's progress events.
    vm.expect(re.escape(f"fetching {slow}: ") + r"[\d.]+ (bytes|KiB|MiB) of [\d.]+ MiB")
    send_interrupt(vm)
    vm.expect(re.escape(f"{slow}: cancelled after"))
    vm.expect(PROMPT)

    # The API: a boot waiting for its download, and POST /boot/cancel.
    answer = {}

    def boot():
        answer["r"] = requests.post(vm.url + "/api/v1/boot", auth=auth, timeout=120,
                                    json={"kernel": slow, "cmdline": "console=ttyS0"})
    t = threading.Thread(target=boot)
    t.start()
    cancelled = None
    while t.is_alive():  # 409 until the download has started
        cancelled = requests.post(vm.url + "/api/v1/boot/cancel", auth=auth, timeout=30)
        if cancelled.status_code == 200:
            break
    t.join()
    assert cancelled is not None and cancelled.status_code == 200, cancelled and cancelled.text
    # Cancelled on request: 409 cancelled, not a failure to load.
    assert answer["r"].status_code == 409 and answer["r"].json()["error"]["code"] == "cancelled"
    assert re.match(re.escape(f"{slow}: cancelled after"), answer["r"].json()["error"]["message"])
    r = requests.get(vm.url + "/api/v1/files", params={"path": "//run/kboot/cache"},
                     auth=auth, timeout=30)
    assert r.status_code in (200, 404), r.text
    names = [e["name"] for e in r.json().get("entries", [])] if r.status_code == 200 else []
    assert not [n for n in names if "part" in n], names
    nothing = requests.post(vm.url + "/api/v1/boot/cancel", auth=auth, timeout=30)
    assert nothing.status_code == 409
    assert nothing.json()["error"]["message"] == "no download is under way"


def test_insecure_https_boot_typed_at_console(boot_vm, served):
    # The name resolves, but the image does not trust the test CA: only
    # "insecure" gets the kernel.
    hosts = {"etc/hosts": https_files(served["ca"])["etc/hosts"]}
    vm = boot_vm(files=hosts, **LOCAL)
    vm.expect(PROMPT)
    base = f"https://{HTTPS_NAME}:{served['https'].port}"
    vm.sendline("insecure " + boot_line(base, "insecure"))
    vm.expect("insecure: the server's certificate is not checked")
    expect_target(vm, "insecure")


def test_net_command_shows_and_changes_the_network(boot_vm):
    vm = boot_vm(**LOCAL)
    vm.expect(PROMPT)
    vm.sendline("net")
    vm.expect(r"eth0: up, link, mac [0-9a-f:]+, mtu \d+, dhcp")
    vm.expect(r"inet  10\.0\.2\.15/24")
    vm.expect(r"lease: address 10\.0\.2\.15, router 10\.0\.2\.2")
    vm.expect(r"route default via 10\.0\.2\.2 dev eth0")
    vm.expect(r"dns 10\.0\.2\.3")
    vm.expect(PROMPT)
    vm.sendline("net static eth0 10.0.2.60/24 10.0.2.2 10.0.2.3")
    vm.expect(r"eth0: up, link, mac [0-9a-f:]+, mtu \d+, static\r*\n")
    vm.expect(r"inet  10\.0\.2\.60/24")
    vm.expect(PROMPT)
    vm.sendline("net static eth9 10.0.2.61/24")
    vm.expect("eth9: no such network interface")
    vm.expect(PROMPT)
