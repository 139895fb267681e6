#!/bin/bash
# `make bench`: every measurement, each as a ratio against a baseline taken in
# the same run; the results replace bench/RESULTS.md's measured section.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
/usr/bin/python3 bench/sizes.py >"$out/sizes.md"
/usr/bin/python3 bench/boot_time.py >"$out/boot.md"
/usr/bin/python3 bench/rebuild.py >"$out/rebuild.md"
{
	echo "# kboot measurements"
	echo
	echo "Made by \`make bench\` on $(date -u +%Y-%m-%d), $(nproc) cores, QEMU TCG."
	echo "Every number is compared with a baseline measured in the same run."
	echo
	cat "$out/sizes.md" "$out/boot.md" "$out/rebuild.md"
	for f in bench/*.notes.md; do [ -f "$f" ] && cat "$f"; done
} >bench/RESULTS.md
echo "bench: wrote bench/RESULTS.md"
