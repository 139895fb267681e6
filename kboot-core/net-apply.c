/* Changing the network (see net.h): stop an interface's DHCP client, then
 * either start udhcpc again or set an IPv4 address, a default route and
 * resolv.conf with the classic ioctls (no `ip` binary needed). */
#include "net.h"
#include "net-internal.h"
#include "cleanup.h"
#include "env.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char UDHCPC_SCRIPT[] = "/usr/share/udhcpc/default.script";
enum { STOP_WAIT_MS = 2000, STOP_POLL_MS = 20 };

static void sleep_ms(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

static bool interface_exists(const char *iface)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/class/net/%s", kb_env()->sys_dir, iface);
	return strlen(iface) < KB_NET_NAME_MAX && !strchr(iface, '/') && access(path, F_OK) == 0;
}

/* No DHCP client for iface any more, and no lease remembered. */
static void stop_dhcp(const char *iface)
{
	pid_t pid = kb_net_dhcp_client_pid(iface);
	if (pid > 0 && kill(pid, SIGTERM) == 0) {
		for (int waited = 0; waited < STOP_WAIT_MS && kill(pid, 0) == 0; waited += STOP_POLL_MS)
			sleep_ms(STOP_POLL_MS);
		kb_info("%s: DHCP client stopped", iface);
	}
	char path[PATH_MAX];
	if (kb_net_run_file("udhcpc", iface, path, sizeof(path)) == 0)
		unlink(path);
	if (kb_net_run_file("dhcp", iface, path, sizeof(path)) == 0)
		unlink(path);
}

static int ifreq_ioctl(int sock, const char *iface, unsigned long request, struct ifreq *ifr)
{
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", iface);
	return ioctl(sock, request, ifr) < 0 ? -errno : 0;
}

static int link_up(int sock, const char *iface)
{
	struct ifreq ifr = { 0 };
	int r = ifreq_ioctl(sock, iface, SIOCGIFFLAGS, &ifr);
	if (r < 0)
		return r;
	ifr.ifr_flags |= IFF_UP;
	return ifreq_ioctl(sock, iface, SIOCSIFFLAGS, &ifr);
}

static int set_ipv4(int sock, const char *iface, unsigned long request, struct in_addr a)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ifreq_ioctl(sock, iface, request, &ifr);
}

static int route_ioctl(int sock, unsigned long request, const char *iface, const struct in_addr *gw)
{
	struct rtentry rt = { 0 };
	struct sockaddr_in any = { .sin_family = AF_INET };
	memcpy(&rt.rt_dst, &any, sizeof(any));
	memcpy(&rt.rt_genmask, &any, sizeof(any));
	rt.rt_flags = RTF_UP;
	if (gw) {
		struct sockaddr_in g = { .sin_family = AF_INET, .sin_addr = *gw };
		memcpy(&rt.rt_gateway, &g, sizeof(g));
		rt.rt_flags |= RTF_GATEWAY;
	}
	char dev[KB_NET_NAME_MAX];
	snprintf(dev, sizeof(dev), "%s", iface);
	rt.rt_dev = dev;
	return ioctl(sock, request, &rt) < 0 ? -errno : 0;
}

/* "10.0.2.50/24" (or without "/n": /24). */
static int parse_address(const char *text, struct in_addr *ret_addr, struct in_addr *ret_mask,
			 kb_error *err)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	char *end = NULL;
	long prefix = slash ? strtol(slash + 1, &end, 10) : 24;
	if (len >= sizeof(addr) || (slash && (end == slash + 1 || *end || prefix < 1 || prefix > 32)))
		return kb_error_set(err, EINVAL,
				    "%s: not an IPv4 address with a prefix length, like 10.0.2.50/24", text);
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, ret_addr) != 1)
		return kb_error_set(err, EINVAL,
				    "%s: not an IPv4 address with a prefix length, like 10.0.2.50/24", text);
	ret_mask->s_addr = htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
	return 0;
}

static int write_resolv_conf(const char *const *dns, size_t n, kb_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	const char *etc = kb_env()->etc_dir;
	if (snprintf(path, sizeof(path), "%s/resolv.conf", etc) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/resolv.conf.kboot-tmp", etc) >= (int)sizeof(tmp))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", etc);
	_cleanup_fclose_ FILE *f = fopen(tmp, "we");
	if (!f)
		return kb_error_set(err, errno, "%s: %s", tmp, strerror(errno));
	for (size_t i = 0; i < n; i++)
		fprintf(f, "nameserver %s\n", dns[i]);
	if (fflush(f) != 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return kb_error_set(err, e, "%s: %s", path, strerror(e));
	}
	return 0;
}

static int validate(const struct kb_net_config *cfg, kb_error *err)
{
	if (cfg->interface && !interface_exists(cfg->interface))
		return kb_error_set(err, ENODEV, "%s: no such network interface", cfg->interface);
	if (cfg->mode == KB_NET_STATIC && (!cfg->address || !cfg->address[0]))
		return kb_error_set(err, EINVAL, "a static setup needs an address, like 10.0.2.50/24");
	struct in_addr a, m;
	if (cfg->address && cfg->address[0] && parse_address(cfg->address, &a, &m, err) < 0)
		return -EINVAL;
	if (cfg->gateway && cfg->gateway[0] && inet_pton(AF_INET, cfg->gateway, &a) != 1)
		return kb_error_set(err, EINVAL, "gateway %s: not an IPv4 address", cfg->gateway);
	if (cfg->n_dns > KB_NET_DNS_MAX)
		return kb_error_set(err, E2BIG, "more than %d DNS servers", KB_NET_DNS_MAX);
	for (size_t i = 0; i < cfg->n_dns; i++) {
		struct in6_addr a6;
		if (inet_pton(AF_INET, cfg->dns[i], &a) != 1 && inet_pton(AF_INET6, cfg->dns[i], &a6) != 1)
			return kb_error_set(err, EINVAL, "DNS server %s: not an IP address", cfg->dns[i]);
	}
	if (cfg->hostname && (strlen(cfg->hostname) > KB_NET_HOSTNAME_MAX || !cfg->hostname[0] ||
			      strspn(cfg->hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						    "0123456789-.") != strlen(cfg->hostname)))
		return kb_error_set(err, EINVAL, "%s: not a host name (letters, digits, '-', '.')",
				    cfg->hostname);
	return 0;
}

static int apply_static(const char *iface, const struct kb_net_config *cfg, kb_error *err)
{
	struct in_addr addr, mask, gw;
	int r = parse_address(cfg->address, &addr, &mask, err);
	if (r < 0)
		return r;
	_cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return kb_error_set(err, errno, "socket: %s", strerror(errno));
	stop_dhcp(iface);
	if ((r = link_up(sock, iface)) < 0 || (r = set_ipv4(sock, iface, SIOCSIFADDR, addr)) < 0 ||
	    (r = set_ipv4(sock, iface, SIOCSIFNETMASK, mask)) < 0)
		return kb_error_set(err, r, "%s: cannot set address %s: %s", iface, cfg->address,
				    strerror(-r));
	/* Replace the default route through this interface. */
	for (int i = 0; i < KB_NET_ROUTES_MAX && route_ioctl(sock, SIOCDELRT, iface, NULL) == 0; i++)
		;
	if (cfg->gateway && cfg->gateway[0]) {
		inet_pton(AF_INET, cfg->gateway, &gw);
		r = route_ioctl(sock, SIOCADDRT, iface, &gw);
		if (r < 0 && r != -EEXIST)
			return kb_error_set(err, r, "%s: cannot route through %s: %s", iface,
					    cfg->gateway, strerror(-r));
	}
	kb_info("%s: static address %s%s%s", iface, cfg->address,
		cfg->gateway && cfg->gateway[0] ? ", gateway " : "", cfg->gateway ? cfg->gateway : "");
	return 0;
}

static int apply_none(const char *iface, kb_error *err)
{
	_cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return kb_error_set(err, errno, "socket: %s", strerror(errno));
	stop_dhcp(iface);
	struct in_addr none = { 0 };
	int r = set_ipv4(sock, iface, SIOCSIFADDR, none);
	if (r < 0 && r != -EADDRNOTAVAIL)
		return kb_error_set(err, r, "%s: cannot remove its address: %s", iface, strerror(-r));
	kb_info("%s: no network configuration", iface);
	return 0;
}

/* udhcpc goes to the background once it has a lease or gave up its first
 * tries (-b), so waiting for it is waiting for the lease. */
static int apply_dhcp(const char *iface, kb_error *err)
{
	_cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return kb_error_set(err, errno, "socket: %s", strerror(errno));
	stop_dhcp(iface);
	int r = link_up(sock, iface);
	if (r < 0)
		return kb_error_set(err, r, "%s: cannot bring the link up: %s", iface, strerror(-r));
	char pidfile[PATH_MAX];
	if (kb_net_run_file("udhcpc", iface, pidfile, sizeof(pidfile)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "%s: run directory path too long", iface);
	char *argv[] = { "udhcpc", "-i", (char *)iface, "-b", "-t", "3", "-T", "1", "-A", "5",
			 "-O", "66", "-O", "67", "-O", "209", "-O", "210", "-p", pidfile, "-s", (char *)UDHCPC_SCRIPT, NULL };
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	r = posix_spawnp(&pid, "udhcpc", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (r != 0)
		return kb_error_set(err, r, "%s: cannot start udhcpc: %s", iface, strerror(r));
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	kb_info("%s: DHCP client started", iface);
	return 0;
}

static int apply_one(const char *iface, const struct kb_net_config *cfg, kb_error *err)
{
	switch (cfg->mode) {
	case KB_NET_STATIC: return apply_static(iface, cfg, err);
	case KB_NET_DHCP: return apply_dhcp(iface, err);
	case KB_NET_NONE: return apply_none(iface, err);
	}
	return kb_error_set(err, EINVAL, "unknown network mode");
}

int kb_net_apply(const struct kb_net_config *cfg, kb_error *err)
{
	int r = validate(cfg, err);
	if (r < 0)
		return r;
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return kb_error_set(err, errno, "hostname %s: %s", cfg->hostname, strerror(errno));
	if (cfg->n_dns > 0 && (r = write_resolv_conf(cfg->dns, cfg->n_dns, err)) < 0)
		return r;
	if (cfg->interface)
		return apply_one(cfg->interface, cfg, err);

	_cleanup_free_ struct kb_net_state *st = malloc(sizeof(*st));
	if (!st)
		return kb_error_set(err, ENOMEM, "out of memory");
	r = kb_net_read(st, err);
	if (r < 0)
		return r;
	if (st->n_interfaces == 0)
		return kb_error_set(err, ENODEV, "no network interface");
	/* Static: the first interface; DHCP and none: every one. */
	size_t n = cfg->mode == KB_NET_STATIC ? 1 : st->n_interfaces;
	for (size_t i = 0; i < n; i++) {
		r = apply_one(st->interfaces[i].name, cfg, err);
		if (r < 0)
			return r;
	}
	return 0;
}
