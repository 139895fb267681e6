/* Writing BootNext through efivarfs: the one write kboot makes to the
 * firmware's variables, made only when a person or a client chose a firmware
 * boot entry. efivarfs marks most variables immutable; the flag is cleared
 * for this one file and this one write, then restored. */
#include "uefi.h"
#include "cleanup.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

/* <linux/fs.h> and <linux/magic.h>, which clash with libc headers */
#ifndef FS_IOC_GETFLAGS
#define FS_IOC_GETFLAGS _IOR('f', 1, long)
#define FS_IOC_SETFLAGS _IOW('f', 2, long)
#endif
enum { FS_IMMUTABLE = 0x10 };
static const unsigned long EFIVARFS_MAGIC_NUMBER = 0xde5e81e4;

enum { BOOT_NEXT_BYTES = 4 + 2 };

int kb_uefi_set_boot_next(const char *dir, uint16_t number, kb_error *err)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/BootNext-%s", dir, KB_UEFI_GLOBAL_GUID) >=
	    sizeof(path))
		return kb_error_set(err, ENAMETOOLONG, "BootNext: path too long");
	struct statfs sfs;
	if (statfs(dir, &sfs) < 0)
		return kb_error_set(err, errno, "%s: %s (is efivarfs mounted?)", dir,
				    strerror(errno));
	bool efivarfs = (unsigned long)sfs.f_type == EFIVARFS_MAGIC_NUMBER;

	const uint32_t attributes = KB_UEFI_VARIABLE_NON_VOLATILE |
				    KB_UEFI_VARIABLE_BOOTSERVICE_ACCESS |
				    KB_UEFI_VARIABLE_RUNTIME_ACCESS;
	const uint8_t bytes[BOOT_NEXT_BYTES] = {
		attributes & 0xff, 0, 0, 0, (uint8_t)(number & 0xff), (uint8_t)(number >> 8),
	};
	kb_warn("efivarfs: writing BootNext=%04X (one boot of the firmware's entry Boot%04X, as "
		"asked)", number, number);
	/* efivarfs takes the whole variable in one write and cannot truncate;
	 * a plain directory (tests) is rewritten whole. */
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (efivarfs ? 0 : O_TRUNC), 0644);
	if (fd < 0)
		return kb_error_set(err, errno, "BootNext: cannot open %s for writing: %s", path,
				    strerror(errno));
	int flags = 0;
	bool restore = false;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE)) {
		int writable = flags & ~FS_IMMUTABLE;
		if (ioctl(fd, FS_IOC_SETFLAGS, &writable) < 0)
			return kb_error_set(err, errno, "BootNext: cannot clear the immutable "
					    "flag: %s", strerror(errno));
		restore = true;
	}
	ssize_t n = write(fd, bytes, sizeof(bytes));
	int saved = errno;
	if (restore && ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		kb_warn("BootNext: cannot restore the immutable flag: %s", strerror(errno));
	if (n < 0)
		return kb_error_set(err, saved, "BootNext: the firmware refused the write: %s",
				    strerror(saved));
	if (n != (ssize_t)sizeof(bytes))
		return kb_error_set(err, EIO, "BootNext: short write (%zd of %zu bytes)", n,
				    sizeof(bytes));
	if (!efivarfs && fsync(fd) < 0)
		return kb_error_set(err, errno, "BootNext: %s", strerror(errno));

	uint8_t back[8];
	size_t len;
	uint32_t attr;
	int r = kb_uefi_read_variable(dir, "BootNext", back, sizeof(back), &len, &attr, err);
	if (r < 0) {
		kb_error_prefix(err, "reading BootNext back: ");
		return r;
	}
	if (len != 2 || back[0] != bytes[4] || back[1] != bytes[5])
		return kb_error_set(err, EIO, "BootNext reads back differently after the write");
	kb_info("efivarfs: BootNext=%04X (attributes 0x%x)", number, (unsigned)attr);
	return 0;
}
