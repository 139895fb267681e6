#!/bin/bash
# Run each libFuzzer harness for a while and write build/fuzz/stats.md.
# usage: tests/fuzz/run.sh FUZZ_DIR SECONDS HARNESS_BIN...
# Seeds: tests/fuzz/corpus/<harness>/ (hand seeds and every crash found so
# far, as regression inputs) and the matching files of tests/unit/fixtures.
# New coverage goes to FUZZ_DIR/corpus/<harness>/ (kept between runs);
# crashes to FUZZ_DIR/crashes/<harness>/. FUZZ_JOBS harnesses run at once
# (default: the number of CPUs). Any crash fails the run.
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=$1 seconds=$2
shift 2
jobs=${FUZZ_JOBS:-$(nproc)}
fixtures=tests/unit/fixtures

# Fixture files that are inputs of one harness.
fixture_seeds() {
	case $1 in
	fuzz-kboot-conf) find $fixtures -type f \( -name '*.conf' -path '*config*' -o -name kboot.conf \) ;;
	fuzz-bls) find $fixtures -type f -path '*/loader/entries/*.conf' ;;
	fuzz-grub) find $fixtures -type f -name '*.cfg' -path '*grub*' ;;
	fuzz-syslinux) find $fixtures -type f \( -name '*.cfg' -o -name '*.conf' \) \( -path '*linux*' \) ;;
	fuzz-grubenv) find $fixtures -type f -name grubenv ;;
	fuzz-inspect) find $fixtures -type f -size -64k ;;
	esac
}

# The GRUB scenarios (tests/unit/grub/*.scenario): every file of each, as
# a grub.cfg of its own.
scenario_seeds() {
	local f
	for f in tests/unit/grub/*.scenario; do
		awk -v out="$1/scenario-$(basename "$f" .scenario)" '
			/^--- file /{ n++; p=1; next } /^--- /{ p=0 } p{ print > (out "-" n) }' "$f"
	done
}

run_one() {
	local bin=$1 name
	name=$(basename "$bin")
	local seeds=$dir/seeds/$name corpus=$dir/corpus/$name crashes=$dir/crashes/$name
	rm -rf "$seeds" "$crashes"
	mkdir -p "$seeds" "$corpus" "$crashes" tests/fuzz/corpus/"$name"
	fixture_seeds "$name" | while read -r f; do cp "$f" "$seeds/$(echo "$f" | tr / _)"; done
	[ "$name" = fuzz-grub ] && scenario_seeds "$seeds"
	"$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$corpus" "$seeds" tests/fuzz/corpus/"$name" \
		>"$dir/logs/$name.log" 2>&1
	echo $? >"$dir/logs/$name.rc"
}

mkdir -p "$dir/logs"
rm -f "$dir"/logs/*.rc
start=$SECONDS
running=0
for bin in "$@"; do
	run_one "$bin" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

status=0
stats=$dir/stats.md
{
	echo "| harness | seconds | runs | exec/s | crashes |"
	echo "|---|---|---|---|---|"
} >"$stats"
for bin in "$@"; do
	name=$(basename "$bin")
	log=$dir/logs/$name.log
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	# slow-unit-*: an input that once took over 10 s (a busy machine can
	# cause that); kept for a look, not a failure. Timeouts (-timeout) are.
	crashes=$(find "$dir/crashes/$name" -type f ! -name 'slow-unit-*' | wc -l)
	slow=$(find "$dir/crashes/$name" -type f -name 'slow-unit-*' | wc -l)
	rc=$(cat "$dir/logs/$name.rc" 2>/dev/null || echo 1)
	echo "| $name | $seconds | ${runs:-?} | ${speed:-?} | $crashes |" >>"$stats"
	if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
		status=1
		echo "=== $name: exit $rc, $crashes crash input(s) in $dir/crashes/$name"
		grep -a -A30 -m1 -E '^==[0-9]+==ERROR|runtime error|^==[0-9]+== ERROR|deadly signal|Timeout' "$log" | head -40
	fi
	[ "$slow" -eq 0 ] || echo "=== $name: $slow slow input(s) in $dir/crashes/$name (not a failure)"
done
cat "$stats"
echo "fuzz: $# harnesses, ${seconds} s each, $((SECONDS - start)) s in all; full logs in $dir/logs"
exit $status
