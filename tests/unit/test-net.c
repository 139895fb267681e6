/* The network as kboot-core reads it: an interface from (fake) sysfs, its
 * DHCP lease with the boot options the udhcpc script wrote, DNS from
 * resolv.conf; and changes that are refused before anything is touched. */
#include "kboot-core/config.h"
#include "kboot-core/env.h"
#include "kboot-core/net.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

static char tmp[] = "/tmp/kboot-test-net-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const struct kb_net_interface *find(const struct kb_net_state *st, const char *name)
{
	for (size_t i = 0; i < st->n_interfaces; i++)
		if (strcmp(st->interfaces[i].name, name) == 0)
			return &st->interfaces[i];
	return NULL;
}

static void test_a_dhcp_lease_and_its_boot_options(void **state)
{
	put("sys/class/net/kbtest0/address", "52:54:00:12:34:56\n");
	put("sys/class/net/kbtest0/flags", "0x1003\n");
	put("sys/class/net/kbtest0/carrier", "1\n");
	put("sys/class/net/kbtest0/mtu", "1500\n");
	put("sys/class/net/kbtest1/address", "52:54:00:12:34:57\n");
	put("sys/class/net/kbtest1/flags", "0x1002\n");
	put("run/dhcp-kbtest0", "ip=10.0.2.15\nmask=24\nrouter=10.0.2.2\ndns=10.0.2.3\n"
				"siaddr=10.0.2.2\nboot_file=pxelinux.0\nsname=\ntftp=\n"
				"pxeconffile=pxelinux.cfg/kboot\npathprefix=/srv/tftp/\n");
	put("etc/resolv.conf", "# written by udhcpc\nsearch example.org\nnameserver 10.0.2.3\n"
			       "nameserver fd00::3\n");

	struct kb_net_state st;
	kb_error err = { 0 };
	assert_int_equal(kb_net_read(&st, &err), 0);
	assert_int_equal(st.n_interfaces, 2);
	const struct kb_net_interface *ifc = find(&st, "kbtest0");
	assert_non_null(ifc);
	assert_string_equal(ifc->mac, "52:54:00:12:34:56");
	assert_true(ifc->up);
	assert_true(ifc->carrier);
	assert_int_equal(ifc->mtu, 1500);
	assert_string_equal(kb_net_mode_name(ifc->mode), "dhcp");
	assert_true(ifc->has_lease);
	assert_string_equal(ifc->lease.ip, "10.0.2.15");
	assert_string_equal(ifc->lease.siaddr, "10.0.2.2");
	assert_string_equal(ifc->lease.boot_file, "pxelinux.0");
	assert_string_equal(ifc->lease.pxeconffile, "pxelinux.cfg/kboot");
	assert_string_equal(ifc->lease.pathprefix, "/srv/tftp/");

	ifc = find(&st, "kbtest1");
	assert_non_null(ifc);
	assert_false(ifc->up);
	assert_false(ifc->has_lease);
	assert_string_equal(kb_net_mode_name(ifc->mode), "none");

	assert_int_equal(st.n_dns, 2);
	assert_string_equal(st.dns[0], "10.0.2.3");
	assert_string_equal(st.dns[1], "fd00::3");
	assert_string_equal(st.search, "example.org");
}

static void expect_refused(const struct kb_net_config *cfg, int error, const char *message)
{
	kb_error err = { 0 };
	assert_int_equal(kb_net_apply(cfg, &err), -error);
	assert_string_equal(err.text, message);
}

static void test_bad_settings_are_refused_before_anything_changes(void **state)
{
	struct kb_net_config cfg = { .mode = KB_NET_STATIC, .interface = "kbtest9", .address = "10.0.2.50/24" };
	expect_refused(&cfg, ENODEV, "kbtest9: no such network interface");
	cfg.interface = "kbtest0";
	cfg.address = "10.0.2.500/24";
	expect_refused(&cfg, EINVAL, "10.0.2.500/24: not an IPv4 address with a prefix length, like 10.0.2.50/24");
	cfg.address = "10.0.2.50/33";
	expect_refused(&cfg, EINVAL, "10.0.2.50/33: not an IPv4 address with a prefix length, like 10.0.2.50/24");
	cfg.address = NULL;
	expect_refused(&cfg, EINVAL, "a static setup needs an address, like 10.0.2.50/24");
	cfg.address = "10.0.2.50";
	cfg.gateway = "gateway";
	expect_refused(&cfg, EINVAL, "gateway gateway: not an IPv4 address");
	cfg.gateway = "10.0.2.2";
	const char *dns[] = { "10.0.2.3", "dns.example" };
	cfg.dns = dns;
	cfg.n_dns = 2;
	expect_refused(&cfg, EINVAL, "DNS server dns.example: not an IP address");

	enum kb_net_mode mode;
	assert_int_equal(kb_net_mode_from_name("static", &mode), 0);
	assert_int_equal(mode, KB_NET_STATIC);
	assert_int_equal(kb_net_mode_from_name("bootp", &mode), -EINVAL);
}

/* kboot.conf's network lines, trailing comments and all, as the core reads them. */
static void test_kboot_conf_network_settings_with_comments(void **state)
{
	static const char conf[] = "network=static # the lab's VLAN\n"
				   "address=10.0.2.15/24   # fixed\n"
				   "gateway=10.0.2.2\n"
				   "dns='10.0.2.3, 10.0.2.4 10.0.2.5'\n"
				   "hostname=rack7-node3 # inventory name\n";
	struct kb_config cfg;
	kb_error err = { 0 };
	assert_int_equal(kb_config_parse(conf, sizeof(conf) - 1, &cfg, &err), 0);
	char dns_text[KB_NET_VALUE_MAX];
	const char *dns[KB_NET_DNS_MAX];
	struct kb_net_config net;
	assert_int_equal(kb_net_config_from(&cfg, dns_text, sizeof(dns_text), dns, &net, &err), 0);
	assert_int_equal(net.mode, KB_NET_STATIC);
	assert_string_equal(net.address, "10.0.2.15/24");
	assert_string_equal(net.gateway, "10.0.2.2");
	assert_string_equal(net.hostname, "rack7-node3");
	assert_null(net.interface);
	assert_int_equal(net.n_dns, 3);
	assert_string_equal(net.dns[2], "10.0.2.5");
	kb_config_free(&cfg);
}

/* Outside the image (no <run_dir>/network-pending) the network is never touched. */
static void test_startup_applies_the_network_only_when_asked_once(void **state)
{
	struct kb_config cfg;
	kb_config_init(&cfg);
	kb_error err = { 0 };
	assert_int_equal(kb_net_startup(&cfg, &err), 0);
	put("run/network-pending", "");
	/* Asked: this process takes it. An interface the fixture lacks, so the
	 * refusal comes before any ioctl could reach the host's network. */
	cfg.interface = strdup("kbtest9");
	assert_int_equal(kb_net_startup(&cfg, &err), -ENODEV);
	assert_int_equal(kb_net_startup(&cfg, &err), 0); /* once per boot */
	kb_config_free(&cfg);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	char path[256];
	snprintf(path, sizeof(path), "%s/sys", tmp);
	setenv("KBOOT_SYSFS", path, 1);
	snprintf(path, sizeof(path), "%s/run", tmp);
	setenv("KBOOT_RUN_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/etc", tmp);
	setenv("KBOOT_ETC", path, 1);
	kb_env_reload();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_dhcp_lease_and_its_boot_options),
		cmocka_unit_test(test_bad_settings_are_refused_before_anything_changes),
		cmocka_unit_test(test_kboot_conf_network_settings_with_comments),
		cmocka_unit_test(test_startup_applies_the_network_only_when_asked_once),
	};
	int failed = cmocka_run_group_tests_name("net", tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		return 1;
	return failed;
}
