/* tls=auto: a fresh EC P-256 key and self-signed certificate made with
 * mbedTLS at every start, for the host name and the addresses the machine
 * has, written to <run_dir> (tmpfs: no disk is ever written). Also the
 * SHA-256 fingerprint of the certificate kbootd serves, for a person to
 * compare. Built only with KBOOT_TLS (the image); the host has no mbedTLS. */
#include "server.h"
#include "kboot-core/cleanup.h"

#include <errno.h>
#include <string.h>

#ifdef KBOOT_TLS
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

enum {
	CERT_PEM_MAX = 4096,      /* a P-256 certificate with a few names is ~700 bytes */
	KEY_PEM_MAX = 1024,
	SAN_NAMES_MAX = 16,       /* the host name and this many addresses at most */
	SAN_DER_MAX = 1024,
	HOST_NAME_MAX_LEN = 253,
	SERIAL_BYTES = 16,
	CERT_VALID_DAYS = 3650,
	CERT_BACKDATE_S = 24 * 3600, /* a client's clock a little behind ours still accepts it */
};

static const char TLS_GENERATED_PEM[] = "tls.pem";

/* Every mbedTLS context the making holds, freed together on every path. */
struct maker {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
};

static void maker_init(struct maker *m)
{
	mbedtls_entropy_init(&m->entropy);
	mbedtls_ctr_drbg_init(&m->drbg);
	mbedtls_pk_init(&m->key);
	mbedtls_x509write_crt_init(&m->crt);
	mbedtls_mpi_init(&m->serial);
}

static void maker_free(struct maker *m)
{
	mbedtls_mpi_free(&m->serial);
	mbedtls_x509write_crt_free(&m->crt);
	mbedtls_pk_free(&m->key);
	mbedtls_ctr_drbg_free(&m->drbg);
	mbedtls_entropy_free(&m->entropy);
}

static int mbed_error(kb_error *err, int r, const char *what)
{
	char text[128];
	mbedtls_strerror(r, text, sizeof(text));
	return kb_error_set(err, EIO, "tls=auto: %s: %s", what, text);
}

/* A host name mbedTLS's "CN=..." parser and a DNS SAN both take as it is. */
static bool plain_host_name(const char *name)
{
	if (!name[0] || strlen(name) > HOST_NAME_MAX_LEN || strcmp(name, "(none)") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-'))
			return false;
	return true;
}

/* One GeneralName, written backwards before *p as mbedTLS's asn1write does. */
static int san_write(unsigned char **p, unsigned char *start, int tag, const void *data, size_t len)
{
	int r = mbedtls_asn1_write_raw_buffer(p, start, data, len);
	if (r < 0)
		return r;
	int n = mbedtls_asn1_write_len(p, start, len);
	if (n < 0)
		return n;
	int t = mbedtls_asn1_write_tag(p, start, (unsigned char)(MBEDTLS_ASN1_CONTEXT_SPECIFIC | tag));
	if (t < 0)
		return t;
	return r + n + t;
}

/* SubjectAltName: dNSName [2] for the host name, iPAddress [7] for every
 * address the machine has now (loopback included: the console's own URL). */
static int san_extension(mbedtls_x509write_cert *crt, const char *host)
{
	unsigned char buf[SAN_DER_MAX];
	unsigned char *p = buf + sizeof(buf);
	size_t len = 0;
	struct ifaddrs *ifa_list = NULL;
	if (getifaddrs(&ifa_list) == 0) {
		int names = 0;
		for (struct ifaddrs *ifa = ifa_list; ifa && names < SAN_NAMES_MAX; ifa = ifa->ifa_next) {
			const struct sockaddr *sa = ifa->ifa_addr;
			int r = 0;
			if (sa && sa->sa_family == AF_INET)
				r = san_write(&p, buf, 7, &((const struct sockaddr_in *)sa)->sin_addr, 4);
			else if (sa && sa->sa_family == AF_INET6)
				r = san_write(&p, buf, 7, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
			else
				continue;
			if (r < 0)
				break; /* full: the names so far will do */
			len += (size_t)r;
			names++;
		}
		freeifaddrs(ifa_list);
	}
	int r = san_write(&p, buf, 2, host, strlen(host));
	if (r < 0)
		return r;
	len += (size_t)r;
	int n = mbedtls_asn1_write_len(&p, buf, len);
	if (n < 0)
		return n;
	int t = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	if (t < 0)
		return t;
	len += (size_t)(n + t);
	return mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p, len);
}

/* "YYYYMMDDhhmmss" in UTC, as mbedtls_x509write_crt_set_validity takes it. */
static void x509_time(time_t t, char ret[static 16])
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(ret, 16, "%Y%m%d%H%M%S", &tm) == 0)
		strcpy(ret, "20000101000000");
}

static int make_certificate(struct maker *m, const char *host, kb_error *err)
{
	static const char personalization[] = "kbootd tls=auto";
	int r = mbedtls_ctr_drbg_seed(&m->drbg, mbedtls_entropy_func, &m->entropy,
				      (const unsigned char *)personalization, sizeof(personalization) - 1);
	if (r != 0)
		return mbed_error(err, r, "seeding the random generator");
	r = mbedtls_pk_setup(&m->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (r == 0)
		r = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(m->key), mbedtls_ctr_drbg_random,
					&m->drbg);
	if (r != 0)
		return mbed_error(err, r, "making an EC P-256 key");

	unsigned char serial[SERIAL_BYTES];
	r = mbedtls_ctr_drbg_random(&m->drbg, serial, sizeof(serial));
	serial[0] &= 0x7f; /* a positive INTEGER */
	serial[0] |= 0x40; /* and never a leading zero byte */
	if (r == 0)
		r = mbedtls_mpi_read_binary(&m->serial, serial, sizeof(serial));
	if (r != 0)
		return mbed_error(err, r, "making a serial number");

	char subject[HOST_NAME_MAX_LEN + 16], not_before[16], not_after[16];
	snprintf(subject, sizeof(subject), "CN=%s,O=kboot", host);
	time_t now = time(NULL);
	x509_time(now - CERT_BACKDATE_S, not_before);
	x509_time(now + (time_t)CERT_VALID_DAYS * 24 * 3600, not_after);

	mbedtls_x509write_cert *crt = &m->crt;
	mbedtls_x509write_crt_set_version(crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(crt, &m->key);
	mbedtls_x509write_crt_set_issuer_key(crt, &m->key);
	if ((r = mbedtls_x509write_crt_set_subject_name(crt, subject)) != 0 ||
	    (r = mbedtls_x509write_crt_set_issuer_name(crt, subject)) != 0)
		return mbed_error(err, r, "the certificate's name");
	if ((r = mbedtls_x509write_crt_set_serial(crt, &m->serial)) != 0 ||
	    (r = mbedtls_x509write_crt_set_validity(crt, not_before, not_after)) != 0)
		return mbed_error(err, r, "the certificate's serial and validity");
	/* Not a CA: browsers refuse a CA certificate as a server's own. */
	if ((r = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1)) != 0 ||
	    (r = mbedtls_x509write_crt_set_key_usage(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) != 0 ||
	    (r = san_extension(crt, host)) != 0)
		return mbed_error(err, r, "the certificate's extensions");
	return 0;
}

/* key then certificate in one PEM file, as civetweb's ssl_certificate reads it. */
static int write_pem(const char *path, struct maker *m, kb_error *err)
{
	unsigned char key_pem[KEY_PEM_MAX], cert_pem[CERT_PEM_MAX];
	int r = mbedtls_pk_write_key_pem(&m->key, key_pem, sizeof(key_pem));
	if (r != 0)
		return mbed_error(err, r, "writing the key");
	r = mbedtls_x509write_crt_pem(&m->crt, cert_pem, sizeof(cert_pem), mbedtls_ctr_drbg_random, &m->drbg);
	if (r != 0) {
		mbedtls_platform_zeroize(key_pem, sizeof(key_pem));
		return mbed_error(err, r, "signing the certificate");
	}
	(void)unlink(path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = kb_error_set(err, errno, "tls=auto: %s: %s", path, strerror(errno));
	} else {
		size_t key_len = strlen((char *)key_pem), cert_len = strlen((char *)cert_pem);
		if (write(fd, key_pem, key_len) != (ssize_t)key_len || write(fd, cert_pem, cert_len) != (ssize_t)cert_len)
			r = kb_error_set(err, EIO, "tls=auto: %s: short write", path);
	}
	mbedtls_platform_zeroize(key_pem, sizeof(key_pem));
	return r;
}

int kbd_tls_generate(const char *run_dir, char *ret_path, size_t size, kb_error *err)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", run_dir, TLS_GENERATED_PEM) >= (int)sizeof(path) ||
	    strlen(path) >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", run_dir);
	char host[HOST_NAME_MAX_LEN + 2] = "";
	if (gethostname(host, sizeof(host)) < 0 || !plain_host_name(host))
		strcpy(host, "kboot");
	struct maker m;
	maker_init(&m);
	int r = make_certificate(&m, host, err);
	if (r >= 0)
		r = write_pem(path, &m, err);
	maker_free(&m);
	if (r < 0)
		return r;
	memcpy(ret_path, path, strlen(path) + 1);
	return 0;
}

int kbd_tls_fingerprint(const char *pem_path, char *ret, size_t size, kb_error *err)
{
	if (size < KBD_TLS_FINGERPRINT_MAX)
		return kb_error_set(err, ENOBUFS, "fingerprint buffer too small");
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	int r = mbedtls_x509_crt_parse_file(&crt, pem_path);
	if (r != 0) {
		mbedtls_x509_crt_free(&crt);
		char text[128];
		mbedtls_strerror(r, text, sizeof(text));
		return kb_error_set(err, EINVAL, "%s: no certificate: %s", pem_path, text);
	}
	unsigned char hash[32];
	r = mbedtls_sha256_ret(crt.raw.p, crt.raw.len, hash, 0);
	mbedtls_x509_crt_free(&crt);
	if (r != 0)
		return kb_error_set(err, EIO, "%s: SHA-256 failed", pem_path);
	for (size_t i = 0; i < sizeof(hash); i++)
		snprintf(ret + 3 * i, 4, "%02X%s", hash[i], i + 1 < sizeof(hash) ? ":" : "");
	return 0;
}

#else /* the host build: civetweb without TLS, no mbedTLS */

int kbd_tls_generate(const char *run_dir, char *ret_path, size_t size, kb_error *err)
{
	return kb_error_set(err, ENOTSUP, "tls=auto needs a build with TLS; serving plain HTTP");
}

int kbd_tls_fingerprint(const char *pem_path, char *ret, size_t size, kb_error *err)
{
	return kb_error_set(err, ENOTSUP, "this kbootd was built without TLS");
}

#endif
