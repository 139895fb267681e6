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

/* A directory with another file system than its parent's: a mount point. */
static bool is_mount_point(const char *dir)
{
	char parent[PATH_MAX];
	struct stat st, pst;
	if (snprintf(parent, sizeof(parent), "%s/..", dir) >= (int)sizeof(parent))
		return false;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && stat(parent, &pst) == 0 &&
	       st.st_dev != pst.st_dev;
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

static int mount_export(const char *host, const char *address, const char *export,
			const char *dir)
{
	char source[PATH_MAX];
	if (snprintf(source, sizeof(source), "%s:%s", host, export) >= (int)sizeof(source))
		return -ENAMETOOLONG;
	int first = 0;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char options[OPTIONS_MAX];
		if (snprintf(options, sizeof(options), "%s,addr=%s,soft,timeo=%d,retrans=%d",
			     versions[i].version, address, KB_NFS_TIMEOUT_DS,
			     KB_NFS_RETRANS) >= (int)sizeof(options))
			return -ENAMETOOLONG;
		if (mount(source, dir, versions[i].type, MS_RDONLY | MS_NOSUID | MS_NODEV,
			  options) == 0) {
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

/* Where the export is mounted: <run_dir>/nfs/<host><export>. */
static int mount_dir(const char *host, const char *export, char *ret, size_t size)
{
	size_t len = strlen(host);
	const char *h = host[0] == '[' ? host + 1 : host;
	int hlen = (int)(host[0] == '[' ? len - 2 : len);
	int n = snprintf(ret, size, "%s/nfs/%.*s%s", kb_env()->run_dir, hlen, h,
			 strcmp(export, "/") == 0 ? "" : export);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The prefixes of path, longest first: "/a/b", "/a"; then "/" only for a
 * path of one component (below that, a server's pseudo root would turn
 * "no such export" into "no such file"). */
static size_t prefixes(const char *path, char out[][PATH_MAX], size_t max)
{
	size_t n = 0;
	char cur[PATH_MAX];
	snprintf(cur, sizeof(cur), "%s", path);
	for (char *slash; n < max; *slash = '\0') {
		snprintf(out[n++], PATH_MAX, "%s", cur);
		slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			break;
	}
	if (n == 1 && n < max && strcmp(path, "/") != 0)
		snprintf(out[n++], PATH_MAX, "/");
	return n;
}

enum { PREFIXES_MAX = 16 };

static int found(const char *dir, const char *path, const char *export, char *ret_dir,
		 size_t dir_size, char *ret_rest, size_t rest_size)
{
	const char *rest = strcmp(export, "/") == 0 ? path : path + strlen(export);
	if (snprintf(ret_dir, dir_size, "%s", dir) >= (int)dir_size ||
	    snprintf(ret_rest, rest_size, "%s", rest[0] ? rest : "/") >= (int)rest_size)
		return -ENAMETOOLONG;
	return 0;
}

int kb_nfs_mount(const char *host, const char *path, char *ret_dir, size_t dir_size,
		 char *ret_rest, size_t rest_size, kb_error *err)
{
	char display[PATH_MAX + 256];
	snprintf(display, sizeof(display), "%s:%s", host, path);
	static char candidates[PREFIXES_MAX][PATH_MAX];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	size_t n = prefixes(path, candidates, PREFIXES_MAX);
	char dir[PATH_MAX];
	int r = 0;
	/* Mounted before in this session: the shortest mounted prefix is the
	 * top one (a later mount of a parent export covers the earlier one). */
	for (size_t i = n; i-- > 0;) {
		if (mount_dir(host, candidates[i], dir, sizeof(dir)) == 0 && is_mount_point(dir)) {
			r = found(dir, path, candidates[i], ret_dir, dir_size, ret_rest, rest_size);
			pthread_mutex_unlock(&lock);
			return r < 0 ? kb_error_set(err, -r, "%s: path too long", display) : 0;
		}
	}
	char address[ADDRESS_MAX];
	r = resolve_host(host, display, address, sizeof(address), err);
	if (r < 0) {
		pthread_mutex_unlock(&lock);
		return r;
	}
	int last = -ENOENT;
	const char *last_export = path;
	for (size_t i = 0; i < n; i++) {
		if (mount_dir(host, candidates[i], dir, sizeof(dir)) < 0)
			continue;
		r = kb_mkdir_p(dir);
		if (r < 0) {
			pthread_mutex_unlock(&lock);
			return kb_error_set(err, -r, "%s: cannot make %s: %s", display, dir,
					    strerror(-r));
		}
		r = mount_export(host, address, candidates[i], dir);
		if (r == 0) {
			r = found(dir, path, candidates[i], ret_dir, dir_size, ret_rest, rest_size);
			pthread_mutex_unlock(&lock);
			return r < 0 ? kb_error_set(err, -r, "%s: path too long", display) : 0;
		}
		/* The shortest prefix's error tells about the export itself. */
		last = r;
		last_export = candidates[i];
		if (unreachable(-r))
			break;
	}
	pthread_mutex_unlock(&lock);
	return explain(last, display, host, last_export, err);
}
