"""SSH to the kboot prompt (issue 8): with a test key in /etc/kboot/
authorized_keys, dropbear starts, the console and GET /api/v1/status show
the host key's fingerprint, `ssh -i key` gets the kboot prompt, and
`entries` lists the demo disk's entries. Passwords are refused."""
import re
import subprocess

import pexpect
import requests

from qemu import BOOT_TIMEOUT, free_port


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
    finally:
        child.close(force=True)

    # No key, no login: passwords are off.
    r = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
                        "-o", "PreferredAuthentications=password,keyboard-interactive"] + ssh_opts
                       + ["root@127.0.0.1", "true"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert re.search(r"Permission denied \(publickey\)", r.stderr), r.stderr
