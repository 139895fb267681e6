#!/bin/bash
# `make deps`: install the Debian packages in debian-packages.txt and make
# sure apt has a deb-src entry (the build fetches sources with apt-get source).
# Idempotent: does nothing when everything is present.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
mapfile -t pkgs < <(sed 's/#.*//' "$here/debian-packages.txt" | tr -s ' \t' '\n' | sed '/^$/d')

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

has_deb_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}
added_src=0
if ! has_deb_src; then
	cat >/etc/apt/sources.list.d/kboot-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	added_src=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $added_src -eq 0 ]; then
	echo "[deps] Debian packages: all ${#pkgs[@]} present"
	exit 0
fi
echo "[deps] installing: ${missing[*]:-(none; updating lists for deb-src)}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
[ ${#missing[@]} -eq 0 ] || apt-get install -y -q "${missing[@]}" >/dev/null
echo "[deps] Debian packages: done"
