/* Paper §3.5, on fixture directories: kboot takes kboot.conf, fstab and hosts
 * from the target's /etc unless booted with kboot=local; a target given as a
 * plain directory (KBOOT_TARGET_ROOT) is used as is, never mounted. */
#include "kboot-core/config.h"
#include "kboot-core/env.h"
#include "kboot-core/target.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char tmp[128];

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "setup: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

static void write_file(const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	FILE *f = fopen(path, "w");
	must(f != NULL, path);
	fputs(text, f);
	fclose(f);
}

static char *read_back(const char *rel)
{
	static char text[4096];
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* A fresh target and a fresh kboot /etc for every test. */
static int setup(void **state)
{
	char cmd[512];
	snprintf(tmp, sizeof(tmp), "/tmp/kboot-test-target.XXXXXX");
	must(mkdtemp(tmp) != NULL, "mkdtemp");
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/target/etc' '%s/kboot-etc'", tmp, tmp);
	must(system(cmd) == 0, "mkdir");
	write_file("target/etc/kboot.conf", "default=debian\ndebian='/vmlinuz root=/dev/vda2'\n");
	write_file("target/etc/fstab", "UUID=1234 / ext4 defaults 0 1\n");
	write_file("target/etc/hosts", "10.0.0.1 server\n");
	write_file("kboot-etc/kboot.conf", "# the image's own\n");
	write_file("kboot-etc/fstab", "# the image's own fstab\n");
	write_file("kboot-etc/hosts", "127.0.0.1 localhost\n");

	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target", tmp);
	setenv("KBOOT_TARGET_ROOT", path, 1);
	snprintf(path, sizeof(path), "%s/kboot-etc", tmp);
	setenv("KBOOT_ETC", path, 1);
	snprintf(path, sizeof(path), "%s/run", tmp);
	setenv("KBOOT_RUN_DIR", path, 1);
	setenv("KBOOT_CMDLINE", "console=ttyS0", 1);
	kb_env_reload();
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_takes_the_targets_files(void **state)
{
	kb_error err = { 0 };
	assert_int_equal(kb_target_config_update(&err), 3);
	assert_string_equal(read_back("kboot-etc/kboot.conf"),
			    "default=debian\ndebian='/vmlinuz root=/dev/vda2'\n");
	assert_string_equal(read_back("kboot-etc/fstab"), "UUID=1234 / ext4 defaults 0 1\n");
	assert_string_equal(read_back("kboot-etc/hosts"), "10.0.0.1 server\n");
	/* And the copy is where kboot reads its configuration from. */
	char conf[PATH_MAX];
	snprintf(conf, sizeof(conf), "%s/kboot-etc/kboot.conf", tmp);
	assert_string_equal(kb_env()->conf_path, conf);
}

static void test_kboot_local_keeps_the_images_files(void **state)
{
	setenv("KBOOT_CMDLINE", "quiet kboot=local", 1);
	kb_env_reload();
	kb_error err = { 0 };
	assert_int_equal(kb_target_config_update(&err), 0);
	assert_string_equal(read_back("kboot-etc/kboot.conf"), "# the image's own\n");
	assert_string_equal(read_back("kboot-etc/fstab"), "# the image's own fstab\n");
	assert_string_equal(read_back("kboot-etc/hosts"), "127.0.0.1 localhost\n");
}

static void test_missing_files_keep_kboots_copies(void **state)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target/etc/hosts", tmp);
	must(unlink(path) == 0, "unlink");
	snprintf(path, sizeof(path), "%s/target/etc/kboot.conf", tmp);
	must(unlink(path) == 0, "unlink");
	kb_error err = { 0 };
	assert_int_equal(kb_target_config_update(&err), 1);
	assert_string_equal(read_back("kboot-etc/fstab"), "UUID=1234 / ext4 defaults 0 1\n");
	assert_string_equal(read_back("kboot-etc/hosts"), "127.0.0.1 localhost\n");
	assert_string_equal(read_back("kboot-etc/kboot.conf"), "# the image's own\n");
}

/* /etc/hosts -> /etc/hostname means the target's hostname file, which does
 * not exist; kboot's own (the host's) must never be copied in its place. */
static void test_symlink_out_of_target_is_not_followed_out(void **state)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target/etc/hosts", tmp);
	must(unlink(path) == 0, "unlink");
	must(symlink("/etc/hostname", path) == 0, "symlink");
	snprintf(path, sizeof(path), "%s/target/etc/fstab", tmp);
	must(unlink(path) == 0, "unlink");
	must(symlink("../../../../../../../etc/passwd", path) == 0, "symlink");
	kb_error err = { 0 };
	assert_int_equal(kb_target_config_update(&err), 1); /* only kboot.conf */
	assert_string_equal(read_back("kboot-etc/hosts"), "127.0.0.1 localhost\n");
	assert_string_equal(read_back("kboot-etc/fstab"), "# the image's own fstab\n");
}

static void test_a_directory_is_not_a_config_file(void **state)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/target/etc/hosts", tmp);
	must(unlink(path) == 0, "unlink");
	must(mkdir(path, 0755) == 0, "mkdir");
	kb_error err = { 0 };
	assert_int_equal(kb_target_config_update(&err), 2);
	assert_string_equal(err.text, "target /etc/hosts: is a directory");
	assert_string_equal(read_back("kboot-etc/hosts"), "127.0.0.1 localhost\n");
}

static void test_target_directory_is_used_as_is(void **state)
{
	kb_error err = { 0 };
	struct kb_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(kb_target_setup(&cfg, &err), 0);
	assert_true(kb_target_present());
	char dev[32] = "x";
	assert_int_equal(kb_target_root_device(dev, sizeof(dev)), 0);
	assert_string_equal(dev, "");
	/* Nothing was mounted, so kboot's mount table stays empty. */
	char *table = read_back("run/mounts");
	assert_true(table == NULL || table[0] == '\0' || strstr(table, "target") == NULL);

	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/no-such-dir", tmp);
	setenv("KBOOT_TARGET_ROOT", path, 1);
	kb_env_reload();
	assert_false(kb_target_present());
	assert_int_equal(kb_target_setup(NULL, &err), -ENOENT);
	assert_non_null(strstr(err.text, "no-such-dir: no such directory"));
	assert_int_equal(kb_target_config_update(&err), -ENODEV);
	assert_string_equal(err.text, "no target system to take configuration from");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_takes_the_targets_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kboot_local_keeps_the_images_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_files_keep_kboots_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_out_of_target_is_not_followed_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_directory_is_not_a_config_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_directory_is_used_as_is, setup, teardown),
	};
	return cmocka_run_group_tests_name("target-config", tests, NULL, NULL);
}
