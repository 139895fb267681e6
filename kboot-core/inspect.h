/* What a file is: a kernel (and its version), an initramfs, a config, or
 * something else. Works on a buffer so fuzzers need no files. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { KB_INSPECT_HEAD_MAX = 64 * 1024, KB_VERSION_MAX = 160 };

enum kb_file_kind { KB_KIND_OTHER, KB_KIND_KERNEL, KB_KIND_INITRD, KB_KIND_CONFIG };
enum kb_file_format {
	KB_FORMAT_UNKNOWN,
	KB_FORMAT_BZIMAGE,
	KB_FORMAT_ELF,
	KB_FORMAT_CPIO,
	KB_FORMAT_GZIP,
	KB_FORMAT_XZ,
	KB_FORMAT_ZSTD,
	KB_FORMAT_LZ4,
	KB_FORMAT_LZMA,
	KB_FORMAT_BZIP2,
	KB_FORMAT_TEXT,
};

struct kb_file_info {
	enum kb_file_kind kind;
	enum kb_file_format format;
	uint64_t size;
	char version[KB_VERSION_MAX]; /* kernel version string, "" if none */
	uint32_t cmdline_max;         /* bzImage header's cmdline_size; 0 if unknown */
	bool arch_ok;                 /* a kernel this machine can run */
	uint64_t image_size;          /* bzImage: the size its header gives; 0 if unknown */
};

/* name: the file's base name (config kinds are known by name); head: its
 * first bytes (up to KB_INSPECT_HEAD_MAX); size: its full size. */
int kb_inspect_buffer(const char *name, const void *head, size_t len, uint64_t size,
		      struct kb_file_info *ret);
int kb_inspect_file(const char *path, struct kb_file_info *ret, kb_error *err);
/* The same for a URL, from a bounded read of its start (kb_fetch_head);
 * ret->size is 0 when the server did not say. insecure: no certificate check. */
int kb_inspect_url(const char *url, bool insecure, struct kb_file_info *ret, kb_error *err);
const char *kb_file_kind_name(enum kb_file_kind k);
const char *kb_file_format_name(enum kb_file_format f);
