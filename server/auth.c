/* Who may use the API: one administrator password (a crypt(3) SHA-512 hash
 * from kboot.conf, or a one-time password made at start), session tokens as
 * Bearer or cookie, HTTP Basic for curl, a backoff on failed logins, and an
 * Origin check for cookie-authenticated changes. auth=none opts out. */
#include "server.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/log.h"

#if __has_include(<crypt.h>)
#include <crypt.h> /* glibc, libxcrypt: crypt_r */
#define HAVE_CRYPT_R 1
#else
#define HAVE_CRYPT_R 0 /* musl without libxcrypt: crypt() in unistd.h, one static buffer */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
	TOKEN_BYTES = 32,
	TOKEN_TEXT = TOKEN_BYTES * 2 + 1,
	ONE_TIME_PASSWORD_LEN = 16,
};

static const char COOKIE_NAME[] = "kboot_session";

struct session {
	char token[TOKEN_TEXT];
	time_t last_used; /* monotonic seconds */
};

struct login_client {
	char addr[48];
	unsigned failures;
	time_t blocked_until; /* monotonic seconds */
};

static struct {
	pthread_mutex_t lock;
	bool none;
	char *password_hash;                    /* crypt(3) hash from kboot.conf */
	char one_time[ONE_TIME_PASSWORD_LEN + 1]; /* when no hash is configured */
	char local_token[TOKEN_TEXT];
	int session_idle_s; /* kboot.conf session_timeout= */
	struct session sessions[KBD_SESSIONS_MAX];
	struct login_client clients[KBD_LOGIN_CLIENTS_MAX];
} auth = { .lock = PTHREAD_MUTEX_INITIALIZER };

static time_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int random_token(char ret[TOKEN_TEXT])
{
	uint8_t raw[TOKEN_BYTES];
	int r = random_bytes(raw, sizeof(raw));
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(ret + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* Compare without leaking where the first difference is. */
static bool equal_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int kbd_auth_init(const struct kb_config *cfg, kb_error *err)
{
	auth.none = cfg->auth_none;
	auth.session_idle_s = cfg->session_timeout_s;
	int r = random_token(auth.local_token);
	if (r < 0)
		return kb_error_set(err, r, "getrandom: %s", strerror(-r));
	if (auth.none) {
		kb_warn("kbootd: auth=none: anyone who can reach this machine can boot it");
		return 0;
	}
	if (cfg->password_hash && cfg->password_hash[0]) {
		auth.password_hash = strdup(cfg->password_hash);
		if (!auth.password_hash)
			return kb_error_set(err, ENOMEM, "out of memory");
		return 0;
	}
	/* No unambiguous-looking characters, so it can be read off a console. */
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	uint8_t raw[ONE_TIME_PASSWORD_LEN];
	r = random_bytes(raw, sizeof(raw));
	if (r < 0)
		return kb_error_set(err, r, "getrandom: %s", strerror(-r));
	for (size_t i = 0; i < sizeof(raw); i++)
		auth.one_time[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	auth.one_time[ONE_TIME_PASSWORD_LEN] = '\0';
	/* On stdout (the console), never in the log that the API serves. */
	printf("kbootd: no password_hash in kboot.conf; one-time password: %s\n", auth.one_time);
	fflush(stdout);
	return 0;
}

bool kbd_auth_none(void)
{
	return auth.none;
}

int kbd_auth_write_local_token(const char *run_dir, kb_error *err)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/local-token", run_dir) >= (int)sizeof(path))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", run_dir);
	(void)unlink(path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (fchmod(fd, 0600) < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	size_t len = strlen(auth.local_token);
	if (write(fd, auth.local_token, len) != (ssize_t)len)
		return kb_error_set(err, EIO, "%s: short write", path);
	return 0;
}

static bool hash_matches(const char *password, const char *want)
{
#if HAVE_CRYPT_R
	_cleanup_free_ struct crypt_data *data = calloc(1, sizeof(*data));
	if (!data)
		return false;
	const char *hash = crypt_r(password, want, data);
	return hash && hash[0] != '*' && equal_secret(hash, want);
#else
	static pthread_mutex_t crypt_lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&crypt_lock);
	const char *hash = crypt(password, want);
	bool ok = hash && hash[0] != '*' && equal_secret(hash, want);
	pthread_mutex_unlock(&crypt_lock);
	return ok;
#endif
}

static bool password_ok(const char *password)
{
	if (auth.password_hash)
		return hash_matches(password, auth.password_hash);
	return auth.one_time[0] && equal_secret(password, auth.one_time);
}

/* --- failed-login backoff, per client (caller holds the lock) --- */

/* Who a client is for the backoff: its IPv4 address, or its IPv6 /64 (one
 * host can take any address of its /64 at will). An IPv4-mapped address is
 * the IPv4 address. */
int kbd_login_client_key(const char *addr, char *ret, size_t size)
{
	struct in6_addr a6;
	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6))
			return inet_ntop(AF_INET, &a6.s6_addr[12], ret, (socklen_t)size) ? 0 : -ENAMETOOLONG;
		memset(&a6.s6_addr[8], 0, 8);
		char net[INET6_ADDRSTRLEN];
		if (!inet_ntop(AF_INET6, &a6, net, sizeof(net)))
			return -EINVAL;
		int n = snprintf(ret, size, "%s/64", net);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	int n = snprintf(ret, size, "%s", addr);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static struct login_client *client_slot(const char *key, bool create)
{
	struct login_client *oldest = &auth.clients[0];
	for (size_t i = 0; i < KBD_LOGIN_CLIENTS_MAX; i++) {
		struct login_client *c = &auth.clients[i];
		if (c->addr[0] && strcmp(c->addr, key) == 0)
			return c;
		if (!c->addr[0] || (oldest->addr[0] && c->blocked_until < oldest->blocked_until))
			oldest = c;
	}
	if (!create)
		return NULL;
	*oldest = (struct login_client){ 0 };
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", key);
	return oldest;
}

static void charge_failure(struct login_client *c)
{
	c->failures++;
	if (c->failures >= KBD_LOGIN_FREE_ATTEMPTS) {
		unsigned shift = c->failures - KBD_LOGIN_FREE_ATTEMPTS;
		long delay = shift >= 6 ? KBD_LOGIN_DELAY_MAX_S : 1L << shift;
		if (delay > KBD_LOGIN_DELAY_MAX_S)
			delay = KBD_LOGIN_DELAY_MAX_S;
		c->blocked_until = now_s() + delay;
	}
}

/* 0 allowed; otherwise the seconds to wait (-1: wrong password). Each try
 * is charged as a failure under the lock before the password is checked, and
 * refunded if it was right: parallel guesses cannot all pass one check that
 * none of them has yet failed. */
static int try_password(const char *addr, const char *password)
{
	char key[sizeof(auth.clients[0].addr)];
	if (kbd_login_client_key(addr, key, sizeof(key)) < 0)
		snprintf(key, sizeof(key), "?");
	pthread_mutex_lock(&auth.lock);
	struct login_client *c = client_slot(key, true);
	time_t left = c->blocked_until - now_s();
	if (left > 0) {
		pthread_mutex_unlock(&auth.lock);
		return (int)left;
	}
	charge_failure(c);
	unsigned charged = c->failures;
	pthread_mutex_unlock(&auth.lock);

	bool ok = password_ok(password);
	if (ok) {
		pthread_mutex_lock(&auth.lock);
		c = client_slot(key, false);
		if (c && c->failures == charged)
			*c = (struct login_client){ 0 };
		else if (c && c->failures > 0)
			c->failures--; /* others failed meanwhile: refund this one only */
		pthread_mutex_unlock(&auth.lock);
		return 0;
	}
	kb_warn("kbootd: failed login from %s", addr);
	return -1;
}

/* --- sessions --- */

static int session_create(char ret[TOKEN_TEXT])
{
	char token[TOKEN_TEXT];
	int r = random_token(token);
	if (r < 0)
		return r;
	pthread_mutex_lock(&auth.lock);
	struct session *slot = &auth.sessions[0];
	for (size_t i = 0; i < KBD_SESSIONS_MAX; i++) {
		struct session *s = &auth.sessions[i];
		if (!s->token[0] || now_s() - s->last_used > auth.session_idle_s) {
			slot = s;
			break;
		}
		if (s->last_used < slot->last_used)
			slot = s;
	}
	memcpy(slot->token, token, sizeof(token));
	slot->last_used = now_s();
	pthread_mutex_unlock(&auth.lock);
	memcpy(ret, token, sizeof(token));
	return 0;
}

static bool session_valid(const char *token, bool remove)
{
	if (!token || !token[0])
		return false;
	if (!remove && equal_secret(token, auth.local_token))
		return true;
	bool found = false;
	pthread_mutex_lock(&auth.lock);
	for (size_t i = 0; i < KBD_SESSIONS_MAX; i++) {
		struct session *s = &auth.sessions[i];
		if (!s->token[0] || !equal_secret(token, s->token))
			continue;
		if (now_s() - s->last_used > auth.session_idle_s) {
			*s = (struct session){ 0 };
			continue;
		}
		found = true;
		if (remove)
			*s = (struct session){ 0 };
		else
			s->last_used = now_s();
	}
	pthread_mutex_unlock(&auth.lock);
	return found;
}

/* --- reading credentials --- */

static int base64_decode(const char *in, char *out, size_t size)
{
	size_t n = 0;
	unsigned bits = 0, acc = 0;
	for (; *in && *in != '='; in++) {
		const char *table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = strchr(table, *in);
		if (!p)
			return -EINVAL;
		acc = (acc << 6) | (unsigned)(p - table);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= size)
				return -E2BIG;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return 0;
}

static int cookie_token(const struct mg_connection *conn, char ret[TOKEN_TEXT])
{
	const char *cookies = mg_get_header(conn, "Cookie");
	if (!cookies)
		return -ENOENT;
	return mg_get_cookie(cookies, COOKIE_NAME, ret, TOKEN_TEXT) < 0 ? -ENOENT : 0;
}

static const char *bearer_token(const struct mg_connection *conn)
{
	const char *h = mg_get_header(conn, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0)
		return h + 7;
	return NULL;
}

static bool changes_state(const struct mg_connection *conn)
{
	return !kbd_method_is(conn, "GET") && !kbd_method_is(conn, "HEAD") &&
	       !kbd_method_is(conn, "OPTIONS");
}

static int send_throttled(struct mg_connection *conn, int status, int wait)
{
	char retry[16];
	snprintf(retry, sizeof(retry), "%d", wait);
	cJSON *root = cJSON_CreateObject();
	cJSON *error = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(error, "code", "too_many_attempts");
	char message[128];
	snprintf(message, sizeof(message), "too many failed logins; try again in %d s", wait);
	cJSON_AddStringToObject(error, "message", message);
	return kbd_send_json_headers(conn, status, root, "Retry-After", retry);
}

/* The gate asks before a route that needs a login: 0, or the refusal's status sent. */
int kbd_auth_check(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	if (auth.none)
		return 0;

	const char *bearer = bearer_token(conn);
	if (bearer) {
		if (session_valid(bearer, false))
			return 0;
		return kbd_send_error(conn, 401, "unauthorized", "the session token is invalid or expired; log in again");
	}

	const char *h = mg_get_header(conn, "Authorization");
	if (h && strncasecmp(h, "Basic ", 6) == 0) {
		char decoded[KBD_PASSWORD_MAX + 64];
		const char *colon = NULL;
		if (base64_decode(h + 6, decoded, sizeof(decoded)) == 0)
			colon = strchr(decoded, ':');
		if (!colon)
			return kbd_send_error(conn, 401, "unauthorized", "malformed Basic credentials");
		int r = try_password(ri->remote_addr, colon + 1);
		explicit_bzero(decoded, sizeof(decoded));
		/* A browser replays Basic credentials on another site's form
		 * post too: the gate refuses a change whose Origin differs. */
		if (r == 0)
			return 0;
		if (r > 0) /* still 401: the credentials were not accepted */
			return send_throttled(conn, 401, r);
		return kbd_send_error(conn, 401, "unauthorized", "wrong password");
	}

	char token[TOKEN_TEXT];
	if (cookie_token(conn, token) == 0 && session_valid(token, false)) {
		/* A cookie rides along on any page's request: a change needs
		 * this server's own page as its Origin, not merely none. */
		if (changes_state(conn) && !kbd_origin_matches(conn))
			return kbd_send_error(conn, 403, "origin_mismatch",
					      "a cookie-authenticated change must come from this server's own page");
		return 0;
	}
	return kbd_send_error(conn, 401, "unauthorized", "log in first (POST /api/v1/session, a Bearer token, or Basic)");
}

int kbd_login_password(const cJSON *body, const char **ret_password, struct kbd_refusal *no)
{
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(body, "password");
	if (!cJSON_IsString(pw) || strlen(pw->valuestring) > KBD_PASSWORD_MAX)
		return kbd_refuse(no, 400, "invalid_field", "\"password\" must be a string");
	*ret_password = pw->valuestring;
	return 0;
}

int kbd_api_session_post(struct mg_connection *conn, void *data)
{
	cJSON *body = NULL;
	int status = kbd_read_json(conn, &body);
	if (status)
		return status;
	const char *password;
	struct kbd_refusal no;
	if (kbd_login_password(body, &password, &no)) {
		cJSON_Delete(body);
		return kbd_send_refusal(conn, &no);
	}
	if (auth.none) {
		cJSON_Delete(body);
		return kbd_send_error(conn, 409, "auth_disabled", "auth=none: no login is needed");
	}
	int r = try_password(mg_get_request_info(conn)->remote_addr, password);
	cJSON_Delete(body);
	if (r > 0)
		return send_throttled(conn, 429, r);
	if (r < 0)
		return kbd_send_error(conn, 401, "unauthorized", "wrong password");

	char token[TOKEN_TEXT];
	r = session_create(token);
	if (r < 0)
		return kbd_send_error(conn, 500, "internal", "cannot make a session token");
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/api; HttpOnly; SameSite=Strict; Max-Age=%d%s",
		 COOKIE_NAME, token, auth.session_idle_s, mg_get_request_info(conn)->is_ssl ? "; Secure" : "");
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "token", token);
	cJSON_AddNumberToObject(root, "expires_in", auth.session_idle_s);
	return kbd_send_json_headers(conn, 200, root, "Set-Cookie", cookie);
}

int kbd_api_session_delete(struct mg_connection *conn, void *data)
{
	const char *bearer = bearer_token(conn);
	char token[TOKEN_TEXT];
	if (bearer)
		session_valid(bearer, true);
	else if (cookie_token(conn, token) == 0) {
		if (!kbd_origin_matches(conn))
			return kbd_send_error(conn, 403, "origin_mismatch",
					      "a cookie-authenticated change must come from this server's own page");
		session_valid(token, true);
	}
	char cookie[128];
	snprintf(cookie, sizeof(cookie), "%s=; Path=/api; HttpOnly; SameSite=Strict; Max-Age=0", COOKIE_NAME);
	return kbd_send_json_headers(conn, 200, cJSON_CreateObject(), "Set-Cookie", cookie);
}
