#!/bin/bash
# Boots a kboot bzImage under QEMU (TCG) with a busybox initramfs and checks disks, NICs, filesystems and ACPI poweroff.
# usage: kernel/smoke-test.sh BZIMAGE [gz|zst|xz|lz4] [bios|efi]
set -euo pipefail

image=$(realpath "${1:?usage: $0 BZIMAGE [gz|zst|xz|lz4] [bios|efi]}")
comp=${2:-gz}
firmware=${3:-bios}
BUSYBOX=/bin/busybox # Debian's busybox-static
OVMF=/usr/share/qemu/OVMF.fd

work=$(mktemp -d /tmp/kboot-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/root/bin"
cp "$BUSYBOX" "$work/root/bin/busybox"
cat >"$work/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /efivars
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q ' /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
echo "SMOKE uptime-at-init: $(cut -d' ' -f1 /proc/uptime) s"
echo "SMOKE cmdline: $(cat /proc/cmdline)"
echo "SMOKE block: $(ls /sys/class/block | tr '\n' ' ')"
for n in /sys/class/net/*; do
	echo "SMOKE net: ${n##*/} $(basename "$(readlink "$n/device/driver")" 2>/dev/null)"
done
missing=
for fs in ext4 vfat iso9660 squashfs xfs btrfs nfs nfs4 tmpfs efivarfs; do
	grep -qw "$fs" /proc/filesystems || missing="$missing $fs"
done
echo "SMOKE filesystems missing:[$missing ]"
if [ -d /sys/firmware/efi ]; then
	mount -t efivarfs efivarfs /efivars && echo "SMOKE efivars: $(ls /efivars | wc -l)"
	echo "SMOKE fb: $(cat /proc/fb)"
fi
poweroff -f
EOF
chmod +x "$work/root/init"

(cd "$work/root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$work/initrd.cpio"
case $comp in
gz) gzip -9 "$work/initrd.cpio" ;;
zst) zstd -19 -q --rm "$work/initrd.cpio" ;;
xz) xz --check=crc32 "$work/initrd.cpio" ;; # the kernel's xz decoder wants CRC32
lz4) lz4 -l -9 -q --rm "$work/initrd.cpio" "$work/initrd.cpio.lz4" ;; # -l: the legacy format the kernel reads
*) echo "unknown compression: $comp" >&2; exit 2 ;;
esac
initrd=$(echo "$work"/initrd.cpio.*)

# A disk with a GPT and two partitions: vda1 and vda2 must show up.
truncate -s 64M "$work/disk.img"
printf 'label: gpt\n,32M\n,\n' | sfdisk -q "$work/disk.img"

fw=()
[ "$firmware" = efi ] && fw=(-bios "$OVMF")
t0=$(date +%s%N)
timeout 180 qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot "${fw[@]}" \
	-kernel "$image" -initrd "$initrd" -append "console=ttyS0" \
	-drive file="$work/disk.img",if=virtio,format=raw \
	-nic user,model=virtio-net-pci -nic user,model=e1000 >"$work/console.log" 2>&1 || true
t1=$(date +%s%N)

log=$work/console.log
grep -a '^SMOKE' "$log" || true
fail=0
check() { grep -aqE "$1" "$log" || { echo "FAIL: $2"; fail=1; }; }
check 'SMOKE block: .*vda1 vda2' "virtio disk with GPT partitions"
check 'SMOKE net: .* virtio_net' "virtio-net NIC"
check 'SMOKE net: .* e1000' "e1000 NIC"
check 'reboot: Power down' "ACPI poweroff"
if [ "$firmware" = efi ]; then
	check 'SMOKE filesystems missing:\[ \]' "filesystems"
	check 'SMOKE efivars: [1-9]' "efivarfs"
	check 'SMOKE fb: 0 EFI VGA' "EFI framebuffer"
else
	check 'SMOKE filesystems missing:\[( efivarfs)? \]' "filesystems (efivarfs needs EFI)"
fi
echo "initrd $comp: $(stat -c %s "$initrd") bytes; QEMU ran $(((t1 - t0) / 1000000)) ms"
if [ $fail -ne 0 ]; then
	tail -n 40 "$log"
	exit 1
fi
echo "PASS ($firmware, $comp)"
