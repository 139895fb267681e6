/* The console as a kbootd client (see client.h). */
#include "client.h"
#include "interrupt.h"
#include "progress.h"
#include "sse.h"
#include "kboot-core/buf.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/log.h"
#include "kboot-core/wire.h"

#include "cJSON.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { KBC_URL_MAX = 512, KBC_TOKEN_MAX = 256, KBC_EVENT_MAX = 64 * 1024 };

struct kbc_client {
	char run_dir[KBC_URL_MAX];
	char url[KBC_URL_MAX];     /* "http://127.0.0.1:80"; guarded by lock */
	char auth[KBC_TOKEN_MAX + 32]; /* "Authorization: Bearer …"; guarded by lock */
	pthread_t follower;
	bool following;
	atomic_bool stop;
	atomic_bool stream_up; /* the event stream is connected: `last` is current */
	pthread_mutex_t lock;
	struct kb_boot_status last; /* guarded by lock */
	bool have_last;
};

/* The first line of a small file, trimmed. */
static int read_line_file(const char *dir, const char *name, char *ret, size_t size)
{
	char path[KBC_URL_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	_cleanup_free_ char *text = NULL;
	int r = kb_read_file(path, size - 1, &text, NULL);
	if (r < 0)
		return r;
	text[strcspn(text, "\r\n")] = '\0';
	snprintf(ret, size, "%s", text);
	return ret[0] ? 0 : -ENOENT;
}

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	struct kb_buf *b = userdata;
	return kb_buf_add(b, data, size * n) < 0 ? 0 : size * n;
}

/* kbootd.url and local-token, as kbootd (re)wrote them at its start. */
static int read_address(struct kbc_client *c)
{
	char url[KBC_URL_MAX], token[KBC_TOKEN_MAX];
	int r = read_line_file(c->run_dir, "kbootd.url", url, sizeof(url));
	if (r >= 0)
		r = read_line_file(c->run_dir, "local-token", token, sizeof(token));
	if (r < 0)
		return r;
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	pthread_mutex_lock(&c->lock);
	snprintf(c->url, sizeof(c->url), "%s", url);
	snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s", token);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* One request; *ret_json is the parsed body (NULL if empty). Errors come
 * from kbootd's {"error":{"message"}} when it sent one; when kbootd does not
 * answer at all: -ECONNREFUSED (nothing listens), -ECONNRESET (it went away
 * during the request) or -ETIMEDOUT. */
static int request_once(struct kbc_client *c, const char *method, const char *path,
			const char *body, long *ret_status, cJSON **ret_json, kb_error *err);

/* A long request (a boot that downloads its kernel) has no total timeout:
 * progress comes over the event stream, and Ctrl-C asks kbootd to cancel. */
struct long_request {
	struct kbc_client *c;
	bool cancel_sent;
};

static int watch_interrupt(void *opaque, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d)
{
	(void)a, (void)b, (void)c2, (void)d;
	struct long_request *lr = opaque;
	if (kbc_interrupted && !lr->cancel_sent) {
		kbc_interrupted = 0;
		lr->cancel_sent = true;
		/* Another handle: curl allows that from inside a callback. */
		request_once(lr->c, "POST", "/api/v1/boot/cancel", NULL, NULL, NULL, NULL);
	}
	return 0;
}

static int request_once_with(struct kbc_client *c, const char *method, const char *path,
			     const char *body, bool long_running, long *ret_status,
			     cJSON **ret_json, kb_error *err)
{
	CURL *h = curl_easy_init();
	if (!h)
		return kb_error_set(err, ENOMEM, "cannot start a request");
	char url[KBC_URL_MAX * 2], auth[sizeof(c->auth)];
	pthread_mutex_lock(&c->lock);
	snprintf(url, sizeof(url), "%s%s", c->url, path);
	snprintf(auth, sizeof(auth), "%s", c->auth);
	pthread_mutex_unlock(&c->lock);
	struct curl_slist *headers = curl_slist_append(NULL, auth);
	if (body)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	struct kb_buf out;
	kb_buf_init(&out, KBC_CLIENT_BODY_MAX);
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{}");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	struct long_request lr = { .c = c };
	if (long_running) {
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, watch_interrupt);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &lr);
	} else {
		curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)KBC_CLIENT_TIMEOUT_S);
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)KBC_CLIENT_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L); /* local kbootd, self-signed */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	CURLcode cr = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	if (cr != CURLE_OK) {
		kb_buf_free(&out);
		int code = cr == CURLE_COULDNT_CONNECT	  ? ECONNREFUSED
			   : cr == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT
							    : ECONNRESET;
		return kb_error_set(err, code, "kbootd does not answer: %s",
				    curl_err[0] ? curl_err : curl_easy_strerror(cr));
	}
	cJSON *json = out.data ? cJSON_Parse(out.data) : NULL;
	kb_buf_free(&out);
	if (status >= 400) {
		/* The errno is the one the API's code stands for (kboot-core/wire.c). */
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(json, "error");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
		int errnum = status == 401 ? EACCES : kb_wire_errno_of(cJSON_IsString(code) ? code->valuestring : NULL);
		int r = kb_error_set(err, errnum, "%s", cJSON_IsString(m) ? m->valuestring
								     : "kbootd refused the request");
		cJSON_Delete(json);
		if (ret_status)
			*ret_status = status;
		return r;
	}
	if (ret_status)
		*ret_status = status;
	if (ret_json)
		*ret_json = json;
	else
		cJSON_Delete(json);
	return 0;
}

static int request_once(struct kbc_client *c, const char *method, const char *path,
			const char *body, long *ret_status, cJSON **ret_json, kb_error *err)
{
	return request_once_with(c, method, path, body, false, ret_status, ret_json, err);
}

/* A restarted kbootd listens anew with a new token: when it refuses us or
 * the connection, read its address again and ask once more. */
static int request_with(struct kbc_client *c, const char *method, const char *path,
			const char *body, bool long_running, long *ret_status, cJSON **ret_json,
			kb_error *err)
{
	kb_error first = { 0 };
	long status = 0;
	int r = request_once_with(c, method, path, body, long_running, &status, ret_json, &first);
	if (ret_status)
		*ret_status = status;
	/* Only a refused token (401) or connection means a kbootd restarted with
	 * a new token: a 403 (a wrong passphrase) is an answer, asked once. */
	if (!(r == -EACCES && status == 401) && r != -ECONNREFUSED) {
		if (r < 0 && err)
			*err = first;
		return r;
	}
	if (read_address(c) < 0) {
		if (err)
			*err = first;
		return r;
	}
	return request_once_with(c, method, path, body, long_running, ret_status, ret_json, err);
}

static int request(struct kbc_client *c, const char *method, const char *path, const char *body,
		   long *ret_status, cJSON **ret_json, kb_error *err)
{
	return request_with(c, method, path, body, false, ret_status, ret_json, err);
}

static const char *json_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int kbc_client_status(struct kbc_client *c, struct kb_boot_status *ret, kb_error *err)
{
	cJSON *json = NULL;
	int r = request(c, "GET", "/api/v1/status", NULL, NULL, &json, err);
	if (r < 0)
		return r;
	r = kb_wire_status_read(json, ret);
	cJSON_Delete(json);
	return r < 0 ? kb_error_set(err, EIO, "kbootd sent a status that is not an object") : 0;
}

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int kbc_client_connect(const char *run_dir, struct kbc_client **ret, kb_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, global_init);
	struct kbc_client *c = calloc(1, sizeof(*c));
	if (!c)
		return kb_error_set(err, ENOMEM, "out of memory");
	pthread_mutex_init(&c->lock, NULL);
	snprintf(c->run_dir, sizeof(c->run_dir), "%s", run_dir);
	int r = read_address(c);
	if (r < 0) {
		kbc_client_free(c);
		return kb_error_set(err, -r, "kbootd is not running (no %s/kbootd.url)", run_dir);
	}
	struct kb_boot_status st;
	r = kbc_client_status(c, &st, err);
	if (r < 0) {
		kbc_client_free(c);
		return r;
	}
	c->last = st;
	c->have_last = true;
	*ret = c;
	return 0;
}

void kbc_client_free(struct kbc_client *c)
{
	if (!c)
		return;
	if (c->following) {
		atomic_store(&c->stop, true);
		pthread_join(c->follower, NULL);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static int entry_from_json(const cJSON *o, struct kb_entry_list *l, kb_error *err)
{
	struct kb_entry e;
	int r = kb_wire_entry_read(o, &e, err);
	return r < 0 ? r : kb_entry_list_add(l, &e, err);
}

int kbc_client_entries(struct kbc_client *c, struct kb_entry_list *ret, kb_error *err)
{
	cJSON *json = NULL;
	int r = request(c, "GET", "/api/v1/entries", NULL, NULL, &json, err);
	if (r < 0)
		return r;
	struct kb_entry_list l = { 0 };
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(json, "entries"))
	{
		r = entry_from_json(o, &l, err);
		if (r < 0)
			break;
	}
	cJSON_Delete(json);
	if (r < 0) {
		kb_entry_list_free(&l);
		return r;
	}
	*ret = l;
	return 0;
}

int kbc_client_cancel(struct kbc_client *c, kb_error *err)
{
	return request(c, "POST", "/api/v1/autoboot/cancel", NULL, NULL, NULL, err);
}

int kbc_client_unlock(struct kbc_client *c, const char *name, const char *passphrase, kb_error *err)
{
	char path[128];
	if (snprintf(path, sizeof(path), "/api/v1/devices/%s/unlock", name) >= (int)sizeof(path))
		return kb_error_set(err, ENAMETOOLONG, "%s: name too long", name);
	cJSON *o = cJSON_CreateObject();
	cJSON *p = o ? cJSON_AddStringToObject(o, "passphrase", passphrase) : NULL;
	_cleanup_free_ char *body = p ? cJSON_PrintUnformatted(o) : NULL;
	if (p)
		explicit_bzero(p->valuestring, strlen(p->valuestring));
	cJSON_Delete(o);
	if (!body)
		return kb_error_set(err, ENOMEM, "out of memory");
	/* No total timeout: argon2 takes its time, more so under emulation. */
	int r = request_with(c, "POST", path, body, true, NULL, NULL, err);
	explicit_bzero(body, strlen(body));
	return r;
}

int kbc_client_boot(struct kbc_client *c, const struct kb_boot_request *req, kb_error *err)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return kb_error_set(err, ENOMEM, "out of memory");
	if (req->entry_id)
		cJSON_AddStringToObject(o, "entry", req->entry_id);
	if (req->device)
		cJSON_AddStringToObject(o, "device", req->device);
	if (req->kernel) {
		cJSON_AddStringToObject(o, "kernel", req->kernel);
		cJSON *list = cJSON_AddArrayToObject(o, "initrd");
		for (size_t i = 0; list && i < req->n_initrds; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(req->initrds[i]));
	}
	if (req->cmdline)
		cJSON_AddStringToObject(o, "cmdline", req->cmdline);
	if (req->dry_run)
		cJSON_AddTrueToObject(o, "dry_run");
	if (req->insecure)
		cJSON_AddTrueToObject(o, "insecure");
	_cleanup_free_ char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body)
		return kb_error_set(err, ENOMEM, "out of memory");
	kbc_interrupted = 0;
	return request_with(c, "POST", "/api/v1/boot", body, true, NULL, NULL, err);
}

/* --- the event stream ----------------------------------------------------- */

struct follow_ctx {
	struct kbc_client *c;
	struct kb_buf pending; /* the event being received */
};

static int refresh(struct kbc_client *c, kb_error *err)
{
	struct kb_boot_status st;
	int r = kbc_client_status(c, &st, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&c->lock);
	c->last = st;
	c->have_last = true;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* A progress event's data: the console's progress line. */
static void show_progress(const char *data)
{
	cJSON *o = data ? cJSON_Parse(data) : NULL;
	const cJSON *done = cJSON_GetObjectItemCaseSensitive(o, "done");
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(o, "total");
	if (cJSON_IsNumber(done) && cJSON_IsNumber(total))
		kbc_progress_show(json_string(o, "phase"), json_string(o, "name"),
				 (uint64_t)done->valuedouble, (uint64_t)total->valuedouble);
	cJSON_Delete(o);
}

/* Each complete event on its own: progress draws the line, log lines move
 * no state, pings carry no data; anything else may have moved the state. */
static size_t on_stream(char *data, size_t size, size_t n, void *userdata)
{
	struct follow_ctx *ctx = userdata;
	size_t len = size * n;
	if (kb_buf_add(&ctx->pending, data, len) < 0)
		kb_buf_reset(&ctx->pending); /* an oversized event: drop it */
	struct kbc_sse_event ev;
	size_t used;
	while (kbc_sse_next(&ctx->pending, &ev, &used)) {
		bool moved = false;
		if (strcmp(ev.type, "progress") == 0)
			show_progress(ev.data);
		else
			moved = ev.data && strcmp(ev.type, "log") != 0;
		kbc_sse_drop(&ctx->pending, used);
		if (moved)
			refresh(ctx->c, NULL);
	}
	return len;
}

static int on_progress(void *userdata, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d)
{
	struct kbc_client *c = userdata;
	return atomic_load(&c->stop) ? 1 : 0;
}

static void *follow_main(void *arg)
{
	struct kbc_client *c = arg;
	while (!atomic_load(&c->stop)) {
		struct follow_ctx ctx = { .c = c };
		kb_buf_init(&ctx.pending, KBC_EVENT_MAX);
		CURL *h = curl_easy_init();
		if (!h)
			break;
		char url[KBC_URL_MAX * 2], auth[sizeof(c->auth)];
		pthread_mutex_lock(&c->lock);
		snprintf(url, sizeof(url), "%s/api/v1/events", c->url);
		snprintf(auth, sizeof(auth), "%s", c->auth);
		pthread_mutex_unlock(&c->lock);
		struct curl_slist *headers = curl_slist_append(NULL, auth);
		headers = curl_slist_append(headers, "Accept: text/event-stream");
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &ctx);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)KBC_CLIENT_CONNECT_TIMEOUT_MS);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
		/* Whatever happened while not listening; then every change comes as
		 * an event. (The status also re-reads a restarted kbootd's address.) */
		if (refresh(c, NULL) >= 0)
			atomic_store(&c->stream_up, true);
		curl_easy_perform(h);
		atomic_store(&c->stream_up, false);
		curl_slist_free_all(headers);
		curl_easy_cleanup(h);
		kb_buf_free(&ctx.pending);
		if (atomic_load(&c->stop))
			break;
		sleep(1); /* kbootd restarting: try again */
	}
	return NULL;
}

int kbc_client_follow(struct kbc_client *c, kb_error *err)
{
	if (c->following)
		return 0;
	int r = pthread_create(&c->follower, NULL, follow_main, c);
	if (r != 0)
		return kb_error_set(err, r, "cannot follow kbootd's events: %s", strerror(r));
	c->following = true;
	return 0;
}

int kbc_client_last_status(struct kbc_client *c, struct kb_boot_status *ret, kb_error *err)
{
	/* Without the stream the kept status may be old: ask. */
	if (!c->following || !atomic_load(&c->stream_up)) {
		int r = refresh(c, err);
		if (r < 0)
			return r;
	}
	pthread_mutex_lock(&c->lock);
	*ret = c->last;
	pthread_mutex_unlock(&c->lock);
	return 0;
}
