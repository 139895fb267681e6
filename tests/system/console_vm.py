"""Driving kboot's console prompt on a QEMU VM's serial line, as a person at
the serial terminal would: wait for the countdown, press a key, type lines and
read what came back before the next prompt."""
import re
import termios

import requests

COUNTDOWN = r"Booting '([^']+)' in (\d+) s; press any key for the prompt"
PROMPT = "kboot> "
LINE_TIMEOUT = 60      # one typed line's answer under TCG; a bound, not a measurement
TARGET_TIMEOUT = 120   # a kexec into the demo target and its banner
BANNER = r"KBOOT-DEMO-TARGET: ([^\r\n]*) is running\r*\n"
TARGET_CMDLINE = r"TARGET-CMDLINE: ([^\r\n]*)\r*\n"  # the whole line, not what arrived so far
# Lines on the serial console written by others than the prompt: kbootd's log
# ("kboot: ..."), BusyBox init ("starting pid ...", "process '...' exited")
# and the kernel ("[    1.234] ...").
OTHERS = re.compile(r"^(kboot: |kbootd: |starting pid |process '|\[ *\d+\.\d+\] )")
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x07")


def stop_countdown(vm):
    """Wait for the countdown, press a key, wait for the prompt; the title."""
    title = vm.expect(COUNTDOWN).group(1)
    vm.send(" ")
    vm.expect(PROMPT)
    return title


def send_interrupt(vm):
    """Ctrl-C to the guest. QEMU's -serial stdio keeps the terminal's ISIG,
    so the key would stop QEMU itself: turn that off first (on Linux the pty
    master's termios calls act on QEMU's side of the pty)."""
    fd = vm.child.child_fd
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ISIG
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    vm.send("\x03")


def screen_lines(text):
    """What a terminal shows for `text`, line by line, without blank lines."""
    lines = []
    for raw in ESCAPES.sub("", text).split("\n"):
        line = raw.rstrip("\r").split("\r")[-1]  # a carriage return starts over
        while "\b" in line:  # libedit wraps a long line with " \b"
            line = re.sub(r"[^\b]?\x08", "", line, count=1)
        if line.strip():
            lines.append(line.rstrip())
    return lines


def run_line(vm, line, timeout=LINE_TIMEOUT):
    """Type a line; the prompt's own output before the next prompt, as lines
    (the echo of the line itself and other processes' console lines left out)."""
    vm.sendline(line)
    vm.expect(re.escape(PROMPT), timeout=timeout)
    lines = [l for l in screen_lines(vm.child.before) if not OTHERS.match(l)]
    if lines and lines[0].strip() == line.strip():
        lines = lines[1:]
    return lines


def one_time_password(vm, nth=-1):
    """kbootd prints a one-time password on the console (a new one each start)."""
    found = vm.one_time_passwords()
    assert found, "kbootd printed no one-time password on the console"
    return found[nth]


def api(vm, method, path, password, **kw):
    return requests.request(method, vm.url + "/api/v1" + path, auth=("admin", password),
                            timeout=10, **kw)


def expect_target(vm):
    """The demo target's banner and its command line, once kexec handed over."""
    title = vm.expect(BANNER, timeout=TARGET_TIMEOUT).group(1)
    cmdline = vm.expect(TARGET_CMDLINE, timeout=LINE_TIMEOUT).group(1).strip()
    return title, cmdline
