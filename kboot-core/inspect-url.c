/* What a remote file is, from its first KB_INSPECT_HEAD_MAX bytes: the files
 * API must not download a whole ISO to say "other" (inspect.h). */
#include "inspect.h"
#include "cleanup.h"
#include "fetch.h"

#include <errno.h>
#include <stdlib.h>

int kb_inspect_url(const char *url, bool insecure, struct kb_file_info *ret, kb_error *err)
{
	_cleanup_free_ unsigned char *head = malloc(KB_INSPECT_HEAD_MAX);
	if (!head)
		return kb_error_set(err, ENOMEM, "out of memory");
	struct kb_fetch_request req = { .url = url, .insecure = insecure };
	size_t len = 0;
	uint64_t size = 0;
	int r = kb_fetch_head(&req, head, KB_INSPECT_HEAD_MAX, &len, &size, err);
	if (r < 0)
		return r;
	return kb_inspect_buffer(url, head, len, size, ret);
}
