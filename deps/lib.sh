# Shared helpers for deps/*.sh: cache layout, Debian source fetch, build stamps, logging.
# Sourced, not run. Third-party code lives only in the cache, never in the repo.
set -euo pipefail

DEPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$DEPS_DIR/.." && pwd)
KBOOT_CACHE=${KBOOT_CACHE:-$HOME/.cache/kboot}
mkdir -p "$KBOOT_CACHE"
KBOOT_CACHE=$(cd "$KBOOT_CACHE" && pwd) # the make fragment wants absolute paths
JOBS=$(nproc)
MUSL_KHDRS=$KBOOT_CACHE/khdrs
MUSL_CFLAGS="-Os -isystem $MUSL_KHDRS"
export KBOOT_CACHE

deps_log() { echo "[deps] $*"; }
deps_die() { echo "[deps] error: $*" >&2; exit 1; }

# Installs missing Debian packages; dpkg-query first so a cached run never calls apt.
deps_apt_need() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	deps_log "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Fresh machines have only "Types: deb"; add the matching deb-src stanza.
deps_ensure_debsrc() {
	if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		cat >/etc/apt/sources.list.d/kboot-deb-src.sources <<-EOF
			Types: deb-src
			URIs: http://deb.debian.org/debian
			Suites: bookworm bookworm-updates
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

			Types: deb-src
			URIs: http://deb.debian.org/debian-security
			Suites: bookworm-security
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
	fi
	apt-get update -q >/dev/null
}

# Highest source version Debian offers for PKG (with epoch, as apt wants it).
deps_version() {
	local pkg=$1 best="" v list
	list=$(apt-cache showsrc "$pkg" 2>/dev/null | awk -v p="$pkg" '/^Package:/ {ok = ($2 == p)} ok && /^Version:/ {print $2}')
	if [ -z "$list" ]; then
		deps_ensure_debsrc
		list=$(apt-cache showsrc "$pkg" 2>/dev/null | awk -v p="$pkg" '/^Package:/ {ok = ($2 == p)} ok && /^Version:/ {print $2}')
	fi
	for v in $list; do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done
	[ -n "$best" ] || deps_die "$pkg: no Debian source package"
	echo "$best"
}

# Cache key "pkg_version", epoch dropped: a colon would break make and PATH-like lists.
deps_key() { local v; v=$(deps_version "$1"); echo "${1}_${v#*:}"; }
deps_src_dir() { echo "$KBOOT_CACHE/src/$(deps_key "$1")"; }
deps_prefix() { echo "$KBOOT_CACHE/musl/$(deps_key "$1")"; }
# The CA bundle follows the installed ca-certificates, not a source package.
deps_ca_dir() { echo "$KBOOT_CACHE/ca/ca-certificates_$(dpkg-query -W -f='${Version}' ca-certificates)"; }

# Downloads and unpacks (Debian patches applied) PKG's source once; prints the directory.
deps_fetch() {
	local pkg=$1 ver key dir dl
	ver=$(deps_version "$pkg")
	key=${pkg}_${ver#*:}
	dir=$KBOOT_CACHE/src/$key
	dl=$KBOOT_CACHE/dl/$key
	if [ ! -e "$dir/.done" ]; then
		rm -rf "$dir" "$dl"
		mkdir -p "$dl" "$KBOOT_CACHE/src"
		# Unpack beside the .dsc: dpkg-source copies the tarballs next to its target.
		(cd "$dl" && apt-get source -q --download-only "$pkg=$ver" && dpkg-source -x "$key.dsc" tree) >&2
		touch "$dl/tree/.done"
		mv "$dl/tree" "$dir"
	fi
	echo "$dir"
}

# musl-gcc ships no kernel headers; point it at the host's, and nothing else of glibc's.
deps_khdrs() {
	[ -e "$MUSL_KHDRS/.done" ] && return 0
	mkdir -p "$MUSL_KHDRS"
	ln -sfn /usr/include/linux "$MUSL_KHDRS/linux"
	ln -sfn /usr/include/asm-generic "$MUSL_KHDRS/asm-generic"
	ln -sfn /usr/include/mtd "$MUSL_KHDRS/mtd"
	ln -sfn /usr/include/x86_64-linux-gnu/asm "$MUSL_KHDRS/asm"
	touch "$MUSL_KHDRS/.done"
}

# Runs RECIPE in a fresh copy of PKG's source, installing into the package's prefix.
# The stamp holds a hash of the calling script, MUSL_CFLAGS and any extra files given
# (configs, stamps of dependencies), so editing a recipe rebuilds just that package.
deps_build() {
	local pkg=$1 recipe=$2
	shift 2
	local ver key prefix work log stamp t0 rc lockfd
	ver=$(deps_version "$pkg")
	key=${pkg}_${ver#*:}
	prefix=$KBOOT_CACHE/musl/$key
	stamp=$( (cat "${BASH_SOURCE[1]}" "$@"; echo "$MUSL_CFLAGS") | sha256sum | cut -c1-16)
	[ "$(cat "$prefix/.done" 2>/dev/null)" = "$stamp" ] && { deps_log "$pkg ${ver#*:}: cached"; return 0; }

	# Others share ~/.cache/kboot: one builder per package at a time.
	mkdir -p "$KBOOT_CACHE/lock" "$KBOOT_CACHE/log" "$KBOOT_CACHE/work"
	exec {lockfd}>"$KBOOT_CACHE/lock/$pkg.lock"
	flock "$lockfd"
	if [ "$(cat "$prefix/.done" 2>/dev/null)" = "$stamp" ]; then
		exec {lockfd}>&-
		deps_log "$pkg ${ver#*:}: cached"
		return 0
	fi
	deps_apt_need musl-tools dpkg-dev
	deps_khdrs
	log=$KBOOT_CACHE/log/$key.log
	work=$KBOOT_CACHE/work/$key
	t0=$SECONDS
	# errexit is ignored inside a tested subshell, so test $? afterwards instead.
	set +e
	(
		set -euxo pipefail
		src=$(deps_fetch "$pkg")
		rm -rf "$work" "$prefix"
		mkdir -p "$prefix/include" "$prefix/lib" "$prefix/bin"
		cp -a "$src" "$work"
		cd "$work"
		"$recipe" "$prefix"
	) >"$log" 2>&1
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "[deps] $pkg ${ver#*:}: FAILED (log: $log), last lines:" >&2
		tail -n 25 "$log" >&2
		exit 1
	fi
	rm -rf "$work" # keeps the cache lean; the log says how it was built
	echo "$stamp" >"$prefix/.done"
	exec {lockfd}>&-
	deps_log "$pkg ${ver#*:}: built in $((SECONDS - t0)) s"
}

# Fetch-only packages (compiled by the project's Makefile): unpack and report.
deps_fetch_logged() {
	local pkg=$1 ver dir log t0 rc
	ver=$(deps_version "$pkg")
	dir=$KBOOT_CACHE/src/${pkg}_${ver#*:}
	if [ -e "$dir/.done" ]; then
		deps_log "$pkg ${ver#*:}: cached ($dir)"
		return 0
	fi
	mkdir -p "$KBOOT_CACHE/log"
	log=$KBOOT_CACHE/log/${pkg}_${ver#*:}.fetch.log
	t0=$SECONDS
	set +e
	(set -euxo pipefail; deps_fetch "$pkg") >"$log" 2>&1
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "[deps] $pkg ${ver#*:}: fetch FAILED (log: $log), last lines:" >&2
		tail -n 25 "$log" >&2
		exit 1
	fi
	deps_log "$pkg ${ver#*:}: fetched in $((SECONDS - t0)) s ($dir)"
}
