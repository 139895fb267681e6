#!/bin/bash
# Run GRUB's own parser (grub-script-check, from Debian's grub-common) on the
# grub.cfg of every scenario, as the scenarios say they were checked. Not
# part of `make test-unit`: it needs GRUB installed. Scenarios whose
# comment says grub-script-check rejects them are expected to fail.
set -uo pipefail
cd "$(dirname "$0")"
command -v grub-script-check >/dev/null || { echo "grub-script-check: not installed (apt-get install grub-common)"; exit 2; }
bad=0
for f in *.scenario; do
	tmp=$(mktemp)
	awk '/^--- file .*grub.cfg$/{ if (done) exit; p=1; next } /^--- /{ if (p) done=1; p=0 } p' "$f" >"$tmp"
	if grub-script-check "$tmp" >/dev/null 2>&1; then
		echo "accepted: $f"
	elif grep -q 'grub-script-check calls' "$f"; then
		echo "rejected, as its comment says: $f"
	else
		echo "REJECTED: $f"
		bad=1
	fi
	rm -f "$tmp"
done
exit $bad
