/* The legacy handoff: next_entry in GRUB's grubenv, or BootNext in the
 * firmware's variables, then a reboot. */
#include "legacy.h"
#include "cleanup.h"
#include "device.h"
#include "env.h"
#include "fs-util.h"
#include "grubenv.h"
#include "log.h"
#include "mount.h"
#include "uefi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef BLKROSET
#define BLKROSET _IO(0x12, 93) /* <linux/fs.h>, which clashes with <sys/mount.h> */
#endif

static const char why[] = "grubenv next_entry";


static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_uefi(const struct kb_legacy_plan *p)
{
	return strcmp(p->method, "uefi-bootnext") == 0;
}

/* A firmware boot entry (discover-uefi.c): BootNext names it for one boot. */
static int plan_uefi(const struct kb_entry *e, const char *title, struct kb_legacy_plan *ret,
		     kb_error *err)
{
	static const char prefix[] = "UEFI: ";
	uint16_t number;
	const char *name = e->source + strlen(KB_UEFI_SOURCE_PREFIX);
	if (kb_uefi_parse_boot_name(name, &number) < 0)
		return kb_error_set(err, EINVAL, "%s: not a firmware boot entry name (%s)", title,
				    e->source);
	const char *description = strncmp(title, prefix, strlen(prefix)) == 0
					  ? title + strlen(prefix) : title;
	struct kb_legacy_plan p = { .method = "uefi-bootnext" };
	snprintf(p.next_entry, sizeof(p.next_entry), "Boot%04X", number);
	snprintf(p.note, sizeof(p.note),
		 "reboots into the firmware's boot entry %s '%.256s' (BootNext, for one boot)",
		 p.next_entry, description);
	*ret = p;
	return 0;
}

static int uefi_number(const struct kb_legacy_plan *p, uint16_t *ret, kb_error *err)
{
	if (kb_uefi_parse_boot_name(p->next_entry, ret) < 0)
		return kb_error_set(err, EINVAL, "%s: not a firmware boot entry name",
				    p->next_entry);
	return 0;
}

int kb_legacy_plan(const struct kb_entry *e, struct kb_legacy_plan *ret, kb_error *err)
{
	const char *title = e->title ? e->title : e->id;
	if (e->type != KB_ENTRY_LEGACY)
		return kb_error_set(err, EINVAL, "%s: kexec boots it; no handoff needed", title);
	if (e->source && strncmp(e->source, KB_UEFI_SOURCE_PREFIX,
				 strlen(KB_UEFI_SOURCE_PREFIX)) == 0)
		return plan_uefi(e, title, ret, err);
	if (!e->grub_id || !e->source || !ends_with(e->source, "/grub.cfg"))
		return kb_error_set(err, EOPNOTSUPP,
				    "%s: needs the first-stage loader, and kboot can hand over "
				    "only GRUB menu entries (through grubenv); this one comes "
				    "from %s",
				    title, e->source ? e->source : "nowhere kboot knows");
	struct kb_legacy_plan p = { .method = "grub-next-entry" };
	size_t dir = strlen(e->source) - strlen("grub.cfg");
	if ((size_t)snprintf(p.grubenv, sizeof(p.grubenv), "%.*sgrubenv", (int)dir, e->source) >=
		    sizeof(p.grubenv) ||
	    (size_t)snprintf(p.next_entry, sizeof(p.next_entry), "%s", e->grub_id) >=
		    sizeof(p.next_entry))
		return kb_error_set(err, ENAMETOOLONG, "%s: GRUB entry id or path too long", title);
	snprintf(p.note, sizeof(p.note),
		 "reboots into GRUB's entry '%s' (next_entry in %s, for one boot)",
		 p.next_entry, p.grubenv);
	*ret = p;
	return 0;
}

/* Where the grubenv is: a local path to read, and the device and path on it
 * to mount writable (no device: a directory kboot did not mount, as when the
 * target is a plain directory in tests, is written where it is). */
struct place {
	char local[KB_PATH_MAX];
	char device[KB_PATH_DEVICE_MAX];
	char inner[KB_PATH_MAX];
};

static int locate(const struct kb_legacy_plan *p, struct place *ret, kb_error *err)
{
	_cleanup_free_ struct kb_path *path = malloc(sizeof(*path));
	if (!path)
		return kb_error_set(err, ENOMEM, "out of memory");
	int r = kb_path_parse(p->grubenv, NULL, path, err);
	if (r < 0)
		return r;
	struct place w = { 0 };
	r = kb_path_resolve(path, w.local, sizeof(w.local), err);
	if (r < 0)
		return r;
	if (path->kind == KB_PATH_DEVICE_FILE) {
		snprintf(w.device, sizeof(w.device), "%s", path->device);
		snprintf(w.inner, sizeof(w.inner), "%s", path->path);
		*ret = w;
		return 0;
	}
	if (path->kind != KB_PATH_TARGET)
		return kb_error_set(err, EOPNOTSUPP, "%s: not on a local disk", p->grubenv);
	/* The deepest directory kboot mounted a device on holds it. */
	char dir[KB_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", w.local);
	for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
		*slash = '\0';
		if (kb_mount_source(dir[0] ? dir : "/", w.device, sizeof(w.device)) == 0) {
			snprintf(w.inner, sizeof(w.inner), "%s", w.local + strlen(dir));
			break;
		}
	}
	if (!w.device[0] && !kb_env()->target_is_dir)
		return kb_error_set(err, ENODEV, "%s: cannot tell which filesystem holds it",
				    p->grubenv);
	*ret = w;
	return 0;
}

int kb_legacy_check(const struct kb_legacy_plan *p, kb_error *err)
{
	if (is_uefi(p)) {
		uint16_t number;
		char dir[KB_UEFI_DIR_MAX];
		int r = uefi_number(p, &number, err);
		if (r >= 0 && kb_uefi_efivars_dir(dir) < 0)
			r = kb_error_set(err, ENAMETOOLONG, "the efivarfs path is too long");
		return r < 0 ? r : kb_uefi_check_boot_option(dir, number, NULL, err);
	}
	struct place w;
	int r = locate(p, &w, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = kb_open_regular(w.local, p->grubenv, err);
	if (fd < 0) {
		(void)kb_error_prefix(err, "GRUB's one-shot entry needs its grubenv: ");
		return fd;
	}
	r = kb_grubenv_check_file(fd, p->grubenv, err);
	uint64_t offset;
	if (r >= 0 && w.device[0])
		r = kb_grubenv_locate(fd, p->grubenv, &offset, err);
	if (r < 0)
		return r;
	char block[KB_GRUBENV_BLOCK_SIZE];
	if (read(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
		return kb_error_set(err, EIO, "%s: cannot read the block", p->grubenv);
	/* Edit a copy: a full or broken block is refused before anything is unmounted. */
	r = kb_grubenv_block_set(block, sizeof(block), "next_entry", p->next_entry, err);
	if (r < 0)
		return kb_error_prefix(err, "%s: ", p->grubenv);
	return 0;
}

static void set_device_readonly(const char *devpath, bool ro)
{
	_cleanup_close_ int fd = open(devpath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int flag = ro;
	if (fd < 0 || ioctl(fd, BLKROSET, &flag) < 0)
		kb_debug("%s: cannot mark the device %s: %s", devpath, ro ? "read-only" : "writable",
			 strerror(errno));
}

static int pio(int fd, bool write, char *block, uint64_t offset)
{
	ssize_t n = write ? pwrite(fd, block, KB_GRUBENV_BLOCK_SIZE, (off_t)offset)
			  : pread(fd, block, KB_GRUBENV_BLOCK_SIZE, (off_t)offset);
	if (n < 0)
		return -errno;
	return n == KB_GRUBENV_BLOCK_SIZE ? 0 : -EIO;
}

/* GRUB's save_env way: the block's own sectors on the device, nothing else.
 * Mounting the filesystem writable would also change its superblock (mount
 * count and times) and the file's inode; this changes the 1024 bytes only.
 * Every filesystem is unmounted first; the device is writable only for this
 * write, and the old bytes must be found where the filesystem said they are. */
static int write_on_device(const struct kb_legacy_plan *p, const struct place *w, kb_error *err)
{
	char old[KB_GRUBENV_BLOCK_SIZE], new[KB_GRUBENV_BLOCK_SIZE], now[KB_GRUBENV_BLOCK_SIZE];
	uint64_t offset;
	{
		_cleanup_close_ int fd = kb_open_regular(w->local, p->grubenv, err);
		if (fd < 0)
			return fd;
		int r = kb_grubenv_locate(fd, p->grubenv, &offset, err);
		if (r < 0)
			return r;
		if (pio(fd, false, old, 0) < 0)
			return kb_error_set(err, EIO, "%s: cannot read the block", p->grubenv);
	}
	memcpy(new, old, sizeof(new));
	int r = kb_grubenv_block_set(new, sizeof(new), "next_entry", p->next_entry, err);
	if (r < 0)
		return kb_error_prefix(err, "%s: ", p->grubenv);
	struct kb_device d;
	r = kb_device_find(w->device, &d, err);
	if (r < 0)
		return r;

	kb_error e = { 0 };
	sync();
	if (kb_umount_all(&e) < 0)
		kb_warn("%s", e.text);
	kb_warn("%s: writing %d bytes at offset %llu for %s", d.name, KB_GRUBENV_BLOCK_SIZE,
		(unsigned long long)offset, why);
	set_device_readonly(d.path, false);
	int fd = open(d.path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		r = kb_error_set(err, errno, "%s: cannot open for writing: %s", d.name, strerror(errno));
	else if ((r = pio(fd, false, now, offset)) < 0)
		kb_error_set(err, -r, "%s: cannot read offset %llu: %s", d.name,
			     (unsigned long long)offset, strerror(-r));
	else if (memcmp(now, old, sizeof(old)) != 0)
		r = kb_error_set(err, EIO, "%s: the block is not where the filesystem said it is; "
				 "nothing written", p->grubenv);
	else if ((r = pio(fd, true, new, offset)) < 0 || (r = fsync(fd) < 0 ? -errno : 0) < 0)
		kb_error_set(err, -r, "%s: write failed: %s", d.name, strerror(-r));
	else if (pio(fd, false, now, offset) < 0 || memcmp(now, new, sizeof(new)) != 0)
		r = kb_error_set(err, EIO, "%s: the block reads back differently", p->grubenv);
	if (fd >= 0)
		close(fd);
	set_device_readonly(d.path, true);
	sync();
	return r;
}

int kb_legacy_write(const struct kb_legacy_plan *p, kb_error *err)
{
	int r = kb_legacy_check(p, err);
	if (r < 0)
		return r;
	if (is_uefi(p)) {
		uint16_t number;
		char dir[KB_UEFI_DIR_MAX];
		r = uefi_number(p, &number, err);
		if (r >= 0 && kb_uefi_efivars_dir(dir) < 0)
			r = kb_error_set(err, ENAMETOOLONG, "the efivarfs path is too long");
		return r < 0 ? r : kb_uefi_set_boot_next(dir, number, err);
	}
	struct place w;
	r = locate(p, &w, err);
	if (r < 0)
		return r;
	if (w.device[0])
		r = write_on_device(p, &w, err);
	else
		r = kb_grubenv_update(w.local, "next_entry", p->next_entry, err);
	if (r < 0)
		return r;
	kb_info("%s: next_entry=%s", p->grubenv, p->next_entry);
	return 0;
}

int kb_legacy_reboot(kb_error *err)
{
	kb_error e = { 0 };
	sync();
	if (kb_umount_all(&e) < 0)
		kb_warn("%s", e.text);
	sync();
	const char *how = getenv("KBOOT_REBOOT");
	if (!how && kb_env()->target_is_dir)
		return kb_error_set(err, EPERM, "not rebooting: the target is a directory "
				    "(KBOOT_TARGET_ROOT), so this is not a kboot environment; set "
				    "KBOOT_REBOOT to say how");
	if (how && strcmp(how, "syscall") == 0) {
		reboot(RB_AUTOBOOT);
		return kb_error_set(err, errno, "reboot: %s", strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0)
		return kb_error_set(err, errno, "reboot: %s", strerror(errno));
	if (pid == 0) {
		if (how && *how)
			execl(how, how, (char *)NULL);
		else
			execlp("reboot", "reboot", "-f", (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return kb_error_set(err, errno, "reboot: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return kb_error_set(err, EIO, "reboot failed (%s exited with %d)",
				    how && *how ? how : "reboot -f",
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
