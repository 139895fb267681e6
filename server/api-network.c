/* GET /api/v1/network: interfaces, addresses, routes, DNS and DHCP leases.
 * PUT /api/v1/network: DHCP, a static setup or none, applied at once; the
 * answer is the network as it is afterwards. */
#include "server.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/net.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


static cJSON *lease_json(const struct kb_net_lease *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "address", l->ip);
	cJSON_AddStringToObject(o, "netmask", l->mask);
	cJSON_AddStringToObject(o, "router", l->router);
	cJSON_AddStringToObject(o, "dns", l->dns);
	cJSON_AddStringToObject(o, "next_server", l->siaddr);
	cJSON_AddStringToObject(o, "boot_file", l->boot_file);
	cJSON_AddStringToObject(o, "server_name", l->sname);
	cJSON_AddStringToObject(o, "tftp_server", l->tftp);
	cJSON_AddStringToObject(o, "pxe_config_file", l->pxeconffile);
	cJSON_AddStringToObject(o, "pxe_path_prefix", l->pathprefix);
	return o;
}

static cJSON *state_json(const struct kb_net_state *st)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "hostname", st->hostname);
	cJSON *ifaces = cJSON_AddArrayToObject(root, "interfaces");
	for (size_t i = 0; i < st->n_interfaces; i++) {
		const struct kb_net_interface *ifc = &st->interfaces[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", ifc->name);
		cJSON_AddStringToObject(o, "mac", ifc->mac);
		cJSON_AddBoolToObject(o, "up", ifc->up);
		cJSON_AddBoolToObject(o, "carrier", ifc->carrier);
		cJSON_AddNumberToObject(o, "mtu", ifc->mtu);
		cJSON_AddStringToObject(o, "mode", kb_net_mode_name(ifc->mode));
		cJSON_AddBoolToObject(o, "dhcp_client_running", ifc->dhcp_client);
		cJSON *addrs = cJSON_AddArrayToObject(o, "addresses");
		for (size_t a = 0; a < ifc->n_addresses; a++)
			cJSON_AddItemToArray(addrs, cJSON_CreateString(ifc->addresses[a]));
		cJSON_AddItemToObject(o, "dhcp", ifc->has_lease ? lease_json(&ifc->lease) : cJSON_CreateNull());
		cJSON_AddItemToArray(ifaces, o);
	}
	cJSON *routes = cJSON_AddArrayToObject(root, "routes");
	for (size_t i = 0; i < st->n_routes; i++) {
		const struct kb_net_route *r = &st->routes[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "destination", r->destination);
		cJSON_AddItemToObject(o, "gateway", kbd_json_string_or_null(r->gateway[0] ? r->gateway : NULL));
		cJSON_AddStringToObject(o, "interface", r->interface);
		cJSON_AddNumberToObject(o, "metric", r->metric);
		cJSON_AddItemToArray(routes, o);
	}
	cJSON *dns = cJSON_AddArrayToObject(root, "dns");
	for (size_t i = 0; i < st->n_dns; i++)
		cJSON_AddItemToArray(dns, cJSON_CreateString(st->dns[i]));
	cJSON_AddStringToObject(root, "search", st->search);
	return root;
}

static int send_state(struct mg_connection *conn)
{
	_cleanup_free_ struct kb_net_state *st = malloc(sizeof(*st));
	if (!st)
		return kbd_send_error(conn, 500, "internal", "out of memory");
	kb_error err = { 0 };
	int r = kb_net_read(st, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	return kbd_send_json(conn, 200, state_json(st));
}

static int optional_string(struct mg_connection *conn, const cJSON *body, const char *name,
			   const char **ret)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
	if (!item || cJSON_IsNull(item))
		return 0;
	if (!cJSON_IsString(item))
		return kbd_send_error(conn, 400, "invalid_field", "\"%s\" must be a string", name);
	*ret = item->valuestring;
	return 0;
}

/* The body as a kb_net_config; strings stay owned by body. 0 or the status sent. */
static int parse_config(struct mg_connection *conn, const cJSON *body, struct kb_net_config *cfg,
			const char **dns)
{
	static const char *const known[] = { "mode", "interface", "address", "gateway", "dns", "hostname" };
	const char *unknown = kbd_json_unknown_field(body, known, KB_ELEMENTSOF(known));
	if (unknown)
		return kbd_send_error(conn, 400, "invalid_field", "unknown field \"%s\"", unknown);
	const char *mode = NULL;
	int status;
	if ((status = optional_string(conn, body, "mode", &mode)) ||
	    (status = optional_string(conn, body, "interface", &cfg->interface)) ||
	    (status = optional_string(conn, body, "address", &cfg->address)) ||
	    (status = optional_string(conn, body, "gateway", &cfg->gateway)) ||
	    (status = optional_string(conn, body, "hostname", &cfg->hostname)))
		return status;
	if (!mode || kb_net_mode_from_name(mode, &cfg->mode) < 0)
		return kbd_send_error(conn, 400, "invalid_field",
				      "\"mode\" must be \"dhcp\", \"static\" or \"none\"");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "dns");
	if (cJSON_IsString(list))
		dns[cfg->n_dns++] = list->valuestring;
	else if (cJSON_IsArray(list)) {
		const cJSON *one;
		cJSON_ArrayForEach(one, list) {
			if (!cJSON_IsString(one))
				return kbd_send_error(conn, 400, "invalid_field",
						      "\"dns\" must be a list of addresses");
			if (cfg->n_dns == KB_NET_DNS_MAX)
				return kbd_send_error(conn, 413, "too_large", "more than %d DNS servers",
						      KB_NET_DNS_MAX);
			dns[cfg->n_dns++] = one->valuestring;
		}
	} else if (list && !cJSON_IsNull(list))
		return kbd_send_error(conn, 400, "invalid_field", "\"dns\" must be a list of addresses");
	cfg->dns = dns;
	return 0;
}

int kbd_api_network_put(struct mg_connection *conn, void *data)
{
	cJSON *body = NULL;
	int status = kbd_read_json(conn, &body);
	if (status)
		return status;
	const char *dns[KB_NET_DNS_MAX];
	struct kb_net_config cfg = { 0 };
	status = parse_config(conn, body, &cfg, dns);
	if (status) {
		cJSON_Delete(body);
		return status;
	}
	kb_error err = { 0 };
	int r = kb_net_apply(&cfg, &err);
	cJSON_Delete(body);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	return send_state(conn);
}

int kbd_api_network_get(struct mg_connection *conn, void *data)
{
	return send_state(conn);
}
