/* Mounting NFS exports (see nfs.h). */
#include "nfs.h"
#include "fs-util.h"
#include "cleanup.h"
#include "env.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>

enum { ADDRESS_MAX = INET6_ADDRSTRLEN, OPTIONS_MAX = 512 };

/* The NFS versions tried, in order: the kernel type and its version option. */
static const struct {
	const char *type, *version;
} versions[] = {
	{ "nfs4", "vers=4.2" },
	{ "nfs4", "vers=4.1" },
	{ "nfs4", "vers=4.0" },
	{ "nfs", "vers=3,nolock,proto=tcp,mountproto=tcp" },
};

/* The host's address as text for "addr=": the kernel resolves no names. */
static int resolve_host(const char *host, const char *display, char *ret, size_t size,
			kb_error *err)
{
	char name[256];
	size_t len = strlen(host);
	if (host[0] == '[' && len > 2 && host[len - 1] == ']')
		snprintf(name, sizeof(name), "%.*s", (int)(len - 2), host + 1);
	else
		snprintf(name, sizeof(name), "%s", host);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int r = getaddrinfo(name, NULL, &hints, &ai);
	if (r != 0)
		return kb_error_set(err, EHOSTUNREACH, "%s: unknown host %s", display, name);
	const void *raw = ai->ai_family == AF_INET6
				  ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
				  : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	bool ok = inet_ntop(ai->ai_family, raw, ret, (socklen_t)size) != NULL;
	freeaddrinfo(ai);
	return ok ? 0 : kb_error_set(err, EINVAL, "%s: cannot use the address of %s", display, name);
}

/* Errors that no other version or prefix can fix: the server is not there. */
static bool unreachable(int e)
{
	return e == ECONNREFUSED || e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EHOSTDOWN || e == ENETDOWN;
}

/* Errors about the path itself: the next shorter prefix may be the export. */
static bool wrong_path(int e)
{
	return e == ENOENT || e == ENOTDIR;
}

/* Mounts onto the directory dirfd names (through /proc/self/fd, which
 * mount(2) follows to that very directory), never onto a path that could
 * be resolved again. dir is for the log. */
static int mount_export(const char *host, const char *address, const char *export, int dirfd,
			const char *dir)
{
	char source[PATH_MAX], target[64];
	if (snprintf(source, sizeof(source), "%s:%s", host, export) >= (int)sizeof(source))
		return -ENAMETOOLONG;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", dirfd);
	int first = 0;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char options[OPTIONS_MAX];
		if (snprintf(options, sizeof(options), "%s,addr=%s,soft,timeo=%d,retrans=%d",
			     versions[i].version, address, KB_NFS_TIMEOUT_DS,
			     KB_NFS_RETRANS) >= (int)sizeof(options))
			return -ENAMETOOLONG;
		if (mount(source, target, versions[i].type,
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, options) == 0) {
			kb_info("mounted %s (%s) on %s", source, versions[i].version, dir);
			return 0;
		}
		int e = errno;
		kb_debug("mount %s (%s): %s", source, options, strerror(e));
		/* The most telling error: v4's (v3 says EACCES for a missing export). */
		if (!first || (first == EPROTONOSUPPORT || first == EINVAL))
			first = e;
		if (unreachable(e) || wrong_path(e))
			return -e;
	}
	return -first;
}

static int explain(int r, const char *display, const char *host, const char *export,
		   kb_error *err)
{
	switch (-r) {
	case ECONNREFUSED:
		return kb_error_set(err, -r, "%s: no NFS server answers at %s (connection refused)",
				    display, host);
	case ETIMEDOUT:
		return kb_error_set(err, -r, "%s: the NFS server %s does not answer (timed out)",
				    display, host);
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		return kb_error_set(err, -r, "%s: no route to %s (is the network up?)", display,
				    host);
	case EACCES:
	case EPERM:
		return kb_error_set(err, -r, "%s: the server %s denies the export %s to us",
				    display, host, export);
	case ENOENT:
	case ENOTDIR:
		return kb_error_set(err, ENOENT, "%s: the server %s has no export %s", display,
				    host, export);
	case EPROTONOSUPPORT:
		return kb_error_set(err, -r, "%s: the server %s speaks neither NFSv4 nor NFSv3",
				    display, host);
	case ENODEV:
		return kb_error_set(err, -r, "%s: this kernel has no NFS client", display);
	}
	return kb_error_set(err, -r, "%s: cannot mount %s:%s: %s", display, host, export,
			    strerror(-r));
}


/* The name of an export's mount point, systemd's path escaping: "/srv/boot"
 * is "srv-boot", "/" is "-", and every byte but [A-Za-z0-9_.] is "\xNN"
 * ('-' too, a leading '.' too). One flat name below <run_dir>/nfs/<host>/
 * for every export: no mount point lies inside another export's tree. */
static int mount_name(const char *export, size_t len, char *ret, size_t size)
{
	size_t n = 0;
	const char *s = export, *end = export + len;
	while (s < end && *s == '/')
		s++;
	if (s == end)
		return size > 1 ? (snprintf(ret, size, "-"), 0) : -ENAMETOOLONG;
	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '_' || (c == '.' && n > 0);
		int w = c == '/' ? snprintf(ret + n, size - n, "-")
			: plain	 ? snprintf(ret + n, size - n, "%c", c)
				 : snprintf(ret + n, size - n, "\\x%02x", c);
		if (w < 0 || (size_t)w >= size - n)
			return -ENAMETOOLONG;
		n += (size_t)w;
	}
	return n > NAME_MAX ? -ENAMETOOLONG : 0;
}

enum {
	KB_NFS_EXPORT_DEPTH_MAX = 16, /* components in an export path kboot tries */
	NAME_BUF = NAME_MAX + 1,
	HOST_DIR_MAX = 4 + 256 + 1, /* "nfs/" and a host as path.h keeps it */
	SUB_DIR_MAX = HOST_DIR_MAX + 1 + NAME_BUF,
};

/* <run_dir>/nfs/<host>, the host without IPv6 brackets; the relative part
 * below run_dir in ret_rel. */
static int host_dir(const char *host, char *ret_rel, size_t size)
{
	size_t len = strlen(host);
	bool bracketed = host[0] == '[' && len > 2;
	int n = snprintf(ret_rel, size, "nfs/%.*s", (int)(bracketed ? len - 2 : len),
			 bracketed ? host + 1 : host);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}


/* The candidate exports of path, longest first, as lengths of its prefix
 * (0 meaning "/"): every prefix of at most KB_NFS_EXPORT_DEPTH_MAX
 * components, then "/" only for a path of one component (below that, a
 * server's pseudo root would turn "no such export" into "no such file"). */
static size_t prefixes(const char *path, size_t ret[KB_NFS_EXPORT_DEPTH_MAX + 1])
{
	size_t ends[KB_NFS_EXPORT_DEPTH_MAX], depth = 0;
	for (size_t i = 1; path[i - 1] && depth < KB_NFS_EXPORT_DEPTH_MAX; i++)
		if (path[i] == '/' || path[i] == '\0')
			if (i > 1 || path[0] != '/' || path[1] != '\0')
				ends[depth++] = i;
	size_t n = 0;
	while (depth > 0)
		ret[n++] = ends[--depth];
	bool one_component = n == 1 && path[ret[0]] == '\0';
	if (n == 0 || one_component)
		ret[n++] = 0;
	return n;
}

/* Is <run_dir>/<rel>/<name> a mount point (another device than its parent)?
 * lstat: the names are kboot's own and never followed. */
static bool mounted(const char *rel, const char *name)
{
	char dir[PATH_MAX], parent[PATH_MAX];
	struct stat st, pst;
	const char *run = kb_env()->run_dir;
	if (snprintf(parent, sizeof(parent), "%s/%s", run, rel) >= (int)sizeof(parent) ||
	    snprintf(dir, sizeof(dir), "%s/%s", parent, name) >= (int)sizeof(dir))
		return false;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && lstat(parent, &pst) == 0 &&
	       st.st_dev != pst.st_dev;
}

static int found(const char *rel, const char *name, const char *path, size_t export_len,
		 char *ret_dir, size_t dir_size, char *ret_rest, size_t rest_size)
{
	const char *rest = path + export_len;
	if (snprintf(ret_dir, dir_size, "%s/%s/%s", kb_env()->run_dir, rel, name) >=
		    (int)dir_size ||
	    snprintf(ret_rest, rest_size, "%s", rest[0] ? rest : "/") >= (int)rest_size)
		return -ENAMETOOLONG;
	return 0;
}

/* Make the mount point and mount one candidate export on it. */
static int try_export(const char *host, const char *address, const char *export,
		      const char *rel, const char *name, kb_error *err)
{
	char sub[SUB_DIR_MAX], dir[PATH_MAX];
	if (snprintf(sub, sizeof(sub), "%s/%s", rel, name) >= (int)sizeof(sub) ||
	    snprintf(dir, sizeof(dir), "%s/%s", kb_env()->run_dir, sub) >= (int)sizeof(dir))
		return kb_error_set(err, ENAMETOOLONG, "%s/%s: path too long", rel, name);
	_cleanup_close_ int fd = kb_dir_make_beneath(kb_env()->run_dir, sub, err);
	if (fd < 0)
		return fd;
	int r = mount_export(host, address, export, fd, dir);
	if (r < 0)
		(void)rmdir(dir); /* an empty directory of ours, left by a failed try */
	return r;
}

static pthread_mutex_t nfs_lock = PTHREAD_MUTEX_INITIALIZER;

static void unlockp(pthread_mutex_t **m)
{
	if (*m)
		pthread_mutex_unlock(*m);
}

int kb_nfs_mount(const char *host, const char *path, char *ret_dir, size_t dir_size,
		 char *ret_rest, size_t rest_size, kb_error *err)
{
	/* display is for messages, which are cut at KB_ERROR_TEXT_MAX anyway;
	 * export is on the heap: a civetweb or console thread's stack is small. */
	char display[KB_ERROR_TEXT_MAX], rel[HOST_DIR_MAX], name[NAME_BUF];
	snprintf(display, sizeof(display), "%s:%s", host, path);
	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return kb_error_set(err, EINVAL, "%s: not an absolute path", display);
	_cleanup_free_ char *export = malloc(PATH_MAX);
	if (!export)
		return kb_error_set(err, ENOMEM, "%s: out of memory", display);
	if (host_dir(host, rel, sizeof(rel)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "%s: host name too long", display);
	size_t cut[KB_NFS_EXPORT_DEPTH_MAX + 1];
	size_t n = prefixes(path, cut);

	/* One mount at a time: two threads must not race for the same name. */
	pthread_mutex_lock(&nfs_lock);
	_cleanup_(unlockp) pthread_mutex_t *locked __attribute__((unused)) = &nfs_lock;
	/* Mounted before in this session: the longest mounted prefix, the same
	 * export the first mount chose. */
	for (size_t i = 0; i < n; i++) {
		if (mount_name(path, cut[i], name, sizeof(name)) < 0 || !mounted(rel, name))
			continue;
		int r = found(rel, name, path, cut[i], ret_dir, dir_size, ret_rest, rest_size);
		return r < 0 ? kb_error_set(err, -r, "%s: path too long", display) : 0;
	}
	char address[ADDRESS_MAX];
	int r = resolve_host(host, display, address, sizeof(address), err);
	if (r < 0)
		return r;
	int last = -ENOENT;
	size_t last_cut = strlen(path);
	for (size_t i = 0; i < n; i++) {
		snprintf(export, PATH_MAX, "%.*s", (int)(cut[i] ? cut[i] : 1), path);
		if (mount_name(path, cut[i], name, sizeof(name)) < 0)
			continue; /* too long a name: a shorter prefix may be the export */
		kb_error e = { 0 };
		r = try_export(host, address, export, rel, name, &e);
		if (r == 0) {
			r = found(rel, name, path, cut[i], ret_dir, dir_size, ret_rest, rest_size);
			return r < 0 ? kb_error_set(err, -r, "%s: path too long", display) : 0;
		}
		if (e.code) /* the mount point itself: no other prefix is safer */
			return kb_error_set(err, e.code, "%s: %s", display, e.text);
		/* The shortest prefix's error tells about the export itself. */
		last = r;
		last_cut = cut[i];
		if (unreachable(-r))
			break;
	}
	snprintf(export, PATH_MAX, "%.*s", (int)(last_cut ? last_cut : 1), path);
	return explain(last, display, host, export, err);
}
