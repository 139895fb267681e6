/* File inspection on buffers shaped like the real formats' headers. */
#include "kboot-core/inspect.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#ifndef KB_FIXTURES
#define KB_FIXTURES "tests/unit/fixtures"
#endif

static unsigned char buf[8192];

static void put16(size_t off, unsigned v)
{
	buf[off] = v & 0xff;
	buf[off + 1] = (v >> 8) & 0xff;
}

static void put32(size_t off, unsigned v)
{
	put16(off, v & 0xffff);
	put16(off + 2, v >> 16);
}

/* An x86 bzImage: "HdrS" at 0x202, protocol 2.15, version string via the
 * pointer at 0x20e, cmdline_size at 0x238, XLF_KERNEL_64 in xloadflags. */
static void make_bzimage(unsigned protocol)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 0x202, "HdrS", 4);
	put16(0x206, protocol);
	put16(0x20e, 0x300); /* the string is at 0x300 + 0x200 */
	buf[0x211] = 1;      /* LOADED_HIGH: a bzImage */
	buf[0x236] = 0x7f;   /* xloadflags */
	put32(0x238, 2047);
	strcpy((char *)buf + 0x500, "6.1.0-13-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)");
}

static void test_bzimage(void **state)
{
	struct kb_file_info info;
	make_bzimage(0x20f);
	assert_int_equal(kb_inspect_buffer("vmlinuz-6.1.0-13-amd64", buf, sizeof(buf), 7900000, &info), 0);
	assert_int_equal(info.kind, KB_KIND_KERNEL);
	assert_int_equal(info.format, KB_FORMAT_BZIMAGE);
	assert_int_equal(info.size, 7900000);
	assert_string_equal(info.version, "6.1.0-13-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)");
	assert_int_equal(info.cmdline_max, 2047);
#if defined(__x86_64__)
	assert_true(info.arch_ok);
#endif
	assert_string_equal(kb_file_kind_name(info.kind), "kernel");
	assert_string_equal(kb_file_format_name(info.format), "bzImage");
}

static void test_old_bzimage_has_255_byte_cmdline(void **state)
{
	struct kb_file_info info;
	make_bzimage(0x204);
	assert_int_equal(kb_inspect_buffer("bzImage", buf, sizeof(buf), sizeof(buf), &info), 0);
	assert_int_equal(info.cmdline_max, 255);
}

/* The size the header gives (setup sectors + syssize paragraphs), so that a
 * cut-short copy is known before kexec loads it. */
static void test_bzimage_size_from_its_header(void **state)
{
	struct kb_file_info info;
	make_bzimage(0x20f);
	buf[0x1f1] = 27;             /* setup sectors after the boot sector */
	put32(0x1f4, 0x40000);       /* 4 MiB of protected-mode code */
	assert_int_equal(kb_inspect_buffer("vmlinuz", buf, sizeof(buf), 2000000, &info), 0);
	assert_int_equal(info.image_size, 28 * 512 + 0x40000 * 16);
	assert_true(info.image_size > info.size);
	put32(0x1f4, 0);             /* not given: unknown */
	assert_int_equal(kb_inspect_buffer("vmlinuz", buf, sizeof(buf), 2000000, &info), 0);
	assert_int_equal(info.image_size, 0);
}

static void test_elf_vmlinux(void **state)
{
	struct kb_file_info info;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x7f" "ELF\x02\x01\x01", 7);
	put16(16, 2);  /* ET_EXEC */
	put16(18, 62); /* EM_X86_64 */
	assert_int_equal(kb_inspect_buffer("vmlinux", buf, 64, 40000000, &info), 0);
	assert_int_equal(info.kind, KB_KIND_KERNEL);
	assert_int_equal(info.format, KB_FORMAT_ELF);
#if defined(__x86_64__)
	assert_true(info.arch_ok);
	put16(18, 183); /* EM_AARCH64 */
	assert_int_equal(kb_inspect_buffer("vmlinux", buf, 64, 40000000, &info), 0);
	assert_false(info.arch_ok);
#endif
	put16(16, 3); /* ET_DYN: a library, not a kernel */
	assert_int_equal(kb_inspect_buffer("libc.so", buf, 64, 64, &info), 0);
	assert_int_equal(info.kind, KB_KIND_OTHER);
}

static void test_initramfs_formats(void **state)
{
	static const struct {
		const char *magic;
		size_t len;
		enum kb_file_format format;
	} cases[] = {
		{ "070701", 6, KB_FORMAT_CPIO },
		{ "070702", 6, KB_FORMAT_CPIO },
		{ "\x1f\x8b\x08\x00", 4, KB_FORMAT_GZIP },
		{ "\xfd" "7zXZ\0", 6, KB_FORMAT_XZ },
		{ "\x28\xb5\x2f\xfd", 4, KB_FORMAT_ZSTD },
		{ "\x02\x21\x4c\x18", 4, KB_FORMAT_LZ4 },
		{ "\x04\x22\x4d\x18", 4, KB_FORMAT_LZ4 },
		{ "\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 13, KB_FORMAT_LZMA },
		{ "BZh91AY&SY", 10, KB_FORMAT_BZIP2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kb_file_info info;
		memset(buf, 0xee, 64);
		memcpy(buf, cases[i].magic, cases[i].len);
		assert_int_equal(kb_inspect_buffer("initrd.img", buf, 64, 30000000, &info), 0);
		assert_int_equal(info.kind, KB_KIND_INITRD);
		assert_int_equal(info.format, cases[i].format);
	}
	assert_string_equal(kb_file_format_name(KB_FORMAT_ZSTD), "zstd");
	assert_string_equal(kb_file_kind_name(KB_KIND_INITRD), "initrd");
}

static void test_configs_text_and_other(void **state)
{
	struct kb_file_info info;
	const char *text = "menuentry 'x' {\n\tlinux /vmlinuz\n}\n";
	assert_int_equal(kb_inspect_buffer("grub.cfg", text, strlen(text), strlen(text), &info), 0);
	assert_int_equal(info.kind, KB_KIND_CONFIG);
	assert_int_equal(info.format, KB_FORMAT_TEXT);
	assert_int_equal(kb_inspect_buffer("boot/loader/entries/a.conf", text, 10, 10, &info), 0);
	assert_int_equal(info.kind, KB_KIND_CONFIG);
	assert_int_equal(kb_inspect_buffer("resolv.conf", text, 10, 10, &info), 0);
	assert_int_equal(info.kind, KB_KIND_OTHER);
	assert_int_equal(info.format, KB_FORMAT_TEXT);
	memset(buf, 0, 64);
	buf[3] = 0x99;
	assert_int_equal(kb_inspect_buffer("blob", buf, 64, 64, &info), 0);
	assert_int_equal(info.kind, KB_KIND_OTHER);
	assert_int_equal(info.format, KB_FORMAT_UNKNOWN);
}

static void test_inspect_file(void **state)
{
	struct kb_file_info info;
	kb_error err = { 0 };
	assert_int_equal(kb_inspect_file(KB_FIXTURES "/grub/debian12/boot/grub/grub.cfg", &info, &err), 0);
	assert_int_equal(info.kind, KB_KIND_CONFIG);
	assert_true(info.size > 5000);
	assert_int_equal(kb_inspect_file(KB_FIXTURES "/nonexistent", &info, &err), -ENOENT);
	assert_string_equal(err.text, KB_FIXTURES "/nonexistent: No such file or directory");
	assert_int_equal(kb_inspect_file(KB_FIXTURES, &info, &err), -EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage),
		cmocka_unit_test(test_old_bzimage_has_255_byte_cmdline),
		cmocka_unit_test(test_bzimage_size_from_its_header),
		cmocka_unit_test(test_elf_vmlinux),
		cmocka_unit_test(test_initramfs_formats),
		cmocka_unit_test(test_configs_text_and_other),
		cmocka_unit_test(test_inspect_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
