/* Tab completion's candidates: commands and labels first on a line, entry
 * ids after `boot`, and file names in generalized paths everywhere else. */
#include "console/complete.h"
#include "kboot-core/bootctl.h"
#include "kboot-core/env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], target[300], kboot_dir[300];
static struct kbc_session session;

static void touch(const char *dir, const char *name)
{
	char p[700];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

static int setup(void **state)
{
	char templ[] = "/tmp/kboot-console-complete.XXXXXX";
	assert_non_null(mkdtemp(templ));
	snprintf(root, sizeof(root), "%s", templ);
	snprintf(target, sizeof(target), "%s/target", root);
	snprintf(kboot_dir, sizeof(kboot_dir), "%s/kboot-own", root);
	char p[512];
	mkdir(target, 0755);
	mkdir(kboot_dir, 0755);
	snprintf(p, sizeof(p), "%s/boot", target), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/boot/grub", target), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/boot", target);
	touch(p, "vmlinuz-6.1.0-12-amd64");
	touch(p, "vmlinuz-6.1.0-13-amd64");
	touch(p, "initrd.img-6.1.0-13-amd64");
	touch(kboot_dir, "fstab");
	touch(kboot_dir, "fstab.d-not");
	snprintf(p, sizeof(p), "%s/run", root), mkdir(p, 0755);
	setenv("KBOOT_RUN_DIR", p, 1);
	setenv("KBOOT_TARGET_ROOT", target, 1);
	/* An empty sysfs: nothing here may mount the host's own disks. */
	snprintf(p, sizeof(p), "%s/sys", root), mkdir(p, 0755);
	setenv("KBOOT_SYSFS", p, 1);
	snprintf(p, sizeof(p), "%s/sys/class", root), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/class/block", root), mkdir(p, 0755);
	kb_env_reload();

	kbc_session_init(&session);
	assert_int_equal(kb_config_set_label(&session.cfg, "debian", "/boot/vmlinuz quiet", NULL), 0);
	assert_int_equal(kb_config_set_label(&session.cfg, "rescue", "/boot/vmlinuz single", NULL), 0);
	struct kb_entry_list l = { 0 };
	struct kb_entry e = { .id = "debian-613", .title = "Debian", .kernel = "/boot/vmlinuz" };
	assert_int_equal(kb_entry_list_add(&l, &e, NULL), 0);
	struct kb_entry e2 = { .id = "debian-612", .title = "Debian old", .kernel = "/boot/vmlinuz" };
	assert_int_equal(kb_entry_list_add(&l, &e2, NULL), 0);
	assert_int_equal(kb_bootctl_init(&session.cfg, &l, NULL), 0);
	kb_entry_list_free(&l);
	return 0;
}

static int teardown(void **state)
{
	kbc_session_free(&session);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* The candidates, sorted and joined with spaces, for the line so far. */
static char *candidates(const char *line, size_t *ret_start)
{
	struct kbc_completions c;
	assert_int_equal(kbc_complete(&session, line, ret_start, &c), 0);
	for (size_t i = 0; i < c.n; i++)
		for (size_t j = i + 1; j < c.n; j++)
			if (strcmp(c.v[i], c.v[j]) > 0) {
				char *t = c.v[i];
				c.v[i] = c.v[j];
				c.v[j] = t;
			}
	static char out[4096];
	out[0] = '\0';
	for (size_t i = 0; i < c.n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", c.v[i]);
	kbc_completions_free(&c);
	return out;
}

static void test_target_path_completes_file_names(void **state)
{
	size_t start;
	assert_string_equal(candidates("ls /boot/vm", &start),
			    "/boot/vmlinuz-6.1.0-12-amd64 /boot/vmlinuz-6.1.0-13-amd64");
	assert_int_equal(start, 3);
	assert_string_equal(candidates("ls /bo", &start), "/boot/");
	assert_string_equal(candidates("cat /boot/g", &start), "/boot/grub/");
}

static void test_a_kernel_path_completes_as_the_first_word(void **state)
{
	size_t start;
	assert_string_equal(candidates("/boot/vmlinuz-6.1.0-13", &start), "/boot/vmlinuz-6.1.0-13-amd64");
	assert_int_equal(start, 0);
}

static void test_initrd_argument_completes_after_the_equals(void **state)
{
	size_t start;
	assert_string_equal(candidates("/boot/vmlinuz-6.1.0-13-amd64 initrd=/boot/in", &start),
			    "/boot/initrd.img-6.1.0-13-amd64");
	assert_int_equal(start, strlen("/boot/vmlinuz-6.1.0-13-amd64 initrd="));
}

static void test_double_slash_completes_in_kboot_own_root(void **state)
{
	char line[600];
	size_t start;
	snprintf(line, sizeof(line), "cat /%s/fst", kboot_dir);
	char want[1400];
	snprintf(want, sizeof(want), "/%s/fstab /%s/fstab.d-not", kboot_dir, kboot_dir);
	assert_string_equal(candidates(line, &start), want);
}

static void test_relative_names_complete_in_the_current_directory(void **state)
{
	size_t start;
	snprintf(session.cwd, sizeof(session.cwd), "/boot");
	assert_string_equal(candidates("cat init", &start), "initrd.img-6.1.0-13-amd64");
	snprintf(session.cwd, sizeof(session.cwd), "/");
}

static void test_first_word_completes_commands_and_labels(void **state)
{
	size_t start;
	assert_string_equal(candidates("re", &start), "reboot rescue");
	assert_string_equal(candidates("  de", &start), "debian devices");
	assert_int_equal(start, 2);
}

static void test_boot_completes_entry_ids(void **state)
{
	size_t start;
	assert_string_equal(candidates("boot deb", &start), "debian-612 debian-613");
	struct kbc_completions c;
	assert_int_equal(kbc_complete(&session, "boot debian-61", &start, &c), 0);
	assert_int_equal(kbc_completions_common(&c), strlen("debian-61"));
	kbc_completions_free(&c);
}

static void test_a_missing_device_completes_nothing(void **state)
{
	size_t start;
	assert_string_equal(candidates("ls sdzz9:/bo", &start), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_path_completes_file_names),
		cmocka_unit_test(test_a_kernel_path_completes_as_the_first_word),
		cmocka_unit_test(test_initrd_argument_completes_after_the_equals),
		cmocka_unit_test(test_double_slash_completes_in_kboot_own_root),
		cmocka_unit_test(test_relative_names_complete_in_the_current_directory),
		cmocka_unit_test(test_first_word_completes_commands_and_labels),
		cmocka_unit_test(test_boot_completes_entry_ids),
		cmocka_unit_test(test_a_missing_device_completes_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
