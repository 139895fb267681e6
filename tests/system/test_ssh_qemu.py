"""SSH to the kboot prompt (issue 8): with a test key in /etc/kboot/
authorized_keys, dropbear starts, the console and GET /api/v1/status show
the host key's fingerprint, `ssh -i key` gets the kboot prompt, and
`entries` lists the demo disk's entries. Passwords are refused. Outbound:
`scp` at the prompt fetches a kernel from an SSH server on the host, and it
boots."""
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time

import pexpect
import pytest
import requests

from qemu import BOOT_TIMEOUT, free_port

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "disks"))
import demo  # noqa: E402


def test_ssh_with_a_key_gets_the_prompt_and_lists_entries(boot_vm, demo_disk, tmp_path):
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    port = free_port()
    vm = boot_vm(disks=[demo_disk["path"]],
                 append="kboot=local",  # no countdown: the prompt waits for us
                 files={"etc/kboot/authorized_keys": (tmp_path / "id_ed25519.pub").read_text(),
                        "etc/kboot.conf": "timeout=-1\n"},
                 nic_opts=f"hostfwd=tcp:127.0.0.1:{port}-:22")
    fingerprint = vm.expect(r"kboot: ssh: listening on port 22.*host key (SHA256:\S+)\r*\n").group(1)
    password = vm.expect_one_time_password()
    vm.wait_http()
    st = requests.get(vm.url + "/api/v1/status", auth=("admin", password), timeout=30).json()
    assert st["ssh"] == {"fingerprint": fingerprint}

    ssh_opts = ["-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=30"]
    child = pexpect.spawn("ssh", ["-v", "-tt", "-i", str(key)] + ssh_opts + ["root@127.0.0.1"],
                          encoding="utf-8", codec_errors="replace", timeout=BOOT_TIMEOUT)
    try:
        offered = child.expect_exact(["Server host key: ssh-ed25519 " + fingerprint, pexpect.EOF])
        assert offered == 0, child.before
        child.expect("kboot> ")
        child.send("entries\r")
        child.expect(r"Debian GNU/Linux \(kboot demo\)")
        child.expect("kboot> ")
        child.send("help\r")
        child.expect(r"exit\s+leave the prompt \(over SSH: end the session; Ctrl-D does the same\)")
        child.expect("kboot> ")
        child.send("exit\r")
        child.expect(pexpect.EOF)  # the session ends: no need for ssh's ~.
    finally:
        child.close(force=True)

    # Ctrl-D on an empty line and `logout` end a session too.
    for leave in ("\x04", "logout\r"):
        child = pexpect.spawn("ssh", ["-tt", "-i", str(key)] + ssh_opts + ["root@127.0.0.1"],
                              encoding="utf-8", codec_errors="replace", timeout=BOOT_TIMEOUT)
        try:
            child.expect("kboot> ")
            child.send(leave)
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)

    # No key, no login: passwords are off.
    r = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
                        "-o", "PreferredAuthentications=password,keyboard-interactive"] + ssh_opts
                       + ["root@127.0.0.1", "true"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert re.search(r"Permission denied \(publickey\)", r.stderr), r.stderr


def dropbearmulti():
    """The static dropbear built for the image (build/musl-deps.mk)."""
    from qemu import REPO
    with open(os.path.join(REPO, "build", "musl-deps.mk")) as f:
        for line in f:
            if line.startswith("DROPBEAR_DIR"):
                return os.path.join(line.split(":=", 1)[1].strip(), "bin", "dropbearmulti")
    pytest.skip("no DROPBEAR_DIR in build/musl-deps.mk")


def dropbear_key(tool, path):
    """A new ed25519 key in dropbear's format; returns its public key line."""
    subprocess.run([tool, "dropbearkey", "-t", "ed25519", "-f", str(path)], check=True,
                   capture_output=True)
    out = subprocess.run([tool, "dropbearkey", "-y", "-f", str(path)], check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.startswith("ssh-ed25519 ")][0]


@pytest.fixture
def ssh_server(tmp_path):
    """The same dropbear as an SSH server on the host, on 127.0.0.1 only, for
    this test's user. It reads ~/.ssh/authorized_keys, so it runs in its own
    mount namespace where the home directory is a temporary one: the host's
    own stays untouched (and hidden, so the binary is run from a copy)."""
    tool = str(tmp_path / "dropbearmulti")
    shutil.copy(dropbearmulti(), tool)
    client_pub = dropbear_key(tool, tmp_path / "client_key")
    host_pub = dropbear_key(tool, tmp_path / "host_key")
    fake_home = tmp_path / "home"
    dot_ssh = fake_home / ".ssh"
    dot_ssh.mkdir(mode=0o700, parents=True)
    os.chmod(fake_home, 0o700)
    (dot_ssh / "authorized_keys").write_text(client_pub + "\n")
    os.chmod(dot_ssh / "authorized_keys", 0o600)
    home = pwd.getpwuid(os.getuid()).pw_dir
    port = free_port()
    namespace = ["unshare", "--mount", "--propagation", "private"]
    if os.getuid() != 0:
        namespace[1:1] = ["--user", "--map-root-user"]
    script = 'mount --bind "$2" "$1" && shift 2 && exec "$@"'
    server = subprocess.Popen(namespace + ["sh", "-c", script, "sh", home, str(fake_home), tool, "dropbear",
                                           "-F", "-p", f"127.0.0.1:{port}",
                                           "-r", str(tmp_path / "host_key"), "-P", str(tmp_path / "pid")],
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "dropbear.log", "w"))
    try:
        while True:  # until it listens (or has died)
            assert server.poll() is None, (tmp_path / "dropbear.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield {"port": port, "user": pwd.getpwuid(os.getuid()).pw_name, "host_pub": host_pub,
               "client_key": (tmp_path / "client_key").read_bytes(), "log": tmp_path / "dropbear.log"}
    finally:
        server.kill()
        server.wait()


def test_scp_from_the_prompt_fetches_a_kernel_that_then_boots(boot_vm, kboot_image, ssh_server, tmp_path):
    """`scp user@10.0.2.2:/path/vmlinuz //tmp/` at the prompt (dropbear's scp
    and dbclient in the image), then the boot line from kboot's /tmp."""
    served = tmp_path / "served"
    demo.write_target_files(str(served), kboot_image[0])
    pub = tmp_path / "host_key.pub"
    pub.write_text(ssh_server["host_pub"] + "\n")
    fingerprint = subprocess.run(["ssh-keygen", "-l", "-f", str(pub)], check=True, capture_output=True,
                                 text=True).stdout.split()[1]
    vm = boot_vm(disks=[], append="kboot=local",
                 files={"root/.ssh/id_dropbear": ssh_server["client_key"],
                        "etc/kboot.conf": "timeout=-1\n"})
    vm.expect("kboot> ")
    source = f"{ssh_server['user']}@10.0.2.2:{served}"
    vm.sendline(f"scp -P {ssh_server['port']} -i //root/.ssh/id_dropbear {source}/vmlinuz "
                f"{source}/initrd.img //tmp/")
    # dbclient asks, as it does a person, whether to trust the host's key
    # (one connection per remote file; the answer is kept in ~/.ssh/known_hosts)
    asked = 0
    while True:
        m = vm.expect(r"\(ssh-ed25519 fingerprint (\S+)\)\r*\nDo you want to continue connecting\? "
                      r"\(y/n\)|kboot> ")
        if not m.group(1):
            break
        assert m.group(1) == fingerprint
        asked += 1
        assert asked <= 2, vm.serial_log()
        vm.sendline("y")
    assert asked >= 1
    vm.sendline("//tmp/vmlinuz initrd=//tmp/initrd.img console=ttyS0 from=scp")
    vm.expect(r"KBOOT-DEMO-TARGET: .* is running")
    line = vm.expect(r"TARGET-CMDLINE: ([^\r\n]*)\r*\n").group(1)
    assert line.strip() == "console=ttyS0 from=scp", vm.serial_log()
