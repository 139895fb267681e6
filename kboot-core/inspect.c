/* What a file is, from its first bytes and its name: an x86 bzImage (Linux
 * boot protocol header), an ELF vmlinux, an initramfs (cpio or compressed),
 * a boot config, text, or something else. */
#include "inspect.h"
#include "cleanup.h"
#include "fs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Linux x86 boot protocol (Documentation/arch/x86/boot.rst) */
enum {
	BOOT_SETUP_SECTS = 0x1f1,
	BOOT_SYSSIZE = 0x1f4, /* the protected-mode part, in 16-byte units */
	BOOT_HEADER_MAGIC = 0x202, /* "HdrS" */
	BOOT_VERSION = 0x206,
	BOOT_KERNEL_VERSION = 0x20e, /* pointer to the version string, -0x200 */
	BOOT_LOADFLAGS = 0x211,
	BOOT_XLOADFLAGS = 0x236,
	BOOT_CMDLINE_SIZE = 0x238,
	XLF_KERNEL_64 = 1 << 0,
	LOADED_HIGH = 1 << 0,
	CMDLINE_SIZE_OLD = 255,
	ELF_EM_386 = 3,
	ELF_EM_X86_64 = 62,
	ELF_EM_AARCH64 = 183,
	ELF_EM_RISCV = 243,
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool has(const unsigned char *h, size_t len, size_t off, const void *magic, size_t n)
{
	return len >= off + n && memcmp(h + off, magic, n) == 0;
}

static void inspect_bzimage(const unsigned char *h, size_t len, struct kb_file_info *info)
{
	info->kind = KB_KIND_KERNEL;
	info->format = KB_FORMAT_BZIMAGE;
	uint16_t protocol = len > BOOT_VERSION + 1 ? le16(h + BOOT_VERSION) : 0;
	info->cmdline_max = CMDLINE_SIZE_OLD;
	if (len >= BOOT_SYSSIZE + 4 && le32(h + BOOT_SYSSIZE)) {
		uint64_t setup_sects = h[BOOT_SETUP_SECTS] ? h[BOOT_SETUP_SECTS] : 4;
		info->image_size = (setup_sects + 1) * 512 + (uint64_t)le32(h + BOOT_SYSSIZE) * 16;
	}
	if (protocol >= 0x206 && len >= BOOT_CMDLINE_SIZE + 4)
		info->cmdline_max = le32(h + BOOT_CMDLINE_SIZE);
	if (len > BOOT_KERNEL_VERSION + 1) {
		size_t off = (size_t)le16(h + BOOT_KERNEL_VERSION) + 0x200;
		if (le16(h + BOOT_KERNEL_VERSION) && off < len) {
			size_t n = 0;
			while (off + n < len && n + 1 < sizeof(info->version) && h[off + n] >= ' ' &&
			       h[off + n] < 0x7f)
				n++;
			memcpy(info->version, h + off, n);
			info->version[n] = '\0';
		}
	}
#if defined(__x86_64__) || defined(__i386__)
	bool xlf64 = protocol >= 0x20c && len > BOOT_XLOADFLAGS &&
		     (h[BOOT_XLOADFLAGS] & XLF_KERNEL_64);
	bool big = protocol >= 0x200 && len > BOOT_LOADFLAGS && (h[BOOT_LOADFLAGS] & LOADED_HIGH);
	/* kexec-tools boots any bzImage on x86; a 64-bit entry is preferred */
	info->arch_ok = xlf64 || big;
#else
	info->arch_ok = false;
#endif
}

static void inspect_elf(const unsigned char *h, size_t len, struct kb_file_info *info)
{
	info->format = KB_FORMAT_ELF;
	if (len < 20)
		return;
	uint16_t type = h[5] == 2 ? (uint16_t)(h[16] << 8 | h[17]) : le16(h + 16);
	uint16_t machine = h[5] == 2 ? (uint16_t)(h[18] << 8 | h[19]) : le16(h + 18);
	if (type != 2 /* ET_EXEC */)
		return; /* a module or a library, not a kernel */
	info->kind = KB_KIND_KERNEL;
#if defined(__x86_64__)
	info->arch_ok = machine == ELF_EM_X86_64;
#elif defined(__i386__)
	info->arch_ok = machine == ELF_EM_386;
#elif defined(__aarch64__)
	info->arch_ok = machine == ELF_EM_AARCH64;
#elif defined(__riscv)
	info->arch_ok = machine == ELF_EM_RISCV;
#else
	(void)machine;
#endif
}

static enum kb_file_format compressed_format(const unsigned char *h, size_t len)
{
	if (has(h, len, 0, "\x1f\x8b", 2) || has(h, len, 0, "\x1f\x9e", 2))
		return KB_FORMAT_GZIP;
	if (has(h, len, 0, "\xfd" "7zXZ\0", 6))
		return KB_FORMAT_XZ;
	if (has(h, len, 0, "\x28\xb5\x2f\xfd", 4))
		return KB_FORMAT_ZSTD;
	if (has(h, len, 0, "\x02\x21\x4c\x18", 4) || has(h, len, 0, "\x04\x22\x4d\x18", 4))
		return KB_FORMAT_LZ4;
	if (has(h, len, 0, "BZh", 3) && len > 3 && h[3] >= '1' && h[3] <= '9')
		return KB_FORMAT_BZIP2;
	/* lzma "alone": properties 0x5d, then a power-of-two-ish dictionary size */
	if (len >= 13 && h[0] == 0x5d && h[1] == 0 && h[2] == 0 && (h[3] | h[4]) != 0 &&
	    h[4] <= 0x10)
		return KB_FORMAT_LZMA;
	return KB_FORMAT_UNKNOWN;
}

static const char *base_name(const char *name)
{
	const char *s = strrchr(name, '/');
	return s ? s + 1 : name;
}

/* Boot configs are known by name. `name` may carry its directory, which is
 * how a BLS entry (a .conf in loader/entries) is told from other .conf files. */
static bool is_config_name(const char *name)
{
	static const char *const names[] = { "grub.cfg",     "kboot.conf",   "extlinux.conf",
					     "syslinux.cfg", "isolinux.cfg", "fstab",
					     "grubenv" };
	const char *b = base_name(name);
	for (size_t i = 0; i < KB_ELEMENTSOF(names); i++)
		if (!strcmp(b, names[i]))
			return true;
	size_t l = strlen(b);
	return l > 5 && !strcmp(b + l - 5, ".conf") && strstr(name, "loader/entries/");
}

static bool looks_like_text(const unsigned char *h, size_t len)
{
	if (len == 0)
		return false;
	size_t odd = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = h[i];
		if (c == 0)
			return false;
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
			odd++;
	}
	return odd * 100 < len; /* UTF-8 bytes >= 0x80 count as text */
}

int kb_inspect_buffer(const char *name, const void *head, size_t len, uint64_t size,
		      struct kb_file_info *ret)
{
	const unsigned char *h = head;
	struct kb_file_info info = { .size = size };
	if (len > KB_INSPECT_HEAD_MAX)
		len = KB_INSPECT_HEAD_MAX;
	enum kb_file_format comp;
	if (has(h, len, BOOT_HEADER_MAGIC, "HdrS", 4)) {
		inspect_bzimage(h, len, &info);
	} else if (has(h, len, 0, "\x7f" "ELF", 4)) {
		inspect_elf(h, len, &info);
	} else if (has(h, len, 0, "070701", 6) || has(h, len, 0, "070702", 6)) {
		info.kind = KB_KIND_INITRD;
		info.format = KB_FORMAT_CPIO;
	} else if ((comp = compressed_format(h, len)) != KB_FORMAT_UNKNOWN) {
		info.kind = KB_KIND_INITRD;
		info.format = comp;
	} else if (name && is_config_name(name)) {
		info.kind = KB_KIND_CONFIG;
		info.format = looks_like_text(h, len) ? KB_FORMAT_TEXT : KB_FORMAT_UNKNOWN;
	} else if (looks_like_text(h, len)) {
		info.format = KB_FORMAT_TEXT;
	}
	*ret = info;
	return 0;
}

int kb_inspect_file(const char *path, struct kb_file_info *ret, kb_error *err)
{
	_cleanup_close_ int fd = kb_open_regular(path, path, err);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	_cleanup_free_ unsigned char *head = malloc(KB_INSPECT_HEAD_MAX);
	if (!head)
		return kb_error_set(err, ENOMEM, "out of memory");
	size_t len = 0;
	while (len < KB_INSPECT_HEAD_MAX) {
		ssize_t n = read(fd, head + len, KB_INSPECT_HEAD_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return kb_inspect_buffer(path, head, len, (uint64_t)st.st_size, ret);
}

const char *kb_file_kind_name(enum kb_file_kind k)
{
	static const char *const names[] = { "other", "kernel", "initrd", "config" };
	return (size_t)k < KB_ELEMENTSOF(names) ? names[k] : "other";
}

const char *kb_file_format_name(enum kb_file_format f)
{
	static const char *const names[] = { "unknown", "bzImage", "ELF",  "cpio",  "gzip", "xz",
					     "zstd",    "lz4",     "lzma", "bzip2", "text" };
	return (size_t)f < KB_ELEMENTSOF(names) ? names[f] : "unknown";
}
