"""The browser UI (issue 4) as a person uses it: Debian's chromium through
selenium, against the host kbootd over a fixture target tree."""
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from kbootd_browser import chromium, chromium_available
from kbootd_host import PASSWORD, START_WAIT_S, Kbootd

pytestmark = pytest.mark.skipif(not chromium_available(),
                                reason="chromium and chromium-driver are not installed")


@pytest.fixture
def browser():
    with chromium() as driver:
        yield driver


def wait(driver):
    return WebDriverWait(driver, START_WAIT_S)


def visible(driver, css):
    return wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def log_in(driver, server):
    driver.get(server.base + "/")
    field = visible(driver, "#login-password")
    field.send_keys(PASSWORD, Keys.ENTER)
    visible(driver, "#entries li")


def click_file(driver, name):
    visible(driver, '#files-list li[data-name="%s"] button' % name).click()


def test_log_in_from_the_browser(browser, kbootd):
    browser.get(kbootd.base + "/")
    visible(browser, "#login-password").send_keys("wrong password", Keys.ENTER)
    assert "wrong password" in visible(browser, "#login-error").text
    browser.find_element(By.ID, "login-password").clear()
    log_in(browser, kbootd)
    default = visible(browser, "#entries li.default")
    assert "default" in default.text
    assert browser.find_element(By.ID, "auth-none-banner").is_displayed() is False


def test_see_the_countdown_and_stop_it(browser, kbootd_factory):
    server = kbootd_factory(timeout=300)
    log_in(browser, server)
    box = visible(browser, "#countdown")
    seconds = int(browser.find_element(By.ID, "countdown-seconds").text)
    assert 0 < seconds <= 300
    browser.find_element(By.ID, "countdown-stop").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "countdown")))
    assert not box.is_displayed()
    st = server.session().get(server.url("/status"), timeout=10).json()
    assert st["state"] == "idle"
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "state"), "idle"))


def test_browse_to_a_kernel_edit_the_command_line_and_dry_run(browser, kbootd):
    log_in(browser, kbootd)
    click_file(browser, "boot")
    click_file(browser, "vmlinuz-6.1.0-test")
    info = visible(browser, "#file-info")
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "file-kind"), "kernel"))
    assert "6.1.0-kboot-test" in browser.find_element(By.ID, "file-version").text
    browser.find_element(By.ID, "use-kernel").click()
    # Back to /boot through the breadcrumbs, then the initrd.
    [c for c in browser.find_elements(By.CSS_SELECTOR, "#breadcrumbs button") if c.text == "boot"][0].click()
    click_file(browser, "initrd.img-6.1.0-test")
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "file-kind"), "initrd"))
    browser.find_element(By.ID, "use-initrd").click()
    assert info.is_displayed()
    assert browser.find_element(By.ID, "boot-kernel").get_attribute("value") == "/boot/vmlinuz-6.1.0-test"
    assert browser.find_element(By.ID, "boot-initrd").get_attribute("value") == "/boot/initrd.img-6.1.0-test"
    cmdline = browser.find_element(By.ID, "boot-cmdline")
    cmdline.clear()
    cmdline.send_keys("root=/dev/sda2 console=ttyS0 from-browser")
    browser.find_element(By.ID, "boot-dry-run").click()
    browser.find_element(By.ID, "boot-submit").click()
    result = visible(browser, "#boot-result")
    assert "Dry run" in result.text
    assert "cmdline: root=/dev/sda2 console=ttyS0 from-browser" in result.text
    loads = [c for c in kbootd.kexec_calls() if "--command-line=root=/dev/sda2 console=ttyS0 from-browser" in c]
    assert loads


def test_edit_an_entrys_command_line_before_booting(browser, kbootd):
    log_in(browser, kbootd)
    visible(browser, "#entries li.default .entry-edit").click()
    cmdline = browser.find_element(By.ID, "boot-cmdline")
    assert "quiet" in cmdline.get_attribute("value")
    cmdline.send_keys(" edited-in-browser")
    browser.find_element(By.ID, "boot-dry-run").click()
    browser.find_element(By.ID, "boot-submit").click()
    assert "edited-in-browser" in visible(browser, "#boot-result").text


def test_see_the_error_for_a_non_kernel(browser, kbootd):
    log_in(browser, kbootd)
    click_file(browser, "boot")
    click_file(browser, "notes.txt")
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "file-kind"), "other"))
    browser.find_element(By.ID, "use-kernel").click()
    browser.find_element(By.ID, "boot-dry-run").click()
    browser.find_element(By.ID, "boot-submit").click()
    error = visible(browser, "#boot-error")
    assert "notes.txt" in error.text and "kernel" in error.text


def test_kexecs_exact_error_is_shown(browser, kbootd):
    log_in(browser, kbootd)
    visible(browser, "#entries li.default .entry-edit").click()
    browser.find_element(By.ID, "boot-dry-run").click()
    kbootd.kexec_fail.write_text("kexec_load failed: Invalid argument (from the stand-in)\n")
    try:
        browser.find_element(By.ID, "boot-submit").click()
        error = visible(browser, "#boot-error")
    finally:
        pass
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "boot-error"), "from the stand-in"))
    kbootd.kexec_fail.unlink()
    assert "kexec_load failed: Invalid argument" in error.text


def test_auth_none_shows_the_warning_banner(browser, kbootd_factory):
    server = kbootd_factory(password_hash=False, auth_none=True)
    browser.get(server.base + "/")
    assert "auth=none" in visible(browser, "#auth-none-banner").text
    visible(browser, "#entries li")


def test_the_ui_is_small(kbootd):
    total = 0
    for name in ("index.html", "login.html", "app.js", "rest.js", "files.js", "net.js", "login.js", "style.css"):
        r = requests.get(kbootd.base + "/" + name, timeout=10)
        assert r.status_code == 200, name
        import gzip
        total += len(gzip.compress(r.content, 9))
    assert total <= 60 * 1024


@pytest.fixture
def network_kbootd(tmp_path):
    """A kbootd whose sysfs shows one made-up interface with a DHCP lease, so
    the network section has something known to show. The host's network is
    only read (addresses, routes), never changed: no test here sends a PUT."""
    server = Kbootd(tmp_path / "kbootd")
    net = server.sys_dir / "class" / "net" / "kbtest0"
    net.mkdir(parents=True)
    for name, value in (("address", "52:54:00:aa:bb:cc"), ("flags", "0x1003"),
                        ("carrier", "1"), ("mtu", "1500")):
        (net / name).write_text(value + "\n")
    # No boot file: a lease naming one would send discovery to look for it by TFTP.
    (server.run_dir / "dhcp-kbtest0").write_text(
        "ip=10.99.0.15\nmask=24\nrouter=10.99.0.2\ndns=10.99.0.3\nsiaddr=\nboot_file=\n")
    (server.etc / "resolv.conf").write_text("nameserver 10.99.0.3\n")
    try:
        yield server.start()
    finally:
        server.stop()


def test_network_section_shows_the_interfaces_the_api_reports(browser, network_kbootd):
    server = network_kbootd
    api = server.session().get(server.url("/network"), timeout=10).json()
    assert [i["name"] for i in api["interfaces"]] == ["kbtest0"]
    log_in(browser, server)
    row = visible(browser, '#net-state li[data-name="kbtest0"]')
    assert "kbtest0" in row.text
    assert "dhcp" in row.find_element(By.CLASS_NAME, "net-mode").text
    assert "lease 10.99.0.15" in row.text
    assert "10.99.0.3" in browser.find_element(By.ID, "net-dns-shown").text
    assert not browser.find_element(By.ID, "net-error").is_displayed()


def test_insecure_box_warns_and_cancel_waits_for_a_download(browser, kbootd):
    log_in(browser, kbootd)
    warning = browser.find_element(By.ID, "insecure-warning")
    assert not warning.is_displayed()
    browser.find_element(By.ID, "boot-insecure").click()
    visible(browser, "#insecure-warning")
    assert "does not check the server's certificate" in warning.text
    browser.find_element(By.ID, "boot-insecure").click()
    wait(browser).until(EC.invisibility_of_element_located((By.ID, "insecure-warning")))
    # Nothing is downloading: the Cancel button is there, out of sight.
    cancel = browser.find_element(By.ID, "progress-cancel")
    assert cancel.get_attribute("textContent") == "Cancel download"
    assert not cancel.is_displayed()
