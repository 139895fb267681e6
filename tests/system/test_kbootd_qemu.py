"""kbootd in the booted image, end to end (issue 4): a boot started from the
browser and one started with curl each reach the target's banner with the
command line chosen; the API reports the target's entries and kernel; with a
certificate in the config, or one made at start (tls=auto), HTTPS."""
import hashlib
import json
import re
import shutil
import socket
import ssl
import subprocess
import time

import pytest
import requests

import raw_http
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from kbootd_browser import chromium, chromium_available
from qemu import BOOT_TIMEOUT, free_port

UI_WAIT_S = 60        # a bound for the UI under TCG, never asserted on
HANDOVER_WAIT_S = 10  # kboot waits KB_HANDOVER_DELAY_MS before kexec -e; a bound
CURL_WAIT_S = 60
BANNER = r"KBOOT-DEMO-TARGET: .* is running"
TARGET_CMDLINE = r"TARGET-CMDLINE: ([^\r\n]*)\r*\n"


def api_get(vm, password, route):
    r = requests.get(vm.url + "/api/v1" + route, auth=("admin", password), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def demo_entry(entries):
    """The demo target's kboot.conf label `demo` (its default)."""
    found = [e for e in entries if e["title"] == "demo"]
    assert len(found) == 1, "no single entry titled 'demo' in %r" % [e["title"] for e in entries]
    return found[0]


def target_cmdline(vm):
    vm.expect(BANNER)
    return vm.expect(TARGET_CMDLINE).group(1).strip()


@pytest.fixture
def browser():
    if not chromium_available():
        pytest.skip("chromium and chromium-driver are not installed")
    with chromium() as driver:
        yield driver


def test_boot_from_browser(browser, boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    password = vm.expect_one_time_password()
    vm.wait_http("/login.html")
    wait = WebDriverWait(browser, UI_WAIT_S)

    def visible(css):
        return wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    # Log in with the password the console showed.
    browser.get(vm.url + "/")
    visible("#login-password").send_keys(password, Keys.ENTER)
    visible("#entries li")

    # Stop the countdown.
    visible("#countdown")
    browser.find_element(By.ID, "countdown-stop").click()
    wait.until(EC.invisibility_of_element_located((By.ID, "countdown")))
    wait.until(EC.text_to_be_present_in_element((By.ID, "state"), "idle"))

    # Pick the demo entry and edit its command line.
    title_of = "return arguments[0].querySelector('.title').firstChild.textContent"
    rows = [li for li in browser.find_elements(By.CSS_SELECTOR, "#entries li")
            if browser.execute_script(title_of, li) == "demo"]
    assert len(rows) == 1, [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#entries li")]
    rows[0].find_element(By.CSS_SELECTOR, ".entry-edit").click()
    field = browser.find_element(By.ID, "boot-cmdline")
    original = field.get_attribute("value")
    assert "entry=label" in original
    field.send_keys(" from=browser")
    edited = field.get_attribute("value")
    assert edited == original + " from=browser"
    kernel = browser.find_element(By.ID, "boot-kernel").get_attribute("value")
    assert kernel.startswith("/boot/vmlinuz-")
    assert not browser.find_element(By.ID, "boot-dry-run").is_selected()

    # Boot: the page says it hands over before the machine does.
    browser.find_element(By.ID, "boot-submit").click()
    WebDriverWait(browser, HANDOVER_WAIT_S).until(
        EC.text_to_be_present_in_element((By.ID, "handover"), "Handing over to " + kernel))
    assert browser.find_element(By.ID, "handover").is_displayed()

    line = target_cmdline(vm)
    assert line.endswith(edited), f"target got {line!r}, the browser sent {edited!r}"


def curl(vm, password, *args):
    """The literal curl command line of the README; returns (status, body)."""
    cmd = ["curl", "-sS", "--max-time", str(CURL_WAIT_S), "-u", "admin:" + password,
           "-w", "\n%{http_code}", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=CURL_WAIT_S + 10).stdout
    body, _, status = out.rpartition("\n")
    return int(status), body


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
def test_boot_with_curl(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    password = vm.expect_one_time_password()
    vm.wait_http()

    status, body = curl(vm, password, vm.url + "/api/v1/entries")
    assert status == 200, body
    entry = demo_entry(json.loads(body)["entries"])
    cmdline = entry["cmdline"] + " from=curl"

    status, body = curl(vm, password, "-H", "Content-Type: application/json",
                        "-d", json.dumps({"entry": entry["id"], "cmdline": cmdline}),
                        vm.url + "/api/v1/boot")
    assert status == 202, body
    assert json.loads(body)["plan"]["cmdline"] == cmdline

    line = target_cmdline(vm)
    assert line.endswith(cmdline), f"target got {line!r}, curl sent {cmdline!r}"


def test_api_reports_the_targets_entries_and_kernel(boot_vm, demo_disk):
    ver = demo_disk["version"]
    vm = boot_vm(disks=[demo_disk["path"]])
    password = vm.expect_one_time_password()
    vm.wait_http()

    entries = api_get(vm, password, "/entries")["entries"]
    demo = demo_entry(entries)
    assert demo["default"] is True
    assert demo["kernel"] == f"/boot/vmlinuz-{ver}"
    assert demo["initrd"] == [f"/boot/initrd.img-{ver}"]
    assert demo["cmdline"].endswith("entry=label")
    # grub.cfg and the BLS entry live on the /boot partition; kboot names
    # their files as the target sees them, through its fstab.
    for e in entries:
        assert e["kernel"].startswith("/boot/"), e
        assert all(i.startswith("/boot/") for i in e["initrd"]), e
    titles = " | ".join(e["title"] for e in entries)
    assert "(BLS)" in titles and "demo_quiet" in titles, titles

    listing = api_get(vm, password, "/files?path=/boot")
    assert listing["type"] == "directory"
    kernels = [f for f in listing["entries"] if f["name"] == f"vmlinuz-{ver}"]
    assert kernels and kernels[0]["kind"] == "kernel", listing
    kernel = api_get(vm, password, f"/files?path=/boot/vmlinuz-{ver}")
    assert kernel["kind"] == "kernel"
    assert kernel["version"] and kernel["version"].startswith(ver), kernel
    assert re.match(r"\d+\.\d+", kernel["version"])


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed")
def test_tls_with_a_certificate_in_the_config(boot_vm, demo_disk, tmp_path):
    """With /etc/kboot/tls.pem, kbootd serves HTTPS on 443 and port 80
    redirects there; the password still guards everything."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=kboot.test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    tls_port = free_port()
    vm = boot_vm(disks=[demo_disk["path"]], nic_opts=f"hostfwd=tcp:127.0.0.1:{tls_port}-:443",
                 files={"etc/kboot/tls.pem": key.read_text() + cert.read_text()})
    password = vm.expect_one_time_password()
    https = f"https://127.0.0.1:{tls_port}"

    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:  # a bounded wait for the listener, not an assertion
        try:
            r = requests.get(https + "/api/v1/status", verify=str(cert), timeout=10)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or not vm.alive():
                raise
            time.sleep(0.5)
    assert r.status_code == 401
    r = requests.get(https + "/api/v1/status", auth=("admin", password), verify=str(cert), timeout=10)
    assert r.status_code == 200 and r.json()["state"] in ("countdown", "idle")
    assert requests.get(https + "/login.html", verify=str(cert), timeout=10).status_code == 200

    r = requests.get(vm.url + "/api/v1/entries?x=1", auth=("admin", password), allow_redirects=False, timeout=10)
    assert r.status_code in (301, 302, 307, 308), r.text
    # The same host as the client named it, so the certificate's name fits;
    # port 443 is the default. (QEMU forwards 443 elsewhere; that is ours.)
    assert r.headers["Location"] == "https://127.0.0.1/api/v1/entries?x=1"

    # The console is a client of kbootd over HTTPS now (kbootd.url names the
    # TLS port); dropped TLS connections leave no noise on the console.
    vm.expect(r"Booting '[^']+' in \d+ s")
    vm.send(" ")
    vm.expect(r"kboot> ")
    vm.sendline("entries")
    vm.expect(r"demo_quiet[\s\S]*kboot> ")
    assert "SSL read failed" not in vm.serial_log()


def tls_listener(port, vm):
    """The DER certificate the TLS port serves, once it listens (a bounded
    wait, not an assertion). Not verified here: it is checked by its hash."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                with ctx.wrap_socket(s) as t:
                    return t.getpeercert(binary_form=True)
        except (OSError, ssl.SSLError):
            if time.monotonic() > deadline or not vm.alive():
                raise
            time.sleep(0.5)


def test_tls_auto_serves_a_certificate_made_at_start(boot_vm, tmp_path):
    """kboot.conf tls=auto: kbootd makes a key and a self-signed certificate
    at start and prints its SHA-256 fingerprint on the console. The
    certificate served on 443 is that one, good for the machine's name and
    addresses; the API answers over HTTPS with the password and says the same
    fingerprint; plain HTTP redirects."""
    tls_port = free_port()
    vm = boot_vm(append="kboot=local", nic_opts=f"hostfwd=tcp:127.0.0.1:{tls_port}-:443",
                 files={"etc/kboot.conf": "tls=auto\ntimeout=-1\n"})
    password = vm.expect_one_time_password()
    printed = vm.expect(r"generated \(tls=auto\) certificate; SHA-256 fingerprint: ([0-9A-F:]+)\r*\n").group(1)

    der = tls_listener(tls_port, vm)
    served = ":".join("%02X" % b for b in hashlib.sha256(der).digest())
    assert served == printed

    # Trusting exactly that certificate, a client checks the name it was
    # reached by: 127.0.0.1 (the guest's loopback, where QEMU forwards to).
    cert = tmp_path / "kboot.pem"
    cert.write_text(ssl.DER_cert_to_PEM_cert(der))
    https = f"https://127.0.0.1:{tls_port}"
    assert requests.get(https + "/api/v1/status", verify=str(cert), timeout=10).status_code == 401
    r = requests.get(https + "/api/v1/status", auth=("admin", password), verify=str(cert), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["tls"] == {"fingerprint_sha256": printed, "generated": True}
    ctx = ssl.create_default_context(cafile=str(cert))
    with socket.create_connection(("127.0.0.1", tls_port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
            names = t.getpeercert()["subjectAltName"]
    assert ("DNS", "kboot") in names and ("IP Address", "127.0.0.1") in names, names

    r = requests.get(vm.url + "/api/v1/status", auth=("admin", password), allow_redirects=False, timeout=10)
    assert r.status_code == 308, r.text
    assert r.headers["Location"] == "https://127.0.0.1/api/v1/status"

    # The Location is made from the gate's checked path, never from decoded
    # text: an encoded CR LF in the path is refused, and one in the query
    # stays encoded, so neither can add a header (a cookie) or a body.
    port = int(vm.url.rsplit(":", 1)[1])
    r = raw_http.request(port, "GET", "/%0d%0aSet-Cookie:%20kboot_session=x")
    assert r.status == 400 and r.header("set-cookie") is None, r.raw
    r = raw_http.request(port, "GET", "/api/v1/status?a=%0d%0aSet-Cookie:x=1")
    assert r.status == 308 and r.header("set-cookie") is None, r.raw
    assert r.header("location") == "https://127.0.0.1/api/v1/status?a=%0d%0aSet-Cookie:x=1"
