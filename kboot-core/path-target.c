/* "/p": a path in the target system, confined to env->target_root. */
#include "env.h"
#include "path-internal.h"
#include "target.h"

#include <errno.h>
#include <string.h>

static bool target_match(const char *text)
{
	return text[0] == '/' && text[1] != '/';
}

static int target_parse(const char *text, struct kb_path *ret, kb_error *err)
{
	ret->kind = KB_PATH_TARGET;
	return kb_path_normalize(NULL, text, ret->path, sizeof(ret->path), err);
}

static int need_target(const struct kb_path *p, kb_error *err)
{
	if (kb_target_present())
		return 0;
	return kb_error_set(err, ENODEV,
			    "%s: no target system is mounted (set root= in kboot.conf, or "
			    "name a device: vda2:%s)",
			    p->path, p->path);
}

static int target_resolve(const struct kb_path *p, char *ret, size_t size, kb_error *err)
{
	int r = need_target(p, err);
	if (r < 0)
		return r;
	return kb_path_resolve_in_root(kb_env()->target_root, p->path, p->path, ret, size, err);
}

static int target_open(const struct kb_path *p, int flags, kb_error *err)
{
	int r = need_target(p, err);
	if (r < 0)
		return r;
	return kb_path_open_in_root(kb_env()->target_root, p->path, flags, p->path, err);
}

const struct kb_path_scheme kb_path_scheme_target = {
	.name = "target",
	.match = target_match,
	.parse = target_parse,
	.resolve = target_resolve,
	.open = target_open,
};
