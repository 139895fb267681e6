#!/bin/bash
# `make run`: boot the kboot image in QEMU (TCG) with the demo disk, the web
# UI forwarded to http://localhost:8080 and the serial console on this terminal.
set -euo pipefail
kernel=$1 initrd=$2 disk=$3
port=${KBOOT_HTTP_PORT:-8080}
cat <<MSG
kboot: booting in QEMU. The web UI will answer at http://localhost:$port
       (the one-time password is printed on the console below).
       Leave QEMU with Ctrl-A then X.
MSG
exec qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot -device virtio-rng-pci \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 ${KBOOT_APPEND:-}" \
	-drive "file=$disk,if=virtio,format=raw" \
	-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:80"
