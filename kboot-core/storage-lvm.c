/* LVM: every volume group activated read-only, with an lvm.conf of kboot's
 * own under <run_dir> (LVM_SYSTEM_DIR): no backup or archive files, locks in
 * the run directory, no udev, no devices file, no hints, and every VG found
 * in activation/read_only_volume_list, so each LV's table is read-only. */
#include "storage.h"
#include "buf.h"
#include "cleanup.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { VG_NAME_MAX = 128, LVM_CONF_MAX = 16384 };

/* lvm2's own rule for VG names; anything else is not put into lvm.conf. */
static bool vg_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= VG_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("+_.-", s[i]))
			return false;
	return true;
}

static int write_conf(const char *dir, const char *vgs, kb_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/lvm.conf", dir);
	struct kb_buf b;
	kb_buf_init(&b, LVM_CONF_MAX);
	int r = kb_buf_addf(&b,
			    "# Written by kboot: read the disks, write nothing to them.\n"
			    "devices {\n\tobtain_device_list_from_udev = 0\n"
			    "\texternal_device_info_source = \"none\"\n\tuse_devicesfile = 0\n"
			    "\thints = \"none\"\n}\n"
			    "global {\n\tlocking_dir = \"%s/lock\"\n\tuse_lvmlockd = 0\n"
			    "\tuse_lvmpolld = 0\n\tevent_activation = 0\n}\n"
			    "activation {\n\tudev_sync = 0\n\tudev_rules = 0\n"
			    "\tverify_udev_operations = 0\n\tmonitoring = 0\n"
			    "%s%s%s}\n"
			    "backup {\n\tbackup = 0\n\tarchive = 0\n\tbackup_dir = \"%s/backup\"\n"
			    "\tarchive_dir = \"%s/archive\"\n}\n"
			    "log {\n\tsyslog = 0\n}\n",
			    dir, *vgs ? "\tread_only_volume_list = [ " : "", vgs, *vgs ? " ]\n" : "",
			    dir, dir);
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(err, -r, "lvm.conf: too many volume groups");
	}
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n = fd < 0 ? -1 : write(fd, b.data, b.len);
	bool ok = n == (ssize_t)b.len;
	kb_buf_free(&b);
	if (!ok)
		return kb_error_set(err, errno ? errno : EIO, "%s: cannot write", path);
	return 0;
}

/* "vg0" "vg1": the VGs lvm sees, quoted for read_only_volume_list. */
static int list_vgs(const char *const *env, struct kb_buf *ret, kb_error *err)
{
	/* --readonly: reads metadata without locks or device-mapper. */
	const char *const argv[] = { "lvm", "vgs", "--readonly", "--noheadings", "-o", "vg_name",
				     NULL };
	struct kb_buf out;
	kb_buf_init(&out, KB_STORAGE_OUTPUT_MAX);
	char msg[KB_ERROR_TEXT_MAX];
	int r = kb_storage_run(argv, env, NULL, 0, &out, msg, sizeof(msg));
	if (r != 0) {
		kb_buf_free(&out);
		if (r < 0)
			return kb_error_set(err, -r, "lvm vgs: %s", strerror(-r));
		return kb_error_set(err, EIO, "lvm vgs: %s", msg[0] ? msg : "failed");
	}
	int count = 0;
	const char *p = out.data ? out.data : "";
	while (*p) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (!n)
			break;
		if (!vg_name_ok(p, n))
			kb_warn("lvm: volume group name \"%.*s\": not activated", (int)n, p);
		else if (kb_buf_addf(ret, "%s\"%.*s\"", count ? ", " : "", (int)n, p) == 0)
			count++;
		p += n;
	}
	kb_buf_free(&out);
	return count;
}

int kb_storage_lvm_activate(kb_error *err)
{
	char dir[PATH_MAX], sysdir_var[PATH_MAX + 32];
	int r = kb_storage_dir("lvm", dir, sizeof(dir), err);
	if (r < 0)
		return r;
	snprintf(sysdir_var, sizeof(sysdir_var), "LVM_SYSTEM_DIR=%s", dir);
	const char *const env[] = { sysdir_var, "LVM_SUPPRESS_FD_WARNINGS=1", NULL };
	/* An lvm.conf with an empty list first: even listing never writes. */
	r = write_conf(dir, "", err);
	if (r < 0)
		return r;
	struct kb_buf vgs;
	kb_buf_init(&vgs, LVM_CONF_MAX / 2);
	int count = list_vgs(env, &vgs, err);
	if (count <= 0) {
		kb_buf_free(&vgs);
		return count;
	}
	r = write_conf(dir, vgs.data, err);
	kb_buf_free(&vgs);
	if (r < 0)
		return r;
	/* --sysinit: no polling, no monitoring, no locking failures. */
	const char *const argv[] = { "lvm", "vgchange", "--activate", "y", "--sysinit", NULL };
	char msg[KB_ERROR_TEXT_MAX];
	r = kb_storage_run(argv, env, NULL, 0, NULL, msg, sizeof(msg));
	if (r < 0)
		return kb_error_set(err, -r, "lvm vgchange: %s", strerror(-r));
	if (r != 0)
		return kb_error_set(err, EIO, "lvm vgchange: %s", msg[0] ? msg : "failed");
	return count;
}
