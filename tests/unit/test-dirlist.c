/* A directory as the console's ls and the API's file browser show it:
 * sorted, typed, kernels and initrds named with a kernel's version, dot files
 * only on request, a FIFO listed without blocking, and a cap that says so. */
#include "kboot-core/dirlist.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char dir[] = "/tmp/kboot-test-dirlist-XXXXXX";

static void put(const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void make_tree(void)
{
	static uint8_t bz[8192];
	bz[0x1F1] = 4;
	memcpy(bz + 0x202, "HdrS", 4);
	bz[0x206] = 0x0F, bz[0x207] = 0x02;
	bz[0x20E] = 0x00, bz[0x20F] = 0x0E;
	bz[0x236] = 0x03;
	memcpy(bz + 0x1000, "6.1.0-test", 11);
	put("vmlinuz-6.1.0-test", bz, sizeof(bz));
	put("initrd.img-6.1.0-test", "070701", 6);
	put("grub.cfg", "menuentry 'x' {\n}\n", 18);
	put("notes.txt", "hello\n", 6);
	put(".hidden", "x", 1);
	char path[512];
	snprintf(path, sizeof(path), "%s/grub", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/to-grub", dir);
	assert_int_equal(symlink("grub", path), 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
}

static const struct kb_dirent *find(const struct kb_dir_listing *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static void test_entries_are_sorted_typed_and_named(void **state)
{
	struct kb_dir_listing l;
	assert_int_equal(kb_dir_list(dir, 100, false, &l, NULL), 0);
	assert_int_equal(l.n, 7);
	assert_false(l.truncated);
	for (size_t i = 1; i < l.n; i++)
		assert_true(strcmp(l.v[i - 1].name, l.v[i].name) < 0);
	assert_null(find(&l, ".hidden"));

	const struct kb_dirent *k = find(&l, "vmlinuz-6.1.0-test");
	assert_int_equal(k->type, KB_DIRENT_FILE);
	assert_int_equal(k->kind, KB_KIND_KERNEL);
	assert_string_equal(k->version, "6.1.0-test");
	assert_int_equal(k->size, 8192);
	assert_int_equal(find(&l, "initrd.img-6.1.0-test")->kind, KB_KIND_INITRD);
	assert_int_equal(find(&l, "grub.cfg")->kind, KB_KIND_CONFIG);
	assert_int_equal(find(&l, "notes.txt")->kind, KB_KIND_OTHER);
	assert_int_equal(find(&l, "grub")->type, KB_DIRENT_DIRECTORY);
	const struct kb_dirent *link = find(&l, "to-grub");
	assert_int_equal(link->type, KB_DIRENT_SYMLINK);
	assert_true(link->is_dir);
	assert_int_equal(find(&l, "fifo")->type, KB_DIRENT_OTHER); /* and we did not block */
	assert_string_equal(kb_dirent_type_name(link->type), "symlink");
	kb_dir_listing_free(&l);
}

static void test_hidden_files_on_request(void **state)
{
	struct kb_dir_listing l;
	assert_int_equal(kb_dir_list(dir, 100, true, &l, NULL), 0);
	assert_int_equal(l.n, 8);
	assert_non_null(find(&l, ".hidden"));
	assert_null(find(&l, "."));
	assert_null(find(&l, ".."));
	kb_dir_listing_free(&l);
}

static void test_the_cap_at_and_past_the_limit(void **state)
{
	struct kb_dir_listing l;
	assert_int_equal(kb_dir_list(dir, 7, false, &l, NULL), 0);
	assert_int_equal(l.n, 7);
	assert_false(l.truncated);
	kb_dir_listing_free(&l);
	assert_int_equal(kb_dir_list(dir, 6, false, &l, NULL), 0);
	assert_int_equal(l.n, 6);
	assert_true(l.truncated);
	kb_dir_listing_free(&l);
}

static void test_a_missing_directory_says_so(void **state)
{
	struct kb_dir_listing l;
	kb_error err = { 0 };
	assert_int_equal(kb_dir_list("/nonexistent-kboot-dir", 10, false, &l, &err), -ENOENT);
	assert_string_equal(err.text, "/nonexistent-kboot-dir: No such file or directory");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	make_tree();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_are_sorted_typed_and_named),
		cmocka_unit_test(test_hidden_files_on_request),
		cmocka_unit_test(test_the_cap_at_and_past_the_limit),
		cmocka_unit_test(test_a_missing_directory_says_so),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return r;
}
