#!/bin/bash
# Copies Debian's CA bundle into the cache, keyed by the ca-certificates version,
# for curl's https in the image (libcurl is built without a default CA path).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

deps_apt_need ca-certificates
DIR=$(deps_ca_dir)
VER=${DIR##*_}
if [ -e "$DIR/.done" ]; then
	deps_log "ca-certificates $VER: cached"
	exit 0
fi
mkdir -p "$DIR"
cp /etc/ssl/certs/ca-certificates.crt "$DIR/ca-certificates.crt"
touch "$DIR/.done"
deps_log "ca-certificates $VER: copied ($(grep -c 'BEGIN CERTIFICATE' "$DIR/ca-certificates.crt") certificates)"
