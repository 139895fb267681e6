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
# Test servers (nginx, tftpd-hpa, nfs-ganesha, rpcbind) are started by the
# tests, on 127.0.0.1 only; their packages must not start system daemons that
# listen on every address. policy-rc.d is Debian's switch for that.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# kboot make deps: no daemons from package installs\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q >/dev/null
[ ${#missing[@]} -eq 0 ] || apt-get install -y -q "${missing[@]}" >/dev/null
echo "[deps] Debian packages: done"
