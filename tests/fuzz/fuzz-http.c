/* kbootd in process: civetweb with kbootd's handlers on 127.0.0.1 (a free
 * port), over a fixture target; each input is sent as raw bytes on a new
 * connection and the reply read to the end. "@TOKEN@" in the input becomes
 * kbootd's local bearer token, so the fuzzer reaches authenticated routes.
 * The server is kbd_http_start(), as kbootd starts it (plain HTTP), less
 * /api/v1/network: its PUT would reconfigure this host's own network.
 * The oracle: a handler of a route that needs a login, run for a request
 * that does not carry the token (the one credential the fuzzer has), is a
 * crash: the gate let through a request it should have refused. */
#include "fuzz-util.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/startup.h"
#include "kboot-core/watch.h"
#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

enum { REPLY_WAIT_S = 2 }; /* a reply that has not ended by then is left */

static int port;
static char token[128];

/* A target with a kernel-looking file, an initrd and kboot.conf labels. */
static void make_target(void)
{
	static char kernel[16 * 1024];
	kernel[0x1F1] = 4;
	kernel[0x1FE] = 0x55, kernel[0x1FF] = (char)0xAA;
	memcpy(kernel + 0x202, "HdrS", 4);
	kernel[0x206] = 0x0F, kernel[0x207] = 0x02;
	kernel[0x20E] = 0x00, kernel[0x20F] = 0x0E; /* version at 0x1000 */
	kernel[0x211] = 1;
	kernel[0x236] = 3;
	kernel[0x238] = (char)0xFF, kernel[0x239] = 0x07;
	memcpy(kernel + 0x1000, "6.1.0-fuzz #1", 14);
	fuzz_write("target/boot/vmlinuz-6.1", kernel, sizeof(kernel));
	fuzz_write_text("target/boot/initrd.img-6.1", "070701");
	fuzz_write_text("target/boot/loader/entries/fuzz.conf",
			"title Fuzz (BLS)\nlinux /boot/vmlinuz-6.1\ninitrd /boot/initrd.img-6.1\noptions root=/dev/sda2\n");
	fuzz_write_text("target/etc/notes.txt", "some text\n");
	fuzz_write_text("etc/kboot.conf",
			"default=debian\ntimeout=-1\n"
			"debian='/boot/vmlinuz-6.1 initrd=/boot/initrd.img-6.1 root=/dev/sda2 quiet'\n"
			"rescue='/boot/vmlinuz-6.1 root=/dev/sda2 single'\n");
	fuzz_write_text("webroot/index.html", "<!doctype html><title>kboot</title>\n");
	fuzz_write_text("webroot/app.js", "export {};\n");
}

static bool carries_token(const struct mg_connection *conn, const char *header)
{
	const char *value = mg_get_header(conn, header);
	return value && strstr(value, token);
}

/* Runs on civetweb's worker thread, before the handler. */
static void gate_oracle(const struct mg_connection *conn, const struct kbd_route *route)
{
	if (route->access == KBD_LOGIN && !carries_token(conn, "Authorization") && !carries_token(conn, "Cookie")) {
		fprintf(stderr, "fuzz-http: %s %s ran without credentials\n", route->method, route->path);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	signal(SIGPIPE, SIG_IGN);
	make_target();
	char path[512];
	snprintf(path, sizeof(path), "%s/etc/kboot.conf", fuzz_root);
	static struct kb_config cfg;
	kb_error err = { 0 };
	if (kb_startup(path, &cfg, &err) < 0)
		fuzz_die(err.text);
	if (kbd_auth_init(&cfg, &err) < 0 || kbd_events_start(&err) < 0)
		fuzz_die(err.text);
	kb_watch_init(&cfg, &err);
	mg_init_library(0);
	snprintf(path, sizeof(path), "%s/webroot", fuzz_root);
	static struct kbd_listen listen = { .ports = "127.0.0.1:0" };
	struct mg_context *ctx = kbd_http_start(&listen, path, KBD_HTTP_NO_NETWORK);
	if (!ctx)
		fuzz_die("mg_start");
	struct mg_server_port ports[1];
	if (mg_get_server_ports(ctx, 1, ports) != 1 || ports[0].port == 0)
		fuzz_die("mg_get_server_ports");
	port = ports[0].port;
	snprintf(path, sizeof(path), "%s/run", fuzz_root);
	if (kbd_auth_write_local_token(path, &err) < 0)
		fuzz_die(err.text);
	snprintf(path, sizeof(path), "%s/run/local-token", fuzz_root);
	FILE *f = fopen(path, "re");
	if (!f || !fgets(token, sizeof(token), f))
		fuzz_die(path);
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	kbd_gate_dispatch_hook = gate_oracle;
	return 0;
}

/* The input with each "@TOKEN@" replaced. */
static char *with_token(const uint8_t *data, size_t size, size_t *ret_len)
{
	static const char mark[] = "@TOKEN@";
	size_t mark_len = sizeof(mark) - 1, tlen = strlen(token);
	char *out = malloc(size / mark_len * tlen + size + 1), *o = out;
	if (!out)
		abort();
	for (size_t i = 0; i < size;) {
		if (size - i >= mark_len && memcmp(data + i, mark, mark_len) == 0) {
			memcpy(o, token, tlen);
			o += tlen;
			i += mark_len;
		} else {
			*o++ = (char)data[i++];
		}
	}
	*ret_len = (size_t)(o - out);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	char *req = with_token(data, size, &len);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fuzz_die("socket");
	struct timeval wait = { .tv_sec = REPLY_WAIT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof(wait));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fuzz_die("connect");
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the server may close early (413, a bad request) */
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	/* To the end; an event stream never ends, so stop at its headers. */
	char reply[4096];
	size_t got = 0;
	for (;;) {
		ssize_t n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		reply[got] = '\0';
		if (memmem(reply, got, "text/event-stream", 17))
			break;
		if (got > sizeof(reply) / 2) {
			memmove(reply, reply + got - 64, 64);
			got = 64;
		}
	}
	close(fd);
	free(req);
	return 0;
}
