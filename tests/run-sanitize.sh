#!/bin/bash
# The ASan+UBSan build under test: every unit test binary, then the host API
# and console tests against build/asan/kbootd and build/asan/kboot-console.
# Every sanitizer report goes to a file under <asan-dir>/reports; any such
# file fails the run, even from a kbootd that only reported at exit.
# usage: tests/run-sanitize.sh ASAN_DIR UNIT_BIN...
set -uo pipefail
cd "$(dirname "$0")/.."
asan=$(realpath "$1")
shift
reports=$asan/reports
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export KBOOTD=$asan/kbootd KBOOT_CONSOLE=$asan/kboot-console

start=$SECONDS
status=0
bash tests/run-unit.sh "$@" || status=1
/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/system/test_api.py tests/system/test_console_host.py ||
	status=1

found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
	for f in $found; do
		echo "=== sanitizer report: $f"
		cat "$f"
	done
	echo "sanitizer reports: $(echo "$found" | wc -l) (see above)"
	status=1
else
	echo "sanitizer reports: none"
fi
echo "test-sanitize: $((SECONDS - start)) s"
exit $status
