/* URL fetching against a small HTTP server on 127.0.0.1 in a thread: a file
 * lands in the cache once per session, failures read well and leave no
 * partial file, progress is reported, and a fetch can be cancelled. The
 * cache keys what was checked, evicts the least recently used past its
 * limits but never a file a boot holds, and a file's first bytes are read
 * without the rest. */
#include "kboot-core/cleanup.h"
#include "kboot-core/env.h"
#include "kboot-core/event.h"
#include "kboot-core/fetch-internal.h"
#include "kboot-core/fetch.h"
#include "kboot-core/inspect.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

enum { BIG = 100000, STREAM_CHUNK = 64 * 1024 };
static const uint64_t STREAM_TOTAL = 64ULL << 20;   /* what /stream promises */
static const uint64_t RANGED_TOTAL = 1ULL << 30;    /* the size /range says it has */

static char tmp[] = "/tmp/kboot-test-fetch-XXXXXX";
static int server_port;
static atomic_int requests_ok, requests_e;
static atomic_bool range_asked, stream_done;
static atomic_ullong stream_sent;
static char base[64];

static void send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		data += w;
		len -= (size_t)w;
	}
}

static void send_header(int fd, const char *status, size_t length)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.0 %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
			 length);
	send_all(fd, head, (size_t)n);
}

/* /range: a 1 GiB file that honours "Range: bytes=0-N"; /stream: promises
 * STREAM_TOTAL and sends until the client goes away (counted). */
static void serve_large(int fd, const char *req)
{
	static char chunk[STREAM_CHUNK];
	memset(chunk, 'r', sizeof(chunk));
	char head[256];
	unsigned long long last;
	const char *range = strstr(req, "\r\nRange: bytes=0-");
	if (strncmp(req, "GET /range ", 11) == 0 && range && sscanf(range, "\r\nRange: bytes=0-%llu", &last) == 1 &&
	    last < sizeof(chunk)) {
		atomic_store(&range_asked, true);
		int n = snprintf(head, sizeof(head),
				 "HTTP/1.1 206 Partial Content\r\nContent-Length: %llu\r\n"
				 "Content-Range: bytes 0-%llu/%llu\r\nConnection: close\r\n\r\n",
				 last + 1, last, (unsigned long long)RANGED_TOTAL);
		send_all(fd, head, (size_t)n);
		send_all(fd, chunk, last + 1);
		return;
	}
	int n = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Length: %llu\r\n\r\n",
			 (unsigned long long)STREAM_TOTAL);
	send_all(fd, head, (size_t)n);
	uint64_t sent = 0;
	while (sent < STREAM_TOTAL) {
		ssize_t w = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (w <= 0)
			break;
		sent += (uint64_t)w;
	}
	atomic_store(&stream_sent, sent);
	atomic_store(&stream_done, true);
}

/* /ok: "hello kboot\n"; /big: BIG bytes; /half: promises BIG, sends half;
 * /slow: promises BIG, sends 1000 bytes and waits; /e/NAME: "entry NAME\n"
 * (counted); /range, /stream: see serve_large; anything else: 404. */
static void serve(int fd)
{
	char req[2048];
	ssize_t n = recv(fd, req, sizeof(req) - 1, 0);
	if (n <= 0)
		return;
	req[n] = '\0';
	static char body[BIG];
	memset(body, 'k', sizeof(body));
	if (strncmp(req, "GET /e/", 7) == 0) {
		atomic_fetch_add(&requests_e, 1);
		send_header(fd, "200 OK", 12);
		send_all(fd, "entry body\n\n", 12);
	} else if (strncmp(req, "GET /range ", 11) == 0 || strncmp(req, "GET /stream ", 12) == 0) {
		serve_large(fd, req);
	} else if (strncmp(req, "GET /ok ", 8) == 0) {
		atomic_fetch_add(&requests_ok, 1);
		send_header(fd, "200 OK", 12);
		send_all(fd, "hello kboot\n", 12);
	} else if (strncmp(req, "GET /big ", 9) == 0) {
		send_header(fd, "200 OK", BIG);
		send_all(fd, body, BIG);
	} else if (strncmp(req, "GET /half ", 10) == 0) {
		send_header(fd, "200 OK", BIG);
		send_all(fd, body, BIG / 2);
	} else if (strncmp(req, "GET /slow ", 10) == 0) {
		send_header(fd, "200 OK", BIG);
		send_all(fd, body, 1000);
		sleep(3);
	} else {
		/* python's http.server says it this way; kboot says "Not Found". */
		send_header(fd, "404 File not found", 0);
	}
}

static void *server_thread(void *data)
{
	int listener = (int)(intptr_t)data;
	for (;;) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0)
			continue;
		serve(fd);
		close(fd);
	}
	return NULL;
}

static void url(char *ret, size_t size, const char *path)
{
	snprintf(ret, size, "%s%s", base, path);
}

/* Files in <run>/cache whose names contain "part". */
static int partial_files(void)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/cache", tmp);
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strstr(de->d_name, "part") != NULL;
	if (d)
		closedir(d);
	return n;
}

static void expect_failure(const char *path, uint64_t max_bytes, int error, const char *message)
{
	char u[128], local[4096];
	url(u, sizeof(u), path);
	struct kb_fetch_request req = { .url = u, .max_bytes = max_bytes };
	kb_error err = { 0 };
	int r = kb_fetch(&req, local, sizeof(local), &err);
	char want[512];
	snprintf(want, sizeof(want), "%s: %s", u, message);
	if (r != -error || strcmp(err.text, want) != 0)
		fail_msg("%s: got %d \"%s\", expected -%d \"%s\"", u, r, err.text, error, want);
	assert_int_equal(partial_files(), 0);
	char cached[4096];
	assert_int_equal(kb_fetch_cache_path(u, cached, sizeof(cached)), 0);
	assert_int_not_equal(access(cached, F_OK), 0);
}

static void test_a_file_is_fetched_once_per_session(void **state)
{
	char u[128], local[4096], again[4096];
	url(u, sizeof(u), "/ok");
	struct kb_fetch_request req = { .url = u };
	kb_error err = { 0 };
	assert_int_equal(kb_fetch(&req, local, sizeof(local), &err), 0);
	FILE *f = fopen(local, "r");
	assert_non_null(f);
	char text[64] = "";
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "hello kboot\n");
	assert_int_equal(atomic_load(&requests_ok), 1);

	assert_int_equal(kb_fetch(&req, again, sizeof(again), &err), 0);
	assert_string_equal(again, local);
	assert_int_equal(atomic_load(&requests_ok), 1); /* the cache answered */

	req.refresh = true;
	assert_int_equal(kb_fetch(&req, again, sizeof(again), &err), 0);
	assert_int_equal(atomic_load(&requests_ok), 2);
	assert_int_equal(partial_files(), 0);
}

static void test_failures_say_what_happened(void **state)
{
	expect_failure("/missing", 0, ENOENT, "404 Not Found");
	char total[64];
	snprintf(total, sizeof(total), "the server closed the connection after 48.8 KiB of 97.7 KiB");
	expect_failure("/half", 0, ECONNRESET, total);
	expect_failure("/big", 1000, EFBIG, "97.7 KiB is more than the 1000 bytes kboot can hold in memory");

	char local[4096];
	kb_error err = { 0 };
	struct kb_fetch_request refused = { .url = "http://127.0.0.1:1/x" };
	assert_int_equal(kb_fetch(&refused, local, sizeof(local), &err), -ECONNREFUSED);
	assert_string_equal(err.text, "http://127.0.0.1:1/x: connection refused");
}

/* The download cap: a file of exactly the cap fits, one byte more does not. */
static void test_the_size_cap_at_and_past_the_limit(void **state)
{
	char u[128], local[4096];
	url(u, sizeof(u), "/big");
	struct kb_fetch_request at = { .url = u, .max_bytes = BIG, .refresh = true };
	kb_error err = { 0 };
	assert_int_equal(kb_fetch(&at, local, sizeof(local), &err), 0);
	struct stat st;
	assert_int_equal(stat(local, &st), 0);
	assert_int_equal(st.st_size, BIG);
	unlink(local);
	expect_failure("/big", BIG - 1, EFBIG,
		       "100000 bytes is more than the 99999 bytes kboot can hold in memory");
}

struct progress_seen {
	int events;
	uint64_t last_done, last_total;
	bool cancel_on_first;
};

static void on_event(const struct kb_event *ev, void *data)
{
	struct progress_seen *seen = data;
	if (ev->type != KB_EVENT_PROGRESS || strcmp(ev->text, "fetch") != 0)
		return;
	seen->events++;
	seen->last_done = ev->done;
	seen->last_total = ev->total;
	if (seen->cancel_on_first && ev->done > 0)
		kb_fetch_cancel();
}

static void test_progress_reaches_the_total(void **state)
{
	struct progress_seen seen = { 0 };
	int id = kb_event_subscribe(on_event, &seen);
	char u[128], local[4096];
	url(u, sizeof(u), "/big");
	struct kb_fetch_request req = { .url = u };
	kb_error err = { 0 };
	assert_int_equal(kb_fetch(&req, local, sizeof(local), &err), 0);
	kb_event_unsubscribe(id);
	assert_true(seen.events >= 1);
	assert_int_equal(seen.last_done, BIG);
	assert_int_equal(seen.last_total, BIG);
}

static void test_a_cancelled_fetch_leaves_nothing(void **state)
{
	struct progress_seen seen = { .cancel_on_first = true };
	int id = kb_event_subscribe(on_event, &seen);
	expect_failure("/slow", 0, ECANCELED, "cancelled after 1000 bytes");
	kb_event_unsubscribe(id);
}

static void test_https_without_a_ca_bundle_is_refused(void **state)
{
	char local[4096];
	kb_error err = { 0 };
	struct kb_fetch_request req = { .url = "https://127.0.0.1:1/x" };
	assert_int_equal(kb_fetch(&req, local, sizeof(local), &err), -ENOENT);
	char want[512];
	snprintf(want, sizeof(want),
		 "https://127.0.0.1:1/x: no CA bundle at %s/etc/ssl/certs/ca-certificates.crt, so the "
		 "certificate cannot be checked", tmp);
	assert_string_equal(err.text, want);
}

/* --- what the cache keeps --------------------------------------------------------- */

static void empty_cache(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/cache'", tmp);
	assert_int_equal(system(cmd), 0);
}

static int fetch_e(const char *name, bool insecure)
{
	char u[128], local[4096];
	snprintf(u, sizeof(u), "%s/e/%s", base, name);
	struct kb_fetch_request req = { .url = u, .insecure = insecure };
	kb_error err = { 0 };
	int r = kb_fetch(&req, local, sizeof(local), &err);
	if (r < 0)
		fail_msg("%s", err.text);
	return r;
}

static bool cached(const char *name)
{
	char u[128], path[4096];
	snprintf(u, sizeof(u), "%s/e/%s", base, name);
	assert_int_equal(kb_fetch_cache_path(u, path, sizeof(path)), 0);
	return access(path, F_OK) == 0;
}

/* Coarse file times: a tick apart, so "least recently used" is well defined. */
static void tick(void)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };
	nanosleep(&t, NULL);
}

static void test_an_unchecked_download_never_answers_a_checked_request(void **state)
{
	empty_cache();
	int before = atomic_load(&requests_e);
	fetch_e("insecure", true);
	fetch_e("insecure", false); /* checked: fetched again, not the unchecked copy */
	assert_int_equal(atomic_load(&requests_e), before + 2);
	fetch_e("insecure", true); /* the checked copy is good for an insecure request */
	fetch_e("insecure", false);
	assert_int_equal(atomic_load(&requests_e), before + 2);
}

static void test_the_least_recently_used_go_past_the_entry_limit(void **state)
{
	empty_cache();
	char name[32];
	for (int i = 0; i < KB_FETCH_CACHE_ENTRIES_MAX; i++) {
		snprintf(name, sizeof(name), "%d", i);
		fetch_e(name, false);
		tick();
	}
	for (int i = 0; i < KB_FETCH_CACHE_ENTRIES_MAX; i++) { /* at the limit: all kept */
		snprintf(name, sizeof(name), "%d", i);
		assert_true(cached(name));
	}
	int before = atomic_load(&requests_e);
	fetch_e("0", false); /* used again: now the most recent */
	assert_int_equal(atomic_load(&requests_e), before);
	tick();
	fetch_e("one-past", false);
	assert_true(cached("one-past"));
	assert_true(cached("0"));
	assert_false(cached("1")); /* the least recently used */
	for (int i = 2; i < KB_FETCH_CACHE_ENTRIES_MAX; i++) {
		snprintf(name, sizeof(name), "%d", i);
		assert_true(cached(name));
	}
}

static void test_the_least_recently_used_go_past_the_byte_limit(void **state)
{
	empty_cache();
	fetch_e("a", false);
	tick();
	fetch_e("b", false);
	tick();
	fetch_e("c", false);
	/* Each file is 12 bytes: 36 at the limit stay, 35 lose the oldest. */
	assert_int_equal(kb_fetch_cache_evict(NULL, 100, 36), 0);
	assert_int_equal(kb_fetch_cache_evict(NULL, 100, 35), 1);
	assert_false(cached("a"));
	assert_true(cached("b") && cached("c"));
}

static void *fetch_many(void *data)
{
	char name[32];
	for (int i = 0; i < KB_FETCH_CACHE_ENTRIES_MAX + 2; i++) {
		snprintf(name, sizeof(name), "other-%d", i);
		fetch_e(name, false);
	}
	return NULL;
}

/* A boot holds its files from the fetch until kexec has them: whatever
 * another thread (another request) fetches meanwhile, they stay. */
static void test_a_file_a_boot_holds_is_never_evicted(void **state)
{
	empty_cache();
	kb_fetch_hold_begin();
	fetch_e("kernel", false);
	tick();
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, fetch_many, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(cached("kernel"));
	kb_fetch_hold_end();
	tick();
	fetch_e("after", false); /* no longer held, and the oldest: it goes */
	assert_false(cached("kernel"));
}

/* --- reading a file's start --------------------------------------------------------- */

static void test_a_remote_file_is_read_only_as_far_as_asked(void **state)
{
	char u[128];
	url(u, sizeof(u), "/range");
	struct kb_fetch_request req = { .url = u };
	_cleanup_free_ unsigned char *buf = malloc(KB_INSPECT_HEAD_MAX);
	assert_non_null(buf);
	size_t len = 0;
	uint64_t size = 0;
	kb_error err = { 0 };
	atomic_store(&range_asked, false);
	assert_int_equal(kb_fetch_head(&req, buf, KB_INSPECT_HEAD_MAX, &len, &size, &err), 0);
	assert_true(atomic_load(&range_asked));
	assert_int_equal(len, KB_INSPECT_HEAD_MAX);
	assert_true(size == RANGED_TOTAL);
	assert_int_equal(buf[0], 'r');
	char path[4096];
	assert_int_equal(kb_fetch_cache_path(u, path, sizeof(path)), 0);
	assert_int_not_equal(access(path, F_OK), 0); /* nothing cached */
}

/* A server that ignores the range: the transfer is cut off after the cap. */
static void test_a_server_ignoring_the_range_is_cut_off(void **state)
{
	char u[128];
	url(u, sizeof(u), "/stream");
	atomic_store(&stream_done, false);
	struct kb_file_info info;
	kb_error err = { 0 };
	assert_int_equal(kb_inspect_url(u, false, &info, &err), 0);
	assert_true(info.size == STREAM_TOTAL); /* what Content-Length said */
	assert_int_equal(info.kind, KB_KIND_OTHER);
	for (int i = 0; i < 500 && !atomic_load(&stream_done); i++)
		tick();
	assert_true(atomic_load(&stream_done));
	/* At most what socket buffers took before the client hung up. */
	assert_true(atomic_load(&stream_sent) < STREAM_TOTAL / 2);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	char path[256];
	snprintf(path, sizeof(path), "%s/etc", tmp);
	setenv("KBOOT_RUN_DIR", tmp, 1);
	setenv("KBOOT_ETC", path, 1); /* no CA bundle there */
	kb_env_reload();

	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 8) < 0 || getsockname(listener, (struct sockaddr *)&addr, &len) < 0)
		return 1;
	server_port = ntohs(addr.sin_port);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", server_port);
	pthread_t thread;
	pthread_create(&thread, NULL, server_thread, (void *)(intptr_t)listener);
	pthread_detach(thread);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_file_is_fetched_once_per_session),
		cmocka_unit_test(test_failures_say_what_happened),
		cmocka_unit_test(test_the_size_cap_at_and_past_the_limit),
		cmocka_unit_test(test_progress_reaches_the_total),
		cmocka_unit_test(test_a_cancelled_fetch_leaves_nothing),
		cmocka_unit_test(test_https_without_a_ca_bundle_is_refused),
		cmocka_unit_test(test_an_unchecked_download_never_answers_a_checked_request),
		cmocka_unit_test(test_the_least_recently_used_go_past_the_entry_limit),
		cmocka_unit_test(test_the_least_recently_used_go_past_the_byte_limit),
		cmocka_unit_test(test_a_file_a_boot_holds_is_never_evicted),
		cmocka_unit_test(test_a_remote_file_is_read_only_as_far_as_asked),
		cmocka_unit_test(test_a_server_ignoring_the_range_is_cut_off),
	};
	int failed = cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		return 1;
	return failed;
}
