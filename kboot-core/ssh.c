/* The SSH host key's fingerprint, as kboot-sshd recorded it. */
#include "ssh.h"
#include "buf.h"
#include "cleanup.h"
#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int kb_ssh_fingerprint(char *ret, size_t size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ssh-fingerprint", kb_env()->run_dir);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = kb_read_file(path, KB_SSH_FINGERPRINT_MAX, &text, &len);
	if (r < 0)
		return r == -EFBIG ? -EINVAL : r;
	text[strcspn(text, "\r\n")] = '\0';
	if (!text[0])
		return -ENOENT;
	if ((size_t)snprintf(ret, size, "%s", text) >= size)
		return -ENAMETOOLONG;
	return 0;
}
