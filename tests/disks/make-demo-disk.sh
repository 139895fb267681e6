#!/bin/bash
# Build the demo target disk for `make run`: make-demo-disk.sh OUT.img KERNEL
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/demo.py" "$@"
