/* Writing grubenv: every block kboot writes, the real grub-editenv (Debian's
 * grub2-common) lists; every block grub-editenv writes, kboot reads. */
#include "kboot-core/grubenv.h"
#include "kboot-core/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/kboot-grubenv-XXXXXX";
static char file[sizeof(dir) + 16];

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/grubenv", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(file);
	return rmdir(dir);
}

/* Run a shell command; its output in a static buffer. */
static const char *sh(const char *fmt, ...)
{
	static char out[4096];
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return out;
}

static void fresh_grubenv(void)
{
	unlink(file);
	sh("grub-editenv %s create", file);
}

static void test_grub_editenv_lists_what_kboot_writes(void **state)
{
	fresh_grubenv();
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_update(file, "saved_entry", "Debian GNU/Linux", &err), 0);
	assert_int_equal(kb_grubenv_update(file, "next_entry", "windows>chain", &err), 0);
	assert_string_equal(sh("grub-editenv %s list", file),
			    "saved_entry=Debian GNU/Linux\nnext_entry=windows>chain\n");
	/* replaced in place, order kept */
	assert_int_equal(kb_grubenv_update(file, "saved_entry", "0", &err), 0);
	assert_int_equal(kb_grubenv_update(file, "next_entry", NULL, &err), 0);
	assert_string_equal(sh("grub-editenv %s list", file), "saved_entry=0\n");
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_size, KB_GRUBENV_BLOCK_SIZE);
}

static void test_escapes_read_back_by_grub(void **state)
{
	fresh_grubenv();
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_update(file, "odd", "back\\slash\nnew line", &err), 0);
	/* grub-editenv's list prints the value unescaped */
	assert_string_equal(sh("grub-editenv %s list", file), "odd=back\\slash\nnew line\n");
	/* and the bytes are the ones grub-editenv itself writes for it */
	char ours[KB_GRUBENV_BLOCK_SIZE], theirs[KB_GRUBENV_BLOCK_SIZE];
	int fd = open(file, O_RDONLY);
	assert_int_equal(read(fd, ours, sizeof(ours)), sizeof(ours));
	close(fd);
	fresh_grubenv();
	sh("grub-editenv %s set \"$(printf 'odd=back\\\\slash\\nnew line')\"", file);
	fd = open(file, O_RDONLY);
	assert_int_equal(read(fd, theirs, sizeof(theirs)), sizeof(theirs));
	close(fd);
	assert_memory_equal(ours, theirs, sizeof(ours));
}

static void read_file(char *ret)
{
	int fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, ret, KB_GRUBENV_BLOCK_SIZE), KB_GRUBENV_BLOCK_SIZE);
	close(fd);
}

/* Longer, shorter, removed, added: the same bytes grub-editenv leaves. */
static void test_edits_byte_for_byte_like_grub_editenv(void **state)
{
	char ours[KB_GRUBENV_BLOCK_SIZE], theirs[KB_GRUBENV_BLOCK_SIZE];
	kb_error err = { 0 };
	fresh_grubenv();
	sh("grub-editenv %s set a=1 b=22 c=333", file);
	assert_int_equal(kb_grubenv_update(file, "a", "one-longer", &err), 0);
	assert_int_equal(kb_grubenv_update(file, "c", "3", &err), 0);
	assert_int_equal(kb_grubenv_update(file, "b", NULL, &err), 0);
	assert_int_equal(kb_grubenv_update(file, "next_entry", "2>0", &err), 0);
	read_file(ours);
	fresh_grubenv();
	sh("grub-editenv %s set a=1 b=22 c=333", file);
	sh("grub-editenv %s set a=one-longer c=3", file);
	sh("grub-editenv %s unset b", file);
	sh("grub-editenv %s set 'next_entry=2>0'", file);
	read_file(theirs);
	assert_memory_equal(ours, theirs, sizeof(ours));
}

static void test_kboot_reads_what_grub_editenv_writes(void **state)
{
	fresh_grubenv();
	sh("grub-editenv %s set a=1 'spaced=one two  three' 'bs=c:\\dos\\win' b=2", file);
	sh("grub-editenv %s set \"$(printf 'nl=first\\nsecond')\"", file);
	sh("grub-editenv %s unset a", file);
	struct kb_grubenv env;
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_load(file, &env, &err), 0);
	assert_int_equal(env.n, 4);
	assert_null(kb_grubenv_get(&env, "a"));
	assert_string_equal(kb_grubenv_get(&env, "spaced"), "one two  three");
	assert_string_equal(kb_grubenv_get(&env, "bs"), "c:\\dos\\win");
	assert_string_equal(kb_grubenv_get(&env, "b"), "2");
	assert_string_equal(kb_grubenv_get(&env, "nl"), "first\nsecond");
	kb_grubenv_free(&env);
	/* and kboot's edit of it is still grub-editenv's to read */
	assert_int_equal(kb_grubenv_update(file, "b", "two", &err), 0);
	assert_string_equal(sh("grub-editenv %s list", file),
			    "spaced=one two  three\nbs=c:\\dos\\win\nb=two\nnl=first\nsecond\n");
}

static void test_full_block_refused(void **state)
{
	fresh_grubenv();
	char big[900];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_update(file, "big", big, &err), 0);
	assert_int_equal(kb_grubenv_update(file, "next_entry", "a-rather-long-entry-name-that-no-"
				"longer-fits-in-the-block-at-all-because-big-took-it", &err),
			 -ENOSPC);
	assert_non_null(strstr(err.text, "is full"));
	/* nothing changed: grub-editenv still sees just big */
	assert_int_equal(strncmp(sh("grub-editenv %s list", file), "big=xxx", 7), 0);
	assert_null(strstr(sh("grub-editenv %s list", file), "next_entry"));
	/* what grub-editenv itself refuses as full, kboot does too */
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "grub-editenv %s set c=%.100s 2>&1 || true", file, big);
	assert_non_null(strstr(sh("%s", cmd), "environment block too small"));
}

static void test_wrong_size_refused(void **state)
{
	fresh_grubenv();
	assert_int_equal(truncate(file, 2048), 0);
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_update(file, "next_entry", "x", &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.text, "2048 bytes, not the 1024"));
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_size, 2048); /* never resized */
}

static void test_sparse_file_refused(void **state)
{
	unlink(file);
	int fd = open(file, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, KB_GRUBENV_SIGNATURE, strlen(KB_GRUBENV_SIGNATURE)),
			 (ssize_t)strlen(KB_GRUBENV_SIGNATURE));
	assert_int_equal(ftruncate(fd, KB_GRUBENV_BLOCK_SIZE), 0);
	fsync(fd);
	close(fd);
	/* 1024 bytes on a 4 KiB-block filesystem: one block, no hole; punch one */
	const char *out = sh("fallocate --punch-hole --offset 0 --length 4096 %s 2>&1; "
			     "stat -c %%b %s", file, file);
	if (atoi(out) != 0) {
		skip(); /* this filesystem cannot punch holes */
		return;
	}
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_update(file, "next_entry", "x", &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.text, "sparse"));
}

static void test_bad_names_refused(void **state)
{
	fresh_grubenv();
	kb_error err = { 0 };
	assert_int_equal(kb_grubenv_update(file, "a=b", "x", &err), -EINVAL);
	assert_int_equal(kb_grubenv_update(file, "#x", "x", &err), -EINVAL);
	assert_int_equal(kb_grubenv_update(file, "", "x", &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grub_editenv_lists_what_kboot_writes),
		cmocka_unit_test(test_escapes_read_back_by_grub),
		cmocka_unit_test(test_edits_byte_for_byte_like_grub_editenv),
		cmocka_unit_test(test_kboot_reads_what_grub_editenv_writes),
		cmocka_unit_test(test_full_block_refused),
		cmocka_unit_test(test_wrong_size_refused),
		cmocka_unit_test(test_sparse_file_refused),
		cmocka_unit_test(test_bad_names_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
