#!/bin/bash
# Run every cmocka unit test binary from the repo root (fixtures are relative
# to it) and print one summary line that CI can read.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0 failed_names=()
for t in "$@"; do
	if "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names+=("$(basename "$t")")
	fi
done
echo "unit test binaries: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed: ${failed_names[*]}"; exit 1; }
