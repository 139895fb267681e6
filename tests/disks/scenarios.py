"""Test disks for discovery end to end: broken filesystems, partition tables
that lie, an ESP with BLS entries, a disk with an extlinux.conf.

Built from directory trees with gptdisk.py, then damaged on purpose by
patching bytes (never by mounting). Used by tests/system/test_discovery_qemu.py
and test_special_files_qemu.py."""
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo  # noqa: E402
from gptdisk import MIB, Partition, build_disk, make_fs, run  # noqa: E402

SUPERBLOCK = 1024  # byte offset of the ext4 superblock in its filesystem
EXT4_ERRORS_PANIC = 3
EXT4_RO_COMPAT_METADATA_CSUM = 0x400

GOOD_UUID = "6b626f6f-7400-4000-8000-0000000000c1"
GOOD_TITLES = ("Good disk Linux", "Good disk Linux (rescue)")
ESP_BLS_TITLES = ("Standalone ESP Linux", "Standalone ESP Linux (fallback)")
ESP_TARGET_TITLE = "Target ESP Linux"
FIFO_TARGET_UUID = "6b626f6f-7400-4000-8000-0000000000f1"
FIFO_TARGET_TITLE = "Beside a FIFO grub.cfg"


# --- ext4 superblock surgery --------------------------------------------------
def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def _crc32c_raw(data, crc=0xFFFFFFFF):
    """crc32c as Linux computes it: no final inversion (ext4's checksums)."""
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def patch_ext4_superblock(fs_image, **fields):
    """Overwrite superblock fields (name=(offset, fmt, value)) in an ext4
    image and re-seal its checksum, so libblkid still calls it ext4 and the
    kernel gets as far as the damage itself."""
    with open(fs_image, "r+b") as f:
        f.seek(SUPERBLOCK)
        sb = bytearray(f.read(1024))
        assert sb[0x38:0x3A] == b"\x53\xef", "not an ext2/3/4 filesystem"
        for offset, fmt, value in fields.values():
            struct.pack_into(fmt, sb, offset, value)
        ro_compat = struct.unpack_from("<I", sb, 0x64)[0]
        if ro_compat & EXT4_RO_COMPAT_METADATA_CSUM:
            struct.pack_into("<I", sb, 0x3FC, _crc32c_raw(bytes(sb[:0x3FC])))
        f.seek(SUPERBLOCK)
        f.write(sb)


def ext4_with(tree, size_mib, out, label=None):
    make_fs(Partition("x", size_mib, "ext4", tree, label=label), out)
    return out


# --- GPT surgery --------------------------------------------------------------
def stretch_gpt_partition(disk, number, extra_sectors):
    """Make GPT entry `number` end extra_sectors past the end of the disk,
    with valid CRCs: a table that lies, not one that is merely damaged."""
    with open(disk, "r+b") as f:
        f.seek(512)
        hdr = bytearray(f.read(92))
        assert hdr[:8] == b"EFI PART"
        entries_lba, n_entries, entry_size = struct.unpack_from("<QII", hdr, 72)
        f.seek(entries_lba * 512)
        entries = bytearray(f.read(n_entries * entry_size))
        disk_sectors = os.fstat(f.fileno()).st_size // 512
        at = (number - 1) * entry_size
        struct.pack_into("<Q", entries, at + 40, disk_sectors - 1 + extra_sectors)
        struct.pack_into("<I", hdr, 88, zlib.crc32(entries) & 0xFFFFFFFF)
        struct.pack_into("<I", hdr, 16, 0)
        struct.pack_into("<I", hdr, 16, zlib.crc32(hdr) & 0xFFFFFFFF)
        f.seek(512)
        f.write(hdr)
        f.seek(entries_lba * 512)
        f.write(entries)


def write_mbr(disk, partitions):
    """A classic MBR; partitions are (type, start_sector, n_sectors)."""
    mbr = bytearray(512)
    for i, (ptype, start, count) in enumerate(partitions):
        e = 446 + 16 * i
        mbr[e + 4] = ptype
        mbr[e + 1:e + 4] = b"\xfe\xff\xff"  # CHS: use LBA
        mbr[e + 5:e + 8] = b"\xfe\xff\xff"
        struct.pack_into("<II", mbr, e + 8, start, count)
    mbr[510:512] = b"\x55\xaa"
    with open(disk, "r+b") as f:
        f.write(mbr)


# --- trees --------------------------------------------------------------------
def _write(path, text, mode=0o644):
    demo.write(path, text, mode)


def _grub_tree(root, title):
    _write(os.path.join(root, "boot/grub/grub.cfg"),
           f"menuentry '{title}' {{\n\tlinux /boot/vmlinuz root=/dev/sda1\n}}\n")
    _write(os.path.join(root, "boot/vmlinuz"), "not a kernel\n")


def corrupt_disk(out):
    """GPT, every partition broken in its own way:
    1. ext4 whose superblock claims 64 Ti blocks (mount: bad geometry);
    2. ext4 set to errors=panic whose grub.cfg inode was cleared, so reading
       it is a filesystem error (a kernel that obeys the superblock panics);
    3. a GPT entry that runs past the end of the disk."""
    with tempfile.TemporaryDirectory() as tmp:
        t1, t2, t3 = (os.path.join(tmp, d) for d in ("t1", "t2", "t3"))
        _grub_tree(t1, "Behind a corrupt superblock")
        _grub_tree(t2, "Behind a cleared inode")
        _grub_tree(t3, "Past the end of the disk")
        p1 = ext4_with(t1, 8, os.path.join(tmp, "p1.img"), label="badsb")
        patch_ext4_superblock(p1, blocks_lo=(0x04, "<I", 0xFFFFFFF0),
                              blocks_hi=(0x150, "<I", 0x3FFF))
        p2 = ext4_with(t2, 8, os.path.join(tmp, "p2.img"), label="badinode")
        run("tune2fs", "-e", "panic", p2)
        run("debugfs", "-w", "-R", "clri /boot/grub/grub.cfg", p2)
        p3 = ext4_with(t3, 4, os.path.join(tmp, "p3.img"), label="pastend")
        build_disk(out, [
            Partition("badsb", 8, "raw", raw_image=p1),
            Partition("badinode", 8, "raw", raw_image=p2),
            Partition("pastend", 4, "raw", raw_image=p3),
        ])
    stretch_gpt_partition(out, 3, 1 << 20)
    return out


def lying_mbr_disk(out):
    """MBR, 16 MiB: partition 1 claims 1 TiB and holds an ext4 cut short (it
    believes it has 64 MiB); partition 2 starts beyond the end of the disk."""
    size = 16 * MIB
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "t")
        _grub_tree(tree, "On a cut-short filesystem")
        fs = ext4_with(tree, 64, os.path.join(tmp, "fs.img"), label="cutshort")
        with open(out, "wb") as disk, open(fs, "rb") as src:
            disk.truncate(size)
            disk.seek(MIB)
            disk.write(src.read(size - MIB))
    write_mbr(out, [(0x83, 2048, 1 << 31), (0x83, 1 << 24, 2048)])
    return out


def good_extlinux_disk(out, kernel):
    """GPT, one ext4 with /boot/extlinux/extlinux.conf, a kernel and an
    initramfs: the disk whose entries must survive its neighbours."""
    ver = demo.kernel_version(kernel)
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "good")
        os.makedirs(os.path.join(tree, "boot/extlinux"))
        shutil.copy(kernel, os.path.join(tree, f"boot/vmlinuz-{ver}"))
        demo.target_initramfs(os.path.join(tree, f"boot/initrd.img-{ver}"))
        _write(os.path.join(tree, "boot/extlinux/extlinux.conf"),
               "DEFAULT good\nTIMEOUT 50\n"
               f"LABEL good\n  MENU LABEL {GOOD_TITLES[0]}\n  LINUX /boot/vmlinuz-{ver}\n"
               f"  INITRD /boot/initrd.img-{ver}\n  APPEND console=ttyS0 entry=good\n"
               f"LABEL rescue\n  MENU LABEL {GOOD_TITLES[1]}\n  LINUX /boot/vmlinuz-{ver}\n"
               f"  INITRD /boot/initrd.img-{ver}\n  APPEND console=ttyS0 entry=rescue single\n")
        build_disk(out, [Partition("good", 16, "ext4", tree, fs_uuid=GOOD_UUID, label="good")])
    return ver


def _bls_conf(title, linux, initrd, options, version):
    return (f"title   {title}\nversion {version}\nlinux   {linux}\ninitrd  {initrd}\n"
            f"options {options}\n")


def esp_bls_disk(out, kernel):
    """GPT with a lone vfat ESP (no target system on it): /loader/entries/*.conf
    in systemd-boot's layout, the kernel and initramfs under /EFI/Linux."""
    ver = demo.kernel_version(kernel)
    with tempfile.TemporaryDirectory() as tmp:
        esp = os.path.join(tmp, "esp")
        os.makedirs(os.path.join(esp, "EFI/Linux"))
        shutil.copy(kernel, os.path.join(esp, "EFI/Linux/vmlinuz"))
        demo.target_initramfs(os.path.join(esp, "EFI/Linux/initrd.img"))
        _write(os.path.join(esp, "loader/loader.conf"), "timeout 3\n")
        _write(os.path.join(esp, "loader/entries/esp-linux.conf"),
               _bls_conf(ESP_BLS_TITLES[0], "/EFI/Linux/vmlinuz", "/EFI/Linux/initrd.img",
                         "console=ttyS0 entry=esp-bls panic=-1", ver))
        _write(os.path.join(esp, "loader/entries/esp-linux-fallback.conf"),
               _bls_conf(ESP_BLS_TITLES[1], "/EFI/Linux/vmlinuz", "/EFI/Linux/initrd.img",
                         "console=ttyS0 entry=esp-fallback", ver))
        build_disk(out, [Partition("EFI System", 34, "vfat", esp, fs_uuid="4B42-00E1",
                                   label="ESP", type_code="ef00")])
    return ver


def target_with_esp_disk(out, kernel):
    """GPT: a vfat ESP mounted at /boot/efi by the target's fstab, holding BLS
    entries; an ext4 root with /sbin/init. The entries name the ESP's files
    by their place in the target."""
    ver = demo.kernel_version(kernel)
    esp_uuid, root_uuid = "4B42-00E2", "6b626f6f-7400-4000-8000-0000000000e3"
    with tempfile.TemporaryDirectory() as tmp:
        esp, root = os.path.join(tmp, "esp"), os.path.join(tmp, "root")
        os.makedirs(os.path.join(esp, "linux"))
        shutil.copy(kernel, os.path.join(esp, "linux/vmlinuz"))
        demo.target_initramfs(os.path.join(esp, "linux/initrd.img"))
        _write(os.path.join(esp, "loader/entries/target-esp.conf"),
               _bls_conf(ESP_TARGET_TITLE, "/linux/vmlinuz", "/linux/initrd.img",
                         f"root=UUID={root_uuid} ro console=ttyS0 entry=target-esp", ver))
        for d in ("boot/efi", "proc", "sys", "dev"):
            os.makedirs(os.path.join(root, d))
        _write(os.path.join(root, "sbin/init"), "#!/bin/sh\n", 0o755)
        _write(os.path.join(root, "etc/fstab"),
               f"UUID={root_uuid} / ext4 defaults 0 1\n"
               f"UUID={esp_uuid} /boot/efi vfat umask=0077 0 1\n")
        build_disk(out, [
            Partition("EFI System", 34, "vfat", esp, fs_uuid=esp_uuid, label="ESP2",
                      type_code="ef00"),
            Partition("root", 8, "ext4", root, fs_uuid=root_uuid, label="root2"),
        ])
    return ver


def fifo_target_disk(out, kernel):
    """GPT, one ext4 target root whose /boot/grub/grub.cfg is a FIFO (and
    /boot/vmlinuz-fifo too), with a character device /boot/zero (1:5, as
    /dev/zero) and a working extlinux.conf entry beside them. mkfs.ext4 -d
    copies FIFOs and device nodes as they are."""
    ver = demo.kernel_version(kernel)
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.makedirs(os.path.join(root, "boot/grub"))
        os.makedirs(os.path.join(root, "boot/extlinux"))
        _write(os.path.join(root, "sbin/init"), "#!/bin/sh\n", 0o755)
        _write(os.path.join(root, "etc/fstab"), f"UUID={FIFO_TARGET_UUID} / ext4 defaults 0 1\n")
        shutil.copy(kernel, os.path.join(root, f"boot/vmlinuz-{ver}"))
        demo.target_initramfs(os.path.join(root, f"boot/initrd.img-{ver}"))
        _write(os.path.join(root, "boot/extlinux/extlinux.conf"),
               f"LABEL ok\n  MENU LABEL {FIFO_TARGET_TITLE}\n  LINUX /boot/vmlinuz-{ver}\n"
               f"  INITRD /boot/initrd.img-{ver}\n  APPEND console=ttyS0 entry=beside-fifo\n")
        os.mkfifo(os.path.join(root, "boot/grub/grub.cfg"))
        os.mkfifo(os.path.join(root, "boot/vmlinuz-fifo"))
        os.mknod(os.path.join(root, "boot/zero"), 0o666 | stat.S_IFCHR, os.makedev(1, 5))
        build_disk(out, [Partition("root", 32, "ext4", root, fs_uuid=FIFO_TARGET_UUID,
                                   label="fiforoot")])
    return ver


def gpt_partitions(disk):
    """(number, first byte, size in bytes) of each used GPT entry."""
    out = []
    with open(disk, "rb") as f:
        f.seek(512)
        hdr = f.read(92)
        entries_lba, n_entries, entry_size = struct.unpack_from("<QII", hdr, 72)
        f.seek(entries_lba * 512)
        entries = f.read(n_entries * entry_size)
    for i in range(n_entries):
        e = entries[i * entry_size:(i + 1) * entry_size]
        if e[:16] == bytes(16):
            continue
        first, last = struct.unpack_from("<QQ", e, 32)
        out.append((i + 1, first * 512, (last - first + 1) * 512))
    return out


def extract(disk, offset, size, out):
    """Copy a partition out of a disk image (dd with byte offsets)."""
    subprocess.run(["dd", f"if={disk}", f"of={out}", "bs=1M", "iflag=skip_bytes,count_bytes",
                    f"skip={offset}", f"count={size}", "status=none"], check=True)
    return out


def ext4_cat(disk, number, path, tmpdir):
    """A file's text from an ext4 partition of a GPT disk image (debugfs, no
    mount)."""
    for n, offset, size in gpt_partitions(disk):
        if n == number:
            part = extract(disk, offset, size, os.path.join(tmpdir, f"cat-p{n}.img"))
            out = subprocess.run(["debugfs", "-R", f"cat {path}", part], check=True,
                                 capture_output=True, text=True).stdout
            os.unlink(part)
            return out
    raise ValueError(f"{disk}: no partition {number}")
