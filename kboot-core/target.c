/* The target system: find its root, mount it read-only at env->target_root
 * and the local filesystems of its /etc/fstab below it, read-only too, and
 * take its configuration files (paper §3.5). Nothing inside it is created. */
#include "target.h"
#include "fs-util.h"
#include "cleanup.h"
#include "device.h"
#include "env.h"
#include "log.h"
#include "mount.h"
#include "path-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KB_TARGET_CONFIG_FILE_MAX = 1024 * 1024, KB_SUBVOL_MAX = 256 };

static void table_unrefp(struct libmnt_table **t)
{
	mnt_unref_table(*t);
}
static void iter_freep(struct libmnt_iter **i)
{
	mnt_free_iter(*i);
}

static bool exists_in(const char *root, const char *path)
{
	_cleanup_close_ int fd = kb_path_open_in_root(root, path, O_PATH, path, NULL);
	return fd >= 0;
}

/* A root filesystem has an fstab and something to run as init. */
static bool looks_like_root(const char *dir)
{
	static const char *const inits[] = { "/sbin/init", "/usr/lib/systemd/systemd", "/init" };
	if (!exists_in(dir, "/etc/fstab"))
		return false;
	for (size_t i = 0; i < KB_ELEMENTSOF(inits); i++)
		if (exists_in(dir, inits[i]))
			return true;
	return false;
}

static bool mountable_fstype(const char *fstype)
{
	static const char *const not_filesystems[] = {
		"swap", "LVM2_member", "linux_raid_member", "crypto_LUKS", "BitLocker",
		"zfs_member", "ddf_raid_member", "isw_raid_member", "VMFS_volume_member",
	};
	if (!fstype[0])
		return false;
	for (size_t i = 0; i < KB_ELEMENTSOF(not_filesystems); i++)
		if (strcmp(fstype, not_filesystems[i]) == 0)
			return false;
	return true;
}

/* Fedora's layout: a btrfs whose top level holds subvolumes ("root",
 * "home"), the root one of them. Gives the subvolume's name, or "". */
static void root_subvolume(const char *dir, char *ret, size_t size)
{
	ret[0] = '\0';
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char sub[PATH_MAX];
		if (de->d_name[0] == '.' || de->d_type != DT_DIR ||
		    snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		if (looks_like_root(sub) && strlen(de->d_name) < size) {
			snprintf(ret, size, "%s", de->d_name);
			return;
		}
	}
}

/* Every filesystem is mounted read-only (under <run_dir>/mnt, where discovery
 * looks anyway) and checked; a fixed disk wins over a removable one. A btrfs
 * may have the root in a subvolume: *ret_subvol names it ("" otherwise). */
static int probe_root(struct kb_device *ret, char *ret_subvol, size_t subvol_size, kb_error *err)
{
	struct kb_device_list l = { 0 };
	int r = kb_devices_scan(&l, err);
	if (r < 0)
		return r;
	const struct kb_device *fixed = NULL, *removable = NULL;
	char fixed_subvol[KB_SUBVOL_MAX] = "", removable_subvol[KB_SUBVOL_MAX] = "";
	size_t found = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct kb_device *d = &l.v[i];
		char dir[PATH_MAX];
		kb_error e;
		if (!mountable_fstype(d->fstype))
			continue;
		if (kb_mount_device(d->name, dir, sizeof(dir), &e) < 0) {
			kb_info("%s", e.text);
			continue;
		}
		char subvol[KB_SUBVOL_MAX] = "";
		if (!looks_like_root(dir)) {
			if (strcmp(d->fstype, "btrfs") != 0)
				continue;
			root_subvolume(dir, subvol, sizeof(subvol));
			if (!subvol[0])
				continue;
		}
		found++;
		if (!d->removable && !fixed) {
			fixed = d;
			snprintf(fixed_subvol, sizeof(fixed_subvol), "%s", subvol);
		}
		if (d->removable && !removable) {
			removable = d;
			snprintf(removable_subvol, sizeof(removable_subvol), "%s", subvol);
		}
	}
	const struct kb_device *chosen = fixed ? fixed : removable;
	snprintf(ret_subvol, subvol_size, "%s", fixed ? fixed_subvol : removable_subvol);
	if (chosen) {
		if (found > 1)
			kb_warn("%zu filesystems look like a root; using %s (set root= in kboot.conf "
				"to choose)",
				found, chosen->name);
		*ret = *chosen;
	}
	kb_device_list_free(&l);
	if (!chosen)
		return kb_error_set(err, ENODEV,
				    "no target system found: no filesystem has /etc/fstab and "
				    "/sbin/init (set root= in kboot.conf)");
	return 0;
}

static int mount_root(const struct kb_config *cfg, kb_error *err)
{
	const char *root_dir = kb_env()->target_root;
	struct kb_device root;
	char subvol[KB_SUBVOL_MAX] = "", options[KB_SUBVOL_MAX + 8] = "";
	int r;
	if (cfg && cfg->root && *cfg->root) {
		r = kb_device_find(cfg->root, &root, err);
		if (r < 0)
			return kb_error_prefix(err, "kboot.conf root=: ");
	} else {
		r = probe_root(&root, subvol, sizeof(subvol), err);
		if (r < 0)
			return r;
	}
	if (subvol[0])
		snprintf(options, sizeof(options), "subvol=%s", subvol);
	r = kb_mkdir_p(root_dir);
	if (r < 0)
		return kb_error_set(err, r, "%s: cannot create: %s", root_dir, strerror(-r));
	r = kb_mount(root.path, root_dir, NULL, options[0] ? options : NULL, KB_MOUNT_READONLY, NULL,
		     err);
	if (r < 0)
		return r;
	kb_info("target system: %s%s%s at %s", root.name, subvol[0] ? " subvolume " : "", subvol,
		root_dir);
	return 0;
}

static bool is_one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* Why an fstab line is not for kboot, or NULL when it is. */
static const char *skip_reason(struct libmnt_fs *fs)
{
	static const char *const network[] = { "nfs", "nfs4", "cifs", "smbfs", "smb3",
					       "sshfs", "fuse.sshfs", "9p", "glusterfs", "ceph" };
	static const char *const pseudo[] = { "tmpfs", "proc", "sysfs", "devpts", "devtmpfs",
					      "cgroup", "cgroup2", "securityfs", "debugfs",
					      "efivarfs", "mqueue", "hugetlbfs", "ramfs" };
	const char *type = mnt_fs_get_fstype(fs), *target = mnt_fs_get_target(fs);
	const char *source = mnt_fs_get_source(fs);
	if (!target || !source)
		return "incomplete line";
	if (strcmp(target, "/") == 0)
		return "the root, already mounted";
	if (mnt_fs_is_swaparea(fs) || (type && strcmp(type, "swap") == 0) ||
	    strcmp(target, "none") == 0 || strcmp(target, "swap") == 0)
		return "swap";
	/* "+": literally noauto; a bare "noauto" pattern means "auto is absent". */
	if (mnt_fs_match_options(fs, "+noauto"))
		return "noauto";
	if (mnt_fs_is_netfs(fs) || is_one_of(type, network, KB_ELEMENTSOF(network)) ||
	    mnt_fs_match_options(fs, "_netdev"))
		return "a network filesystem";
	if (mnt_fs_match_options(fs, "bind") || mnt_fs_match_options(fs, "rbind"))
		return "a bind mount";
	if (mnt_fs_is_pseudofs(fs) || is_one_of(type, pseudo, KB_ELEMENTSOF(pseudo)))
		return "not on a disk";
	if (strncmp(source, "/dev/", 5) != 0 && strncmp(source, "UUID=", 5) != 0 &&
	    strncmp(source, "LABEL=", 6) != 0 && strncmp(source, "PARTUUID=", 9) != 0)
		return "not a block device";
	return NULL;
}

static void mount_fstab_entry(struct libmnt_fs *fs)
{
	const char *root_dir = kb_env()->target_root;
	const char *target = mnt_fs_get_target(fs), *source = mnt_fs_get_source(fs);
	const char *why = skip_reason(fs);
	if (why) {
		kb_debug("fstab: %s: skipped (%s)", target ? target : "?", why);
		return;
	}
	char normalized[KB_PATH_MAX], dir[PATH_MAX];
	kb_error e;
	if (kb_path_normalize(NULL, target, normalized, sizeof(normalized), &e) < 0 ||
	    kb_path_resolve_in_root(root_dir, normalized, normalized, dir, sizeof(dir), &e) < 0) {
		/* Never mkdir inside the target: it is read-only, and ours to read only. */
		kb_warn("fstab: %s; not mounting %s there", e.text, source);
		return;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		kb_warn("fstab: %s: not a directory in the target; not mounting %s there",
			normalized, source);
		return;
	}
	char already[KB_DEVNAME_MAX];
	if (kb_mount_source(dir, already, sizeof(already)) == 0)
		return;
	struct kb_device d;
	if (kb_device_find(source, &d, &e) < 0) {
		kb_warn("fstab: %s: %s", normalized, e.text);
		return;
	}
	const char *options = mnt_fs_get_fs_options(fs); /* subvol= and the like */
	int r = kb_mount(d.path, dir, NULL, options, KB_MOUNT_READONLY, NULL, &e);
	if (r < 0 && options && *options)
		r = kb_mount(d.path, dir, NULL, NULL, KB_MOUNT_READONLY, NULL, &e);
	if (r < 0)
		kb_warn("fstab: %s: %s", normalized, e.text);
}

/* Failures below the root are warnings: a missing /home must not stop a boot. */
static int mount_fstab(kb_error *err)
{
	const char *root_dir = kb_env()->target_root;
	kb_error e;
	int fd = kb_path_open_in_root(root_dir, "/etc/fstab", O_RDONLY | O_NONBLOCK, "/etc/fstab",
				      &e);
	if (fd >= 0 && kb_check_regular(fd, "/etc/fstab", &e) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		kb_info("target: %s; mounting only the root", e.text);
		return 0;
	}
	_cleanup_fclose_ FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return kb_error_set(err, errno, "/etc/fstab: %s", strerror(errno));
	}
	_cleanup_(table_unrefp) struct libmnt_table *tb = mnt_new_table();
	_cleanup_(iter_freep) struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !it)
		return kb_error_set(err, ENOMEM, "out of memory reading /etc/fstab");
	if (mnt_table_parse_stream(tb, f, "/etc/fstab") < 0)
		kb_warn("target /etc/fstab: some lines could not be parsed");
	struct libmnt_fs *fs;
	while (mnt_table_next_fs(tb, it, &fs) == 0)
		mount_fstab_entry(fs);
	return 0;
}

int kb_target_setup(const struct kb_config *cfg, kb_error *err)
{
	const struct kb_env *env = kb_env();
	if (env->target_is_dir) {
		struct stat st;
		if (stat(env->target_root, &st) < 0 || !S_ISDIR(st.st_mode))
			return kb_error_set(err, ENOENT, "KBOOT_TARGET_ROOT=%s: no such directory",
					    env->target_root);
		return 0;
	}
	char dev[KB_DEVNAME_MAX];
	if (kb_mount_source(env->target_root, dev, sizeof(dev)) < 0) {
		int r = mount_root(cfg, err);
		if (r < 0)
			return r;
	}
	return mount_fstab(err);
}

bool kb_target_present(void)
{
	const struct kb_env *env = kb_env();
	char dev[KB_DEVNAME_MAX];
	if (env->target_is_dir) {
		struct stat st;
		return stat(env->target_root, &st) == 0 && S_ISDIR(st.st_mode);
	}
	return kb_mount_source(env->target_root, dev, sizeof(dev)) == 0;
}

int kb_target_root_device(char *ret, size_t size)
{
	if (kb_env()->target_is_dir) {
		if (size > 0)
			ret[0] = '\0';
		return 0;
	}
	return kb_mount_source(kb_env()->target_root, ret, size);
}

/* Copy one file out of the target, atomically: 1 taken, 0 absent, <0 error. */
static int take_file(const char *name, kb_error *err)
{
	const struct kb_env *env = kb_env();
	char inside[64], dest[PATH_MAX], tmp[PATH_MAX];
	snprintf(inside, sizeof(inside), "/etc/%s", name);
	kb_error e;
	_cleanup_close_ int in =
		kb_path_open_in_root(env->target_root, inside, O_RDONLY | O_NONBLOCK, inside, &e);
	if (in < 0) {
		if (e.code == ENOENT)
			return 0;
		return kb_error_set(err, e.code, "target %s", e.text);
	}
	if (kb_check_regular(in, inside, &e) < 0)
		return kb_error_set(err, e.code, "target %s", e.text);
	struct stat st;
	if (fstat(in, &st) < 0)
		return kb_error_set(err, errno, "target %s: %s", inside, strerror(errno));
	if (st.st_size > KB_TARGET_CONFIG_FILE_MAX)
		return kb_error_set(err, EFBIG, "target %s: larger than %d bytes", inside,
				    KB_TARGET_CONFIG_FILE_MAX);
	if (snprintf(dest, sizeof(dest), "%s/%s", env->etc_dir, name) >= (int)sizeof(dest) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.kboot-new", env->etc_dir, name) >= (int)sizeof(tmp))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", env->etc_dir);

	_cleanup_close_ int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return kb_error_set(err, errno, "%s: %s", tmp, strerror(errno));
	enum { CHUNK = 16 * 1024 };
	_cleanup_free_ char *buf = malloc(CHUNK);
	if (!buf) {
		unlink(tmp);
		return kb_error_set(err, ENOMEM, "out of memory");
	}
	ssize_t n;
	size_t total = 0;
	while ((n = read(in, buf, CHUNK)) > 0) {
		total += (size_t)n;
		if (total > KB_TARGET_CONFIG_FILE_MAX || write(out, buf, (size_t)n) != n) {
			int e2 = total > KB_TARGET_CONFIG_FILE_MAX ? EFBIG : errno ? errno : EIO;
			unlink(tmp);
			return kb_error_set(err, e2, "%s: cannot copy %s: %s", dest, inside,
					    strerror(e2));
		}
	}
	if (n < 0 || close(TAKE_FD(out)) < 0 || rename(tmp, dest) < 0) {
		int e2 = errno;
		unlink(tmp);
		return kb_error_set(err, e2, "%s: cannot copy %s: %s", dest, inside, strerror(e2));
	}
	kb_info("configuration: took %s from the target", inside);
	return 1;
}

int kb_target_config_update(kb_error *err)
{
	static const char *const files[] = { "kboot.conf", "fstab", "hosts" };
	if (kb_env()->local_config) {
		kb_info("kboot=local: keeping kboot's own kboot.conf, fstab and hosts");
		return 0;
	}
	if (!kb_target_present())
		return kb_error_set(err, ENODEV, "no target system to take configuration from");
	int taken = 0, first_error = 0;
	for (size_t i = 0; i < KB_ELEMENTSOF(files); i++) {
		kb_error e;
		int r = take_file(files[i], &e);
		if (r < 0) {
			/* One unreadable file must not keep the others from updating. */
			kb_warn("%s", e.text);
			if (!first_error) {
				first_error = r;
				if (err)
					*err = e;
			}
			continue;
		}
		taken += r;
	}
	return taken > 0 || !first_error ? taken : first_error;
}
