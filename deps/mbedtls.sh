#!/bin/bash
# Builds static mbedTLS 2.28 (TLS 1.2 only, threading on) with musl, for curl and civetweb.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_mbedtls() {
	local prefix=$1
	deps_apt_need python3
	# TLS 1.0/1.1 off: otherwise a server on it accepts them (seen with s_client -tls1).
	# Threading on: civetweb serves each connection from its own thread.
	/usr/bin/python3 scripts/config.py unset MBEDTLS_SSL_PROTO_TLS1
	/usr/bin/python3 scripts/config.py unset MBEDTLS_SSL_PROTO_TLS1_1
	/usr/bin/python3 scripts/config.py unset MBEDTLS_SSL_CBC_RECORD_SPLITTING # TLS 1.0 only
	/usr/bin/python3 scripts/config.py set MBEDTLS_THREADING_C
	/usr/bin/python3 scripts/config.py set MBEDTLS_THREADING_PTHREAD
	make -C library -j"$JOBS" static CC=musl-gcc AR=ar CFLAGS="$MUSL_CFLAGS"
	cp -a include/mbedtls include/psa "$prefix/include/"
	cp library/libmbedtls.a library/libmbedx509.a library/libmbedcrypto.a "$prefix/lib/"
}

deps_build mbedtls build_mbedtls
