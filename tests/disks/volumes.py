"""Target disks on volumes (issue 14): LVM, LVM on LUKS2, md RAID1.

This machine's kernel has no device-mapper and no md, so the volumes are made
inside a QEMU guest: the kboot image itself, started with rdinit= pointing at
a build script from the overlay, runs the image's own mdadm, lvm and
cryptsetup on blank disks, then copies in filesystems built here (mkfs.ext4
-d on plain files, attached as extra disks) with dd. The filesystems hold the
demo target: its kernel and banner-printing initramfs, an fstab naming the
volumes, and a kboot.conf label that boots it."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo  # noqa: E402
from gptdisk import Partition, build_disk, kernel_version, make_fs  # noqa: E402

PASSPHRASE = "correct horse battery staple"
HOME_MARK = "home-on-a-volume\n"
BUILD_DONE = "VOLUMES-BUILT"
TITLE = "Target on volumes"

# The guest's part before and after each layout's commands.
SCRIPT_HEAD = """#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run/lvm /run/lock/lvm /etc/lvm
# No udev here: lvm makes its own /dev nodes; nothing is kept between boots.
cat >/etc/lvm/lvm.conf <<'EOF'
activation { udev_sync = 0 udev_rules = 0 verify_udev_operations = 0 monitoring = 0 }
devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 }
EOF
set -ex
"""
SCRIPT_TAIL = """
sync
set +x
echo "{done} rc=0"
reboot -f
"""


def write(path, text, mode=0o644):
    demo.write(path, text, mode)


def target_root_tree(root, kernel, fstab, root_spec, busybox="/bin/busybox"):
    """The demo target with its /boot in the root filesystem and a label
    booting it; fstab: the lines after the comment."""
    ver = kernel_version(kernel)
    for d in ("boot", "proc", "sys", "dev", "sbin", "bin", "home"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy(kernel, os.path.join(root, f"boot/vmlinuz-{ver}"))
    demo.target_initramfs(os.path.join(root, f"boot/initrd.img-{ver}"), busybox)
    write(os.path.join(root, "sbin/init"), "#!/bin/sh\necho volume root has no real init\n", 0o755)
    write(os.path.join(root, "etc/fstab"), "# /etc/fstab of a target on volumes\n" + fstab)
    write(os.path.join(root, "etc/hostname"), "kboot-volumes\n")
    # Found by discovery in the target's /boot whatever kboot.conf says.
    write(os.path.join(root, "boot/loader/entries/volumes.conf"),
          f"title      {TITLE}\nversion    {ver}\nlinux      /vmlinuz-{ver}\n"
          f"initrd     /initrd.img-{ver}\noptions    root={root_spec} ro console=ttyS0 entry=volumes\n")
    write(os.path.join(root, "etc/kboot.conf"),
          f"default=vol\ntimeout=-1\n"
          f"vol='/boot/vmlinuz-{ver} initrd=/boot/initrd.img-{ver} root={root_spec} ro console=ttyS0 entry=volumes'\n")
    return ver


def ext4_image(tree, size_mib, out, label):
    make_fs(Partition("x", size_mib, "ext4", tree, label=label), out)
    return out


def blank_gpt(out, partitions):
    """A GPT disk with blank partitions: [(name, MiB, sgdisk type)]."""
    with tempfile.TemporaryDirectory() as tmp:
        zero = os.path.join(tmp, "zero")
        open(zero, "wb").close()
        build_disk(out, [Partition(n, size, "raw", raw_image=zero, type_code=t) for n, size, t in partitions])


def lvm_layout(tmp, kernel):
    """RHEL-like: one disk, one PV partition, VG "rhel" with LVs root and home.
    Returns (target disk, source disks, build script, version)."""
    root, home = os.path.join(tmp, "root"), os.path.join(tmp, "home")
    ver = target_root_tree(root, kernel, "/dev/mapper/rhel-root /     ext4 defaults 0 1\n"
                                         "/dev/mapper/rhel-home /home ext4 defaults 0 2\n",
                           "/dev/mapper/rhel-root")
    write(os.path.join(home, "mark.txt"), HOME_MARK)
    srcs = [ext4_image(root, 40, os.path.join(tmp, "root.img"), "root"),
            ext4_image(home, 8, os.path.join(tmp, "home.img"), "home")]
    disk = os.path.join(tmp, "lvm.img")
    blank_gpt(disk, [("lvm", 60, "8e00")])
    script = SCRIPT_HEAD + """
lvm pvcreate -y /dev/vda1
lvm vgcreate -y rhel /dev/vda1
lvm lvcreate -y -Wn -L 40M -n root rhel
lvm lvcreate -y -Wn -L 8M -n home rhel
cat /dev/vdb >/dev/mapper/rhel-root
cat /dev/vdc >/dev/mapper/rhel-home
lvm vgchange -an rhel
""" + SCRIPT_TAIL.format(done=BUILD_DONE)
    return disk, srcs, script, ver


def luks_lvm_layout(tmp, kernel):
    """Ubuntu-like: a /boot-less disk whose one partition is LUKS2 (argon2id,
    small memory so TCG manages it) holding a PV, VG "ubuntu-vg", LVs root and
    home."""
    root, home = os.path.join(tmp, "root"), os.path.join(tmp, "home")
    ver = target_root_tree(root, kernel, "/dev/mapper/ubuntu--vg-root /     ext4 defaults 0 1\n"
                                         "/dev/mapper/ubuntu--vg-home /home ext4 defaults 0 2\n",
                           "/dev/mapper/ubuntu--vg-root")
    write(os.path.join(home, "mark.txt"), HOME_MARK)
    srcs = [ext4_image(root, 40, os.path.join(tmp, "root.img"), "root"),
            ext4_image(home, 8, os.path.join(tmp, "home.img"), "home")]
    disk = os.path.join(tmp, "luks.img")
    blank_gpt(disk, [("crypt", 80, "8309")])
    script = SCRIPT_HEAD + f"""
printf '%s' '{PASSPHRASE}' >/tmp/pass
cryptsetup luksFormat -q --type luks2 --pbkdf argon2id --pbkdf-memory 32768 --pbkdf-parallel 1 \\
	--pbkdf-force-iterations 4 --key-file=/tmp/pass /dev/vda1
cryptsetup open --key-file=/tmp/pass /dev/vda1 cryptroot
lvm pvcreate -y /dev/mapper/cryptroot
lvm vgcreate -y ubuntu-vg /dev/mapper/cryptroot
lvm lvcreate -y -Wn -L 40M -n root ubuntu-vg
lvm lvcreate -y -Wn -L 8M -n home ubuntu-vg
cat /dev/vdb >/dev/mapper/ubuntu--vg-root
cat /dev/vdc >/dev/mapper/ubuntu--vg-home
lvm vgchange -an ubuntu-vg
cryptsetup close cryptroot
""" + SCRIPT_TAIL.format(done=BUILD_DONE)
    return disk, srcs, script, ver


def md_layout(tmp, kernel):
    """A server: two disks, each with a /boot and a root partition, mirrored
    as md RAID1 (/dev/md/boot and /dev/md/root, metadata 1.2)."""
    root, boot = os.path.join(tmp, "root"), os.path.join(tmp, "boot")
    ver = target_root_tree(root, kernel, "/dev/md/root /     ext4 defaults 0 1\n"
                                         "/dev/md/boot /boot ext4 defaults 0 2\n",
                           "/dev/md/root")
    # /boot is its own array: the kernel moves there, the root keeps an empty /boot.
    shutil.move(os.path.join(root, "boot"), boot)
    os.makedirs(os.path.join(root, "boot"))
    write(os.path.join(boot, "mark.txt"), HOME_MARK)
    srcs = [ext4_image(root, 24, os.path.join(tmp, "root.img"), "root"),
            ext4_image(boot, 24, os.path.join(tmp, "boot.img"), "boot")]
    disks = [os.path.join(tmp, "md-a.img"), os.path.join(tmp, "md-b.img")]
    for d in disks:
        blank_gpt(d, [("boot", 26, "fd00"), ("root", 26, "fd00")])
    script = SCRIPT_HEAD + """
mdadm --create /dev/md/boot --run --assume-clean --level=1 --raid-devices=2 --metadata=1.2 \\
	--homehost=server1 --name=boot /dev/vda1 /dev/vdb1
mdadm --create /dev/md/root --run --assume-clean --level=1 --raid-devices=2 --metadata=1.2 \\
	--homehost=server1 --name=root /dev/vda2 /dev/vdb2
cat /dev/vdd >/dev/md/boot
cat /dev/vdc >/dev/md/root
mdadm --stop /dev/md/boot /dev/md/root
""" + SCRIPT_TAIL.format(done=BUILD_DONE)
    return disks, srcs, script, ver


BTRFS_UUID = "6b626f6f-7400-4000-8000-0000000000b1"


def host_program_files(program):
    """A dynamically linked host program and the libraries it loads, as
    overlay files for the guest (the image has no btrfs tool of its own)."""
    import subprocess
    files = {"usr/local/bin/" + os.path.basename(program): open(program, "rb").read()}
    for line in subprocess.run(["ldd", program], check=True, capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
        if path.startswith("/"):
            files[path.lstrip("/")] = open(os.path.realpath(path), "rb").read()
    return files


def btrfs_layout(tmp, kernel):
    """Fedora-like: one btrfs partition whose top level holds the subvolumes
    "root" and "home"; fstab mounts both by UUID with subvol=. The
    subvolumes are made in the guest with the host's btrfs tool."""
    import subprocess
    root, home = os.path.join(tmp, "root"), os.path.join(tmp, "home")
    ver = target_root_tree(root, kernel, f"UUID={BTRFS_UUID} /     btrfs subvol=root,compress=zstd:1 0 0\n"
                                         f"UUID={BTRFS_UUID} /home btrfs subvol=home,compress=zstd:1 0 0\n",
                           f"UUID={BTRFS_UUID} rootflags=subvol=root")
    write(os.path.join(home, "mark.txt"), HOME_MARK)
    srcs = [ext4_image(root, 40, os.path.join(tmp, "root.img"), "root"),
            ext4_image(home, 8, os.path.join(tmp, "home.img"), "home")]
    fs = os.path.join(tmp, "btrfs.fs")
    with open(fs, "wb") as f:
        f.truncate(160 * 1024 * 1024)
    subprocess.run(["mkfs.btrfs", "-q", "-f", "-U", BTRFS_UUID, "-L", "fedora", fs], check=True,
                   capture_output=True)
    disk = os.path.join(tmp, "btrfs.img")
    build_disk(disk, [Partition("root", 160, "raw", raw_image=fs)])
    script = SCRIPT_HEAD + """
# Overlay files come without modes: the program and its loader need x.
chmod 755 /usr/local/bin/btrfs /lib64/ld-linux-x86-64.so.2
mkdir -p /mnt/fs /mnt/src
mount -t btrfs /dev/vda1 /mnt/fs
/usr/local/bin/btrfs subvolume create /mnt/fs/root
/usr/local/bin/btrfs subvolume create /mnt/fs/home
mount -t ext4 -o ro /dev/vdb /mnt/src
cp -a /mnt/src/. /mnt/fs/root/
umount /mnt/src
mount -t ext4 -o ro /dev/vdc /mnt/src
cp -a /mnt/src/. /mnt/fs/home/
umount /mnt/src
umount /mnt/fs
""" + SCRIPT_TAIL.format(done=BUILD_DONE)
    return disk, srcs, script, ver, host_program_files("/usr/bin/btrfs")
