/* The network at start, from the final configuration: the image's kboot.conf
 * or, once the paper's config update took it (§3.5), the target's. rcS only
 * leaves <run_dir>/network-pending behind; the first kboot process to take
 * that file applies kboot.conf's network settings, once per boot, so a
 * respawned kbootd or a console starting beside it never restarts DHCP, and
 * a kboot run outside the image (tests, a developer's host) never touches
 * the host's network. */
#include "net.h"
#include "cleanup.h"
#include "config.h"
#include "env.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char PENDING[] = "network-pending";

/* dns="a,b c": the nameservers, into slots of text that stays owned by copy. */
static size_t split_dns(char *copy, const char *dns[KB_NET_DNS_MAX])
{
	size_t n = 0;
	for (char *save = NULL, *tok = strtok_r(copy, ", \t", &save); tok && n < KB_NET_DNS_MAX;
	     tok = strtok_r(NULL, ", \t", &save))
		dns[n++] = tok;
	return n;
}

int kb_net_config_from(const struct kb_config *cfg, char *dns_text, size_t dns_size,
		       const char *dns[KB_NET_DNS_MAX], struct kb_net_config *ret, kb_error *err)
{
	enum kb_net_mode mode = KB_NET_DHCP;
	if (cfg->network && cfg->network[0] && kb_net_mode_from_name(cfg->network, &mode) < 0)
		return kb_error_set(err, EINVAL, "network=%s: expected dhcp, static or none", cfg->network);
	if (snprintf(dns_text, dns_size, "%s", cfg->dns ? cfg->dns : "") >= (int)dns_size)
		return kb_error_set(err, E2BIG, "dns=%s: too long", cfg->dns);
	*ret = (struct kb_net_config){
		.mode = mode,
		.interface = cfg->interface && cfg->interface[0] ? cfg->interface : NULL,
		.address = cfg->address,
		.gateway = cfg->gateway,
		.dns = dns,
		.n_dns = split_dns(dns_text, dns),
		.hostname = cfg->hostname && cfg->hostname[0] ? cfg->hostname : NULL,
	};
	return 0;
}

int kb_net_startup(const struct kb_config *cfg, kb_error *err)
{
	char pending[4096];
	if (snprintf(pending, sizeof(pending), "%s/%s", kb_env()->run_dir, PENDING) >= (int)sizeof(pending))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", kb_env()->run_dir);
	/* unlink is the lock: exactly one process succeeds. */
	if (unlink(pending) < 0)
		return errno == ENOENT ? 0 : kb_error_set(err, errno, "%s: %s", pending, strerror(errno));
	char dns_text[KB_NET_VALUE_MAX];
	const char *dns[KB_NET_DNS_MAX];
	struct kb_net_config net;
	int r = kb_net_config_from(cfg, dns_text, sizeof(dns_text), dns, &net, err);
	if (r < 0)
		return r;
	r = kb_net_apply(&net, err);
	if (r < 0)
		return r;
	kb_info("network: %s from kboot.conf", kb_net_mode_name(net.mode));
	return 1;
}
