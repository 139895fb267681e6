/* Reading the firmware's boot entries from efivarfs: EFI_LOAD_OPTION decoding
 * (attributes, UCS-2 description, a device path summary) and the Boot####
 * list in BootOrder's order. Every length comes from the variable, so every
 * one is checked against what was read. */
#include "uefi.h"
#include "cleanup.h"
#include "env.h"
#include "fs-util.h"
#include "log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	LOAD_OPTION_HEADER = 6, /* UINT32 Attributes, UINT16 FilePathListLength */
	NODE_HEADER = 4,        /* UINT8 Type, UINT8 SubType, UINT16 Length */
	BOOT_NAME_LEN = 8,      /* "Boot0003" */
};

int kb_uefi_efivars_dir(char ret[KB_UEFI_DIR_MAX])
{
	int n = snprintf(ret, KB_UEFI_DIR_MAX, "%s/firmware/efi/efivars", kb_env()->sys_dir);
	return n < 0 || n >= KB_UEFI_DIR_MAX ? -ENAMETOOLONG : 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Append to a NUL-terminated string in a buffer of `size`; false when it did not fit. */
static bool append(char *out, size_t size, const char *s)
{
	size_t have = strlen(out), n = strlen(s);
	if (have + n + 1 > size)
		return false;
	memcpy(out + have, s, n + 1);
	return true;
}

/* UCS-2 (little-endian, `units` code units, stopping at a NUL) to UTF-8;
 * control characters and lone surrogates become '?'. Truncates whole
 * characters to fit. */
static void ucs2_to_utf8(const uint8_t *p, size_t units, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < units; i++) {
		unsigned u = le16(p + 2 * i);
		if (u == 0)
			break;
		char c[4];
		size_t n;
		if (u < 0x20 || u == 0x7f || (u >= 0xd800 && u <= 0xdfff)) {
			c[0] = '?';
			n = 1;
		} else if (u < 0x80) {
			c[0] = (char)u;
			n = 1;
		} else if (u < 0x800) {
			c[0] = (char)(0xc0 | u >> 6);
			c[1] = (char)(0x80 | (u & 0x3f));
			n = 2;
		} else {
			c[0] = (char)(0xe0 | u >> 12);
			c[1] = (char)(0x80 | ((u >> 6) & 0x3f));
			c[2] = (char)(0x80 | (u & 0x3f));
			n = 3;
		}
		if (o + n + 1 > size)
			break;
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = '\0';
}

/* One device path node as a short word: enough for a person to tell a disk
 * from the shell in the firmware volume or a network boot. */
static void node_text(uint8_t type, uint8_t sub, const uint8_t *data, size_t len, char *out,
		      size_t size)
{
	switch (type << 8 | sub) {
	case 0x0101:
		if (len >= 2) {
			snprintf(out, size, "Pci(0x%x,0x%x)", data[1], data[0]);
			return;
		}
		break;
	case 0x0201:
		snprintf(out, size, "PciRoot");
		return;
	case 0x0302:
		snprintf(out, size, "Scsi");
		return;
	case 0x0305:
		snprintf(out, size, "USB");
		return;
	case 0x030b:
		snprintf(out, size, "MAC");
		return;
	case 0x030c:
		snprintf(out, size, "IPv4");
		return;
	case 0x030d:
		snprintf(out, size, "IPv6");
		return;
	case 0x0312:
		snprintf(out, size, "Sata");
		return;
	case 0x0317:
		snprintf(out, size, "NVMe");
		return;
	case 0x0318:
		snprintf(out, size, "Uri");
		return;
	case 0x0401:
		if (len >= 4) {
			snprintf(out, size, "HD(%u)", (unsigned)le32(data));
			return;
		}
		break;
	case 0x0402:
		snprintf(out, size, "CDROM");
		return;
	case 0x0404:
		ucs2_to_utf8(data, len / 2, out, size);
		return;
	case 0x0406:
		snprintf(out, size, "FvFile");
		return;
	case 0x0407:
		snprintf(out, size, "Fv");
		return;
	case 0x0501:
		snprintf(out, size, "BBS");
		return;
	}
	snprintf(out, size, "Node(%u,%u)", type, sub);
}

/* Walk the file path list: every node at least 4 bytes and inside the list,
 * ending with End Entire Device Path. Fills a summary of the first path. */
static int device_path_summary(const uint8_t *p, size_t len, char *out, size_t size,
			       kb_error *err)
{
	out[0] = '\0';
	bool full = false, ended = false;
	size_t nodes = 0;
	for (size_t off = 0; off < len && !ended; nodes++) {
		if (nodes >= KB_UEFI_DEVICE_PATH_NODES_MAX)
			return kb_error_set(err, EINVAL, "device path longer than %d nodes",
					    KB_UEFI_DEVICE_PATH_NODES_MAX);
		if (len - off < NODE_HEADER)
			return kb_error_set(err, EINVAL, "device path node cut short");
		uint8_t type = p[off], sub = p[off + 1];
		size_t n = le16(p + off + 2);
		if (n < NODE_HEADER || n > len - off)
			return kb_error_set(err, EINVAL, "device path node of length %zu at %zu",
					    n, off);
		if (type == 0x7f) {
			/* End: 0xff the whole path, 0x01 this instance (only the first is summarized) */
			ended = sub == 0xff;
			full = true;
		} else if (!full) {
			char word[KB_UEFI_DEVICE_PATH_TEXT_MAX];
			node_text(type, sub, p + off + NODE_HEADER, n - NODE_HEADER, word,
				  sizeof(word));
			if ((out[0] && !append(out, size, "/")) || !append(out, size, word)) {
				full = true;
				if (strlen(out) + 4 < size)
					append(out, size, "...");
			}
		}
		off += n;
	}
	if (!ended)
		return kb_error_set(err, EINVAL, "device path without its end node");
	return 0;
}

int kb_uefi_parse_load_option(const uint8_t *data, size_t size, uint16_t number,
			      struct kb_uefi_boot_option *ret, kb_error *err)
{
	if (size < LOAD_OPTION_HEADER + 2)
		return kb_error_set(err, EINVAL, "Boot%04X: %zu bytes, too short for a load option",
				    number, size);
	size_t path_len = le16(data + 4);
	/* The description: UCS-2 from byte 6 to its NUL, on a 2-byte grid. */
	size_t end = LOAD_OPTION_HEADER;
	while (end + 2 <= size && le16(data + end) != 0)
		end += 2;
	if (end + 2 > size)
		return kb_error_set(err, EINVAL, "Boot%04X: description without its end", number);
	size_t path_off = end + 2;
	if (path_len < NODE_HEADER || path_len > size - path_off)
		return kb_error_set(err, EINVAL,
				    "Boot%04X: file path list of %zu bytes where %zu remain", number,
				    path_len, size - path_off);
	struct kb_uefi_boot_option o = { .number = number, .attributes = le32(data) };
	ucs2_to_utf8(data + LOAD_OPTION_HEADER, (end - LOAD_OPTION_HEADER) / 2, o.description,
		     sizeof(o.description));
	int r = device_path_summary(data + path_off, path_len, o.device_path,
				    sizeof(o.device_path), err);
	if (r < 0) {
		kb_error_prefix(err, "Boot%04X: ", number);
		return r;
	}
	*ret = o;
	return 0;
}

int kb_uefi_read_variable(const char *dir, const char *name, uint8_t *buf, size_t size,
			  size_t *ret_len, uint32_t *ret_attributes, kb_error *err)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s-%s", dir, name, KB_UEFI_GLOBAL_GUID) >=
	    sizeof(path))
		return kb_error_set(err, ENAMETOOLONG, "%s: path too long", name);
	_cleanup_close_ int fd = kb_open_regular(path, name, err);
	if (fd < 0)
		return fd;
	/* efivarfs hands the whole variable to one read; a plain file may not. */
	uint8_t head[4];
	size_t got = 0, len = 0;
	for (;;) {
		uint8_t chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kb_error_set(err, errno, "%s: %s", name, strerror(errno));
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++, got++) {
			if (got < sizeof(head))
				head[got] = chunk[i];
			else if (len < size)
				buf[len++] = chunk[i];
			else
				return kb_error_set(err, EFBIG, "%s: larger than %zu bytes", name,
						    size);
		}
	}
	if (got < sizeof(head))
		return kb_error_set(err, EINVAL, "%s: %zu bytes, shorter than its attributes",
				    name, got);
	*ret_len = len;
	if (ret_attributes)
		*ret_attributes = le32(head);
	return 0;
}

int kb_uefi_parse_boot_name(const char *s, uint16_t *ret)
{
	if (strncmp(s, "Boot", 4) != 0 || strlen(s) != BOOT_NAME_LEN)
		return -EINVAL;
	unsigned v = 0;
	for (const char *p = s + 4; *p; p++) {
		if (!isxdigit((unsigned char)*p))
			return -EINVAL;
		v = v * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0'
								  : tolower((unsigned char)*p) - 'a' + 10);
	}
	*ret = (uint16_t)v;
	return 0;
}

/* Boot#### variable numbers present in dir, at most max. */
static int boot_numbers(const char *dir, uint16_t *v, size_t max, size_t *ret_n, kb_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return kb_error_set(err, errno, "%s: %s", dir, strerror(errno));
	size_t n = 0;
	bool dropped = false;
	struct dirent *de;
	while ((de = readdir(d))) {
		char name[BOOT_NAME_LEN + 1];
		uint16_t num;
		const char *dash = strchr(de->d_name, '-');
		if (!dash || (size_t)(dash - de->d_name) != BOOT_NAME_LEN ||
		    strcmp(dash + 1, KB_UEFI_GLOBAL_GUID) != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", BOOT_NAME_LEN, de->d_name);
		if (kb_uefi_parse_boot_name(name, &num) < 0)
			continue;
		if (n >= max) {
			dropped = true;
			continue;
		}
		v[n++] = num;
	}
	if (dropped)
		kb_warn("efivarfs: more than %zu Boot#### variables; the rest are not listed", max);
	*ret_n = n;
	return 0;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static bool visible(const struct kb_uefi_boot_option *o)
{
	return (o->attributes & KB_UEFI_LOAD_OPTION_ACTIVE) &&
	       !(o->attributes & KB_UEFI_LOAD_OPTION_HIDDEN);
}

static int read_boot_option(const char *dir, uint16_t number, uint8_t *buf,
			    struct kb_uefi_boot_option *ret, kb_error *err)
{
	char name[BOOT_NAME_LEN + 1];
	snprintf(name, sizeof(name), "Boot%04X", number);
	size_t len;
	int r = kb_uefi_read_variable(dir, name, buf, KB_UEFI_VARIABLE_MAX, &len, NULL, err);
	if (r < 0)
		return r;
	return kb_uefi_parse_load_option(buf, len, number, ret, err);
}

int kb_uefi_boot_options(const char *dir, struct kb_uefi_boot_option *v, size_t max,
			 size_t *ret_n, kb_error *err)
{
	if (max > KB_UEFI_BOOT_OPTIONS_MAX)
		max = KB_UEFI_BOOT_OPTIONS_MAX;
	uint16_t numbers[KB_UEFI_BOOT_OPTIONS_MAX];
	size_t n_numbers = 0;
	int r = boot_numbers(dir, numbers, KB_UEFI_BOOT_OPTIONS_MAX, &n_numbers, err);
	if (r < 0)
		return r;
	qsort(numbers, n_numbers, sizeof(numbers[0]), cmp_u16);

	_cleanup_free_ uint8_t *buf = malloc(KB_UEFI_VARIABLE_MAX);
	if (!buf)
		return kb_error_set(err, ENOMEM, "out of memory");
	/* BootOrder's numbers first, then the rest: a rank for each. */
	size_t rank[KB_UEFI_BOOT_OPTIONS_MAX];
	for (size_t i = 0; i < n_numbers; i++)
		rank[i] = SIZE_MAX;
	size_t len;
	kb_error e = { 0 };
	if (kb_uefi_read_variable(dir, "BootOrder", buf, KB_UEFI_VARIABLE_MAX, &len, NULL, &e) >= 0) {
		if (len % 2)
			kb_warn("efivarfs: BootOrder has an odd length (%zu bytes); the last byte "
				"is ignored", len);
		for (size_t k = 0; k + 2 <= len; k += 2)
			for (size_t i = 0; i < n_numbers; i++)
				if (numbers[i] == le16(buf + k) && rank[i] == SIZE_MAX)
					rank[i] = k / 2;
	} else if (e.code != ENOENT) {
		kb_warn("efivarfs: %s", e.text);
	}
	uint16_t current = 0;
	bool has_current = false;
	if (kb_uefi_read_variable(dir, "BootCurrent", buf, KB_UEFI_VARIABLE_MAX, &len, NULL,
				  NULL) >= 0 && len == 2) {
		current = le16(buf);
		has_current = true;
	}

	size_t n = 0;
	for (size_t pass = 0; pass < 2; pass++) {
		/* pass 0: BootOrder, in its order; pass 1: the others, by number */
		size_t order[KB_UEFI_BOOT_OPTIONS_MAX], n_order = 0;
		for (size_t i = 0; i < n_numbers; i++)
			if ((rank[i] != SIZE_MAX) == (pass == 0))
				order[n_order++] = i;
		for (size_t a = 1; pass == 0 && a < n_order; a++)
			for (size_t b = a; b > 0 && rank[order[b - 1]] > rank[order[b]]; b--) {
				size_t t = order[b];
				order[b] = order[b - 1];
				order[b - 1] = t;
			}
		for (size_t k = 0; k < n_order; k++) {
			struct kb_uefi_boot_option o;
			kb_error perr = { 0 };
			if (read_boot_option(dir, numbers[order[k]], buf, &o, &perr) < 0) {
				kb_warn("efivarfs: not listed: %s", perr.text);
				continue;
			}
			if (!visible(&o))
				continue;
			if (n >= max) {
				kb_warn("efivarfs: more than %zu firmware boot entries; Boot%04X "
					"and later are not listed", max, o.number);
				*ret_n = n;
				return 0;
			}
			o.is_current = has_current && o.number == current;
			v[n++] = o;
		}
	}
	*ret_n = n;
	return 0;
}

int kb_uefi_check_boot_option(const char *dir, uint16_t number,
			      struct kb_uefi_boot_option *ret, kb_error *err)
{
	_cleanup_free_ uint8_t *buf = malloc(KB_UEFI_VARIABLE_MAX);
	if (!buf)
		return kb_error_set(err, ENOMEM, "out of memory");
	struct kb_uefi_boot_option o;
	int r = read_boot_option(dir, number, buf, &o, err);
	if (r == -ENOENT)
		return kb_error_set(err, ENOENT, "Boot%04X: the firmware has no such boot entry "
				    "(efivarfs: %s)", number, dir);
	if (r < 0)
		return r;
	if (!(o.attributes & KB_UEFI_LOAD_OPTION_ACTIVE))
		return kb_error_set(err, EINVAL, "Boot%04X '%s': the firmware marks it inactive",
				    number, o.description);
	if (ret)
		*ret = o;
	return 0;
}
