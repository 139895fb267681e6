/* The kboot environment's network: what it is (interfaces, addresses, routes,
 * DNS, DHCP leases) and how to change it (DHCP through udhcpc, or a static
 * address, gateway and DNS). IPv4 is configured; IPv6 addresses are shown.
 * Used by kbootd's /api/v1/network and the console's `net`. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

enum {
	KB_NET_INTERFACES_MAX = 16,
	KB_NET_ADDRESSES_MAX = 8,  /* per interface */
	KB_NET_ROUTES_MAX = 32,
	KB_NET_DNS_MAX = 4,        /* nameservers (musl reads three) */
	KB_NET_NAME_MAX = 16,      /* IFNAMSIZ */
	KB_NET_TEXT_MAX = 64,      /* "fd00::1234/64", an address with its prefix */
	KB_NET_VALUE_MAX = 256,    /* a DHCP option: a boot file name, a server name */
	KB_NET_HOSTNAME_MAX = 64,
	KB_NET_DHCP_WAIT_S = 10,   /* udhcpc's first attempts before it goes to the background */
};

enum kb_net_mode { KB_NET_NONE, KB_NET_DHCP, KB_NET_STATIC };

/* What udhcpc's script wrote to <run_dir>/dhcp-<iface> (the lease and the
 * boot options: next-server, boot file, PXE options 209/210). */
struct kb_net_lease {
	char ip[KB_NET_VALUE_MAX], mask[KB_NET_VALUE_MAX], router[KB_NET_VALUE_MAX];
	char dns[KB_NET_VALUE_MAX], siaddr[KB_NET_VALUE_MAX], boot_file[KB_NET_VALUE_MAX];
	char sname[KB_NET_VALUE_MAX], tftp[KB_NET_VALUE_MAX];
	char pxeconffile[KB_NET_VALUE_MAX], pathprefix[KB_NET_VALUE_MAX];
};

struct kb_net_interface {
	char name[KB_NET_NAME_MAX];
	char mac[24];
	bool up, carrier;
	int mtu;
	enum kb_net_mode mode; /* dhcp: a client runs or a lease is held; static: addresses without */
	bool dhcp_client;      /* udhcpc is running for it */
	bool has_lease;
	struct kb_net_lease lease;
	size_t n_addresses;
	char addresses[KB_NET_ADDRESSES_MAX][KB_NET_TEXT_MAX]; /* "10.0.2.15/24" */
};

struct kb_net_route {
	char destination[KB_NET_TEXT_MAX]; /* "default" or "10.0.2.0/24" */
	char gateway[KB_NET_TEXT_MAX];     /* "" when on-link */
	char interface[KB_NET_NAME_MAX];
	int metric;
};

struct kb_net_state {
	char hostname[KB_NET_HOSTNAME_MAX + 1];
	size_t n_interfaces;
	struct kb_net_interface interfaces[KB_NET_INTERFACES_MAX];
	size_t n_routes;
	struct kb_net_route routes[KB_NET_ROUTES_MAX];
	size_t n_dns;
	char dns[KB_NET_DNS_MAX][KB_NET_TEXT_MAX]; /* from <etc_dir>/resolv.conf */
	char search[KB_NET_VALUE_MAX];
};

/* Everything at once, loopback left out. Never fails for a missing piece
 * (no resolv.conf, no lease): that piece is empty. */
int kb_net_read(struct kb_net_state *ret, kb_error *err);
const char *kb_net_mode_name(enum kb_net_mode mode);
/* "dhcp", "static", "none"; -EINVAL otherwise. */
int kb_net_mode_from_name(const char *name, enum kb_net_mode *ret);

struct kb_net_config {
	enum kb_net_mode mode;
	const char *interface; /* NULL: dhcp on every wired interface; static: the first one */
	const char *address;   /* static: "10.0.2.50/24" (no prefix: /24) */
	const char *gateway;   /* static, optional */
	const char *const *dns; /* nameservers for resolv.conf; none: resolv.conf is kept */
	size_t n_dns;
	const char *hostname;  /* optional, any mode */
};

/* Apply at once: stop the interface's DHCP client, then set what cfg says.
 * DHCP returns once udhcpc got a lease or went to the background. Errors:
 * -ENODEV "eth9: no such network interface", -EINVAL for a bad address. */
int kb_net_apply(const struct kb_net_config *cfg, kb_error *err);

/* kboot.conf's network settings as a kb_net_config: dns= ("a,b" or "a b")
 * is split into dns[] inside dns_text, which must outlive ret. */
struct kb_config;
int kb_net_config_from(const struct kb_config *cfg, char *dns_text, size_t dns_size,
		       const char *dns[KB_NET_DNS_MAX], struct kb_net_config *ret, kb_error *err);
/* At start, after the config update: apply cfg's network if rcS left
 * <run_dir>/network-pending (the image only), once per boot. 1 applied,
 * 0 not this process's to do, or -errno. */
int kb_net_startup(const struct kb_config *cfg, kb_error *err);
