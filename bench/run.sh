#!/bin/bash
# `make bench`: every measurement, each as a ratio against a baseline taken in
# the same run; together they become bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
# In report order; each prints one markdown section.
benches=(sizes boot_time console_prompt rebuild kexec_modes kbootd_wrk fetch_throughput tftp_throughput)
for b in "${benches[@]}"; do
	[ -f "bench/$b.py" ] || continue
	echo "bench: $b"
	/usr/bin/python3 "bench/$b.py" >"$out/$b.md"
done
{
	echo "# kboot measurements"
	echo
	echo "Made by \`make bench\` on $(date -u +%Y-%m-%d), $(nproc) cores, QEMU TCG."
	echo "Every number is compared with a baseline measured in the same run."
	echo
	for b in "${benches[@]}"; do
		[ -f "$out/$b.md" ] && cat "$out/$b.md"
	done
	if [ -f build/fuzz/stats.md ]; then
		echo "## Fuzzing (the last \`make fuzz-short\` or \`make fuzz\` run; crashes found so far are fixed and kept as regress-* inputs in tests/fuzz/corpus/)"
		echo
		cat build/fuzz/stats.md
		echo
	fi
	for f in bench/*.notes.md; do [ -f "$f" ] && cat "$f"; done
} >bench/RESULTS.md
echo "bench: wrote bench/RESULTS.md"
