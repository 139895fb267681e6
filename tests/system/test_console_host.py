"""The console prompt on the host, driven in a pty like a person at the
keyboard: a fixture target root, a stand-in kexec that records what it was
asked to do, and build/host/kboot-console working alone on the core (no
kbootd) unless a test starts one."""
import json
import os
import pathlib
import re
import subprocess
import time

import pexpect
import pytest

from kbootd_host import KEXEC_STAND_IN, REPO, make_target

CONSOLE = pathlib.Path(os.environ.get("KBOOT_CONSOLE", REPO / "build" / "host" / "kboot-console"))
PROMPT = "kboot> "
WAIT_S = 20  # bounded waits for output, never asserted on
KERNEL = "/boot/vmlinuz-6.1.0-test"
INITRD = "/boot/initrd.img-6.1.0-test"


class Console:
    """One kboot-console in a pty over its own fixture tree."""

    def __init__(self, tmp, timeout=-1, extra_env=None):
        self.tmp = pathlib.Path(tmp)
        self.target = make_target(self.tmp / "target")
        # The target's own kboot.conf would replace ours (paper §3.5).
        (self.target / "etc/kboot.conf").unlink()
        self.run_dir = self.tmp / "run"
        self.etc = self.tmp / "etc"
        self.run_dir.mkdir()
        self.etc.mkdir()
        self.kexec = self.tmp / "kexec"
        self.kexec.write_text(KEXEC_STAND_IN)
        self.kexec.chmod(0o755)
        self.kexec_log = self.tmp / "kexec.log"
        # An empty sysfs: discovery must not mount the host's own disks.
        self.sys_dir = self.tmp / "sys"
        (self.sys_dir / "class/block").mkdir(parents=True)
        self.conf = self.etc / "kboot.conf"
        self.conf.write_text(
            "default=debian\ntimeout=%d\n"
            "debian='%s initrd=%s root=/dev/sda2 quiet'\n"
            "rescue='%s initrd=%s root=/dev/sda2 single'\n" % (timeout, KERNEL, INITRD, KERNEL, INITRD))
        self.env = dict(os.environ)
        self.env.update(KBOOT_TARGET_ROOT=str(self.target), KBOOT_RUN_DIR=str(self.run_dir),
                        KBOOT_KEXEC=str(self.kexec), KBOOT_CONF=str(self.conf),
                        KBOOT_ETC=str(self.etc), KBOOT_TEST_KEXEC_LOG=str(self.kexec_log),
                        KBOOT_SYSFS=str(self.sys_dir),
                        KBOOT_TEST_KEXEC_FAIL=str(self.tmp / "kexec-fail.txt"),
                        TERM="vt100")
        self.env.update(extra_env or {})
        self.child = None

    def start(self):
        assert CONSOLE.exists(), "build the console first: make build/host/kboot-console"
        self.child = pexpect.spawn(str(CONSOLE), env=self.env, encoding="utf-8",
                                   timeout=WAIT_S, dimensions=(40, 200))
        return self

    def expect_prompt(self):
        self.child.expect_exact(PROMPT)
        return self.child.before

    def run(self, line):
        """Type a line and give back what appeared before the next prompt."""
        self.child.sendline(line)
        self.child.expect_exact(PROMPT)
        return self.child.before

    def kexec_calls(self):
        if not self.kexec_log.exists():
            return []
        return [json.loads(l) for l in self.kexec_log.read_text().splitlines() if l]

    def wait_for_exec(self):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and ["-e"] not in self.kexec_calls():
            time.sleep(0.05)
        return self.kexec_calls()

    def local(self, path):
        return str(self.target) + path

    def stop(self):
        if self.child and self.child.isalive():
            self.child.terminate(force=True)
        self.unmount_leftovers()

    def unmount_leftovers(self):
        """Whatever the console mounted under its run dir, should anything be."""
        with open("/proc/mounts") as f:
            points = [line.split()[1] for line in f]
        for point in sorted(points, reverse=True):
            if point.startswith(str(self.run_dir) + "/"):
                subprocess.run(["umount", "-l", point], check=False, stderr=subprocess.DEVNULL)


@pytest.fixture
def console_factory(tmp_path):
    consoles = []

    def start(**kwargs):
        c = Console(tmp_path / ("c%d" % len(consoles)), **kwargs).start()
        consoles.append(c)
        return c
    yield start
    for c in consoles:
        c.stop()


@pytest.fixture
def console(console_factory):
    """A console with no countdown, at its prompt."""
    c = console_factory()
    c.expect_prompt()
    return c


def load_call(calls):
    loads = [c for c in calls if c and c[0] in ("-s", "-l")]
    assert loads, "kexec was never asked to load: %r" % calls
    return loads[-1]


# --- the countdown -------------------------------------------------------------

def test_stop_countdown_with_a_key(console_factory):
    c = console_factory(timeout=60)
    c.child.expect(r"Booting 'debian' in \d+ s; press any key for the prompt")
    c.child.send("x")
    c.expect_prompt()
    assert c.kexec_calls() == []
    # the key was taken by the countdown, not typed at the prompt
    assert "unknown command" not in c.run("pwd")


def test_countdown_counts_down_in_place(console_factory):
    c = console_factory(timeout=60)
    c.child.expect(r"Booting 'debian' in (\d+) s")
    first = int(c.child.match.group(1))
    c.child.expect(r"\r\x1b\[KBooting 'debian' in (\d+) s")
    assert int(c.child.match.group(1)) < first
    c.child.send(" ")
    c.expect_prompt()


def test_countdown_runs_out_and_boots_the_default(console_factory):
    c = console_factory(timeout=1)
    c.child.expect("Booting 'debian' in")
    calls = c.wait_for_exec()
    assert load_call(calls)[-1] == "--command-line=root=/dev/sda2 quiet"
    assert ["-e"] in calls


def test_ctrl_c_during_countdown_gives_an_emergency_shell(console_factory):
    c = console_factory(timeout=60)
    c.child.expect("press any key for the prompt")
    c.child.sendintr()
    c.child.expect("Emergency shell")
    c.child.sendline("echo shell-says-$((6*7))")
    c.child.expect("shell-says-42")
    assert c.kexec_calls() == []


# --- looking around ---------------------------------------------------------------

def test_list_entries(console):
    out = console.run("entries")
    assert re.search(r"1\s+\S+\s+debian\s+\(default\)", out)
    assert "rescue" in out
    assert "%s initrd=%s root=/dev/sda2 quiet" % (KERNEL, INITRD) in out


def test_tab_completes_a_kernel_path(console):
    console.child.send("ls /boot/vm\t\r")
    out = console.expect_prompt()
    assert "no such" not in out
    assert "/boot/vmlinuz-6.1.0-test\r\n" in out  # what ls printed for the file


def test_tab_completes_a_command(console):
    console.child.send("entr\t\r")
    assert "(default)" in console.expect_prompt()


def test_tab_lists_commands_and_labels_that_fit(console):
    console.child.send("re\t")
    console.child.expect(r"reboot\s+rescue")
    console.child.send("\x15\r")  # ^U: drop the line, nothing runs
    console.expect_prompt()
    assert console.kexec_calls() == []


def test_tab_completes_in_kboot_own_root(console, tmp_path):
    (tmp_path / "complete-me-7f3a.txt").write_text("kboot-root-completion\n")
    console.child.send("cat /%s/complete-me-7f\t\r" % tmp_path)
    assert "kboot-root-completion" in console.expect_prompt()


def test_tab_completes_an_initrd_argument(console):
    console.child.send("ls initrd=/boot/initrd.im\t")
    console.child.expect_exact("6.1.0-test")
    console.child.send("\x15\r")
    console.expect_prompt()


def test_list_a_directory(console):
    out = console.run("ls /boot")
    for name in ("vmlinuz-6.1.0-test", "initrd.img-6.1.0-test", "notes.txt", "grub/"):
        assert name in out


def test_cd_and_pwd(console):
    console.run("cd /boot/grub")
    assert "/boot/grub" in console.run("pwd")
    assert "grub.cfg" in console.run("ls")
    console.run("cd ..")
    assert "\n/boot\r" in console.run("pwd")


def test_cat_a_kboot_file_with_double_slash(console, tmp_path):
    marker = tmp_path / "marker.txt"
    marker.write_text("kboot-own-file-5a1d\n")
    assert "kboot-own-file-5a1d" in console.run("cat /%s" % marker)


def test_cat_a_target_file_with_single_slash(console):
    assert "/dev/sda2 / ext4" in console.run("cat /etc/fstab | head -1")


# --- booting -------------------------------------------------------------------------

def test_boot_a_label(console):
    console.child.sendline("debian")
    calls = console.wait_for_exec()
    assert load_call(calls)[1:] == [console.local(KERNEL), "--initrd=" + console.local(INITRD),
                                    "--command-line=root=/dev/sda2 quiet"]
    assert calls[-1] == ["-e"]


def test_boot_a_label_with_more_arguments(console):
    console.child.sendline("rescue init=/bin/sh")
    calls = console.wait_for_exec()
    assert load_call(calls)[-1] == "--command-line=root=/dev/sda2 single init=/bin/sh"


def test_boot_path_with_initrd_and_arguments(console):
    console.child.sendline("%s initrd=%s quiet foo=bar" % (KERNEL, INITRD))
    calls = console.wait_for_exec()
    assert load_call(calls)[1:] == [console.local(KERNEL), "--initrd=" + console.local(INITRD),
                                    "--command-line=quiet foo=bar"]


def test_boot_a_label_set_at_the_prompt(console):
    console.run("mine='%s console=ttyS0 mine=1'" % KERNEL)
    console.child.sendline("mine")
    calls = console.wait_for_exec()
    assert load_call(calls)[1:] == [console.local(KERNEL), "--command-line=console=ttyS0 mine=1"]


def test_boot_an_entry_by_number_with_another_command_line(console):
    console.child.sendline("boot 1 root=/dev/sda9 ro")
    calls = console.wait_for_exec()
    assert load_call(calls)[-1] == "--command-line=root=/dev/sda9 ro"


def test_failed_handover_returns_to_the_prompt(console):
    # the stand-in's `kexec -e` returns, which a real one never does
    console.child.sendline("debian")
    console.child.expect("kexec -e")
    console.expect_prompt()
    assert "boot/" in console.run("ls /")


# --- errors ---------------------------------------------------------------------------

def one_line(out):
    return [l for l in out.replace("\r", "").split("\n")[1:] if l.strip()]


def test_bad_path_gives_one_line_and_the_prompt_remains(console):
    out = console.run("/boot/vmlinuz-missing quiet")
    assert one_line(out) == ["/boot/vmlinuz-missing: no such file or directory"]
    assert console.kexec_calls() == []
    assert "/" in console.run("pwd")


def test_not_a_kernel_gives_its_error(console):
    out = console.run("/boot/notes.txt quiet")
    lines = one_line(out)
    assert len(lines) == 1 and "/boot/notes.txt: not a Linux kernel" in lines[0]


def test_unknown_command_gives_its_error(console):
    assert one_line(console.run("frobnicate --now")) == ["frobnicate: unknown command"]


def test_legacy_device_gives_a_clear_message(console):
    out = console.run("sdq")
    assert one_line(out) == ["sdq: no such device"]


def test_kexec_error_is_shown_in_its_own_words(console):
    (console.tmp / "kexec-fail.txt").write_text("Cannot determine the file type of it\n")
    out = console.run("debian")
    assert one_line(out) == ["kexec: Cannot determine the file type of it"]
    assert ["-e"] not in console.kexec_calls()


# --- leaving and coming back ---------------------------------------------------------

def test_shell_returns_to_the_prompt(console):
    console.child.sendline("shell")
    console.child.expect("come back")
    console.child.sendline("echo inner-$((2+3))")
    console.child.expect("inner-5")
    console.child.sendline("exit")
    console.expect_prompt()
    assert "/" in console.run("pwd")


def test_eof_leaves_quietly(console):
    console.child.send("\x04")  # ^D on an empty line
    console.child.expect(pexpect.EOF)
    console.child.close()
    assert console.child.exitstatus == 0


def test_reboot_runs_reboot_f(console_factory, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "reboot-args"
    stub = bin_dir / "reboot"
    stub.write_text("#!/bin/sh\necho \"$@\" > %s\n" % record)
    stub.chmod(0o755)
    c = console_factory(extra_env={"PATH": "%s:%s" % (bin_dir, os.environ["PATH"])})
    c.expect_prompt()
    c.run("reboot")
    assert record.read_text().strip() == "-f"


# --- with kbootd: one countdown, one state for console and browser ------------------

def kbootd_console(kbootd_factory, **kwargs):
    """A kbootd with a countdown, and a console in a pty on the same run dir."""
    from kbootd_host import KBOOTD
    if not KBOOTD.exists():
        pytest.skip("kbootd is not built")
    server = kbootd_factory(**kwargs)
    child = pexpect.spawn(str(CONSOLE), env=dict(server.env(), TERM="vt100"), encoding="utf-8",
                          timeout=WAIT_S, dimensions=(40, 200))
    return server, child


def test_stop_countdown_from_the_browser_shows_on_the_console(kbootd_factory):
    server, child = kbootd_console(kbootd_factory, timeout=60)
    try:
        child.expect(r"Booting '[^']+' in \d+ s; press any key for the prompt")
        server.session().post(server.url("/autoboot/cancel"), timeout=10).raise_for_status()
        child.expect("The countdown was stopped")
        child.expect_exact(PROMPT)
    finally:
        child.terminate(force=True)


def test_stop_countdown_from_the_console_shows_in_the_browser(kbootd_factory):
    server, child = kbootd_console(kbootd_factory, timeout=60)
    try:
        child.expect("press any key for the prompt")
        child.send("q")
        child.expect_exact(PROMPT)
        status = server.session().get(server.url("/status"), timeout=10).json()
        assert status["state"] == "idle"
        assert status["countdown"] is None
        assert server.kexec_calls() == []
    finally:
        child.terminate(force=True)


def test_a_key_after_the_countdown_ran_out_says_it_is_too_late(kbootd_factory):
    """The key reaches the console only once the default entry is booting
    (the console is stopped meanwhile): it says so and follows the boot,
    instead of offering a prompt while the machine hands over."""
    import signal
    server, child = kbootd_console(kbootd_factory, timeout=2)
    server.kexec_hold.write_text("")  # the handover stays under way
    try:
        child.expect("press any key for the prompt")
        os.kill(child.pid, signal.SIGSTOP)
        try:
            def booting():
                return server.session().get(server.url("/status"), timeout=10).json()["state"] == "booting"
            assert server.wait_for(booting, "the countdown to run out")
            child.send("x")
        finally:
            os.kill(child.pid, signal.SIGCONT)
        child.expect("too late to cancel: the countdown is over and a boot is under way")
        child.expect("Handing over to /boot/vmlinuz-6.1.0-test")
        assert [c for c in server.kexec_calls() if "-l" in c]
    finally:
        child.terminate(force=True)


def test_boot_a_label_through_kbootd(kbootd_factory):
    server, child = kbootd_console(kbootd_factory, timeout=-1)
    try:
        child.expect_exact(PROMPT)
        child.sendline("/boot/vmlinuz-6.1.0-test root=/dev/sda2 via-kbootd")
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and ["-e"] not in server.kexec_calls():
            time.sleep(0.05)
        loads = [c for c in server.kexec_calls() if c and c[0] in ("-s", "-l")]
        assert loads and loads[-1][-1] == "--command-line=root=/dev/sda2 via-kbootd"
    finally:
        child.terminate(force=True)


def test_console_carries_on_alone_when_kbootd_dies(kbootd_factory):
    server, child = kbootd_console(kbootd_factory, timeout=-1)
    try:
        child.expect_exact(PROMPT)
        server.proc.kill()  # no goodbye: its address and token stay behind
        server.proc.wait()
        child.sendline("/boot/vmlinuz-6.1.0-test root=/dev/sda2 alone")
        child.expect("kbootd is not running; the prompt goes on without it")
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and ["-e"] not in server.kexec_calls():
            time.sleep(0.05)
        loads = [c for c in server.kexec_calls() if c and c[0] in ("-s", "-l")]
        assert loads and loads[-1][-1] == "--command-line=root=/dev/sda2 alone"
    finally:
        child.terminate(force=True)


def test_console_follows_a_restarted_kbootd_which_does_not_count_down_again(kbootd_factory):
    from kbootd_host import Kbootd
    server, child = kbootd_console(kbootd_factory, timeout=60)
    restarted = None
    try:
        child.expect("press any key for the prompt")
        child.send("q")
        child.expect_exact(PROMPT)
        server.proc.kill()
        server.proc.wait()
        # As init does: a new kbootd on the same run dir, with a new token.
        restarted = Kbootd(server.tmp, timeout=60).start()
        child.sendline("entries")
        child.expect_exact(PROMPT)
        out = child.before
        assert "debian" in out and "rescue" in out
        assert "token" not in out and "connect" not in out.lower()
        status = restarted.session().get(restarted.url("/status"), timeout=10).json()
        assert status["state"] == "idle", "a stopped countdown must stay stopped"
    finally:
        child.terminate(force=True)
        if restarted:
            restarted.stop()


def test_boot_while_kbootd_is_down(console_factory):
    console = console_factory()
    console.child.terminate(force=True)
    # kbootd left its address behind and died: nothing listens there
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (console.run_dir / "kbootd.url").write_text("http://127.0.0.1:%d\n" % port)
    (console.run_dir / "local-token").write_text("stale-token\n")
    console.start()
    console.expect_prompt()
    console.child.sendline("debian")
    calls = console.wait_for_exec()
    assert load_call(calls)[-1] == "--command-line=root=/dev/sda2 quiet"


# --- the target's own programs ----------------------------------------------------------

def test_a_target_program_runs_chrooted_into_the_target(console):
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    busybox = pathlib.Path("/bin/busybox")
    if not busybox.exists():
        pytest.skip("no static busybox on this host to put in the target")
    (console.target / "bin").mkdir(exist_ok=True)
    (console.target / "bin/busybox").write_bytes(busybox.read_bytes())
    (console.target / "bin/busybox").chmod(0o755)
    console.run("cd /boot")
    # inside the chroot, the target's /boot is simply /boot
    out = console.run("/bin/busybox pwd")
    assert one_line(out) == ["/boot"]
    assert "notes.txt" in console.run("/bin/busybox ls /boot")


def test_ctrl_c_at_the_prompt_drops_the_line(console):
    console.child.send("frobnicate")
    console.child.sendintr()
    console.expect_prompt()
    out = console.run("pwd")
    assert "unknown command" not in out
    assert one_line(out) == ["/"]


def test_history_recalls_the_last_line(console):
    console.run("cd /boot/grub")
    console.run("pwd")
    console.run("cd /")
    console.child.send("\x10\x10\r")  # ^P ^P: back to "pwd"
    out = console.expect_prompt()
    assert one_line(out)[-1] == "/"
    # history now: cd /boot/grub, pwd, cd /, pwd
    console.child.send("\x10\x10\x10\x10\r")  # back to "cd /boot/grub"
    console.expect_prompt()
    assert one_line(console.run("pwd")) == ["/boot/grub"]
