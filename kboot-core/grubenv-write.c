/* Writing GRUB's environment block in place, only where GRUB reads it back:
 * GRUB reads grubenv through its own filesystem drivers and refuses save_env
 * on btrfs and ZFS, so kboot refuses those too, and anything sparse,
 * inline or resized (petitboot issue 71: a grubenv GRUB could not read). */
#include "grubenv.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef FS_IOC_FIEMAP
#define FS_IOC_FIEMAP _IOWR('f', 11, struct fiemap) /* <linux/fs.h> clashes with <sys/mount.h> */
#endif

enum {
	KB_BTRFS_MAGIC = 0x9123683e,
	KB_ZFS_MAGIC = 0x2fc12fc1,
	KB_GRUBENV_EXTENTS_MAX = 8, /* a 1024-byte file has one */
};

static bool valid_name(const char *name)
{
	if (!*name || *name == '#' || strlen(name) >= KB_GRUBENV_NAME_MAX)
		return false;
	return strpbrk(name, "=\n\\") == NULL;
}

static size_t escaped_len(const char *value)
{
	size_t n = 0;
	for (const char *p = value; *p; p++)
		n += (*p == '\\' || *p == '\n') ? 2 : 1;
	return n;
}

/* After the '\n' that ends the line at p (escaped newlines are inside it). */
static char *next_line(char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '\n')
			break;
	}
	return p < end ? p + 1 : (char *)end;
}

int kb_grubenv_block_set(char *block, size_t size, const char *name, const char *value,
			 kb_error *err)
{
	size_t sig = strlen(KB_GRUBENV_SIGNATURE);
	if (!valid_name(name))
		return kb_error_set(err, EINVAL, "invalid variable name \"%.40s\"", name);
	if (size < sig || memcmp(block, KB_GRUBENV_SIGNATURE, sig) != 0)
		return kb_error_set(err, EINVAL, "not a GRUB environment block (no signature)");
	char *end = block + size, *space = end - 1;
	while (space >= block + sig && *space == '#')
		space--;
	if (*space != '\n')
		return kb_error_set(err, EINVAL, "broken GRUB environment block (no newline "
				    "before the padding); GRUB would not change it either");
	space++; /* the padding starts here */

	size_t nl = strlen(name), vl = value ? escaped_len(value) : 0;
	char *p = block + sig;
	while (p + nl + 1 < space && !(memcmp(p, name, nl) == 0 && p[nl] == '='))
		p = next_line(p, space);
	bool found = p + nl + 1 < space;
	if (!value && !found)
		return 0;
	if (!value) {
		char *after = next_line(p, space);
		size_t gone = (size_t)(after - p);
		memmove(p, after, (size_t)(end - after));
		memset(end - gone, '#', gone);
		return 0;
	}
	if (found) {
		char *v = p + nl + 1, *eol = next_line(v, space) - 1;
		if (eol >= space || *eol != '\n')
			return kb_error_set(err, EINVAL, "broken GRUB environment block (%s)", name);
		size_t len = (size_t)(eol - v);
		if (vl > len && vl - len > (size_t)(end - space))
			return kb_error_set(err, ENOSPC, "the GRUB environment block is full (%zu "
					    "bytes): no room for %s", size, name);
		if (vl < len) {
			memmove(v + vl, v + len, (size_t)(end - (v + len)));
			memset(end - (len - vl), '#', len - vl);
		} else {
			memmove(v + vl, v + len, (size_t)(end - (v + vl)));
		}
		p = v;
	} else {
		if (nl + 1 + vl + 1 > (size_t)(end - space))
			return kb_error_set(err, ENOSPC, "the GRUB environment block is full (%zu "
					    "bytes): no room for %s", size, name);
		memcpy(space, name, nl);
		p = space + nl;
		*p++ = '=';
	}
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '\n')
			*p++ = '\\';
		*p++ = *c;
	}
	if (!found)
		*p = '\n';
	return 0;
}

/* Every extent plain data on disk, where the filesystem can say. */
static int check_extents(int fd, const char *name, kb_error *err)
{
	size_t size = sizeof(struct fiemap) + KB_GRUBENV_EXTENTS_MAX * sizeof(struct fiemap_extent);
	_cleanup_free_ struct fiemap *fm = calloc(1, size);
	if (!fm)
		return kb_error_set(err, ENOMEM, "out of memory");
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = KB_GRUBENV_EXTENTS_MAX;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
		return 0; /* no FIEMAP here (tmpfs, vfat): st_blocks decided */
	if (fm->fm_mapped_extents == 0)
		return kb_error_set(err, EOPNOTSUPP, "%s: has no blocks on disk (sparse)", name);
	uint64_t covered = 0;
	const uint32_t odd = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
			     FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED |
			     FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE |
			     FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_UNWRITTEN;
	for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
		const struct fiemap_extent *x = &fm->fm_extents[i];
		if (x->fe_flags & odd)
			return kb_error_set(err, EOPNOTSUPP,
					    "%s: its blocks are not plain data on disk (extent flags "
					    "%#x); GRUB could not read a change back",
					    name, (unsigned)(x->fe_flags & odd));
		if (x->fe_logical != covered)
			return kb_error_set(err, EOPNOTSUPP, "%s: has a hole (sparse)", name);
		covered = x->fe_logical + x->fe_length;
	}
	if (covered < KB_GRUBENV_BLOCK_SIZE)
		return kb_error_set(err, EOPNOTSUPP, "%s: has a hole at its end (sparse)", name);
	return 0;
}

int kb_grubenv_locate(int fd, const char *name, uint64_t *ret_offset, kb_error *err)
{
	/* The header and room for one extent (a flexible array member). */
	_cleanup_free_ struct fiemap *fm = calloc(1, sizeof(*fm) + sizeof(struct fiemap_extent));
	if (!fm)
		return kb_error_set(err, ENOMEM, "out of memory");
	fm->fm_length = KB_GRUBENV_BLOCK_SIZE;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
		return kb_error_set(err, EOPNOTSUPP,
				    "%s: the filesystem cannot say where its blocks are (%s)", name,
				    strerror(errno));
	const struct fiemap_extent *x = &fm->fm_extents[0];
	if (fm->fm_mapped_extents != 1 || x->fe_logical != 0 ||
	    x->fe_length < KB_GRUBENV_BLOCK_SIZE)
		return kb_error_set(err, EOPNOTSUPP, "%s: not in one piece on the disk", name);
	*ret_offset = x->fe_physical;
	return 0;
}

int kb_grubenv_check_file(int fd, const char *name, kb_error *err)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return kb_error_set(err, errno, "%s: %s", name, strerror(errno));
	if ((uint32_t)sf.f_type == KB_BTRFS_MAGIC || (uint32_t)sf.f_type == KB_ZFS_MAGIC)
		return kb_error_set(err, EOPNOTSUPP,
				    "%s: on %s, where GRUB cannot write or trust its environment "
				    "block; set the entry from the installed system instead",
				    name, (uint32_t)sf.f_type == KB_BTRFS_MAGIC ? "btrfs" : "ZFS");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return kb_error_set(err, errno, "%s: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kb_error_set(err, EOPNOTSUPP, "%s: not a regular file", name);
	if (st.st_size != KB_GRUBENV_BLOCK_SIZE)
		return kb_error_set(err, EOPNOTSUPP,
				    "%s: %lld bytes, not the %d of a GRUB environment block; "
				    "kboot never resizes it",
				    name, (long long)st.st_size, KB_GRUBENV_BLOCK_SIZE);
	if ((long long)st.st_blocks * 512 < st.st_size)
		return kb_error_set(err, EOPNOTSUPP, "%s: sparse (%lld of %d bytes on disk)", name,
				    (long long)st.st_blocks * 512, KB_GRUBENV_BLOCK_SIZE);
	return check_extents(fd, name, err);
}

static int read_block(int fd, const char *name, char *block, kb_error *err)
{
	size_t got = 0;
	while (got < KB_GRUBENV_BLOCK_SIZE) {
		ssize_t n = pread(fd, block + got, KB_GRUBENV_BLOCK_SIZE - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kb_error_set(err, errno, "%s: %s", name, strerror(errno));
		if (n == 0)
			return kb_error_set(err, EIO, "%s: shorter than it said", name);
		got += (size_t)n;
	}
	return 0;
}

static int write_block(int fd, const char *name, const char *block, kb_error *err)
{
	size_t done = 0;
	while (done < KB_GRUBENV_BLOCK_SIZE) {
		ssize_t n = pwrite(fd, block + done, KB_GRUBENV_BLOCK_SIZE - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kb_error_set(err, n < 0 ? errno : EIO, "%s: write failed: %s", name,
					    strerror(n < 0 ? errno : EIO));
		done += (size_t)n;
	}
	if (fsync(fd) < 0)
		return kb_error_set(err, errno, "%s: fsync failed: %s", name, strerror(errno));
	return 0;
}

int kb_grubenv_update(const char *path, const char *name, const char *value, kb_error *err)
{
	if (!valid_name(name))
		return kb_error_set(err, EINVAL, "invalid variable name \"%.40s\"", name);
	_cleanup_close_ int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	int r = kb_grubenv_check_file(fd, path, err);
	if (r < 0)
		return r;
	char block[KB_GRUBENV_BLOCK_SIZE];
	r = read_block(fd, path, block, err);
	if (r < 0)
		return r;
	r = kb_grubenv_block_set(block, sizeof(block), name, value, err);
	if (r < 0)
		return kb_error_prefix(err, "%s: ", path);
	return write_block(fd, path, block, err);
}
