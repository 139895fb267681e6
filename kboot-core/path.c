/* Generalized path names: the scheme table, relative names against a cwd,
 * lexical normalization and canonical text. Each scheme is its own file. */
#include "path.h"
#include "cleanup.h"
#include "env.h"
#include "path-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Order matters: see path.h. Adding a scheme is one file and one row. */
static const struct kb_path_scheme *const schemes[] = {
	&kb_path_scheme_url,	&kb_path_scheme_kboot, &kb_path_scheme_tag,
	&kb_path_scheme_device_file, &kb_path_scheme_device, &kb_path_scheme_nfs,
	&kb_path_scheme_target,
};

bool kb_path_flags_write(int flags)
{
	/* Not O_ACCMODE: musl's includes O_PATH, which would count as a write. */
	int access = flags & 03;
	return access == O_WRONLY || access == O_RDWR ||
	       (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0;
}

int kb_path_normalize(const char *base, const char *rel, char *ret, size_t size, kb_error *err)
{
	const char *parts[2] = { rel && rel[0] == '/' ? "" : base ? base : "", rel ? rel : "" };
	size_t n = 0;
	if (size < 2)
		return kb_error_set(err, ENAMETOOLONG, "path too long");
	ret[n++] = '/';
	for (size_t i = 0; i < 2; i++) {
		const char *s = parts[i];
		while (*s) {
			while (*s == '/')
				s++;
			size_t len = strcspn(s, "/");
			if (len == 0)
				break;
			if (len > NAME_MAX)
				return kb_error_set(err, ENAMETOOLONG,
						    "a path component is longer than %d characters",
						    NAME_MAX);
			if (len == 1 && s[0] == '.') {
				/* nothing */
			} else if (len == 2 && s[0] == '.' && s[1] == '.') {
				/* Back to the previous '/', never past the root. */
				while (n > 1 && ret[n - 1] != '/')
					n--;
				if (n > 1)
					n--;
			} else {
				size_t need = (n > 1 ? 1 : 0) + len;
				if (n + need + 1 > size || n + need + 1 > KB_PATH_MAX)
					return kb_error_set(err, ENAMETOOLONG,
							    "path too long (limit %d characters)",
							    KB_PATH_MAX - 1);
				if (n > 1)
					ret[n++] = '/';
				memcpy(ret + n, s, len);
				n += len;
			}
			s += len;
		}
	}
	ret[n] = '\0';
	return 0;
}

static const char *const device_patterns[] = {
	"^(s|h|v|xv)d[a-z]+[0-9]*$", "^nvme[0-9]+n[0-9]+(p[0-9]+)?$", "^mmcblk[0-9]+(p[0-9]+)?$",
	"^sr[0-9]+$", "^md[0-9]+(p[0-9]+)?$", "^dm-[0-9]+$", "^loop[0-9]+(p[0-9]+)?$",
	"^nbd[0-9]+(p[0-9]+)?$", "^ubiblock[0-9]+(_[0-9]+)?$",
};
static regex_t device_regex[KB_ELEMENTSOF(device_patterns)];
static bool device_regex_ok;
static pthread_once_t device_regex_once = PTHREAD_ONCE_INIT;

static void compile_device_regex(void)
{
	for (size_t i = 0; i < KB_ELEMENTSOF(device_patterns); i++)
		if (regcomp(&device_regex[i], device_patterns[i], REG_EXTENDED | REG_NOSUB) != 0)
			return;
	device_regex_ok = true;
}

bool kb_path_is_device_word(const char *word, size_t len)
{
	char name[NAME_MAX + 1];
	if (len == 0 || len > NAME_MAX)
		return false;
	memcpy(name, word, len);
	name[len] = '\0';
	if (strchr(name, '/') || name[0] == '.')
		return false;
	pthread_once(&device_regex_once, compile_device_regex);
	for (size_t i = 0; device_regex_ok && i < KB_ELEMENTSOF(device_patterns); i++)
		if (regexec(&device_regex[i], name, 0, NULL, 0) == 0)
			return true;
	char sys[PATH_MAX];
	snprintf(sys, sizeof(sys), "%s/class/block/%s", kb_env()->sys_dir, name);
	return access(sys, F_OK) == 0;
}

int kb_path_device_name(const char *text, size_t len, char *ret, size_t size, kb_error *err)
{
	/* /dev/sda6 is stored as sda6; /dev/mapper/root stays whole. */
	if (len > 5 && strncmp(text, "/dev/", 5) == 0 && !memchr(text + 5, '/', len - 5)) {
		text += 5;
		len -= 5;
	}
	if (len == 0)
		return kb_error_set(err, EINVAL, "missing device name");
	if (len >= size || len >= KB_PATH_DEVICE_MAX)
		return kb_error_set(err, ENAMETOOLONG, "%.*s…: device name too long", 32, text);
	memcpy(ret, text, len);
	ret[len] = '\0';
	return 0;
}

static int parse_absolute(const char *text, struct kb_path *ret, kb_error *err)
{
	for (size_t i = 0; i < KB_ELEMENTSOF(schemes); i++) {
		if (!schemes[i]->match(text))
			continue;
		memset(ret, 0, sizeof(*ret));
		ret->scheme = schemes[i];
		return schemes[i]->parse(text, ret, err);
	}
	return 1; /* relative */
}

/* A directory's path as a place to join names to: a device is its root. */
static void as_directory(struct kb_path *p)
{
	if (p->kind != KB_PATH_DEVICE)
		return;
	p->kind = KB_PATH_DEVICE_FILE;
	if (p->scheme == &kb_path_scheme_device)
		p->scheme = &kb_path_scheme_device_file;
	snprintf(p->path, sizeof(p->path), "/");
}

/* URLs keep "scheme://authority" in front of their path, and maybe a query. */
static int join_url(struct kb_path *base, const char *rel, kb_error *err)
{
	char *start = strstr(base->path, "://");
	start = start ? strchr(start + 3, '/') : NULL;
	char dir[KB_PATH_MAX] = "/";
	size_t prefix = start ? (size_t)(start - base->path) : strlen(base->path);
	if (start)
		snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(start, "?#"), start);
	/* rel's own "?query" or "#fragment" is kept as is, not folded as a path */
	size_t rel_len = strcspn(rel, "?#");
	char rel_path[KB_PATH_MAX], joined[KB_PATH_MAX];
	snprintf(rel_path, sizeof(rel_path), "%.*s", (int)rel_len, rel);
	int r = kb_path_normalize(dir, rel_path, joined, sizeof(joined), err);
	if (r < 0)
		return r;
	if (prefix + strlen(joined) + strlen(rel + rel_len) + 1 > sizeof(base->path))
		return kb_error_set(err, ENAMETOOLONG, "path too long (limit %d characters)",
				    KB_PATH_MAX - 1);
	snprintf(base->path + prefix, sizeof(base->path) - prefix, "%s%s", joined, rel + rel_len);
	return 0;
}

static int join(struct kb_path *base, const char *rel, kb_error *err)
{
	as_directory(base);
	if (base->kind == KB_PATH_URL)
		return join_url(base, rel, err);
	char joined[KB_PATH_MAX];
	int r = kb_path_normalize(base->path, rel, joined, sizeof(joined), err);
	if (r < 0)
		return r;
	memcpy(base->path, joined, strlen(joined) + 1);
	return 0;
}

int kb_path_parse(const char *text, const char *cwd, struct kb_path *ret, kb_error *err)
{
	if (!text || !*text)
		return kb_error_set(err, EINVAL, "empty path");
	if (strnlen(text, KB_PATH_MAX) >= KB_PATH_MAX)
		return kb_error_set(err, ENAMETOOLONG, "path too long (limit %d characters)",
				    KB_PATH_MAX - 1);
	_cleanup_free_ struct kb_path *p = malloc(sizeof(*p));
	if (!p)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = parse_absolute(text, p, err);
	if (r < 0)
		return r;
	if (r == 0) {
		*ret = *p;
		return 0;
	}

	const char *base = cwd && *cwd ? cwd : "/";
	r = parse_absolute(base, p, err);
	if (r < 0)
		return kb_error_prefix(err, "current directory %s: ", base);
	if (r > 0)
		return kb_error_set(err, EINVAL, "current directory %s: not an absolute path", base);
	r = join(p, text, err);
	if (r < 0)
		return r;
	*ret = *p;
	return 0;
}

int kb_path_kind_of(const char *text, enum kb_path_kind *ret)
{
	if (!text || !*text)
		return -EINVAL;
	_cleanup_free_ struct kb_path *p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = parse_absolute(text, p, NULL);
	if (r < 0)
		return r;
	if (r > 0)
		return -ENOENT; /* relative: the current directory decides */
	*ret = p->kind;
	return 0;
}

/* "/dev/" before a device name that would not read as a device on its own
 * ("/dev/foo:/p" is not "foo:/p", an NFS host); none for tags and words. */
static const char *device_prefix(const struct kb_path *p)
{
	bool tag = p->scheme ? p->scheme == &kb_path_scheme_tag : kb_path_scheme_tag.match(p->device);
	if (tag || p->device[0] == '/' || kb_path_is_device_word(p->device, strlen(p->device)))
		return "";
	return "/dev/";
}

int kb_path_format(const struct kb_path *p, char *ret, size_t size)
{
	int n = -1;
	switch (p->kind) {
	case KB_PATH_TARGET:
		/* the target's own /dev/x, not the device /dev/x */
		n = snprintf(ret, size, "%s%s", strncmp(p->path, "/dev/", 5) == 0 ? "/." : "", p->path);
		break;
	case KB_PATH_URL:
		n = snprintf(ret, size, "%s", p->path);
		break;
	case KB_PATH_KBOOT:
		n = snprintf(ret, size, "/%s", strcmp(p->path, "/") == 0 ? "/" : p->path);
		break;
	case KB_PATH_DEVICE:
		n = snprintf(ret, size, "%s%s", device_prefix(p), p->device);
		break;
	case KB_PATH_DEVICE_FILE:
		n = snprintf(ret, size, "%s%s:%s", device_prefix(p), p->device, p->path);
		break;
	case KB_PATH_NFS:
		n = snprintf(ret, size, "%s:%s", p->device, p->path);
		break;
	}
	if (n < 0)
		return -EINVAL;
	return (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int kb_path_resolve(const struct kb_path *p, char *ret_local, size_t size, kb_error *err)
{
	if (!p->scheme)
		return kb_error_set(err, EINVAL, "path was not parsed");
	return p->scheme->resolve(p, ret_local, size, err);
}

int kb_path_open(const struct kb_path *p, int flags, kb_error *err)
{
	if (!p->scheme)
		return kb_error_set(err, EINVAL, "path was not parsed");
	if (kb_path_flags_write(flags)) {
		char text[KB_PATH_MAX];
		(void)kb_path_format(p, text, sizeof(text));
		return kb_error_set(err, EROFS, "%s: kboot opens files read-only", text);
	}
	return p->scheme->open(p, flags, err);
}

int kb_path_to_local(const char *text, const char *cwd, char *ret_local, size_t size, kb_error *err)
{
	_cleanup_free_ struct kb_path *p = malloc(sizeof(*p));
	if (!p)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = kb_path_parse(text, cwd, p, err);
	if (r < 0)
		return r;
	return kb_path_resolve(p, ret_local, size, err);
}

int kb_path_child(const char *dir, const char *name, char *ret, size_t size)
{
	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	_cleanup_free_ struct kb_path *p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = parse_absolute(dir, p, NULL);
	if (r != 0)
		return r < 0 ? r : -EINVAL;
	/* The name is one literal component, never parsed as a path of its own
	 * (a file may well be called "sda1" or "a:b"). */
	r = join(p, name, NULL);
	if (r < 0)
		return r;
	return kb_path_format(p, ret, size);
}

bool kb_path_has_dotdot(const char *text)
{
	for (const char *s = text; (s = strstr(s, "..")); s++) {
		bool starts = s == text || s[-1] == '/' || s[-1] == ':';
		bool ends = s[2] == '\0' || s[2] == '/';
		if (starts && ends)
			return true;
	}
	return false;
}
