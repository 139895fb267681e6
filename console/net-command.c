/* `net`: show the network or change it at once; `insecure`: see net-command.h. */
#include "net-command.h"
#include "client.h"
#include "line.h"
#include "kboot-core/net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_lease(const struct kb_net_lease *l)
{
	printf("    lease: address %s", l->ip);
	if (l->router[0])
		printf(", router %s", l->router);
	if (l->dns[0])
		printf(", dns %s", l->dns);
	if (l->siaddr[0])
		printf(", next server %s", l->siaddr);
	if (l->boot_file[0])
		printf(", boot file %s", l->boot_file);
	printf("\n");
}

static void print_state(const struct kb_net_state *st)
{
	for (size_t i = 0; i < st->n_interfaces; i++) {
		const struct kb_net_interface *ifc = &st->interfaces[i];
		printf("%s: %s%s, mac %s, mtu %d, %s%s\n", ifc->name, ifc->up ? "up" : "down",
		       ifc->carrier ? ", link" : ", no link", ifc->mac, ifc->mtu,
		       kb_net_mode_name(ifc->mode), ifc->dhcp_client ? " (udhcpc running)" : "");
		for (size_t a = 0; a < ifc->n_addresses; a++)
			printf("    %s %s\n", strchr(ifc->addresses[a], ':') ? "inet6" : "inet ",
			       ifc->addresses[a]);
		if (ifc->has_lease)
			print_lease(&ifc->lease);
	}
	for (size_t i = 0; i < st->n_routes; i++) {
		const struct kb_net_route *r = &st->routes[i];
		printf("route %s%s%s dev %s\n", r->destination, r->gateway[0] ? " via " : "",
		       r->gateway, r->interface);
	}
	for (size_t i = 0; i < st->n_dns; i++)
		printf("dns %s\n", st->dns[i]);
	if (st->search[0])
		printf("search %s\n", st->search);
	if (st->hostname[0])
		printf("hostname %s\n", st->hostname);
}

static int show(kb_error *err)
{
	struct kb_net_state *st = calloc(1, sizeof(*st));
	if (!st)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = kb_net_read(st, err);
	if (r >= 0)
		print_state(st);
	free(st);
	return r;
}

static int net_usage(kb_error *err)
{
	return kb_error_set(err, EINVAL,
			    "usage: net | net dhcp [IFACE] | net static IFACE ADDR/PREFIX "
			    "[GATEWAY] [DNS...] | net none [IFACE]");
}

enum { NET_DNS_ARGS_MAX = 4 };

int kbc_command_net(struct kbc_session *s, const char *line, const struct kb_words *w, kb_error *err)
{
	(void)s, (void)line;
	if (w->n == 1)
		return show(err);
	const char *mode = w->v[1].text;
	const char *dns[NET_DNS_ARGS_MAX];
	struct kb_net_config cfg = { 0 };
	if (kb_net_mode_from_name(mode, &cfg.mode) < 0)
		return net_usage(err);
	if (cfg.mode == KB_NET_STATIC) {
		if (w->n < 4 || w->n > 5 + NET_DNS_ARGS_MAX)
			return net_usage(err);
		cfg.interface = w->v[2].text;
		cfg.address = w->v[3].text;
		cfg.gateway = w->n > 4 ? w->v[4].text : NULL;
		for (size_t i = 5; i < w->n; i++)
			dns[cfg.n_dns++] = w->v[i].text;
		cfg.dns = cfg.n_dns ? dns : NULL;
	} else {
		if (w->n > 3)
			return net_usage(err);
		cfg.interface = w->n > 2 ? w->v[2].text : NULL;
	}
	if (cfg.mode == KB_NET_DHCP) {
		printf("asking for a DHCP lease%s%s…\n", cfg.interface ? " on " : "",
		       cfg.interface ? cfg.interface : "");
		fflush(stdout);
	}
	int r = kb_net_apply(&cfg, err);
	if (r < 0)
		return r;
	return show(err);
}

int kbc_command_insecure(struct kbc_session *s, const char *line, const struct kb_words *w,
			kb_error *err)
{
	if (w->n < 2)
		return kb_error_set(err, EINVAL, "usage: insecure KERNEL-URL [initrd=…] [cmdline] "
						 "(https without certificate checks)");
	printf("insecure: the server's certificate is not checked\n");
	s->insecure = true; /* for the boot this one line asks for */
	(void)kbc_line_run(s, line + w->v[1].start); /* prints its own error */
	s->insecure = false;
	return 0;
}
