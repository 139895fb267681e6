/* Reading the network's state: interfaces from sysfs, addresses from
 * getifaddrs, IPv4 routes from /proc/net/route, DNS from resolv.conf, and
 * DHCP leases from what the udhcpc script left in <run_dir>. */
#include "net.h"
#include "net-internal.h"
#include "buf.h"
#include "cleanup.h"
#include "env.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { STATE_FILE_MAX = 8192, SYSFS_VALUE_MAX = 64 };

static const char *const mode_names[] = {
	[KB_NET_NONE] = "none", [KB_NET_DHCP] = "dhcp", [KB_NET_STATIC] = "static",
};

const char *kb_net_mode_name(enum kb_net_mode mode)
{
	return (size_t)mode < KB_ELEMENTSOF(mode_names) ? mode_names[mode] : "none";
}

int kb_net_mode_from_name(const char *name, enum kb_net_mode *ret)
{
	for (size_t i = 0; name && i < KB_ELEMENTSOF(mode_names); i++)
		if (strcmp(name, mode_names[i]) == 0) {
			*ret = (enum kb_net_mode)i;
			return 0;
		}
	return -EINVAL;
}

int kb_net_run_file(const char *what, const char *iface, char *ret, size_t size)
{
	int n = snprintf(ret, size, "%s/%s-%s%s", kb_env()->run_dir, what, iface,
			 strcmp(what, "udhcpc") == 0 ? ".pid" : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

pid_t kb_net_dhcp_client_pid(const char *iface)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (kb_net_run_file("udhcpc", iface, path, sizeof(path)) < 0 ||
	    kb_read_file(path, 32, &text, &len) < 0)
		return 0;
	long pid = strtol(text, NULL, 10);
	if (pid <= 1 || kill((pid_t)pid, 0) < 0)
		return 0;
	return (pid_t)pid;
}

/* One sysfs attribute of an interface, newline removed; "" when absent. */
static void sysfs_value(const char *iface, const char *attr, char *ret, size_t size)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	ret[0] = '\0';
	snprintf(path, sizeof(path), "%s/class/net/%s/%s", kb_env()->sys_dir, iface, attr);
	if (kb_read_file(path, SYSFS_VALUE_MAX, &text, &len) < 0)
		return;
	text[strcspn(text, "\n")] = '\0';
	snprintf(ret, size, "%s", text);
}

/* key=value lines as the udhcpc script writes them. */
static void read_lease(const char *iface, struct kb_net_interface *ifc)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (kb_net_run_file("dhcp", iface, path, sizeof(path)) < 0 ||
	    kb_read_file(path, STATE_FILE_MAX, &text, &len) < 0)
		return;
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
#define KEY(k) { #k, offsetof(struct kb_net_lease, k) }
		KEY(ip), KEY(mask), KEY(router), KEY(dns), KEY(siaddr), KEY(boot_file),
		KEY(sname), KEY(tftp), KEY(pxeconffile), KEY(pathprefix),
#undef KEY
	};
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (size_t i = 0; i < KB_ELEMENTSOF(keys); i++)
			if (strcmp(line, keys[i].key) == 0)
				snprintf((char *)&ifc->lease + keys[i].offset, KB_NET_VALUE_MAX, "%s",
					 eq + 1);
	}
	ifc->has_lease = ifc->lease.ip[0] != '\0';
}

static int prefix_length(const struct sockaddr *mask)
{
	int bits = 0;
	const unsigned char *b;
	size_t n;
	if (mask->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
		n = 4;
	} else {
		b = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		bits += __builtin_popcount(b[i]);
	return bits;
}

static void read_addresses(struct kb_net_state *st)
{
	struct ifaddrs *all = NULL;
	if (getifaddrs(&all) < 0)
		return;
	for (struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
			continue;
		for (size_t i = 0; i < st->n_interfaces; i++) {
			struct kb_net_interface *ifc = &st->interfaces[i];
			if (strcmp(ifc->name, a->ifa_name) != 0 || ifc->n_addresses == KB_NET_ADDRESSES_MAX)
				continue;
			char text[INET6_ADDRSTRLEN];
			const void *addr = a->ifa_addr->sa_family == AF_INET
						   ? (const void *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr
						   : (const void *)&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
			if (!inet_ntop(a->ifa_addr->sa_family, addr, text, sizeof(text)))
				continue;
			snprintf(ifc->addresses[ifc->n_addresses++], KB_NET_TEXT_MAX, "%s/%d", text,
				 a->ifa_netmask ? prefix_length(a->ifa_netmask) : 0);
		}
	}
	freeifaddrs(all);
}

static int read_interfaces(struct kb_net_state *st, kb_error *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/class/net", kb_env()->sys_dir);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return kb_error_set(err, errno, "%s: %s", dir, strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)) && st->n_interfaces < KB_NET_INTERFACES_MAX) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "lo") == 0 ||
		    strlen(de->d_name) >= KB_NET_NAME_MAX)
			continue;
		struct kb_net_interface *ifc = &st->interfaces[st->n_interfaces++];
		char value[SYSFS_VALUE_MAX];
		memcpy(ifc->name, de->d_name, strlen(de->d_name) + 1); /* length checked above */
		sysfs_value(ifc->name, "address", ifc->mac, sizeof(ifc->mac));
		sysfs_value(ifc->name, "flags", value, sizeof(value));
		ifc->up = (strtoul(value, NULL, 16) & 0x1) != 0; /* IFF_UP */
		sysfs_value(ifc->name, "carrier", value, sizeof(value));
		ifc->carrier = strcmp(value, "1") == 0;
		sysfs_value(ifc->name, "mtu", value, sizeof(value));
		ifc->mtu = atoi(value);
		ifc->dhcp_client = kb_net_dhcp_client_pid(ifc->name) > 0;
		read_lease(ifc->name, ifc);
	}
	/* Names in a stable order for every reader. */
	for (size_t i = 1; i < st->n_interfaces; i++)
		for (size_t j = i; j > 0 && strcmp(st->interfaces[j - 1].name, st->interfaces[j].name) > 0; j--) {
			struct kb_net_interface t = st->interfaces[j];
			st->interfaces[j] = st->interfaces[j - 1];
			st->interfaces[j - 1] = t;
		}
	return 0;
}

/* /proc/net/route: "Iface Destination Gateway Flags ... Metric Mask", hex, host order of the wire. */
static void read_routes(struct kb_net_state *st)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
	char line[256];
	if (!f || !fgets(line, sizeof(line), f))
		return;
	while (fgets(line, sizeof(line), f) && st->n_routes < KB_NET_ROUTES_MAX) {
		char iface[KB_NET_NAME_MAX];
		unsigned dest, gw, flags, refcnt, use, metric, mask;
		if (sscanf(line, "%15s %x %x %x %u %u %u %x", iface, &dest, &gw, &flags, &refcnt, &use,
			   &metric, &mask) != 8 || strcmp(iface, "lo") == 0)
			continue;
		struct kb_net_route *r = &st->routes[st->n_routes++];
		snprintf(r->interface, sizeof(r->interface), "%s", iface);
		r->metric = (int)metric;
		char text[INET_ADDRSTRLEN];
		struct in_addr a = { .s_addr = dest }, m = { .s_addr = mask }, g = { .s_addr = gw };
		if (dest == 0 && mask == 0)
			snprintf(r->destination, sizeof(r->destination), "default");
		else
			snprintf(r->destination, sizeof(r->destination), "%s/%d",
				 inet_ntop(AF_INET, &a, text, sizeof(text)) ? text : "?",
				 __builtin_popcount(m.s_addr));
		if (gw != 0 && inet_ntop(AF_INET, &g, text, sizeof(text)))
			snprintf(r->gateway, sizeof(r->gateway), "%s", text);
	}
}

static void read_resolv_conf(struct kb_net_state *st)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/resolv.conf", kb_env()->etc_dir);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		char word[16], value[KB_NET_VALUE_MAX];
		if (sscanf(line, "%15s %255[^\n]", word, value) != 2)
			continue;
		if (strcmp(word, "nameserver") == 0 && st->n_dns < KB_NET_DNS_MAX &&
		    strlen(value) < KB_NET_TEXT_MAX)
			memcpy(st->dns[st->n_dns++], value, strlen(value) + 1);
		else if (strcmp(word, "search") == 0 || strcmp(word, "domain") == 0)
			snprintf(st->search, sizeof(st->search), "%s", value);
	}
}

int kb_net_read(struct kb_net_state *ret, kb_error *err)
{
	memset(ret, 0, sizeof(*ret));
	gethostname(ret->hostname, sizeof(ret->hostname) - 1);
	int r = read_interfaces(ret, err);
	if (r < 0)
		return r;
	read_addresses(ret);
	for (size_t i = 0; i < ret->n_interfaces; i++) {
		struct kb_net_interface *ifc = &ret->interfaces[i];
		bool has_ipv4 = false;
		for (size_t a = 0; a < ifc->n_addresses; a++)
			has_ipv4 |= strchr(ifc->addresses[a], ':') == NULL;
		ifc->mode = ifc->dhcp_client || ifc->has_lease ? KB_NET_DHCP
			    : has_ipv4			     ? KB_NET_STATIC
							     : KB_NET_NONE;
	}
	read_routes(ret);
	read_resolv_conf(ret);
	return 0;
}
