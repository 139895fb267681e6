/* The two ways kboot touches a file system it does not own: reading a file
 * (only a regular one, and a FIFO never blocks the open) and making a mount
 * point below its run dir (never through a symlink, never inside a mount). */
#include "kboot-core/fs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char dir[] = "/tmp/kboot-test-fs-util-XXXXXX";

static void at(char *ret, size_t size, const char *name)
{
	snprintf(ret, size, "%s/%s", dir, name);
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	char p[512];
	at(p, sizeof(p), "file");
	FILE *f = fopen(p, "w");
	if (!f || fputs("text\n", f) < 0 || fclose(f) != 0)
		return -1;
	at(p, sizeof(p), "fifo");
	if (mkfifo(p, 0644) < 0)
		return -1;
	at(p, sizeof(p), "run");
	if (mkdir(p, 0755) < 0)
		return -1;
	at(p, sizeof(p), "run/link");
	return symlink("/", p);
}

static int teardown(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_a_regular_file_opens(void **state)
{
	char p[512];
	at(p, sizeof(p), "file");
	kb_error err = { 0 };
	int fd = kb_open_regular(p, "file", &err);
	assert_true(fd >= 0);
	char buf[8];
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
}

static void test_a_fifo_is_refused_at_once(void **state)
{
	char p[512];
	at(p, sizeof(p), "fifo");
	kb_error err = { 0 };
	/* Without O_NONBLOCK this open would wait for a writer forever. */
	assert_int_equal(kb_open_regular(p, "/boot/grub/grub.cfg", &err), -EINVAL);
	assert_string_equal(err.text, "/boot/grub/grub.cfg: not a regular file (a FIFO)");
}

static void test_a_device_and_a_directory_are_refused(void **state)
{
	kb_error err = { 0 };
	assert_int_equal(kb_open_regular("/dev/null", "/boot/null", &err), -EINVAL);
	assert_string_equal(err.text, "/boot/null: not a regular file (a character device)");
	assert_int_equal(kb_open_regular(dir, "/boot", &err), -EISDIR);
	assert_string_equal(err.text, "/boot: is a directory");
}

static void test_a_mount_point_is_made_beneath_the_root(void **state)
{
	char run[512], made[512];
	at(run, sizeof(run), "run");
	kb_error err = { 0 };
	int fd = kb_dir_make_beneath(run, "nfs/server/srv-boot", &err);
	assert_true(fd >= 0);
	close(fd);
	at(made, sizeof(made), "run/nfs/server/srv-boot");
	struct stat st;
	assert_int_equal(lstat(made, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Again: it is there, and that is fine. */
	fd = kb_dir_make_beneath(run, "nfs/server/srv-boot", &err);
	assert_true(fd >= 0);
	close(fd);
}

static void test_a_symlink_or_dot_dot_on_the_way_is_refused(void **state)
{
	char run[512];
	at(run, sizeof(run), "run");
	kb_error err = { 0 };
	assert_int_equal(kb_dir_make_beneath(run, "link/usr", &err), -ELOOP);
	assert_non_null(strstr(err.text, "link is a symbolic link"));
	assert_int_equal(kb_dir_make_beneath(run, "nfs/../../escaped", &err), -EINVAL);
	char p[512];
	at(p, sizeof(p), "escaped");
	assert_int_equal(access(p, F_OK), -1);
}

static void test_a_mount_inside_the_root_is_not_entered(void **state)
{
	/* /proc is another filesystem than / on every Linux: RESOLVE_NO_XDEV. */
	kb_error err = { 0 };
	assert_int_equal(kb_dir_make_beneath("/", "proc/self", &err), -EXDEV);
	assert_non_null(strstr(err.text, "proc is a mount point"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_regular_file_opens),
		cmocka_unit_test(test_a_fifo_is_refused_at_once),
		cmocka_unit_test(test_a_device_and_a_directory_are_refused),
		cmocka_unit_test(test_a_mount_point_is_made_beneath_the_root),
		cmocka_unit_test(test_a_symlink_or_dot_dot_on_the_way_is_refused),
		cmocka_unit_test(test_a_mount_inside_the_root_is_not_entered),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
