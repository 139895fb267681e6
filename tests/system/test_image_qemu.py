"""The kboot image in QEMU: it boots, kbootd answers, the prompt appears, and a
kernel typed at the prompt is kexec'd with exactly the command line given."""
import requests

COUNTDOWN = r"Booting '([^']+)' in \d+ s"
PROMPT = r"kboot> "


def stop_countdown(vm):
    vm.expect(COUNTDOWN)
    vm.send(" ")
    vm.expect(PROMPT)


def test_image_boots_and_shows_the_countdown(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    title = vm.expect(COUNTDOWN).group(1)
    assert title  # the demo's kboot.conf default label


def test_kbootd_answers_on_the_forwarded_port(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    r = vm.wait_http("/api/v1/status")
    assert r.status_code == 401, "the API must not answer without the password"
    password = vm.expect_one_time_password()
    r = requests.get(vm.url + "/api/v1/status", auth=("admin", password), timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["state"] in ("countdown", "idle")
    assert body["version"]


def test_console_prompt_appears_after_a_key(boot_vm, demo_disk):
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    vm.sendline("pwd")
    vm.expect(r"\n/\r*\n")


def test_boot_kernel_path_with_initrd_and_arguments_from_console(boot_vm, demo_disk):
    ver = demo_disk["version"]
    vm = boot_vm(disks=[demo_disk["path"]])
    stop_countdown(vm)
    args = "console=ttyS0 kboot.test=typed-at-prompt panic=-1"
    vm.sendline(f"/boot/vmlinuz-{ver} initrd=/boot/initrd.img-{ver} {args}")
    vm.expect(r"KBOOT-DEMO-TARGET: .* is running")
    line = vm.expect(r"TARGET-CMDLINE: ([^\r\n]*)\r*\n").group(1)
    assert line.strip() == args
