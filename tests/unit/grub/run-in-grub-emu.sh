#!/bin/bash
# Run GRUB itself on a grub.cfg (stdin) and print what it wrote: grub-emu
# (Debian's grub-emu package, GRUB 2.06 built as a program) reads the file
# as its own grub.cfg. Files named as arguments are copied beside it ($prefix).
# Make the bodies `echo` what they would load and `halt`, and set timeout=0,
# to see which entry GRUB boots. GE_TIMEOUT (seconds, default 20) ends a run
# that waits at a menu. usage: run-in-grub-emu.sh [FILE…] < grub.cfg
set -uo pipefail
command -v grub-emu >/dev/null || { echo "grub-emu: not installed (apt-get install grub-emu)" >&2; exit 2; }
d=$(mktemp -d /tmp/grub-emu-XXXXXX)
trap 'rm -rf "$d"' EXIT
cat >"$d/grub.cfg"
for f in "$@"; do cp "$f" "$d/"; done
(cd /tmp && timeout "${GE_TIMEOUT:-20}" script -qc "grub-emu -d $d -r host" /dev/null >"$d/out" 2>&1)
sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$d/out" | tr -d '\r' | grep -a '[A-Za-z]' | grep -av 'Welcome to GRUB'
