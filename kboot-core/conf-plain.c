/* Plain kernels with no config naming them: /vmlinuz-VER, /boot/vmlinuz-VER
 * (and bzImage-VER) with a matching initrd.img-VER, initramfs-VER.img or
 * initrd-VER beside them. The command line is "root=UUID=… ro" for the
 * system the kernel belongs to. Newest version first. */
#include "cleanup.h"
#include "discover-util.h"
#include "log.h"
#include "path.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const kernel_dirs[] = { "/", "/boot" };
static const char *const kernel_prefixes[] = { "vmlinuz-", "bzImage-" };
/* %s is the version */
static const char *const initrd_patterns[] = { "initrd.img-%s", "initramfs-%s.img", "initrd-%s.img",
					       "initrd-%s", "initramfs-%s" };

enum { PLAIN_KERNELS_MAX = 64, PLAIN_VERSION_MAX = 128 };

struct kernel {
	char dir[8];
	char file[NAME_MAX + 1];
	char version[PLAIN_VERSION_MAX];
};

static int cmp_newest(const void *pa, const void *pb)
{
	const struct kernel *a = pa, *b = pb;
	return -kb_version_compare(a->version, b->version);
}

static bool named_elsewhere(const struct kb_entry_list *out, const char *kernel)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].kernel && !strcmp(out->v[i].kernel, kernel))
			return true;
	return false;
}

/* lstat: /sbin/init is often an absolute symlink into the fs itself. */
static bool has_init(const struct kb_fs *fs)
{
	char local[KB_PATH_MAX];
	struct stat st;
	return kb_fs_local(fs, "/sbin/init", local, sizeof(local)) == 0 && lstat(local, &st) == 0;
}

static void root_option(const struct kb_fs *fs, char *ret, size_t size)
{
	if (fs->root_uuid)
		snprintf(ret, size, "root=UUID=%s ro", fs->root_uuid);
	else if (has_init(fs) && fs->uuid)
		snprintf(ret, size, "root=UUID=%s ro", fs->uuid);
	else if (has_init(fs) && fs->device)
		snprintf(ret, size, "root=/dev/%s ro", fs->device);
	else
		snprintf(ret, size, "ro"); /* the system's root is not known */
}

static size_t list_kernels(const struct kb_fs *fs, const char *dir, struct kernel *v, size_t n,
			   size_t max)
{
	char local[KB_PATH_MAX];
	if (!kb_fs_exists(fs, dir) || kb_fs_local(fs, dir, local, sizeof(local)) < 0)
		return n;
	_cleanup_closedir_ DIR *d = opendir(local);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		for (size_t k = 0; k < KB_ELEMENTSOF(kernel_prefixes); k++) {
			size_t pl = strlen(kernel_prefixes[k]);
			const char *ver = de->d_name + pl;
			if (strncmp(de->d_name, kernel_prefixes[k], pl) != 0 || !*ver ||
			    strlen(ver) >= PLAIN_VERSION_MAX)
				continue;
			size_t vl = strlen(ver);
			if ((vl > 4 && !strcmp(ver + vl - 4, ".sig")) ||
			    (vl > 4 && !strcmp(ver + vl - 4, ".old")))
				continue;
			if (n >= max) {
				kb_warn("%s: more than %d kernels; the rest are ignored", local,
					PLAIN_KERNELS_MAX);
				return n;
			}
			snprintf(v[n].dir, sizeof(v[n].dir), "%s", dir);
			snprintf(v[n].file, sizeof(v[n].file), "%s", de->d_name);
			snprintf(v[n].version, sizeof(v[n].version), "%s", ver);
			n++;
		}
	}
	return n;
}

static int dir_path(const char *dir, const char *file, char *ret, size_t size)
{
	int n = snprintf(ret, size, "%s/%s", strcmp(dir, "/") ? dir : "", file);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int add_kernel(const struct kb_fs *fs, const struct kernel *k, const char *cmdline,
		      struct kb_entry_list *out, kb_error *err)
{
	char path[KB_PATH_MAX], kernel[KB_PATH_MAX], initrd[KB_PATH_MAX] = "", title[256];
	if (dir_path(k->dir, k->file, path, sizeof(path)) < 0 ||
	    kb_fs_path(fs, path, kernel, sizeof(kernel)) < 0)
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", k->file);
	if (named_elsewhere(out, kernel))
		return 0;
	for (size_t i = 0; i < KB_ELEMENTSOF(initrd_patterns) && !initrd[0]; i++) {
		char file[PLAIN_VERSION_MAX + 32];
		snprintf(file, sizeof(file), initrd_patterns[i], k->version);
		if (dir_path(k->dir, file, path, sizeof(path)) == 0 && kb_fs_exists(fs, path) &&
		    kb_fs_path(fs, path, initrd, sizeof(initrd)) < 0)
			initrd[0] = '\0';
	}
	snprintf(title, sizeof(title), "Linux %s", k->version);
	struct kb_entry e = {
		.title = title,
		.kernel = kernel,
		.initrds = { initrd },
		.n_initrds = initrd[0] ? 1 : 0,
		.cmdline = (char *)cmdline,
		.source = kernel, /* a plain kernel is its own source */
		.version = (char *)k->version,
		.type = KB_ENTRY_LINUX,
	};
	return kb_entry_list_add(out, &e, err);
}

int kb_parse_plain(const struct kb_fs *fs, struct kb_entry_list *out, kb_error *err)
{
	_cleanup_free_ struct kernel *v = calloc(PLAIN_KERNELS_MAX, sizeof(*v));
	if (!v)
		return kb_error_set(err, ENOMEM, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < KB_ELEMENTSOF(kernel_dirs); i++)
		n = list_kernels(fs, kernel_dirs[i], v, n, PLAIN_KERNELS_MAX);
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_newest);
	char cmdline[256];
	root_option(fs, cmdline, sizeof(cmdline));
	for (size_t i = 0; i < n; i++) {
		int r = add_kernel(fs, &v[i], cmdline, out, err);
		if (r < 0)
			return r;
	}
	return 0;
}
