"""Build GPT disk images from directory trees, without mounting anything.

ext4 is filled with `mkfs.ext4 -d`, vfat with mtools; sgdisk writes the table.
Used by `make run` (the demo disk) and by the system tests."""
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

MIB = 1024 * 1024
FIRST_LBA_OFFSET = 1 * MIB  # partitions start 1 MiB in, aligned


@dataclass
class Partition:
    name: str
    size_mib: int
    fstype: str  # "ext4", "vfat", "raw"
    tree: str | None = None  # directory whose contents fill the filesystem
    fs_uuid: str | None = None  # ext4 UUID, or vfat volume id "ABCD-1234"
    part_uuid: str | None = None
    label: str | None = None
    type_code: str = "8300"  # sgdisk type: 8300 Linux, ef00 ESP
    raw_image: str | None = None  # for fstype "raw": bytes to place as-is


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def make_fs(part: Partition, path: str):
    size = part.size_mib * MIB
    if part.fstype == "raw":
        shutil.copyfile(part.raw_image, path)
        with open(path, "r+b") as f:
            f.truncate(size)
        return
    with open(path, "wb") as f:
        f.truncate(size)
    if part.fstype == "ext4":
        args = ["mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0", "-O", "^has_journal" if part.size_mib < 8 else "has_journal"]
        if part.fs_uuid:
            args += ["-U", part.fs_uuid]
        if part.label:
            args += ["-L", part.label]
        if part.tree:
            args += ["-d", part.tree]
        run(*args, path)
    elif part.fstype == "vfat":
        args = ["mkfs.vfat", "-F", "32" if part.size_mib >= 33 else "16"]
        if part.fs_uuid:
            args += ["-i", part.fs_uuid.replace("-", "")]
        if part.label:
            args += ["-n", part.label]
        run(*args, path)
        if part.tree:
            for entry in sorted(os.listdir(part.tree)):
                run("mcopy", "-s", "-Q", "-i", path, os.path.join(part.tree, entry), "::/")
    else:
        raise ValueError(f"unknown fstype {part.fstype}")


def build_disk(path: str, partitions: list[Partition], disk_guid: str | None = None):
    """Write a GPT disk image at path holding the partitions in order."""
    total = FIRST_LBA_OFFSET + sum(p.size_mib for p in partitions) * MIB + MIB
    with open(path, "wb") as f:
        f.truncate(total)
    args = ["sgdisk", "-o"]
    if disk_guid:
        args += ["-U", disk_guid]
    offset_mib = FIRST_LBA_OFFSET // MIB
    for i, p in enumerate(partitions, 1):
        start = offset_mib * MIB // 512
        end = start + p.size_mib * MIB // 512 - 1
        args += ["-n", f"{i}:{start}:{end}", "-t", f"{i}:{p.type_code}", "-c", f"{i}:{p.name}"]
        if p.part_uuid:
            args += ["-u", f"{i}:{p.part_uuid}"]
        offset_mib += p.size_mib
    run(*args, path)
    with tempfile.TemporaryDirectory() as tmp:
        offset = FIRST_LBA_OFFSET
        with open(path, "r+b") as disk:
            for i, p in enumerate(partitions, 1):
                img = os.path.join(tmp, f"p{i}.img")
                make_fs(p, img)
                with open(img, "rb") as src:
                    disk.seek(offset)
                    shutil.copyfileobj(src, disk, 4 * MIB)
                offset += p.size_mib * MIB


def make_cpio(tree: str, out: str, compress: str | None = "gzip"):
    """An initramfs (newc cpio) of tree, owned by root."""
    files = subprocess.run(["find", ".", "-mindepth", "1"], cwd=tree, check=True,
                           capture_output=True, text=True).stdout
    listing = "\n".join(sorted(files.split())) + "\n"
    cpio = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], cwd=tree,
                          input=listing.encode(), check=True, capture_output=True).stdout
    if compress:
        cpio = subprocess.run([compress, "-9n" if compress == "gzip" else "-9"], input=cpio,
                              check=True, capture_output=True).stdout
    with open(out, "wb") as f:
        f.write(cpio)


def kernel_version(bzimage: str) -> str:
    """The release (`uname -r`) from a bzImage's header."""
    with open(bzimage, "rb") as f:
        head = f.read(64 * 1024)
    if head[0x202:0x206] != b"HdrS":
        raise ValueError(f"{bzimage}: not a bzImage")
    ptr = int.from_bytes(head[0x20E:0x210], "little") + 0x200
    return head[ptr:head.index(b"\0", ptr)].decode().split()[0]
