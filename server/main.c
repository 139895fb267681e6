/* kbootd: the kboot environment's web UI and REST API. Loads the config,
 * finds the entries, starts the countdown, then serves HTTP (civetweb) while
 * the main thread watches devices once a second. */
#include "server.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/daemon.h"
#include "kboot-core/startup.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/env.h"
#include "kboot-core/log.h"
#include "kboot-core/watch.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef KBOOT_VERSION
#define KBOOT_VERSION "0"
#endif


static const char DEFAULT_WEBROOT[] = "/usr/share/kboot/webroot";
static const char DEFAULT_LISTEN[] = "80";

static void usage(FILE *f)
{
	fprintf(f, "usage: kbootd [--listen ADDR] [--listen-tls ADDR] [--webroot DIR] [--conf FILE]\n"
		   "  --listen      civetweb listening_ports, e.g. 80 or 127.0.0.1:8080 (kboot.conf listen=)\n"
		   "  --listen-tls  HTTPS, with $KBOOT_ETC/kboot/tls.pem or kboot.conf tls=auto\n"
		   "                (default: --listen's address, port 443)\n"
		   "  --webroot     the UI's files (default %s)\n"
		   "  --conf        kboot.conf (default $KBOOT_CONF or /etc/kboot.conf)\n"
		   "  --routes      print the API's route table and exit\n",
		DEFAULT_WEBROOT);
}

static int parse_options(int argc, char **argv, struct kbd_options *ret)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "listen-tls", required_argument, NULL, 't' },
		{ "webroot", required_argument, NULL, 'w' },
		{ "conf", required_argument, NULL, 'c' },
		{ "routes", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "l:t:w:c:rhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': ret->listen = optarg; break;
		case 't': ret->listen_tls = optarg; break;
		case 'w': ret->webroot = optarg; break;
		case 'c': ret->conf_path = optarg; break;
		case 'r': kbd_routes_print(stdout); exit(0);
		case 'h': usage(stdout); exit(0);
		case 'V': printf("kbootd %s\n", KBOOT_VERSION); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* <run_dir>/kbootd.url: where local clients (the console) find us. */
static int write_url(struct mg_context *ctx, const char *run_dir, kb_error *err)
{
	struct mg_server_port ports[KBD_LISTEN_PORTS_MAX];
	int n = mg_get_server_ports(ctx, KBD_LISTEN_PORTS_MAX, ports);
	if (n <= 0)
		return kb_error_set(err, EIO, "civetweb reports no listening port");
	/* With TLS, plain ports only redirect: name the TLS port. */
	int use = 0;
	for (int i = 0; i < n; i++)
		if (ports[i].is_ssl) {
			use = i;
			break;
		}
	char path[4096], tmp[4096];
	if (snprintf(path, sizeof(path), "%s/kbootd.url", run_dir) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/kbootd.url.tmp", run_dir) >= (int)sizeof(tmp))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", run_dir);
	_cleanup_fclose_ FILE *f = fopen(tmp, "we");
	if (!f)
		return kb_error_set(err, errno, "%s: %s", tmp, strerror(errno));
	const char *host = ports[use].protocol == 2 ? "[::1]" : "127.0.0.1";
	fprintf(f, "%s://%s:%d\n", ports[use].is_ssl ? "https" : "http", host, ports[use].port);
	if (fflush(f) != 0 || rename(tmp, path) < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	return 0;
}

#ifndef KBD_TEST_HOOKS
#define KBD_TEST_HOOKS 0
#endif
/* Test builds only: $KBOOT_TEST_DISPATCH_LOG gets a line per handler the
 * gate runs, so a system test can tell that a refused request ran none. */
static const char *dispatch_log;

static void log_dispatch(const struct mg_connection *conn, const struct kbd_route *route)
{
	_cleanup_fclose_ FILE *f = fopen(dispatch_log, "ae");
	if (f)
		fprintf(f, "%s %s\n", route->method, route->path);
}

static void remove_run_files(const char *run_dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/kbootd.url", run_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/local-token", run_dir);
	unlink(path);
}

int main(int argc, char **argv)
{
	struct kbd_options opts = { 0 };
	if (parse_options(argc, argv, &opts) < 0)
		return 2;
	const struct kb_env *env = kb_env();
	if (!opts.conf_path)
		opts.conf_path = env->conf_path;
	if (!opts.webroot)
		opts.webroot = DEFAULT_WEBROOT;

	if (KBD_TEST_HOOKS && (dispatch_log = getenv("KBOOT_TEST_DISPATCH_LOG")))
		kbd_gate_dispatch_hook = log_dispatch;

	/* Signals go to sigtimedwait below, not to civetweb's threads. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* First of all, so a console starting beside us waits instead of
	 * running a second countdown. */
	kb_error err = { 0 };
	if (kb_daemon_lock(&err) < 0) {
		kb_err("kbootd: %s", err.text);
		return 1;
	}

	struct kb_config cfg;
	if (kb_startup(opts.conf_path, &cfg, &err) < 0)
		kb_err("boot controller: %s", err.text);
	if (!opts.listen)
		opts.listen = cfg.listen && cfg.listen[0] ? cfg.listen : DEFAULT_LISTEN;

	kb_error_clear(&err);
	if (kbd_auth_init(&cfg, &err) < 0) {
		kb_err("kbootd: %s", err.text);
		return 1;
	}
	if (kbd_events_start(&err) < 0) {
		kb_err("kbootd: %s", err.text);
		return 1;
	}
	if (kb_watch_init(&cfg, &err) < 0)
		kb_warn("devices: %s", err.text);

	if (mkdir(env->run_dir, 0755) < 0 && errno != EEXIST)
		kb_warn("%s: %s", env->run_dir, strerror(errno));
	mg_init_library(MG_FEATURES_SSL);
	struct kbd_listen listen;
	const struct kbd_tls_options tls = { .listen = opts.listen, .listen_tls = opts.listen_tls,
					     .mode = cfg.tls, .etc_dir = env->etc_dir, .run_dir = env->run_dir };
	kb_error_clear(&err);
	if (kbd_tls_setup(&tls, &listen, &err) < 0)
		kb_warn("kbootd: %s", err.text);
	if (listen.tls && listen.fingerprint[0]) {
		/* Beside the one-time password: what a person checks the browser's warning against. */
		printf("kbootd: HTTPS with a %s certificate; SHA-256 fingerprint: %s\n",
		       listen.generated ? "generated (tls=auto)" : "configured", listen.fingerprint);
		fflush(stdout);
	}
	kb_error_clear(&err);
	if (listen.tls && kbd_quiet_tls_errors(&err) < 0)
		kb_warn("kbootd: %s", err.text);
	struct mg_context *ctx = kbd_http_start(&listen, opts.webroot, KBD_HTTP_ALL_ROUTES);
	if (!ctx) {
		kb_err("kbootd: cannot listen on %s%s%s", listen.ports, listen.tls ? " with TLS from " : "",
		       listen.cert);
		return 1;
	}
	if (kbd_auth_write_local_token(env->run_dir, &err) < 0 || write_url(ctx, env->run_dir, &err) < 0)
		kb_warn("kbootd: %s (the console will work without kbootd)", err.text);
	kb_info("kbootd %s listening on %s%s", KBOOT_VERSION, listen.ports,
		listen.tls ? " (HTTPS; plain HTTP redirects)" : "");
	/* Our stderr is the machine's console, where the prompt speaks for
	 * itself: from here on the log goes to the ring (the UI's log pane,
	 * GET /api/v1/log) only, unless kboot.debug asks for everything. */
	kb_log_set_stderr_level(env->debug ? KB_LOG_DEBUG : KB_LOG_SILENT);

	kb_error_clear(&err);
	int r = kb_watch_defer_countdown() ? 0 : kb_bootctl_start_countdown(&err);
	if (r < 0 && r != -ENOENT)
		kb_warn("autoboot: %s", err.text);
	else if (r == -ENOENT)
		kb_info("autoboot: no default entry; waiting for a choice");

	for (;;) {
		struct timespec second = { .tv_sec = 1 };
		int sig = sigtimedwait(&stop, NULL, &second);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		kb_watch_tick();
	}
	kb_info("kbootd: stopping");
	kbd_events_stop();
	mg_stop(ctx);
	mg_exit_library();
	remove_run_files(env->run_dir);
	kb_watch_free();
	kb_config_free(&cfg);
	return 0;
}
