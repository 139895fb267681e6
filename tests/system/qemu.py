"""Boot the kboot image in QEMU (TCG) for end-to-end tests.

Gives send/expect on the serial console, the guest's HTTP port forwarded to a
free port on 127.0.0.1, and always kills QEMU. Extra files for one test (a
kboot.conf, a CA) go into an overlay cpio appended to the image: Linux unpacks
concatenated archives in order, so later files replace earlier ones."""
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

import pexpect
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
from gptdisk import make_cpio  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "build", "out")
BOOT_TIMEOUT = 120  # TCG on a loaded 2-core machine; a bound, not a measurement
# kbootd's one-time password line; the \r*\n keeps a password that is still
# arriving on the serial line from being read cut short.
ONE_TIME_PASSWORD = r"one-time password[^:\r\n]*:\s*(\S+)\r*\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_paths():
    kernel = os.path.join(OUT, "kboot.bzImage")
    cpios = [os.path.join(OUT, f) for f in os.listdir(OUT)
             if f.startswith("kboot.cpio.") and not f.endswith(".tmp")] if os.path.isdir(OUT) else []
    if not os.path.exists(kernel) or not cpios:
        raise RuntimeError("no kboot image: run `make image` first")
    return kernel, max(cpios, key=os.path.getmtime)  # the last one `make image` wrote


class KbootVM:
    def __init__(self, workdir, disks=(), append="", files=None, memory=512, nic=True,
                 extra_args=(), nic_opts="", qmp=False, reboot=False, direct_kernel=True):
        self.workdir = workdir
        # qmp=True: a QMP socket for hot-adding devices and cutting the link (see .qmp()).
        self.qmp_path = os.path.join(workdir, "qmp.sock") if qmp else None
        self._qmp = None
        self.qmp_events = []
        self.kernel, base_initrd = image_paths()
        self.http_port = free_port()
        self.initrd = self._initrd_with(base_initrd, files or {})
        self.log_path = os.path.join(workdir, "serial.log")
        # reboot=True: a reset restarts the machine (the firmware runs again)
        # instead of ending QEMU. direct_kernel=False: no -kernel/-initrd; the
        # firmware boots from a disk (a test puts self.kernel and self.initrd there).
        # virtio-rng: the guest's random pool is ready at once, as on
        # hardware with RDRAND or a TPM (kernel/kboot.config's HW_RANDOM).
        args = ["-accel", "tcg", "-m", str(memory), "-display", "none", "-monitor", "none",
                "-serial", "stdio", "-device", "virtio-rng-pci"]
        if not reboot:
            args += ["-no-reboot"]
        if direct_kernel:
            args += ["-kernel", self.kernel, "-initrd", self.initrd,
                     "-append", f"console=ttyS0 {append}".strip()]
        for disk in disks:
            args += ["-drive", f"file={disk},if=virtio,format=raw"]
        if nic:
            # nic_opts: more user-network options, e.g. "tftp=DIR" or another hostfwd.
            nic = f"user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{self.http_port}-:80"
            args += ["-nic", f"{nic},{nic_opts}" if nic_opts else nic]
        else:
            args += ["-nic", "none"]
        if self.qmp_path:
            args += ["-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        args += list(extra_args)
        self.logfile = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self.child = pexpect.spawn("qemu-system-x86_64", args, encoding="utf-8",
                                   codec_errors="replace", timeout=BOOT_TIMEOUT,
                                   dimensions=(50, 200))
        self.child.logfile_read = self.logfile

    def _initrd_with(self, base, files):
        if not files:
            return base
        tree = os.path.join(self.workdir, "overlay")
        for rel, content in files.items():
            path = os.path.join(tree, rel.lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(path, mode) as f:
                f.write(content)
            if content[:2] in ("#!", b"#!"):  # a script: runnable, as in the image
                os.chmod(path, 0o755)
        overlay = os.path.join(self.workdir, "overlay.cpio")
        make_cpio(tree, overlay, compress=None)
        combined = os.path.join(self.workdir, "initrd.img")
        with open(combined, "wb") as out:
            with open(base, "rb") as f:
                shutil.copyfileobj(f, out)
            out.write(b"\0" * (-out.tell() % 4))  # archives start 4-byte aligned
            with open(overlay, "rb") as f:
                shutil.copyfileobj(f, out)
        return combined

    # --- serial console -----------------------------------------------------
    def expect(self, pattern, timeout=BOOT_TIMEOUT):
        """Wait for a regex on the serial console; returns the match."""
        self.child.expect(pattern, timeout=timeout)
        return self.child.match

    def expect_one_time_password(self):
        """Wait for kbootd's one-time password (printed when no password is
        configured) and return it."""
        return self.expect(ONE_TIME_PASSWORD).group(1)

    def one_time_passwords(self):
        """Every one-time password printed so far, oldest first: a kbootd
        that init restarts prints a new one."""
        return re.findall(ONE_TIME_PASSWORD, self.serial_log())

    def send(self, text):
        self.child.send(text)

    def sendline(self, line):
        # A serial line wants \r, as a terminal sends.
        self.child.send(line + "\r")

    def serial_log(self):
        if not self.logfile.closed:
            self.logfile.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    # --- QMP (the machine's side: devices, links) ---------------------------------
    def qmp(self, command, timeout=30, **arguments):
        """One QMP command (device_add, device_del, set_link, ...); its "return"
        value. Raises RuntimeError on a QMP error. Needs KbootVM(qmp=True)."""
        if not self.qmp_path:
            raise RuntimeError("this VM was started without qmp=True")
        if self._qmp is None:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    sock = socket.socket(socket.AF_UNIX)
                    sock.connect(self.qmp_path)
                    break
                except OSError:
                    sock.close()
                    if time.monotonic() > deadline or not self.alive():
                        raise
                    time.sleep(0.2)
            sock.settimeout(timeout)
            self._qmp_sock = sock
            self._qmp = sock.makefile("rw", encoding="utf-8")
            self._qmp_read()  # the greeting
            self._qmp_call("qmp_capabilities", {})
        return self._qmp_call(command, arguments)

    def _qmp_read(self):
        line = self._qmp.readline()
        if not line:
            raise RuntimeError("QMP: QEMU closed the socket")
        return json.loads(line)

    def _qmp_call(self, command, arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self._qmp.write(json.dumps(msg) + "\n")
        self._qmp.flush()
        while True:
            reply = self._qmp_read()
            if "event" in reply:
                self.qmp_events.append(reply)  # asynchronous, kept for a test to look at
                continue
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"QMP {command}: {reply['error'].get('desc', reply['error'])}")

    # --- HTTP -----------------------------------------------------------------
    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def wait_http(self, path="/api/v1/status", timeout=BOOT_TIMEOUT):
        """Wait until kbootd answers at all (any HTTP status); returns it."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError("QEMU exited:\n" + self.serial_log()[-3000:])
            try:
                return requests.get(self.url + path, timeout=5)
            except requests.RequestException as e:
                last = e
                time.sleep(0.5)
        raise TimeoutError(f"kbootd did not answer in {timeout} s: {last}")

    def alive(self):
        return self.child.isalive()

    def wait_exit(self, timeout=BOOT_TIMEOUT):
        self.child.expect(pexpect.EOF, timeout=timeout)

    def kill(self):
        if self._qmp is not None:
            for f in (self._qmp, self._qmp_sock):
                try:
                    f.close()
                except OSError:
                    pass
            self._qmp = None
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close(force=True)
        self.logfile.close()


def run_vm(workdir, **kw):
    """Context-managed VM that is always killed."""
    class _Ctx:
        def __enter__(self):
            self.vm = KbootVM(workdir, **kw)
            return self.vm

        def __exit__(self, *exc):
            self.vm.kill()
    return _Ctx()


def tmpdir(prefix="kboot-vm-"):
    return tempfile.mkdtemp(prefix=prefix)
