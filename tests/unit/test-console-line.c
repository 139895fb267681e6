/* The console's prompt lines: how a line splits into words, what kind of
 * line it is (the kboot paper's order), and which words path substitution
 * rewrites, against a fixture target root. */
#include "console/line.h"
#include "console/subst.h"
#include "kboot-core/words.h"
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

static char root[256];    /* the fixture: target/, run/ */
static char target[300];

/* A bzImage header good enough for the inspector (boot protocol 2.15, 64-bit). */
static void write_bzimage(const char *path)
{
	static unsigned char img[16 * 1024];
	memset(img, 0, sizeof(img));
	img[0x1F1] = 4;
	img[0x1FE] = 0x55, img[0x1FF] = 0xAA;
	img[0x200] = 0xEB, img[0x201] = 0x66;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0F, img[0x207] = 0x02;
	img[0x20E] = 0x00, img[0x20F] = 0x0E; /* version string at 0x1000 */
	img[0x211] = 0x01;
	img[0x236] = 0x03;
	img[0x238] = 0xFF, img[0x239] = 0x07;
	strcpy((char *)img + 0x1000, "6.1.0-unit (unit@test) #1");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(img, 1, sizeof(img), f), sizeof(img));
	fclose(f);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int setup_fixture(void **state)
{
	char templ[] = "/tmp/kboot-console-unit.XXXXXX";
	assert_non_null(mkdtemp(templ));
	snprintf(root, sizeof(root), "%s", templ);
	snprintf(target, sizeof(target), "%s/target", root);
	char p[512];
	mkdir(target, 0755);
	snprintf(p, sizeof(p), "%s/boot", target), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin", target), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/run", root), mkdir(p, 0755);
	setenv("KBOOT_RUN_DIR", p, 1);
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-6.1", target), write_bzimage(p);
	snprintf(p, sizeof(p), "%s/boot/initrd.img-6.1", target), write_text(p, "cpio", 0644);
	snprintf(p, sizeof(p), "%s/boot/notes.txt", target), write_text(p, "notes\n", 0644);
	snprintf(p, sizeof(p), "%s/bin/target-only-tool", target),
		write_text(p, "#!/bin/sh\necho target\n", 0755);
	setenv("KBOOT_TARGET_ROOT", target, 1);
	/* An empty sysfs: nothing here may mount the host's own disks. */
	snprintf(p, sizeof(p), "%s/sys", root), mkdir(p, 0755);
	setenv("KBOOT_SYSFS", p, 1);
	snprintf(p, sizeof(p), "%s/sys/class", root), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/class/block", root), mkdir(p, 0755);
	kb_env_reload();
	return 0;
}

static int teardown_fixture(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int session_setup(void **state)
{
	struct kbc_session *s = calloc(1, sizeof(*s));
	kbc_session_init(s);
	assert_int_equal(kb_config_set_label(&s->cfg, "debian",
					     "/boot/vmlinuz-6.1 initrd=/boot/initrd.img-6.1 quiet", NULL),
			 0);
	*state = s;
	return 0;
}

static int session_teardown(void **state)
{
	kbc_session_free(*state);
	free(*state);
	return 0;
}

static enum kbc_line_kind classify(struct kbc_session *s, const char *line)
{
	struct kb_words w;
	assert_int_equal(kb_words_split(line, KB_WORDS_OPERATORS, &w, NULL), 0);
	enum kbc_line_kind k = kbc_line_classify(s, &w);
	kb_words_free(&w);
	return k;
}

/* --- what a line is --------------------------------------------------------- */

static void test_a_label_comes_first(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(classify(s, "debian"), KBC_LINE_LABEL);
	assert_int_equal(classify(s, "debian single"), KBC_LINE_LABEL);
	/* quoted, it is not the label's name any more */
	assert_int_equal(classify(s, "'debian'"), KBC_LINE_COMMAND);
}

static void test_label_expands_with_the_rest_of_the_line(void **state)
{
	struct kbc_session *s = *state;
	struct kb_words w;
	char *line = NULL;
	assert_int_equal(kb_words_split("debian  single  ", KB_WORDS_OPERATORS, &w, NULL), 0);
	assert_int_equal(kbc_line_expand_label(s, "debian  single  ", &w, &line), 0);
	assert_string_equal(line, "/boot/vmlinuz-6.1 initrd=/boot/initrd.img-6.1 quiet single  ");
	free(line);
	kb_words_free(&w);
}

static void test_name_value_sets_a_label_for_the_session(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(classify(s, "mine='/boot/vmlinuz-6.1 root=/dev/sda2'"), KBC_LINE_ASSIGN);
	assert_int_equal(kbc_line_run(s, "mine='/boot/vmlinuz-6.1 root=/dev/sda2'"), 0);
	const struct kb_label *l = kb_config_label(&s->cfg, "mine");
	assert_non_null(l);
	assert_string_equal(l->command, "/boot/vmlinuz-6.1 root=/dev/sda2");
	assert_int_equal(classify(s, "mine"), KBC_LINE_LABEL);
	/* unquoted, the value is the rest of the line as typed */
	assert_int_equal(kbc_line_run(s, "other=/boot/vmlinuz-6.1 quiet \"a b\""), 0);
	assert_string_equal(kb_config_label(&s->cfg, "other")->command,
			    "/boot/vmlinuz-6.1 quiet \"a b\"");
	/* a setting is not a label */
	assert_int_not_equal(kbc_line_run(s, "timeout=3"), 0);
	assert_null(kb_config_label(&s->cfg, "timeout"));
}

static void test_assignment_is_not_a_device_tag_path(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(classify(s, "UUID=1234-abcd:/vmlinuz quiet"), KBC_LINE_KERNEL);
	char *name = NULL, *value = NULL;
	assert_int_equal(kbc_line_assignment("  x='a b'", &name, &value), 0);
	assert_string_equal(name, "x");
	assert_string_equal(value, "a b");
	free(name), free(value);
	assert_int_equal(kbc_line_assignment("/boot/x=y", &name, &value), -EINVAL);
}

static void test_a_kernel_path_is_booted(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(classify(s, "/boot/vmlinuz-6.1"), KBC_LINE_KERNEL);
	assert_int_equal(classify(s, "/boot/vmlinuz-6.1 initrd=/boot/initrd.img-6.1 quiet"),
			 KBC_LINE_KERNEL);
	/* missing and non-kernel files are tried, so the boot says what is wrong */
	assert_int_equal(classify(s, "/boot/vmlinuz-missing"), KBC_LINE_KERNEL);
	assert_int_equal(classify(s, "/boot/notes.txt"), KBC_LINE_KERNEL);
	assert_int_equal(classify(s, "http://server/vmlinuz root=/dev/nfs"), KBC_LINE_KERNEL);
}

static void test_a_relative_kernel_needs_to_be_one(void **state)
{
	struct kbc_session *s = *state;
	snprintf(s->cwd, sizeof(s->cwd), "/boot");
	assert_int_equal(classify(s, "vmlinuz-6.1 quiet"), KBC_LINE_KERNEL);
	assert_int_equal(classify(s, "notes.txt"), KBC_LINE_COMMAND);
	assert_int_equal(classify(s, "ls"), KBC_LINE_BUILTIN);
}

static void test_a_program_in_the_target_is_a_command(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(classify(s, "/bin/target-only-tool --help"), KBC_LINE_COMMAND);
	assert_int_equal(classify(s, "target-only-tool"), KBC_LINE_COMMAND);
}

static void test_a_whole_device_is_a_legacy_boot(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(classify(s, "sda"), KBC_LINE_LEGACY);
	assert_int_equal(classify(s, "/dev/hda7"), KBC_LINE_LEGACY);
	assert_int_equal(classify(s, "nvme0n1"), KBC_LINE_LEGACY);
	assert_int_equal(classify(s, "sda1:/boot/vmlinuz"), KBC_LINE_KERNEL);
}

static void test_builtins_and_other_commands(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(classify(s, "cd /boot"), KBC_LINE_BUILTIN);
	/* the target has a /boot directory; "boot" is still the command */
	assert_int_equal(classify(s, "entries"), KBC_LINE_BUILTIN);
	assert_int_equal(classify(s, "boot 1 quiet"), KBC_LINE_BUILTIN);
	assert_int_equal(classify(s, "cat //etc/fstab"), KBC_LINE_COMMAND);
	assert_int_equal(classify(s, "no-such-command-anywhere"), KBC_LINE_COMMAND);
	assert_int_equal(classify(s, ""), KBC_LINE_EMPTY);
	assert_int_equal(classify(s, "   # a comment"), KBC_LINE_EMPTY);
}

static void test_unknown_command_is_one_line_error(void **state)
{
	struct kbc_session *s = *state;
	assert_int_equal(kbc_line_run(s, "no-such-command-anywhere"), -ENOENT);
}

/* --- which words are paths ------------------------------------------------- */

static void test_which_words_are_paths(void **state)
{
	assert_true(kbc_word_is_path("//etc/fstab"));
	assert_true(kbc_word_is_path("/boot/grub/grub.cfg"));
	assert_true(kbc_word_is_path("sda1:/grub/grub.cfg"));
	assert_true(kbc_word_is_path("sda1:grub.cfg"));
	assert_true(kbc_word_is_path("/dev/sda6:foo/bar"));
	assert_true(kbc_word_is_path("UUID=1234-abcd:/boot"));
	assert_true(kbc_word_is_path("LABEL=root:/etc/fstab"));
	assert_true(kbc_word_is_path("server:/home/k/bzImage"));
	assert_true(kbc_word_is_path("http://server/foo"));
	assert_true(kbc_word_is_path("tftp://server/foo"));
	/* options, plain words, relative names and other colons stay */
	assert_false(kbc_word_is_path("-l"));
	assert_false(kbc_word_is_path("--root=/boot"));
	assert_false(kbc_word_is_path("fstab"));
	assert_false(kbc_word_is_path("boot/grub"));
	assert_false(kbc_word_is_path("a:b"));
	assert_false(kbc_word_is_path("12:30"));
	assert_false(kbc_word_is_path("mailto:x"));
	assert_string_equal(kbc_word_assigned_path("if=//dev/zero"), "//dev/zero");
	assert_null(kbc_word_assigned_path("count=1"));
	assert_null(kbc_word_assigned_path("UUID=x:/boot"));
}

static char *subst(const char *line, bool inside_target)
{
	struct kb_words w;
	char *out = NULL;
	assert_int_equal(kb_words_split(line, KB_WORDS_OPERATORS, &w, NULL), 0);
	kb_error err = { 0 };
	int r = kbc_subst_line(line, &w, "/", inside_target, &out, &err);
	kb_words_free(&w);
	if (r < 0)
		return strdup(err.text);
	return out;
}

static void test_substitution_of_kboot_and_target_paths(void **state)
{
	char want[1024];
	char *out = subst("cat //etc/hostname", false);
	assert_string_equal(out, "cat '/etc/hostname'");
	free(out);
	out = subst("cat /boot/notes.txt", false);
	snprintf(want, sizeof(want), "cat '%s/boot/notes.txt'", target);
	assert_string_equal(out, want);
	free(out);
	/* a file to be created is named through its directory */
	out = subst("cp x /boot/new-file", false);
	snprintf(want, sizeof(want), "cp x '%s/boot/new-file'", target);
	assert_string_equal(out, want);
	free(out);
}

static void test_substitution_keeps_options_quotes_and_spacing(void **state)
{
	char want[1024];
	char *out = subst("ls  -l --color=never '/boot' /boot|wc -l >/dev/null", false);
	snprintf(want, sizeof(want), "ls  -l --color=never '/boot' '%s/boot'|wc -l >/dev/null",
		 target);
	assert_string_equal(out, want);
	free(out);
	out = subst("dd if=/boot/notes.txt count=1", false);
	snprintf(want, sizeof(want), "dd 'if=%s/boot/notes.txt' count=1", target);
	assert_string_equal(out, want);
	free(out);
}

static void test_substitution_globs_stay_live(void **state)
{
	char want[1024];
	char *out = subst("ls /boot/vm*", false);
	snprintf(want, sizeof(want), "ls '%s/boot/vm'*", target);
	assert_string_equal(out, want);
	free(out);
}

static void test_substitution_inside_the_target(void **state)
{
	char *out = subst("/bin/target-only-tool /boot/notes.txt", true);
	assert_string_equal(out, "'/bin/target-only-tool' '/boot/notes.txt'");
	free(out);
	out = subst("/bin/target-only-tool //etc/hostname", true);
	assert_string_equal(out, "//etc/hostname: not visible inside the target system, where "
				 "this command runs");
	free(out);
}

static void test_substitution_of_a_missing_device(void **state)
{
	char *out = subst("cat sdzz9:/grub/grub.cfg", false);
	assert_non_null(strstr(out, "sdzz9"));
	assert_null(strstr(out, "cat '")); /* not run: the error instead */
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_label_comes_first, session_setup, session_teardown),
		cmocka_unit_test_setup_teardown(test_label_expands_with_the_rest_of_the_line,
						session_setup, session_teardown),
		cmocka_unit_test_setup_teardown(test_name_value_sets_a_label_for_the_session,
						session_setup, session_teardown),
		cmocka_unit_test_setup_teardown(test_assignment_is_not_a_device_tag_path,
						session_setup, session_teardown),
		cmocka_unit_test_setup_teardown(test_a_kernel_path_is_booted, session_setup,
						session_teardown),
		cmocka_unit_test_setup_teardown(test_a_relative_kernel_needs_to_be_one, session_setup,
						session_teardown),
		cmocka_unit_test_setup_teardown(test_a_program_in_the_target_is_a_command,
						session_setup, session_teardown),
		cmocka_unit_test_setup_teardown(test_a_whole_device_is_a_legacy_boot, session_setup,
						session_teardown),
		cmocka_unit_test_setup_teardown(test_builtins_and_other_commands, session_setup,
						session_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command_is_one_line_error, session_setup,
						session_teardown),
		cmocka_unit_test(test_which_words_are_paths),
		cmocka_unit_test(test_substitution_of_kboot_and_target_paths),
		cmocka_unit_test(test_substitution_keeps_options_quotes_and_spacing),
		cmocka_unit_test(test_substitution_globs_stay_live),
		cmocka_unit_test(test_substitution_inside_the_target),
		cmocka_unit_test(test_substitution_of_a_missing_device),
	};
	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
