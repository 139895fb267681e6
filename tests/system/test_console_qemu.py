"""The console prompt end to end (issue 5): the real image booted in QEMU with
the demo disk, driven over the serial line like a person at a serial terminal.
One boot per test; every wait is an expect with a bound."""
import re

from console_vm import (COUNTDOWN, LINE_TIMEOUT, PROMPT, api, expect_target, one_time_password,
                        run_line, screen_lines, send_interrupt, stop_countdown)


def after(vm, text):
    """The serial console from the line `text` on."""
    return vm.serial_log().split(text, 1)[1]


def test_stop_countdown_with_a_key(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    title, seconds = vm.expect(COUNTDOWN).groups()
    assert title == "demo" and int(seconds) > 0
    vm.send("x")
    vm.expect(PROMPT, timeout=LINE_TIMEOUT)
    # The key stopped the countdown and did not end up on the line.
    assert run_line(vm, "pwd") == ["/"]
    # The stop reached kbootd: the browser sees no countdown either.
    r = api(vm, "GET", "/status", one_time_password(vm))
    assert r.status_code == 200
    assert r.json()["state"] == "idle"


def test_exit_at_the_machines_console_gives_a_fresh_prompt(boot_vm, demo_disk):
    """exit (and Ctrl-D) leave this prompt; init starts a fresh one at once,
    with the session's labels gone and no second countdown."""
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    assert run_line(vm, "mine=/boot/vmlinuz") == []
    vm.sendline("exit")
    vm.expect(r"Type help for what a line can be", timeout=LINE_TIMEOUT)
    vm.expect(PROMPT, timeout=LINE_TIMEOUT)
    assert "Booting 'demo' in" not in after(vm, "exit")  # stopped stays stopped
    vm.send("\x04")
    vm.expect(r"Type help for what a line can be", timeout=LINE_TIMEOUT)
    vm.expect(PROMPT, timeout=LINE_TIMEOUT)
    assert run_line(vm, "pwd") == ["/"]


def test_tab_completes_a_kernel_path(boot_vm, demo_disk):
    ver = demo_disk["version"]
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    vm.send("ls /boot/vmlin\t")
    # The terminal shows the rest of the name, then a space: the word is done.
    vm.expect(re.escape(f"uz-{ver} "), timeout=LINE_TIMEOUT)
    vm.send("\r")
    vm.expect(re.escape(PROMPT), timeout=LINE_TIMEOUT)
    lines = screen_lines(vm.child.before)
    assert lines[-1] == f"/boot/vmlinuz-{ver}", lines


def test_boot_a_label(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    vm.sendline("demo")
    title, cmdline = expect_target(vm)
    assert title == "Debian GNU/Linux (kboot demo)"
    assert cmdline.endswith("entry=label"), cmdline


def test_boot_a_session_label_with_initrd_and_arguments(boot_vm, demo_disk):
    ver = demo_disk["version"]
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    args = "console=ttyS0 kboot.test=session-label panic=-1"
    assert run_line(vm, f"mine='/boot/vmlinuz-{ver} initrd=/boot/initrd.img-{ver} {args}'") == []
    vm.sendline("mine")
    _, cmdline = expect_target(vm)
    assert cmdline == args


def test_boot_an_entry_by_number_with_another_command_line(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    entries = run_line(vm, "entries")
    numbers = [l.split()[0] for l in entries if re.match(r"\s*\d+\s+\S+\s+demo_quiet\b", l)]
    assert numbers, entries
    args = "console=ttyS0 kboot.test=by-number panic=-1"
    vm.sendline(f"boot {numbers[0]} {args}")
    _, cmdline = expect_target(vm)
    assert cmdline == args


def test_boot_while_kbootd_is_killed(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    assert run_line(vm, "killall -9 kbootd") == []
    # Whether kbootd is back yet or not, the prompt lists and boots.
    listed = run_line(vm, "entries")
    assert any(re.match(r"\s*\d+\s+\S+\s+demo\s+\(default\)", l) for l in listed), listed
    # init restarted kbootd; the person stopped the countdown, so it must not
    # count down again behind the prompt.
    if "listening on" not in after(vm, "killall -9 kbootd"):
        vm.expect(r"listening on", timeout=LINE_TIMEOUT)
    r = api(vm, "GET", "/status", one_time_password(vm, -1))
    assert r.status_code == 200 and r.json()["state"] == "idle", r.text
    vm.sendline("demo")
    _, cmdline = expect_target(vm)
    assert cmdline.endswith("entry=label"), cmdline
    seen = after(vm, "killall -9 kbootd")
    for noise in ("Couldn't connect", "Failed to connect", "token is invalid", "log in again"):
        assert noise not in seen


def test_bad_path_gives_one_error_and_the_prompt_remains(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    assert run_line(vm, "/boot/nope") == ["/boot/nope: no such file or directory"]
    for not_a_kernel in ("/etc/fstab", "//etc/kboot.conf"):
        lines = run_line(vm, not_a_kernel)
        assert len(lines) == 1 and "not a Linux kernel" in lines[0], lines
        assert lines[0].startswith(not_a_kernel + ": "), lines
    assert run_line(vm, "pwd") == ["/"]


def test_countdown_stopped_in_browser_shows_on_console(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    vm.expect(COUNTDOWN)
    r = api(vm, "POST", "/autoboot/cancel", one_time_password(vm))
    assert r.status_code in (200, 204), r.text
    vm.expect(r"The countdown was stopped", timeout=LINE_TIMEOUT)
    vm.expect(PROMPT, timeout=LINE_TIMEOUT)
    assert run_line(vm, "pwd") == ["/"]


def test_ctrl_c_in_the_countdown_gives_an_emergency_shell(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    vm.expect(COUNTDOWN)
    send_interrupt(vm)
    vm.expect(r"Emergency shell", timeout=LINE_TIMEOUT)
    vm.sendline("echo in-the-shell-$((6*7))")
    vm.expect(r"in-the-shell-42", timeout=LINE_TIMEOUT)
    # The machine does not boot behind the shell's back.
    r = api(vm, "GET", "/status", one_time_password(vm))
    assert r.status_code == 200 and r.json()["state"] == "idle", r.text
    vm.sendline("exit")
    vm.expect(PROMPT, timeout=LINE_TIMEOUT)
    assert run_line(vm, "pwd") == ["/"]
