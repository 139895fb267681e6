"""`make image` around a user's configuration: KBOOT_CONF becomes the image's
/etc/kboot.conf and KBOOT_CONFIG_DIR's files land in its /etc, as the
original kboot took them from its config/ directory."""
import subprocess

from qemu import REPO


def image_cpio(out):
    """The initramfs `make image` wrote into out, whatever its compression."""
    (cpio,) = out.glob("kboot.cpio.*")
    return cpio


def cpio_cat(cpio):
    return {".xz": "xz -dc", ".zst": "zstd -dcq", ".gz": "gzip -dc"}[cpio.suffix] + f" {cpio}"


def image_file(cpio, name):
    listing = subprocess.run(f"{cpio_cat(cpio)} | cpio --quiet -i --to-stdout {name}",
                             shell=True, capture_output=True, check=True)
    return listing.stdout.decode()


def test_image_built_around_a_users_config(tmp_path):
    conf = tmp_path / "my-kboot.conf"
    conf.write_text("default=mine\ntimeout=3\nmine='/boot/vmlinuz root=/dev/sda2'\n")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "hosts").write_text("192.0.2.7\tbootserver\n")
    out = tmp_path / "out"
    subprocess.run(["make", "-s", "image", f"OUT={out}", f"KBOOT_CONF={conf}",
                    f"KBOOT_CONFIG_DIR={config_dir}", f"ROOTFS={tmp_path / 'rootfs'}"],
                   cwd=REPO, check=True, capture_output=True)
    cpio = image_cpio(out)
    assert image_file(cpio, "etc/kboot.conf") == conf.read_text()
    assert "bootserver" in image_file(cpio, "etc/hosts")
    assert (out / "kboot.bzImage").stat().st_size > 1024 * 1024


def test_default_image_has_everything_kboot_runs(tmp_path):
    out = tmp_path / "out"
    subprocess.run(["make", "-s", "image", f"OUT={out}", f"ROOTFS={tmp_path / 'rootfs'}"],
                   cwd=REPO, check=True, capture_output=True)
    cpio = image_cpio(out)
    assert "network=dhcp" in image_file(cpio, "etc/kboot.conf")
    names = set(subprocess.run(f"{cpio_cat(cpio)} | cpio --quiet -t", shell=True, check=True,
                               capture_output=True, text=True).stdout.split())
    for needed in ("init", "bin/busybox", "bin/sh", "sbin/init", "sbin/udhcpc",
                   "usr/sbin/kbootd", "usr/bin/kboot-console", "usr/sbin/kexec",
                   "usr/share/kboot/webroot/index.html", "usr/share/kboot/webroot/index.html.gz",
                   "etc/ssl/certs/ca-certificates.crt", "usr/share/terminfo/l/linux",
                   "usr/share/udhcpc/default.script", "etc/init.d/rcS",
                   "usr/sbin/mdadm", "usr/sbin/lvm", "usr/sbin/dmsetup", "usr/sbin/cryptsetup"):
        assert needed in names, f"{needed} missing from the image"
