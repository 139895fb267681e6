/* PXE-style boot: with a DHCP lease that names a boot file, offer "Network
 * boot: <bootfile>" from the TFTP server (option 66, else next-server), and
 * look up a pxelinux.cfg there the way pxelinux does: option 209 when the
 * server gave one, else pxelinux.cfg/01-<mac>, the IP in upper-case hex
 * shortened one digit at a time, then "default". The config found is copied
 * to <run_dir>/pxe/<server>/ and read by the syslinux parser; its paths come
 * out as tftp://<server>/… Relative paths are taken against the boot file's
 * directory (or option 210), as pxelinux does. */
#include "buf.h"
#include "cleanup.h"
#include "discover-util.h"
#include "env.h"
#include "fetch.h"
#include "fs-util.h"
#include "log.h"
#include "net.h"
#include "path.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	PXE_CONFIG_NAMES_MAX = 10, /* 01-<mac>, eight hex prefixes of the IP, default */
	PXE_URL_MAX = 1024,
};

struct pxe {
	const char *iface;
	char server[KB_NET_VALUE_MAX];
	char bootfile[KB_NET_VALUE_MAX]; /* without leading slashes */
	char prefix[KB_NET_VALUE_MAX];   /* "" or "dir/": where relative names start */
	char mirror[KB_PATH_MAX];        /* <run_dir>/pxe/<server> */
};

static const char *skip_slashes(const char *p)
{
	return p + strspn(p, "/");
}

/* The first lease with a boot file, and where its files are. */
static int pxe_from_state(const struct kb_net_state *st, struct pxe *ret)
{
	for (size_t i = 0; i < st->n_interfaces; i++) {
		const struct kb_net_interface *ifc = &st->interfaces[i];
		const struct kb_net_lease *le = &ifc->lease;
		if (!ifc->has_lease || !*skip_slashes(le->boot_file))
			continue;
		const char *server = le->tftp[0] ? le->tftp : le->siaddr;
		if (!server[0] || strpbrk(server, "/ \t")) {
			kb_info("%s: DHCP names boot file %s but no TFTP server", ifc->name,
				le->boot_file);
			continue;
		}
		*ret = (struct pxe){ .iface = ifc->name };
		snprintf(ret->server, sizeof(ret->server), "%s", server);
		snprintf(ret->bootfile, sizeof(ret->bootfile), "%s", skip_slashes(le->boot_file));
		if (le->pathprefix[0] && !strstr(le->pathprefix, "://")) {
			const char *p = skip_slashes(le->pathprefix);
			size_t l = strlen(p);
			if (l + 2 > sizeof(ret->prefix))
				continue;
			memcpy(ret->prefix, p, l);
			if (l && p[l - 1] != '/')
				ret->prefix[l++] = '/';
			ret->prefix[l] = '\0';
		} else {
			const char *slash = strrchr(ret->bootfile, '/');
			if (slash)
				snprintf(ret->prefix, sizeof(ret->prefix), "%.*s",
					 (int)(slash - ret->bootfile + 1), ret->bootfile);
		}
		int n = snprintf(ret->mirror, sizeof(ret->mirror), "%s/pxe/%s", kb_env()->run_dir,
				 ret->server);
		return n < 0 || (size_t)n >= sizeof(ret->mirror) ? -ENAMETOOLONG : 0;
	}
	return -ENOENT;
}

/* pxelinux's names for this machine's config, most specific first (relative
 * to the prefix). */
static size_t config_names(const struct kb_net_interface *ifc, const char *pxeconffile,
			   char names[][KB_NET_VALUE_MAX])
{
	size_t n = 0;
	if (pxeconffile[0]) {
		snprintf(names[n++], KB_NET_VALUE_MAX, "%s", pxeconffile);
		return n;
	}
	if (ifc->mac[0]) {
		char *o = names[n];
		o += snprintf(o, KB_NET_VALUE_MAX, "pxelinux.cfg/01-");
		for (const char *m = ifc->mac; *m && o < names[n] + KB_NET_VALUE_MAX - 1; m++)
			*o++ = *m == ':' ? '-' : (char)tolower((unsigned char)*m);
		*o = '\0';
		n++;
	}
	struct in_addr a;
	if (inet_pton(AF_INET, ifc->lease.ip, &a) == 1) {
		uint32_t ip = ntohl(a.s_addr);
		for (int digits = 8; digits >= 1; digits--)
			snprintf(names[n++], KB_NET_VALUE_MAX, "pxelinux.cfg/%0*X", digits,
				 ip >> (4 * (8 - digits)));
	}
	snprintf(names[n++], KB_NET_VALUE_MAX, "pxelinux.cfg/default");
	return n;
}

static int write_all(const char *path, const char *text, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t w = write(fd, text, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		text += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Fetch prefix+name from the server into the mirror. -ENOENT: not there.
 * Not inlined: its path buffers would add to discover_pxelinux's frame. */
static __attribute__((noinline)) int fetch_config(const struct pxe *p, const char *name, char *ret_rel,
						  size_t size, kb_error *err)
{
	char url[PXE_URL_MAX], cached[KB_PATH_MAX], local[KB_PATH_MAX];
	const char *rel = name[0] == '/' ? skip_slashes(name) : NULL;
	int n = snprintf(ret_rel, size, "/%s%s", rel ? "" : p->prefix, rel ? rel : name);
	if (n < 0 || (size_t)n >= size)
		return kb_error_set(err, ENAMETOOLONG, "%s: name too long", name);
	kb_path_normalize_abs(ret_rel);
	n = snprintf(url, sizeof(url), "tftp://%s%s", p->server, ret_rel);
	if (n < 0 || (size_t)n >= sizeof(url))
		return kb_error_set(err, ENAMETOOLONG, "%s: name too long", name);
	struct kb_fetch_request req = { .url = url, .refresh = true, .max_bytes = KB_PARSE_FILE_MAX };
	int r = kb_fetch(&req, cached, sizeof(cached), err);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	r = kb_read_file(cached, KB_PARSE_FILE_MAX, &text, &len);
	if (r < 0)
		return kb_error_set(err, -r, "%s: %s", cached, strerror(-r));
	n = snprintf(local, sizeof(local), "%s%s", p->mirror, ret_rel);
	if (n < 0 || (size_t)n >= sizeof(local))
		return kb_error_set(err, ENAMETOOLONG, "%s: name too long", name);
	char dir[KB_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", local);
	*strrchr(dir, '/') = '\0';
	r = kb_mkdir_p(dir);
	if (r >= 0)
		r = write_all(local, text, len);
	if (r < 0)
		return kb_error_set(err, -r, "%s: %s", local, strerror(-r));
	return 0;
}

/* "/vmlinuz" (a name on the mirror) -> "tftp://server/vmlinuz"; others as they are. */
static char *to_url(const struct pxe *p, const char *path)
{
	char *s = NULL;
	if (!path)
		return NULL;
	if (path[0] != '/' || asprintf(&s, "tftp://%s%s", p->server, path) < 0)
		return strdup(path);
	return s;
}

static int add_with_urls(const struct pxe *p, const struct kb_entry *e, bool may_default,
			 struct kb_entry_list *out, kb_error *err)
{
	struct kb_entry c = *e;
	c.id[0] = '\0'; /* computed again from the tftp:// paths */
	c.is_default = may_default && e->is_default;
	c.kernel = to_url(p, e->kernel);
	c.source = to_url(p, e->source);
	for (size_t i = 0; i < e->n_initrds; i++)
		c.initrds[i] = to_url(p, e->initrds[i]);
	bool ok = (!e->kernel || c.kernel) && (!e->source || c.source);
	for (size_t i = 0; i < e->n_initrds; i++)
		ok = ok && c.initrds[i];
	int r = ok ? kb_entry_list_add(out, &c, err) : kb_error_set(err, ENOMEM, "out of memory");
	free(c.kernel);
	free(c.source);
	for (size_t i = 0; i < e->n_initrds; i++)
		free(c.initrds[i]);
	return r;
}

/* The pxelinux.cfg for this machine, if the server has one. */
static void discover_pxelinux(const struct pxe *p, const struct kb_net_interface *ifc,
			      bool may_default, struct kb_entry_list *out)
{
	_cleanup_free_ char(*names)[KB_NET_VALUE_MAX] = calloc(PXE_CONFIG_NAMES_MAX, sizeof(*names));
	if (!names)
		return;
	size_t n = config_names(ifc, ifc->lease.pxeconffile, names);
	char rel[KB_PATH_MAX];
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		kb_error err = { 0 };
		int r = fetch_config(p, names[i], rel, sizeof(rel), &err);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			/* no server, or it stalls: asking for the other names would wait as long again */
			kb_warn("pxelinux.cfg lookup on %s stopped: %s", p->server, err.text);
			return;
		}
		found = true;
	}
	if (!found) {
		kb_info("%s: no pxelinux.cfg for this machine", p->server);
		return;
	}

	char dir[KB_PATH_MAX];
	snprintf(dir, sizeof(dir), "/%s", p->prefix);
	kb_path_normalize_abs(dir);
	if (strcmp(dir, "/") == 0)
		dir[0] = '\0';
	struct kb_fs fs = { .mountpoint = p->mirror, .target_prefix = "" };
	struct kb_entry_list l = { 0 };
	kb_error err = { 0 };
	int r = kb_parse_syslinux_config(&fs, rel, dir, &l, &err);
	if (r < 0)
		kb_warn("tftp://%s%s: skipped: %s", p->server, rel, err.text[0] ? err.text : strerror(-r));
	for (size_t i = 0; i < l.n && r >= 0; i++) {
		r = add_with_urls(p, &l.v[i], may_default, out, &err);
		if (r < 0)
			kb_warn("tftp://%s%s: %s", p->server, rel, err.text);
	}
	kb_entry_list_free(&l);
}

void kb_entries_discover_pxe(struct kb_entry_list *out)
{
	_cleanup_free_ struct kb_net_state *st = calloc(1, sizeof(*st));
	if (!st)
		return;
	kb_error err = { 0 };
	if (kb_net_read(st, &err) < 0) {
		kb_warn("network boot: %s", err.text);
		return;
	}
	_cleanup_free_ struct pxe *p = calloc(1, sizeof(*p)); /* ~10 KiB of names */
	if (!p || pxe_from_state(st, p) < 0)
		return;
	const struct kb_net_interface *ifc = NULL;
	for (size_t i = 0; i < st->n_interfaces && !ifc; i++)
		if (strcmp(st->interfaces[i].name, p->iface) == 0)
			ifc = &st->interfaces[i];

	/* With disks, their defaults stay; with none, pxelinux's DEFAULT boots. */
	bool may_default = out->n == 0;
	_cleanup_free_ char *title = NULL, *kernel = NULL, *source = NULL;
	if (asprintf(&title, "Network boot: %s", p->bootfile) < 0)
		title = NULL;
	if (asprintf(&kernel, "tftp://%s/%s", p->server, p->bootfile) < 0)
		kernel = NULL;
	if (asprintf(&source, "//%s/dhcp-%s", skip_slashes(kb_env()->run_dir), p->iface) < 0)
		source = NULL;
	if (!title || !kernel || !source)
		return;
	struct kb_entry e = {
		.title = title,
		.kernel = kernel,
		.cmdline = (char *)"",
		.source = source,
		.type = KB_ENTRY_LINUX,
	};
	if (kb_entry_list_add(out, &e, &err) < 0)
		kb_warn("network boot: %s", err.text);
	discover_pxelinux(p, ifc, may_default, out);
}
