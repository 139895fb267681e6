/* NFS exports mounted read-only through the kernel's client with mount(2)
 * (no mount.nfs in the image): NFSv4 first (4.2, 4.1, 4.0), then v3 with the
 * kernel's own MOUNT client (nolock: no statd here). An export stays mounted
 * for the session at <run_dir>/nfs/<host>/<name>, the export path escaped
 * into one name ("/srv/boot" is "srv-boot", "/" is "-"): each mount point is
 * a fresh directory of kboot's own, made without following a symlink or
 * entering a mount, so nothing a server holds can place a mount elsewhere. */
#pragma once
#include "error.h"

#include <stddef.h>

enum {
	KB_NFS_TIMEOUT_DS = 50, /* timeo=, tenths of a second per RPC try ... */
	KB_NFS_RETRANS = 2,     /* ... and this many retries: a dead server fails in seconds */
};

/* Mount the export that holds path on host (or find it mounted): the local
 * directory in ret_dir and path's remainder inside it in ret_rest ("/" for
 * the export itself). The export is the longest prefix of path the server
 * lets us mount. Errors name host:path and say why:
 *   -EHOSTUNREACH "unknown host" or "no route to …", -ECONNREFUSED "no NFS
 *   server answers", -ETIMEDOUT, -EACCES "the server denies …",
 *   -ENOENT "the server has no export …". */
int kb_nfs_mount(const char *host, const char *path, char *ret_dir, size_t dir_size,
		 char *ret_rest, size_t rest_size, kb_error *err);
